/**
 * Ring-fenced aid funds (issue 15): every movement is a journal on one fund, enforced by the schema; aid pays
 * only from its program version's own fund; the balance never goes negative and reconciles with the legs after
 * donations, payments and reversals, also when they run concurrently. Both back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlStateOf } from "../src/db/database.js";
import {
  AidFundInsufficient,
  contributeToFund,
  createAidFund,
  fundBalance,
  fundStatement,
  listAidFunds,
  payAidFromFund,
  reconcileFund,
  reverseAidToFund,
} from "../src/services/aid/funds.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { type Actor, CLI_ACTOR, ServiceError } from "../src/services/context.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const PROGRAM = "ws-aid";
const NOW = "2026-03-01T10:00:00+08:00";
const AT = new Date("2026-03-02T02:00:00Z");
const FOREIGN_KEY_VIOLATION = "23503";
const CHECK_VIOLATION = "23514";

const charity1: Actor = { id: "found1", role: "charity", programId: PROGRAM };
const charity2: Actor = { id: "union1", role: "charity", programId: PROGRAM };

/** A small valid aid program file paying from `fund`. */
function aidFile(id: string, fund: string, version = 1): Record<string, unknown> {
  return {
    schemaVersion: 1,
    id,
    version,
    name: `${id} 救助`,
    sponsor: { kind: "charity", name: "测试基金会" },
    fund,
    priority: 10,
    period: { start: "2026-01-01 00:00", end: "2027-01-01 00:00" },
    eligibility: { cohorts: ["dibao"] },
    covers: { kind: "residual", after: ["hmb"] },
    benefit: { kind: "ratio_above_threshold", threshold: { amount: 1000, per: "year" }, ratio: 50 },
    budget: { amount: 100000, whenExhausted: "stop" },
    mode: { kind: "automatic" },
  };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
}

describe.each(BACKENDS)("ring-fenced aid funds (%s)", (backend) => {
  let platform: TestPlatform;
  const pay = (fundId: string, aidProgramId: string, ref: string, amount: number) =>
    platform.ctx.db.transaction((tx) =>
      payAidFromFund(tx, { programId: PROGRAM, fundId, aidProgramId, version: 1, ref, amount, at: AT }),
    );
  const donate = (actor: Actor, fundId: string, ref: string, amount: number, donor: string | null = "张三") =>
    contributeToFund(platform.ctx, actor, {
      programId: PROGRAM,
      fundId,
      kind: "donation",
      amount,
      donor,
      ref,
    });
  const balance = (fundId: string) => fundBalance(platform.ctx.db, PROGRAM, fundId);

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    const ctx = platform.ctx;
    await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
    for (const u of [charity1, charity2])
      await createUser(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username: u.id,
        role: "charity",
        password: "pass-1234",
      });
    await createAidFund(ctx, charity1, {
      programId: PROGRAM,
      fundId: "lymphoma",
      name: "淋巴瘤救助专户",
      sponsorKind: "charity",
      sponsorName: "测试基金会",
    });
    await createAidFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "union",
      name: "困难职工互助专户",
      sponsorKind: "union",
      sponsorName: "市总工会",
      keeper: charity2.id,
    });
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma"));
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("union-aid", "union"));
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
  });

  it("donations: named or anonymous, once per reference; a charity records only into the funds it keeps", async () => {
    const first = await donate(charity1, "lymphoma", "don-1", 50_000);
    expect(first).toMatchObject({ posted: true, balance: 50_000 });
    expect(await donate(charity1, "lymphoma", "don-1", 50_000)).toMatchObject({
      posted: false,
      balance: 50_000,
    });
    const conflict = await failure(donate(charity1, "lymphoma", "don-1", 40_000));
    expect(conflict).toMatchObject({ code: "aid_journal_conflict", field: "ref" });
    await donate(CLI_ACTOR, "lymphoma", "don-2", 20_000, null);
    const other = await failure(donate(charity2, "lymphoma", "don-3", 100));
    expect(other).toMatchObject({ kind: "forbidden", field: "fund_id" });
    await donate(charity2, "union", "don-u1", 30_000, "李四");
    expect(await balance("lymphoma")).toBe(70_000);
    expect(await balance("union")).toBe(30_000);
    expect((await listAidFunds(platform.ctx, charity1, PROGRAM)).map((f) => f.fundId)).toEqual(["lymphoma"]);
    expect((await listAidFunds(platform.ctx, CLI_ACTOR, PROGRAM)).map((f) => f.fundId)).toEqual([
      "lymphoma",
      "union",
    ]);
    const statement = await fundStatement(platform.ctx, charity1, PROGRAM, "lymphoma");
    expect(statement.lines.map((l) => [l.donor, l.amount, l.balanceAfter])).toEqual([
      ["张三", 50_000, 50_000],
      [null, 20_000, 70_000],
    ]);
    expect(await failure(fundStatement(platform.ctx, charity2, PROGRAM, "lymphoma"))).toMatchObject({
      kind: "forbidden",
    });
  });

  it("service: one fund's aid cannot be paid from another fund's money", async () => {
    const before = { lymphoma: await balance("lymphoma"), union: await balance("union") };
    const e = await failure(pay("union", "lymphoma-aid", "S1:lymphoma-aid", 1_000));
    expect(e).toBeInstanceOf(ServiceError);
    expect(e).toMatchObject({ code: "aid_fund_mismatch", field: "fund_id" });
    expect({ lymphoma: await balance("lymphoma"), union: await balance("union") }).toEqual(before);
    const rows = await platform.ctx.db.query("select 1 from aid_fund_journals where ref = 'S1:lymphoma-aid'");
    expect(rows).toHaveLength(0);
  });

  it("schema: cross-fund journals, legs and overdrafts are refused by the database itself", async () => {
    const db = platform.ctx.db;
    const before = await balance("union");
    // An aid_paid journal for lymphoma-aid on the union fund: the foreign key to the program version's fund.
    const crossJournal = await failure(
      db.query(
        `insert into aid_fund_journals (program_id, journal_id, fund_id, kind, ref, amount_fen, aid_program_id, version, at, posted_by)
         values ($1, 'aid_paid:x1', 'union', 'aid_paid', 'x1', 100, 'lymphoma-aid', 1, now(), 'sql')`,
        [PROGRAM],
      ),
    );
    expect(sqlStateOf(crossJournal)).toBe(FOREIGN_KEY_VIOLATION);
    // A leg on the union fund under a journal of the lymphoma fund, in one transaction: the leg is refused.
    const crossLeg = await failure(
      db.transaction(async (tx) => {
        await tx.query(
          `insert into aid_fund_journals (program_id, journal_id, fund_id, kind, ref, amount_fen, donor, at, posted_by)
           values ($1, 'donation:x2', 'lymphoma', 'donation', 'x2', 100, null, now(), 'sql')`,
          [PROGRAM],
        );
        await tx.query(
          `insert into aid_fund_entries (program_id, journal_id, leg, fund_id, debit_account, credit_account, amount_fen)
           values ($1, 'donation:x2', 0, 'union', 'cash', 'contributions', 100)`,
          [PROGRAM],
        );
      }),
    );
    expect(sqlStateOf(crossLeg)).toBe(FOREIGN_KEY_VIOLATION);
    // Paying more than the fund holds, written by hand: the balance check refuses the leg.
    const overdraft = await failure(
      db.transaction(async (tx) => {
        await tx.query(
          `insert into aid_fund_journals (program_id, journal_id, fund_id, kind, ref, amount_fen, aid_program_id, version, at, posted_by)
           values ($1, 'aid_paid:x3', 'union', 'aid_paid', 'x3', $2, 'union-aid', 1, now(), 'sql')`,
          [PROGRAM, before + 1],
        );
        await tx.query(
          `insert into aid_fund_entries (program_id, journal_id, leg, fund_id, debit_account, credit_account, amount_fen)
           values ($1, 'aid_paid:x3', 0, 'union', 'aid', 'cash', $2)`,
          [PROGRAM, before + 1],
        );
      }),
    );
    expect(sqlStateOf(overdraft)).toBe(CHECK_VIOLATION);
    // The ledger is append-only.
    const edit = await failure(
      db.query("update aid_fund_journals set amount_fen = 1 where program_id = $1", [PROGRAM]),
    );
    expect(edit).toBeInstanceOf(Error);
    expect(await balance("union")).toBe(before);
    expect((await reconcileFund(db, PROGRAM, "union")).ok).toBe(true);
    expect((await reconcileFund(db, PROGRAM, "lymphoma")).ok).toBe(true);
  });

  it("pays and reverses exactly once; a short fund refuses and writes nothing; balances reconcile", async () => {
    const start = await balance("lymphoma");
    const paid = await pay("lymphoma", "lymphoma-aid", "S2:lymphoma-aid", 12_345);
    expect(paid).toMatchObject({ posted: true, balance: start - 12_345 });
    expect(await pay("lymphoma", "lymphoma-aid", "S2:lymphoma-aid", 12_345)).toMatchObject({ posted: false });
    expect(await failure(pay("lymphoma", "lymphoma-aid", "S2:lymphoma-aid", 1))).toMatchObject({
      code: "aid_journal_conflict",
    });
    const short = await failure(pay("lymphoma", "lymphoma-aid", "S3:lymphoma-aid", start));
    expect(short).toBeInstanceOf(AidFundInsufficient);
    expect(await balance("lymphoma")).toBe(start - 12_345);

    const reverse = () =>
      platform.ctx.db.transaction((tx) =>
        reverseAidToFund(tx, {
          programId: PROGRAM,
          fundId: "lymphoma",
          aidProgramId: "lymphoma-aid",
          version: 1,
          ref: "S2:lymphoma-aid",
          at: AT,
        }),
      );
    expect(await reverse()).toMatchObject({ posted: true, balance: start });
    expect(await reverse()).toMatchObject({ posted: false, balance: start });
    const never = await failure(
      platform.ctx.db.transaction((tx) =>
        reverseAidToFund(tx, {
          programId: PROGRAM,
          fundId: "lymphoma",
          aidProgramId: "lymphoma-aid",
          version: 1,
          ref: "S9:lymphoma-aid",
          at: AT,
        }),
      ),
    );
    expect(never).toMatchObject({ code: "aid_not_paid" });

    const r = await reconcileFund(platform.ctx.db, PROGRAM, "lymphoma");
    expect(r).toMatchObject({ ok: true, balance: start, fromEntries: start, brokenJournals: 0 });
    expect(r.accounts.aid).toBe(0);
    expect(r.accounts.contributions).toBe(-start);
  });

  it("concurrent donations and payments keep the balance exact and never overdraw", async () => {
    const ctx = platform.ctx;
    await donate(charity2, "union", "conc-seed", 1_000);
    const start = await balance("union");
    const payments = Math.floor(start / 700) + 4; // more than the fund can pay
    const results = await Promise.allSettled([
      ...Array.from({ length: payments }, (_, i) => pay("union", "union-aid", `C${i}:union-aid`, 700)),
      ...Array.from({ length: 6 }, (_, i) => donate(charity2, "union", `conc-don-${i}`, 50)),
    ]);
    const paid = results.slice(0, payments).filter((r) => r.status === "fulfilled").length;
    const refused = results.slice(0, payments).filter((r) => r.status === "rejected");
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(AidFundInsufficient);
    expect(results.slice(payments).every((r) => r.status === "fulfilled")).toBe(true);
    expect(paid).toBeGreaterThanOrEqual(Math.floor(start / 700));
    expect(refused.length).toBeGreaterThan(0);
    const end = await balance("union");
    expect(end).toBe(start + 6 * 50 - paid * 700);
    expect(end).toBeGreaterThanOrEqual(0);
    expect(await reconcileFund(ctx.db, PROGRAM, "union")).toMatchObject({ ok: true, fromEntries: end });
  });
});
