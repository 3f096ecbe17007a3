/** Streams newline-delimited text without building the whole file as one string (files can exceed V8's limit). */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

export async function forEachLine(source: Readable, onLine: (line: string) => void): Promise<void> {
  let carry = "";
  source.setEncoding("utf8");
  for await (const chunk of source as AsyncIterable<string>) {
    const text = carry + chunk;
    let start = 0;
    let nl = text.indexOf("\n", start);
    while (nl !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      onLine(text.slice(start, end));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    carry = text.slice(start);
  }
  if (carry.length > 0) onLine(carry.endsWith("\r") ? carry.slice(0, -1) : carry);
}

export function openInput(path: string | undefined): Readable {
  return path === undefined || path === "-" ? process.stdin : createReadStream(path, { highWaterMark: 1 << 22 });
}

/** Buffers output and writes it in large chunks, honouring back-pressure. */
export class ChunkedWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (!this.out.write(chunk)) await new Promise<void>((resolve) => this.out.once("drain", () => resolve()));
  }
}
