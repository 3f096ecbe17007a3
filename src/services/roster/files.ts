/**
 * Reading the bureau's roster file (参保人员名单): CSV through csv-parse, XLSX through exceljs' streaming
 * reader, as batches of records with the line (CSV) or row (XLSX) each starts on. No validation here:
 * records are text cells; domain/roster decides what a valid row is.
 */
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
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
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: false });
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
    const code = (e as { code?: string }).code;
    if (code?.startsWith("CSV_")) {
      throw new ServiceError(400, "invalid_csv", `CSV 格式错误：${(e as Error).message}`, "file");
    }
    throw e;
  } finally {
    input.destroy();
  }
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

/** Rows of the first worksheet of an XLSX file, read with exceljs' streaming reader. */
export async function* xlsxRecords(input: string | Readable): AsyncGenerator<SourceRecord[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
    worksheets: "emit",
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "cache",
    entries: "emit",
  });
  let batch: SourceRecord[] = [];
  try {
    for await (const sheet of reader) {
      for await (const row of sheet as AsyncIterable<ExcelJS.Row>) {
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
      break; // the roster is the first sheet
    }
    if (batch.length > 0) yield batch;
  } catch (e) {
    if (e instanceof ServiceError) throw e;
    throw new ServiceError(400, "invalid_xlsx", `无法读取 Excel 文件：${(e as Error).message}`, "file");
  }
}

export type RosterFormat = "csv" | "xlsx";

export function rosterFormatOf(file: string): RosterFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".xlsx") return "xlsx";
  if (ext === ".csv" || ext === ".txt") return "csv";
  throw new ServiceError(
    400,
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
