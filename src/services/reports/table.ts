/**
 * A report table, the one shape every report renders: typed cells (text, counts, yuan, percent) so that the PDF
 * prints them for people and the workbook stores them as numbers with formats for computing. The PDF side is
 * `pdf.ts`; each report (disclosure, charity, retrospective, exports) only builds its tables.
 */
import type ExcelJS from "exceljs";
import { formatPercent } from "../../domain/money.js";

export type Cell =
  | { kind: "text"; value: string | null }
  | { kind: "int"; value: number }
  | { kind: "yuan"; value: string | null }
  | { kind: "percent"; bps: number | null };

export interface Table {
  /** Worksheet name. */
  readonly id: string;
  readonly title: string;
  readonly headers: readonly string[];
  readonly widths: readonly number[];
  readonly rows: readonly (readonly Cell[])[];
  readonly note?: string;
  /**
   * The column of codes (指标代码, 区县代码, 责任代码), for machines reading the workbook; the PDF, read by
   * people, leaves it out and gives its width to the column before it (issue 14: no identifiers on paper).
   */
  readonly codeColumn?: number;
}

/** A table as people read it (the PDF): without its code column. */
export function forPeople(t: Table): Table {
  const c = t.codeColumn;
  if (c === undefined) return t;
  const widths = t.widths.filter((_, i) => i !== c);
  const merged = (t.widths[c - 1] ?? 0) + (t.widths[c] ?? 0);
  return {
    ...t,
    headers: t.headers.filter((_, i) => i !== c),
    widths: widths.map((w, i) => (i === c - 1 ? merged : w)),
    rows: t.rows.map((r) => r.filter((_, i) => i !== c)),
    codeColumn: undefined,
  };
}

/** 1234567.8 yuan as "1,234,567.80". */
function groupYuan(value: string): string {
  const [whole, cents] = value.split(".");
  const negative = whole?.startsWith("-") ?? false;
  const digits = negative ? (whole as string).slice(1) : (whole as string);
  return `${negative ? "-" : ""}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents ?? "00"}`;
}

export function cellText(c: Cell): string {
  switch (c.kind) {
    case "text":
      return c.value ?? "—";
    case "int":
      return c.value.toLocaleString("en-US");
    case "yuan":
      return c.value === null ? "—" : groupYuan(c.value);
    case "percent":
      return c.bps === null ? "—" : formatPercent(c.bps);
  }
}

/**
 * One report table as its own worksheet: title, bold header, the cells as numbers with their formats (yuan,
 * percent, counts) so that the bureau can compute with them, and the table's note. Shared by every report.
 */
export function addTableSheet(wb: ExcelJS.Workbook, t: Table, pointsPerChar: number): void {
  const ws = wb.addWorksheet(t.id);
  ws.columns = t.widths.map((w) => ({ width: Math.max(10, Math.round(w / pointsPerChar)) }));
  ws.addRow([t.title]).font = { bold: true };
  ws.addRow([...t.headers]).font = { bold: true };
  for (const row of t.rows) {
    const added = ws.addRow(row.map(excelValue));
    row.forEach((c, i) => {
      const cell = added.getCell(i + 1);
      if (c.kind === "yuan") cell.numFmt = "#,##0.00";
      else if (c.kind === "percent") cell.numFmt = "0.00%";
      else if (c.kind === "int") cell.numFmt = "#,##0";
    });
  }
  if (t.note !== undefined) ws.addRow([t.note]).font = { italic: true, size: 9 };
}

function excelValue(c: Cell): string | number | null {
  switch (c.kind) {
    case "text":
      return c.value;
    case "int":
      return c.value;
    case "yuan":
      return c.value === null ? null : Number(c.value);
    case "percent":
      return c.bps === null ? null : c.bps / 10_000;
  }
}
