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

/**
 * Rows of a COPY text stream fed chunk by chunk (a worker thread is handed chunks as messages): `row` is called
 * with each complete row as it is written, in order; end() flushes the last one.
 */
export class CopyTextRows {
  private readonly decoder = new StringDecoder("utf8");
  private rest = "";

  constructor(private readonly row: (columns: (string | null)[]) => void) {}

  write(chunk: Uint8Array): void {
    const text = this.rest + this.decoder.write(chunk as Buffer);
    let start = 0;
    let end = text.indexOf("\n", start);
    while (end >= 0) {
      this.row(copyTextColumns(text.slice(start, end)));
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    this.rest = text.slice(start);
  }

  end(): void {
    const rest = this.rest + this.decoder.end();
    this.rest = "";
    if (rest !== "") this.row(copyTextColumns(rest));
  }
}

/** Calls `row` with each row of a COPY text stream, in order. */
export async function forEachCopyTextRow(
  chunks: AsyncIterable<Buffer>,
  row: (columns: (string | null)[]) => void,
): Promise<void> {
  const rows = new CopyTextRows(row);
  for await (const chunk of chunks) rows.write(chunk);
  rows.end();
}
