/**
 * Business times. The national platform writes "yyyy-MM-dd HH:mm:ss" in Beijing time (UTC+8, no DST);
 * inside we keep epoch milliseconds so comparisons are plain number comparisons.
 */
export type EpochMs = number;

/** Beijing time is UTC+8 all year (China has no daylight saving time). */
export const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** The Beijing calendar day an instant falls in, yyyy-MM-dd. */
export function beijingDay(at: EpochMs | Date): string {
  const ms = typeof at === "number" ? at : at.getTime();
  return new Date(ms + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
}
const NATIONAL = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Parses national format (Beijing time) or ISO 8601 with an explicit offset; undefined when unparseable. */
/** Start of a Beijing calendar day by "yyyy-MM-dd", or NaN for an impossible date; a record has few distinct days. */
const dayStarts = new Map<string, number>();

function dayStart(text: string): number {
  const key = text.slice(0, 10);
  let start = dayStarts.get(key);
  if (start === undefined) {
    const y = Number(key.slice(0, 4));
    const mo = Number(key.slice(5, 7));
    const d = Number(key.slice(8, 10));
    const utc = Date.UTC(y, mo - 1, d);
    const real =
      mo >= 1 && mo <= 12 && new Date(utc).getUTCDate() === d && new Date(utc).getUTCMonth() === mo - 1;
    start = real ? utc - BEIJING_OFFSET_MS : Number.NaN;
    if (dayStarts.size > 100_000) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return start;
}

const digit = (text: string, i: number) => text.charCodeAt(i) - 48;
const isDigit = (text: string, i: number) => {
  const c = text.charCodeAt(i);
  return c >= 48 && c <= 57;
};

const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18] as const;

/** "yyyy-MM-dd HH:mm:ss" exactly, the national platform's format: no regex, no Date per call. */
function parseNationalFast(text: string): EpochMs | undefined {
  for (const i of DIGIT_POSITIONS) if (!isDigit(text, i)) return undefined;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== " " || text[13] !== ":" || text[16] !== ":")
    return undefined;
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  if (hour > 24 || minute > 59 || second > 59 || (hour === 24 && (minute !== 0 || second !== 0)))
    return undefined;
  const start = dayStart(text);
  if (Number.isNaN(start)) return undefined;
  return start + ((hour * 60 + minute) * 60 + second) * 1000;
}

export function parseBusinessTime(text: string): EpochMs | undefined {
  if (text.length === 19) {
    const fast = parseNationalFast(text);
    if (fast !== undefined) return fast;
  }
  const m = NATIONAL.exec(text);
  if (m !== null) {
    const [, y, mo, d, h, mi, s] = m;
    const month = Number(mo);
    const day = Number(d);
    const hour = h === undefined ? 0 : Number(h);
    const minute = mi === undefined ? 0 : Number(mi);
    const second = s === undefined ? 0 : Number(s);
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 59)
      return undefined;
    // "24:00" is how Chinese policies write the end of a day; Date.UTC rolls it into the next day.
    if (hour === 24 && (minute !== 0 || second !== 0)) return undefined;
    const utc = Date.UTC(Number(y), month - 1, day, hour, minute, second);
    if (Number.isNaN(dayStart(`${y}-${mo}-${d}`))) return undefined;
    return utc - BEIJING_OFFSET_MS;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

export function mustParseBusinessTime(text: string): EpochMs {
  const ms = parseBusinessTime(text);
  if (ms === undefined) throw new Error(`invalid business time: ${text}`);
  return ms;
}

/** Epoch ms → "yyyy-MM-dd HH:mm:ss" in Beijing time. */
export function formatBusinessTime(ms: EpochMs): string {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** The same wall-clock moment N calendar years earlier (Beijing calendar), for look-back windows. */
export function minusYears(ms: EpochMs, years: number): EpochMs {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.getTime() - BEIJING_OFFSET_MS;
}

/** A half-open interval [start, end). Policies say "… 24:00", which is the next day's 00:00. */
export interface Period {
  readonly start: EpochMs;
  readonly end: EpochMs;
}

export function inPeriod(period: Period, t: EpochMs): boolean {
  return t >= period.start && t < period.end;
}
