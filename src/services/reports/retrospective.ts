/**
 * The 精算回溯 report (services/retrospective.ts) as PDF, Excel and JSON. PDF and Excel render the same tables
 * (`retrospectiveTables`) with the disclosure report's cells (render.ts), so the two cannot disagree; the JSON
 * is the console's, amounts as 2-decimal yuan strings and ratios as 4-place decimal strings. Everything a
 * person reads is Chinese: rate groups, diagnosis chapters, rule sets by their names, changes in words.
 */
import ExcelJS from "exceljs";
import { replayWire } from "../../actuarial/replay.js";
import type { GroupExperience } from "../../actuarial/retrospective.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import type { RetrospectiveReport } from "../retrospective.js";
import { openReportPdf } from "./pdf.js";
import { addTableSheet, type Cell, cellText, type Table } from "./table.js";

const text = (value: string | null): Cell => ({ kind: "text", value });
const int = (value: number): Cell => ({ kind: "int", value });
const fen = (value: Fen | null | undefined): Cell => ({
  kind: "yuan",
  value: value === null || value === undefined ? null : formatYuan(value),
});
/** A 4-place decimal ratio ("0.8512") as a percent cell (basis points, exact). */
const ratio = (value: string | undefined | null): Cell => ({
  kind: "percent",
  bps: value === undefined || value === null ? null : Math.round(Number(value) * 10_000),
});
const plain = (value: string | undefined): Cell => text(value ?? null);

export const RETROSPECTIVE_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

function groupCells(g: GroupExperience): Cell[] {
  return [
    text(g.label),
    int(g.persons),
    plain(g.exposureYears),
    fen(g.premiumFen),
    fen(g.expectedClaimsFen),
    fen(g.hmbPayFen),
    ratio(g.lossRatio),
    ratio(g.actualToExpected),
    int(g.paidClaims),
    plain(g.frequencyPerMille),
    fen(g.severityFen),
  ];
}

export function retrospectiveTables(r: RetrospectiveReport): Table[] {
  const e = r.experience;
  const p = r.proposal;
  const res = r.reserve;
  const devHeaders = (res.cumulativeFen[0] ?? []).map((_, k) => `第${k}月`);
  const best = p.recommended;
  return [
    {
      id: "分组经验",
      title: `一、分费率组定价与实际（截至 ${r.asOf}）`,
      headers: [
        "费率组",
        "参保人数",
        "满期人年",
        "实收保费（元）",
        "定价预期赔款（元）",
        "实际赔款（元）",
        "赔付率",
        "实际/预期",
        "赔付件数",
        "千人赔付件数",
        "件均赔款（元）",
      ],
      widths: [110, 40, 40, 60, 60, 60, 40, 40, 35, 40, 55],
      rows: [...e.groups.map(groupCells), groupCells(e.total)],
      note: `定价预期赔款 = 实收保费 × 定价目标赔付率 ${formatPercentText(p.targetLossRatio)}（产品未载明预期赔付时按目标赔付率）；赔付率 = 实际赔款 ÷ 实收保费；千人赔付件数按满期人年计；件均赔款 = 实际赔款 ÷ 赔付件数。参保人群为已出单且未退保的人员。`,
    },
    {
      id: "准备金",
      title: `二、赔款进展与未决赔款准备金（评估日 ${r.asOf}）`,
      headers: ["项目", "数值"],
      widths: [250, 200],
      rows: [
        [text("已付赔款（元）"), fen(res.paidFen)],
        [text("IBNR 评估方法"), text(res.methodName)],
        [text("IBNR（元）"), fen(res.ibnrFen)],
        [text("最终赔款估计（元）"), fen(res.ultimateFen)],
        [text("最终赔付率（最终赔款 ÷ 实收保费）"), ratio(res.ultimateLossRatio)],
        [text("进展因子（链梯法，逐月）"), text(res.factors.length === 0 ? null : res.factors.join("、"))],
      ],
      note: res.note,
    },
    {
      id: "赔款进展三角",
      title: "三、累计已付赔款进展三角（按就诊月 × 结算滞后月，元）",
      headers: ["就诊月", ...devHeaders],
      widths: [60, ...devHeaders.map(() => Math.max(30, Math.floor(440 / Math.max(1, devHeaders.length))))],
      rows: res.origins.map((o, i) => [text(o), ...(res.cumulativeFen[i] ?? []).map((x) => fen(x))]),
    },
    {
      id: "大额赔付",
      title: `四、大额赔付（匿名，按人累计，前 ${r.largeClaims.length} 名）`,
      headers: [
        "编号",
        "费率组",
        "疾病类别",
        "赔付件数",
        "医疗总费用（元）",
        "赔前个人负担（元）",
        "惠民保赔付（元）",
        "负担减轻",
        "占总赔款",
      ],
      widths: [45, 110, 95, 35, 60, 60, 60, 40, 40],
      rows: r.largeClaims.map((l) => [
        text(l.label),
        text(l.group),
        text(l.diagnosisCategory),
        int(l.claims),
        fen(l.medicalCostFen),
        fen(l.burdenFen),
        fen(l.hmbPayFen),
        ratio(l.burdenReduction),
        ratio(l.shareOfPaid),
      ]),
      note: "不含姓名、人员编号、证件号码及结算编号；编号按赔付金额排序，每次生成重新编排。",
    },
    {
      id: "下年度方案",
      title: `五、下年度调整方案（目标赔付率 ${formatPercentText(p.targetLossRatio)}；以「${r.planName}」为基础，逐一回放本年度理赔）`,
      headers: [
        "方案",
        "调整内容",
        "惠民保赔付（元）",
        "保费（元）",
        "回放赔付率",
        "预测赔付率",
        "负担减轻",
        "受益人数",
        "合规",
        "推荐",
      ],
      widths: [30, 175, 60, 55, 40, 40, 40, 35, 25, 25],
      rows: p.evaluations.map((ev, i) => [
        text(String(i + 1)),
        text(ev.candidate.label),
        fen(ev.replay.hmbPay),
        fen(ev.replay.premium),
        ratio(ev.replay.lossRatio),
        ratio(ev.projectedLossRatio),
        ratio(ev.replay.burdenReduction),
        int(ev.replay.beneficiaries),
        text(ev.compliant ? "是" : "否"),
        text(i === best ? "★" : ""),
      ]),
      note: `预测赔付率 = 回放赔付 × 进展因子 ${p.developmentFactor}（已付 + IBNR）÷ 已付 ÷ 保费。${p.reason}`,
    },
    {
      id: "合规检查",
      title: "六、各方案合规检查（新增不合规项）",
      headers: ["方案", "规则集", "通过", "不通过", "新增不合规项"],
      widths: [30, 130, 35, 40, 280],
      rows: p.evaluations.flatMap((ev, i) =>
        ev.compliance.map((c) => [
          text(String(i + 1)),
          text(c.name),
          int(c.pass),
          int(c.fail),
          text(c.newFailures.length === 0 ? "无" : c.newFailures.join("；")),
        ]),
      ),
      note:
        p.existingFailures.length === 0
          ? "现行产品本身无不合规项。"
          : `现行产品本身已有、与本次调整无关的不合规项（须另行整改）：${p.existingFailures.join("；")}`,
    },
  ];
}

function formatPercentText(decimal: string): string {
  const bps = Math.round(Number(decimal) * 10_000);
  return cellText({ kind: "percent", bps });
}

function titleOf(r: RetrospectiveReport): string {
  return `${r.programName} 精算回溯报告`;
}

function preamble(r: RetrospectiveReport): string[] {
  return [
    `产品：${r.productName}（第 ${r.productVersion} 版）　地区：${r.region}`,
    `保险期间：${r.coverageFrom} 至 ${r.coverageTo}；评估日：${r.asOf}（北京时间）`,
    "依据：云医保〔2023〕152号 第十一条（年度精算回溯，据此调整下一年度方案）；金办便函〔2025〕745号（按保单年度损益核算与精算回溯，费率按年龄、性别、健康状况分组）。",
  ];
}

export async function retrospectivePdf(r: RetrospectiveReport): Promise<Buffer> {
  const pdf = openReportPdf({
    infoTitle: `Retrospective ${r.programId} ${r.asOf}`,
    title: titleOf(r),
    preamble: preamble(r),
    landscape: true,
    margin: 36,
    cellSize: 7.5,
    // The group's name and its key words read left; the figures right.
    leftColumns: 2,
    // Widths are relative: scaled to the page so any number of columns fits.
    scaleWidths: true,
  });
  for (const t of retrospectiveTables(r)) pdf.table(t);
  return pdf.finish(`生成时间 ${r.generatedAt}；金额单位：元；本报告不含任何个人信息。`);
}

export async function retrospectiveXlsx(r: RetrospectiveReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "hmb";
  wb.title = titleOf(r);
  const info = wb.addWorksheet("说明");
  info.columns = [{ width: 120 }];
  info.addRow([titleOf(r)]).font = { bold: true, size: 14 };
  for (const line of preamble(r)) info.addRow([line]);
  info.addRow([`推荐理由：${r.proposal.reason}`]);
  // Landscape tables with more columns than the disclosure's: a little more room per character.
  for (const t of retrospectiveTables(r)) addTableSheet(wb, t, RETROSPECTIVE_POINTS_PER_CHAR);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const RETROSPECTIVE_POINTS_PER_CHAR = 5;

const y = (v: Fen | undefined) => (v === undefined ? null : formatYuan(v));

function groupWire(g: GroupExperience) {
  return {
    key: g.key,
    label: g.label,
    persons: g.persons,
    exposure_years: g.exposureYears,
    premium: formatYuan(g.premiumFen),
    expected_claims: formatYuan(g.expectedClaimsFen),
    hmb_pay: formatYuan(g.hmbPayFen),
    loss_ratio: g.lossRatio ?? null,
    actual_to_expected: g.actualToExpected ?? null,
    claims: g.claims,
    paid_claims: g.paidClaims,
    frequency_per_mille: g.frequencyPerMille ?? null,
    severity: y(g.severityFen),
  };
}

/** The report on the wire (`--format json`, `?format=json`, the console). */
export function retrospectiveJson(r: RetrospectiveReport) {
  const p = r.proposal;
  return {
    program_id: r.programId,
    program_name: r.programName,
    product_name: r.productName,
    product_version: r.productVersion,
    region: r.region,
    plan_name: r.planName,
    coverage_from: r.coverageFrom,
    coverage_to: r.coverageTo,
    as_of: r.asOf,
    generated_at: r.generatedAt,
    groups: r.experience.groups.map(groupWire),
    total: groupWire(r.experience.total),
    reserve: {
      method_name: r.reserve.methodName,
      note: r.reserve.note ?? null,
      paid: formatYuan(r.reserve.paidFen),
      ibnr: formatYuan(r.reserve.ibnrFen),
      ultimate: formatYuan(r.reserve.ultimateFen),
      ultimate_loss_ratio: r.reserve.ultimateLossRatio ?? null,
      origins: r.reserve.origins,
      cumulative: r.reserve.cumulativeFen.map((row) => row.map((x) => (x === null ? null : formatYuan(x)))),
      factors: r.reserve.factors,
    },
    large_claims: r.largeClaims.map((l) => ({
      label: l.label,
      group: l.group,
      diagnosis_category: l.diagnosisCategory,
      claims: l.claims,
      medical_cost: formatYuan(l.medicalCostFen),
      burden: formatYuan(l.burdenFen),
      hmb_pay: formatYuan(l.hmbPayFen),
      burden_reduction: l.burdenReduction ?? null,
      share_of_paid: l.shareOfPaid ?? null,
    })),
    proposal: {
      target_loss_ratio: p.targetLossRatio,
      development_factor: p.developmentFactor,
      recommended: p.recommended ?? null,
      reason: p.reason,
      existing_failures: p.existingFailures,
      candidates: p.evaluations.map((ev) => ({
        label: ev.candidate.label,
        deductible_change: formatYuan(ev.candidate.change.deductibleDeltaFen),
        ratio_change_points: ev.candidate.change.ratioDeltaBps / 100,
        premium_change: (ev.candidate.change.premiumChangeBps / 10_000).toFixed(4),
        ...pick(replayWire(ev.replay)),
        projected_hmb_pay: formatYuan(ev.projectedHmbPayFen),
        projected_loss_ratio: ev.projectedLossRatio ?? null,
        compliant: ev.compliant,
        compliance: ev.compliance.map((c) => ({
          rule_set_name: c.name,
          pass: c.pass,
          fail: c.fail,
          new_failures: c.newFailures,
        })),
      })),
    },
  };
}

/** The replay figures of a candidate (its label is the candidate's own, in words). */
function pick(w: ReturnType<typeof replayWire>) {
  return {
    claims: w.claims,
    paid_claims: w.paid_claims,
    hmb_pay: w.hmb_pay,
    beneficiaries: w.beneficiaries,
    premium: w.premium,
    loss_ratio: w.loss_ratio,
    burden_reduction: w.burden_reduction,
  };
}
