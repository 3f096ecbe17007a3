/**
 * Byte-level encoding for the generator's hot path: lines are written as UTF-8 straight into a reusable
 * buffer, so generating a million lines allocates almost nothing. The text is identical to what
 * `formatYuan` and `formatBusinessTime` produce (checked in test/synth.test.ts).
 */
import { BEIJING_OFFSET_MS, formatBusinessTime } from "../domain/time.js";

const DAY_MS = 86_400_000;
const utf8 = new TextEncoder();

export function encode(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Copies `src` into `b` at `o`; returns the new offset. */
export function put(b: Uint8Array, o: number, src: Uint8Array): number {
  b.set(src, o);
  return o + src.length;
}

/** Writes an ASCII string (codes, ids). */
export function putAscii(b: Uint8Array, o: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) b[o + i] = text.charCodeAt(i);
  return o + n;
}

/** Writes a non-negative integer in decimal. */
export function putUint(b: Uint8Array, o: number, value: number): number {
  let n = value;
  let len = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
  let i = o + len;
  do {
    const q = Math.floor(n / 10);
    b[--i] = 48 + n - q * 10;
    n = q;
  } while (n > 0);
  return o + len;
}

/** Writes a non-negative integer zero-padded to `width` digits (value must fit). */
export function putPadded(b: Uint8Array, o: number, value: number, width: number): number {
  let n = value;
  for (let i = o + width - 1; i >= o; i--) {
    const q = Math.floor(n / 10);
    b[i] = 48 + n - q * 10;
    n = q;
  }
  return o + width;
}

/** Writes non-negative fen as yuan with two decimals ("12345.67"), like formatYuan. */
export function putYuan(b: Uint8Array, o: number, fen: number): number {
  if (fen === 0) {
    b[o] = 48;
    b[o + 1] = 46;
    b[o + 2] = 48;
    b[o + 3] = 48;
    return o + 4;
  }
  const whole = Math.floor(fen / 100);
  const cents = fen - whole * 100;
  const p = putUint(b, o, whole);
  const tens = Math.floor(cents / 10);
  b[p] = 46;
  b[p + 1] = 48 + tens;
  b[p + 2] = 48 + cents - tens * 10;
  return p + 3;
}

/** Days since 1970-01-01 → [year, month, day] in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

interface Day {
  readonly text: Uint8Array; // "yyyy-MM-dd "
  readonly compact: Uint8Array; // "yyyyMMdd"
  readonly year: number;
}

/** Days since 1900-01-01 (Beijing): the cache is a dense array indexed from there. */
const FIRST_DAY = -25_567;

export class TimeFormatter {
  private readonly days: (Day | undefined)[] = [];

  private day(ms: number): Day {
    const day = Math.floor((ms + BEIJING_OFFSET_MS) / DAY_MS);
    const index = day - FIRST_DAY;
    let entry = this.days[index];
    if (entry === undefined) {
      if (index < 0) throw new Error("synth: dates before 1900 are not supported");
      while (this.days.length <= index) this.days.push(undefined);
      const text = formatBusinessTime(day * DAY_MS - BEIJING_OFFSET_MS).slice(0, 11);
      entry = {
        text: encode(text),
        compact: encode(`${text.slice(0, 4)}${text.slice(5, 7)}${text.slice(8, 10)}`),
        year: Number(text.slice(0, 4)),
      };
      this.days[index] = entry;
    }
    return entry;
  }

  /** Writes "yyyy-MM-dd HH:mm:ss" (Beijing time, whole seconds). */
  put(b: Uint8Array, o: number, ms: number): number {
    const local = ms + BEIJING_OFFSET_MS;
    const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
    let p = put(b, o, this.day(ms).text);
    let seconds = Math.floor((local - dayStart) / 1000);
    const hours = Math.floor(seconds / 3600);
    seconds -= hours * 3600;
    const minutes = Math.floor(seconds / 60);
    seconds -= minutes * 60;
    p = putPadded(b, p, hours, 2);
    b[p++] = 58;
    p = putPadded(b, p, minutes, 2);
    b[p++] = 58;
    return putPadded(b, p, seconds, 2);
  }

  /** Writes "yyyyMMdd" (Beijing calendar). */
  putCompactDate(b: Uint8Array, o: number, ms: number): number {
    return put(b, o, this.day(ms).compact);
  }

  /** Beijing calendar year of an instant. */
  year(ms: number): number {
    return this.day(ms).year;
  }
}

/** Beijing calendar year of an instant. */
export function beijingYear(ms: number): number {
  return new Date(ms + BEIJING_OFFSET_MS).getUTCFullYear();
}
