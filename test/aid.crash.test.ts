/**
 * Automatic aid exactly once (issue 15), as settlements are (claims.concurrency / claims.crash):
 *  - in-process, settlements, replays, revocations and sweeps all at once: each claim is paid by the aid program
 *    at most once, the budget is never overrun and, after a last sweep, is used exactly; revoked claims' aid is
 *    back in the fund; the fund reconciles;
 *  - the built server killed with SIGKILL mid-load, then `hmb aid match` (the nightly sweep, a new process) on the
 *    same database: every live claim carries its aid exactly once, and the fund balance is what was paid.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatBusinessTime } from "../src/domain/time.js";
import { fixedClock } from "../src/platform/clock.js";
import { fundBalance, reconcileFund } from "../src/services/aid/funds.js";
import { matchYearToDate } from "../src/services/aid/match.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { revokeClaim } from "../src/services/claims/settle.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { openPlatform } from "../src/services/platform.js";
import { record, Y } from "./fixtures.js";
import { aidFile, openFund, settle } from "./support/aid.js";
import { HOSPITAL, SETTLE_NOW, setupClaims, signHeaders } from "./support/claims.js";
import { buildCli, runHmbAsync } from "./support/cli.js";
import { BACKENDS, openTestPlatform, TEST_DATA_KEY, TEST_KEYS } from "./support/platform.js";
import { NOW, PROGRAM, type TestPerson } from "./support/roster.js";
import { createDatabase, type ServerProcess, startServer } from "./support/server-process.js";

const PERSONS: TestPerson[] = Array.from({ length: 8 }, (_, i) => ({
  psnNo: `K${String(i).padStart(3, "0")}`,
  name: "低保",
  brdy: "1966-02-01",
  cohort: "dibao",
}));
/** 1500 yuan a case, never more than the person bears. */
const FIXED = Y(1_500);

async function publishFixed(ctx: PlatformContext, budgetYuan: number) {
  await publishAidProgram(
    ctx,
    CLI_ACTOR,
    PROGRAM,
    aidFile({
      id: "fixed-aid",
      name: "定额救助",
      fund: "fund",
      benefit: { kind: "fixed", amount: FIXED / 100 },
      budget: { amount: budgetYuan, whenExhausted: "stop" },
    }),
  );
}

/** Per live claim: its aid rows; the live total; and the fund's own account of it. */
async function aidState(ctx: PlatformContext) {
  const rows = await ctx.db.query<{
    setl_id: string;
    state: string;
    amount_fen: string;
    claim_state: string;
  }>(
    `select p.setl_id, p.state, p.amount_fen, c.state as claim_state
       from aid_payments p join claims c on c.program_id = p.program_id and c.setl_id = p.setl_id
      where p.program_id = $1`,
    [PROGRAM],
  );
  const journals = await ctx.db.query<{ kind: string; n: number; total: string }>(
    `select kind, count(*)::int as n, coalesce(sum(amount_fen), 0) as total from aid_fund_journals
      where program_id = $1 and kind in ('aid_paid', 'aid_reversed') group by kind`,
    [PROGRAM],
  );
  const j = Object.fromEntries(journals.map((r) => [r.kind, { n: r.n, total: Number(r.total) }]));
  const live = rows.filter((r) => r.state === "paid");
  return {
    rows,
    livePaid: live.reduce((s, r) => s + Number(r.amount_fen), 0),
    paidOnRevoked: rows.filter((r) => r.claim_state === "revoked" && r.state === "paid").length,
    journalNet: (j.aid_paid?.total ?? 0) - (j.aid_reversed?.total ?? 0),
  };
}

describe.each(BACKENDS)("aid exactly once under concurrency on %s", (backend) => {
  it("settles, replays, revocations and sweeps at once: once per claim, budget never overrun", async () => {
    const p = await openTestPlatform(backend, { now: NOW });
    try {
      const ctx = p.ctx;
      const fx = await setupClaims(ctx, { insured: [], extra: PERSONS });
      await openFund(ctx, "fund", 20_000);
      await publishFixed(ctx, 12_000); // eight cases' worth, for sixteen claims
      p.clock.set(SETTLE_NOW);
      const ids = Array.from({ length: 16 }, (_, i) => `CC-${String(i).padStart(2, "0")}`);
      const settleOne = (setlId: string, i: number) =>
        settle(ctx, fx, setlId, (PERSONS[i % PERSONS.length] as TestPerson).psnNo, {
          inScope: Y(2_000 + i * 10),
        });
      const revoked = new Set(ids.filter((_, i) => i % 5 === 0));
      await Promise.all([
        ...ids.map(async (id, i) => {
          await settleOne(id, i);
          if (revoked.has(id)) await revokeClaim(ctx, CLI_ACTOR, PROGRAM, id, "并发撤销");
        }),
        ...ids.map((id, i) => settleOne(id, i)), // the same records again: replays
        ...Array.from({ length: 4 }, () => matchYearToDate(ctx, CLI_ACTOR, PROGRAM)),
      ]);
      const during = await aidState(ctx);
      expect(during.paidOnRevoked).toBe(0);
      expect(during.livePaid).toBeLessThanOrEqual(Y(12_000));
      // The last sweep gives the budget the revocations freed to claims still unpaid: used exactly.
      await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);
      const after = await aidState(ctx);
      expect(after.livePaid).toBe(Y(12_000));
      expect(after.journalNet).toBe(Y(12_000));
      expect(after.paidOnRevoked).toBe(0);
      // A claim carries the program once, and live payments are whole cases (stop pays what remains: 1500s).
      expect(new Set(after.rows.map((r) => r.setl_id)).size).toBe(after.rows.length);
      expect(after.rows.filter((r) => r.state === "paid").every((r) => Number(r.amount_fen) === FIXED)).toBe(
        true,
      );
      expect(await fundBalance(ctx.db, PROGRAM, "fund")).toBe(Y(20_000 - 12_000));
      expect((await reconcileFund(ctx.db, PROGRAM, "fund")).ok).toBe(true);
    } finally {
      await p.close();
    }
  }, 180_000);
});

beforeAll(() => {
  buildCli();
});

describe.each(BACKENDS)("kill -9 of the server mid-load, then the sweep, on %s", (backend) => {
  let dir: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.kill9();
    await dropDatabase?.();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("every live claim carries its automatic aid exactly once; the fund reconciles", async () => {
    const clock = fixedClock(new Date(SETTLE_NOW));
    let env: Record<string, string>;
    let open: () => Promise<PlatformContext>;
    if (backend === "postgres") {
      const db = await createDatabase();
      dropDatabase = db.drop;
      env = { DATABASE_URL: db.url };
      open = () => openPlatform({ url: db.url, clock, keys: TEST_KEYS });
    } else {
      dir = mkdtempSync(join(tmpdir(), "hmb-aid-crash-"));
      env = { HMB_DATA_DIR: join(dir, "pgdata") };
      open = () => openPlatform({ url: "", dataDir: join(dir as string, "pgdata"), clock, keys: TEST_KEYS });
    }
    env = { ...env, HMB_NOW: SETTLE_NOW, HMB_DATA_KEY: TEST_DATA_KEY, NODE_ENV: "development" };
    const seed = await open();
    const fx = await setupClaims(seed, { insured: [], extra: PERSONS });
    await openFund(seed, "fund", 1_000_000);
    await publishFixed(seed, 1_000_000);
    const secret = fx.secrets.get(HOSPITAL) as string;
    const bodies: string[] = [];
    for (let i = 0; i < 30; i++) {
      const psnNo = (PERSONS[i % PERSONS.length] as TestPerson).psnNo;
      const rec = {
        ...record({
          setlId: `KC-${String(i).padStart(3, "0")}`,
          psnNo,
          inScope: Y(800 + i * 37), // some below 1500: the aid is then the whole burden
          setlTime: formatBusinessTime(Date.parse("2023-10-01T02:00:00Z") + i * 3_600_000),
        }),
        certno: await fx.certnoOf(psnNo),
      };
      bodies.push(JSON.stringify(rec));
    }
    await seed.db.close();

    server = await startServer(env);
    const first = server;
    let acked = 0;
    let next = 0;
    let killed: Promise<void> | undefined;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (killed === undefined && next < bodies.length) {
          const body = bodies[next++] as string;
          try {
            const res = await fetch(`${first.base}/api/v1/programs/${PROGRAM}/settlements`, {
              method: "POST",
              headers: signHeaders(secret, body),
              body,
            });
            expect(res.status).toBe(200);
            await res.text();
          } catch {
            return;
          }
          if (++acked >= 10 && killed === undefined) killed = first.kill9();
        }
      }),
    );
    await killed;
    expect(acked).toBeGreaterThanOrEqual(10);
    server = undefined;

    // The nightly sweep, a new process on the same database.
    const r = await runHmbAsync(["aid", "match", "--program", PROGRAM, "--json"], env);
    expect(r.status, r.stderr).toBe(0);

    const ctx = await open();
    try {
      // Sweeping again changes nothing.
      const again = await matchYearToDate(ctx, CLI_ACTOR, PROGRAM);
      expect([again.paid, again.queuePaidFen]).toEqual([0, 0]);
      const claims = await ctx.db.query<{ setl_id: string; psn_part_amt_fen: string }>(
        "select setl_id, psn_part_amt_fen from claims where program_id = $1 and state = 'settled'",
        [PROGRAM],
      );
      expect(claims.length).toBeGreaterThanOrEqual(acked);
      const state = await aidState(ctx);
      const paidOf = new Map(state.rows.map((r) => [r.setl_id, Number(r.amount_fen)]));
      expect(state.rows).toHaveLength(claims.length);
      for (const c of claims)
        expect(paidOf.get(c.setl_id), c.setl_id).toBe(Math.min(FIXED, Number(c.psn_part_amt_fen)));
      const expected = claims.reduce((s, c) => s + Math.min(FIXED, Number(c.psn_part_amt_fen)), 0);
      expect(state.journalNet).toBe(expected);
      expect(await fundBalance(ctx.db, PROGRAM, "fund")).toBe(Y(1_000_000) - expected);
      expect((await reconcileFund(ctx.db, PROGRAM, "fund")).ok).toBe(true);
    } finally {
      await ctx.db.close();
    }
  }, 300_000);
});
