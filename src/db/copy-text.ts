/**
 * Rows of `COPY … TO STDOUT` in PostgreSQL's text format: one row a line, columns separated by tabs, `\N` for
 * null, and backslash escapes in values (`\\`, `\t`, `\n`, `\r`, `\b`, `\f`, `\v`, octal `\ooo`, hex `\xhh`).
 * Chunks may end anywhere, also inside a UTF-8 character.
 */
import { StringDecoder } from "node:string_decoder";

const ESCAPES: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v" };

function unescapeCopyText(value: string): string {
  return value.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/gs, (_, e: string) => {
    if (e.length > 1 && (e[0] === "x" || e[0] === "X"))
      return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (e.length >= 1 && e[0] !== undefined && e[0] >= "0" && e[0] <= "7")
      return String.fromCharCode(Number.parseInt(e, 8));
    return ESCAPES[e] ?? e;
  });
}

/** One line's columns: null for `\N`, values unescaped. */
export function copyTextColumns(line: string): (string | null)[] {
  const columns: (string | null)[] = line.split("\t");
  for (let i = 0; i < columns.length; i++) {
    const v = columns[i] as string;
    if (v === "\\N") columns[i] = null;
    else if (v.includes("\\")) columns[i] = unescapeCopyText(v);
  }
  return columns;
}

/** Calls `row` with each row of a COPY text stream, in order. */
export async function forEachCopyTextRow(
  chunks: AsyncIterable<Buffer>,
  row: (columns: (string | null)[]) => void,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of chunks) {
    const text = rest + decoder.write(chunk);
    let start = 0;
    let end = text.indexOf("\n", start);
    while (end >= 0) {
      row(copyTextColumns(text.slice(start, end)));
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== "") row(copyTextColumns(rest));
}
