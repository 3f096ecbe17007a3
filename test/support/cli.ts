/** Running the built `hmb` binary from tests: build once per test file, then spawn `node bin/hmb.js …`. */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "hmb.js");

/** `npm run build`; tolerates type errors elsewhere as long as the named outputs were emitted. */
export function buildCli(outputs: readonly string[] = ["dist/src/cli/main.js"]): void {
  const build = spawnSync("npm", ["run", "build"], { cwd: ROOT, encoding: "utf8" });
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

export function runHmb(args: readonly string[], env: Record<string, string>): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, DATABASE_URL: "", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
