/**
 * The real server as a child process (`node bin/hmb.js serve`), for tests that crash it: start on a free
 * port and wait for /healthz, stop with SIGTERM, or kill -9. Plus a throwaway PostgreSQL database on the
 * TEST_DATABASE_URL server that outlives one process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import pg from "pg";
import { BIN, ROOT } from "./cli.js";

export function freePort(): Promise<number> {
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

export interface ServerProcess {
  readonly base: string;
  readonly pid: number;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** kill -9: no shutdown hooks, in-flight requests cut. Resolves when the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM: the server closes and exits 0. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startServer(
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const port = await freePort();
  const proc: ChildProcess = spawn(
    process.execPath,
    [BIN, "serve", "--port", String(port), "--host", "127.0.0.1"],
    {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: "", HMB_DATA_DIR: "", LOG_LEVEL: "warn", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  proc.stderr?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const exited = new Promise<number | null>((ok) => proc.once("exit", (code) => ok(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`hmb serve exited (${proc.exitCode ?? proc.signalCode}) before answering:\n${out}`);
    const health = await fetch(`${base}/healthz`).catch(() => undefined);
    if (health?.ok) break;
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`hmb serve did not answer /healthz:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = proc.pid as number;
  return {
    base,
    pid,
    output: () => out,
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) process.kill(pid, "SIGKILL");
      await exited;
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}

/** A fresh database on the TEST_DATABASE_URL server, kept across server processes until `drop`. */
export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.TEST_DATABASE_URL as string;
  const name = `hmb_crash_${randomBytes(6).toString("hex")}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`create database ${name}`);
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => run(`drop database if exists ${name} with (force)`) };
}
