/**
 * Oversight dashboards at scale (DESIGN §8: p95 ≤ 100 ms over 10 M policies and 1 M claims).
 *
 *   npm run bench:oversight -- [--policies 10000000] [--claims 1000000] [--runs 100] [--concurrency 8] [--keep]
 *
 * Needs PostgreSQL: TEST_DATABASE_URL or DATABASE_URL (a fresh database is created and dropped after).
 * 1. Loads a 文山 program: a roster of 1.15 × policies persons (server-side INSERT … SELECT; the roster
 *    trigger on for all batches but the first, to time it), the policies (generated server-side, secondary
 *    indexes rebuilt after the load; ~1 % unpaid,
 *    ~1 % cancelled before the effective date with a full refund, ~1 % cancelled after it by cash value), and
 *    the claims: synthetic settlements (src/synth, the generator behind `hmb synth`) adjudicated by the real
 *    engine, person by person, COPYed into claims (~1 % revoked). Policies and claims are loaded with their
 *    oversight triggers disabled, then the rollups are built by oversight_rebuild() — the same figures the
 *    triggers keep (the tests check that equality).
 * 2. Times each dashboard route through the HTTP stack (Fastify inject, a bureau session): warm-up, then
 *    `runs` calls each; p50 / p95 / max against the 100 ms target.
 * 3. Times what the claims trigger costs the settle path: per row (3,000 single-row transactions from one
 *    connection without waiting for fsync, trigger on vs off), and as durable single-row transactions from
 *    `concurrency` connections for a few seconds each, trigger off / on / on with every writer forced onto one
 *    rollup row (what the slots avoid).
 * Writes bench/results/oversight.json.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { buildServer } from "../src/api/server.js";
import { formatPercent, formatYuan } from "../src/domain/money.js";
import { parseSettlementLine, type Settlement } from "../src/domain/settlement.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { fixedClock } from "../src/platform/clock.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { getProduct } from "../src/products/index.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import { disclosureReport } from "../src/services/reports/disclosure.js";
import { createUser, login } from "../src/services/users.js";
import { SettlementSynthesizer } from "../src/synth/settlements.js";
import { count, formatJson, log, machine, ROOT, table } from "./common.js";

const TARGET_P95_MS = 100;
const PROGRAM = "bench-2023";
const PRODUCT = "wenshan-2023";
const AS_OF = "2024-03-31";
const RESULTS = join(ROOT, "bench", "results", "oversight.json");

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

// ------------------------------------------------------------------------------------------------- load

/** Roster persons lo … hi: weighted counties (文山's 8), a quarter in 5,000 units, a tenth in cohorts. */
const ROSTER_SQL = `
  insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
    insutype, admdvs, unit_code, cohort)
  select '${PROGRAM}', '532600' || lpad(i::text, 10, '0'), '\\x00'::bytea, int8send(i), '5326**********0000',
         '测试', case when h % 2 = 0 then '1' else '2' end, date '1935-01-01' + (h % 30000)::int, '390',
         case when h % 102 < 18 then '532601' when h % 102 < 31 then '532622' when h % 102 < 38 then '532623'
              when h % 102 < 45 then '532624' when h % 102 < 56 then '532625' when h % 102 < 69 then '532626'
              when h % 102 < 91 then '532627' else '532628' end,
         case when (h / 7) % 4 = 0 then 'U' || lpad(((h / 29) % 5000)::text, 6, '0') end,
         case (h / 11) % 40 when 0 then 'tekun' when 1 then 'dibao' when 2 then 'tuopin' when 3 then 'disabled' end
    from (select i, abs(hashint8(i))::bigint as h from generate_series($1::bigint, $2::bigint) i) s`;

/**
 * Policies lo … hi for persons of the same numbers, premium 69 元, coverage 2023-09-01 … 2024-08-31:
 * issued during the enrollment window; h % 100 = 0 unpaid, = 1 cancelled before the effective date (full
 * refund), = 2 cancelled on day d after it (refund floor(6900 × (365 − d) / 366), as domain/refund.ts).
 */
const POLICY_SQL = `
  insert into policies (program_id, policy_no, psn_no, plan_id, enrollment_id, enrollment_kind, relation,
    payer_psn_no, premium_fen, premium_rule, status, coverage_start, coverage_end, verification_code,
    paid_order_no, paid_channel, issued_at, cancelled_at, refund_fen, created_at)
  select '${PROGRAM}', '${PROGRAM}-' || lpad(i::text, 8, '0'), '532600' || lpad(i::text, 10, '0'), 'standard',
         'EN' || i, 'individual', 'self', '532600' || lpad(i::text, 10, '0'), 6900, 'flat',
         case when k = 0 then 'pending_payment' when k in (1, 2) then 'cancelled' else 'active' end,
         timestamptz '2023-09-01 00:00+08', timestamptz '2024-09-01 00:00+08', upper(substr(md5(i::text), 1, 16)),
         case when k = 0 then null else 'O' || i end, case when k = 0 then null else 'offline' end,
         case when k = 0 then null else issued end,
         case when k = 1 then issued + interval '1 day' when k = 2 then timestamptz '2023-09-01 10:00+08'
              + ((h / 100) % 200) * interval '1 day' end,
         case when k = 1 then 6900 when k = 2 then (6900 * (365 - (h / 100) % 200)) / 366 end,
         issued
    from (select i, h, h % 100 as k,
                 timestamptz '2023-07-03 00:00+08' + (h % (58 * 86400)) * interval '1 second' as issued
            from (select i, abs(hashint8(i + 7777))::bigint as h from generate_series($1::bigint, $2::bigint) i) a) s`;

const csvText = (s: string) => `"${s.replaceAll('"', '""')}"`;

const CLAIM_COLUMNS = [
  "program_id",
  "setl_id",
  "kind",
  "psn_no",
  "policy_no",
  "fixmedins_code",
  "status",
  "reason",
  "hmb_pay_fen",
  "psn_part_amt_fen",
  "payee",
  "adjudication",
  "response",
  "seq",
  "state",
  "revoked_seq",
  "revoked_at",
  "revoke_reason",
  "actor",
  "created_at",
];

/**
 * Claims from synthetic settlements: each person's records adjudicated in order by the engine; the records
 * settled within the coverage period become claims (earlier ones are history, as for `hmb adjudicate`). The
 * stored adjudication keeps each line's liability, eligible amount, deductible and payout (what reports read).
 */
function* claimRows(maxClaims: number, maxPersons: number, stats: { claims: number; persons: number }) {
  const product = getProduct(PRODUCT);
  const plan = compilePlan(product, "standard");
  const synth = new SettlementSynthesizer({ product, persons: maxPersons, seed: 20231001 });
  const start = product.coverage.start;
  const end = product.coverage.end;
  let chunk: string[] = [];
  while (!synth.done && stats.claims < maxClaims) {
    const lines: string[] = [];
    synth.nextPerson(lines);
    stats.persons++;
    if (lines.length === 0) continue;
    const batch = new AdjudicationBatch(plan);
    const parsed = new Map<string, Settlement>();
    for (const line of lines) {
      batch.add(line);
      const p = parseSettlementLine(line);
      if (p.ok) parsed.set(p.settlement.setlId, p.settlement);
    }
    for (const entry of batch.run()) {
      if (entry.kind !== "result" || stats.claims >= maxClaims) continue;
      const a = entry.adjudication;
      const s = parsed.get(a.setlId) as Settlement;
      if (s.settledAt < start || s.settledAt >= end) continue;
      const n = stats.claims++;
      const person = Number(s.psnNo.slice(6));
      const revoked = n % 100 === 37;
      const adjudication = {
        setlId: a.setlId,
        status: a.status,
        hmbPay: a.hmbPay,
        lines: a.lines.map((l) => ({
          liabilityId: l.liabilityId,
          eligible: l.eligible,
          deductible: l.deductible,
          payout: l.payout,
        })),
      };
      const created = new Date(s.settledAt).toISOString();
      chunk.push(
        [
          PROGRAM,
          a.setlId,
          "one_stop",
          s.psnNo,
          `${PROGRAM}-${String(person).padStart(8, "0")}`,
          s.institutionCode,
          a.status,
          a.reason ?? "",
          a.hmbPay,
          s.personBurden,
          "hospital",
          csvText(JSON.stringify(adjudication)),
          "{}",
          1,
          revoked ? "revoked" : "settled",
          revoked ? 2 : "",
          revoked ? new Date(s.settledAt + 2 * 86_400_000).toISOString() : "",
          revoked ? "bench" : "",
          "bench",
          created,
        ].join(","),
      );
      if (chunk.length >= 5000) {
        yield `${chunk.join("\n")}\n`;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield `${chunk.join("\n")}\n`;
}

// --------------------------------------------------------------------------------------- trigger costs

/** Persons the trigger-cost inserts pick from; each gets a policy_accumulators row, as settleClaim leaves. */
const TRIGGER_PERSONS = 100_000;

/** A paid claim for person number `person` (SQL expression), as settleClaim inserts it (after its accumulators). */
function claimInsert(tag: string, i: string, person: string): string {
  return `insert into claims (program_id, setl_id, kind, psn_no, policy_no, fixmedins_code, status, hmb_pay_fen,
      psn_part_amt_fen, payee, adjudication, response, seq, state, actor, created_at)
    select '${PROGRAM}', '${tag}-' || ${i}, 'one_stop', '532600' || lpad(p::text, 10, '0'),
      '${PROGRAM}-' || lpad(p::text, 8, '0'), 'H53260100001', 'paid', 123456, 500000, 'hospital', '{}', '{}', 1,
      'settled', 'bench', timestamptz '2024-03-15 10:00+08'
      from (select (${person}) % ${TRIGGER_PERSONS} + 1 as p) x`;
}

async function accumulatorRows(client: pg.Client): Promise<void> {
  await client.query(
    `insert into policy_accumulators (program_id, policy_no, plan_id, state, seq, updated_at)
     select '${PROGRAM}', '${PROGRAM}-' || lpad(i::text, 8, '0'), 'standard',
            '{"deductibleUsed":[1200000,0],"paidByLiability":[500000,0,0],"baseByLiability":[625000,0,0],"paidByCapGroup":[],"paidTotal":500000,"paidByItem":[]}',
            1, now()
       from generate_series(1, ${TRIGGER_PERSONS}) i
     on conflict do nothing`,
  );
}

/**
 * CPU cost of the claims trigger per settlement: single-row transactions from one connection, commit without
 * waiting for the disk (synchronous_commit off) so the difference is the trigger's work, not fsync; alternated
 * off / on / off / on, the faster of each pair of rounds counts.
 */
async function perRowCost(client: pg.Client, rows: number) {
  await client.query("set synchronous_commit = off");
  const round = async (triggerOn: boolean, tag: string) => {
    await client.query(
      `alter table claims ${triggerOn ? "enable" : "disable"} trigger oversight_claims_insert`,
    );
    const t0 = performance.now();
    for (let i = 0; i < rows; i++) {
      await client.query(claimInsert(tag, `'${i}'`, `${i * 7919 + tag.length * 104_729}`));
    }
    return performance.now() - t0;
  };
  await round(true, "WARM");
  const off = Math.min(await round(false, "OFFA"), await round(false, "OFFB"));
  const on = Math.min(await round(true, "ONA"), await round(true, "ONB"));
  const off2 = Math.min(off, await round(false, "OFFC"));
  await client.query("alter table claims enable trigger oversight_claims_insert");
  await client.query("set synchronous_commit = on");
  return {
    rows,
    triggerOffMs: Math.round(off2),
    triggerOnMs: Math.round(on),
    microsecondsPerRow: Math.round(((on - off2) * 1000) / rows),
  };
}

/** `concurrency` connections, each committing single-row inserts (durable commit) for `ms`. */
async function commitThroughput(url: string, concurrency: number, ms: number, tag: string) {
  const clients = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  let done = 0;
  const latencies: number[] = [];
  const stopAt = performance.now() + ms;
  await Promise.all(
    clients.map(async (c, k) => {
      let i = 0;
      while (performance.now() < stopAt) {
        const t0 = performance.now();
        await c.query(claimInsert(`${tag}${k}`, `'${i}'`, `${k * 1_000_003 + i * 7919}`));
        latencies.push(performance.now() - t0);
        i++;
        done++;
      }
    }),
  );
  await Promise.all(clients.map((c) => c.end()));
  latencies.sort((a, b) => a - b);
  return {
    commitsPerSecond: Math.round(done / (ms / 1000)),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
  };
}

/** `create function oversight_slot()` as migration 009 defines it, made `create or replace`. */
function slotFunction(): string {
  const sql = readFileSync(join(ROOT, "src", "db", "migrations", "009_oversight.sql"), "utf8");
  const start = sql.indexOf("create function oversight_slot()");
  const end = sql.indexOf("$$;", start);
  if (start < 0 || end < 0) throw new Error("oversight_slot() not found in migration 009");
  return sql.slice(start, end + 3).replace("create function", "create or replace function");
}

// ------------------------------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const policies = Number(arg("policies", "10000000"));
  const claims = Number(arg("claims", String(Math.max(1000, Math.round(policies / 10)))));
  const runs = Number(arg("runs", "100"));
  const concurrency = Number(arg("concurrency", "8"));
  const keep = process.argv.includes("--keep");
  const admin = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (admin === undefined || admin === "") {
    process.stderr.write("bench:oversight needs TEST_DATABASE_URL or DATABASE_URL (PostgreSQL)\n");
    process.exitCode = 1;
    return;
  }
  const name = `hmb_bench_ov_${randomBytes(5).toString("hex")}`;
  const adminClient = new pg.Client({ connectionString: admin });
  await adminClient.connect();
  await adminClient.query(`create database ${name}`);
  await adminClient.end();
  const url = withDatabase(admin, name);
  const started = new Date().toISOString();
  const m = machine();
  log(`oversight bench: ${count(policies)} policies, ${count(claims)} claims, database ${name}`);
  const ctx = await openPlatform({
    url,
    keys: deriveKeys(randomBytes(32)),
    clock: fixedClock(new Date("2024-04-01T10:00:00+08:00")),
  });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: PRODUCT });
    const load: Record<string, number> = {};

    // Roster: batches of up to 1 M; the statement trigger off for the first batch, on for the rest.
    const rosterSize = Math.round(policies * 1.15);
    const batch = 1_000_000;
    let t0 = performance.now();
    const rosterBatches: { rows: number; trigger: boolean; seconds: number }[] = [];
    for (let lo = 1, b = 0; lo <= rosterSize; lo += batch, b++) {
      const hi = Math.min(rosterSize, lo + batch - 1);
      const trigger = b > 0 || rosterSize <= batch;
      if (!trigger) await client.query("alter table roster_persons disable trigger oversight_roster_insert");
      const tb = performance.now();
      await client.query(ROSTER_SQL, [lo, hi]);
      rosterBatches.push({ rows: hi - lo + 1, trigger, seconds: Number(seconds(tb).toFixed(2)) });
      if (!trigger) await client.query("alter table roster_persons enable trigger oversight_roster_insert");
      log(`  roster ${count(hi)} / ${count(rosterSize)} (${seconds(t0).toFixed(0)} s)`);
    }
    load.rosterSeconds = Number(seconds(t0).toFixed(1));

    // Policies, trigger off; the secondary indexes dropped during the load and rebuilt after it (a sorted
    // build instead of 10 M random insertions into the verification-code indexes), exactly as defined.
    await client.query("alter table policies disable trigger oversight_policies");
    const constraints = await client.query<{ conname: string; def: string }>(
      `select conname, pg_get_constraintdef(oid) as def from pg_constraint
        where conrelid = 'policies'::regclass and contype = 'u'`,
    );
    const indexes = await client.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where tablename = 'policies' and indexname not in
         (select conname from pg_constraint where conrelid = 'policies'::regclass)`,
    );
    for (const c of constraints.rows) await client.query(`alter table policies drop constraint ${c.conname}`);
    for (const i of indexes.rows) await client.query(`drop index ${i.indexname}`);
    t0 = performance.now();
    for (let lo = 1; lo <= policies; lo += batch) {
      const hi = Math.min(policies, lo + batch - 1);
      await client.query(POLICY_SQL, [lo, hi]);
      log(`  policies ${count(hi)} / ${count(policies)} (${seconds(t0).toFixed(0)} s)`);
    }
    await client.query("set maintenance_work_mem = '1GB'");
    for (const c of constraints.rows)
      await client.query(`alter table policies add constraint ${c.conname} ${c.def}`);
    for (const i of indexes.rows) await client.query(i.indexdef);
    await client.query("alter table policies enable trigger oversight_policies");
    load.policiesSeconds = Number(seconds(t0).toFixed(1));
    log(`  policies with indexes rebuilt: ${load.policiesSeconds} s`);

    // Claims: synthesize, adjudicate, COPY; triggers off.
    await client.query("alter table claims disable trigger oversight_claims_insert");
    t0 = performance.now();
    const stats = { claims: 0, persons: 0 };
    const copy = client.query(
      copyFrom(`copy claims (${CLAIM_COLUMNS.join(", ")}) from stdin with (format csv)`),
    );
    await pipeline(Readable.from(claimRows(claims, policies, stats)), copy);
    await client.query("alter table claims enable trigger oversight_claims_insert");
    load.claimsSeconds = Number(seconds(t0).toFixed(1));
    load.claimsLoaded = stats.claims;
    load.synthPersons = stats.persons;
    log(
      `  claims ${count(stats.claims)} from ${count(stats.persons)} synthetic persons (${load.claimsSeconds} s)`,
    );

    t0 = performance.now();
    await client.query("select oversight_rebuild($1)", [PROGRAM]);
    load.rebuildSeconds = Number(seconds(t0).toFixed(1));
    t0 = performance.now();
    await client.query("vacuum analyze");
    load.vacuumAnalyzeSeconds = Number(seconds(t0).toFixed(1));
    const sizes = await client.query<{ t: string; n: string; bytes: string }>(
      `select relname as t, n_live_tup::text as n, pg_total_relation_size(relid)::text as bytes
         from pg_stat_user_tables where relname in ('roster_persons', 'policies', 'claims', 'oversight_enrollment',
           'oversight_policy_days', 'oversight_claim_days') order by relname`,
    );
    const tables = Object.fromEntries(
      sizes.rows.map((r) => [r.t, { rows: Number(r.n), mib: Math.round(Number(r.bytes) / 2 ** 20) }]),
    );
    log(`  rollups rebuilt in ${load.rebuildSeconds} s; ${JSON.stringify(tables)}`);

    // Dashboards through HTTP.
    const app = await buildServer(ctx, { publicRateLimit: 1_000_000 });
    await createUser(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      username: "bureau",
      role: "bureau",
      password: "bench-pass-1",
    });
    const { token } = await login(ctx, PROGRAM, "bureau", "bench-pass-1");
    const headers = { authorization: `Bearer ${token}` };
    const routes: [string, string][] = [
      ["summary", `summary?as_of=${AS_OF}`],
      ["enrollment by county", "enrollment?by=county"],
      ["enrollment by unit", "enrollment?by=unit"],
      ["enrollment by cohort", "enrollment?by=cohort"],
      ["trends (weekly)", `trends?from=2023-07-03&to=${AS_OF}`],
      ["payout distribution", `payout-distribution?as_of=${AS_OF}`],
    ];
    const queries: Record<string, unknown>[] = [];
    const samples: Record<string, unknown> = {};
    for (const [label, path] of routes) {
      const url = `/api/v1/programs/${PROGRAM}/oversight/${path}`;
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs + 5; i++) {
        const tq = performance.now();
        const res = await app.inject({ method: "GET", url, headers });
        const ms = performance.now() - tq;
        if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 300)}`);
        if (i >= 5) times.push(ms);
        bytes = res.body.length;
        if (i === 0) samples[label] = res.json();
      }
      times.sort((a, b) => a - b);
      const row = {
        query: label,
        route: `GET …/oversight/${path}`,
        runs,
        p50Ms: Number(percentile(times, 50).toFixed(2)),
        p95Ms: Number(percentile(times, 95).toFixed(2)),
        maxMs: Number((times.at(-1) as number).toFixed(2)),
        responseBytes: bytes,
        met: percentile(times, 95) <= TARGET_P95_MS,
      };
      queries.push(row);
      log(`  ${label}: p50 ${row.p50Ms} ms, p95 ${row.p95Ms} ms`);
    }
    await app.close();

    t0 = performance.now();
    const report = await disclosureReport(ctx, CLI_ACTOR, PROGRAM, "2024-03");
    const disclosureSeconds = Number(seconds(t0).toFixed(2));
    log(
      `  disclosure report 2024-03 (claims scan for liabilities and largest payouts): ${disclosureSeconds} s`,
    );

    // What the claims trigger costs the settle path.
    await accumulatorRows(client);
    const perRow = await perRowCost(client, 3_000);
    log(
      `  trigger per row: ${perRow.microsecondsPerRow} µs (${perRow.triggerOffMs} → ${perRow.triggerOnMs} ms / 3,000)`,
    );
    const window = 8000;
    await client.query("alter table claims disable trigger oversight_claims_insert");
    const off = await commitThroughput(url, concurrency, window, "COFF");
    await client.query("alter table claims enable trigger oversight_claims_insert");
    const on = await commitThroughput(url, concurrency, window, "CON");
    await client.query(
      "create or replace function oversight_slot() returns smallint language sql volatile as $$ select 0::smallint $$",
    );
    const oneRow = await commitThroughput(url, concurrency, window, "CONE");
    // Put the real slot function back (from the migration, so the bench measures what ships).
    await client.query(slotFunction());
    log(
      `  durable single-row claim inserts, ${concurrency} connections: trigger off ${off.commitsPerSecond}/s, on ${on.commitsPerSecond}/s, on with one shared rollup row ${oneRow.commitsPerSecond}/s`,
    );

    const worst = Math.max(...queries.map((q) => q.p95Ms as number));
    const result = {
      date: started,
      machine: m,
      postgres: (await client.query<{ v: string }>("select version() as v")).rows[0]?.v,
      targetP95Ms: TARGET_P95_MS,
      scale: { policies, claimsRequested: claims, rosterPersons: rosterSize, asOf: AS_OF },
      load: { ...load, rosterBatches, tables },
      queries,
      worstP95Ms: worst,
      met: worst <= TARGET_P95_MS,
      disclosureReportSeconds: disclosureSeconds,
      disclosureSample: {
        paid: formatYuan(report.summary.claims.paid_fen),
        earned: formatYuan(report.summary.premium.earned_fen),
        lossRatio:
          report.summary.loss_ratio.earned_bps === null
            ? null
            : formatPercent(report.summary.loss_ratio.earned_bps),
        largest:
          report.largest_payouts[0] === undefined ? null : formatYuan(report.largest_payouts[0].amount_fen),
      },
      settlePathTrigger: {
        perRow,
        concurrency,
        windowMs: window,
        triggerOff: off,
        triggerOn: on,
        triggerOnOneSharedRow: oneRow,
      },
      summarySample: samples.summary,
    };
    mkdirSync(dirname(RESULTS), { recursive: true });
    writeFileSync(RESULTS, `${formatJson(result)}\n`);
    process.stdout.write(
      `\n${table([
        ["query", "p50 ms", "p95 ms", "max ms", `p95 ≤ ${TARGET_P95_MS} ms`],
        ...queries.map((q) => [
          String(q.query),
          String(q.p50Ms),
          String(q.p95Ms),
          String(q.maxMs),
          q.met ? "yes" : "NO",
        ]),
      ])}\n\nload: roster ${load.rosterSeconds} s, policies ${load.policiesSeconds} s, claims ${load.claimsSeconds} s, rollup rebuild ${load.rebuildSeconds} s, vacuum analyze ${load.vacuumAnalyzeSeconds} s\n` +
        `claims trigger: +${perRow.microsecondsPerRow} µs per insert; durable commits/s with ${concurrency} connections: off ${off.commitsPerSecond}, on ${on.commitsPerSecond}, one shared row ${oneRow.commitsPerSecond}\n` +
        `results: ${RESULTS}\n`,
    );
  } finally {
    await client.end();
    await ctx.db.close();
    if (!keep) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    } else {
      log(`kept database ${name}`);
    }
  }
}

await main();
