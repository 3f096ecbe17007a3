/**
 * The disclosure report as PDF (pdfkit, Chinese text in the embedded Noto Sans SC subset, as the e-policy)
 * and as Excel (exceljs). Both render the same tables from `disclosureTables`, so they cannot disagree.
 * Excel cells hold numbers (yuan with 2 decimals, counts, ratios as fractions formatted as %) so readers can
 * compute with them; the yuan value of a cell is the report's fen amount as its yuan string, read as a number
 * (so the PDF's text and the workbook's number come from one formatting).
 */
import ExcelJS from "exceljs";
import { type Fen, formatPercent, formatYuan } from "../../domain/money.js";
import { CLAIM_CHANNEL_LABELS } from "../../domain/vocabulary.js";
import type { DisclosureReport } from "./disclosure.js";
import { openReportPdf } from "./pdf.js";
import { addTableSheet, type Cell, forPeople, type Table } from "./table.js";

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
    {
      id: "理赔时效",
      title: `七、理赔时效（本期提交，${r.turnaround.from} 至 ${r.turnaround.to}）`,
      headers: [
        "渠道或机构",
        "件数",
        "当日审结",
        "3日内审结",
        "10日内审结",
        "中位小时",
        "应赔件数",
        "当日赔付",
        "3日内赔付",
        "10日内赔付",
      ],
      widths: [106, 34, 44, 48, 52, 44, 44, 44, 44, 50],
      rows: [
        ...r.turnaround.channels.map((c) => ({ name: CLAIM_CHANNEL_LABELS[c.channel].zh, ...c })),
        { name: "合计", ...r.turnaround.total },
        ...r.turnaround.institutions.map((i) => ({ name: i.fixmedins_name ?? "未登记机构", ...i })),
      ].map((x) => [
        text(x.name),
        int(x.decided.count),
        percent(x.decided.same_day_bps),
        percent(x.decided.within_3_days_bps),
        percent(x.decided.within_10_days_bps),
        text(x.decided.median_hours === null ? null : x.decided.median_hours.toFixed(1)),
        int(x.paid.count),
        percent(x.paid.same_day_bps),
        percent(x.paid.within_3_days_bps),
        percent(x.paid.within_10_days_bps),
      ]),
      note: "审结：理算或人工审核完成（含拒赔），未审结的计入件数；当日指北京时间同一日历日，3 日 / 10 日内指 72 / 240 小时内；赔付：一站式与特药在结算时直接抵扣，线上与柜面以划付批次为准；中位小时为已审结件数的审核用时中位数。",
    },
  ];
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
  const pdf = openReportPdf({
    infoTitle: `Disclosure ${r.program_id} ${r.period}`,
    title: titleOf(r),
    preamble: preamble(r),
    margin: 48,
    cellSize: 8.5,
    leftColumns: 1,
  });
  if (r.summary.loss_ratio.alert) {
    pdf.alert(
      `预警：全年预测满期赔付率 ${r.summary.loss_ratio.projected_full_year_bps === null ? "—" : formatPercent(r.summary.loss_ratio.projected_full_year_bps)} 低于 ${formatPercent(r.summary.loss_ratio.floor_bps)} 红线。`,
      "#b00020",
    );
  }
  for (const t of disclosureTables(r).map(forPeople)) pdf.table(t);
  return pdf.finish(`生成时间 ${r.generated_at}；金额单位：元；本报告不含任何个人信息。`);
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
  for (const t of disclosureTables(r)) addTableSheet(wb, t, DISCLOSURE_POINTS_PER_CHAR);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** PDF column widths (points) over these give Excel column widths (characters). */
const DISCLOSURE_POINTS_PER_CHAR = 6;
