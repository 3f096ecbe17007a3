/**
 * Fixtures of the settlement load benchmark: a program on a fresh PostgreSQL database with many insured
 * persons (roster import and unit enrollment through the real services), a registered hospital, and
 * settlement records signed the way the hospital signs them.
 */
import { createHmac, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import pg from "pg";
import { makeCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { fixedClock } from "../src/platform/clock.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { addInstitution } from "../src/services/institutions.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import { csvRecords, importRoster } from "../src/services/roster.js";

export const BENCH_PROGRAM = "ws-bench";
export const BENCH_PRODUCT = "wenshan-2023";
export const BENCH_HOSPITAL = "H53260100001";
/** Inside wenshan-2023's enrollment window, where the fixtures are enrolled. */
const ENROLLMENT_NOW = "2023-08-15T10:00:00+08:00";
/**
 * The server's business time: the coverage year's last day, after every stay the records below are dated
 * (its first 300 days), since a record settled after the business clock is refused.
 */
export const SERVER_NOW = "2024-08-31T10:00:00+08:00";

export interface InsuredPerson {
  readonly psnNo: string;
  readonly certno: string;
}

export interface BenchFixture {
  readonly url: string;
  readonly dataKeyBase64: string;
  readonly secret: string;
  readonly persons: InsuredPerson[];
  readonly seedSeconds: number;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createDatabase(admin: string, prefix: string): Promise<{ name: string; url: string }> {
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  await adminQuery(admin, `create database ${name}`);
  return { name, url: withDatabase(admin, name) };
}

export async function dropDatabase(admin: string, name: string): Promise<void> {
  await adminQuery(admin, `drop database if exists ${name} with (force)`);
}

const COUNTIES = ["532621", "532622", "532623", "532624", "532625", "532626", "532627", "532628"];

/** `persons` residents, all employees of `units` units, so each unit enrolls in one call. */
function roster(persons: number, units: number): { csv: string; people: InsuredPerson[] } {
  const lines = ["psn_no,certno,psn_name,gend,brdy,insutype,admdvs,unit_code,cohort"];
  const people: InsuredPerson[] = [];
  for (let i = 0; i < persons; i++) {
    const county = COUNTIES[i % COUNTIES.length] as string;
    const year = 1950 + (i % 50);
    const month = String(1 + ((i >> 3) % 12)).padStart(2, "0");
    const day = String(1 + ((i >> 5) % 28)).padStart(2, "0");
    const certno = makeCertno(county, `${year}${month}${day}`, i % 1000);
    const psnNo = `B${String(i).padStart(9, "0")}`;
    const unit = `BENCH-U${String(i % units).padStart(3, "0")}`;
    lines.push(
      `${psnNo},${certno},测试${i % 100},${i % 2 === 0 ? "1" : "2"},${year}-${month}-${day},310,${county},${unit},`,
    );
    people.push({ psnNo, certno });
  }
  return { csv: `${lines.join("\n")}\n`, people };
}

/** Seeds the program through the services (as `hmb roster import` and unit enrollment would). */
export async function seedBenchProgram(url: string, persons: number): Promise<BenchFixture> {
  const started = performance.now();
  const dataKey = randomBytes(32);
  const ctx = await openPlatform({
    url,
    clock: fixedClock(new Date(ENROLLMENT_NOW)),
    keys: deriveKeys(dataKey),
  });
  try {
    await createProgram(ctx, CLI_ACTOR, { programId: BENCH_PROGRAM, productId: BENCH_PRODUCT });
    const units = Math.max(1, Math.ceil(persons / 2_000));
    const { csv, people } = roster(persons, units);
    const imported = await importRoster(
      ctx,
      CLI_ACTOR,
      BENCH_PROGRAM,
      csvRecords(Readable.from([Buffer.from(csv, "utf8")])),
      { source: "bench-settle" },
    );
    if (imported.rejected > 0) throw new Error(`bench roster: ${imported.rejected} rows rejected`);
    process.stderr.write(`roster imported in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    for (let u = 0; u < units; u++) {
      await enroll(ctx, CLI_ACTOR, {
        programId: BENCH_PROGRAM,
        kind: "unit",
        unitCode: `BENCH-U${String(u).padStart(3, "0")}`,
        channel: "offline",
      });
    }
    const { secret } = await addInstitution(ctx, CLI_ACTOR, {
      programId: BENCH_PROGRAM,
      code: BENCH_HOSPITAL,
      name: "文山州人民医院（压测）",
    });
    return {
      url,
      dataKeyBase64: dataKey.toString("base64"),
      secret,
      persons: people,
      seedSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await ctx.db.close();
  }
}

export interface SignedRequest {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** A small deterministic generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` inpatient settlement records with distinct setl_ids, persons taken round-robin (so concurrent
 * requests rarely share a policy lock), amounts that cross the deductible for most, signed now.
 */
export function signedSettlements(
  fixture: BenchFixture,
  count: number,
  prefix: string,
  seed: number,
): SignedRequest[] {
  const random = rng(seed);
  const out: SignedRequest[] = [];
  const timestamp = String(Date.now());
  const coverageStart = Date.UTC(2023, 8, 1) - 8 * 3_600_000;
  for (let i = 0; i < count; i++) {
    const person = fixture.persons[i % fixture.persons.length] as InsuredPerson;
    const inScope = Math.floor(random() * 4_000_000); // up to 40,000 yuan
    const fullOwnPay = Math.floor(random() * 300_000);
    const overLimit = random() < 0.2 ? Math.floor(random() * 100_000) : 0;
    const pooled = 500_000 + Math.floor(random() * 3_000_000);
    const burden = inScope + fullOwnPay + overLimit;
    // A time in the first 300 days of the coverage year, Beijing time, national format.
    const at = new Date(coverageStart + Math.floor(random() * 300 * 86_400_000) + 8 * 3_600_000);
    const setlTime = at.toISOString().slice(0, 19).replace("T", " ");
    const record = {
      setl_id: `${prefix}${String(i).padStart(8, "0")}`,
      psn_no: person.psnNo,
      certno: person.certno,
      psn_name: "测试",
      insutype: "310",
      med_type: "21",
      begntime: setlTime,
      setl_time: setlTime,
      fixmedins_code: BENCH_HOSPITAL,
      fixmedins_name: "文山州人民医院",
      mdtrtarea_admvs: "532621",
      dise_codg: "I63.900",
      medfee_sumamt: formatYuan(burden + pooled),
      fulamt_ownpay_amt: formatYuan(fullOwnPay),
      overlmt_selfpay: formatYuan(overLimit),
      hifp_pay: formatYuan(pooled),
      hifmi_pay: "0.00",
      hifob_pay: "0.00",
      fund_pay_sumamt: formatYuan(pooled),
      psn_part_amt: formatYuan(burden),
    };
    const body = JSON.stringify(record);
    out.push({
      body,
      headers: {
        "content-type": "application/json",
        "x-hmb-institution": BENCH_HOSPITAL,
        "x-hmb-timestamp": timestamp,
        "x-hmb-signature": createHmac("sha256", fixture.secret).update(`${timestamp}\n${body}`).digest("hex"),
      },
    });
  }
  return out;
}
