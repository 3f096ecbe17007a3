/**
 * Anti-selection monitor (逆选择监测, issue 13 item 6): per program year of a chain of programs (文山 2024
 * follows 文山 2023), from per-person facts the service gathers (services/anti-selection.ts) — pure, no I/O.
 *
 *  - enrollment rate: insured persons ÷ roster persons (the eligible population of the region's year);
 *  - persistence (续保率) from year N−1 to N: of the persons insured in N−1 who are on N's roster (those who
 *    left the roster — moved away, died — could not renew, so they are counted apart), the share insured in N;
 *    by health status at the renewal point and by age band (age at N−1's coverage start);
 *  - 3-year persistence: of the persons insured in N−2 who are on N's roster, the share insured in N−1 and N,
 *    by health status at the first renewal point;
 *  - claims share vs premium share of the 60+ and of the pre-existing (带病体) persons of the year;
 *  - alerts, each against a named, configurable threshold (AntiSelectionThresholds), in Chinese.
 *
 * Health status (the service decides it, docs/anti-selection.md): a person is 带病体 when the product's
 * pre-existing conditions are met by their settlement history on the platform (every year of the chain) before
 * the reference date, or their policy carries a status locked pre-existing at first enrollment.
 *
 * The persons are keys only (the service's opaque match keys): nothing personal leaves this module.
 */
import { type Fen, formatYuan } from "../domain/money.js";
import { ageBandLabel, DEFAULT_AGE_BANDS } from "./rate-groups.js";
import { ratio4 } from "./replay.js";

/** Age bands of the monitor: whole years at the year's coverage start, inclusive. */
export interface AgeBand {
  readonly id: string;
  readonly label: string;
  readonly min: number;
  /** null: no upper bound. */
  readonly max: number | null;
}

/**
 * The pricing work's age bands (rate-groups.ts DEFAULT_AGE_BANDS: 0–17, 18–39, 40–59, 60–69, 70+), so the
 * monitor and the rate table speak of the same groups; 60 is a band edge, the published cases look at the 60+.
 */
export const ANTI_SELECTION_AGE_BANDS: readonly AgeBand[] = DEFAULT_AGE_BANDS.map((b) => ({
  id: b.to === undefined ? `${b.from}+` : `${b.from}-${b.to}`,
  label: ageBandLabel(b),
  min: b.from,
  max: b.to ?? null,
}));

/** The older group whose claims share is watched: 60 and over at coverage start. */
export const SENIOR_AGE = 60;

export function ageBandOf(age: number, bands: readonly AgeBand[] = ANTI_SELECTION_AGE_BANDS): AgeBand {
  const band = bands.find((b) => age >= b.min && (b.max === null || age <= b.max));
  if (band === undefined) throw new Error(`no age band holds age ${age}`);
  return band;
}

/**
 * The alert thresholds, each named. Defaults follow the published cases (docs/anti-selection.md):
 *  - healthyPersistenceGap: the healthy renew this much less (in ratio, 0.10 = 10 percentage points) than the
 *    pre-existing → 健康人群流失快于带病人群;
 *  - claimsShareFactor: a group's claims share exceeds its premium share this many times → 高风险人群赔付
 *    占比过高 (穗岁康 2021: 60+ paid 40 % of claims on 23 % of premium, a factor of 1.74);
 *  - deathSpiralHealthy3y / deathSpiralPreExisting3y: healthy 3-year persistence below the first while the
 *    pre-existing's is above the second → 死亡螺旋 (published: < 15 % against > 80 %);
 *  - minGroupPersons: a group smaller than this raises no alert (a handful of persons is noise, not a trend).
 */
export interface AntiSelectionThresholds {
  readonly healthyPersistenceGap: number;
  readonly claimsShareFactor: number;
  readonly deathSpiralHealthy3y: number;
  readonly deathSpiralPreExisting3y: number;
  readonly minGroupPersons: number;
}

export const DEFAULT_HEALTHY_PERSISTENCE_GAP = 0.1;
export const DEFAULT_CLAIMS_SHARE_FACTOR = 1.5;
export const DEATH_SPIRAL_HEALTHY_3Y = 0.15;
export const DEATH_SPIRAL_PRE_EXISTING_3Y = 0.8;
export const DEFAULT_MIN_GROUP_PERSONS = 10;

export const DEFAULT_ANTI_SELECTION_THRESHOLDS: AntiSelectionThresholds = {
  healthyPersistenceGap: DEFAULT_HEALTHY_PERSISTENCE_GAP,
  claimsShareFactor: DEFAULT_CLAIMS_SHARE_FACTOR,
  deathSpiralHealthy3y: DEATH_SPIRAL_HEALTHY_3Y,
  deathSpiralPreExisting3y: DEATH_SPIRAL_PRE_EXISTING_3Y,
  minGroupPersons: DEFAULT_MIN_GROUP_PERSONS,
};

/** One insured person of a year, as the service found them. */
export interface InsuredPerson {
  /** Opaque key, the same for the same person in every year of the chain; never output. */
  readonly key: string;
  /** Whole years at the year's coverage start. */
  readonly age: number;
  /** 带病体 at the year's coverage start (the year's mix: premium and claims shares). */
  readonly preExisting: boolean;
  /** 带病体 at the end of the year's coverage: the status they decide whether to renew with. */
  readonly preExistingAtRenewal: boolean;
  readonly premiumFen: Fen;
  /** Paid claims of the year (settled, not revoked). */
  readonly claimsFen: Fen;
}

export interface YearInput {
  readonly programId: string;
  readonly name: string;
  /** The product's coverage start, yyyy-MM-dd (Beijing). */
  readonly coverageStart: string;
  /** Roster persons of the year. */
  readonly eligible: number;
  readonly insured: readonly InsuredPerson[];
  /** Whether the year's product defines a pre-existing condition (else nobody can be told 带病体). */
  readonly healthRuleDefined: boolean;
  /** Which keys of the previous two years' insured are on this year's roster. */
  readonly onRoster: (key: string) => boolean;
}

/** count of base; rate null when base is 0. */
export interface Rate {
  readonly base: number;
  readonly count: number;
  readonly rate: number | null;
}

export interface ShareFigures {
  readonly persons: number;
  readonly premiumFen: Fen;
  readonly claimsFen: Fen;
  /** Share of the year's persons / premium / claims; null when the year's total is 0. */
  readonly personRate: Rate;
  readonly premiumShare: number | null;
  readonly claimsShare: number | null;
  /** claims share ÷ premium share; null when either is undefined or the premium share is 0. */
  readonly factor: number | null;
}

export interface Persistence {
  /** The previous year's program. */
  readonly fromProgramId: string;
  readonly overall: Rate;
  readonly healthy: Rate;
  readonly preExisting: Rate;
  readonly byAgeBand: readonly (Rate & { readonly band: AgeBand })[];
  /** Insured the year before but not on this year's roster: could not renew, outside every base. */
  readonly leftRoster: number;
}

export interface Persistence3 {
  readonly firstProgramId: string;
  readonly overall: Rate;
  readonly healthy: Rate;
  readonly preExisting: Rate;
}

export interface YearFigures {
  readonly programId: string;
  readonly name: string;
  readonly coverageStart: string;
  readonly healthRuleDefined: boolean;
  readonly enrollment: Rate;
  readonly premiumFen: Fen;
  readonly claimsFen: Fen;
  readonly senior: ShareFigures;
  readonly preExisting: ShareFigures;
  readonly persistence: Persistence | null;
  readonly persistence3: Persistence3 | null;
}

export type AlertKind =
  | "healthy_leaving"
  | "senior_claims_share"
  | "pre_existing_claims_share"
  | "death_spiral";

export interface AntiSelectionAlert {
  readonly kind: AlertKind;
  readonly programId: string;
  /** Chinese, with the figures and the threshold. */
  readonly message: string;
}

export interface AntiSelectionReport {
  /** Oldest first; the last is the program asked about. */
  readonly years: readonly YearFigures[];
  readonly alerts: readonly AntiSelectionAlert[];
  readonly thresholds: AntiSelectionThresholds;
}

const rateOf = (count: number, base: number): Rate => ({
  base,
  count,
  rate: base === 0 ? null : count / base,
});

/** "37.5%" for a rate, "—" for none: alert texts. */
export function percentText(rate: number | null): string {
  if (rate === null) return "—";
  const tenths = Math.round(rate * 1000);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`;
}

function shares(
  persons: readonly InsuredPerson[],
  all: readonly InsuredPerson[],
  totalPremium: Fen,
  totalClaims: Fen,
): ShareFigures {
  let premiumFen = 0;
  let claimsFen = 0;
  for (const p of persons) {
    premiumFen += p.premiumFen;
    claimsFen += p.claimsFen;
  }
  const premiumShare = totalPremium === 0 ? null : premiumFen / totalPremium;
  const claimsShare = totalClaims === 0 ? null : claimsFen / totalClaims;
  return {
    persons: persons.length,
    premiumFen,
    claimsFen,
    personRate: rateOf(persons.length, all.length),
    premiumShare,
    claimsShare,
    factor:
      premiumShare === null || claimsShare === null || premiumShare === 0 ? null : claimsShare / premiumShare,
  };
}

function persistenceFrom(prev: YearInput, year: YearInput): Persistence {
  const now = new Set(year.insured.map((p) => p.key));
  const base = prev.insured.filter((p) => year.onRoster(p.key));
  const renewed = (ps: readonly InsuredPerson[]) =>
    rateOf(ps.filter((p) => now.has(p.key)).length, ps.length);
  return {
    fromProgramId: prev.programId,
    overall: renewed(base),
    healthy: renewed(base.filter((p) => !p.preExistingAtRenewal)),
    preExisting: renewed(base.filter((p) => p.preExistingAtRenewal)),
    byAgeBand: ANTI_SELECTION_AGE_BANDS.map((band) => ({
      band,
      ...renewed(base.filter((p) => ageBandOf(p.age) === band)),
    })),
    leftRoster: prev.insured.length - base.length,
  };
}

function persistence3From(first: YearInput, second: YearInput, year: YearInput): Persistence3 {
  const mid = new Set(second.insured.map((p) => p.key));
  const now = new Set(year.insured.map((p) => p.key));
  const base = first.insured.filter((p) => year.onRoster(p.key));
  const stayed = (ps: readonly InsuredPerson[]) =>
    rateOf(ps.filter((p) => mid.has(p.key) && now.has(p.key)).length, ps.length);
  return {
    firstProgramId: first.programId,
    overall: stayed(base),
    healthy: stayed(base.filter((p) => !p.preExistingAtRenewal)),
    preExisting: stayed(base.filter((p) => p.preExistingAtRenewal)),
  };
}

function yearFigures(years: readonly YearInput[], i: number): YearFigures {
  const year = years[i] as YearInput;
  let premiumFen = 0;
  let claimsFen = 0;
  for (const p of year.insured) {
    premiumFen += p.premiumFen;
    claimsFen += p.claimsFen;
  }
  const prev = years[i - 1];
  const first = years[i - 2];
  return {
    programId: year.programId,
    name: year.name,
    coverageStart: year.coverageStart,
    healthRuleDefined: year.healthRuleDefined,
    enrollment: rateOf(year.insured.length, year.eligible),
    premiumFen,
    claimsFen,
    senior: shares(
      year.insured.filter((p) => p.age >= SENIOR_AGE),
      year.insured,
      premiumFen,
      claimsFen,
    ),
    preExisting: shares(
      year.insured.filter((p) => p.preExisting),
      year.insured,
      premiumFen,
      claimsFen,
    ),
    persistence: prev === undefined ? null : persistenceFrom(prev, year),
    persistence3: prev === undefined || first === undefined ? null : persistence3From(first, prev, year),
  };
}

/**
 * How alerts name a year: its program's name, with the coverage year when the name lacks it, and its place in
 * the chain when two years share a name (a product kept unchanged from one year to the next).
 */
function yearLabels(years: readonly YearFigures[]): string[] {
  const names = years.map((y) => {
    const year = y.coverageStart.slice(0, 4);
    return y.name.includes(year) ? y.name : `${y.name}（${year} 年度）`;
  });
  const unique = new Set(names).size === names.length;
  return names.map((n, i) => (unique ? n : `${n}·第 ${i + 1} 个年度`));
}

function alertsOf(y: YearFigures, label: string, t: AntiSelectionThresholds): AntiSelectionAlert[] {
  const out: AntiSelectionAlert[] = [];
  const big = (r: Rate) => r.base >= t.minGroupPersons;
  const p = y.persistence;
  if (
    p !== null &&
    big(p.healthy) &&
    big(p.preExisting) &&
    p.healthy.rate !== null &&
    p.preExisting.rate !== null &&
    p.healthy.rate < p.preExisting.rate - t.healthyPersistenceGap
  )
    out.push({
      kind: "healthy_leaving",
      programId: y.programId,
      message:
        `${label}：健康人群流失快于带病人群——健康人群续保率 ${percentText(p.healthy.rate)}` +
        `（${p.healthy.count}/${p.healthy.base} 人），带病人群续保率 ${percentText(p.preExisting.rate)}` +
        `（${p.preExisting.count}/${p.preExisting.base} 人），相差超过预警阈值 ` +
        `${percentText(t.healthyPersistenceGap)} 个百分点，存在逆选择风险。`,
    });
  const shareAlert = (kind: AlertKind, who: string, s: ShareFigures) => {
    if (s.persons < t.minGroupPersons || s.factor === null || s.factor <= t.claimsShareFactor) return;
    out.push({
      kind,
      programId: y.programId,
      message:
        `${label}：${who}赔付占比 ${percentText(s.claimsShare)}，保费占比仅 ${percentText(s.premiumShare)}，` +
        `为保费占比的 ${s.factor.toFixed(2)} 倍，超过预警阈值 ${t.claimsShareFactor} 倍。`,
    });
  };
  shareAlert("senior_claims_share", `${SENIOR_AGE} 岁及以上人群`, y.senior);
  shareAlert("pre_existing_claims_share", "带病人群", y.preExisting);
  const p3 = y.persistence3;
  if (
    p3 !== null &&
    big(p3.healthy) &&
    big(p3.preExisting) &&
    p3.healthy.rate !== null &&
    p3.preExisting.rate !== null &&
    p3.healthy.rate < t.deathSpiralHealthy3y &&
    p3.preExisting.rate > t.deathSpiralPreExisting3y
  )
    out.push({
      kind: "death_spiral",
      programId: y.programId,
      message:
        `${label}：出现“死亡螺旋”特征——健康人群三年连续参保率 ${percentText(p3.healthy.rate)}` +
        `（${p3.healthy.count}/${p3.healthy.base} 人）低于 ${percentText(t.deathSpiralHealthy3y)}，` +
        `带病人群 ${percentText(p3.preExisting.rate)}（${p3.preExisting.count}/${p3.preExisting.base} 人）` +
        `高于 ${percentText(t.deathSpiralPreExisting3y)}。健康人群退出将推高赔付率和保费，应调整产品设计、` +
        `加强健康人群参保宣传。`,
    });
  return out;
}

/** The report over a chain of years, oldest first (at least one). */
export function analyzeAntiSelection(
  years: readonly YearInput[],
  thresholds: AntiSelectionThresholds = DEFAULT_ANTI_SELECTION_THRESHOLDS,
): AntiSelectionReport {
  if (years.length === 0) throw new Error("anti-selection needs at least one program year");
  const figures = years.map((_, i) => yearFigures(years, i));
  const labels = yearLabels(figures);
  return {
    years: figures,
    alerts: figures.flatMap((y, i) => alertsOf(y, labels[i] as string, thresholds)),
    thresholds,
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Wire form (API and `hmb report anti-selection --json`): counts, yuan strings, ratios as 4-decimal strings.
 * ---------------------------------------------------------------------------------------------------------- */

const ratioText = (count: number, base: number) => ratio4(count, base) ?? null;
const shareText = (part: Fen, whole: Fen) => ratio4(part, whole) ?? null;

const rateWire = (r: Rate) => ({ base: r.base, count: r.count, rate: ratioText(r.count, r.base) });

function shareWire(s: ShareFigures, y: YearFigures) {
  return {
    persons: s.persons,
    person_share: ratioText(s.persons, s.personRate.base),
    premium: formatYuan(s.premiumFen),
    premium_share: shareText(s.premiumFen, y.premiumFen),
    claims: formatYuan(s.claimsFen),
    claims_share: shareText(s.claimsFen, y.claimsFen),
    // claims share ÷ premium share = (claims_g · premium) ÷ (premium_g · claims), exactly.
    claims_to_premium:
      s.factor === null
        ? null
        : quotient4(BigInt(s.claimsFen) * BigInt(y.premiumFen), BigInt(s.premiumFen) * BigInt(y.claimsFen)),
  };
}

/** n ÷ d (d > 0) to 4 places, half up, exactly: products of two fen amounts outgrow a double. */
function quotient4(n: bigint, d: bigint): string {
  const scale = 10_000n;
  const q = (2n * n * scale + d) / (2n * d);
  return `${q / scale}.${(q % scale).toString().padStart(4, "0")}`;
}

export function antiSelectionWire(programId: string, r: AntiSelectionReport) {
  return {
    program_id: programId,
    years: r.years.map((y) => ({
      program_id: y.programId,
      name: y.name,
      coverage_start: y.coverageStart,
      health_rule_defined: y.healthRuleDefined,
      eligible: y.enrollment.base,
      enrolled: y.enrollment.count,
      enrollment_rate: ratioText(y.enrollment.count, y.enrollment.base),
      premium: formatYuan(y.premiumFen),
      claims: formatYuan(y.claimsFen),
      loss_ratio: shareText(y.claimsFen, y.premiumFen),
      senior: shareWire(y.senior, y),
      pre_existing: shareWire(y.preExisting, y),
      persistence:
        y.persistence === null
          ? null
          : {
              from_program_id: y.persistence.fromProgramId,
              overall: rateWire(y.persistence.overall),
              healthy: rateWire(y.persistence.healthy),
              pre_existing: rateWire(y.persistence.preExisting),
              by_age_band: y.persistence.byAgeBand.map((b) => ({
                band: b.band.id,
                label: b.band.label,
                ...rateWire(b),
              })),
              left_roster: y.persistence.leftRoster,
            },
      persistence_3y:
        y.persistence3 === null
          ? null
          : {
              first_program_id: y.persistence3.firstProgramId,
              overall: rateWire(y.persistence3.overall),
              healthy: rateWire(y.persistence3.healthy),
              pre_existing: rateWire(y.persistence3.preExisting),
            },
    })),
    trend: r.years.length < 2 ? null : trendOf(r.years),
    alerts: r.alerts.map((a) => ({ kind: a.kind, program_id: a.programId, message: a.message })),
    thresholds: {
      healthy_persistence_gap: String(r.thresholds.healthyPersistenceGap),
      claims_share_factor: String(r.thresholds.claimsShareFactor),
      death_spiral_healthy_3y: String(r.thresholds.deathSpiralHealthy3y),
      death_spiral_pre_existing_3y: String(r.thresholds.deathSpiralPreExisting3y),
      min_group_persons: r.thresholds.minGroupPersons,
    },
  };
}

/** First year → last year, in percentage points (ratio differences as 4-decimal strings, signed). */
function trendOf(years: readonly YearFigures[]) {
  const first = years[0] as YearFigures;
  const last = years[years.length - 1] as YearFigures;
  const change = (a: number | null, b: number | null) => (a === null || b === null ? null : signed4(b - a));
  return {
    from_program_id: first.programId,
    to_program_id: last.programId,
    enrollment_rate_change: change(first.enrollment.rate, last.enrollment.rate),
    senior_person_share_change: change(first.senior.personRate.rate, last.senior.personRate.rate),
    pre_existing_person_share_change: change(
      first.preExisting.personRate.rate,
      last.preExisting.personRate.rate,
    ),
    loss_ratio_change: change(
      first.premiumFen === 0 ? null : first.claimsFen / first.premiumFen,
      last.premiumFen === 0 ? null : last.claimsFen / last.premiumFen,
    ),
  };
}

/** −0.1234 → "-0.1234": a difference of two ratios (already float; 4 places are for reading, not sums). */
function signed4(x: number): string {
  const t = Math.round(Math.abs(x) * 10_000);
  const s = `${Math.floor(t / 10_000)}.${String(t % 10_000).padStart(4, "0")}`;
  return x < 0 && t !== 0 ? `-${s}` : s;
}

export type AntiSelectionWire = ReturnType<typeof antiSelectionWire>;

/* ------------------------------------------------------------------------------------------------------------
 * Chinese text (`hmb report anti-selection` without --json)
 * ---------------------------------------------------------------------------------------------------------- */

/** "0.3750" → "37.5%", null → "—". */
function pct(r: string | null): string {
  if (r === null) return "—";
  const [whole = "0", frac = ""] = r.split(".");
  const bps = Number(whole) * 10_000 + Number(frac.padEnd(4, "0").slice(0, 4));
  const tenths = Math.round(bps / 10);
  return `${Math.floor(tenths / 10)}${tenths % 10 === 0 ? "" : `.${tenths % 10}`}%`;
}

const rateText = (r: { base: number; count: number; rate: string | null }) =>
  `${pct(r.rate)}（${r.count}/${r.base}）`;

/** One row per figure, one column per year (oldest first); then the alerts. */
export function antiSelectionText(w: AntiSelectionWire): string {
  const rows: [string, ...string[]][] = [];
  const row = (label: string, f: (y: AntiSelectionWire["years"][number]) => string) =>
    rows.push([label, ...w.years.map(f)]);
  row("年度", (y) => y.name);
  row("保障起期", (y) => y.coverage_start);
  row("名单人数", (y) => String(y.eligible));
  row("参保人数", (y) => String(y.enrolled));
  row("参保率", (y) => pct(y.enrollment_rate));
  row("保费（元）", (y) => y.premium);
  row("已付赔款（元）", (y) => y.claims);
  row("赔付率", (y) => pct(y.loss_ratio));
  row("续保率（全体）", (y) => (y.persistence === null ? "—（首年）" : rateText(y.persistence.overall)));
  row("续保率（健康人群）", (y) => (y.persistence === null ? "—" : rateText(y.persistence.healthy)));
  row("续保率（带病人群）", (y) => (y.persistence === null ? "—" : rateText(y.persistence.pre_existing)));
  for (const band of ANTI_SELECTION_AGE_BANDS)
    row(`续保率（${band.label}）`, (y) => {
      const b = y.persistence?.by_age_band.find((x) => x.band === band.id);
      return b === undefined ? "—" : rateText(b);
    });
  row("离开名单（无法续保）人数", (y) => (y.persistence === null ? "—" : String(y.persistence.left_roster)));
  row("三年连续参保率（健康人群）", (y) =>
    y.persistence_3y === null ? "—" : rateText(y.persistence_3y.healthy),
  );
  row("三年连续参保率（带病人群）", (y) =>
    y.persistence_3y === null ? "—" : rateText(y.persistence_3y.pre_existing),
  );
  for (const [label, g] of [
    [`${SENIOR_AGE} 岁及以上`, "senior"],
    ["带病人群", "pre_existing"],
  ] as const) {
    row(`${label}：人数占比`, (y) => pct(y[g].person_share));
    row(`${label}：保费占比`, (y) => pct(y[g].premium_share));
    row(`${label}：赔付占比`, (y) => pct(y[g].claims_share));
    row(`${label}：赔付占比 ÷ 保费占比`, (y) => y[g].claims_to_premium ?? "—");
  }
  row("产品是否定义既往症规则", (y) => (y.health_rule_defined ? "是" : "否（无法区分带病人群）"));
  // Pad by display width: a CJK character takes two columns in a terminal.
  const width = (s: string) => [...s].reduce((n, c) => n + (c.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  const cols = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => width(r[i] ?? ""))));
  const lines = rows.map((r) =>
    r
      .map((c, i) => c + " ".repeat((cols[i] as number) - width(c)))
      .join("  ")
      .trimEnd(),
  );
  lines.push("");
  if (w.alerts.length === 0) lines.push("预警：无");
  else {
    lines.push(`预警（${w.alerts.length} 条）：`);
    for (const a of w.alerts) lines.push(`  ⚠ ${a.message}`);
  }
  if (w.years.length === 1) lines.push("只有一个年度（本项目未接续往年项目）：没有续保率与趋势。");
  return `${lines.join("\n")}\n`;
}
