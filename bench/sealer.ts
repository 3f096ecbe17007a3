/**
 * Certno batch sealer rates (AES-256-GCM + HMAC blind index per row), native addon vs node:crypto.
 *
 *   npm run build && node dist/bench/sealer.js [--rows 200000] [--batch 4096]
 *
 * Best of several runs, one batch of all rows and batches of --batch rows. The native addon is built by
 * `npm run build:native` (also run by `npm install`).
 */
import { randomBytes } from "node:crypto";
import { makeCertno } from "../src/domain/certno.js";
import { createCertnoBatchSealer, nativeSealerStatus } from "../src/platform/certno-sealer.js";
import { deriveKeys } from "../src/platform/crypto.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const rows = arg("rows", 200_000);
const batchSize = arg("batch", 4096);
const keys = deriveKeys(randomBytes(32));
const certnos = Array.from({ length: rows }, (_, i) =>
  makeCertno(
    ["532601", "532622", "532623"][i % 3] as string,
    `19${50 + (i % 50)}0${1 + (i % 9)}1${i % 10}`,
    i,
  ),
);
const batches: string[][] = [];
for (let i = 0; i < rows; i += batchSize) batches.push(certnos.slice(i, i + batchSize));

function best(runs: number, work: () => void): number {
  let fastest = Number.POSITIVE_INFINITY;
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    work();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return rows / fastest;
}

const status = nativeSealerStatus();
if (!status.loaded) console.log(`native addon not loaded: ${status.error}`);
for (const implementation of ["native", "node"] as const) {
  if (implementation === "native" && !status.loaded) continue;
  const sealer = createCertnoBatchSealer(keys, { implementation });
  const runs = implementation === "native" ? 7 : 2;
  sealer.seal(certnos.slice(0, 20_000));
  const single = best(runs, () => sealer.seal(certnos));
  const batched = best(runs, () => {
    for (const batch of batches) sealer.seal(batch);
  });
  const fmt = (n: number) => Math.round(n).toLocaleString("en").padStart(11);
  console.log(
    `${sealer.implementation.padEnd(15)} ${fmt(single)} rows/s (one batch of ${rows})  ${fmt(batched)} rows/s (batches of ${batchSize})`,
  );
}
