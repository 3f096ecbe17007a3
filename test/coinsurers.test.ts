/**
 * Co-insurers per program (issue 12 item 3): `--insurer CODE:NAME:BPS` on the CLI and `insurers` on the API,
 * validated (codes, shares summing to 10000 bps, one lead), split exactly in the ledger and shown with their
 * real shares on statements and the program card.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidArgumentError } from "commander";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInsurerSpec } from "../src/cli/platform-commands.js";
import { formatPercent } from "../src/domain/money.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { postJournal } from "../src/services/ledger.js";
import { createUser } from "../src/services/users.js";
import { buildCli, runHmb } from "./support/cli.js";
import {
  BACKENDS,
  openTestPlatform,
  TEST_DATA_KEY,
  type TestPlatform,
  testServer,
} from "./support/platform.js";

describe("--insurer CODE:NAME:BPS", () => {
  it("parses code, name and basis points; the first given is the lead", () => {
    expect(parseInsurerSpec("picc:人保财险文山分公司:6000", true)).toEqual({
      code: "picc",
      name: "人保财险文山分公司",
      shareBps: 6000,
      lead: true,
    });
    // A name may hold a colon: the code ends at the first, the share starts after the last.
    expect(parseInsurerSpec("cpic:太保:云南:4000", false)).toEqual({
      code: "cpic",
      name: "太保:云南",
      shareBps: 4000,
      lead: false,
    });
  });

  it("refuses a spec without three parts or with a non-numeric share, in Chinese", () => {
    for (const bad of ["picc", "picc:6000", ":人保:6000", "picc:人保:六千", "picc:人保:60.5"]) {
      expect(() => parseInsurerSpec(bad, true)).toThrow(InvalidArgumentError);
      expect(() => parseInsurerSpec(bad, true)).toThrow(/代码:名称:万分之一份额/);
    }
  });
});

describe("shares on screen", () => {
  it("are written from basis points, exactly", () => {
    expect([10_000, 5000, 3333, 3330, 1, 0].map(formatPercent)).toEqual([
      "100%",
      "50%",
      "33.33%",
      "33.3%",
      "0.01%",
      "0%",
    ]);
  });
});

const PICC = { code: "picc", name: "人保财险文山分公司", share_bps: 5000 };
const CPIC = { code: "cpic", name: "太平洋财险文山支公司", share_bps: 3000 };
const PINGAN = { code: "pingan", name: "平安财险文山支公司", share_bps: 2000 };
const THREE = [PICC, CPIC, PINGAN];

describe.each(BACKENDS)("co-insurers through the API on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let headers: Record<string, string>;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    app = await testServer(platform);
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: "*",
      username: "admin",
      role: "admin",
      password: "admin-pass-1",
    });
    const login = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: "*", username: "admin", password: "admin-pass-1" },
    });
    headers = { authorization: `Bearer ${login.json().token}` };
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const create = (payload: object) =>
    app.inject({ method: "POST", url: "/api/v1/programs", headers, payload });

  it("creates a program with three co-insurers, the first as lead, and shows their shares", async () => {
    const res = await create({ program_id: "co-3", product_id: "wenshan-2023", insurers: THREE });
    expect(res.statusCode).toBe(201);
    expect(res.json().insurers).toEqual([
      { code: "picc", name: "人保财险文山分公司", share: 0.5, share_bps: 5000, lead: true },
      { code: "cpic", name: "太平洋财险文山支公司", share: 0.3, share_bps: 3000, lead: false },
      { code: "pingan", name: "平安财险文山支公司", share: 0.2, share_bps: 2000, lead: false },
    ]);
    // The product card every front end reads carries the same shares.
    const card = await app.inject({ method: "GET", url: "/api/v1/programs/co-3/product", headers });
    expect(card.statusCode).toBe(200);
    expect(card.json().insurers.map((i: { share_bps: number }) => i.share_bps)).toEqual([5000, 3000, 2000]);
  });

  it("splits a journal exactly by the shares, the lead taking the remainder", async () => {
    // 100.01 yuan = 10001 fen: 30 % → 3000.3 and 20 % → 2000.2 round down, the lead takes 5001.
    await platform.ctx.db.transaction((tx) =>
      postJournal(tx, {
        programId: "co-3",
        journalId: "premium:co-3-1",
        kind: "premium_received",
        ref: "co-3-1",
        at: new Date("2023-08-10T02:00:00Z"),
        legs: [{ debit: "asset:gateway_clearing", credit: "income:premium", amount: 10_001 }],
      }),
    );
    const rows = await platform.ctx.db.query<{ insurer_code: string; amount_fen: number }>(
      "select insurer_code, amount_fen from ledger_transfers where program_id = $1 and journal_id = $2",
      ["co-3", "premium:co-3-1"],
    );
    const by = Object.fromEntries(rows.map((r) => [r.insurer_code, Number(r.amount_fen)]));
    expect(by).toEqual({ picc: 5001, cpic: 3000, pingan: 2000 });
    expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(10_001);
    const statement = await app.inject({
      method: "GET",
      url: "/api/v1/programs/co-3/ledger/statement?insurer=cpic&from=2023-08-01&to=2023-08-31",
      headers,
    });
    expect(statement.statusCode).toBe(200);
    expect(statement.json()).toMatchObject({
      insurer_code: "cpic",
      share: 0.3,
      share_bps: 3000,
      lead: false,
    });
    const summary = await app.inject({ method: "GET", url: "/api/v1/programs/co-3/ledger/summary", headers });
    expect(summary.statusCode).toBe(200);
    expect(
      summary
        .json()
        .insurers.map((i: { share_bps: number }) => i.share_bps)
        .sort(),
    ).toEqual([2000, 3000, 5000]);
  });

  it("refuses bad shares naming the field, and stores nothing", async () => {
    const cases: { insurers: object[]; field: string }[] = [
      {
        insurers: [
          { ...PICC, share_bps: 5000 },
          { ...CPIC, share_bps: 4000 },
        ],
        field: "insurers",
      },
      { insurers: [PICC, { ...CPIC, code: "picc" }, PINGAN], field: "insurers[1].code" },
      { insurers: [{ ...PICC, code: "p icc" }, CPIC, PINGAN], field: "insurers[0].code" },
      {
        insurers: [
          { ...PICC, lead: true },
          { ...CPIC, lead: true },
          { ...PINGAN, lead: false },
        ],
        field: "insurers",
      },
    ];
    for (const [n, c] of cases.entries()) {
      const res = await create({
        program_id: `co-bad-${n}`,
        product_id: "wenshan-2023",
        insurers: c.insurers,
      });
      expect(res.statusCode, JSON.stringify(c)).toBe(400);
      expect(res.json().error.field).toBe(c.field);
      expect(res.json().error.message).toMatch(/[\u4e00-\u9fa5]/);
      const stored = await platform.ctx.db.query("select 1 from programs where program_id = $1", [
        `co-bad-${n}`,
      ]);
      expect(stored).toHaveLength(0);
    }
    const zero = await create({
      program_id: "co-bad-zero",
      product_id: "wenshan-2023",
      insurers: [{ ...PICC, share_bps: 0 }],
    });
    expect(zero.statusCode).toBe(400);
    expect(zero.json().error.field).toMatch(/^insurers/);
  });

  it("treats the same shares again as a replay and other shares as a conflict", async () => {
    const again = await create({ program_id: "co-3", product_id: "wenshan-2023", insurers: THREE });
    expect(again.statusCode).toBe(201);
    const other = await create({
      program_id: "co-3",
      product_id: "wenshan-2023",
      insurers: [PICC, { ...CPIC, share_bps: 2500 }, { ...PINGAN, share_bps: 2500 }],
    });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.field).toBe("insurers");
  });
});

describe("hmb program create --insurer", () => {
  let dir: string;
  beforeAll(() => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), "hmb-coins-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("creates the program with the listed shares and refuses a wrong total", () => {
    const env = { HMB_DATA_DIR: join(dir, "pg"), HMB_DATA_KEY: TEST_DATA_KEY, HMB_NOW: "" };
    const ok = runHmb(
      [
        "program",
        "create",
        "--id",
        "cx-2023",
        "--product",
        "chuxiong-2023",
        "--insurer",
        "picc:人保财险楚雄分公司:7000",
        "--insurer",
        "chinalife:国寿财险楚雄支公司:3000",
      ],
      env,
    );
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("首席\tpicc\t人保财险楚雄分公司\t70%");
    expect(ok.stdout).toContain("共保\tchinalife\t国寿财险楚雄支公司\t30%");
    const bad = runHmb(
      ["program", "create", "--id", "cx-bad", "--product", "chuxiong-2023", "--insurer", "picc:人保:7000"],
      env,
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("共保份额合计应为 100%");
    const malformed = runHmb(
      ["program", "create", "--id", "cx-bad", "--product", "chuxiong-2023", "--insurer", "picc:7000"],
      env,
    );
    expect(malformed.status).not.toBe(0);
    expect(malformed.stderr).toContain("代码:名称:万分之一份额");
  });
});
