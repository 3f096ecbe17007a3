/**
 * Aid programs as published data (issue 15): publish, new versions superseding, immutable versions, withdraw;
 * a bad file is refused naming its field and changes nothing; the API's roles (operators publish, charities
 * keep their own funds, bureau and regulator read); the `hmb aid` command line. Both back ends.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aidFundCreate,
  aidFundDonate,
  aidFundStatement,
  aidList,
  aidPublish,
  aidShow,
} from "../src/cli/aid.js";
import { AID_SPONSOR_KINDS, BUDGET_EXHAUSTION, STATUTORY_LAYERS } from "../src/domain/aid.js";
import {
  AID_BUDGET_EXHAUSTION_LABELS,
  AID_LAYER_LABELS,
  AID_SPONSOR_KIND_LABELS,
} from "../src/domain/vocabulary.js";
import { createAidFund } from "../src/services/aid/funds.js";
import {
  activeAidPrograms,
  getAidProgram,
  listAidPrograms,
  publishAidProgram,
  withdrawAidProgram,
} from "../src/services/aid/programs.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { buildCli, runHmb } from "./support/cli.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";

const API = "/api/v1";
const PROGRAM = "ws-aid";
const NOW = "2026-03-01T10:00:00+08:00";

/** A small valid aid program file paying from `fund`. */
function aidFile(id: string, fund: string, version = 1, ratio = 50): Record<string, unknown> {
  return {
    schemaVersion: 1,
    id,
    version,
    name: `${id} 救助`,
    sponsor: { kind: "charity", name: "测试基金会" },
    fund,
    priority: 10,
    period: { start: "2026-01-01 00:00", end: "2027-01-01 00:00" },
    eligibility: { cohorts: ["dibao", "tekun"], icd10: [{ from: "C81", to: "C86" }] },
    covers: { kind: "residual", after: ["hmb"] },
    benefit: { kind: "ratio_above_threshold", threshold: { amount: 1000, per: "year" }, ratio },
    caps: { perYear: 50000 },
    budget: { amount: 200000, whenExhausted: "queue" },
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

/** What a refused publication must leave untouched. */
async function snapshot(platform: TestPlatform): Promise<unknown> {
  return platform.ctx.db.query(
    `select (select count(*)::int from aid_programs) as versions,
            (select count(*)::int from audit_log where action like 'aid_program.%') as audited`,
  );
}

describe("the aid programs' vocabulary", () => {
  it("labels every sponsor kind, layer and budget rule with the domain's own Chinese names", () => {
    for (const [k, zh] of Object.entries(AID_SPONSOR_KINDS)) expect(AID_SPONSOR_KIND_LABELS[k]?.zh).toBe(zh);
    for (const [k, zh] of Object.entries(STATUTORY_LAYERS)) expect(AID_LAYER_LABELS[k]?.zh).toBe(zh);
    for (const [k, zh] of Object.entries(BUDGET_EXHAUSTION))
      expect(AID_BUDGET_EXHAUSTION_LABELS[k]?.zh).toBe(zh);
  });
});

describe.each(BACKENDS)("aid programs (%s)", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const as: Record<string, Record<string, string>> = {};
  const USERS = [
    ["op1", "operator"],
    ["bureau1", "bureau"],
    ["reg1", "regulator"],
    ["found1", "charity"],
    ["union1", "charity"],
    ["res1", "resident"],
    ["ins1", "co_insurer"],
  ] as const;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    const ctx = platform.ctx;
    await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
    for (const [username, role] of USERS)
      await createUser(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username,
        role,
        password: `${username}-pass-1`,
        ...(role === "resident" ? { psnNo: "P001" } : {}),
        ...(role === "co_insurer" ? { insurerCode: "picc-wenshan" } : {}),
      });
    await createAidFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "lymphoma",
      name: "淋巴瘤救助专户",
      sponsorKind: "charity",
      sponsorName: "测试基金会",
      keeper: "found1",
    });
    app = await testServer(platform);
    for (const [username] of USERS) {
      const r = await app.inject({
        method: "POST",
        url: `${API}/auth/login`,
        payload: { program_id: PROGRAM, username, password: `${username}-pass-1` },
      });
      as[username] = { authorization: `Bearer ${r.json().token as string}` };
    }
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const get = (user: string, url: string) =>
    app.inject({ method: "GET", url: `${API}/programs/${PROGRAM}${url}`, headers: as[user] });
  const post = (user: string, url: string, payload?: unknown) =>
    app.inject({
      method: "POST",
      url: `${API}/programs/${PROGRAM}${url}`,
      headers: as[user],
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  it("publishes versions: a replay changes nothing, a published version never changes, a new one supersedes", async () => {
    const ctx = platform.ctx;
    const first = await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma"));
    expect(first.created).toBe(true);
    expect(first.published.current).toMatchObject({
      version: 1,
      fundId: "lymphoma",
      fundName: "淋巴瘤救助专户",
    });
    expect(first.published.current.program.benefit).toMatchObject({
      ratio: 5_000,
      threshold: { amount: 100_000 },
    });
    const again = await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma"));
    expect(again.created).toBe(false);

    const before = await snapshot(platform);
    const changed = await failure(
      publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma", 1, 60)),
    );
    expect(changed).toMatchObject({ kind: "conflict", field: "version" });
    expect(await snapshot(platform)).toEqual(before);
    // Nor by hand: the schema refuses to change a published version.
    await expect(
      ctx.db.query("update aid_programs set document = '{}'::jsonb where aid_program_id = 'lymphoma-aid'"),
    ).rejects.toThrow();

    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma", 2, 60));
    const old = await failure(
      publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma", 1, 70)),
    );
    expect(old).toMatchObject({ kind: "conflict", field: "version" });
    const [listed] = await listAidPrograms(ctx.db, PROGRAM);
    expect(listed?.current.version).toBe(2);
    expect(listed?.versions.map((v) => v.version)).toEqual([2, 1]);
    expect((await getAidProgram(ctx.db, PROGRAM, "lymphoma-aid", 1)).current.program.benefit).toMatchObject({
      ratio: 5_000,
    });
    expect((await activeAidPrograms(ctx.db, PROGRAM)).map((p) => `${p.aidProgramId}@${p.version}`)).toEqual([
      "lymphoma-aid@2",
    ]);
  });

  it("a bad file is refused naming the field and changes nothing; so is a file naming a fund that does not exist", async () => {
    const ctx = platform.ctx;
    const before = await snapshot(platform);
    const badRatio = await failure(
      publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("other-aid", "lymphoma", 1, 150)),
    );
    expect(badRatio).toMatchObject({ kind: "invalid", field: "benefit.ratio" });
    expect((badRatio as Error).message).toMatch(/benefit\.ratio[^；]*[\u4e00-\u9fff]/);
    const noFund = await failure(
      publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("other-aid", "no-such-fund")),
    );
    expect(noFund).toMatchObject({ kind: "unprocessable", field: "fund" });
    expect(await snapshot(platform)).toEqual(before);

    const api = await post("op1", "/aid-programs", {
      ...aidFile("other-aid", "lymphoma"),
      period: { start: "x" },
    });
    expect(api.statusCode).toBe(400);
    expect(api.json().error.field).toMatch(/^period/);
    expect(await snapshot(platform)).toEqual(before);
  });

  it("withdraws the current version: it stops matching until a new version is published", async () => {
    const ctx = platform.ctx;
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("drug-aid", "lymphoma"));
    const withdrawn = await post("op1", "/aid-programs/drug-aid/withdraw");
    expect(withdrawn.statusCode).toBe(200);
    expect(withdrawn.json()).toMatchObject({ status: "withdrawn", version: 1 });
    expect((await activeAidPrograms(ctx.db, PROGRAM)).map((p) => p.aidProgramId)).not.toContain("drug-aid");
    expect((await post("op1", "/aid-programs/drug-aid/withdraw")).statusCode).toBe(409);
    expect((await post("bureau1", "/aid-programs/lymphoma-aid/withdraw")).statusCode).toBe(403);
    await withdrawAidProgram(ctx, CLI_ACTOR, PROGRAM, "lymphoma-aid").catch(() => undefined);
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, aidFile("lymphoma-aid", "lymphoma", 3, 60));
    expect((await activeAidPrograms(ctx.db, PROGRAM)).map((p) => `${p.aidProgramId}@${p.version}`)).toEqual([
      "lymphoma-aid@3",
    ]);
  });

  it("API roles: operators publish; charities, bureau and regulator read; others are refused", async () => {
    const published = await post("op1", "/aid-programs", aidFile("union-aid", "lymphoma"));
    expect(published.statusCode).toBe(201);
    expect(published.json()).toMatchObject({
      outcome: "published",
      aid_program: { fund_name: "淋巴瘤救助专户" },
    });
    expect((await post("op1", "/aid-programs", aidFile("union-aid", "lymphoma"))).json().outcome).toBe(
      "unchanged",
    );
    for (const user of ["bureau1", "found1", "res1", "ins1"])
      expect((await post(user, "/aid-programs", aidFile("x-aid", "lymphoma"))).statusCode, user).toBe(403);
    for (const user of ["op1", "bureau1", "reg1", "found1"]) {
      const list = await get(user, "/aid-programs");
      expect(list.statusCode, user).toBe(200);
      expect(list.json().aid_programs.map((p: { aid_program_id: string }) => p.aid_program_id)).toContain(
        "union-aid",
      );
    }
    for (const user of ["res1", "ins1"])
      expect((await get(user, "/aid-programs")).statusCode, user).toBe(403);

    const detail = await get("reg1", "/aid-programs/lymphoma-aid?version=1");
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      version: 1,
      eligibility: { cohorts: ["dibao", "tekun"], icd10: [{ from: "C81", to: "C86" }] },
      benefit: { kind: "ratio_above_threshold", threshold: "1000.00", threshold_per: "year", ratio: "50%" },
      caps: { per_case: null, per_year: "50000.00" },
      budget: { amount: "200000.00", when_exhausted: "queue" },
    });
    expect(detail.json().versions.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    expect((await get("reg1", "/aid-programs/lymphoma-aid?version=9")).statusCode).toBe(404);
  });

  it("API funds: a charity opens and funds only its own; donations are idempotent by ref; bureau reads the ledger", async () => {
    const opened = await post("union1", "/aid-funds", {
      fund_id: "union",
      name: "困难职工互助专户",
      sponsor_kind: "union",
      sponsor_name: "市总工会",
    });
    expect(opened.statusCode).toBe(201);
    expect(opened.json()).toMatchObject({ keeper: "union1", balance: "0.00" });
    const forOther = await post("union1", "/aid-funds", {
      fund_id: "other",
      name: "他人",
      sponsor_kind: "union",
      sponsor_name: "市总工会",
      keeper: "found1",
    });
    expect(forOther.statusCode).toBe(403);

    const donation = { amount: "1234.56", donor: "王五", ref: "RCPT-0001" };
    const first = await post("union1", "/aid-funds/union/donations", donation);
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ outcome: "posted", fund_id: "union", balance: "1234.56" });
    const replay = await post("union1", "/aid-funds/union/donations", donation);
    expect(replay.statusCode).toBe(200);
    expect(replay.json().outcome).toBe("unchanged");
    expect(
      (await post("union1", "/aid-funds/union/donations", { amount: "5", ref: "RCPT-0002" })).statusCode,
    ).toBe(201);
    expect(
      (await post("union1", "/aid-funds/union/donations", { amount: "-5", ref: "R3" })).json().error.field,
    ).toBe("amount");
    expect(
      (await post("union1", "/aid-funds/lymphoma/donations", { amount: "5", ref: "R4" })).statusCode,
    ).toBe(403);
    expect((await post("bureau1", "/aid-funds/union/donations", { amount: "5", ref: "R5" })).statusCode).toBe(
      403,
    );

    const mine = await get("union1", "/aid-funds");
    expect(mine.json().funds.map((f: { fund_id: string }) => f.fund_id)).toEqual(["union"]);
    const all = await get("bureau1", "/aid-funds");
    expect(all.json().funds.map((f: { fund_id: string }) => f.fund_id)).toEqual(["lymphoma", "union"]);

    const ledger = await get("bureau1", "/aid-funds/union/ledger");
    expect(ledger.statusCode).toBe(200);
    expect(ledger.json()).toMatchObject({
      reconciled: true,
      contributions: "1239.56",
      fund: { balance: "1239.56" },
    });
    expect(
      ledger.json().lines.map((l: { donor: string | null; amount: string }) => [l.donor, l.amount]),
    ).toEqual([
      ["王五", "1234.56"],
      [null, "5.00"],
    ]);
    expect((await get("found1", "/aid-funds/union/ledger")).statusCode).toBe(403);
    expect((await get("ins1", "/aid-funds/union/ledger")).statusCode).toBe(403);
  });

  it("the command line (hmb aid …): fund create, publish, list, show in words, donate, statement", async () => {
    const ctx = platform.ctx;
    const lines: string[] = [];
    const out = (line: string) => {
      lines.push(line);
    };
    await aidFundCreate(
      ctx,
      "cli-fund",
      { program: PROGRAM, name: "命令行专户", sponsorKind: "pharma", sponsorName: "某药企" },
      out,
    );
    expect(lines.pop()).toBe("已开设救助基金「命令行专户」（cli-fund）");
    await aidPublish(ctx, PROGRAM, aidFile("cli-aid", "cli-fund"), out);
    expect(lines.pop()).toBe("已发布：cli-aid@1「cli-aid 救助」，从救助基金「命令行专户」支付");
    await aidPublish(ctx, PROGRAM, aidFile("cli-aid", "cli-fund"), out);
    expect(lines.pop()).toContain("未改变：cli-aid@1");
    await aidList(ctx, PROGRAM, true, out);
    const listed = JSON.parse(lines.pop() as string).aid_programs;
    expect(listed.find((p: { aid_program_id: string }) => p.aid_program_id === "cli-aid")).toMatchObject({
      status: "published",
      fund_name: "命令行专户",
    });
    await aidShow(ctx, PROGRAM, "cli-aid@1", false, out);
    const shown = lines.splice(0).join("\n");
    expect(shown).toContain("人群：低保对象、特困人员；主诊断：C81–C86");
    expect(shown).toContain("救助范围：在惠民保之后个人仍需负担的费用");
    expect(shown).toContain("超过起付线 1000.00 元（每年）的部分按 50% 救助；年度最高 50000.00 元");
    expect(shown).toContain("预算：200000.00 元，排队待补");
    expect(shown).not.toMatch(/dibao|tekun|queue|charity/);
    await expect(aidShow(ctx, PROGRAM, "cli-aid@7", false, out)).rejects.toMatchObject({ field: "version" });

    await aidFundDonate(ctx, "cli-fund", { program: PROGRAM, amount: "300", ref: "D1" }, out);
    expect(lines.pop()).toBe("已入账：300.00 元，余额 300.00 元");
    await aidFundDonate(ctx, "cli-fund", { program: PROGRAM, amount: "20.5", ref: "T1", topUp: true }, out);
    await expect(
      aidFundDonate(ctx, "cli-fund", { program: PROGRAM, amount: "abc", ref: "D2" }, out),
    ).rejects.toMatchObject({ field: "amount" });
    lines.length = 0;
    expect(await aidFundStatement(ctx, PROGRAM, "cli-fund", false, out)).toBe(true);
    const statement = lines.join("\n");
    expect(statement).toMatch(/社会捐赠\t300\.00 元\t余额 300\.00 元\t匿名\tD1/);
    expect(statement).toMatch(/出资方注资\t20\.50 元\t余额 320\.50 元\t\tT1/);
    expect(statement).toContain("专户对账平衡");
  });
});

describe("hmb aid (built binary)", () => {
  const dir = mkdtempSync(join(tmpdir(), "hmb-cli-aid-"));
  beforeAll(() => buildCli(), 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("publish refuses a bad file before touching any database: exit 1, every problem as `path: 中文说明`", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, JSON.stringify({ ...aidFile("lymphoma-aid", "lymphoma", 1, 150), priority: -1 }));
    const bad = runHmb(["aid", "publish", path, "--program", "ws-cli"], { HMB_DATA_DIR: join(dir, "none") });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^benefit\.ratio: .*[\u4e00-\u9fff]/m);
    expect(bad.stderr).toMatch(/^priority: .*[\u4e00-\u9fff]/m);
    expect(existsSync(join(dir, "none"))).toBe(false);
  }, 300_000);
});
