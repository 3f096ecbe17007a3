/**
 * Memory of the demo server (issue 11 Deliver 6): starts `hmb serve --demo` as an operator would (`npm start`),
 * in a fresh data directory, waits for the seed and the banner, and reads the server's resident set size
 * (RSS) at idle; then a short read load as the demo operator (peak RSS sampled every 50 ms); then the same
 * after a restart on the seeded directory. Prints figures (a benchmark, not a test).
 *
 *   npm run bench:memory -- [--idle-seconds 10] [--load-seconds 10] [--connections 8] [--postgres]
 *
 * Embedded PGlite by default; `--postgres` runs the server on a fresh database under TEST_DATABASE_URL or
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), dropped afterwards. Target: ≤ 300 MB at idle
 * after seeding on PGlite. Linux (reads /proc/<pid>/status).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { DEMO_NOW, DEMO_PROGRAM, demoPopulation } from "../src/services/demo-seed.js";
import { BIN, log, machine, ROOT, table } from "./common.js";
import { createDatabase, dropDatabase } from "./settle-setup.js";

/** The embedded server's resident size at idle after seeding must stay at or under this (MB). */
export const IDLE_RSS_TARGET_MB = 300;
/** How long the first start (initdb, migrations, seed of 2,000 persons) may take on a loaded machine. */
const START_TIMEOUT_MS = 600_000;
const SAMPLE_MS = 50;
const KB_PER_MB = 1024;

interface Rss {
  rssMb: number;
  hwmMb: number;
}

function rssOf(pid: number): Rss {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return {
    rssMb: Math.round(kb("VmRSS") / KB_PER_MB),
    hwmMb: Math.round(kb("VmHWM") / KB_PER_MB),
  };
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

interface Started {
  proc: ChildProcess;
  pid: number;
  seconds: number;
  output: () => string;
}

/** `node bin/hmb.js serve --demo` until its banner is printed (the seed is done and it listens). */
async function startDemo(port: number, env: NodeJS.ProcessEnv): Promise<Started> {
  const started = performance.now();
  const proc = spawn(process.execPath, [BIN, "serve", "--demo", "--port", String(port)], { cwd: ROOT, env });
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!out.includes("Ctrl-C")) {
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`hmb serve --demo did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  if (proc.pid === undefined) throw new Error("no pid");
  return { proc, pid: proc.pid, seconds: (performance.now() - started) / 1000, output: () => out };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((ok) => proc.once("exit", ok));
  proc.kill("SIGTERM");
  await exited;
}

/** Idle RSS: after `seconds` of nothing (the server has settled), the last of a few samples. */
async function idle(pid: number, seconds: number): Promise<Rss> {
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return rssOf(pid);
}

/** The demo operator's reads: program, roster, policies, ledger, oversight. */
async function readLoad(
  base: string,
  pid: number,
  seconds: number,
  connections: number,
  residentPsnNo: string,
): Promise<{ peakMb: number; afterMb: number; requests: number; non2xx: number; perSecond: number }> {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      program_id: DEMO_PROGRAM,
      username: "demo-operator",
      password: "demo-operator-2023",
    }),
  });
  if (!login.ok) throw new Error(`demo-operator login: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  const p = `/api/v1/programs/${DEMO_PROGRAM}`;
  const paths = [
    p,
    `${p}/roster/${residentPsnNo}`,
    `${p}/policies`,
    `${p}/ledger/summary`,
    `${p}/oversight/enrollment`,
    `${p}/oversight/summary`,
  ];
  let peakMb = 0;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssOf(pid).rssMb);
  }, SAMPLE_MS);
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: paths.map((path) => ({ method: "GET" as const, path })),
  });
  clearInterval(sampler);
  const after = rssOf(pid);
  return {
    peakMb: Math.max(peakMb, after.rssMb),
    afterMb: after.rssMb,
    requests: result.requests.total,
    non2xx: result.non2xx,
    perSecond: Math.round(result.requests.average),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "idle-seconds": { type: "string", default: "10" },
      "load-seconds": { type: "string", default: "10" },
      connections: { type: "string", default: "8" },
      postgres: { type: "boolean", default: false },
    },
  });
  const idleSeconds = Number(values["idle-seconds"]);
  const loadSeconds = Number(values["load-seconds"]);
  const connections = Number(values.connections);
  const dir = mkdtempSync(join(tmpdir(), "hmb-bench-memory-"));
  const admin =
    process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
  const database = values.postgres ? await createDatabase(admin, "hmb_bench_memory") : undefined;
  const backend = database === undefined ? "PGlite" : "PostgreSQL";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database?.url ?? "",
    HMB_DATA_DIR: join(dir, "pgdata"),
    HMB_NOW: DEMO_NOW,
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
  };
  const resident = (demoPopulation()[0] as { psnNo: string }).psnNo;
  const rows: string[][] = [
    ["start", "ready (s)", "idle RSS (MB)", "peak RSS (MB)", "load", "after load (MB)"],
  ];
  const figures: Record<string, unknown> = { backend, machine: machine() };
  try {
    for (const start of ["first start (empty + seed)", "restart (seeded)"]) {
      const port = await freePort();
      log(`memory: ${backend}, ${start} …`);
      const server = await startDemo(port, env);
      try {
        const ready = rssOf(server.pid);
        const atIdle = await idle(server.pid, idleSeconds);
        const load = await readLoad(
          `http://127.0.0.1:${port}`,
          server.pid,
          loadSeconds,
          connections,
          resident,
        );
        figures[start] = { readySeconds: server.seconds, ready, idle: atIdle, load };
        rows.push([
          start,
          server.seconds.toFixed(1),
          String(atIdle.rssMb),
          `${Math.max(atIdle.hwmMb, load.peakMb)} (seed/start ${atIdle.hwmMb}, load ${load.peakMb})`,
          `${load.perSecond}/s × ${loadSeconds} s, ${load.non2xx} non-2xx`,
          String(load.afterMb),
        ]);
      } finally {
        await stop(server.proc);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (database !== undefined) await dropDatabase(admin, database.name);
  }
  const first = figures["first start (empty + seed)"] as { idle: Rss } | undefined;
  process.stdout.write(`\n## Demo server memory — ${backend} (hmb serve --demo)\n\n`);
  process.stdout.write(`${table(rows)}\n\n`);
  if (database === undefined && first !== undefined)
    process.stdout.write(
      `idle RSS after seeding: ${first.idle.rssMb} MB (target ≤ ${IDLE_RSS_TARGET_MB} MB): ${
        first.idle.rssMb <= IDLE_RSS_TARGET_MB ? "met" : "NOT met"
      }\n`,
    );
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

await main();
// autocannon keeps timers alive; nothing else is left to run.
process.exit(0);
