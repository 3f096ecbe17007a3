/**
 * Roster import benchmark (DESIGN §8: ≥ 200,000 persons/s and ≥ 0.5 × a bare COPY of the same rows).
 *
 *   npm run bench:roster -- [--persons 1000000]
 *
 * Needs PostgreSQL: TEST_DATABASE_URL or DATABASE_URL (a fresh database is created and dropped).
 * Generates a CSV of N persons, then times
 *   (a) the `hmb roster import` service path (parse, validate, AES-GCM + HMAC per row, COPY into a build
 *       table, indexes, partition swap), once on an empty roster and once as an idempotent re-import;
 *   (b) a bare COPY of the same file into a plain table with the file's columns (pg-copy-streams) — the
 *       issue's yardstick;
 *   (b') the same bare COPY into a table with the roster's keys (primary key on psn_no, indexes on the
 *       certno and the unit) — what merely holding the file as a roster costs the database;
 *   (c) the CPU stage alone (parse + validate + seal + format, no database), for diagnosis.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { CopyTupleWriter } from "../src/db/copy-binary.js";
import { makeCertno } from "../src/domain/certno.js";
import { resolveRosterHeader } from "../src/domain/roster.js";
import { createCertnoBatchSealer } from "../src/platform/certno-sealer.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import { stageBatch } from "../src/services/roster/stage.js";
import { importRoster, openRosterFile } from "../src/services/roster.js";
import { machine, saveResults } from "./common.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗";
const GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华";
const COUNTIES = ["532601", "532622", "532623", "532624", "532625", "532626", "532627", "532628"];
const COHORTS = ["", "", "", "", "", "", "", "", "tekun", "dibao", "tuopin", "disabled"];

async function generate(file: string, persons: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("psn_no,certno,psn_name,gend,brdy,insutype,admdvs,unit_code,cohort\n");
  let chunk = "";
  for (let i = 0; i < persons; i++) {
    const year = 1930 + (i % 93);
    const month = String(1 + ((i >> 3) % 12)).padStart(2, "0");
    const day = String(1 + ((i >> 5) % 28)).padStart(2, "0");
    const county = COUNTIES[i % COUNTIES.length] as string;
    const certno = makeCertno(county, `${year}${month}${day}`, i % 1000);
    const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i >> 2) % GIVEN.length]}${i % 3 === 0 ? GIVEN[(i >> 4) % GIVEN.length] : ""}`;
    const gend = (i % 1000) % 2 === 1 ? "1" : "2";
    const unit = i % 4 === 0 ? `U${String(i % 5000).padStart(6, "0")}` : "";
    chunk += `${county}${String(i).padStart(12, "0")},${certno},${name},${gend},${year}-${month}-${day},${i % 5 === 0 ? "310" : "390"},${county},${unit},${COHORTS[i % COHORTS.length]}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once("finish", () => r()));
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function main(): Promise<void> {
  const persons = Number(arg("persons", "1000000"));
  const admin = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (admin === undefined || admin === "") {
    process.stderr.write("bench:roster needs TEST_DATABASE_URL or DATABASE_URL (PostgreSQL)\n");
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "hmb-roster-bench-"));
  const file = join(dir, "roster.csv");
  const name = `hmb_bench_${randomBytes(5).toString("hex")}`;
  let t = performance.now();
  await generate(file, persons);
  process.stdout.write(
    `generated ${persons} persons, ${(statSync(file).size / 1e6).toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
  );

  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`create database ${name}`);
  await adminClient.end();
  const url = withDatabase(admin, name);
  const keys = deriveKeys(randomBytes(32));
  try {
    // (c) CPU stage alone.
    const cpuOnly = { sealer: "", rate: 0 };
    {
      const { records } = openRosterFile(file);
      const sealer = createCertnoBatchSealer(keys);
      const writer = new CopyTupleWriter();
      t = performance.now();
      let header: ReturnType<typeof resolveRosterHeader> | undefined;
      let n = 0;
      for await (const batch of records) {
        let rows = batch;
        if (header === undefined) {
          header = resolveRosterHeader((batch[0] as { cells: readonly string[] }).cells);
          rows = batch.slice(1);
        }
        if (!header.ok) throw new Error("bad header");
        n += stageBatch(sealer, writer, "bench-2023", header.header, rows).rows;
      }
      const s = (performance.now() - t) / 1000;
      cpuOnly.sealer = sealer.implementation;
      cpuOnly.rate = Math.round(n / s);
      process.stdout.write(
        `(c) CPU only (read + validate + seal [${sealer.implementation}] + COPY tuples): ${n} rows in ${s.toFixed(2)} s = ${Math.round(n / s)} rows/s\n`,
      );
    }

    const ctx = await openPlatform({ url, keys });
    let serviceRate = 0;
    const imports: Record<string, unknown>[] = [];
    try {
      await createProgram(ctx, CLI_ACTOR, { programId: "bench-2023", productId: "wenshan-2023" });
      for (const label of ["(a) hmb roster import, empty roster", "(a') re-import, all unchanged"]) {
        const { records } = openRosterFile(file);
        const result = await importRoster(ctx, CLI_ACTOR, "bench-2023", records, { source: "bench" });
        const s = result.elapsedMs / 1000;
        const rate = Math.round(result.read / s);
        if (serviceRate === 0) serviceRate = rate;
        imports.push({
          label,
          seconds: Number(s.toFixed(2)),
          rows_per_s: rate,
          stage_s: Number((result.stageMs / 1000).toFixed(2)),
          build_s: Number((result.buildMs / 1000).toFixed(2)),
          commit_s: Number((result.swapMs / 1000).toFixed(2)),
        });
        process.stdout.write(
          `${label}: read ${result.read}, imported ${result.imported} (new ${result.inserted}, unchanged ${result.unchanged}), rejected ${result.rejected} in ${s.toFixed(2)} s (read+seal+COPY ${(result.stageMs / 1000).toFixed(2)} s, build+indexes ${(result.buildMs / 1000).toFixed(2)} s, swap ${(result.swapMs / 1000).toFixed(2)} s) = ${rate} rows/s\n`,
        );
      }
    } finally {
      await ctx.db.close();
    }

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const columns = `(psn_no text, certno text, psn_name text, gend text, brdy date, insutype text, admdvs text,
        unit_code text, cohort text)`;
      const bareCopy = async (table: string): Promise<number> => {
        const started = performance.now();
        const copy = client.query(copyFrom(`copy ${table} from stdin with (format csv, header true)`));
        await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), copy);
        const s = (performance.now() - started) / 1000;
        process.stdout.write(`    ${copy.rowCount} rows in ${s.toFixed(2)} s\n`);
        return Math.round(Number(copy.rowCount) / s);
      };
      // (b) bare COPY of the same file into a plain table with the file's columns.
      await client.query(`create table bare_roster ${columns}`);
      process.stdout.write("(b) bare COPY into a plain table:\n");
      const bareRate = await bareCopy("bare_roster");
      // (b') the same, into a table keyed like the roster.
      await client.query(`create table keyed_roster ${columns}`);
      await client.query("alter table keyed_roster add primary key (psn_no)");
      await client.query("create index on keyed_roster (certno)");
      await client.query("create index on keyed_roster (unit_code) where unit_code is not null");
      process.stdout.write("(b') bare COPY into a table with the roster's keys:\n");
      const keyedRate = await bareCopy("keyed_roster");
      saveResults({
        roster_import: {
          date: new Date().toISOString().slice(0, 10),
          machine: machine(),
          persons,
          sealer: cpuOnly.sealer,
          cpu_only_rows_per_s: cpuOnly.rate,
          imports,
          bare_copy_rows_per_s: bareRate,
          keyed_copy_rows_per_s: keyedRate,
          ratio_to_bare_copy: Number((serviceRate / bareRate).toFixed(2)),
          ratio_to_keyed_copy: Number((serviceRate / keyedRate).toFixed(2)),
        },
      });
      process.stdout.write(
        `import ${serviceRate} rows/s (target ≥ 200000); ratio import / bare COPY = ${(serviceRate / bareRate).toFixed(2)} (target ≥ 0.5); import / keyed COPY = ${(serviceRate / keyedRate).toFixed(2)}\n`,
      );
    } finally {
      await client.end();
    }
  } finally {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
