/** Running the built `hmb` binary from tests: build once per test file, then spawn `node bin/hmb.js …`. */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "hmb.js");

/** Newest modification time under `dir` (recursive), for "is the build older than its sources?". */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The server and CLI sources the build compiles (tsconfig.json `include`). */
const COMPILED_SOURCES = ["src", "bench"] as const;

/**
 * True when every named output exists and is newer than every compiled source. `npm test` compiles with
 * `tsc -p tsconfig.json` (which emits to dist) before vitest starts, and the global setup builds once more
 * when needed, so a test file almost never has to build: 20 files each running `npm run build` used to cost
 * a third of the suite's time.
 */
function builtAndFresh(outputs: readonly string[]): boolean {
  const paths = outputs.map((o) => join(ROOT, o));
  if (!paths.every((p) => existsSync(p))) return false;
  const oldestOutput = Math.min(...paths.map((p) => statSync(p).mtimeMs));
  const newestSource = Math.max(...COMPILED_SOURCES.map((d) => newestMtime(join(ROOT, d))));
  return oldestOutput >= newestSource;
}

/**
 * `npm run build` unless the named outputs are already built from the current sources; tolerates type
 * errors elsewhere as long as the named outputs were emitted.
 */
export function buildCli(outputs: readonly string[] = ["dist/src/cli/main.js"]): void {
  if (builtAndFresh(outputs)) return;
  // Vitest sets NODE_ENV=test; the front ends built under it would be antd's test build (one element id for
  // many), which the browser tests must never be served.
  const build = spawnSync("npm", ["run", "build"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production" },
  });
  for (const o of outputs) {
    if (!existsSync(join(ROOT, o)))
      throw new Error(`build produced no ${o}:\n${build.stdout}\n${build.stderr}`);
  }
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `timeoutMs`: the command is killed (SIGKILL) after this long; `status` is then null. */
export function runHmb(
  args: readonly string[],
  env: Record<string, string>,
  options: { timeoutMs?: number } = {},
): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "", ...env },
    ...(options.timeoutMs === undefined
      ? {}
      : { timeout: options.timeoutMs, killSignal: "SIGKILL" as const }),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `runHmb` without blocking this process (the test can talk to a server meanwhile). */
export function runHmbAsync(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}
