/**
 * The baseline for `hmb adjudicate` end to end: read a JSONL file line by line, JSON.parse and JSON.stringify
 * each line, write the lines to standard output. Nothing else. It uses the same I/O technique as the CLI
 * (64 KiB reads split on newline bytes, each line decoded on its own; output encoded into reused 1 MiB
 * buffers), so the ratio between the two measures the platform's own work, not I/O tricks.
 *
 * Usage: node dist/bench/bare-loop.js <file.jsonl> > /dev/null
 */
import { createReadStream } from "node:fs";

const path = process.argv[2];
if (path === undefined) throw new Error("usage: bare-loop.js <file.jsonl>");

const buffers = [Buffer.allocUnsafeSlow(1 << 20), Buffer.allocUnsafeSlow(1 << 20)];
const written: (Promise<void> | undefined)[] = [undefined, undefined];
let current = 0;
let offset = 0;
let lines = 0;

function send(chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(chunk, (e) => (e ? reject(e) : resolve())));
}

async function rotate(): Promise<void> {
  written[current] = send((buffers[current] as Buffer).subarray(0, offset));
  current = 1 - current;
  offset = 0;
  await written[current];
  written[current] = undefined;
}

/** Appends a line when it fits (the usual case, no await); false when the buffer must be rotated first. */
function tryOut(text: string): boolean {
  const buf = buffers[current] as Buffer;
  if (offset + text.length * 3 + 1 > buf.length) return false;
  offset += buf.write(text, offset);
  buf[offset++] = 10;
  return true;
}

async function out(text: string): Promise<void> {
  if (tryOut(text)) return;
  await rotate();
  tryOut(text);
}

let carry: Buffer | undefined;
for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
  let data = chunk;
  if (carry !== undefined) {
    data = Buffer.concat([carry, chunk]);
    carry = undefined;
  }
  let start = 0;
  let nl = data.indexOf(10);
  while (nl !== -1) {
    const text = JSON.stringify(JSON.parse(data.toString("utf8", start, nl)));
    if (!tryOut(text)) await out(text);
    lines++;
    start = nl + 1;
    nl = data.indexOf(10, start);
  }
  if (start < data.length) carry = Buffer.from(data.subarray(start));
}
if (carry !== undefined && carry.length > 0) {
  await out(JSON.stringify(JSON.parse(carry.toString("utf8"))));
  lines++;
}
await send((buffers[current] as Buffer).subarray(0, offset));
await Promise.all(written);
process.stderr.write(`bare loop: ${lines} lines\n`);
