/**
 * Money is integer fen (分) everywhere inside the platform. Yuan strings exist only at the edges.
 * Ratios are basis points (万分之一): 8000 bps = 80 %.
 */
export type Fen = number;
export type Bps = number;

/**
 * Largest amount one record may carry: one billion yuan (10^11 fen). With ratios ≤ 10000 bps the product
 * base × bps stays ≤ 10^15, below 2^53, so ratio arithmetic is exact in doubles.
 */
export const MAX_FEN: Fen = 100_000_000_000;
export const FULL_RATIO_BPS: Bps = 10_000;

export class MoneyInvariantError extends Error {}

export function assertFen(value: number, what: string): asserts value is Fen {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_FEN) {
    throw new MoneyInvariantError(
      `${what} must be a non-negative integer number of fen ≤ ${MAX_FEN}, got ${value}`,
    );
  }
}

export type YuanParse = { ok: true; fen: Fen } | { ok: false; problem: string };

const YUAN = /^(\d{1,10})(?:\.(\d{1,2}))?$/;

/**
 * Parses a yuan amount given as a JSON number or a string ("123.4", "123.45") into fen without floating-point
 * arithmetic. More than two decimals, negatives, exponents and non-numbers are refused, never rounded.
 */
export function parseYuan(value: unknown): YuanParse {
  // Fast path for the well-formed amounts that make up nearly every record; anything unusual falls through
  // to the strict path below, which also words the error.
  if (typeof value === "string") {
    const fen = scanYuan(value);
    if (fen >= 0) return { ok: true, fen };
  } else if (
    typeof value === "number" &&
    Number.isSafeInteger(value) &&
    value >= 0 &&
    value * 100 <= MAX_FEN
  ) {
    return { ok: true, fen: value * 100 };
  }
  return parseYuanStrict(value);
}

/** "1234.5" → 123450; -1 when the text is not exactly digits[.d[d]] within bounds. */
function scanYuan(text: string): Fen {
  const end = text.length;
  let i = 0;
  let whole = 0;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    whole = whole * 10 + (c - 48);
    i++;
  }
  if (i === 0 || i > 10) return -1;
  let cents = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== 46 || end - i < 2 || end - i > 3) return -1;
    for (let k = i + 1; k < end; k++) {
      const c = text.charCodeAt(k);
      if (c < 48 || c > 57) return -1;
      cents = cents * 10 + (c - 48);
    }
    if (end - i === 2) cents *= 10;
  }
  const fen = whole * 100 + cents;
  return fen > MAX_FEN ? -1 : fen;
}

function parseYuanStrict(value: unknown): YuanParse {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return { ok: false, problem: "不是有效数字 (not a finite number)" };
    text = String(value);
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return { ok: false, problem: "应为数字或数字字符串 (expected a number or numeric string)" };
  }
  if (text.startsWith("-")) return { ok: false, problem: "金额不能为负 (amount must not be negative)" };
  const match = YUAN.exec(text);
  if (match === null) {
    if (/^\d+\.\d{3,}$/.test(text)) {
      return { ok: false, problem: "金额最多两位小数 (at most 2 decimals)" };
    }
    return { ok: false, problem: `不是有效金额 (not a valid yuan amount): ${text.slice(0, 40)}` };
  }
  const whole = Number(match[1]);
  const decimals = match[2] ?? "";
  const fen =
    whole * 100 + (decimals === "" ? 0 : decimals.length === 1 ? Number(decimals) * 10 : Number(decimals));
  if (fen > MAX_FEN) return { ok: false, problem: `金额过大 (amount above ${MAX_FEN / 100} yuan)` };
  return { ok: true, fen };
}

/** 1234567 fen → "12345.67". */
export function formatYuan(fen: Fen): string {
  const negative = fen < 0;
  const abs = negative ? -fen : fen;
  const whole = Math.floor(abs / 100);
  const cents = abs - whole * 100;
  return `${negative ? "-" : ""}${whole}.${cents < 10 ? "0" : ""}${cents}`;
}

/** Yuan as written in a product file (whole or 2-decimal numbers) → fen; throws on anything else. */
export function yuan(amount: number): Fen {
  const parsed = parseYuan(amount);
  if (!parsed.ok) throw new MoneyInvariantError(`bad yuan literal ${amount}: ${parsed.problem}`);
  return parsed.fen;
}

/**
 * round_half_up(base × ratio / 10000), exact in integers: base ≤ MAX_FEN and ratio ≤ 10000 keep the product
 * below 2^53, so no precision is lost before the division.
 */
export function applyRatio(baseFen: Fen, ratioBps: Bps): Fen {
  if (baseFen > MAX_FEN || ratioBps > FULL_RATIO_BPS) {
    throw new MoneyInvariantError(`applyRatio out of range: ${baseFen} × ${ratioBps}`);
  }
  const product = baseFen * ratioBps;
  return Math.floor((product + 5000) / 10000);
}

/** 8000 → "80%", 6250 → "62.5%". */
export function formatPercent(ratioBps: Bps): string {
  const whole = Math.floor(ratioBps / 100);
  const rest = ratioBps % 100;
  if (rest === 0) return `${whole}%`;
  return `${whole}.${String(rest).padStart(2, "0").replace(/0$/, "")}%`;
}

/** 8000 → "0.80", 6250 → "0.625": the ratio as a decimal string for wire formats. */
export function formatRatio(ratioBps: Bps): string {
  const text = (ratioBps / 10000).toFixed(4);
  return text.replace(/(\.\d\d\d?)0+$/, "$1").replace(/(\.\d\d)0$/, "$1");
}
