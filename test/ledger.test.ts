import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presentStatement } from "../src/api/present/ledger.js";
import { Statement as StatementWire } from "../src/contract/ledger.js";
import { type InsurerShare, splitByShares, statementPeriod } from "../src/domain/ledger.js";
import { deriveKeys } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { checkLedger, type Journal, ledgerStatement, postJournal } from "../src/services/ledger.js";
import { openPlatform } from "../src/services/platform.js";
import { type CoInsurerShare, createProgram } from "../src/services/programs.js";
import { buildCli, runHmb } from "./support/cli.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

/** 40/15/15/15/15 with the 40% insurer leading. */
const FIVE: CoInsurerShare[] = [
  { code: "lead-a", name: "首席 A", shareBps: 4000, lead: true },
  { code: "co-b", name: "共保 B", shareBps: 1500, lead: false },
  { code: "co-c", name: "共保 C", shareBps: 1500, lead: false },
  { code: "co-d", name: "共保 D", shareBps: 1500, lead: false },
  { code: "co-e", name: "共保 E", shareBps: 1500, lead: false },
];

/** Shares: n cut points in (0, 10000) → n+1 positive shares summing to 10000, one of them lead. */
const sharesArb = fc
  .tuple(fc.uniqueArray(fc.integer({ min: 1, max: 9_999 }), { maxLength: 6 }), fc.nat())
  .map(([cuts, leadPick]) => {
    const points = [0, ...[...cuts].sort((a, b) => a - b), 10_000];
    const n = points.length - 1;
    const lead = leadPick % n;
    return Array.from(
      { length: n },
      (_, i): InsurerShare => ({
        code: `i${i}`,
        shareBps: (points[i + 1] as number) - (points[i] as number),
        lead: i === lead,
      }),
    );
  });

describe("splitByShares", () => {
  it("parts sum exactly to the amount; non-lead parts are floor(amount × share); the lead takes the rest", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000_000 }), sharesArb, (amount, shares) => {
        const parts = splitByShares(amount, shares);
        expect(parts.reduce((s, p) => s + p.amount, 0)).toBe(amount);
        const got = new Map(parts.map((p) => [p.code, p.amount]));
        let others = 0;
        for (const s of shares) {
          if (s.lead) continue;
          const want = Math.floor((amount * s.shareBps) / 10_000);
          others += want;
          expect(got.get(s.code) ?? 0).toBe(want);
          if (want === 0) expect(got.has(s.code)).toBe(false);
        }
        const lead = shares.find((s) => s.lead) as InsurerShare;
        expect(got.get(lead.code)).toBe(amount - others);
        // The lead's remainder is less than one fen per other insurer.
        expect(amount - others - (amount * lead.shareBps) / 10_000).toBeLessThan(shares.length);
        for (const p of parts) expect(p.amount).toBeGreaterThan(0);
      }),
      { numRuns: 2_000 },
    );
  });

  it("splits 100.01 yuan 40/15/15/15/15 with the remainder to the lead", () => {
    const parts = splitByShares(10_001, FIVE);
    expect(parts).toEqual([
      { code: "lead-a", amount: 4_001 },
      { code: "co-b", amount: 1_500 },
      { code: "co-c", amount: 1_500 },
      { code: "co-d", amount: 1_500 },
      { code: "co-e", amount: 1_500 },
    ]);
  });

  it("rejects non-positive or fractional amounts and share lists without a lead", () => {
    expect(() => splitByShares(0, FIVE)).toThrow();
    expect(() => splitByShares(1.5, FIVE)).toThrow();
    expect(() =>
      splitByShares(
        100,
        FIVE.map((s) => ({ ...s, lead: false })),
      ),
    ).toThrow(/lead/);
  });
});

describe("statementPeriod", () => {
  it("takes Beijing calendar days, --to inclusive", () => {
    const p = statementPeriod("2023-02-01", "2023-02-28");
    expect(p).toEqual({
      ok: true,
      start: new Date("2023-01-31T16:00:00.000Z"),
      end: new Date("2023-02-28T16:00:00.000Z"),
    });
    expect(statementPeriod("2023-02-30", "2023-03-01")).toMatchObject({ ok: false, field: "from" });
    expect(statementPeriod("2023-03-01", "2023-02-01")).toMatchObject({ ok: false, field: "to" });
    expect(statementPeriod("2023-3-1", "2023-03-01")).toMatchObject({ ok: false, field: "from" });
  });
});

function premium(
  programId: string,
  id: string,
  amount: number,
  at = new Date("2023-02-10T02:00:00Z"),
): Journal {
  return {
    programId,
    journalId: `premium:${id}`,
    kind: "premium_received",
    ref: id,
    at,
    legs: [{ debit: "asset:gateway_clearing", credit: "income:premium", amount }],
  };
}

describe.each(BACKENDS)("ledger on %s", (backend) => {
  let platform: TestPlatform;
  const P = "ledger-2023";

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    await createProgram(platform.ctx, CLI_ACTOR, { programId: P, productId: "wenshan-2023", insurers: FIVE });
  });
  afterAll(async () => {
    await platform?.close();
  });

  const transfers = async (programId: string, journalId: string) =>
    platform.ctx.db.query<{ insurer_code: string; amount_fen: number; leg_amount_fen: number }>(
      `select insurer_code, amount_fen, leg_amount_fen from ledger_transfers
        where program_id = $1 and journal_id = $2 order by leg, insurer_code`,
      [programId, journalId],
    );

  it("posts a journal split 40/15/15/15/15, remainder to the lead", async () => {
    const posted = await platform.ctx.db.transaction((tx) => postJournal(tx, premium(P, "o-1", 10_001)));
    expect(posted).toBe(true);
    const rows = await transfers(P, "premium:o-1");
    expect(rows.map((r) => [r.insurer_code, Number(r.amount_fen)])).toEqual([
      ["co-b", 1_500],
      ["co-c", 1_500],
      ["co-d", 1_500],
      ["co-e", 1_500],
      ["lead-a", 4_001],
    ]);
    expect(rows.every((r) => Number(r.leg_amount_fen) === 10_001)).toBe(true);
  });

  it("is idempotent by journal id; different legs under a used id conflict", async () => {
    const j = premium(P, "o-2", 33_333);
    expect(await platform.ctx.db.transaction((tx) => postJournal(tx, j))).toBe(true);
    expect(await platform.ctx.db.transaction((tx) => postJournal(tx, j))).toBe(false);
    expect(await postJournal(platform.ctx.db, j)).toBe(false);
    expect(await transfers(P, "premium:o-2")).toHaveLength(5);
    await expect(
      platform.ctx.db.transaction((tx) => postJournal(tx, premium(P, "o-2", 33_334))),
    ).rejects.toMatchObject({ kind: "conflict", code: "journal_conflict" });
    expect(await transfers(P, "premium:o-2")).toHaveLength(5);
  });

  it("posts concurrent duplicates exactly once (in transactions and outside them)", async () => {
    const j = premium(P, "o-3", 12_345);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => platform.ctx.db.transaction((tx) => postJournal(tx, j))),
    );
    expect(results.filter((r) => r)).toHaveLength(1);
    expect(await transfers(P, "premium:o-3")).toHaveLength(5);

    const k = premium(P, "o-4", 54_321);
    const bare = await Promise.all(Array.from({ length: 8 }, () => postJournal(platform.ctx.db, k)));
    expect(bare.filter((r) => r)).toHaveLength(1);
    expect(await transfers(P, "premium:o-4")).toHaveLength(5);
    expect((await checkLedger(platform.ctx.db, P)).ok).toBe(true);
  });

  it("skips zero legs, rejects malformed journals", async () => {
    const j: Journal = {
      ...premium(P, "o-5", 500),
      legs: [
        { debit: "asset:gateway_clearing", credit: "income:premium", amount: 0 },
        { debit: "asset:personal_account_clearing", credit: "income:premium", amount: 7 },
      ],
    };
    expect(await platform.ctx.db.transaction((tx) => postJournal(tx, j))).toBe(true);
    // 7 fen: every 15% part floors to 1 fen (1.05), the lead gets 3.
    const rows = await transfers(P, "premium:o-5");
    expect(rows.map((r) => Number(r.amount_fen)).reduce((s, a) => s + a, 0)).toBe(7);
    expect(await platform.ctx.db.transaction((tx) => postJournal(tx, j))).toBe(false);
    const bad = (legs: Journal["legs"]) =>
      platform.ctx.db.transaction((tx) => postJournal(tx, { ...premium(P, "o-bad", 1), legs }));
    await expect(bad([{ debit: "income:premium", credit: "income:premium", amount: 1 }])).rejects.toThrow();
    await expect(
      bad([{ debit: "asset:gateway_clearing", credit: "income:premium", amount: -1 }]),
    ).rejects.toThrow();
    await expect(
      bad([{ debit: "asset:gateway_clearing", credit: "income:premium", amount: 0.5 }]),
    ).rejects.toThrow();
    await expect(
      bad([{ debit: "nope" as "income:premium", credit: "income:premium", amount: 1 }]),
    ).rejects.toThrow();
    expect(await transfers(P, "premium:o-bad")).toHaveLength(0);
  });

  it("keeps ledger rows append-only", async () => {
    await expect(platform.ctx.db.query("update ledger_transfers set amount_fen = 1")).rejects.toThrow(
      /append-only/,
    );
    await expect(platform.ctx.db.query("delete from ledger_transfers")).rejects.toThrow(/append-only/);
    await expect(
      platform.ctx.db.query("delete from ledger_transfers where program_id = $1 and journal_id = $2", [
        P,
        "premium:o-1",
      ]),
    ).rejects.toThrow(/append-only/);
  });

  it("balances after many random journals (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            amount: fc.integer({ min: 0, max: 5_000_000 }),
            refund: fc.integer({ min: 0, max: 5_000_000 }),
          }),
          { minLength: 1, maxLength: 5 },
        ),
        async (events) => {
          for (const e of events) {
            const id = randomBytes(6).toString("hex");
            await platform.ctx.db.transaction((tx) =>
              postJournal(tx, {
                programId: P,
                journalId: `mix:${id}`,
                kind: "claim_payout",
                ref: id,
                at: new Date("2023-03-01T00:00:00Z"),
                legs: [
                  { debit: "expense:claims", credit: "liability:claims_payable_hospital", amount: e.amount },
                  {
                    debit: "liability:claims_payable_hospital",
                    credit: "asset:gateway_clearing",
                    amount: e.refund,
                  },
                ],
              }),
            );
          }
          const check = await checkLedger(platform.ctx.db, P);
          expect(check.problems).toEqual([]);
          expect(check.ok).toBe(true);
          expect(check.totalDebits).toBe(check.totalCredits);
        },
      ),
      { numRuns: 15 },
    );
  });

  it("detects corrupted legs written around postJournal", async () => {
    const Q = "ledger-bad";
    await createProgram(platform.ctx, CLI_ACTOR, { programId: Q, productId: "wenshan-2023", insurers: FIVE });
    await platform.ctx.db.transaction((tx) => postJournal(tx, premium(Q, "ok-1", 10_001)));
    expect(await checkLedger(platform.ctx.db, Q)).toMatchObject({ ok: true, problems: [] });
    const insert = (journal: string, insurer: string, amount: number, leg: number, legAmount: number) =>
      platform.ctx.db.query(
        `insert into ledger_transfers (program_id, journal_id, leg, insurer_code, kind, debit_account, credit_account,
           amount_fen, leg_amount_fen, ref, at)
         values ($1,$2,$3,$4,'premium_received','asset:gateway_clearing','income:premium',$5,$6,'x',$7)`,
        [Q, journal, leg, insurer, amount, legAmount, new Date("2023-02-10T02:00:00Z")],
      );
    // A leg that balances in every way the rows can say about themselves (parts sum to the leg, every row
    // is debit = credit) but moves one fen from the lead to a co-insurer.
    const shifted: [string, number][] = [
      ["lead-a", 4_000],
      ["co-b", 1_501],
      ["co-c", 1_500],
      ["co-d", 1_500],
      ["co-e", 1_500],
    ];
    for (const [code, amount] of shifted) await insert("bad:shift", code, amount, 0, 10_001);
    const check = await checkLedger(platform.ctx.db, Q);
    expect(check.ok).toBe(false);
    expect(check.problems.join("\n")).toMatch(
      /bad:shift leg 0: insurer co-b has 1501, its share of 10001 is 1500/,
    );
    expect(check.problems.join("\n")).toMatch(/bad:shift leg 0: insurer lead-a has 4000/);

    // A missing part (the leg no longer sums) and a stranger insurer.
    await insert("bad:missing", "lead-a", 4_000, 0, 10_000);
    await insert("bad:stranger", "someone", 100, 0, 100);
    const again = (await checkLedger(platform.ctx.db, Q)).problems.join("\n");
    expect(again).toMatch(/bad:missing leg 0: parts 4000 ≠ leg 10000/);
    expect(again).toMatch(/bad:stranger leg 0: insurer someone is not a co-insurer/);
    // The untouched program still checks clean.
    expect((await checkLedger(platform.ctx.db, P)).ok).toBe(true);
  });

  it("builds a statement over Beijing days with opening and closing balances", async () => {
    const S = "ledger-stmt";
    await createProgram(platform.ctx, CLI_ACTOR, { programId: S, productId: "wenshan-2023", insurers: FIVE });
    const at = (iso: string) => new Date(iso);
    for (const [id, amount, when] of [
      ["jan", 10_000, "2023-01-31T15:59:59Z"], // 2023-01-31 23:59:59 Beijing: before the period
      ["feb1", 20_001, "2023-01-31T16:00:00Z"], // 2023-02-01 00:00:00 Beijing: first instant
      ["feb28", 30_000, "2023-02-28T15:59:59Z"], // 2023-02-28 23:59:59 Beijing: last instant
      ["mar1", 40_000, "2023-02-28T16:00:00Z"], // 2023-03-01 00:00:00 Beijing: after
    ] as const) {
      await platform.ctx.db.transaction((tx) => postJournal(tx, premium(S, id, amount, at(when))));
    }
    const p = statementPeriod("2023-02-01", "2023-02-28");
    if (!p.ok) throw new Error("period");
    const st = await ledgerStatement(platform.ctx, S, "co-b", p.start, p.end);
    expect(st.lines.map((l) => [l.ref, l.amount_fen, l.leg_amount_fen])).toEqual([
      ["feb1", 3_000, 20_001],
      ["feb28", 4_500, 30_000],
    ]);
    const income = st.balances.find((b) => b.account === "income:premium");
    expect(income).toMatchObject({
      opening_net_fen: -1_500,
      debits_fen: 0,
      credits_fen: 7_500,
      net_fen: -7_500,
      closing_net_fen: -9_000,
    });
    expect(st.totals).toEqual({ debits_fen: 7_500, credits_fen: 7_500 });
    // On the wire (and in the CLI's JSON) the same statement is in yuan strings, as the contract says.
    const wire = presentStatement(st);
    expect(StatementWire.parse(wire)).toEqual(wire);
    expect(wire.lines.map((l) => [l.ref, l.amount, l.leg_amount])).toEqual([
      ["feb1", "30.00", "200.01"],
      ["feb28", "45.00", "300.00"],
    ]);
    expect(wire.balances.find((b) => b.account === "income:premium")).toEqual({
      account: "income:premium",
      name: income?.name,
      opening_net: "-15.00",
      debits: "0.00",
      credits: "75.00",
      net: "-75.00",
      closing_net: "-90.00",
    });
    expect(wire.totals).toEqual({ debits: "75.00", credits: "75.00" });
    const lead = await ledgerStatement(platform.ctx, S, "lead-a", p.start, p.end);
    expect(lead.lines.map((l) => l.amount_fen)).toEqual([8_001, 12_000]);
    expect(presentStatement(lead).lines.map((l) => l.amount)).toEqual(["80.01", "120.00"]);
    await expect(ledgerStatement(platform.ctx, S, "nobody", p.start, p.end)).rejects.toMatchObject({
      kind: "not_found",
    });
  });
});

describe.each(BACKENDS)("hmb ledger statement (built binary) on %s", (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let platform: TestPlatform | undefined;
  const master = randomBytes(32);

  beforeAll(async () => {
    buildCli(["dist/src/cli/main.js", "dist/src/cli/ledger.js"]);
    dir = mkdtempSync(join(tmpdir(), "hmb-ledger-"));
    env = { HMB_DATA_DIR: join(dir, "pg"), HMB_DATA_KEY: master.toString("base64"), HMB_NOW: "" };
    if (backend === "postgres") {
      platform = await openTestPlatform("postgres");
      env.DATABASE_URL = platform.url as string;
    }
  });
  afterAll(async () => {
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes CSV and JSON statements, --to inclusive", async () => {
    const created = runHmb(["program", "create", "--id", "cli-2023", "--product", "wenshan-2023"], env);
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    // Post through the service, then close (a PGlite directory is open in one process at a time).
    const ctx =
      platform?.ctx ?? (await openPlatform({ url: "", dataDir: env.HMB_DATA_DIR, keys: deriveKeys(master) }));
    try {
      for (const [id, amount, when] of [
        ["a", 12_345, "2023-01-31T16:00:00Z"],
        ["=cmd", 100, "2023-02-15T04:00:00Z"],
        ["c", 999, "2023-02-28T15:59:59Z"],
        ["d", 1, "2023-02-28T16:00:00Z"],
      ] as const) {
        await ctx.db.transaction((tx) => postJournal(tx, premium("cli-2023", id, amount, new Date(when))));
      }
    } finally {
      if (platform === undefined) await ctx.db.close();
    }
    const args = ["ledger", "statement", "--program", "cli-2023", "--insurer", "picc-wenshan"];
    const csv = runHmb([...args, "--from", "2023-02-01", "--to", "2023-02-28"], env);
    expect(csv.stderr).toBe("");
    expect(csv.status).toBe(0);
    const records = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(records.map((r) => [r.at_beijing, r.journal_id, r.ref, r.amount])).toEqual([
      ["2023-02-01 00:00:00", "premium:a", "a", "123.45"],
      ["2023-02-15 12:00:00", "premium:=cmd", "'=cmd", "1.00"],
      ["2023-02-28 23:59:59", "premium:c", "c", "9.99"],
    ]);
    expect(Object.keys(records[0] ?? {})).toEqual([
      "at_beijing",
      "journal_id",
      "leg",
      "kind",
      "ref",
      "debit_account",
      "credit_account",
      "amount",
      "leg_amount",
    ]);

    const json = runHmb([...args, "--from", "2023-02-01", "--to", "2023-02-28", "--format", "json"], env);
    expect(json.status).toBe(0);
    const st = JSON.parse(json.stdout);
    expect(st).toMatchObject({
      program_id: "cli-2023",
      insurer_code: "picc-wenshan",
      lead: true,
      share: 1,
      from: "2023-01-31T16:00:00.000Z",
      to: "2023-02-28T16:00:00.000Z",
      period: { from: "2023-02-01", to: "2023-02-28", to_inclusive: true },
      totals: { debits: "134.44", credits: "134.44" },
    });
    expect(st.lines).toHaveLength(3);
    // The JSON's shape is a fixed contract: keys in this order, amounts as yuan strings.
    expect(Object.keys(st)).toEqual([
      "program_id",
      "insurer_code",
      "insurer_name",
      "share",
      "lead",
      "from",
      "to",
      "lines",
      "balances",
      "totals",
      "period",
      "share_bps",
    ]);
    expect(st.lines[0]).toMatchObject({ journal_id: "premium:a", amount: "123.45", leg_amount: "123.45" });
    expect(Object.keys(st.lines[0])).toEqual([
      "at",
      "journal_id",
      "leg",
      "kind",
      "ref",
      "debit_account",
      "credit_account",
      "amount",
      "leg_amount",
    ]);
    expect(Object.keys(st.balances[0])).toEqual([
      "account",
      "name",
      "opening_net",
      "debits",
      "credits",
      "net",
      "closing_net",
    ]);

    const badDate = runHmb([...args, "--from", "2023-02-30", "--to", "2023-03-01"], env);
    expect(badDate.status).toBe(2);
    expect(badDate.stderr).toMatch(/from/);
    const badFormat = runHmb([...args, "--from", "2023-02-01", "--to", "2023-02-02", "--format", "xml"], env);
    expect(badFormat.status).toBe(2);
    const check = runHmb(["ledger", "check", "--program", "cli-2023"], env);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/^ok\tjournals 4/);
  }, 400_000);

  // Each PGlite start of the binary costs seconds on a busy machine: these run on the server back end only.
  it.skipIf(backend === "pglite")(
    "a one-day statement; an unknown insurer is refused naming it",
    () => {
      const args = ["ledger", "statement", "--program", "cli-2023", "--insurer", "picc-wenshan"];
      const oneDay = runHmb([...args, "--from", "2023-03-01", "--to", "2023-03-01", "--format", "json"], env);
      expect(JSON.parse(oneDay.stdout).lines.map((l: { ref: string }) => l.ref)).toEqual(["d"]);

      const badInsurer = runHmb(
        [
          "ledger",
          "statement",
          "--program",
          "cli-2023",
          "--insurer",
          "x",
          "--from",
          "2023-02-01",
          "--to",
          "2023-02-02",
        ],
        env,
      );
      expect(badInsurer.status).toBe(2);
      expect(badInsurer.stderr).toMatch(/承保公司 x/);
    },
    400_000,
  );
});
