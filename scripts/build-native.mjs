#!/usr/bin/env node
/**
 * Builds the optional native addon native/certno-seal (batch AES-256-GCM + HMAC for roster import) with
 * node-gyp, against the running node's own headers (<prefix>/include/node) so that nothing is downloaded.
 * Run by `npm run build:native` and by `prepare` (so by `npm install`).
 *
 * The addon is optional: src/platform/certno-sealer.ts falls back to node:crypto without it. So a failed
 * build prints one warning line (the full log is kept in native/certno-seal/build/build-native.log) and
 * exits 0.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const addonDir = join(root, "native", "certno-seal");
const addon = join(addonDir, "build", "Release", "certno_seal.node");
const logFile = join(addonDir, "build", "build-native.log");
const require = createRequire(import.meta.url);

function warn(reason) {
  console.warn(`build-native: native certno sealer not built (${reason}); roster import uses node:crypto`);
  process.exit(0);
}

/** node-gyp: a project dependency if there is one, else the copy bundled with npm. */
function findNodeGyp() {
  try {
    return require.resolve("node-gyp/bin/node-gyp.js");
  } catch {
    // not a dependency: look for npm's own copy
  }
  const prefix = dirname(dirname(realpathSync(process.execPath)));
  const candidates = [];
  if (process.env.npm_execpath) {
    candidates.push(
      join(dirname(process.env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    );
  }
  candidates.push(
    join(prefix, "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
    join(prefix, "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"),
  );
  return candidates.find((c) => existsSync(c));
}

const nodeGyp = findNodeGyp();
if (nodeGyp === undefined) warn("node-gyp not found");

const args = [nodeGyp, "rebuild", "--directory", addonDir, "--jobs", "2"];
const prefix = dirname(dirname(realpathSync(process.execPath)));
if (existsSync(join(prefix, "include", "node", "node_api.h"))) args.push(`--nodedir=${prefix}`);

const result = spawnSync(process.execPath, args, { cwd: addonDir, encoding: "utf8", env: process.env });
const log = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ? `\n${result.error.stack}` : ""}`;
mkdirSync(dirname(logFile), { recursive: true });
writeFileSync(logFile, log);
if (result.status !== 0 || !existsSync(addon)) {
  const lines = log
    .split("\n")
    .filter(
      (l) => /error|ERR!/i.test(l) && !/gyp ERR! (cwd|node -v|node-gyp -v|command|System|not ok)/.test(l),
    );
  const reason = (lines[0] ?? `node-gyp exited with ${result.status ?? result.signal}`).trim().slice(0, 200);
  warn(`${reason}; log: ${logFile}`);
}

try {
  require(addon);
} catch (e) {
  warn(`built but does not load: ${e instanceof Error ? e.message : String(e)}`);
}
console.log(`build-native: built ${addon.slice(root.length + 1)}`);
