/**
 * `hmb adjudicate` and `hmb replay` on both cores (issue 13 item 2): the persons of a file are partitioned over
 * worker threads (src/cli/parallel-worker.ts), each holding one AdjudicationBatch per design for its persons.
 * The main thread only splits lines and routes them, settles setl_ids seen by more than one worker, and writes
 * the workers' output back in input order — so the output is byte for byte the single-threaded one.
 *
 * Routing must keep together what the engine adjudicates together (src/engine/batch.ts): every line of a
 * person, and — when a plan shares a family deductible pool — every person who carries the same
 * hmb_family_key. The keys are found by a byte scan for `"psn_no"` / `"hmb_family_key"` in the line, without
 * a JSON parse; a line where that is ambiguous (a key twice, an escaped or numeric value) is parsed. Lines
 * that are not valid records go anywhere: they touch no accumulator. A family whose persons were already
 * routed apart (a person seen without their key first) cannot be joined: the caller then runs the file
 * single-threaded (ParallelFallback).
 *
 * A setl_id repeated in the file makes every valid line after the first an error; lines of different persons
 * sit in different workers, so each worker reports hashes of the setl_ids it saw first, and the few that
 * collide are compared exactly and the later lines rejected before anything is adjudicated.
 */
import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import {
  addReplayTotals,
  designReplay,
  MAX_REPORTED_LINE_ERRORS,
  type ReplayDesign,
  type ReplayLineError,
  type ReplayResult,
  type ReplayTotals,
} from "../actuarial/replay.js";
import type { Fen } from "../domain/money.js";
import { findPlan } from "../domain/product.js";
import { compilePlan } from "../engine/compile.js";
import { workerModuleUrl } from "../platform/worker-url.js";
import { ChunkedWriter } from "./lines.js";
import type { ParallelJob, ToMain, ToWorker } from "./parallel-protocol.js";

/** Below this a file is adjudicated on one thread unless --threads says otherwise: workers cost ~50 ms to start. */
export const PARALLEL_MIN_BYTES = 16 << 20;
/** More workers than this gain nothing: the main thread's splitting and writing become the limit. */
const MAX_DEFAULT_THREADS = 4;
const READ_BYTES = 1 << 20;
/** Batches sent to a worker and not yet parsed: bounds memory when reading outruns parsing. */
const MAX_BATCHES_IN_FLIGHT = 8;

/** Thrown before any output when the file's families cannot be routed to workers; run single-threaded. */
export class ParallelFallback extends Error {}

/**
 * Worker threads to use: `requested` (--threads) when given, else all cores (at most 4) for a file of at
 * least PARALLEL_MIN_BYTES; 1 (the single-threaded path) for standard input, small files, or one core.
 */
export function threadCount(requested: number | undefined, input: string | undefined): number {
  if (input === undefined || input === "-") return 1;
  let size = 0;
  try {
    const stat = statSync(input);
    // Not a readable file: the single-threaded path reports it as it always has.
    if (!stat.isFile()) return 1;
    size = stat.size;
  } catch {
    return 1;
  }
  if (requested !== undefined) return requested;
  if (size < PARALLEL_MIN_BYTES) return 1;
  return Math.max(1, Math.min(availableParallelism(), MAX_DEFAULT_THREADS));
}

/** --threads: a whole number 1–64. */
export function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,2}$/.test(text) || Number(text) < 1 || Number(text) > 64) return Number.NaN;
  return Number(text);
}

interface OutChunk {
  bytes: Uint8Array;
  lens: Uint32Array;
  pos: number;
  offset: number;
}

/** One worker and the main thread's side of its protocol. */
class Link {
  readonly worker: Worker;
  private inFlight = 0;
  private wakeSender: (() => void) | undefined;
  private readonly expected: { kind: string; resolve: (m: ToMain) => void }[] = [];
  readonly out: OutChunk[] = [];
  private wakeReader: (() => void) | undefined;
  failure: Error | undefined;

  constructor(job: ParallelJob) {
    this.worker = new Worker(workerModuleUrl("./parallel-worker.js", import.meta.url), { workerData: job });
    this.worker.on("message", (m: ToMain) => this.receive(m));
    this.worker.on("error", (e: Error) => this.fail(e));
    this.worker.on("exit", (code) => {
      if (code !== 0) this.fail(new Error(`parallel worker exited with ${code}`));
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wakeSender?.();
    this.wakeReader?.();
    for (const x of this.expected.splice(0)) x.resolve({ kind: "ack" });
  }

  private receive(m: ToMain): void {
    if (m.kind === "ack") {
      this.inFlight--;
      const wake = this.wakeSender;
      this.wakeSender = undefined;
      wake?.();
      return;
    }
    if (m.kind === "out") {
      this.out.push({ bytes: m.bytes, lens: m.lens, pos: 0, offset: 0 });
      const wake = this.wakeReader;
      this.wakeReader = undefined;
      wake?.();
      return;
    }
    const at = this.expected.findIndex((x) => x.kind === m.kind);
    if (at < 0) {
      // An answer may come before the main thread asks for it (it was awaiting I/O meanwhile).
      this.early.push(m);
      return;
    }
    const [x] = this.expected.splice(at, 1);
    x?.resolve(m);
  }

  private readonly early: ToMain[] = [];

  post(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** Sends a batch of lines, waiting first while too many are unparsed. */
  async sendLines(m: ToWorker & { kind: "lines" }): Promise<void> {
    while (this.inFlight >= MAX_BATCHES_IN_FLIGHT && this.failure === undefined)
      await new Promise<void>((resolve) => (this.wakeSender = resolve));
    this.check();
    this.inFlight++;
    this.post(m, [
      m.starts.buffer as ArrayBuffer,
      m.ends.buffer as ArrayBuffer,
      m.indexes.buffer as ArrayBuffer,
    ]);
  }

  /** The next message of `kind`. */
  async expect<K extends ToMain["kind"]>(kind: K): Promise<ToMain & { kind: K }> {
    this.check();
    const at = this.early.findIndex((x) => x.kind === kind);
    if (at >= 0) return this.early.splice(at, 1)[0] as ToMain & { kind: K };
    const m = await new Promise<ToMain>((resolve) => this.expected.push({ kind, resolve }));
    this.check();
    return m as ToMain & { kind: K };
  }

  /** The output chunk being consumed, waiting for one to arrive. */
  async head(): Promise<OutChunk> {
    while (this.out.length === 0) {
      this.check();
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
    this.check();
    return this.out[0] as OutChunk;
  }

  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Byte-level field scan: where a top-level string field's value is, without parsing the line. */
class FieldScanner {
  private readonly pattern: Buffer;
  private buf: Buffer | undefined;
  /** Next occurrence of the pattern at or after the last scanned line start (-1: none in this buffer). */
  private next = -2;
  valueStart = 0;
  valueEnd = 0;

  constructor(field: string) {
    this.pattern = Buffer.from(`"${field}"`, "latin1");
  }

  private occurrence(buf: Buffer, from: number): number {
    if (buf !== this.buf) {
      this.buf = buf;
      this.next = -2;
    }
    // The cursor keeps the scan linear in the buffer even when the field is absent from most lines.
    if (this.next !== -1 && this.next < from) this.next = buf.indexOf(this.pattern, from);
    return this.next;
  }

  /** 1: a plain string value (valueStart/valueEnd); 0: absent, null or empty; -1: ambiguous, parse the line. */
  scan(buf: Buffer, start: number, end: number): number {
    const at = this.occurrence(buf, start);
    if (at === -1 || at >= end) return 0;
    // A key twice (the last one wins in JSON.parse, or a nested key came first): let the parser decide.
    const again = this.occurrence(buf, at + this.pattern.length);
    if (again !== -1 && again < end) return -1;
    let p = at + this.pattern.length;
    while (p < end && isSpace(buf[p] as number)) p++;
    if (buf[p] !== 0x3a) return -1; // ":" — else the name was a value, not a key
    p++;
    while (p < end && isSpace(buf[p] as number)) p++;
    const c = buf[p];
    if (c === 0x6e) return 0; // null
    if (c !== 0x22) return -1; // numbers and anything else: the parser's String(value)
    const from = p + 1;
    for (let k = from; k < end; k++) {
      const b = buf[k] as number;
      if (b === 0x22) {
        this.valueStart = from;
        this.valueEnd = k;
        return k === from ? 0 : 1;
      }
      if (b === 0x5c) return -1; // an escape: the decoded value differs from the bytes
    }
    return -1;
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i] as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** What a parsed record's text field is to the record parser (String of a string or number), or undefined. */
function textOf(value: unknown): string | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const text = String(value);
  return text === "" ? undefined : text;
}

/** Sends each line to the worker of its person (or family) and remembers which worker has each line. */
class Router {
  private readonly psn = new FieldScanner("psn_no");
  private readonly family = new FieldScanner("hmb_family_key");
  private readonly personWorker = new Map<string, number>();
  private readonly familyWorker = new Map<string, number>();
  route = new Uint8Array(1 << 16);
  count = 0;

  constructor(
    private readonly threads: number,
    private readonly families: boolean,
  ) {}

  /** The worker for the line [start, end) of `buf`, recorded as the next line's. */
  add(buf: Buffer, start: number, end: number): number {
    const w = this.workerOf(buf, start, end);
    if (this.count === this.route.length) {
      const grown = new Uint8Array(this.route.length * 2);
      grown.set(this.route);
      this.route = grown;
    }
    this.route[this.count++] = w;
    return w;
  }

  private workerOf(buf: Buffer, start: number, end: number): number {
    const p = this.psn.scan(buf, start, end);
    if (!this.families) {
      if (p === 1) return hashBytes(buf, this.psn.valueStart, this.psn.valueEnd) % this.threads;
      if (p === 0) return this.count % this.threads; // no psn_no: an invalid line
      const raw = parsed(buf, start, end);
      const psnNo = textOf(raw?.psn_no);
      if (psnNo === undefined) return this.count % this.threads;
      const bytes = Buffer.from(psnNo, "utf8");
      return hashBytes(bytes, 0, bytes.length) % this.threads;
    }
    const f = this.family.scan(buf, start, end);
    let psnNo: string | undefined;
    let familyKey: string | undefined;
    if (p === -1 || f === -1) {
      const raw = parsed(buf, start, end);
      psnNo = textOf(raw?.psn_no);
      familyKey = textOf(raw?.hmb_family_key);
    } else {
      psnNo = p === 1 ? buf.toString("utf8", this.psn.valueStart, this.psn.valueEnd) : undefined;
      familyKey = f === 1 ? buf.toString("utf8", this.family.valueStart, this.family.valueEnd) : undefined;
    }
    if (psnNo === undefined) return this.count % this.threads;
    const pw = this.personWorker.get(psnNo);
    if (familyKey === undefined) {
      if (pw !== undefined) return pw;
      const w = stringHash(psnNo) % this.threads;
      this.personWorker.set(psnNo, w);
      return w;
    }
    const fw = this.familyWorker.get(familyKey);
    if (pw !== undefined && fw !== undefined) {
      if (pw !== fw) throw new ParallelFallback(`family ${familyKey} split across workers`);
      return pw;
    }
    const w = pw ?? fw ?? stringHash(familyKey) % this.threads;
    this.personWorker.set(psnNo, w);
    this.familyWorker.set(familyKey, w);
    return w;
  }
}

function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function parsed(buf: Buffer, start: number, end: number): Record<string, unknown> | undefined {
  try {
    const raw = JSON.parse(buf.toString("utf8", start, end)) as unknown;
    return typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts the workers, routes every line of the file to them, and settles repeated setl_ids. The file is read
 * into shared memory, one buffer per read ending at a line end; each worker is told where its lines are in it
 * and decodes them itself, so no line is copied on the main thread.
 */
async function distribute(path: string, job: ParallelJob, threads: number, families: boolean) {
  const links = Array.from({ length: threads }, () => new Link(job));
  const file = await open(path, "r");
  try {
    const router = new Router(threads, families);
    const starts: number[][] = links.map(() => []);
    const ends: number[][] = links.map(() => []);
    const indexes: number[][] = links.map(() => []);
    /** Routes the lines of buf[0, stop) — stop just after a newline, or the end of the file. */
    const lines = async (sab: SharedArrayBuffer, buf: Buffer, stop: number) => {
      let start = 0;
      while (start < stop) {
        let nl = buf.indexOf(10, start);
        if (nl === -1 || nl >= stop) nl = stop;
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        const index = router.count;
        const w = router.add(buf, start, end);
        (starts[w] as number[]).push(start);
        (ends[w] as number[]).push(end);
        (indexes[w] as number[]).push(index);
        start = nl + 1;
      }
      for (let w = 0; w < threads; w++) {
        if ((indexes[w] as number[]).length === 0) continue;
        await (links[w] as Link).sendLines({
          kind: "lines",
          buffer: sab,
          starts: Uint32Array.from(starts[w] as number[]),
          ends: Uint32Array.from(ends[w] as number[]),
          indexes: Uint32Array.from(indexes[w] as number[]),
        });
        (starts[w] as number[]).length = 0;
        (ends[w] as number[]).length = 0;
        (indexes[w] as number[]).length = 0;
      }
    };
    let carry: Buffer | undefined;
    for (;;) {
      // A line longer than a read: grow the buffer until it holds the line.
      const size = Math.max(READ_BYTES, (carry?.length ?? 0) * 2);
      const sab = new SharedArrayBuffer(size);
      const buf = Buffer.from(sab);
      let filled = 0;
      if (carry !== undefined) {
        filled = carry.copy(buf, 0);
        carry = undefined;
      }
      const { bytesRead } = await file.read(buf, filled, size - filled, null);
      const end = filled + bytesRead;
      if (bytesRead === 0) {
        if (end > 0) await lines(sab, buf, end);
        break;
      }
      const last = buf.lastIndexOf(10, end - 1);
      if (last === -1) {
        carry = Buffer.from(buf.subarray(0, end));
        continue;
      }
      if (last + 1 < end) carry = Buffer.from(buf.subarray(last + 1, end));
      await lines(sab, buf, last + 1);
    }
    await settleDuplicates(links);
    return { links, route: router.route, count: router.count };
  } catch (e) {
    await Promise.all(links.map((l) => l.worker.terminate()));
    throw e;
  } finally {
    await file.close();
  }
}

/** Rejects every valid line whose setl_id a valid line of another worker, earlier in the file, has. */
async function settleDuplicates(links: readonly Link[]): Promise<void> {
  const ids = links.map((l) => l.expect("ids"));
  for (const l of links) l.post({ kind: "end" });
  const hashes = (await Promise.all(ids)).map((m) => m.hashes);
  const total = hashes.reduce((n, h) => n + h.length, 0);
  let size = 1024;
  while (size < total * 2) size *= 2;
  const mask = size - 1;
  const keys = new Uint32Array(size);
  const owner = new Int16Array(size).fill(-1);
  const CANDIDATE = -2;
  const candidates: number[] = [];
  hashes.forEach((list, w) => {
    for (const h of list) {
      let slot = h & mask;
      for (;;) {
        const o = owner[slot] as number;
        if (o === -1) {
          keys[slot] = h;
          owner[slot] = w;
          break;
        }
        if (keys[slot] === h) {
          if (o !== w && o !== CANDIDATE) {
            owner[slot] = CANDIDATE;
            candidates.push(h);
          }
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
  });
  const rejects: number[][] = links.map(() => []);
  if (candidates.length > 0) {
    const asked = Uint32Array.from(candidates);
    const answers = links.map((l) => l.expect("which"));
    for (const l of links) l.post({ kind: "which", hashes: asked });
    const first = new Map<string, { index: number; worker: number }>();
    const all: { id: string; index: number; worker: number }[] = [];
    (await Promise.all(answers)).forEach((m, worker) => {
      m.ids.forEach((id, k) => {
        const index = m.indexes[k] as number;
        all.push({ id, index, worker });
        const seen = first.get(id);
        if (seen === undefined || index < seen.index) first.set(id, { index, worker });
      });
    });
    for (const { id, index, worker } of all) {
      if ((first.get(id) as { index: number }).index !== index) rejects[worker]?.push(index);
    }
  }
  links.forEach((l, w) => {
    l.post({ kind: "go", rejects: rejects[w] as number[] });
  });
}

/**
 * `hmb adjudicate` over `threads` workers: the same bytes on `out` as the single-threaded path. Resolves with
 * the number of error lines. Throws ParallelFallback (before writing anything) when families cannot be split.
 */
export async function adjudicateParallel(
  path: string,
  design: ReplayDesign,
  threads: number,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const families = compilePlan(design.product, design.planId).hasFamilyPools;
  const { links, route, count } = await distribute(
    path,
    { mode: "adjudicate", designs: [design] },
    threads,
    families,
  );
  try {
    const done = links.map((l) => l.expect("done"));
    const writer = new ChunkedWriter(out);
    const put = async (bytes: Uint8Array) => {
      if (writer.tryBytes(bytes)) return;
      await writer.rotate();
      for (let at = 0; at < bytes.length; at += 1 << 16) {
        const piece = bytes.subarray(at, at + (1 << 16));
        if (!writer.tryBytes(piece)) {
          await writer.rotate();
          writer.tryBytes(piece);
        }
      }
    };
    let i = 0;
    while (i < count) {
      const w = route[i] as number;
      const link = links[w] as Link;
      const chunk = await link.head();
      const from = chunk.offset;
      let j = i;
      while (j < count && route[j] === w && chunk.pos < chunk.lens.length) {
        chunk.offset += chunk.lens[chunk.pos++] as number;
        j++;
      }
      await put(chunk.bytes.subarray(from, chunk.offset));
      if (chunk.pos === chunk.lens.length) {
        link.out.shift();
        link.post({ kind: "credit" });
      }
      i = j;
    }
    await writer.flush();
    const errors = (await Promise.all(done)).reduce((n, m) => n + m.errors, 0);
    return errors;
  } finally {
    await Promise.all(links.map((l) => l.worker.terminate()));
  }
}

/**
 * `hmb replay --input` over `threads` workers: the same result as src/actuarial/replay.ts Replay. `premiumsFen`
 * as Replay's; else `insured` × each plan's base premium. Throws ParallelFallback as adjudicateParallel.
 */
export async function replayParallel(
  path: string,
  designs: readonly ReplayDesign[],
  threads: number,
  insured: number,
  premiumsFen?: readonly Fen[],
): Promise<ReplayResult> {
  const families = designs.some((d) => compilePlan(d.product, d.planId).hasFamilyPools);
  const { links } = await distribute(path, { mode: "replay", designs }, threads, families);
  try {
    const parts = await Promise.all(links.map((l) => l.expect("totals")));
    const errorCount = parts.reduce((n, p) => n + p.lineErrorCount, 0);
    if (errorCount > 0) {
      const errors: ReplayLineError[] = parts
        .flatMap((p) => p.lineErrors)
        .sort((a, b) => a.line - b.line)
        .slice(0, MAX_REPORTED_LINE_ERRORS);
      return { ok: false, errors, errorCount };
    }
    return {
      ok: true,
      designs: designs.map((design, i) => {
        const totals = parts.map((p) => p.totals[i] as ReplayTotals).reduce(addReplayTotals);
        const premium = premiumsFen?.[i] ?? insured * findPlan(design.product, design.planId).premium.base;
        return designReplay(design, totals, premium);
      }),
    };
  } finally {
    await Promise.all(links.map((l) => l.worker.terminate()));
  }
}
