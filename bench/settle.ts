/**
 * One-stop settlement load benchmark (issue 4 §9, DESIGN §8): signed settlements over loopback HTTP against
 * a real `hmb serve` child process on PostgreSQL with durable commit, beside pgbench's TPS on the same
 * server in the same run.
 *
 *   npm run bench:settle -- [--requests 20000] [--warmup 2000] [--connections 16] [--persons 5000]
 *                           [--pgbench-seconds 15] [--log-statements]
 *
 * PostgreSQL: TEST_DATABASE_URL or DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); fresh
 * databases are created for the run and dropped after it. Targets: ≥ 1,000 settlements/s, p99 ≤ 50 ms,
 * ≥ 0.5 × pgbench TPS, server RSS ≤ 300 MB. Prints a markdown table, writes bench/results/settle.json.
 *
 * The program is set up as an operator would (roster import, one enrollment per unit, the server started
 * into the coverage year) and the run takes no statistics by hand: it measures the plans a live program gets.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import autocannon from "autocannon";
import pg from "pg";
import { openDatabase } from "../src/db/open.js";
import { checkLedger } from "../src/services/ledger.js";
import { BIN, count, formatJson, log, machine, ROOT } from "./common.js";
import {
  adminQuery,
  BENCH_PROGRAM,
  type BenchFixture,
  createDatabase,
  dropDatabase,
  SERVER_NOW,
  type SignedRequest,
  seedBenchProgram,
  signedSettlements,
} from "./settle-setup.js";

export const SETTLE_TARGETS = {
  perSecond: 1_000,
  p99Ms: 50,
  pgbenchRatio: 0.5,
  rssMB: 300,
} as const;

const RESULTS = join(ROOT, "bench", "results", "settle.json");

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  return value === undefined ? fallback : Number(value);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `hmb serve` and resolves once it listens. */
async function startServer(
  fixture: BenchFixture,
  port: number,
  env: Record<string, string>,
): Promise<ChildProcess> {
  // For profiling the server alone, e.g. SETTLE_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.SETTLE_SERVER_NODE_ARGS ?? "").split(" ").filter((a) => a !== "");
  const child = spawn(
    process.execPath,
    [...nodeArgs, BIN, "serve", "--port", String(port), "--host", "127.0.0.1"],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        DATABASE_URL: fixture.url,
        HMB_DATA_KEY: fixture.dataKeyBase64,
        HMB_NOW: SERVER_NOW,
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const onData = (chunk: Buffer) => {
      out += chunk.toString("utf8");
      if (out.includes("hmb serving on")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`hmb serve exited with ${code} before listening: ${out}`)));
  });
  return child;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** CPU time of a process so far in ms: user and system. */
function cpuOf(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of stat(5): 12th and 13th after the command name, in ticks.
    const tick = 1000 / 100;
    return { user: Number(fields[11]) * tick, system: Number(fields[12]) * tick };
  } catch {
    return { user: 0, system: 0 }; // the process is gone
  }
}

/** PostgreSQL backends serving a database (the server's pool). */
async function backendsOf(admin: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const rows = await client.query<{ pid: number }>(
      "select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [database],
    );
    return rows.rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** Resident set size of a process in kB: current (VmRSS) and the kernel's high-water mark (VmHWM). */
function rssOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssKb: field("VmRSS"), hwmKb: field("VmHWM") };
}

interface LoadFigures {
  requests: number;
  connections: number;
  seconds: number;
  perSecond: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  rssPeakMB: number;
  rssHighWaterMB: number;
  rssAfterMB: number;
  /** CPU time per settlement (user + system) of the HTTP process and of its PostgreSQL backends. */
  cpuMsPerSettlement: { server: number; serverSystem: number; postgres: number; client: number };
}

/** Sends every request once over `connections` keep-alive connections, sampling the server's RSS. */
async function load(
  url: string,
  requests: SignedRequest[],
  connections: number,
  pid: number,
  backends: () => Promise<number[]>,
): Promise<LoadFigures> {
  let next = 0;
  let peakKb = 0;
  const sampler = setInterval(() => {
    peakKb = Math.max(peakKb, rssOf(pid).rssKb);
  }, 50);
  const cpuBefore = cpuOf(pid);
  const clientBefore = process.cpuUsage();
  const pgBefore = new Map((await backends()).map((b) => [b, cpuOf(b)]));
  const started = performance.now();
  let lastResponse = started;
  const options: autocannon.Options = {
    url,
    connections,
    amount: requests.length,
    timeout: 30,
    requests: [
      {
        method: "POST",
        setupRequest: (request) => {
          const r = requests[next++ % requests.length] as SignedRequest;
          return { ...request, method: "POST", body: r.body, headers: r.headers };
        },
      },
    ],
  };
  // autocannon notices the last response only at its next one-second sample: time the run to that response,
  // not to the end of the sample (up to a second more, ~6 % of a 20,000-settlement run).
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(options, (err, r) => (err ? reject(err) : resolve(r)));
    run.on("response", () => {
      lastResponse = performance.now();
    });
  });
  const seconds = (lastResponse - started) / 1000;
  clearInterval(sampler);
  const cpuAfter = cpuOf(pid);
  const client = process.cpuUsage(clientBefore);
  let pgMs = 0;
  for (const b of await backends()) {
    const now = cpuOf(b);
    const then = pgBefore.get(b) ?? { user: 0, system: 0 };
    pgMs += now.user + now.system - then.user - then.system;
  }
  const perOk = (ms: number) => Math.round((ms / Math.max(1, result["2xx"])) * 1000) / 1000;
  const rss = rssOf(pid);
  peakKb = Math.max(peakKb, rss.rssKb);
  const ok = result["2xx"];
  return {
    requests: requests.length,
    connections,
    seconds: Math.round(seconds * 1000) / 1000,
    perSecond: Math.round(ok / seconds),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Math.round(result.latency.mean * 100) / 100,
    },
    rssPeakMB: Math.round(peakKb / 1024),
    rssHighWaterMB: Math.round(rss.hwmKb / 1024),
    rssAfterMB: Math.round(rss.rssKb / 1024),
    cpuMsPerSettlement: {
      server: perOk(cpuAfter.user + cpuAfter.system - cpuBefore.user - cpuBefore.system),
      serverSystem: perOk(cpuAfter.system - cpuBefore.system),
      postgres: perOk(pgMs),
      client: perOk((client.user + client.system) / 1000),
    },
  };
}

const run = promisify(execFile);

/** pgbench -i then a TPC-B-like run on a database of its own on the same server. */
async function pgbench(
  admin: string,
  clients: number,
  threads: number,
  seconds: number,
): Promise<{ tps: number; scale: number; clients: number; threads: number; seconds: number }> {
  const db = await createDatabase(admin, "hmb_bench_pgbench");
  const scale = Math.max(clients, 10);
  try {
    await run("pgbench", ["-i", "-q", "-s", String(scale), db.url], { maxBuffer: 1 << 24 });
    const { stdout } = await run(
      "pgbench",
      ["-c", String(clients), "-j", String(threads), "-T", String(seconds), db.url],
      { maxBuffer: 1 << 24 },
    );
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
    if (tps === undefined) throw new Error(`pgbench printed no tps:\n${stdout}`);
    return { tps: Math.round(Number(tps)), scale, clients, threads, seconds };
  } finally {
    await dropDatabase(admin, db.name);
  }
}

/** What the server's sessions get: the commit must be durable for the figure to count. */
async function durability(
  url: string,
): Promise<{ synchronousCommit: string; fsync: string; autovacuum: string; server: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const show = async (name: string) =>
      String((await client.query(`show ${name}`)).rows[0]?.[name] ?? "unknown");
    return {
      synchronousCommit: await show("synchronous_commit"),
      fsync: await show("fsync"),
      autovacuum: await show("autovacuum"),
      server: await show("server_version"),
    };
  } finally {
    await client.end();
  }
}

/** Tables of the settle path whose statistics the run is about (see main). */
const SETTLE_TABLES = ["claims", "medical_records", "policy_accumulators", "policies"];

/**
 * Settlements the server actually stored, whether the ledger balances after the load, and which settle-path
 * tables had been analyzed by then (by anyone: the services, autovacuum) — none of claims' and medical
 * records' statistics come from the benchmark.
 */
async function storedFigures(
  url: string,
): Promise<{ claims: number; paid: number; ledgerOk: boolean; analyzed: string[] }> {
  const db = await openDatabase({ url });
  try {
    const rows = await db.query<{ claims: number; paid: number }>(
      `select count(*)::int as claims, count(*) filter (where hmb_pay_fen > 0)::int as paid
         from claims where program_id = $1`,
      [BENCH_PROGRAM],
    );
    const check = await checkLedger(db, BENCH_PROGRAM);
    const analyzed = await db.query<{ relname: string }>(
      `select relname from pg_stat_user_tables
        where relname = any($1) and analyze_count + autoanalyze_count > 0 order by relname`,
      [SETTLE_TABLES],
    );
    return {
      claims: rows[0]?.claims ?? 0,
      paid: rows[0]?.paid ?? 0,
      ledgerOk: check.ok,
      analyzed: analyzed.map((r) => r.relname),
    };
  } finally {
    await db.close();
  }
}

const yes = (ok: boolean) => (ok ? "met" : "missed");

async function main(): Promise<void> {
  const requests = arg("requests", 20_000);
  const connections = arg("connections", 16);
  const persons = arg("persons", 5_000);
  const warmup = arg("warmup", 2_000);
  const pgbenchSeconds = arg("pgbench-seconds", 15);
  const admin =
    process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
  const m = machine();
  const db = await createDatabase(admin, "hmb_bench_settle");
  let server: ChildProcess | undefined;
  try {
    const durable = await durability(db.url);
    log(
      `PostgreSQL ${durable.server}: synchronous_commit=${durable.synchronousCommit}, fsync=${durable.fsync}`,
    );
    if (durable.synchronousCommit !== "on" || durable.fsync !== "on")
      throw new Error("the benchmark needs durable commit (synchronous_commit=on, fsync=on)");

    if (process.argv.includes("--log-statements")) {
      // Diagnosis: every statement of the run, with its duration, in the server's log.
      await adminQuery(admin, `alter database ${db.name} set log_min_duration_statement = 0`);
      log(`logging every statement of database ${db.name}`);
    }

    log(`seeding ${count(persons)} insured persons …`);
    const fixture = await seedBenchProgram(db.url, persons);
    log(`seeded in ${fixture.seedSeconds.toFixed(1)} s`);

    // No ANALYZE by hand: the server starts into the coverage year on whatever statistics the services took
    // after their own bulk loads (the roster import analyzes its partition), as a live program does right
    // after its enrollment campaign; claims and medical records start empty and are never analyzed during
    // the run (autovacuum is off on the CI server). The plans must be right without them (migration 015).
    const port = await freePort();
    server = await startServer(fixture, port, {});
    const pid = server.pid as number;
    const url = `http://127.0.0.1:${port}/api/v1/programs/${BENCH_PROGRAM}/settlements`;

    log(`warm-up: ${count(warmup)} settlements …`);
    const backends = () => backendsOf(admin, db.name);
    const warm = await load(url, signedSettlements(fixture, warmup, "W", 1), connections, pid, backends);
    if (warm.ok !== warmup) throw new Error(`warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors`);

    log(`load: ${count(requests)} settlements over ${connections} connections …`);
    const figures = await load(url, signedSettlements(fixture, requests, "S", 2), connections, pid, backends);
    await stopServer(server);
    server = undefined;
    if (figures.ok !== requests)
      throw new Error(
        `load: ${figures.non2xx} non-2xx, ${figures.errors} errors, ${figures.timeouts} timeouts`,
      );
    const stored = await storedFigures(db.url);
    if (stored.claims !== requests + warmup || !stored.ledgerOk)
      throw new Error(
        `stored ${stored.claims} claims (expected ${requests + warmup}), ledger ok ${stored.ledgerOk}`,
      );

    log(`pgbench: -c 8 -j 2 -T ${pgbenchSeconds} …`);
    const bench = await pgbench(admin, 8, 2, pgbenchSeconds);
    const ratio = Math.round((figures.perSecond / bench.tps) * 100) / 100;
    const rssMB = Math.max(figures.rssPeakMB, figures.rssHighWaterMB);

    // What the measured CPU per settlement (server + PostgreSQL + load generator) allows on this machine's
    // cores with nothing else running: an estimate, for runs on a shared (busy) machine.
    const cpu = figures.cpuMsPerSettlement;
    const cpuCeiling = Math.round((m.nproc * 1000) / (cpu.server + cpu.postgres + cpu.client));
    const met = {
      throughput: figures.perSecond >= SETTLE_TARGETS.perSecond,
      p99: figures.latencyMs.p99 <= SETTLE_TARGETS.p99Ms,
      pgbenchRatio: ratio >= SETTLE_TARGETS.pgbenchRatio,
      rss: rssMB <= SETTLE_TARGETS.rssMB,
    };
    const result = {
      date: new Date().toISOString(),
      machine: m,
      postgres: { ...durable, serverPool: Number(process.env.HMB_DB_POOL || 0) || 10 },
      setup: { persons, warmup, seedSeconds: Math.round(fixture.seedSeconds * 10) / 10 },
      targets: SETTLE_TARGETS,
      settle: { ...figures, stored },
      pgbench: bench,
      ratio,
      cpuCeilingPerSecond: cpuCeiling,
      loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
      met,
    };
    writeFileSync(RESULTS, `${formatJson(result)}\n`);

    const rows = [
      ["figure", "value", "target", ""],
      [
        "settlements/s",
        count(figures.perSecond),
        `≥ ${count(SETTLE_TARGETS.perSecond)}`,
        yes(met.throughput),
      ],
      ["latency p50", `${figures.latencyMs.p50} ms`, "", ""],
      ["latency p99", `${figures.latencyMs.p99} ms`, `≤ ${SETTLE_TARGETS.p99Ms} ms`, yes(met.p99)],
      [
        "CPU per settlement: server (system) / PostgreSQL / load generator",
        `${figures.cpuMsPerSettlement.server} (${figures.cpuMsPerSettlement.serverSystem}) / ${figures.cpuMsPerSettlement.postgres} / ${figures.cpuMsPerSettlement.client} ms`,
        "",
        "",
      ],
      [`CPU ceiling on ${m.nproc} idle cores (estimate)`, `${count(cpuCeiling)}/s`, "", ""],
      ["server RSS, peak", `${rssMB} MB`, `≤ ${SETTLE_TARGETS.rssMB} MB`, yes(met.rss)],
      [`pgbench TPS (TPC-B, -s ${bench.scale} -c 8 -j 2 -T ${bench.seconds})`, count(bench.tps), "", ""],
      [
        "settlements/s ÷ pgbench TPS",
        ratio.toFixed(2),
        `≥ ${SETTLE_TARGETS.pgbenchRatio}`,
        yes(met.pgbenchRatio),
      ],
    ];
    const md = [
      `| ${rows[0]?.join(" | ")} |`,
      `|${rows[0]?.map(() => "---").join("|")}|`,
      ...rows.slice(1).map((r) => `| ${r.join(" | ")} |`),
    ].join("\n");
    process.stdout.write(
      `\nOne-stop settlement over HTTP on ${m.cpu}, ${m.nproc} CPUs, Node ${m.node}; PostgreSQL ${durable.server}, synchronous_commit=${durable.synchronousCommit}, autovacuum=${durable.autovacuum}; tables analyzed before the run's end: ${stored.analyzed.join(", ") || "none"}; load average ${m.loadAverageAtStart[0]} at start, ${result.loadAverageAtEnd[0]} at end\n` +
        `${count(requests)} signed settlements (after ${count(warmup)} warm-up) over ${connections} connections, ${count(persons)} insured persons; ${count(stored.paid)} of the ${count(stored.claims)} stored claims paid, ledger balanced\n\n${md}\n\nResults: ${RESULTS.slice(ROOT.length + 1)}\n`,
    );
  } finally {
    if (server !== undefined) await stopServer(server);
    await dropDatabase(admin, db.name);
  }
}

await main();
// autocannon keeps timers alive; nothing else is left to run.
process.exit(process.exitCode ?? 0);
