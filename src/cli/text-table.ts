/**
 * Tables on a terminal, for the commands that print Chinese side by side (`hmb check`, `hmb replay`, `hmb price`,
 * `hmb reserve`): columns sized by display width, where CJK and full-width characters take two columns.
 */

/** Terminal columns a text takes: CJK, Hangul and full-width forms take two, so Chinese labels still line up. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      cp >= 0x20000;
    width += wide ? 2 : 1;
  }
  return width;
}

/** Each column's width: the widest cell in it. */
export function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
    });
  return widths;
}

/** The first row as a header, a rule of dashes under it, then the body; cells left-aligned, two spaces apart. */
export function textTable(rows: readonly (readonly string[])[]): string[] {
  const widths = columnWidths(rows);
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - displayWidth(cell)))
      .join("  ")
      .trimEnd();
  const [head, ...body] = rows;
  return head === undefined
    ? []
    : [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)];
}
