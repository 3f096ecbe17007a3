/**
 * Tuples in PostgreSQL's binary COPY format, written straight into one growing buffer: no string per row and
 * no hex text for bytea, so bulk loads cost little more than the bytes themselves (the server skips text
 * parsing too). pg-copy-streams-binary would take an object per field and per row, the garbage this module
 * exists to avoid. Only the field types bulk loads use here: text, bytea, int4, date. Database.copyBinary
 * adds the file header and trailer; chunks handed to it hold whole tuples.
 *
 * Format: https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4
 */

/** "PGCOPY\n\377\r\n\0", flags (int32 0), header extension length (int32 0). */
export const COPY_BINARY_HEADER = Buffer.concat([
  Buffer.from("PGCOPY\n\xff\r\n\0", "latin1"),
  Buffer.alloc(8),
]);
/** A field count of −1 ends the data. */
export const COPY_BINARY_TRAILER = Buffer.from([0xff, 0xff]);

const EPOCH_2000_MS = Date.UTC(2000, 0, 1);
const DAY_MS = 86_400_000;

export class CopyTupleWriter {
  private buf: Buffer;
  private at = 0;
  private rows = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Tuples written since the last take(). */
  get count(): number {
    return this.rows;
  }

  tuple(fields: number): this {
    this.room(2);
    this.buf.writeInt16BE(fields, this.at);
    this.at += 2;
    this.rows++;
    return this;
  }

  text(value: string | null): this {
    if (value === null) return this.nullField();
    this.room(4 + value.length * 3);
    const n = this.buf.write(value, this.at + 4, "utf8");
    this.buf.writeInt32BE(n, this.at);
    this.at += 4 + n;
    return this;
  }

  /** bytea from `source[start, end)`. */
  bytes(source: Buffer, start: number, end: number): this {
    const n = end - start;
    this.room(4 + n);
    this.buf.writeInt32BE(n, this.at);
    source.copy(this.buf, this.at + 4, start, end);
    this.at += 4 + n;
    return this;
  }

  int4(value: number): this {
    if (!Number.isInteger(value) || value < -2147483648 || value > 2147483647) {
      throw new RangeError(`int4 out of range: ${value}`);
    }
    this.room(8);
    this.buf.writeInt32BE(4, this.at);
    this.buf.writeInt32BE(value, this.at + 4);
    this.at += 8;
    return this;
  }

  /** A calendar date given as "yyyy-mm-dd" (already validated), sent as days since 2000-01-01. */
  date(isoDate: string): this {
    const ms = Date.UTC(
      Number(isoDate.slice(0, 4)),
      Number(isoDate.slice(5, 7)) - 1,
      Number(isoDate.slice(8, 10)),
    );
    if (Number.isNaN(ms)) throw new RangeError(`not a date: ${isoDate}`);
    return this.int4((ms - EPOCH_2000_MS) / DAY_MS);
  }

  nullField(): this {
    this.room(4);
    this.buf.writeInt32BE(-1, this.at);
    this.at += 4;
    return this;
  }

  /** The tuples written so far, and a reset. The caller owns the bytes: the writer moves to a new buffer. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.at = 0;
    this.rows = 0;
    return out;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + bytes));
    this.buf.copy(grown, 0, 0, this.at);
    this.buf = grown;
  }
}
