/**
 * Where a roster import's stage (validate, seal, write COPY tuples) runs. On the PostgreSQL back end, from
 * compiled code, one worker thread does it while the main thread parses the file and feeds COPY: parsing
 * and staging each take about half the import's CPU, so splitting them lets two cores work at once.
 * Otherwise (PGlite, whose engine shares the main thread; tests running TypeScript sources) it runs
 * in-thread. Batches come back in the order they were sent; the tuples' memory is moved, not copied.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CopyTupleWriter } from "../../db/copy-binary.js";
import type { RosterHeader } from "../../domain/roster.js";
import { createCertnoBatchSealer } from "../../platform/certno-sealer.js";
import type { DataKeys } from "../../platform/crypto.js";
import type { SourceRecord } from "./files.js";
import { RepeatWatch, type StagedBatch, stageBatch } from "./stage.js";

export interface Stager {
  /** Resolves in the order of the calls. */
  stage(records: readonly SourceRecord[]): Promise<StagedBatch>;
  /** After the last batch: whether any psn_no may have been repeated (undefined: not watched). */
  maybeRepeated(): Promise<boolean | undefined>;
  close(): Promise<void>;
}

export interface StagerSetup {
  readonly keys: DataKeys;
  readonly programId: string;
  readonly header: RosterHeader;
  /** Watch for repeated psn_nos (a re-import needs to know). */
  readonly watchRepeats: boolean;
}

const COMPILED = import.meta.url.endsWith(".js");

export function createStager(setup: StagerSetup, options: { thread: boolean }): Stager {
  return options.thread && COMPILED ? new WorkerStager(setup) : new InThreadStager(setup);
}

class InThreadStager implements Stager {
  private readonly sealer;
  private readonly writer = new CopyTupleWriter();
  private readonly repeats: RepeatWatch | undefined;

  constructor(private readonly setup: StagerSetup) {
    this.sealer = createCertnoBatchSealer(setup.keys);
    this.repeats = setup.watchRepeats ? new RepeatWatch() : undefined;
  }

  async stage(records: readonly SourceRecord[]): Promise<StagedBatch> {
    return stageBatch(
      this.sealer,
      this.writer,
      this.setup.programId,
      this.setup.header,
      records,
      this.repeats,
    );
  }

  async maybeRepeated(): Promise<boolean | undefined> {
    return this.repeats?.maybeRepeated;
  }

  async close(): Promise<void> {}
}

interface WorkerSetup {
  readonly hmbRosterStager: true;
  readonly encryption: Uint8Array;
  readonly blindIndex: Uint8Array;
  readonly programId: string;
  readonly header: RosterHeader;
  readonly watchRepeats: boolean;
}

type ToWorker = { kind: "stage"; records: readonly SourceRecord[] } | { kind: "end" };
type FromWorker =
  | { kind: "staged"; batch: StagedBatch }
  | { kind: "ended"; maybeRepeated: boolean | undefined };

interface Waiter {
  resolve: (message: FromWorker) => void;
  reject: (error: unknown) => void;
}

class WorkerStager implements Stager {
  private readonly worker: Worker;
  private readonly waiting: Waiter[] = [];
  private failure: unknown;
  private closing = false;

  constructor(setup: StagerSetup) {
    const init: WorkerSetup = {
      hmbRosterStager: true,
      encryption: setup.keys.encryption,
      blindIndex: setup.keys.blindIndex,
      programId: setup.programId,
      header: setup.header,
      watchRepeats: setup.watchRepeats,
    };
    this.worker = new Worker(new URL(import.meta.url), { workerData: init });
    this.worker.on("message", (m: FromWorker) => this.waiting.shift()?.resolve(m));
    const fail = (e: unknown) => {
      this.failure ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => {
      if (!this.closing) fail(new Error(`roster stager thread exited with code ${code}`));
    });
  }

  private send(message: ToWorker): Promise<FromWorker> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const answer = new Promise<FromWorker>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
    // A batch abandoned because the import failed elsewhere must not become an unhandled rejection.
    answer.catch(() => undefined);
    this.worker.postMessage(message);
    return answer;
  }

  async stage(records: readonly SourceRecord[]): Promise<StagedBatch> {
    const m = await this.send({ kind: "stage", records });
    if (m.kind !== "staged") throw new Error("roster stager: answers out of order");
    const t = m.batch.tuples;
    // The transferred bytes arrive as a plain Uint8Array view.
    return { ...m.batch, tuples: Buffer.from(t.buffer, t.byteOffset, t.byteLength) };
  }

  async maybeRepeated(): Promise<boolean | undefined> {
    const m = await this.send({ kind: "end" });
    if (m.kind !== "ended") throw new Error("roster stager: answers out of order");
    return m.maybeRepeated;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

if (!isMainThread && (workerData as Partial<WorkerSetup> | null)?.hmbRosterStager === true) {
  // Synchronous handler: each batch is staged and answered before the next message is looked at.
  const setup = workerData as WorkerSetup;
  const sealer = createCertnoBatchSealer({
    encryption: Buffer.from(setup.encryption),
    blindIndex: Buffer.from(setup.blindIndex),
  });
  const writer = new CopyTupleWriter();
  const repeats = setup.watchRepeats ? new RepeatWatch() : undefined;
  parentPort?.on("message", (m: ToWorker) => {
    if (m.kind === "end") {
      const answer: FromWorker = { kind: "ended", maybeRepeated: repeats?.maybeRepeated };
      parentPort?.postMessage(answer);
      return;
    }
    const batch = stageBatch(sealer, writer, setup.programId, setup.header, m.records, repeats);
    const answer: FromWorker = { kind: "staged", batch };
    parentPort?.postMessage(answer, [batch.tuples.buffer as ArrayBuffer]);
  });
}
