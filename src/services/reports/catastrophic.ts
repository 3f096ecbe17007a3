/**
 * The catastrophic-cost watch (services/aid/watch.ts) as the API and `hmb report catastrophic` write it: yuan
 * strings, percent texts and the reasons for each flag in words (with the amounts that make them).
 */
import type { WatchList, WatchPerson, WatchSettingsView, WatchSummary } from "../../contract/aid-watch.js";
import { AID_SPONSOR_KINDS } from "../../domain/aid.js";
import type { Cohort } from "../../domain/cohort.js";
import { type Fen, formatPercent, formatYuan } from "../../domain/money.js";
import { WHO_CATASTROPHIC_BPS } from "../../engine/aid.js";
import type {
  WatchCount,
  WatchListEntry,
  WatchListResult,
  WatchSettings,
  WatchSummaryResult,
} from "../aid/watch.js";

const HUNDRED = 100;
const MODE_NAMES = { automatic: "自动救助", application: "申请审核" } as const;

export function watchSettingsWire(s: WatchSettings, updatedAt: Date | null): WatchSettingsView {
  const reference: WatchSettingsView["reference_income"] = {};
  for (const [k, v] of Object.entries(s.referenceIncome))
    if (v !== undefined) reference[k as Cohort] = formatYuan(v);
  return {
    subsistence_per_person: formatYuan(s.subsistencePerPerson),
    disposable_income_per_capita: formatYuan(s.disposableIncomePerCapita),
    local_multiple: s.localMultipleHundredths / HUNDRED,
    reference_income: reference,
    default_reference_income: s.defaultReferenceIncome === null ? null : formatYuan(s.defaultReferenceIncome),
    who_threshold: formatPercent(WHO_CATASTROPHIC_BPS),
    updated_at: updatedAt === null ? null : updatedAt.toISOString(),
  };
}

/** The reasons in words. */
export function flagReasons(e: WatchListEntry, multipleHundredths: number, line: Fen): WatchPerson["flags"] {
  const out: WatchPerson["flags"] = [];
  const whose = e.household.source === "bureau" ? "家庭" : "本人";
  if (e.who)
    out.push({
      code: "who",
      text:
        e.shareBps === null
          ? `${whose}收入不高于生存线（低保标准 × 家庭人口），自付 ${formatYuan(e.householdOop)} 元即属灾难性支出`
          : `${whose}自付 ${formatYuan(e.householdOop)} 元，占支付能力 ${formatYuan(e.capacity)} 元的 ${formatPercent(e.shareBps)}，达到世卫组织 ${formatPercent(WHO_CATASTROPHIC_BPS)} 灾难性支出标准`,
    });
  if (e.local)
    out.push({
      code: "local",
      text: `本人自付 ${formatYuan(e.personOop)} 元，超过当地居民人均可支配收入的 ${multipleHundredths / HUNDRED} 倍（${formatYuan(line)} 元）`,
    });
  return out;
}

export function watchListWire(r: WatchListResult): WatchList {
  return {
    configured: r.configured,
    who_threshold: formatPercent(WHO_CATASTROPHIC_BPS),
    local_line: formatYuan(r.localLine),
    watched: r.watched,
    persons: r.persons.map((e) => ({
      subject: e.subject,
      name: e.name,
      psn_no: e.psnNo,
      county: e.county,
      county_name: e.countyName,
      cohort: e.cohort,
      cohort_name: e.cohortName,
      income_source: e.household.source,
      household_size: e.household.size,
      capacity_to_pay: formatYuan(e.capacity),
      household_oop: formatYuan(e.householdOop),
      share: e.shareBps === null ? null : formatPercent(e.shareBps),
      flags: flagReasons(e, r.localMultipleHundredths, r.localLine),
      could_help: e.couldHelp.map((h) => ({
        aid_program: h.ref,
        name: h.name,
        sponsor: `${AID_SPONSOR_KINDS[h.sponsorKind]}·${h.sponsorName}`,
        mode: MODE_NAMES[h.mode],
        budget_left: formatYuan(h.budgetLeft),
        prefilled: h.prefilled,
      })),
    })),
  };
}

function countWire(c: WatchCount): WatchSummary["totals"] {
  return {
    key: c.key,
    name: c.name,
    watched: c.watched,
    flagged_who: c.flaggedWho,
    flagged_local: c.flaggedLocal,
    flagged_any: c.flaggedAny,
  };
}

export function watchSummaryWire(r: WatchSummaryResult): WatchSummary {
  return {
    configured: r.configured,
    who_threshold: formatPercent(WHO_CATASTROPHIC_BPS),
    local_line: formatYuan(r.localLine),
    totals: countWire(r.totals),
    by_county: r.byCounty.map(countWire),
    by_cohort: r.byCohort.map(countWire),
  };
}

/** `hmb report catastrophic` without --json: the summary, then each flagged person (masked) with what could help. */
export function watchText(list: WatchList, summary: WatchSummary): string {
  const lines = [
    `因病致贫监测：监测 ${summary.totals.watched} 人，达到世卫 ${summary.who_threshold} 标准 ${summary.totals.flagged_who} 人，超过地方线（${summary.local_line} 元）${summary.totals.flagged_local} 人`,
    "",
    "按区县：",
    ...summary.by_county.map(
      (c) => `  ${c.name}　监测 ${c.watched}　世卫线 ${c.flagged_who}　地方线 ${c.flagged_local}`,
    ),
    "按人群：",
    ...summary.by_cohort.map(
      (c) => `  ${c.name}　监测 ${c.watched}　世卫线 ${c.flagged_who}　地方线 ${c.flagged_local}`,
    ),
    "",
    "名单（脱敏）：",
  ];
  for (const p of list.persons) {
    lines.push(
      `  ${p.subject} ${p.name} ${p.psn_no} ${p.county_name ?? ""} ${p.cohort_name ?? ""}　自付 ${p.household_oop} 元　支付能力 ${p.capacity_to_pay} 元${p.share === null ? "" : `（${p.share}）`}`,
    );
    for (const f of p.flags) lines.push(`    · ${f.text}`);
    lines.push(
      p.could_help.length === 0
        ? "    可用救助：暂无"
        : `    可用救助：${p.could_help.map((h) => `${h.name}（${h.mode}${h.prefilled ? "，已预填申请待本人确认" : ""}，余额 ${h.budget_left} 元）`).join("；")}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
