/**
 * `hmb replay --program ID` and POST /programs/{id}/replays (issue 13 item 1): a stored program's own claims
 * replayed under candidate designs. The population is the program's issued policies (active or awaiting their
 * start, not cancelled); each design's premium is what those persons would pay under its plan (premium
 * variants by cohort, age at the design's coverage start and sex, src/domain/premium.ts). Only the enrolled
 * persons' records count (the others were never insured); a revoked settlement is not a claim (the hospital
 * withdrew it; its correction, if any, is a record of its own) but stays in the person's history, as it does
 * for the platform. The adjudication, with the person facts the live settle path uses (program years, family
 * pools, enrollment date, roster), is src/actuarial/stored-replay.ts.
 *
 * Speed (issue 13 item 2: a million claims in < 10 s): on a PostgreSQL server the persons and the records
 * stream by COPY … TO STDOUT on connections of their own, as text rows of only the columns the engine reads —
 * the stored instants and amounts, a few national fields, the whole record only when it has fee items — so
 * nothing is read row by row through the driver and no JSON document is parsed per claim. A large program is
 * replayed in worker threads (replay-worker.ts), each with a share of the persons (a family whole) and that
 * share's records; the shares' sums are the figures. Elsewhere (PGlite) the same statements run as queries,
 * in this thread.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type DesignReplay, planProblem, type ReplayDesign, type ReplayResult } from "../actuarial/replay.js";
import {
  fundColumns,
  type StoredRecord,
  StoredReplay,
  type StoredReplayPartial,
  storedReplayResult,
} from "../actuarial/stored-replay.js";
import { forEachCopyTextRow } from "../db/copy-text.js";
import type { Product } from "../domain/product.js";
import type { FundPayments } from "../domain/settlement.js";
import type { Adjudication } from "../engine/adjudicate.js";
import { workerModuleUrl } from "../platform/worker-url.js";
import { getProduct } from "../products/index.js";
import { loadProductJson, ProductLoadError } from "../products/load.js";
import { type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";
import {
  MAX_SHARES,
  parseStored,
  personsSql,
  RecordsByPerson,
  recordsSql,
  storedPerson,
  type WholeRow,
} from "./replay-rows.js";
import type { FromReplayWorker, ReplayWorkerJob, ToReplayWorker } from "./replay-worker.js";

export interface ProgramReplay {
  /** Persons enrolled (issued policies). */
  readonly insured: number;
  /** Worker threads the replay ran in; 1 when it ran in the calling thread. */
  readonly threads: number;
  readonly result: ReplayResult;
}

/** Program ids are slugs (programs.ts); checked again before one is written into a COPY statement. */
const SAFE_PROGRAM_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Settings of the two bulk reads. Memory for sorting a program's records by person in one pass: a million rows
 * of the few columns read take ~300 MB; sorted on disk instead (the default 4 MB) the statement takes twice the
 * time. No nested loops: a replay reads whole programs, but on tables nobody has analyzed since their bulk
 * loads (a roster import, an enrollment campaign — PostgreSQL's autovacuum may be off or not yet round) the
 * planner takes a program's half million policies for ten rows and joins the roster to them one index probe at
 * a time (4.4 s instead of 1 s); a hash join is right for any size a replay reads.
 */
const BULK_READ_SETTINGS = { work_mem: "512MB", enable_nestloop: "off" };

/** Calls `row` with every row of a stream of COPY text chunks, or of `sql` queried (PGlite). */
async function forEachRow(
  ctx: PlatformContext,
  source: AsyncIterable<Buffer> | string,
  row: (columns: (string | null)[]) => void,
): Promise<void> {
  if (typeof source !== "string") return forEachCopyTextRow(source, row);
  const rows = await ctx.db.query<Record<string, string | null>>(source);
  for (const r of rows) row(Object.values(r));
}

/**
 * The records' COPY, started now: PostgreSQL scans and sorts the program's records (most of its part of the
 * work, and nothing reaches the client before the sort ends) while the persons stream in on another connection.
 * Without COPY (PGlite) the statement itself, queried when read.
 */
function startRecords(
  ctx: PlatformContext,
  sql: string,
): { source: AsyncIterable<Buffer> | string; stop(): void } {
  if (ctx.db.copyOut === undefined) return { source: sql, stop: () => undefined };
  const chunks = ctx.db.copyOut(sql, BULK_READ_SETTINGS)[Symbol.asyncIterator]();
  const first = chunks.next();
  // Read below, or abandoned with stop() when the persons fail first: never an unhandled rejection.
  first.catch(() => undefined);
  let taken = false;
  return {
    source: {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          if (taken) return chunks.next();
          taken = true;
          return first;
        },
        return: async () => (await chunks.return?.()) ?? { done: true, value: undefined },
      }),
    },
    stop: () => {
      // The generator ends its COPY and drops the connection (postgres.ts) once its pending chunk is in.
      void first.then(() => chunks.return?.()).catch(() => undefined);
    },
  };
}

/** Worker threads of a parallel replay by default at most (each takes a share of the persons and their records). */
const MAX_REPLAY_THREADS = 4;
/** Below this many records a replay runs in one thread: starting workers would cost more than it saves. */
const PARALLEL_MIN_RECORDS = 100_000;

export interface ProgramReplayOptions {
  /**
   * Worker threads (PostgreSQL only; 1 = in this thread). By default every core up to MAX_REPLAY_THREADS when
   * the program has PARALLEL_MIN_RECORDS records or more, else 1.
   */
  readonly threads?: number | undefined;
}

/**
 * Throws ServiceError not_found for an unknown program. `onClaim` is told each claim's adjudication under
 * each design (StoredReplay); it runs the replay in this thread.
 */
export async function programReplay(
  ctx: PlatformContext,
  programId: string,
  designs: readonly ReplayDesign[],
  onClaim?: (design: number, a: Adjudication) => void,
  options: ProgramReplayOptions = {},
): Promise<ProgramReplay> {
  await loadProgram(ctx, programId);
  if (!SAFE_PROGRAM_ID.test(programId)) throw new Error(`program id ${programId} is not a slug`);
  const program = `'${programId}'`;
  const funds = fundColumns(designs);
  if (ctx.db.copyOut !== undefined && onClaim === undefined) {
    // Shares are told apart by one digit (replay-rows.ts): more threads than that are not asked of the database.
    const threads = Math.min(options.threads ?? (await defaultThreads(ctx, programId)), MAX_SHARES);
    if (threads > 1) {
      const parallel = await parallelReplay(ctx, program, designs, funds, threads);
      // undefined: a record must be read whole, which the workers cannot do; the replay in one thread can.
      if (parallel !== undefined) return parallel;
    }
  }
  const replay = new StoredReplay(designs, onClaim);
  // Persons first, then the records by person: each person is adjudicated as soon as their last record is in.
  const records = startRecords(ctx, recordsSql(program, funds));
  try {
    const persons =
      ctx.db.copyOut === undefined
        ? personsSql(program)
        : ctx.db.copyOut(personsSql(program), BULK_READ_SETTINGS);
    await forEachRow(ctx, persons, (c) => replay.addPerson(storedPerson(c)));
  } catch (e) {
    records.stop();
    throw e;
  }
  const byPerson = new RecordsByPerson(replay, funds);
  await forEachRow(ctx, records.source, byPerson.row);
  byPerson.end();
  if (byPerson.whole.length > 0) await addWhole(ctx, programId, byPerson.whole, replay);
  return { insured: replay.insured, threads: 1, result: replay.finish() };
}

/** Cores up to MAX_REPLAY_THREADS for a program of PARALLEL_MIN_RECORDS records or more. */
async function defaultThreads(ctx: PlatformContext, programId: string): Promise<number> {
  const cores = Math.min(availableParallelism(), MAX_REPLAY_THREADS);
  if (cores < 2) return 1;
  // Counts no further than the threshold: a bounded look at the primary key, whatever the program's size.
  const rows = await ctx.db.query<{ large: boolean }>(
    "select count(*) >= $2 as large from (select 1 from medical_records where program_id = $1 limit $2) r",
    [programId, PARALLEL_MIN_RECORDS],
  );
  return rows[0]?.large === true ? cores : 1;
}

/**
 * COPY text rows that end with their share's digit (personsSql, recordsSql with shares), handed on share by share: a
 * chunk's complete rows as one buffer per share, in order; a row cut by the chunk's end waits for the next.
 * Bytes only, never decoded: a row cannot hold a raw newline (COPY escapes it), nor can a UTF-8 character.
 */
class RowsByShare {
  private rest: Buffer = Buffer.alloc(0);
  constructor(private readonly shares: number) {}

  route(chunk: Buffer, to: (share: number, rows: Buffer) => void): void {
    const data = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const parts: Buffer[][] = Array.from({ length: this.shares }, () => []);
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end >= 0; end = data.indexOf(NEWLINE, start)) {
      const share = (data[end - 1] as number) - DIGIT_ZERO;
      const part = parts[share];
      if (part === undefined) throw new Error(`replay row without its share: ${data.subarray(start, end)}`);
      part.push(data.subarray(start, end + 1));
      start = end + 1;
    }
    this.rest = Buffer.from(data.subarray(start));
    parts.forEach((rows, share) => {
      if (rows.length > 0) to(share, Buffer.concat(rows));
    });
  }
}

const NEWLINE = 0x0a;
const DIGIT_ZERO = 0x30;

/**
 * The replay in `threads` worker threads, each given one share of the persons (a family whole) and their
 * records. One COPY of the persons and one of the records (started first: PostgreSQL scans and sorts the
 * records while the persons stream), each row routed by the share it ends with; the workers decode and
 * adjudicate side by side, and the sums of the shares are the replay's figures (storedReplayResult).
 * Undefined when a record must be read whole.
 */
async function parallelReplay(
  ctx: PlatformContext,
  program: string,
  designs: readonly ReplayDesign[],
  funds: readonly (keyof FundPayments)[],
  threads: number,
): Promise<ProgramReplay | undefined> {
  const copyOut = ctx.db.copyOut as NonNullable<PlatformContext["db"]["copyOut"]>;
  const job: ReplayWorkerJob = { designs, funds };
  const workers = Array.from(
    { length: threads },
    () => new Worker(workerModuleUrl("./replay-worker.js", import.meta.url), { workerData: job }),
  );
  const answers = workers.map((worker) => {
    const answer = new Promise<FromReplayWorker>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`replay worker exited with ${code}`)));
    });
    answer.catch(() => undefined);
    return answer;
  });
  const send = (worker: Worker, m: ToReplayWorker) => worker.postMessage(m);
  /** A COPY's rows, each to its share's worker. */
  const route = async (chunks: AsyncIterable<Buffer>, kind: "persons" | "records") => {
    const rows = new RowsByShare(threads);
    for await (const chunk of chunks)
      rows.route(chunk, (index, part) => send(workers[index] as Worker, { kind, chunk: part }));
  };
  const records = startRecords(ctx, recordsSql(program, funds, threads));
  try {
    try {
      await route(copyOut(personsSql(program, threads), BULK_READ_SETTINGS), "persons");
    } catch (e) {
      records.stop();
      throw e;
    }
    await route(records.source as AsyncIterable<Buffer>, "records");
    for (const worker of workers) send(worker, { kind: "end" });
    const partials: StoredReplayPartial[] = [];
    for (const a of await Promise.all(answers)) {
      if (a.kind === "whole") return undefined;
      partials.push(a.partial);
    }
    return {
      insured: partials.reduce((sum, p) => sum + p.insured, 0),
      threads,
      result: storedReplayResult(designs, partials),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Records read whole and parsed as the platform parsed them (rows storedSettlement could not decode). */
async function addWhole(
  ctx: PlatformContext,
  programId: string,
  rows: readonly WholeRow[],
  replay: StoredReplay,
): Promise<void> {
  const revoked = new Map(rows.map((r) => [r.setlId, r.revoked]));
  const records = await ctx.db.query<{ setl_id: string; record: string }>(
    "select setl_id, record::text as record from medical_records where program_id = $1 and setl_id = any($2::text[])",
    [programId, [...revoked.keys()]],
  );
  for (const r of records) {
    const settlement = parseStored(r.record);
    // Stored records were valid when they came in: one that no longer parses is the platform's fault.
    if (settlement === undefined)
      throw new Error(`stored record ${r.setl_id} of ${programId} no longer parses`);
    const record: StoredRecord = { settlement, revoked: revoked.get(r.setl_id) === true };
    replay.addRecord(record);
  }
}

/** A design as the API names it: a library product id or an inline product file, and a plan. */
export interface DesignInput {
  readonly product_id?: string | undefined;
  readonly product?: Record<string, unknown> | undefined;
  readonly plan: string;
  readonly label?: string | undefined;
}

/**
 * POST /programs/{id}/replays: the designs resolved (every mistake a ServiceError naming designs[i].…), then
 * programReplay. Stored records were valid when they came in, so a refused one is the platform's fault.
 */
export async function replayProgram(
  ctx: PlatformContext,
  programId: string,
  inputs: readonly DesignInput[],
): Promise<{ insured: number; designs: readonly DesignReplay[] }> {
  const designs = inputs.map((input, i) => resolveDesign(input, `designs[${i}]`));
  const { insured, result } = await programReplay(ctx, programId, designs);
  if (!result.ok)
    throw new Error(`stored records of ${programId} no longer parse: ${JSON.stringify(result.errors)}`);
  return { insured, designs: result.designs };
}

function resolveDesign(input: DesignInput, field: string): ReplayDesign {
  const invalid = (message: string, at: string) => new ServiceError("invalid", "invalid_value", message, at);
  if ((input.product_id === undefined) === (input.product === undefined))
    throw invalid("product_id 与 product 必须且只能给一个", field);
  let product: Product;
  if (input.product !== undefined) {
    try {
      product = loadProductJson(input.product);
    } catch (e) {
      if (e instanceof ProductLoadError) throw invalid(e.message, `${field}.product`);
      throw e;
    }
  } else {
    try {
      product = getProduct(input.product_id as string);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : String(e), `${field}.product_id`);
    }
  }
  const problem = planProblem(product, input.plan);
  if (problem !== undefined) throw invalid(problem, `${field}.plan`);
  return { label: input.label ?? `${product.id}:${input.plan}`, product, planId: input.plan };
}
