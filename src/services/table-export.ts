/**
 * Server-side tables (issue 14), the export half: a list's filtered rows as one Excel sheet, written by the
 * reports' worksheet writer (reports/table.ts addTableSheet) — Chinese headers, yuan as numbers, times in
 * Beijing time, codes as their Chinese labels. The caller masks the rows and audits the export.
 */
import ExcelJS from "exceljs";
import { type Fen, formatYuan } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import { type Label, labelOf } from "../domain/vocabulary.js";
import { addTableSheet, type Cell } from "./reports/table.js";

/** One column of an export: its Chinese header, width in points, and the cell of a row. */
export interface ExportColumn<R> {
  header: string;
  width: number;
  cell: (row: R) => Cell;
}

const POINTS_PER_CHAR = 6;

export const cells = {
  text: (value: string | null | undefined): Cell => ({ kind: "text", value: value ?? null }),
  int: (value: number): Cell => ({ kind: "int", value }),
  fen: (fen: Fen | number | null): Cell => ({
    kind: "yuan",
    value: fen === null ? null : formatYuan(fen as Fen),
  }),
  /** A yuan string as the API writes it ("12.30"). */
  yuan: (value: string | null): Cell => ({ kind: "yuan", value }),
  time: (at: Date | string | null): Cell => ({
    kind: "text",
    value: at === null ? null : formatBusinessTime(new Date(at).getTime()),
  }),
  label: (labels: Readonly<Record<string, Label>>, code: string | null | undefined): Cell => ({
    kind: "text",
    value: code === null || code === undefined ? null : labelOf(labels, code),
  }),
};

/** The rows as an .xlsx workbook of one sheet named `sheet`, titled with the count and the time of export. */
export async function tableXlsx<R>(opts: {
  sheet: string;
  columns: readonly ExportColumn<R>[];
  rows: readonly R[];
  now: Date;
  note?: string;
}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "hmb";
  addTableSheet(
    wb,
    {
      id: opts.sheet,
      title: `${opts.sheet}（${opts.rows.length} 条，导出于 ${formatBusinessTime(opts.now.getTime())}）`,
      headers: opts.columns.map((c) => c.header),
      widths: opts.columns.map((c) => c.width),
      rows: opts.rows.map((r) => opts.columns.map((c) => c.cell(r))),
      ...(opts.note === undefined ? {} : { note: opts.note }),
    },
    POINTS_PER_CHAR,
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}
