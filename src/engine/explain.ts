/**
 * Turns a benefit line into a sentence a resident can check with a calculator, e.g.
 * "责任一…：(50000.00 − 12000.00) × 80% = 30400.00 元". Rendering is separate from adjudication so the
 * engine's hot path builds no strings, and so the same line reads in Chinese or English.
 */
import { type Fen, formatPercent, formatYuan } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import type { Adjudication, BenefitLine, LimitApplied, NotCoveredReason } from "./adjudicate.js";
import { NO_LIMIT } from "./compile.js";

export type Language = "zh" | "en";

const LIMIT_NAMES: Record<Language, Record<LimitApplied["kind"], string>> = {
  zh: {
    item: "单项目限额",
    unit: "单品年度限额",
    stay: "单次住院限额",
    liability: "责任限额",
    cap_group: "共用限额",
    annual_total: "年度累计限额",
    burden: "个人负担余额",
  },
  en: {
    item: "item cap",
    unit: "per-code yearly cap",
    stay: "per-stay cap",
    burden: "what is left to bear",
    liability: "liability cap",
    cap_group: "shared cap",
    annual_total: "annual total cap",
  },
};

const REASONS: Record<Language, Record<NotCoveredReason, string>> = {
  zh: {
    outside_coverage_period: "就诊时间不在保障期间内",
    med_type_not_covered: "该医疗类别不在保障责任范围内",
    no_policy: "未查询到有效保单",
    excluded: "属于除外责任",
  },
  en: {
    outside_coverage_period: "treatment began outside the coverage period",
    med_type_not_covered: "this kind of treatment (med_type) is not covered",
    no_policy: "no policy in force",
    excluded: "excluded by the policy",
  },
};

export function explainReason(reason: NotCoveredReason, lang: Language = "zh"): string {
  return REASONS[lang][reason];
}

function formula(line: BenefitLine, lang: Language): string {
  const y = formatYuan;
  if (line.lumpSum !== undefined) {
    return lang === "zh"
      ? `符合定额给付条件，定额 ${y(line.lumpSum)} 元`
      : `lump sum on the diagnosis: ${y(line.lumpSum)} yuan`;
  }
  const baseExpr = line.deductible > 0 ? `(${y(line.eligible)} − ${y(line.deductible)})` : y(line.eligible);
  const unit = lang === "zh" ? " 元" : " yuan";
  if (line.segments.length <= 1) {
    const s = line.segments[0];
    const ratio = s === undefined ? "0%" : formatPercent(s.ratioBps);
    const label = s?.label === undefined ? "" : lang === "zh" ? `（${s.label}）` : ` (${s.label})`;
    return `${baseExpr} × ${ratio}${label} = ${y(line.computed)}${unit}`;
  }
  const parts = line.segments.map((s) => `${y(s.base)} × ${formatPercent(s.ratioBps)} = ${y(s.amount)}`);
  const head = line.deductible > 0 ? `${baseExpr} = ${y(line.eligible - line.deductible)}；` : "";
  return lang === "zh"
    ? `${head}分段计算 ${parts.join("，")}，合计 ${y(line.computed)}${unit}`
    : `${head}by cost band ${parts.join(", ")}, total ${y(line.computed)}${unit}`;
}

function deductibleNote(line: BenefitLine, lang: Language): string {
  if (line.poolIndex < 0 || line.deductibleRemaining === NO_LIMIT) return "";
  const pool = line.poolName ?? "";
  if (lang === "en") {
    return line.deductible > 0
      ? ` (deductible ${formatYuan(line.deductible)} taken from ${pool}; ${formatYuan(line.deductibleRemaining)} left this year)`
      : "";
  }
  if (line.deductible === 0) return "";
  return line.deductibleRemaining === 0
    ? `（本次扣除${pool} ${formatYuan(line.deductible)} 元，年度免赔额已扣满）`
    : `（本次扣除${pool} ${formatYuan(line.deductible)} 元，年度免赔额尚余 ${formatYuan(line.deductibleRemaining)} 元）`;
}

function proRataNote(line: BenefitLine, lang: Language): string {
  const p = line.proRata;
  if (p === undefined) return "";
  return lang === "zh"
    ? `（住院跨保障期间届满：按保障期内 ${p.coveredDays} 天 / 住院 ${p.stayDays} 天计，可报销金额 ${formatYuan(p.eligibleBefore)} × ${p.coveredDays}/${p.stayDays} = ${formatYuan(line.eligible)} 元）`
    : ` (stay crossed the end of coverage: ${p.coveredDays} of ${p.stayDays} days, ${formatYuan(p.eligibleBefore)} × ${p.coveredDays}/${p.stayDays} = ${formatYuan(line.eligible)})`;
}

function variantNote(line: BenefitLine, lang: Language): string {
  if (line.deductibleLabel === undefined || line.deductible === 0) return "";
  return lang === "zh" ? `（免赔额按「${line.deductibleLabel}」）` : ` (deductible: ${line.deductibleLabel})`;
}

function limitNotes(line: BenefitLine, lang: Language): string {
  if (line.limits.length === 0) return "";
  const names = LIMIT_NAMES[lang];
  const notes = line.limits.map((l) =>
    l.kind === "burden"
      ? lang === "zh"
        ? `以本次个人负担余额 ${formatYuan(l.limit)} 元为限`
        : `limited to the ${formatYuan(l.limit)} left to bear on this settlement`
      : lang === "zh"
        ? `受${names[l.kind]}「${l.name}」${formatYuan(l.limit)} 元限制（本次前尚余 ${formatYuan(l.remainingBefore)} 元）`
        : `limited by ${names[l.kind]} "${l.name}" ${formatYuan(l.limit)} (${formatYuan(l.remainingBefore)} left before this claim)`,
  );
  return lang === "zh"
    ? `；${notes.join("；")}，实赔 ${formatYuan(line.payout)} 元`
    : `; ${notes.join("; ")}; paid ${formatYuan(line.payout)}`;
}

export function explainLine(line: BenefitLine, lang: Language = "zh"): string {
  const head = lang === "zh" ? `${line.liabilityName}：` : `${line.liabilityName}: `;
  switch (line.outcome.kind) {
    case "excluded_pre_existing":
      return lang === "zh"
        ? `${head}可报销金额 ${formatYuan(line.eligible)} 元，但${line.outcome.condition}属除外责任，不予赔付`
        : `${head}${formatYuan(line.eligible)} eligible, but excluded: pre-existing condition (${line.outcome.condition})`;
    case "not_designated_institution":
      return lang === "zh"
        ? `${head}费用 ${formatYuan(line.eligible)} 元发生在非指定医药机构（${line.outcome.institution}），不予赔付；请到指定医院或药店购药`
        : `${head}${formatYuan(line.eligible)} spent at ${line.outcome.institution}, which is not a designated institution: not payable`;
    case "waiting_period":
      return lang === "zh"
        ? `${head}入院时尚在 ${line.outcome.days} 天等待期内（至 ${formatBusinessTime(line.outcome.until)} 止），不予赔付`
        : `${head}admitted within the ${line.outcome.days}-day waiting period (until ${formatBusinessTime(line.outcome.until)}): not payable`;
    case "claim_limit_reached":
      return lang === "zh"
        ? `${head}本保单年度已赔付 ${line.outcome.maxClaims} 次，达到年度赔付次数上限，本次不予赔付`
        : `${head}already paid ${line.outcome.maxClaims} time(s) this policy year, the yearly limit: not payable`;
    case "assessed":
      return `${head}${formula(line, lang)}${proRataNote(line, lang)}${deductibleNote(line, lang)}${variantNote(line, lang)}${limitNotes(line, lang)}`;
  }
}

/** A one-paragraph summary of the whole settlement, for notices and the resident's claim page. */
export function explainAdjudication(a: Adjudication, lang: Language = "zh"): string {
  if (a.status === "not_covered" && a.reason !== undefined) {
    return lang === "zh"
      ? `不予赔付：${explainReason(a.reason, lang)}`
      : `Not covered: ${explainReason(a.reason, lang)}`;
  }
  const remaining: Fen = a.personBurden - a.hmbPay;
  return lang === "zh"
    ? `个人负担 ${formatYuan(a.personBurden)} 元，惠民保赔付 ${formatYuan(a.hmbPay)} 元，个人仍需支付 ${formatYuan(remaining)} 元`
    : `You owed ${formatYuan(a.personBurden)}; Huiminbao pays ${formatYuan(a.hmbPay)}; you still pay ${formatYuan(remaining)}`;
}
