/**
 * A stored program's replay at scale (issue 13 item 2: `hmb replay --program ID` over 1 M claims in < 10 s).
 *
 *   node dist/bench/program-replay.js <settlements.jsonl> [--claims 1000000] [--designs 2] [--keep]
 *
 * Needs PostgreSQL: TEST_DATABASE_URL or DATABASE_URL (a fresh database is created and dropped after). Loads a
 * 文山 2023 program: a roster and active policies for the persons of the file (server-side INSERT … SELECT;
 * the synthetic psn_no is 532600 + a 10-digit number), then the file's first `claims` settlements COPYed
 * into medical_records as the platform stores them. Then times programReplay (src/services/replay.ts) — the
 * query, the premiums and the adjudication of every record under each design — as `hmb replay --program`
 * runs it. Prints one JSON line with the figures; bench/run.ts's `adjudicate` target calls it.
 */
import { randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { loadavg } from "node:os";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { ReplayDesign } from "../src/actuarial/replay.js";
import { fixedClock } from "../src/platform/clock.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { getProduct } from "../src/products/index.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import { programReplay } from "../src/services/replay.js";
import { log } from "./common.js";

export const PROGRAM_REPLAY_TARGET_SECONDS = 10;
const PROGRAM = "bench-replay";
const PRODUCT = "wenshan-2023";
const DESIGNS = ["wenshan-2023:standard", "wenshan-2024-draft:standard"];

export interface ProgramReplayFigures {
  claims: number;
  persons: number;
  designs: number;
  loadSeconds: number;
  replaySeconds: number[];
  /** This process's CPU time per run (the database server's is not counted): the machine is shared. */
  replayCpuSeconds: number[];
  /** os.loadavg() (1, 5, 15 min) after the last run. */
  loadAverage: number[];
}

const ROSTER_SQL = `
  insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
    insutype, admdvs)
  select $1, '532600' || lpad(i::text, 10, '0'), '\\x00'::bytea, int8send(i), '5326**********0000', '测试',
         case when i % 2 = 0 then '1' else '2' end, date '1935-01-01' + (abs(hashint8(i)) % 30000)::int, '390',
         '532601'
    from (select distinct substr(psn_no, 7)::bigint as i from medical_records where program_id = $1) p`;

const POLICY_SQL = `
  insert into policies (program_id, policy_no, psn_no, plan_id, enrollment_id, enrollment_kind, relation,
    payer_psn_no, premium_fen, premium_rule, status, coverage_start, coverage_end, verification_code,
    paid_order_no, paid_channel, issued_at, created_at)
  select $1, $1 || '-' || lpad(i::text, 8, '0'), '532600' || lpad(i::text, 10, '0'), 'standard', 'EN' || i,
         'individual', 'self', '532600' || lpad(i::text, 10, '0'), 6900, 'flat', 'active',
         timestamptz '2023-09-01 00:00+08', timestamptz '2024-09-01 00:00+08', upper(substr(md5(i::text), 1, 16)),
         'O' || i, 'offline', timestamptz '2023-08-01 00:00+08', timestamptz '2023-08-01 00:00+08'
    from (select distinct substr(psn_no, 7)::bigint as i from medical_records where program_id = $1) p`;

const csv = (s: string) => `"${s.replaceAll('"', '""')}"`;
const beijing = (t: unknown) => `${String(t)}+08`;

/** medical_records rows as CSV, from the file's first `max` lines; counts the highest person number. */
async function* recordRows(path: string, max: number, stats: { claims: number; maxPerson: number }) {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (stats.claims >= max) break;
    if (line === "") continue;
    const r = JSON.parse(line) as Record<string, unknown>;
    const psnNo = String(r.psn_no);
    stats.maxPerson = Math.max(stats.maxPerson, Number(psnNo.slice(6)));
    stats.claims++;
    const { certno: _, ...stored } = r;
    const part = Math.round(Number(r.psn_part_amt) * 100);
    yield `${[
      PROGRAM,
      csv(String(r.setl_id)),
      psnNo,
      String(r.fixmedins_code),
      "bureau",
      String(r.med_type),
      beijing(r.begntime),
      beijing(r.setl_time),
      r.dise_codg === undefined ? "" : csv(String(r.dise_codg)),
      csv("{}"),
      String(part),
      csv(JSON.stringify(stored)),
      "bench",
      "2024-09-01 00:00+08",
    ].join(",")}\n`;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function runProgramReplayBench(options: {
  file: string;
  claims: number;
  designs: number;
  runs: number;
  keep: boolean;
}): Promise<ProgramReplayFigures> {
  const admin = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (admin === undefined || admin === "") throw new Error("program replay bench needs TEST_DATABASE_URL");
  const name = `hmb_bench_replay_${randomBytes(5).toString("hex")}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`create database ${name}`);
  const url = withDatabase(admin, name);
  const ctx = await openPlatform({
    url,
    keys: deriveKeys(randomBytes(32)),
    clock: fixedClock(new Date("2023-08-15T10:00:00+08:00")),
  });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const t0 = performance.now();
    log("program replay bench: program …");
    await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: PRODUCT });
    log("program replay bench: medical_records …");
    const stats = { claims: 0, maxPerson: 0 };
    const copy = client.query(
      copyFrom(
        `copy medical_records (program_id, setl_id, psn_no, fixmedins_code, source, med_type, admitted_at,
           settled_at, diagnosis_code, funds, psn_part_amt_fen, record, content_hash, received_at)
         from stdin with (format csv)`,
      ),
    );
    await pipeline(Readable.from(recordRows(options.file, options.claims, stats)), copy);
    log(`program replay bench: ${stats.claims} records; roster and policies …`);
    // The oversight rollups are not what is timed: their triggers stay off during the load.
    await client.query("alter table roster_persons disable trigger oversight_roster_insert");
    await client.query("alter table policies disable trigger oversight_policies");
    await client.query(ROSTER_SQL, [PROGRAM]);
    await client.query(POLICY_SQL, [PROGRAM]);
    await client.query("alter table roster_persons enable trigger oversight_roster_insert");
    await client.query("alter table policies enable trigger oversight_policies");
    const loadSeconds = (performance.now() - t0) / 1000;
    const designs: ReplayDesign[] = DESIGNS.slice(0, options.designs).map((label) => {
      const [product, planId] = label.split(":") as [string, string];
      return { label, product: getProduct(product), planId };
    });
    const replaySeconds: number[] = [];
    const replayCpuSeconds: number[] = [];
    for (let r = 0; r < options.runs; r++) {
      log(`program replay bench: loaded in ${loadSeconds.toFixed(1)} s; programReplay …`);
      const t = performance.now();
      const cpu = process.cpuUsage();
      const { result } = await programReplay(ctx, PROGRAM, designs);
      replaySeconds.push(Math.round(performance.now() - t) / 1000);
      const used = process.cpuUsage(cpu);
      replayCpuSeconds.push(Math.round((used.user + used.system) / 1000) / 1000);
      if (!result.ok) throw new Error(`program replay refused: ${JSON.stringify(result.errors)}`);
      if (result.designs[0]?.claims !== stats.claims)
        throw new Error(`program replay counted ${result.designs[0]?.claims} of ${stats.claims} claims`);
    }
    return {
      claims: stats.claims,
      persons: stats.maxPerson,
      designs: designs.length,
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      replaySeconds,
      replayCpuSeconds,
      loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    };
  } finally {
    await client.end();
    await ctx.db.close();
    if (!options.keep) await adminClient.query(`drop database ${name}`);
    await adminClient.end();
  }
}

// As a script: node dist/bench/program-replay.js <file> [--claims N] [--designs N] [--keep]
if (process.argv[1]?.endsWith("program-replay.js")) {
  const arg = (flag: string, fallback: string) => {
    const i = process.argv.indexOf(flag);
    return i < 0 ? fallback : (process.argv[i + 1] ?? fallback);
  };
  const file = process.argv[2];
  if (file === undefined) throw new Error("usage: program-replay.js <settlements.jsonl> [--claims N]");
  const figures = await runProgramReplayBench({
    file,
    claims: Number(arg("--claims", "1000000")),
    designs: Number(arg("--designs", "2")),
    runs: Number(arg("--runs", "1")),
    keep: process.argv.includes("--keep"),
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}
