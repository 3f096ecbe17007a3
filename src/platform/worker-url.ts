/**
 * Where a worker thread's module is. Built, it sits beside the module that starts it. Under vitest that module
 * is its .ts source, which a worker thread cannot load, so the build's copy (`dist/src/…`, the same path under
 * `dist/`) is used instead — the tests that start workers build first.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The worker module `file` (e.g. "./replay-worker.js") beside `callerUrl` (the caller's import.meta.url). */
export function workerModuleUrl(file: string, callerUrl: string): URL {
  const here = new URL(file, callerUrl);
  if (existsSync(fileURLToPath(here))) return here;
  const at = here.href.lastIndexOf("/src/");
  if (at < 0) throw new Error(`worker module ${here.href} is not under src/`);
  return new URL(`${here.href.slice(0, at)}/dist/src/${here.href.slice(at + "/src/".length)}`);
}
