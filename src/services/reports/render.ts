/**
 * The disclosure report as PDF (pdfkit, Chinese text in the embedded Noto Sans SC subset, as the e-policy)
 * and as Excel (exceljs). Both render the same tables from `disclosureTables`, so they cannot disagree.
 * Excel cells hold numbers (yuan with 2 decimals, counts, ratios as fractions formatted as %) so readers can
 * compute with them; the yuan value of a cell is the report's fen amount as its yuan string, read as a number
 * (so the PDF's text and the workbook's number come from one formatting).
 */
import ExcelJS from "exceljs";
import PDFDocument from "pdfkit";
import { type Fen, formatPercent, formatYuan } from "../../domain/money.js";
import { cjkFontPath } from "../epolicy.js";
import type { DisclosureReport } from "./disclosure.js";

export type Cell =
  | { kind: "text"; value: string | null }
  | { kind: "int"; value: number }
  | { kind: "yuan"; value: string | null }
  | { kind: "percent"; bps: number | null };

export interface Table {
  /** Worksheet name. */
  readonly id: string;
  readonly title: string;
  readonly headers: readonly string[];
  readonly widths: readonly number[];
  readonly rows: readonly (readonly Cell[])[];
  readonly note?: string;
  /**
   * The column of codes (指标代码, 区县代码, 责任代码), for machines reading the workbook; the PDF, read by
   * people, leaves it out and gives its width to the column before it (issue 14: no identifiers on paper).
   */
  readonly codeColumn?: number;
}

/** A table as people read it (the PDF): without its code column. */
export function forPeople(t: Table): Table {
  const c = t.codeColumn;
  if (c === undefined) return t;
  const widths = t.widths.filter((_, i) => i !== c);
  const merged = (t.widths[c - 1] ?? 0) + (t.widths[c] ?? 0);
  return {
    ...t,
    headers: t.headers.filter((_, i) => i !== c),
    widths: widths.map((w, i) => (i === c - 1 ? merged : w)),
    rows: t.rows.map((r) => r.filter((_, i) => i !== c)),
    codeColumn: undefined,
  };
}

const text = (value: string | null): Cell => ({ kind: "text", value });
const int = (value: number): Cell => ({ kind: "int", value });
const yuan = (value: string | null): Cell => ({ kind: "yuan", value });
/** An amount of the report (fen; the report carries no yuan strings) as its yuan string. */
const fen = (value: Fen | null): Cell => yuan(value === null ? null : formatYuan(value));
const percent = (bps: number | null): Cell => ({ kind: "percent", bps });
const blank = text(null);

/** The overview's stable row keys (column 指标代码), for machines reading the workbook. */
export function disclosureTables(r: DisclosureReport): Table[] {
  const s = r.summary;
  const p = r.this_period;
  const overview: Cell[][] = [
    [text("基本医保参保人数（名单）"), text("roster_persons"), int(s.enrollment.roster_persons), blank],
    [text("有效参保人数"), text("insured_persons"), int(s.enrollment.insured_persons), blank],
    [text("参保率"), text("enrollment_rate"), percent(s.enrollment.enrollment_rate_bps), blank],
    [text("出单件数"), text("issued"), int(s.enrollment.issued), int(p.issued)],
    [text("退保件数"), text("cancelled"), int(s.enrollment.cancelled), int(p.cancelled)],
    [text("承保保费（元）"), text("written_premium"), fen(s.premium.written_fen), fen(p.written_fen)],
    [text("退保退费（元）"), text("refunds"), fen(s.premium.refunds_fen), fen(p.refunds_fen)],
    [text("净保费（元）"), text("net_written_premium"), fen(s.premium.net_written_fen), blank],
    [text("满期保费（元）"), text("earned_premium"), fen(s.premium.earned_fen), blank],
    [text("结算件数（净撤销）"), text("claims_settled"), int(s.claims.settled), int(p.settled)],
    [text("撤销件数"), text("claims_revoked"), int(s.claims.revoked), int(p.revoked)],
    [text("赔付件数"), text("claims_paid"), int(s.claims.paid_claims), int(p.paid_claims)],
    [text("已决赔款（元）"), text("paid"), fen(s.claims.paid_fen), fen(p.paid_fen)],
    [text("IBNR 估计（元）"), text("ibnr"), fen(s.claims.ibnr_fen), blank],
    [text("IBNR 评估方法"), text("ibnr_method"), text(s.claims.ibnr_method_name), blank],
    [
      text("待审柜面案件估计（元）"),
      text("pending_review_estimate"),
      fen(s.claims.pending_review_estimate_fen),
      blank,
    ],
    [text("已发生赔款（元）"), text("incurred"), fen(s.claims.incurred_fen), blank],
    [text("满期赔付率"), text("earned_loss_ratio"), percent(s.loss_ratio.earned_bps), blank],
    [text("赔付率红线（第十一条）"), text("loss_ratio_floor"), percent(s.loss_ratio.floor_bps), blank],
    [
      text("全年预测赔付率"),
      text("projected_loss_ratio"),
      percent(s.loss_ratio.projected_full_year_bps),
      blank,
    ],
    [text("预警（预测低于红线）"), text("alert"), text(s.loss_ratio.alert ? "是" : "否"), blank],
    [text("受益人数"), text("beneficiaries"), int(s.beneficiaries.persons), blank],
    [
      text("人均赔付（元）"),
      text("payout_per_beneficiary"),
      fen(s.beneficiaries.payout_per_beneficiary_fen),
      blank,
    ],
    [
      text("受益人赔前人均自付（元）"),
      text("burden_before_per_beneficiary"),
      fen(s.beneficiaries.burden_before_per_beneficiary_fen),
      blank,
    ],
    [
      text("受益人赔后人均自付（元）"),
      text("burden_after_per_beneficiary"),
      fen(s.beneficiaries.burden_after_per_beneficiary_fen),
      blank,
    ],
    [text("个人负担减轻比例"), text("burden_reduction"), percent(s.burden_reduction.reduction_bps), blank],
  ];
  const enrollment = (rows: DisclosureReport["enrollment_by_county"]) =>
    rows.map((e) => [
      text(e.name ?? e.value),
      text(e.value),
      int(e.roster_persons),
      int(e.insured_persons),
      percent(e.enrollment_rate_bps),
    ]);
  return [
    {
      id: "概览",
      title: `一、总体情况（累计截至 ${r.as_of}；本期 ${r.from} 至 ${r.as_of}）`,
      headers: ["指标", "指标代码", "累计", "本期"],
      widths: [190, 150, 90, 80],
      codeColumn: 1,
      rows: overview,
      note: `${s.claims.incurred_method}。${s.loss_ratio.projection_method}。`,
    },
    {
      id: "参保-区县",
      title: "二、分区县参保情况（当前）",
      headers: ["区县", "代码", "名单人数", "参保人数", "参保率"],
      widths: [130, 80, 100, 100, 100],
      codeColumn: 1,
      rows: enrollment(r.enrollment_by_county),
    },
    {
      id: "参保-人群",
      title: "三、分人群参保情况（当前）",
      headers: ["人群", "代码", "名单人数", "参保人数", "参保率"],
      widths: [170, 100, 80, 80, 80],
      codeColumn: 1,
      rows: enrollment(r.enrollment_by_cohort),
    },
    {
      id: "赔付-责任",
      title: `四、分责任赔付（累计截至 ${r.as_of}）`,
      headers: ["保险责任", "责任代码", "赔付项数", "赔付金额（元）"],
      widths: [230, 130, 60, 90],
      codeColumn: 1,
      rows: r.payouts_by_liability.map((l) => [
        text(l.name),
        text(l.liability),
        int(l.lines),
        fen(l.paid_fen),
      ]),
    },
    {
      id: "赔付分布",
      title: `五、受益人累计赔付分布（截至 ${r.as_of}）`,
      headers: ["累计赔付区间", "人数", "人数占比", "赔付金额（元）", "金额占比"],
      widths: [130, 80, 90, 120, 90],
      rows: r.distribution.buckets.map((b) => [
        text(b.label),
        int(b.persons),
        percent(b.persons_share_bps),
        fen(b.paid_fen),
        percent(b.paid_share_bps),
      ]),
    },
    {
      id: "大额赔付",
      title: `六、本期大额赔付（匿名，${r.from} 至 ${r.as_of}）`,
      headers: ["名次", "主要责任", "医疗类别", "赔付金额（元）", "区县"],
      widths: [40, 210, 80, 90, 90],
      rows: r.largest_payouts.map((l) => [
        int(l.rank),
        text(l.liability_name),
        text(l.med_type_name ?? l.med_type),
        fen(l.amount_fen),
        text(l.county_name ?? l.county),
      ]),
      note: "不含姓名、人员编号、证件号码及结算编号。",
    },
  ];
}

/** 1234567.8 yuan as "1,234,567.80". */
function groupYuan(value: string): string {
  const [whole, cents] = value.split(".");
  const negative = whole?.startsWith("-") ?? false;
  const digits = negative ? (whole as string).slice(1) : (whole as string);
  return `${negative ? "-" : ""}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents ?? "00"}`;
}

export function cellText(c: Cell): string {
  switch (c.kind) {
    case "text":
      return c.value ?? "—";
    case "int":
      return c.value.toLocaleString("en-US");
    case "yuan":
      return c.value === null ? "—" : groupYuan(c.value);
    case "percent":
      return c.bps === null ? "—" : formatPercent(c.bps);
  }
}

function titleOf(r: DisclosureReport): string {
  return `${r.program_name} 信息披露报告（${r.period.length === 4 ? `${r.period} 年度` : r.period}）`;
}

function preamble(r: DisclosureReport): string[] {
  const insurers = r.insurers.map((i) => `${i.name}${i.lead ? "（首席）" : ""} ${i.share}`).join("；");
  return [
    `产品：${r.product_name}　地区：${r.region}`,
    `披露期间：${r.from} 至 ${r.to}（北京时间）；数据截至 ${r.as_of}`,
    `保险期间：${r.summary.coverage.start ?? "—"} 至 ${r.summary.coverage.end ?? "—"}；已经过 ${r.summary.coverage.elapsed_days} / ${r.summary.coverage.total_days} 天`,
    `承保机构：${insurers || "—"}`,
    "依据：云医保〔2023〕152号 第十四条（定期披露投保、赔付情况）、第十一条（满期赔付率原则上不低于70%）。",
  ];
}

export async function disclosurePdf(r: DisclosureReport): Promise<Buffer> {
  const font = cjkFontPath();
  if (font === undefined)
    throw new Error("disclosure PDF needs a CJK font (@embedpdf/fonts-sc or HMB_PDF_CJK_FONT)");
  const doc = new PDFDocument({
    size: "A4",
    margin: 48,
    info: { Title: `Disclosure ${r.program_id} ${r.period}`, Subject: titleOf(r) },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  doc.font(font);
  const left = doc.page.margins.left;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  doc.fontSize(16).text(titleOf(r), { align: "center" });
  doc.moveDown(0.5);
  doc.fontSize(9);
  for (const line of preamble(r)) doc.text(line);
  if (r.summary.loss_ratio.alert) {
    doc.moveDown(0.3).fillColor("#b00020");
    doc.text(
      `预警：全年预测满期赔付率 ${r.summary.loss_ratio.projected_full_year_bps === null ? "—" : formatPercent(r.summary.loss_ratio.projected_full_year_bps)} 低于 ${formatPercent(r.summary.loss_ratio.floor_bps)} 红线。`,
    );
    doc.fillColor("black");
  }

  const rowHeight = 15;
  for (const t of disclosureTables(r).map(forPeople)) {
    doc.moveDown(0.8);
    if (doc.y + 3 * rowHeight > bottom()) doc.addPage();
    doc.fontSize(11).text(t.title, left);
    doc.moveDown(0.3);
    doc.fontSize(8.5);
    const draw = (cells: readonly string[], header: boolean) => {
      if (doc.y + rowHeight > bottom()) doc.addPage();
      const y = doc.y;
      let x = left;
      cells.forEach((c, i) => {
        const w = t.widths[i] ?? 80;
        doc.fillColor(header ? "#333333" : "black").text(c, x + 2, y + 3, {
          width: w - 4,
          height: rowHeight,
          lineBreak: false,
          ellipsis: true,
          align: i === 0 || header ? "left" : "right",
        });
        x += w;
      });
      const width = t.widths.reduce((a, b) => a + b, 0);
      doc
        .moveTo(left, y + rowHeight)
        .lineTo(left + width, y + rowHeight)
        .lineWidth(header ? 0.8 : 0.3)
        .strokeColor("#999999")
        .stroke();
      doc.x = left;
      doc.y = y + rowHeight;
    };
    draw(t.headers, true);
    if (t.rows.length === 0) draw(["（无）"], false);
    for (const row of t.rows) draw(row.map(cellText), false);
    if (t.note !== undefined) {
      doc
        .moveDown(0.3)
        .fontSize(7.5)
        .fillColor("#555555")
        .text(t.note, left, doc.y, {
          width: doc.page.width - doc.page.margins.left - doc.page.margins.right,
        });
      doc.fillColor("black");
    }
  }
  doc.moveDown(1).fontSize(7.5).fillColor("#555555");
  doc.text(`生成时间 ${r.generated_at}；金额单位：元；本报告不含任何个人信息。`, left);
  doc.end();
  return done;
}

export async function disclosureXlsx(r: DisclosureReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "hmb";
  wb.title = titleOf(r);
  const info = wb.addWorksheet("说明");
  info.columns = [{ width: 110 }];
  info.addRow([titleOf(r)]).font = { bold: true, size: 14 };
  for (const line of preamble(r)) info.addRow([line]);
  info.addRow([`数据截至 ${r.as_of}；as_of=${r.as_of}；period=${r.period}；program=${r.program_id}`]);
  for (const t of disclosureTables(r)) {
    const ws = wb.addWorksheet(t.id);
    ws.columns = t.widths.map((w) => ({ width: Math.max(10, Math.round(w / 6)) }));
    ws.addRow([t.title]).font = { bold: true };
    const header = ws.addRow([...t.headers]);
    header.font = { bold: true };
    for (const row of t.rows) {
      const added = ws.addRow(row.map(excelValue));
      row.forEach((c, i) => {
        const cell = added.getCell(i + 1);
        if (c.kind === "yuan") cell.numFmt = "#,##0.00";
        else if (c.kind === "percent") cell.numFmt = "0.00%";
        else if (c.kind === "int") cell.numFmt = "#,##0";
      });
    }
    if (t.note !== undefined) ws.addRow([t.note]).font = { italic: true, size: 9 };
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function excelValue(c: Cell): string | number | null {
  switch (c.kind) {
    case "text":
      return c.value;
    case "int":
      return c.value;
    case "yuan":
      return c.value === null ? null : Number(c.value);
    case "percent":
      return c.bps === null ? null : c.bps / 10_000;
  }
}
