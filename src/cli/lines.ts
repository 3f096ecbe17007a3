/**
 * Line I/O for the JSONL commands, built for throughput on large files:
 *  - input is split on newline bytes and each line decoded on its own, so no chunk-sized strings are built
 *    (files can exceed V8's string limit, and big transient strings cost page faults and GC);
 *  - output is encoded into a small ring of reused byte buffers, so writing a million lines allocates
 *    nothing per chunk.
 */
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

/**
 * Calls `onLine` for every line (UTF-8, without its "\n" or "\r\n"); a last line without newline counts,
 * an empty file has none.
 */
export async function forEachLine(source: Readable, onLine: (line: string) => void): Promise<void> {
  await forEachLineBytes(source, (buf, start, end) => onLine(buf.toString("utf8", start, end)));
}

/**
 * forEachLine without decoding: `onLine` gets the bytes buf[start, end) of each line (without "\n" or "\r\n"),
 * valid only during the call.
 */
export async function forEachLineBytes(
  source: Readable,
  onLine: (buf: Buffer, start: number, end: number) => void,
): Promise<void> {
  let carry: Buffer | undefined;
  for await (const data of source as AsyncIterable<Buffer | string>) {
    const chunk = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    let start = 0;
    let nl = chunk.indexOf(10);
    if (carry !== undefined) {
      if (nl === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const line = Buffer.concat([carry, chunk.subarray(0, nl)]);
      carry = undefined;
      emit(line, 0, line.length, onLine);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    while (nl !== -1) {
      emit(chunk, start, nl, onLine);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    // Copy the partial last line: the stream may hand out views of a pooled buffer.
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
  }
  if (carry !== undefined && carry.length > 0) emit(carry, 0, carry.length, onLine);
}

function emit(
  buf: Buffer,
  start: number,
  end: number,
  onLine: (buf: Buffer, start: number, end: number) => void,
): void {
  onLine(buf, start, end > start && buf[end - 1] === 13 ? end - 1 : end);
}

export function openInput(path: string | undefined): Readable {
  // 64 KiB reads: below malloc's mmap threshold, so read buffers are recycled instead of faulted in afresh.
  return path === undefined || path === "-"
    ? process.stdin
    : createReadStream(path, { highWaterMark: 1 << 16 });
}

/**
 * Buffers output and writes it in large chunks, honouring back-pressure. Text is encoded straight into one of
 * a few reused buffers; a buffer is handed to the stream when full and reused only once the stream has
 * written it.
 */
export class ChunkedWriter {
  private readonly buffers: Buffer[];
  private readonly inFlight: (Promise<void> | undefined)[];
  private current = 0;
  private offset = 0;
  private failure: Error | undefined;

  constructor(
    private readonly out: NodeJS.WritableStream = process.stdout,
    size = 1 << 20,
    count = 4,
  ) {
    this.buffers = Array.from({ length: count }, () => Buffer.allocUnsafeSlow(size));
    this.inFlight = new Array(count).fill(undefined);
    out.on("error", (e: Error) => {
      this.failure ??= e;
    });
  }

  /** Appends `text` when it fits in the current buffer; when it returns false, `await rotate()` and retry. */
  tryWrite(text: string): boolean {
    const buf = this.buffers[this.current] as Buffer;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    if (this.offset + text.length * 3 > buf.length) {
      const bytes = Buffer.byteLength(text);
      if (this.offset + bytes > buf.length) return false;
    }
    this.offset += buf.write(text, this.offset);
    return true;
  }

  /** Appends raw bytes when they fit; when it returns false, `await rotate()` and retry. */
  tryBytes(bytes: Uint8Array): boolean {
    const buf = this.buffers[this.current] as Buffer;
    if (this.offset + bytes.length > buf.length) return false;
    buf.set(bytes, this.offset);
    this.offset += bytes.length;
    return true;
  }

  async write(text: string): Promise<void> {
    if (this.tryWrite(text)) return;
    await this.rotate();
    if (this.tryWrite(text)) return;
    // Larger than a whole buffer: hand it over on its own.
    await this.send(Buffer.from(text, "utf8"));
    if (this.failure !== undefined) throw this.failure;
  }

  /** Hands the current buffer to the stream and waits until the next one is free. */
  async rotate(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (this.offset > 0) {
      const index = this.current;
      this.inFlight[index] = this.send((this.buffers[index] as Buffer).subarray(0, this.offset));
      this.current = (index + 1) % this.buffers.length;
      this.offset = 0;
    }
    const next = this.inFlight[this.current];
    if (next !== undefined) {
      this.inFlight[this.current] = undefined;
      await next;
      if (this.failure !== undefined) throw this.failure;
    }
  }

  /** Writes everything buffered and waits until the stream has taken it. */
  async flush(): Promise<void> {
    await this.rotate();
    const pending = this.inFlight.filter((p) => p !== undefined);
    this.inFlight.fill(undefined);
    await Promise.all(pending);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves once the stream has written `chunk`; a write error is kept and thrown by the next call. */
  private send(chunk: Uint8Array): Promise<void> {
    return new Promise<void>((resolve) => {
      this.out.write(chunk, (e) => {
        if (e) this.failure ??= e;
        resolve();
      });
    });
  }
}
