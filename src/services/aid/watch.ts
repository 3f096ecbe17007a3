/**
 * The catastrophic-cost watch (防止因病致贫返贫, issue 15 item 4): who is still at catastrophic cost after every
 * layer — 基本医保, 大病保险, 医疗救助, 惠民保 and the aid programs — and what could still help them.
 *
 * Out-of-pocket (OOP) of a person-year = Σ over the person's live (not revoked) claims of psn_part_amt − hmb_pay
 * − the aid paid on the claim (aid_payments in state 'paid'). A program is one policy year, so the person-year
 * is (program, psn_no).
 *
 * Capacity to pay follows WHO (Xu K. et al., "Household catastrophic health expenditure: a multicountry
 * analysis", Lancet 2003;362:111–117; Xu K., "Distribution of health payments and catastrophic expenditures —
 * Methodology", WHO Discussion Paper EIP/HSF/DP.05.2, 2005): the household's income left after subsistence,
 * capacity = household income − subsistence line × household size (never below 0). The local subsistence line
 * stands for WHO's food-share poverty line: the 低保 standard per person-year. A household spends
 * catastrophically when its OOP ≥ 40 % of its capacity to pay; a household at or below the line (capacity 0)
 * with any OOP is catastrophic. Where the bureau supplied the household's income, the household's OOP is the
 * sum over its members; otherwise the person counts as a household of one with the reference income of their
 * cohort (or the default reference income), and a person with neither is not watched.
 *
 * The local line is configurable: the person's own OOP above `local_multiple` × the local per-capita
 * disposable income (e.g. 2 ×).
 *
 * Who reads what: the bureau, 民政 (role civil_affairs), the operator and the admin get the list
 * of flagged persons — names and psn_no masked, every read audited with the persons it showed; the regulator
 * gets counts by county and cohort only.
 */
import { parse } from "csv-parse/sync";
import type { WatchSettingsParsed } from "../../contract/aid-watch.js";
import { type AidSponsorKind, aidProgramRef } from "../../domain/aid.js";
import { COHORTS, type Cohort } from "../../domain/cohort.js";
import { type Bps, type Fen, parseYuan } from "../../domain/money.js";
import { countyNames } from "../../domain/regions.js";
import { aidEligibility, catastrophicShare, isCatastrophic, WHO_CATASTROPHIC_BPS } from "../../engine/aid.js";
import { audit } from "../audit.js";
import { maskPsnNo } from "../console.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { maskName } from "../policies.js";
import { loadProgram } from "../programs.js";
import { loadClaimFacts } from "./burden.js";
import { committedByAidProgram, paymentsOfPersons } from "./payments.js";
import { activeAidPrograms } from "./programs.js";

export { WHO_CATASTROPHIC_BPS };

/** The settings as stored (fen; the multiple in hundredths so 2.5 × is 250). */
export interface WatchSettings {
  readonly subsistencePerPerson: Fen;
  readonly disposableIncomePerCapita: Fen;
  readonly localMultipleHundredths: number;
  readonly referenceIncome: Partial<Record<Cohort, Fen>>;
  readonly defaultReferenceIncome: Fen | null;
}

const HUNDRED = 100;

/**
 * Illustrative settings for the demo (not any city's published figures): a 低保 line of 600 元 a month, a
 * per-capita disposable income of 20,000 元, the local line at 2 ×, and reference incomes for the assisted
 * cohorts. A bureau replaces them with its own.
 */
export const EXAMPLE_WATCH_SETTINGS: WatchSettings = {
  subsistencePerPerson: 720_000,
  disposableIncomePerCapita: 2_000_000,
  localMultipleHundredths: 200,
  referenceIncome: { tekun: 720_000, dibao: 900_000, dibao_edge: 1_200_000 },
  defaultReferenceIncome: null,
};

/** Who may read the list of persons (masked): not the regulator, who reads aggregates only. 民政 does. */
export const WATCH_LIST_READERS = ["bureau", "civil_affairs", "operator", "admin"] as const;
/** Who may set the settings and upload household incomes. */
export const WATCH_WRITERS = ["bureau", "operator", "admin"] as const;

export function settingsFromWire(body: WatchSettingsParsed): WatchSettings {
  return {
    subsistencePerPerson: body.subsistence_per_person,
    disposableIncomePerCapita: body.disposable_income_per_capita,
    localMultipleHundredths: Math.round(body.local_multiple * HUNDRED),
    referenceIncome: { ...body.reference_income },
    defaultReferenceIncome: body.default_reference_income ?? null,
  };
}

/** The local line in fen: multiple × per-capita disposable income, rounded half up. */
export function localLine(s: WatchSettings): Fen {
  return Math.floor((s.disposableIncomePerCapita * s.localMultipleHundredths + HUNDRED / 2) / HUNDRED);
}

export interface HouseholdIncome {
  readonly source: "bureau" | "reference";
  readonly income: Fen;
  readonly size: number;
}

export interface Assessment {
  readonly capacity: Fen;
  /** OOP ÷ capacity; null when the capacity is 0. */
  readonly shareBps: Bps | null;
  readonly who: boolean;
  readonly local: boolean;
}

/** One person-year against the WHO threshold and the local line (pure; the rule of this module). */
export function assess(
  householdOop: Fen,
  personOop: Fen,
  household: HouseholdIncome,
  s: WatchSettings,
): Assessment {
  const capacity = Math.max(0, household.income - s.subsistencePerPerson * household.size);
  const shareBps = capacity > 0 ? catastrophicShare(householdOop, capacity) : null;
  // The exact integer test decides the flag (the share shown is floored).
  const who = isCatastrophic(householdOop, capacity);
  return { capacity, shareBps, who, local: personOop > localLine(s) };
}

// ---------------------------------------------------------------------------------------------------------
// Settings.

export async function watchSettings(
  ctx: PlatformContext,
  programId: string,
): Promise<{ settings: WatchSettings; updatedAt: Date } | null> {
  const rows = await ctx.db.query<{ settings: WatchSettings; updated_at: Date }>(
    "select settings, updated_at from aid_watch_settings where program_id = $1",
    [programId],
  );
  const r = rows[0];
  return r === undefined ? null : { settings: r.settings, updatedAt: new Date(r.updated_at) };
}

export async function setWatchSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  settings: WatchSettings,
): Promise<Date> {
  await loadProgram(ctx, programId);
  const at = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into aid_watch_settings (program_id, settings, updated_at, updated_by) values ($1, $2, $3, $4)
       on conflict (program_id) do update set settings = excluded.settings, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
      [programId, JSON.stringify(settings), at, actor.id],
    );
    await audit(tx, actor, programId, "aid_watch.settings", programId, { ...settings });
  });
  return at;
}

/**
 * The program's settings, or null when the bureau has not set them yet: then nobody's capacity to pay is known,
 * the list and the summary are empty and say so (`configured: false`) rather than failing.
 */
async function settingsOrNull(ctx: PlatformContext, programId: string): Promise<WatchSettings | null> {
  return (await watchSettings(ctx, programId))?.settings ?? null;
}

// ---------------------------------------------------------------------------------------------------------
// Household incomes (the bureau's CSV).

/** Columns of the household-income CSV, in this order, with a header line. */
export const HOUSEHOLD_COLUMNS = ["psn_no", "household_id", "income", "household_size"] as const;
const MAX_HOUSEHOLD_SIZE = 50;
const MAX_ID_LENGTH = 64;

interface HouseholdRow {
  psnNo: string;
  householdId: string;
  income: Fen;
  size: number;
}

function bad(message: string, field: string): ServiceError {
  return new ServiceError("invalid", "invalid_value", message, field);
}

/** The CSV as rows; the first bad cell refuses the whole file (nothing is stored), naming line and column. */
export function parseHouseholdCsv(text: string): HouseholdRow[] {
  let records: string[][];
  try {
    records = parse(text.replace(/^\uFEFF/, ""), {
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch {
    throw bad("家庭收入文件不是有效的 CSV", "body");
  }
  const header = records[0];
  if (header === undefined)
    throw bad("家庭收入文件为空：第一行应为表头 psn_no,household_id,income,household_size", "body");
  if (HOUSEHOLD_COLUMNS.some((c, i) => header[i] !== c))
    throw bad(`第 1 行表头应为 ${HOUSEHOLD_COLUMNS.join(",")}`, "body");
  const seen = new Set<string>();
  return records.slice(1).map((cells, i) => {
    const line = i + 2;
    const [psnNo = "", householdId = "", incomeText = "", sizeText = ""] = cells;
    if (psnNo === "" || psnNo.length > MAX_ID_LENGTH)
      throw bad(`第 ${line} 行 psn_no：人员编号不能为空`, "psn_no");
    if (seen.has(psnNo)) throw bad(`第 ${line} 行 psn_no：人员编号重复`, "psn_no");
    seen.add(psnNo);
    if (householdId === "" || householdId.length > MAX_ID_LENGTH)
      throw bad(`第 ${line} 行 household_id：家庭编号不能为空`, "household_id");
    const income = parseYuan(incomeText);
    if (!income.ok) throw bad(`第 ${line} 行 income：家庭年收入（元）${income.problem}`, "income");
    const size = /^\d{1,2}$/.test(sizeText) ? Number(sizeText) : Number.NaN;
    if (!(size >= 1 && size <= MAX_HOUSEHOLD_SIZE))
      throw bad(
        `第 ${line} 行 household_size：家庭人口应为 1–${MAX_HOUSEHOLD_SIZE} 的整数`,
        "household_size",
      );
    return { psnNo, householdId, income: income.fen, size };
  });
}

/** Replaces the program's household incomes with the file's (all or nothing). */
export async function importHouseholdIncomes(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  csv: string,
): Promise<{ persons: number; households: number }> {
  await loadProgram(ctx, programId);
  const rows = parseHouseholdCsv(csv);
  const known = await ctx.db.query<{ psn_no: string }>(
    "select psn_no from roster_persons where program_id = $1 and psn_no = any($2)",
    [programId, rows.map((r) => r.psnNo)],
  );
  const onRoster = new Set(known.map((k) => k.psn_no));
  const missing = rows.findIndex((r) => !onRoster.has(r.psnNo));
  if (missing >= 0) throw bad(`第 ${missing + 2} 行 psn_no：不在本项目的参保名单中`, "psn_no");
  const at = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    await tx.query("delete from aid_household_incomes where program_id = $1", [programId]);
    if (rows.length > 0)
      await tx.query(
        `insert into aid_household_incomes (program_id, psn_no, household_id, income_fen, household_size,
           imported_at, imported_by)
         select $1, u.psn_no, u.household_id, u.income_fen, u.household_size, $6, $7
           from unnest($2::text[], $3::text[], $4::bigint[], $5::int[])
             as u (psn_no, household_id, income_fen, household_size)`,
        [
          programId,
          rows.map((r) => r.psnNo),
          rows.map((r) => r.householdId),
          rows.map((r) => String(r.income)),
          rows.map((r) => String(r.size)),
          at,
          actor.id,
        ],
      );
    await audit(tx, actor, programId, "aid_watch.household_import", programId, { persons: rows.length });
  });
  return { persons: rows.length, households: new Set(rows.map((r) => r.householdId)).size };
}

// ---------------------------------------------------------------------------------------------------------
// The watch.

export interface WatchedPerson {
  readonly psnNo: string;
  readonly name: string;
  readonly county: string | null;
  readonly cohort: Cohort | null;
  readonly household: HouseholdIncome;
  readonly householdOop: Fen;
  readonly personOop: Fen;
  readonly assessment: Assessment;
}

interface PersonRow {
  psn_no: string;
  oop: number;
  psn_name: string | null;
  admdvs: string | null;
  cohort: string | null;
  household_id: string | null;
  income_fen: number | null;
  household_size: number | null;
}

/** Every person with OOP this program year and a known capacity to pay, assessed. No audit: callers do. */
export async function watchedPersons(
  ctx: PlatformContext,
  programId: string,
  settings: WatchSettings,
): Promise<WatchedPerson[]> {
  // OOP per person over live claims: what the person bore, less 惠民保, less the aid actually paid.
  const rows = await ctx.db.query<PersonRow>(
    `with live as (
       select c.psn_no, c.setl_id, c.psn_part_amt_fen - c.hmb_pay_fen as after_hmb
         from claims c where c.program_id = $1 and c.state = 'settled'
     ), aid as (
       select p.setl_id, sum(p.amount_fen)::bigint as paid
         from aid_payments p where p.program_id = $1 and p.state = 'paid' group by p.setl_id
     ), oop as (
       select l.psn_no, sum(l.after_hmb - coalesce(a.paid, 0))::bigint as oop
         from live l left join aid a on a.setl_id = l.setl_id group by l.psn_no
     )
     select o.psn_no, o.oop, r.psn_name, r.admdvs, r.cohort, h.household_id, h.income_fen, h.household_size
       from oop o
       left join roster_persons r on r.program_id = $1 and r.psn_no = o.psn_no
       left join aid_household_incomes h on h.program_id = $1 and h.psn_no = o.psn_no
      where o.oop > 0
      order by o.psn_no`,
    [programId],
  );
  // A bureau household's OOP is its members' sum (members without OOP add nothing).
  const householdOop = new Map<string, Fen>();
  for (const r of rows)
    if (r.household_id !== null)
      householdOop.set(r.household_id, (householdOop.get(r.household_id) ?? 0) + Number(r.oop));
  const out: WatchedPerson[] = [];
  for (const r of rows) {
    const cohort = r.cohort !== null && r.cohort in COHORTS ? (r.cohort as Cohort) : null;
    const personOop = Number(r.oop);
    let household: HouseholdIncome;
    let hhOop = personOop;
    if (r.household_id !== null) {
      household = { source: "bureau", income: Number(r.income_fen), size: Number(r.household_size) };
      hhOop = householdOop.get(r.household_id) ?? personOop;
    } else {
      const reference =
        (cohort === null ? undefined : settings.referenceIncome[cohort]) ?? settings.defaultReferenceIncome;
      if (reference === null || reference === undefined) continue;
      household = { source: "reference", income: reference, size: 1 };
    }
    out.push({
      psnNo: r.psn_no,
      name: r.psn_name ?? "",
      county: r.admdvs,
      cohort,
      household,
      householdOop: hhOop,
      personOop,
      assessment: assess(hhOop, personOop, household, settings),
    });
  }
  return out;
}

export type WatchFlagFilter = "who" | "local" | "any";

export interface WatchListEntry {
  readonly subject: string;
  readonly name: string;
  readonly psnNo: string;
  readonly county: string | null;
  readonly countyName: string | null;
  readonly cohort: Cohort | null;
  readonly cohortName: string | null;
  readonly household: HouseholdIncome;
  readonly capacity: Fen;
  readonly householdOop: Fen;
  readonly personOop: Fen;
  readonly shareBps: Bps | null;
  readonly who: boolean;
  readonly local: boolean;
  readonly couldHelp: readonly AidHelp[];
}

export interface WatchListResult {
  /** False until the bureau sets the watch's settings (then nothing is listed). */
  readonly configured: boolean;
  readonly localLine: Fen;
  readonly localMultipleHundredths: number;
  readonly watched: number;
  readonly persons: readonly WatchListEntry[];
}

function matches(p: WatchedPerson, flag: WatchFlagFilter): boolean {
  const a = p.assessment;
  return flag === "who" ? a.who : flag === "local" ? a.local : a.who || a.local;
}

function requireListReader(actor: Actor): void {
  if (!(WATCH_LIST_READERS as readonly string[]).includes(actor.role))
    throw new ServiceError(
      "forbidden",
      "forbidden",
      "只有医保局、民政部门、运营方可查看因病致贫监测名单；监管方请查看汇总",
      "role",
    );
}

/**
 * The flagged persons (masked) with what could still help them. Audited: the read names the persons shown.
 */
export async function catastrophicList(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  filter: { flag?: WatchFlagFilter; county?: string; cohort?: Cohort },
): Promise<WatchListResult> {
  requireListReader(actor);
  const program = await loadProgram(ctx, programId);
  const settings = await settingsOrNull(ctx, programId);
  const all = settings === null ? [] : await watchedPersons(ctx, programId, settings);
  const flag = filter.flag ?? "any";
  const chosen = all.filter(
    (p) =>
      matches(p, flag) &&
      (filter.county === undefined || p.county === filter.county) &&
      (filter.cohort === undefined || p.cohort === filter.cohort),
  );
  // Most burdened first: the share of capacity (no capacity = most), then the OOP.
  chosen.sort(
    (a, b) =>
      (b.assessment.shareBps ?? Number.MAX_SAFE_INTEGER) -
        (a.assessment.shareBps ?? Number.MAX_SAFE_INTEGER) ||
      b.householdOop - a.householdOop ||
      a.psnNo.localeCompare(b.psnNo),
  );
  const help = await stillAvailableAid(
    ctx,
    programId,
    chosen.map((p) => p.psnNo),
  );
  const counties = countyNames(program.regionCode);
  const width = Math.max(2, String(chosen.length).length);
  await audit(ctx.db, actor, programId, "aid_watch.list", programId, {
    flag,
    county: filter.county ?? null,
    cohort: filter.cohort ?? null,
    persons: chosen.map((p) => p.psnNo),
  });
  return {
    configured: settings !== null,
    localLine: settings === null ? 0 : localLine(settings),
    localMultipleHundredths: settings?.localMultipleHundredths ?? 0,
    watched: all.length,
    persons: chosen.map((p, i) => ({
      subject: `受监测人-${String(i + 1).padStart(width, "0")}`,
      name: maskName(p.name),
      psnNo: maskPsnNo(p.psnNo),
      county: p.county,
      countyName: p.county === null ? null : (counties.get(p.county) ?? null),
      cohort: p.cohort,
      cohortName: p.cohort === null ? null : COHORTS[p.cohort],
      household: p.household,
      capacity: p.assessment.capacity,
      householdOop: p.householdOop,
      personOop: p.personOop,
      shareBps: p.assessment.shareBps,
      who: p.assessment.who,
      local: p.assessment.local,
      couldHelp: help.get(p.psnNo) ?? [],
    })),
  };
}

export interface WatchCount {
  readonly key: string | null;
  readonly name: string;
  readonly watched: number;
  readonly flaggedWho: number;
  readonly flaggedLocal: number;
  readonly flaggedAny: number;
}

export interface WatchSummaryResult {
  readonly configured: boolean;
  readonly localLine: Fen;
  readonly totals: WatchCount;
  readonly byCounty: readonly WatchCount[];
  readonly byCohort: readonly WatchCount[];
}

const UNKNOWN = "未登记";

function countBy(
  persons: readonly WatchedPerson[],
  keyOf: (p: WatchedPerson) => string | null,
  nameOf: (key: string | null) => string,
): WatchCount[] {
  const groups = new Map<string | null, WatchedPerson[]>();
  for (const p of persons) {
    const k = keyOf(p);
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a ?? "~").localeCompare(b ?? "~"))
    .map(([key, ps]) => count(key, nameOf(key), ps));
}

function count(key: string | null, name: string, ps: readonly WatchedPerson[]): WatchCount {
  return {
    key,
    name,
    watched: ps.length,
    flaggedWho: ps.filter((p) => p.assessment.who).length,
    flaggedLocal: ps.filter((p) => p.assessment.local).length,
    flaggedAny: ps.filter((p) => p.assessment.who || p.assessment.local).length,
  };
}

/** Counts by county and by cohort, no person: what the regulator (and the dashboards) see. Audited. */
export async function catastrophicSummary(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<WatchSummaryResult> {
  const program = await loadProgram(ctx, programId);
  const settings = await settingsOrNull(ctx, programId);
  const all = settings === null ? [] : await watchedPersons(ctx, programId, settings);
  const counties = countyNames(program.regionCode);
  await audit(ctx.db, actor, programId, "aid_watch.summary", programId, { watched: all.length });
  return {
    configured: settings !== null,
    localLine: settings === null ? 0 : localLine(settings),
    totals: count(null, "合计", all),
    byCounty: countBy(
      all,
      (p) => p.county,
      (k) => (k === null ? UNKNOWN : (counties.get(k) ?? k)),
    ),
    byCohort: countBy(
      all,
      (p) => p.cohort,
      (k) => (k === null ? "未标注人群" : (COHORTS[k as Cohort] ?? k)),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------
// What could still help.

/** An aid program a flagged person could still use. */
export interface AidHelp {
  readonly ref: string;
  readonly name: string;
  readonly sponsorKind: AidSponsorKind;
  readonly sponsorName: string;
  readonly mode: "automatic" | "application";
  /** What its budget and its fund can still pay (the smaller). */
  readonly budgetLeft: Fen;
  /**
   * True when the platform has already pre-filled the application and it waits for the person (or guardian) to
   * confirm it: nothing is paid until they do, so the bureau and 民政 can follow up.
   */
  readonly prefilled: boolean;
}

/**
 * For each person, the active aid programs that could still help: the program's own conditions (engine
 * aidEligibility) hold for one of the person's live claims it has not yet paid or been applied for (a
 * pre-filled application the person has not confirmed yet is not an application: it is listed, marked
 * `prefilled`, because nothing is paid until the person acts — the case the bureau and 民政 follow up), the
 * person's per-year cap is not used up, and its budget and fund still hold money. Premium programs are left
 * out (they pay enrollments, not burdens).
 */
export async function stillAvailableAid(
  ctx: PlatformContext,
  programId: string,
  psnNos: readonly string[],
): Promise<Map<string, AidHelp[]>> {
  const out = new Map<string, AidHelp[]>();
  if (psnNos.length === 0) return out;
  const programs = (await activeAidPrograms(ctx.db, programId)).filter(
    (p) => p.program.covers.kind !== "premium",
  );
  if (programs.length === 0) return out;
  const committed = await committedByAidProgram(ctx.db, programId);
  const funds = await ctx.db.query<{ fund_id: string; balance_fen: number }>(
    "select fund_id, balance_fen from aid_funds where program_id = $1",
    [programId],
  );
  const balance = new Map(funds.map((f) => [f.fund_id, Number(f.balance_fen)]));
  const left = new Map(
    programs.map((p) => [
      p.aidProgramId,
      Math.min(
        Math.max(0, p.program.budget.amount - (committed.get(p.aidProgramId) ?? 0)),
        balance.get(p.fundId) ?? 0,
      ),
    ]),
  );
  const usable = programs.filter((p) => (left.get(p.aidProgramId) ?? 0) > 0);
  if (usable.length === 0) return out;
  const wanted = new Set(psnNos);
  const paid = await paymentsOfPersons(ctx.db, programId, psnNos);
  const applied = await ctx.db.query<{ setl_id: string; aid_program_id: string; state: string }>(
    `select setl_id, aid_program_id, state from aid_applications
      where program_id = $1 and psn_no = any($2::text[]) and state not in ('withdrawn', 'rejected')`,
    [programId, [...psnNos]],
  );
  const prefilled = new Set(
    applied.filter((a) => a.state === "proposed").map((a) => `${a.setl_id}|${a.aid_program_id}`),
  );
  const taken = new Set([
    ...paid.map((p) => `${p.setl_id}|${p.aid_program_id}`),
    ...applied.filter((a) => a.state !== "proposed").map((a) => `${a.setl_id}|${a.aid_program_id}`),
  ]);
  const yearPaid = new Map<string, Fen>();
  for (const p of paid) {
    const k = `${p.psn_no}|${p.aid_program_id}`;
    yearPaid.set(k, (yearPaid.get(k) ?? 0) + p.amount_fen + p.queued_fen);
  }
  // One read of the persons' claims (a flagged list is short: tens to a few thousand persons).
  const facts = [];
  for (const psnNo of wanted) facts.push(...(await loadClaimFacts(ctx.db, ctx.keys, programId, { psnNo })));
  for (const f of facts) {
    const person = f.person;
    if (person === undefined) continue;
    for (const p of usable) {
      const ref = aidProgramRef({ id: p.aidProgramId, version: p.version });
      const list = out.get(f.psnNo) ?? [];
      const key = `${f.setlId}|${p.aidProgramId}`;
      const seen = list.findIndex((h) => h.ref === ref);
      // One entry per program; a claim with nothing pre-filled yet outranks a pre-filled one (more to do).
      if (seen >= 0 && !(list[seen]?.prefilled === true && !prefilled.has(key))) continue;
      if (taken.has(key)) continue;
      const cap = p.program.caps.perYear;
      if (cap !== undefined && (yearPaid.get(`${f.psnNo}|${p.aidProgramId}`) ?? 0) >= cap) continue;
      if (!aidEligibility(p.program, person, f.claim).eligible) continue;
      const help: AidHelp = {
        ref,
        name: p.program.name,
        sponsorKind: p.program.sponsor.kind,
        sponsorName: p.program.sponsor.name,
        mode: p.program.mode.kind,
        budgetLeft: left.get(p.aidProgramId) ?? 0,
        prefilled: prefilled.has(key),
      };
      if (seen >= 0) list[seen] = help;
      else list.push(help);
      out.set(f.psnNo, list);
    }
  }
  return out;
}
