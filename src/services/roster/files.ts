/**
 * Reading the bureau's roster file (参保人员名单): CSV through csv-parse, XLSX through exceljs' streaming
 * reader, as batches of records with the line (CSV) or row (XLSX) each starts on. No validation here:
 * records are text cells; domain/roster decides what a valid row is. A file that cannot be read at all
 * (empty, not CSV/XLSX, corrupt) fails fast with a ServiceError 400 — never a wait.
 */
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { type Duplex, type Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import ExcelJS from "exceljs";
import { ServiceError } from "../context.js";

/** One record of the source file: its line (CSV) or row (XLSX) number and its cells as text. */
export interface SourceRecord {
  readonly line: number;
  readonly cells: readonly string[];
}

/**
 * Reads an object-mode stream in batches (one `read()` loop per wake-up instead of one promise per item):
 * per-record async iteration costs more than parsing the record.
 */
async function* readBatches<T>(stream: Readable, max = 4096): AsyncGenerator<T[]> {
  let ended = false;
  let failure: unknown;
  let notify: (() => void) | undefined;
  const wake = () => {
    const n = notify;
    notify = undefined;
    n?.();
  };
  stream.on("readable", wake);
  stream.once("end", () => {
    ended = true;
    wake();
  });
  stream.once("error", (e) => {
    failure = e;
    wake();
  });
  try {
    for (;;) {
      const batch: T[] = [];
      while (batch.length < max) {
        const item = stream.read() as T | null;
        if (item === null) break;
        batch.push(item);
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        notify = resolve;
      });
    }
  } finally {
    stream.destroy();
  }
}

function countNewlines(cells: readonly string[]): number {
  let n = 0;
  for (const c of cells) {
    let i = c.indexOf("\n");
    while (i !== -1) {
      n++;
      i = c.indexOf("\n", i + 1);
    }
  }
  return n;
}

/**
 * CSV records in batches, each with the 1-based line where it starts. Lines are counted here (records
 * plus newlines inside quoted fields, blank lines skipped) rather than with csv-parse's `info`, which
 * allocates an object per record and halves throughput.
 */
export async function* csvRecords(input: Readable): AsyncGenerator<SourceRecord[]> {
  // relax_quotes: a quote in the middle of a field ("王"小) stays in the field instead of failing the whole
  // file (or, after an invalid closing quote, swallowing every later line as one field): the row is then
  // refused for that field (domain/roster) and the rows after it are read as usual.
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false });
  input.on("error", (e) => parser.destroy(e));
  input.pipe(parser);
  let line = 1;
  try {
    for await (const batch of readBatches<string[]>(parser)) {
      const out: SourceRecord[] = [];
      for (const cells of batch) {
        const at = line;
        line += 1 + countNewlines(cells);
        if (cells.length === 1 && (cells[0] as string).trim() === "") continue;
        out.push({ line: at, cells });
      }
      if (out.length > 0) yield out;
    }
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    // Every csv-parse error is the file's fault (codes differ: INVALID_OPENING_QUOTE has no CSV_ prefix).
    if (e instanceof CsvError) throw new ServiceError("invalid", "invalid_csv", csvProblem(e), "file");
    throw e;
  } finally {
    input.destroy();
  }
}

/** csv-parse's error, in words for the person who sent the file. */
function csvProblem(e: CsvError): string {
  const lines = (e as CsvError & { lines?: number }).lines;
  const where = typeof lines === "number" && lines > 0 ? `第 ${lines} 行` : "文件中";
  if (e.code === "CSV_QUOTE_NOT_CLOSED") return `CSV 格式错误：${where}引号没有闭合，其后的内容无法分行读取`;
  if (e.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH" || e.code === "CSV_RECORD_INCONSISTENT_COLUMNS")
    return `CSV 格式错误：${where}的列数与表头不符`;
  return `CSV 格式错误：${where}无法解析（${e.code}）`;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return Number.isInteger(value) ? value.toFixed(0) : String(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join("");
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
  }
  return "";
}

/** An XLSX file is a ZIP archive, which starts with a local file header ("PK\x03\x04"). */
const ZIP_SIGNATURE = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** How often the reader's progress is looked at, and after how many looks without any it is given up. */
const STALL_CHECK_MS = 100;
const STALL_CHECKS = 20;

/**
 * unzipper's Parse stream (0.10, under exceljs 4.4) emits "end" itself as soon as its writable side finishes —
 * while entries it has already pushed may still wait in its readable buffer for a consumer that is busy (exceljs
 * writes a worksheet that precedes the shared strings to a temporary file first). exceljs takes that "end" as
 * the last entry, so the entries still buffered — typically xl/workbook.xml, last in files exceljs writes — are
 * never read and the reader fails ("reading 'sheets'") or, had it been a worksheet, would return fewer rows.
 * This happened under load, about once in a thousand reads. Here that early "end" becomes the end of the readable
 * side (push(null)), which Node emits as "end" only once every buffered entry has been consumed.
 */
function endUnzipWhenRead(unzip: Duplex): void {
  const emit = unzip.emit.bind(unzip);
  unzip.emit = (event: string | symbol, ...args: unknown[]): boolean => {
    if (event === "end" && !unzip.readableEnded) {
      // A second push(null) is ignored: after the central directory the parser has pushed it itself already.
      unzip.push(null);
      return false;
    }
    return emit(event, ...args);
  };
}

const unreadableXlsx = (why: string) =>
  new ServiceError("invalid", "invalid_xlsx", `无法读取 Excel 文件：${why}`, "file");

/**
 * What the XLSX bytes pass through on their way to exceljs. Its streaming reader waits forever on some broken
 * files — an empty body, a corrupt deflate stream (the unzip stream's error never reaches the worksheet it
 * feeds) — and a roster import waiting on it would keep its request, its COPY and its connection. So the
 * gate refuses what is not a ZIP at its first bytes, catches the unzip stream's errors itself, and gives up
 * when the reader, asked for the next row, makes no progress (no bytes read, no row) for STALL_CHECKS looks
 * in a row. Looks are timer ticks, so an event loop busy elsewhere (the embedded database) never counts as a
 * stall; a working reader consumes bytes or yields rows every few milliseconds.
 */
class XlsxGate {
  readonly stream: Transform;
  /** Rejects with the first failure; every wait on the reader races it. */
  private readonly failed: Promise<never>;
  private failure: ServiceError | undefined;
  private rejectFailed: (e: ServiceError) => void = () => undefined;
  private head = Buffer.alloc(0);
  private bytes = 0;
  private progress = 0;
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly input: Readable) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.rejectFailed = reject;
    });
    this.failed.catch(() => undefined);
    const gate = this;
    this.stream = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
        // Once refused, nothing more reaches the reader.
        if (gate.failure !== undefined) {
          done();
          return;
        }
        gate.progress++;
        gate.bytes += chunk.length;
        if (gate.head.length < ZIP_SIGNATURE.length) {
          gate.head = Buffer.concat([gate.head, chunk]).subarray(0, ZIP_SIGNATURE.length);
          const n = gate.head.length;
          if (!gate.head.equals(ZIP_SIGNATURE.subarray(0, n))) {
            gate.fail(unreadableXlsx("不是 xlsx 文件（应为 Excel 2007 及以后版本保存的 .xlsx）"));
            done();
            return;
          }
        }
        done(null, chunk);
      },
      flush(done: TransformCallback) {
        if (gate.bytes === 0) gate.fail(unreadableXlsx("文件为空"));
        else if (gate.bytes < ZIP_SIGNATURE.length) gate.fail(unreadableXlsx("文件不完整"));
        done();
      },
    });
    // exceljs pipes the gate into its unzip stream, whose errors (bad signature, corrupt data) go nowhere.
    const pipe = this.stream.pipe.bind(this.stream);
    this.stream.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
      (destination as unknown as Writable).on("error", () => this.fail(unreadableXlsx("文件已损坏")));
      endUnzipWhenRead(destination as unknown as Duplex);
      return pipe(destination, options);
    };
    input.on("error", (e) =>
      this.fail(unreadableXlsx(`读取失败（${(e as NodeJS.ErrnoException).code ?? "I/O"}）`)),
    );
    input.pipe(this.stream);
  }

  fail(e: ServiceError): void {
    if (this.failure !== undefined) return;
    this.failure = e;
    this.rejectFailed(e);
  }

  /** `next` of one of exceljs' iterators, or the gate's failure if it comes first. */
  async next<T>(step: Promise<IteratorResult<T>>): Promise<IteratorResult<T>> {
    if (this.failure !== undefined) throw this.failure;
    this.waiting++;
    this.watch();
    try {
      return await Promise.race([step, this.failed]);
    } finally {
      this.waiting--;
      this.progress++;
    }
  }

  private watch(): void {
    if (this.timer !== undefined) return;
    let seen = this.progress;
    let idle = 0;
    this.timer = setInterval(() => {
      if (this.waiting === 0 || this.progress !== seen) {
        seen = this.progress;
        idle = 0;
        return;
      }
      if (++idle >= STALL_CHECKS) this.fail(unreadableXlsx("文件已损坏（读取中断）"));
    }, STALL_CHECK_MS);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.input.unpipe(this.stream);
    this.input.destroy();
    this.stream.destroy();
  }
}

/**
 * Rows of the first worksheet of an XLSX file, read with exceljs' streaming reader behind an XlsxGate: an
 * unreadable file is a ServiceError 400 (invalid_xlsx) within about two seconds at most, usually at once.
 */
export async function* xlsxRecords(input: string | Readable): AsyncGenerator<SourceRecord[]> {
  const gate = new XlsxGate(typeof input === "string" ? createReadStream(input) : input);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(gate.stream, {
    worksheets: "emit",
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "cache",
    entries: "emit",
  });
  const sheets = reader[Symbol.asyncIterator]() as AsyncIterator<ExcelJS.Worksheet>;
  let batch: SourceRecord[] = [];
  try {
    // The roster is the first sheet; the reader is abandoned after it (not awaited: it may never settle).
    const sheet = await gate.next(sheets.next());
    if (!sheet.done) {
      const rows = (sheet.value as unknown as AsyncIterable<ExcelJS.Row>)[Symbol.asyncIterator]();
      for (;;) {
        const next = await gate.next(rows.next());
        if (next.done) break;
        const row = next.value;
        const values = row.values as unknown[];
        const cells: string[] = [];
        let any = false;
        for (let i = 1; i < values.length; i++) {
          const t = cellText(values[i]);
          if (t !== "") any = true;
          cells.push(t);
        }
        if (any) batch.push({ line: row.number, cells });
        if (batch.length >= 1024) {
          yield batch;
          batch = [];
        }
      }
    }
    if (batch.length > 0) yield batch;
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    // exceljs' own refusals (a sheet's XML broken, a part missing) carry English messages for developers.
    throw unreadableXlsx("文件已损坏或不是有效的 Excel 工作簿");
  } finally {
    gate.close();
    // Lets a reader suspended at its yield finish; one stuck on a broken file is left to the collector.
    sheets.return?.(undefined)?.catch(() => undefined);
  }
}

export type RosterFormat = "csv" | "xlsx";

export function rosterFormatOf(file: string): RosterFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".xlsx") return "xlsx";
  if (ext === ".csv" || ext === ".txt") return "csv";
  throw new ServiceError(
    "invalid",
    "invalid_value",
    `不支持的文件类型 ${ext || "(无扩展名)"}，应为 .csv 或 .xlsx`,
    "file",
  );
}

/** Records of a roster file, by extension; `stream` is exposed so callers can follow bytesRead. */
export function openRosterFile(file: string): {
  stream: ReturnType<typeof createReadStream>;
  records: AsyncIterable<readonly SourceRecord[]>;
} {
  const format = rosterFormatOf(file);
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  return { stream, records: format === "csv" ? csvRecords(stream) : xlsxRecords(stream) };
}
