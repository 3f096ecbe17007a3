/**
 * IBNR reserving on a paid-claims development triangle (issue 13 item 3). Pure: no I/O, imports only
 * src/domain. The CLI (src/cli/reserve.ts) reads the files and prints; everything it shows is computed here.
 *
 * Methods (formulas and sources in docs/reserving.md):
 *  - chain ladder with volume-weighted development factors, and Mack's (1993) standard error of the reserve
 *    per origin and in total — T. Mack, "Distribution-free calculation of the standard error of chain ladder
 *    reserve estimates", ASTIN Bulletin 23(2), 1993, pp. 213–225;
 *  - Bornhuetter–Ferguson (B-F法) and the expected-loss-ratio method (赔付率法), when every origin has a
 *    premium and a prior loss ratio is given;
 *  - selection per 《健康保险管理办法》(银保监会令2019年第3号) 第四十九条: at least two of the listed methods
 *    (链梯法、案均赔款法、准备金进展法、B-F法、赔付率法), the largest result is the best estimate; with under
 *    three years of experience, not less than 10 % of the accounting year's paid claims.
 *
 * Rounding (no silent rounding): amounts come in as yuan with at most two decimals and are held as integer
 * fen, exactly. Development factors are ratios, so projected amounts are not whole fen by nature: every
 * projection and standard error is computed in double precision on the fen amounts and rounded to the fen
 * ONCE, when the figure is reported (half away from zero, `toFen`). A total is rounded from its own
 * unrounded value, not summed from rounded parts, so a printed total may differ from the sum of the printed
 * per-origin figures by less than one fen per origin. Paid amounts and premiums are never rounded at all.
 * Doubles carry ~15–16 significant digits; a triangle of 10^11 fen (one billion yuan) keeps errors far
 * below a fen.
 */
import { type Fen, formatYuan, MAX_FEN } from "../domain/money.js";

/** Origin periods: calendar years ("2023") or calendar months ("2023-01"). */
export type Periodicity = "year" | "month";

const PERIODS_PER_YEAR: Record<Periodicity, number> = { year: 1, month: 12 };

/** 第四十九条: "经验数据不足3年的" — the experience, in years, below which the floor applies. */
export const MIN_EXPERIENCE_YEARS = 3;
/** 第四十九条: "不低于该会计年度实际赔款支出的10%" — the floor, in basis points of the year's paid claims. */
export const FLOOR_BPS_OF_YEAR_PAID = 1_000;
const BPS_PER_UNIT = 10_000;

/** A development period beyond this is surely a typo (50 years of monthly development). */
const MAX_DEV = 600;
/** A prior loss ratio above this (1000 %) is surely a typo, e.g. 75 meant as 75 %. */
const MAX_LOSS_RATIO = 10;

/**
 * A validated triangle: origins consecutive and oldest first; row i holds the incremental paid amounts of
 * development periods 0 … min(devPeriods, origins − i) − 1 (the usual upper-left triangle up to the latest
 * diagonal; with fewer development periods than origins the older rows are complete, as in ChainLadder's
 * m×n triangles).
 */
export interface Triangle {
  readonly periodicity: Periodicity;
  readonly origins: readonly string[];
  readonly devPeriods: number;
  readonly incrementalFen: readonly (readonly Fen[])[];
}

export interface InputProblem {
  /** 1-based line of the file; 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: InputProblem[] };

/** A triangle the methods cannot work on (e.g. a development period with nothing paid before it). */
export class ReserveError extends Error {}

// ------------------------------------------------------------------------------------------------------
// Parsing
// ------------------------------------------------------------------------------------------------------

const YEAR = /^(\d{4})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const SIGNED_YUAN = /^(-?)(\d{1,10})(?:\.(\d{1,2}))?$/;
const DEV = /^\d{1,4}$/;

interface OriginKey {
  periodicity: Periodicity;
  /** Years since year 0, or months since year 0 — consecutive origins differ by one. */
  index: number;
}

function originKey(text: string): OriginKey | undefined {
  const y = YEAR.exec(text);
  if (y !== null) return { periodicity: "year", index: Number(y[1]) };
  const m = MONTH.exec(text);
  if (m !== null) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) return undefined;
    return { periodicity: "month", index: Number(m[1]) * 12 + month - 1 };
  }
  return undefined;
}

function originText(periodicity: Periodicity, index: number): string {
  if (periodicity === "year") return String(index);
  const year = Math.floor(index / 12);
  return `${year}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** Signed yuan with at most two decimals → integer fen, exactly (no floating point on the way). */
function signedFen(text: string): Fen | undefined {
  const m = SIGNED_YUAN.exec(text);
  if (m === null) return undefined;
  const decimals = m[3] ?? "";
  const fen = Number(m[2]) * 100 + Number(decimals.padEnd(2, "0") || "0");
  if (fen > MAX_FEN) return undefined;
  return m[1] === "-" ? -fen : fen;
}

interface CsvRow {
  line: number;
  cells: Map<string, string>;
}

/** A plain CSV with a header: fields split on commas, optional surrounding double quotes, BOM and CRLF. */
function readCsv(text: string, columns: readonly string[]): Parsed<CsvRow[]> {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== "");
  if (headerAt < 0) return fail(0, "文件", `文件为空：第一行应为表头 ${columns.join(",")}`);
  const header = split(lines[headerAt] ?? "");
  const problems: InputProblem[] = [];
  for (const c of columns) {
    if (!header.includes(c))
      problems.push({
        line: headerAt + 1,
        field: c,
        message: `表头缺少列 ${c}（表头应为 ${columns.join(",")}）`,
      });
  }
  const dupes = header.filter((h, i) => header.indexOf(h) !== i);
  for (const d of new Set(dupes))
    problems.push({ line: headerAt + 1, field: d, message: `表头中列 ${d} 出现不止一次` });
  if (problems.length > 0) return { ok: false, problems };
  const rows: CsvRow[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i] ?? "";
    if (raw.trim() === "") continue;
    const fields = split(raw);
    if (fields.length !== header.length) {
      problems.push({
        line: i + 1,
        field: "行",
        message: `有 ${fields.length} 个字段，表头有 ${header.length} 列`,
      });
      continue;
    }
    rows.push({ line: i + 1, cells: new Map(header.map((h, k) => [h, fields[k] ?? ""])) });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (rows.length === 0) return fail(headerAt + 1, "文件", "只有表头，没有数据行");
  return { ok: true, value: rows };
}

function split(line: string): string[] {
  return line.split(",").map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

function fail<T>(line: number, field: string, message: string): Parsed<T> {
  return { ok: false, problems: [{ line, field, message }] };
}

/**
 * `origin,dev,paid`: one row per origin period and 0-based development period, incremental paid in yuan.
 * Refused with every problem (line and field named, in Chinese): a missing column, an origin that is neither
 * yyyy nor yyyy-MM or mixes the two, a development period that is not a whole number, an amount that is not
 * yuan with at most two decimals, the same cell twice, a gap between origins or development periods, a cell
 * past the latest diagonal, and a cumulative paid amount that goes negative (incremental amounts may be
 * negative — recoveries — but nobody can have been paid less than nothing).
 */
export function parseTriangleCsv(text: string): Parsed<Triangle> {
  const csv = readCsv(text, ["origin", "dev", "paid"]);
  if (!csv.ok) return csv;
  const problems: InputProblem[] = [];
  let periodicity: Periodicity | undefined;
  const cells = new Map<number, Map<number, { fen: Fen; line: number }>>();
  for (const { line, cells: row } of csv.value) {
    const originCell = row.get("origin") ?? "";
    const devCell = row.get("dev") ?? "";
    const paidCell = row.get("paid") ?? "";
    const key = originKey(originCell);
    let good = true;
    if (key === undefined) {
      problems.push({
        line,
        field: "origin",
        message: `起始期「${originCell.slice(0, 20)}」无效：应为年份 yyyy 或月份 yyyy-MM`,
      });
      good = false;
    } else if (periodicity !== undefined && key.periodicity !== periodicity) {
      problems.push({
        line,
        field: "origin",
        message: `起始期「${originCell}」与前面的起始期粒度不同：全文件须统一按年或统一按月`,
      });
      good = false;
    } else periodicity = key.periodicity;
    const dev = DEV.test(devCell) ? Number(devCell) : Number.NaN;
    if (!(dev >= 0 && dev <= MAX_DEV)) {
      problems.push({
        line,
        field: "dev",
        message: `进展期「${devCell.slice(0, 20)}」无效：应为 0 到 ${MAX_DEV} 的整数（从 0 起算）`,
      });
      good = false;
    }
    const fen = signedFen(paidCell);
    if (fen === undefined) {
      problems.push({
        line,
        field: "paid",
        message: `已付金额「${paidCell.slice(0, 20)}」无效：应为元，最多两位小数`,
      });
      good = false;
    }
    if (!good || key === undefined || fen === undefined) continue;
    let row0 = cells.get(key.index);
    if (row0 === undefined) {
      row0 = new Map();
      cells.set(key.index, row0);
    }
    const earlier = row0.get(dev);
    if (earlier !== undefined) {
      problems.push({
        line,
        field: "dev",
        message: `起始期 ${originCell} 进展期 ${dev} 重复（第 ${earlier.line} 行已有）`,
      });
      continue;
    }
    row0.set(dev, { fen, line });
  }
  if (problems.length > 0) return { ok: false, problems };
  const p = periodicity as Periodicity;
  const indices = [...cells.keys()].sort((a, b) => a - b);
  const first = indices[0] as number;
  const last = indices[indices.length - 1] as number;
  const count = last - first + 1;
  for (let idx = first; idx <= last; idx++) {
    if (!cells.has(idx))
      problems.push({
        line: 0,
        field: "origin",
        message: `起始期 ${originText(p, idx)} 没有任何数据：起始期之间不能有空缺（无赔付请写 0）`,
      });
  }
  if (problems.length > 0) return { ok: false, problems };
  let maxDev = 0;
  for (const row of cells.values()) for (const d of row.keys()) maxDev = Math.max(maxDev, d);
  const devPeriods = maxDev + 1;
  if (devPeriods > count) {
    const where = [...cells.entries()].flatMap(([, row]) => [...row.entries()]).find(([d]) => d === maxDev);
    return fail(
      where?.[1].line ?? 0,
      "dev",
      `进展期 ${maxDev} 超出三角：${count} 个起始期最多有进展期 0 到 ${count - 1}`,
    );
  }
  const incrementalFen: Fen[][] = [];
  for (let i = 0; i < count; i++) {
    const idx = first + i;
    const origin = originText(p, idx);
    const row = cells.get(idx) as Map<number, { fen: Fen; line: number }>;
    const width = Math.min(devPeriods, count - i);
    const amounts: Fen[] = [];
    let cumulative = 0;
    for (let d = 0; d < width; d++) {
      const cell = row.get(d);
      if (cell === undefined) {
        problems.push({
          line: 0,
          field: "dev",
          message: `起始期 ${origin} 缺少进展期 ${d}：每个起始期须有从 0 到评估对角线（进展期 ${width - 1}）的每一期（无赔付请写 0）`,
        });
        break;
      }
      cumulative += cell.fen;
      if (cumulative < 0) {
        problems.push({
          line: cell.line,
          field: "paid",
          message: `起始期 ${origin} 到进展期 ${d} 的累计已付为负（${formatYuan(cumulative)} 元）：累计赔付不可能为负`,
        });
        break;
      }
      amounts.push(cell.fen);
    }
    for (const [d, cell] of row) {
      if (d >= width)
        problems.push({
          line: cell.line,
          field: "dev",
          message: `起始期 ${origin} 的进展期 ${d} 超出评估对角线：该起始期最多到进展期 ${width - 1}`,
        });
    }
    incrementalFen.push(amounts);
  }
  if (problems.length > 0) return { ok: false, problems };
  if (count < 2) return fail(0, "origin", "至少需要两个起始期才能估计进展因子");
  const origins = Array.from({ length: count }, (_, i) => originText(p, first + i));
  return { ok: true, value: { periodicity: p, origins, devPeriods, incrementalFen } };
}

/**
 * `origin,premium`: the earned premium of each origin period in yuan (> 0). Every origin of the triangle
 * needs exactly one; an origin the triangle does not have is refused too (most likely a typo).
 */
export function parsePremiumCsv(text: string, triangle: Triangle): Parsed<Fen[]> {
  const csv = readCsv(text, ["origin", "premium"]);
  if (!csv.ok) return csv;
  const problems: InputProblem[] = [];
  const byOrigin = new Map<string, { fen: Fen; line: number }>();
  for (const { line, cells } of csv.value) {
    const origin = cells.get("origin") ?? "";
    const premium = cells.get("premium") ?? "";
    const key = originKey(origin);
    if (key === undefined || !triangle.origins.includes(originText(key.periodicity, key.index))) {
      problems.push({
        line,
        field: "origin",
        message: `起始期「${origin.slice(0, 20)}」不在赔付三角中（三角的起始期为 ${triangle.origins[0]} 到 ${triangle.origins[triangle.origins.length - 1]}）`,
      });
      continue;
    }
    const normalized = originText(key.periodicity, key.index);
    const fen = signedFen(premium);
    if (fen === undefined || fen <= 0) {
      problems.push({
        line,
        field: "premium",
        message: `保费「${premium.slice(0, 20)}」无效：应为大于 0 的元金额，最多两位小数`,
      });
      continue;
    }
    const earlier = byOrigin.get(normalized);
    if (earlier !== undefined) {
      problems.push({
        line,
        field: "origin",
        message: `起始期 ${origin} 的保费重复（第 ${earlier.line} 行已有）`,
      });
      continue;
    }
    byOrigin.set(normalized, { fen, line });
  }
  for (const o of triangle.origins)
    if (problems.length === 0 && !byOrigin.has(o))
      problems.push({ line: 0, field: "origin", message: `缺少起始期 ${o} 的保费` });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: triangle.origins.map((o) => (byOrigin.get(o) as { fen: Fen }).fen) };
}

/** "0.75" or "75%" → 0.75; undefined unless a plain decimal in (0, 10]. */
export function parseLossRatio(text: string): number | undefined {
  const t = text.trim();
  const percent = /^(\d{1,4}(?:\.\d{1,6})?)%$/.exec(t);
  const plain = /^\d{1,2}(?:\.\d{1,8})?$/.exec(t);
  const value = percent !== null ? Number(percent[1]) / 100 : plain !== null ? Number(t) : Number.NaN;
  return value > 0 && value <= MAX_LOSS_RATIO ? value : undefined;
}

// ------------------------------------------------------------------------------------------------------
// Methods
// ------------------------------------------------------------------------------------------------------

/** How σ² of the last development period (one observation only) is estimated. */
export type SigmaExtrapolation = "mack1993" | "log-linear";

export interface OriginResult {
  readonly origin: string;
  /** Cumulative paid to date: exact fen. */
  readonly paidFen: Fen;
  /** Unrounded projections (fen, double precision); report them through `toFen`. */
  readonly ultimate: number;
  readonly ibnr: number;
  /** Chain ladder only: Mack's standard error of the origin's reserve. */
  readonly se?: number;
}

export interface MethodResult {
  readonly origins: readonly OriginResult[];
  readonly paidFen: Fen;
  readonly ultimate: number;
  readonly ibnr: number;
  readonly se?: number;
}

export interface ChainLadderResult extends MethodResult {
  /** Volume-weighted factors f_k, development period k → k+1. */
  readonly factors: readonly number[];
  /** Mack's σ²_k per factor (the last one extrapolated when it has one observation). */
  readonly sigma2: readonly number[];
  /** Cumulative development factor from each origin's latest period to ultimate (1 when developed). */
  readonly toUltimate: readonly number[];
}

/** Cumulative paid amounts (fen) per origin, same shape as the triangle. */
export function cumulative(triangle: Triangle): Fen[][] {
  return triangle.incrementalFen.map((row) => {
    let sum = 0;
    return row.map((x) => {
      sum += x;
      return sum;
    });
  });
}

/**
 * Chain ladder with volume-weighted factors f_k = Σ_i C_{i,k+1} / Σ_i C_{i,k} over the origins observed at
 * k+1, and Mack's (1993) standard error:
 *   σ²_k = 1/(n_k − 1) Σ_i C_{i,k} (C_{i,k+1}/C_{i,k} − f_k)²                        (Mack 1993, α²_k)
 *   mse(R_i) = Ĉ²_{i,J} Σ_{k ≥ a_i} σ²_k / f²_k · (1/Ĉ_{i,k} + 1/Σ_j C_{j,k})        (Mack 1993, Theorem 3)
 *   mse(R) = Σ_i [ mse(R_i) + Ĉ_{i,J} (Σ_{j>i} Ĉ_{j,J}) Σ_{k ≥ a_i} 2σ²_k/f²_k / Σ_j C_{j,k} ]  (Corollary)
 * where a_i is the origin's latest development period and J the last. A factor estimated from a single
 * origin gives no σ²; Mack (1993) extrapolates the last one as
 *   σ²_{I−1} = min(σ⁴_{I−2}/σ²_{I−3}, min(σ²_{I−3}, σ²_{I−2}))
 * ("mack1993", the default and the rule of the paper). "log-linear" instead fits log σ_k linearly in k
 * over the estimable σ and extends the line — the default of the R ChainLadder package since 0.2.x, kept
 * so the published RAA printout of that package can be reproduced.
 * An origin whose cumulative paid is 0 at period k has no individual factor there: it adds to f_k's
 * numerator (its later payments are real) but not to σ²_k.
 */
export function chainLadder(
  triangle: Triangle,
  sigmaExtrapolation: SigmaExtrapolation = "mack1993",
): ChainLadderResult {
  const C = cumulative(triangle);
  const I = triangle.origins.length;
  const J = triangle.devPeriods;
  const factors: number[] = [];
  const sums: number[] = [];
  const sigma2: (number | undefined)[] = [];
  for (let k = 0; k < J - 1; k++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < I; i++) {
      const row = C[i] as Fen[];
      if (row.length > k + 1) {
        num += row[k + 1] as number;
        den += row[k] as number;
      }
    }
    if (den <= 0)
      throw new ReserveError(
        `进展期 ${k} 的累计已付合计为 0，无法估计进展期 ${k}→${k + 1} 的进展因子（数据太少或前期全为 0）`,
      );
    if (num <= 0) throw new ReserveError(`进展期 ${k}→${k + 1} 的进展因子为 0：累计已付不能全部冲回为 0`);
    const f = num / den;
    factors.push(f);
    sums.push(den);
    let ss = 0;
    let n = 0;
    for (let i = 0; i < I; i++) {
      const row = C[i] as Fen[];
      const c0 = row[k];
      const c1 = row[k + 1];
      if (c0 === undefined || c1 === undefined || c0 === 0) continue;
      ss += c0 * (c1 / c0 - f) ** 2;
      n++;
    }
    sigma2.push(n >= 2 ? ss / (n - 1) : undefined);
  }
  const s2 = extrapolateSigma2(sigma2, sigmaExtrapolation);
  const toUltimate: number[] = [];
  const origins: OriginResult[] = [];
  const ultimates: number[] = [];
  const latestDev: number[] = [];
  const seList: number[] = [];
  for (let i = 0; i < I; i++) {
    const row = C[i] as Fen[];
    const a = row.length - 1;
    const paid = row[a] as number;
    let cdf = 1;
    for (let k = a; k < J - 1; k++) cdf *= factors[k] as number;
    const ultimate = paid * cdf;
    // Σ_k σ²_k/f²_k (1/Ĉ_ik + 1/S_k), multiplied by Ĉ²_iJ: with Ĉ_ik = paid × Π_{m<k} f_m the first term is
    // Ĉ_iJ × Π_{m≥k} f_m — no division, so an origin with nothing paid yet gets 0, not 0 × ∞.
    let process = 0;
    let parameter = 0;
    for (let k = a; k < J - 1; k++) {
      let rest = 1;
      for (let m = k; m < J - 1; m++) rest *= factors[m] as number;
      const w = (s2[k] as number) / (factors[k] as number) ** 2;
      process += w * ultimate * rest;
      parameter += (w * ultimate * ultimate) / (sums[k] as number);
    }
    const se = Math.sqrt(process + parameter);
    toUltimate.push(cdf);
    ultimates.push(ultimate);
    latestDev.push(a);
    seList.push(se);
    origins.push({
      origin: triangle.origins[i] as string,
      paidFen: paid,
      ultimate,
      ibnr: ultimate - paid,
      se,
    });
  }
  let mse = 0;
  for (let i = 0; i < I; i++) {
    mse += (seList[i] as number) ** 2;
    let younger = 0;
    for (let j = i + 1; j < I; j++) younger += ultimates[j] as number;
    let cross = 0;
    for (let k = latestDev[i] as number; k < J - 1; k++)
      cross += (2 * (s2[k] as number)) / (factors[k] as number) ** 2 / (sums[k] as number);
    mse += (ultimates[i] as number) * younger * cross;
  }
  return {
    ...totals(origins),
    se: Math.sqrt(mse),
    factors,
    sigma2: s2,
    toUltimate,
  };
}

function extrapolateSigma2(sigma2: readonly (number | undefined)[], how: SigmaExtrapolation): number[] {
  const out = [...sigma2];
  if (how === "log-linear") {
    const points = out.flatMap((s, k) => (s !== undefined && s > 0 ? [[k, Math.log(Math.sqrt(s))]] : []));
    if (points.length >= 2) {
      const n = points.length;
      const mx = points.reduce((a, [x]) => a + (x as number), 0) / n;
      const my = points.reduce((a, [, y]) => a + (y as number), 0) / n;
      let sxy = 0;
      let sxx = 0;
      for (const [x, y] of points) {
        sxy += ((x as number) - mx) * ((y as number) - my);
        sxx += ((x as number) - mx) ** 2;
      }
      const slope = sxy / sxx;
      return out.map((s, k) => s ?? Math.exp(2 * (my + slope * (k - mx))));
    }
    // Fewer than two estimable σ: no line to fit; fall through to Mack's rule like ChainLadder does.
  }
  for (let k = 0; k < out.length; k++) {
    if (out[k] !== undefined) continue;
    const p1 = k >= 1 ? out[k - 1] : undefined;
    const p2 = k >= 2 ? out[k - 2] : undefined;
    if (p1 === undefined) {
      out[k] = 0;
    } else if (p2 === undefined) {
      out[k] = p1;
    } else if (p2 === 0) {
      // min(σ²_{k−2}, …) is 0 whatever the ratio; the ratio itself would be 0/0 or ∞.
      out[k] = 0;
    } else {
      out[k] = Math.min(p1 ** 2 / p2, Math.min(p2, p1));
    }
  }
  return out.map((s) => s as number);
}

function totals(origins: readonly OriginResult[]): MethodResult {
  let paid = 0;
  let ultimate = 0;
  let ibnr = 0;
  for (const o of origins) {
    paid += o.paidFen;
    ultimate += o.ultimate;
    ibnr += o.ibnr;
  }
  return { origins, paidFen: paid, ultimate, ibnr };
}

/**
 * Bornhuetter–Ferguson: the prior ultimate U⁰_i = premium_i × prior loss ratio; the unreported share is
 * 1 − 1/CDF_i with the chain ladder's cumulative factor to ultimate; IBNR_i = U⁰_i (1 − 1/CDF_i).
 */
export function bornhuetterFerguson(
  triangle: Triangle,
  cl: ChainLadderResult,
  premiumFen: readonly Fen[],
  priorLossRatio: number,
): MethodResult {
  checkAligned(triangle, premiumFen);
  const origins = cl.origins.map((o, i) => {
    const prior = (premiumFen[i] as number) * priorLossRatio;
    const ibnr = prior * (1 - 1 / (cl.toUltimate[i] as number));
    return { origin: o.origin, paidFen: o.paidFen, ultimate: o.paidFen + ibnr, ibnr };
  });
  return totals(origins);
}

/** Expected loss ratio (赔付率法): ultimate_i = premium_i × prior loss ratio; IBNR_i = ultimate_i − paid_i. */
export function expectedLossRatio(
  triangle: Triangle,
  premiumFen: readonly Fen[],
  priorLossRatio: number,
): MethodResult {
  checkAligned(triangle, premiumFen);
  const C = cumulative(triangle);
  const origins = triangle.origins.map((origin, i) => {
    const row = C[i] as Fen[];
    const paid = row[row.length - 1] as number;
    const ultimate = (premiumFen[i] as number) * priorLossRatio;
    return { origin, paidFen: paid, ultimate, ibnr: ultimate - paid };
  });
  return totals(origins);
}

function checkAligned(triangle: Triangle, premiumFen: readonly Fen[]): void {
  if (premiumFen.length !== triangle.origins.length)
    throw new ReserveError(`保费有 ${premiumFen.length} 个起始期，赔付三角有 ${triangle.origins.length} 个`);
}

// ------------------------------------------------------------------------------------------------------
// Selection (《健康保险管理办法》第四十九条)
// ------------------------------------------------------------------------------------------------------

export type MethodId = "chain_ladder" | "bornhuetter_ferguson" | "expected_loss_ratio";
/** The selection when the 10 % floor is larger than every method. */
export const FLOOR_METHOD = "minimum_10_percent_of_year_paid";
export type SelectedMethod = MethodId | typeof FLOOR_METHOD;

export const METHOD_ORDER: readonly MethodId[] = [
  "chain_ladder",
  "bornhuetter_ferguson",
  "expected_loss_ratio",
];

export interface Selection {
  readonly method: SelectedMethod;
  /** The selected total IBNR, rounded to the fen. */
  readonly ibnrFen: Fen;
  /** Years of experience: the number of origin periods ÷ periods per year. */
  readonly experienceYears: number;
  /** Whether the under-three-years floor applies. */
  readonly floorApplies: boolean;
  /** The accounting (calendar) year of the latest diagonal, and what was paid in it, exact fen. */
  readonly accountingYear: number;
  readonly yearPaidFen: Fen;
  /** 10 % of yearPaidFen, rounded to the fen (only meaningful when floorApplies). */
  readonly floorFen: Fen;
  /** Methods compared (at least two are required by 第四十九条; fewer is reported, not hidden). */
  readonly methodsCompared: readonly MethodId[];
}

/**
 * The paid claims of the accounting year: incremental amounts whose payment period (origin + dev) falls in
 * the calendar year of the latest diagonal (the valuation period). For yearly origins that is the latest
 * diagonal; for monthly origins the payment months of that calendar year up to the valuation month.
 */
export function accountingYearPaid(triangle: Triangle): { year: number; paidFen: Fen } {
  const perYear = PERIODS_PER_YEAR[triangle.periodicity];
  const firstIndex = (originKey(triangle.origins[0] as string) as OriginKey).index;
  const valuation = firstIndex + triangle.origins.length - 1;
  const year = Math.floor(valuation / perYear);
  let paid = 0;
  triangle.incrementalFen.forEach((row, i) => {
    row.forEach((x, d) => {
      if (Math.floor((firstIndex + i + d) / perYear) === year) paid += x;
    });
  });
  return { year, paidFen: paid };
}

/**
 * 第四十九条: the largest total IBNR of the methods given is the best estimate; when the experience is under
 * three years — origins span fewer than 3 × periods-per-year periods, e.g. fewer than 36 monthly origins —
 * not less than 10 % of the accounting year's paid claims. Ties keep the earlier method of METHOD_ORDER.
 */
export function select(triangle: Triangle, methods: Partial<Record<MethodId, MethodResult>>): Selection {
  const compared = METHOD_ORDER.filter((m) => methods[m] !== undefined);
  let method: SelectedMethod = compared[0] ?? "chain_ladder";
  let ibnrFen = Number.NEGATIVE_INFINITY;
  for (const m of compared) {
    const fen = toFen((methods[m] as MethodResult).ibnr);
    if (fen > ibnrFen) {
      ibnrFen = fen;
      method = m;
    }
  }
  if (compared.length === 0) throw new ReserveError("没有可比较的评估方法");
  const experienceYears = triangle.origins.length / PERIODS_PER_YEAR[triangle.periodicity];
  const floorApplies = experienceYears < MIN_EXPERIENCE_YEARS;
  const { year, paidFen } = accountingYearPaid(triangle);
  const floorFen = toFen((paidFen * FLOOR_BPS_OF_YEAR_PAID) / BPS_PER_UNIT);
  if (floorApplies && floorFen > ibnrFen) {
    ibnrFen = floorFen;
    method = FLOOR_METHOD;
  }
  return {
    method,
    ibnrFen,
    experienceYears,
    floorApplies,
    accountingYear: year,
    yearPaidFen: paidFen,
    floorFen,
    methodsCompared: compared,
  };
}

export interface ReserveOptions {
  /** Per origin, aligned with triangle.origins; with priorLossRatio enables B-F and 赔付率法. */
  readonly premiumFen?: readonly Fen[];
  readonly priorLossRatio?: number;
  readonly sigmaExtrapolation?: SigmaExtrapolation;
}

export interface ReserveReport {
  readonly triangle: Triangle;
  readonly chainLadder: ChainLadderResult;
  readonly bornhuetterFerguson?: MethodResult;
  readonly expectedLossRatio?: MethodResult;
  readonly selection: Selection;
}

/** Every method the inputs allow, and the 第四十九条 selection. */
export function reserve(triangle: Triangle, options: ReserveOptions = {}): ReserveReport {
  const cl = chainLadder(triangle, options.sigmaExtrapolation);
  const { premiumFen, priorLossRatio } = options;
  if ((premiumFen === undefined) !== (priorLossRatio === undefined))
    throw new ReserveError("保费与预期赔付率须同时给出");
  if (premiumFen === undefined || priorLossRatio === undefined) {
    return { triangle, chainLadder: cl, selection: select(triangle, { chain_ladder: cl }) };
  }
  const bf = bornhuetterFerguson(triangle, cl, premiumFen, priorLossRatio);
  const elr = expectedLossRatio(triangle, premiumFen, priorLossRatio);
  return {
    triangle,
    chainLadder: cl,
    bornhuetterFerguson: bf,
    expectedLossRatio: elr,
    selection: select(triangle, { chain_ladder: cl, bornhuetter_ferguson: bf, expected_loss_ratio: elr }),
  };
}

/** The one rounding: an unrounded fen amount → whole fen, half away from zero. */
export function toFen(amount: number): Fen {
  const r = Math.round(Math.abs(amount));
  return amount < 0 ? -r : r;
}

/** Whole fen → "1234.56" (negative IBNR, e.g. 赔付率法 below paid, keeps its sign). */
export function yuanText(amount: number): string {
  return formatYuan(toFen(amount));
}

// ------------------------------------------------------------------------------------------------------
// A program's triangle (`hmb reserve --program`)
// ------------------------------------------------------------------------------------------------------

/** One payment (or, negative, a revocation) of a claim: months as "yyyy-MM", fen exact. */
export interface MonthlyPayment {
  /** Month of the care (begntime): the origin. */
  readonly originMonth: string;
  /** Month the money moved (setl_time for a payment, the revocation's month for a reversal). */
  readonly paidMonth: string;
  readonly fen: Fen;
}

/**
 * The monthly paid triangle of a program as of `valuationMonth`: origins from the earliest care month to the
 * valuation month (months without claims are 0), development = months from the care month to the payment
 * month (a payment dated before its care month — bad data — counts at development 0). Payments after the
 * valuation month are the caller's to leave out; any that slip through are ignored. Undefined when there is
 * no payment at all (nothing to reserve from).
 */
export function triangleFromPayments(
  payments: readonly MonthlyPayment[],
  valuationMonth: string,
): Triangle | undefined {
  const valuation = originKey(valuationMonth);
  if (valuation === undefined || valuation.periodicity !== "month")
    throw new ReserveError(`评估月份「${valuationMonth}」无效：应为 yyyy-MM`);
  const cells = new Map<string, number>();
  let first = Number.POSITIVE_INFINITY;
  for (const p of payments) {
    const origin = originKey(p.originMonth);
    const paid = originKey(p.paidMonth);
    if (origin?.periodicity !== "month" || paid?.periodicity !== "month")
      throw new ReserveError(`月份无效：${p.originMonth} / ${p.paidMonth}`);
    if (origin.index > valuation.index || paid.index > valuation.index) continue;
    const dev = Math.max(0, paid.index - origin.index);
    const key = `${origin.index}:${dev}`;
    cells.set(key, (cells.get(key) ?? 0) + p.fen);
    first = Math.min(first, origin.index);
  }
  if (!Number.isFinite(first)) return undefined;
  const count = valuation.index - first + 1;
  const incrementalFen = Array.from({ length: count }, (_, i) =>
    Array.from({ length: count - i }, (_, d) => cells.get(`${first + i}:${d}`) ?? 0),
  );
  return {
    periodicity: "month",
    origins: Array.from({ length: count }, (_, i) => originText("month", first + i)),
    devPeriods: count,
    incrementalFen,
  };
}
