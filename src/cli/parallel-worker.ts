/**
 * One worker thread of the parallel `hmb adjudicate` / `hmb replay` (src/cli/parallel.ts): it receives the
 * lines of its share of the persons (or families), each with its 0-based line index in the file, parses and
 * holds them in one AdjudicationBatch per design, and — once the main thread has settled which setl_ids other
 * workers saw first — adjudicates. For adjudicate it sends the output lines back in its input order, encoded
 * in byte chunks; for replay, each design's totals and its bad lines.
 *
 * Protocol (main → worker / worker → main):
 *   lines {buffer, starts, ends, indexes} → ack          lines in shared memory, file indexes ascending
 *   end                            → ids {hashes}        setl_id hashes of the valid lines first seen here
 *   which {hashes}                 → which {ids, indexes} the setl_ids (and line indexes) behind those hashes
 *   go {rejects}                   → out… done | totals  rejects: line indexes another worker saw first
 *   credit                                               the main thread has consumed one output chunk
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  MAX_REPORTED_LINE_ERRORS,
  type ReplayDesign,
  type ReplayLineError,
  type ReplayTotals,
  replayTotals,
} from "../actuarial/replay.js";
import { parseSettlementLine, type SettlementLineParse } from "../domain/settlement.js";
import { AdjudicationBatch, duplicateError } from "../engine/batch.js";
import { compilePlan } from "../engine/compile.js";
import { toWireError, wireResultJson } from "../engine/wire.js";
import { type ParallelJob, setlIdHash, type ToMain, type ToWorker } from "./parallel-protocol.js";
import { scanSettlementLine } from "./settlement-scan.js";

const OUTPUT_CHUNK_BYTES = 1 << 20;
/** Output chunks sent but not yet consumed by the main thread: bounds the worker's lead over the writer. */
const MAX_CHUNKS_IN_FLIGHT = 4;

const port = parentPort;
if (port === null) throw new Error("parallel-worker: not started as a worker thread");
const job = workerData as ParallelJob;
const designs: readonly ReplayDesign[] = job.designs;
const batches = designs.map((d) => new AdjudicationBatch(compilePlan(d.product, d.planId)));
const first = batches[0] as AdjudicationBatch;
/** Local index (add order) → line index in the file; ascending. */
const globals: number[] = [];
const firstSeenHashes: number[] = [];
/** Bad lines (replay reports them by line number): the first few in file order, and how many. */
const lineErrors: ReplayLineError[] = [];
let lineErrorCount = 0;

function send(message: ToMain, transfer: ArrayBuffer[] = []): void {
  (port as NonNullable<typeof port>).postMessage(message, transfer);
}

function addLines(
  shared: SharedArrayBuffer,
  starts: Uint32Array,
  ends: Uint32Array,
  indexes: Uint32Array,
): void {
  const buf = Buffer.from(shared);
  for (let k = 0; k < indexes.length; k++) {
    const from = starts[k] as number;
    const to = ends[k] as number;
    const local = globals.length;
    globals.push(indexes[k] as number);
    // The common valid record straight from the bytes; anything else decoded and parsed as always.
    const scanned = scanSettlementLine(buf, from, to);
    let line = "";
    let parsed: SettlementLineParse;
    if (scanned !== undefined) parsed = { ok: true, settlement: scanned };
    else {
      line = buf.toString("utf8", from, to);
      parsed = parseSettlementLine(line);
    }
    for (const batch of batches) batch.addParsed(line, parsed);
    const s = first.settlementAt(local);
    if (s !== undefined) firstSeenHashes.push(setlIdHash(s.setlId));
    else if (job.mode === "replay") {
      const error = parsed.ok ? duplicateError(parsed.settlement.setlId) : parsed.error;
      noteLineError(indexes[k] as number, error);
    }
  }
}

function noteLineError(index: number, error: ReplayLineError["error"]): void {
  lineErrorCount++;
  if (lineErrors.length < MAX_REPORTED_LINE_ERRORS) lineErrors.push({ line: index + 1, error });
}

/** Valid, first-seen-here lines whose setl_id hashes to one of `hashes`. */
function which(hashes: Uint32Array): { ids: string[]; indexes: number[] } {
  const wanted = new Set(hashes);
  const ids: string[] = [];
  const indexes: number[] = [];
  for (let local = 0; local < globals.length; local++) {
    const s = first.settlementAt(local);
    if (s !== undefined && wanted.has(setlIdHash(s.setlId))) {
      ids.push(s.setlId);
      indexes.push(globals[local] as number);
    }
  }
  return { ids, indexes };
}

function localOf(index: number): number {
  let lo = 0;
  let hi = globals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const g = globals[mid] as number;
    if (g === index) return mid;
    if (g < index) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new Error(`parallel-worker: line ${index} is not held here`);
}

let credits = MAX_CHUNKS_IN_FLIGHT;
let creditWaiter: (() => void) | undefined;

async function adjudicateOut(): Promise<void> {
  let buf = Buffer.allocUnsafeSlow(OUTPUT_CHUNK_BYTES);
  let lens: number[] = [];
  let offset = 0;
  let errors = 0;
  const flush = async () => {
    if (lens.length === 0) return;
    while (credits === 0) await new Promise<void>((resolve) => (creditWaiter = resolve));
    credits--;
    const lengths = Uint32Array.from(lens);
    const bytes = new Uint8Array(buf.buffer, 0, offset);
    send({ kind: "out", bytes, lens: lengths }, [buf.buffer as ArrayBuffer, lengths.buffer]);
    buf = Buffer.allocUnsafeSlow(OUTPUT_CHUNK_BYTES);
    lens = [];
    offset = 0;
  };
  for (const entry of first.drain()) {
    // Exactly runAdjudicate's serialization (src/cli/adjudicate.ts), so the bytes are the same.
    let text: string;
    if (entry.kind === "error") {
      errors++;
      text = `${JSON.stringify(toWireError(entry.setlId, entry.psnNo, entry.error))}\n`;
    } else {
      text = `${wireResultJson(entry.adjudication)}\n`;
    }
    if (offset + text.length * 3 > buf.length) {
      const bytes = Buffer.byteLength(text);
      if (offset + bytes > buf.length) {
        await flush();
        if (bytes > buf.length) buf = Buffer.allocUnsafeSlow(bytes);
      }
    }
    const written = buf.write(text, offset);
    offset += written;
    lens.push(written);
  }
  await flush();
  send({ kind: "done", errors });
}

function replayOut(): void {
  if (lineErrorCount > 0) {
    send({ kind: "totals", totals: [], lineErrors, lineErrorCount });
    return;
  }
  const totals: ReplayTotals[] = batches.map((b) => replayTotals(b));
  send({ kind: "totals", totals, lineErrors, lineErrorCount });
}

port.on("message", (message: ToWorker) => {
  switch (message.kind) {
    case "lines":
      addLines(message.buffer, message.starts, message.ends, message.indexes);
      send({ kind: "ack" });
      return;
    case "end": {
      const hashes = Uint32Array.from(firstSeenHashes);
      firstSeenHashes.length = 0;
      send({ kind: "ids", hashes }, [hashes.buffer]);
      return;
    }
    case "which":
      send({ kind: "which", ...which(message.hashes) });
      return;
    case "go":
      for (const index of message.rejects) {
        const local = localOf(index);
        const s = first.settlementAt(local);
        for (const batch of batches) batch.rejectDuplicate(local);
        // Past the cap too: an early duplicate must displace later kept errors (sorted and cut below).
        if (job.mode === "replay" && s !== undefined) {
          lineErrorCount++;
          lineErrors.push({ line: index + 1, error: duplicateError(s.setlId) });
        }
      }
      if (job.mode === "replay") {
        lineErrors.sort((a, b) => a.line - b.line);
        lineErrors.length = Math.min(lineErrors.length, MAX_REPORTED_LINE_ERRORS);
        replayOut();
      } else {
        adjudicateOut().catch((e: unknown) => {
          throw e;
        });
      }
      return;
    case "credit":
      credits++;
      if (creditWaiter !== undefined) {
        const wake = creditWaiter;
        creditWaiter = undefined;
        wake();
      }
      return;
  }
});
