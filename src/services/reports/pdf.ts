/**
 * The PDF side of every report: an A4 document in the CJK font, its title and preamble, tables drawn row by row
 * (a page break never splits a row, a table never starts in the last three rows of a page) and the footer. The
 * disclosure, the charity report and the retrospective differ only in their tables and words.
 */

import PDFDocument from "pdfkit";
import { cjkFontPath } from "../epolicy.js";
import { cellText, type Table } from "./table.js";

/** Row height in points; a table starts on a new page when fewer than this many rows would fit. */
const ROW_HEIGHT = 15;
const MIN_ROWS_ON_PAGE = 3;
const TITLE_SIZE = 16;
const PREAMBLE_SIZE = 9;
const TABLE_TITLE_SIZE = 11;
const NOTE_SIZE = 7.5;
const HEADER_RULE = 0.8;
const ROW_RULE = 0.3;
/** Width of a column a table forgot to size. */
const DEFAULT_COLUMN_WIDTH = 60;

export interface ReportPdfOptions {
  /** Document metadata title (ASCII, for file managers). */
  readonly infoTitle: string;
  /** The report's title in Chinese: the first line of the first page. */
  readonly title: string;
  readonly preamble: readonly string[];
  readonly landscape?: boolean;
  readonly margin: number;
  /** Table body font size. */
  readonly cellSize: number;
  /** Columns before this index, and every header, are left-aligned; the rest (figures) right-aligned. */
  readonly leftColumns: number;
  /** Widths are relative and scaled to the page (so any number of columns fits), instead of points. */
  readonly scaleWidths?: boolean;
}

export interface ReportPdf {
  /** Lines under the preamble, in a colour (an alert). */
  alert(line: string, color: string): void;
  table(t: Table): void;
  /** Writes the footer and ends the document. */
  finish(footer: string): Promise<Buffer>;
}

/** The document, opened: title and preamble written. Throws when no CJK font is installed. */
export function openReportPdf(o: ReportPdfOptions): ReportPdf {
  const font = cjkFontPath();
  if (font === undefined)
    throw new Error(`${o.infoTitle}: PDF needs a CJK font (@embedpdf/fonts-sc or HMB_PDF_CJK_FONT)`);
  const doc = new PDFDocument({
    size: "A4",
    ...(o.landscape === true ? { layout: "landscape" as const } : {}),
    margin: o.margin,
    info: { Title: o.infoTitle, Subject: o.title },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  doc.font(font);
  const left = doc.page.margins.left;
  const usable = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  doc.fontSize(TITLE_SIZE).text(o.title, { align: "center" });
  doc.moveDown(0.5).fontSize(PREAMBLE_SIZE);
  for (const line of o.preamble) doc.text(line);

  const table = (t: Table) => {
    const total = t.widths.reduce((a, b) => a + b, 0);
    const widths = o.scaleWidths === true ? t.widths.map((w) => (w * usable) / total) : t.widths;
    const width = o.scaleWidths === true ? usable : total;
    doc.moveDown(0.8);
    if (doc.y + MIN_ROWS_ON_PAGE * ROW_HEIGHT > bottom()) doc.addPage();
    doc.fontSize(TABLE_TITLE_SIZE).text(t.title, left);
    doc.moveDown(0.3).fontSize(o.cellSize);
    const draw = (cells: readonly string[], header: boolean) => {
      if (doc.y + ROW_HEIGHT > bottom()) doc.addPage();
      const y = doc.y;
      let x = left;
      cells.forEach((c, i) => {
        const w = widths[i] ?? DEFAULT_COLUMN_WIDTH;
        doc.fillColor(header ? "#333333" : "black").text(c, x + 2, y + 3, {
          width: w - 4,
          height: ROW_HEIGHT,
          lineBreak: false,
          ellipsis: true,
          align: i < o.leftColumns || header ? "left" : "right",
        });
        x += w;
      });
      doc
        .moveTo(left, y + ROW_HEIGHT)
        .lineTo(left + width, y + ROW_HEIGHT)
        .lineWidth(header ? HEADER_RULE : ROW_RULE)
        .strokeColor("#999999")
        .stroke();
      doc.x = left;
      doc.y = y + ROW_HEIGHT;
    };
    draw(t.headers, true);
    if (t.rows.length === 0) draw(["（无）"], false);
    for (const row of t.rows) draw(row.map(cellText), false);
    if (t.note !== undefined) {
      doc.moveDown(0.3).fontSize(NOTE_SIZE).fillColor("#555555").text(t.note, left, doc.y, { width: usable });
      doc.fillColor("black");
    }
  };

  return {
    alert(line, color) {
      doc.moveDown(0.3).fillColor(color).text(line);
      doc.fillColor("black");
    },
    table,
    finish(footer) {
      doc.moveDown(1).fontSize(NOTE_SIZE).fillColor("#555555");
      doc.text(footer, left);
      doc.end();
      return done;
    },
  };
}
