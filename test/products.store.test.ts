/**
 * The product store (issue 12 §2): publish immutable versions, pin a version per program, pay claims on the
 * pinned stored version, and the 金办便函〔2025〕745号 freeze — a program's version changes only by an audited
 * amendment before its enrollment opens. Both back ends.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decrypt } from "../src/platform/crypto.js";
import wenshanFile from "../src/products/wenshan-2023.json" with { type: "json" };
import { CLI_ACTOR, ServiceError } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { addInstitution } from "../src/services/institutions.js";
import {
  canonicalJson,
  contentHashOf,
  listProductVersions,
  publishProduct,
  publishShippedProducts,
  showProductVersion,
} from "../src/services/products.js";
import { amendProgramProduct, createProgram, loadProgram, productOf } from "../src/services/programs.js";
import { HOSPITAL, postSettlement, recordFor, SETTLE_NOW } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { NOW, PROGRAM, setupWenshan } from "./support/roster.js";

/** Before 文山's enrollment window (2023-07-03): the program's version may still be amended. */
const BEFORE_ENROLLMENT = "2023-06-01T10:00:00+08:00";

/** wenshan-2023 with 责任一's deductible pool (plans[0].deductiblePools[0], 12000 元) set to `yuan`. */
function wenshanWith(version: number, deductibleYuan: number): Record<string, unknown> {
  const file = structuredClone(wenshanFile) as Record<string, unknown> & {
    plans: { deductiblePools: { amount: number }[] }[];
  };
  const pool = file.plans[0]?.deductiblePools[0];
  if (pool === undefined) throw new Error("wenshan-2023 has no deductible pool");
  pool.amount = deductibleYuan;
  return { ...file, version };
}

async function refusal(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ServiceError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

describe.each(BACKENDS)("product store (%s)", (backend) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: BEFORE_ENROLLMENT });
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
  });

  it("publishes the shipped products on first start, once", async () => {
    const { ctx } = platform;
    const listed = await listProductVersions(ctx);
    expect(listed.map((v) => `${v.productId}@${v.version}`)).toEqual(
      expect.arrayContaining(["wenshan-2023@1", "chuxiong-2023@1"]),
    );
    const wenshan = listed.find((v) => v.productId === "wenshan-2023");
    expect(wenshan?.publishedBy).toBe("system");
    // Another start finds them all and writes nothing.
    expect(await publishShippedProducts(ctx)).toEqual({ published: [], conflicts: [] });
    expect(await listProductVersions(ctx)).toHaveLength(listed.length);
  });

  it("same content again is a no-op; other content under a published id+version is refused, nothing changes", async () => {
    const { ctx } = platform;
    // Key order and whitespace do not make other content: the hash is over canonical JSON.
    const reordered = Object.fromEntries(Object.entries(wenshanFile).reverse());
    const again = await publishProduct(ctx, CLI_ACTOR, reordered);
    expect(again.outcome).toBe("unchanged");
    const stored = await showProductVersion(ctx, "wenshan-2023", 1);
    expect(again.version.contentHash).toBe(stored.contentHash);
    expect(stored.contentHash).toBe(contentHashOf(stored.content));

    const changed = await refusal(publishProduct(ctx, CLI_ACTOR, wenshanWith(1, 10_000)));
    expect(changed.kind).toBe("conflict");
    expect(changed.message).toContain("已发布且内容不同");
    expect((await showProductVersion(ctx, "wenshan-2023", 1)).contentHash).toBe(stored.contentHash);
    // The stored content is the file: 12000 元 still.
    expect(stored.product.plans[0]?.deductiblePools[0]?.amount).toBe(1_200_000);
  });

  it("an invalid file is refused with every problem in Chinese, naming the field, and nothing is stored", async () => {
    const { ctx } = platform;
    const bad = wenshanWith(9, 12_000) as { plans: { liabilities: { cap: number }[] }[] };
    (bad.plans[0]?.liabilities[0] as { cap: number }).cap = -1;
    const e = await refusal(publishProduct(ctx, CLI_ACTOR, bad));
    expect(e.kind).toBe("invalid");
    expect(e.field).toBe("plans[0].liabilities[0].cap");
    expect(e.message).toMatch(/[\u4e00-\u9fff]/);
    expect(
      (await listProductVersions(ctx)).some((v) => v.productId === "wenshan-2023" && v.version === 9),
    ).toBe(false);
  });

  it("publishing is audited; the content hash is the sha-256 of the canonical JSON", async () => {
    const { ctx } = platform;
    const r = await publishProduct(ctx, CLI_ACTOR, wenshanWith(2, 10_000));
    expect(r.outcome).toBe("published");
    expect(r.version).toMatchObject({ productId: "wenshan-2023", version: 2, publishedBy: "cli" });
    const shown = await showProductVersion(ctx, "wenshan-2023", undefined);
    expect(shown.version).toBe(2); // the latest when no version is named
    expect(r.version.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const audit = await ctx.db.query<{ action: string; subject: string }>(
      "select action, subject from audit_log where program_id = '*' and action = 'product.publish'",
    );
    expect(audit.map((a) => a.subject)).toContain("wenshan-2023@2");
  });

  it("a program pins ID@VERSION, or the latest published without @; a replay asking another version is refused", async () => {
    const { ctx } = platform;
    const pinned = await createProgram(ctx, CLI_ACTOR, { programId: "pin-v1", productId: "wenshan-2023@1" });
    expect(pinned.productVersion).toBe(1);
    const latest = await createProgram(ctx, CLI_ACTOR, {
      programId: "pin-latest",
      productId: "wenshan-2023",
    });
    expect(latest.productVersion).toBe(2);
    expect(productOf(latest).plans[0]?.deductiblePools[0]?.amount).toBe(1_000_000);
    const replay = await refusal(
      createProgram(ctx, CLI_ACTOR, { programId: "pin-v1", productId: "wenshan-2023@2" }),
    );
    expect(replay.kind).toBe("conflict");
    const unknown = await refusal(
      createProgram(ctx, CLI_ACTOR, { programId: "pin-x", productId: "wenshan-2023@7" }),
    );
    expect(unknown).toMatchObject({ kind: "invalid", field: "product_id" });
    expect(unknown.message).toContain("没有第 7 版");
    const malformed = await refusal(
      createProgram(ctx, CLI_ACTOR, { programId: "pin-x", productId: "wenshan-2023@latest" }),
    );
    expect(malformed).toMatchObject({ kind: "invalid", field: "product_id" });
  });

  describe("claims are paid on the pinned stored version; the version freezes once enrollment opens", () => {
    let app: FastifyInstance;
    const secrets = new Map<string, string>();
    const fixture = {
      secrets,
      certnoOf: async (psnNo: string) => {
        const rows = await platform.ctx.db.query<{ certno_enc: Uint8Array }>(
          "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
          [PROGRAM, psnNo],
        );
        if (rows[0] === undefined) throw new Error(`no roster person ${psnNo}`);
        return decrypt(platform.ctx.keys, rows[0].certno_enc);
      },
    };

    beforeAll(async () => {
      const { ctx } = platform;
      platform.clock.set(BEFORE_ENROLLMENT);
      await setupWenshan(ctx); // ws-2023 pins the latest published: wenshan-2023@2
      app = await testServer(platform);
    }, 120_000);
    afterAll(async () => {
      await app?.close();
    });

    it("before enrollment opens an amendment is allowed and audited", async () => {
      const { ctx } = platform;
      expect((await loadProgram(ctx, PROGRAM)).productVersion).toBe(2);
      const back = await amendProgramProduct(ctx, CLI_ACTOR, PROGRAM, "wenshan-2023@1");
      expect(back.productVersion).toBe(1);
      const again = await amendProgramProduct(ctx, CLI_ACTOR, PROGRAM, "wenshan-2023@2");
      expect(again.productVersion).toBe(2);
      const audit = await ctx.db.query<{ detail: { from: string; to: string } }>(
        "select detail from audit_log where program_id = $1 and action = 'program.amend_product' order by audit_id",
        [PROGRAM],
      );
      expect(audit.map((a) => a.detail)).toEqual([
        { from: "wenshan-2023@2", to: "wenshan-2023@1" },
        { from: "wenshan-2023@1", to: "wenshan-2023@2" },
      ]);
    });

    it("over HTTP: PATCH /programs/{id} amends before opening; refused after, nothing changed", async () => {
      const { ctx } = platform;
      const admin = await loginAdmin(app);
      const ok = await app.inject({
        method: "PATCH",
        url: `/api/v1/programs/${PROGRAM}`,
        headers: admin,
        payload: { product_id: "wenshan-2023", product_version: 2 },
      });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ product_id: "wenshan-2023", product_version: 2 });
      // 文山's enrollment window opened on 2023-07-03: from then on the version is frozen.
      platform.clock.set(NOW);
      const refused = await app.inject({
        method: "PATCH",
        url: `/api/v1/programs/${PROGRAM}`,
        headers: admin,
        payload: { product_id: "wenshan-2023@1" },
      });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: "product_frozen", field: "product_id" });
      expect(refused.json().error.message).toContain("745号");
      expect((await loadProgram(ctx, PROGRAM)).productVersion).toBe(2);
      expect(refused.json().error.message).toContain("投保期已开始");
    });

    it("pays on the pinned version (10000 deductible), not the compiled-in file nor a later version", async () => {
      const { ctx } = platform;
      platform.clock.set(NOW);
      for (const psnNo of ["P001", "P002"])
        await enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo, channel: "offline" });
      const added = await addInstitution(ctx, CLI_ACTOR, {
        programId: PROGRAM,
        code: HOSPITAL,
        name: "医院",
      });
      secrets.set(HOSPITAL, added.secret);
      platform.clock.set(SETTLE_NOW);

      // (50,000 − 10,000) × 80 % = 32,000 元 on wenshan-2023@2; @1 (deductible 12,000) would pay 30,400.
      const first = await postSettlement(
        app,
        fixture,
        await recordFor(fixture, { setlId: "PIN-1", psnNo: "P001", inScope: 5_000_000 }),
      );
      expect(first.statusCode).toBe(200);
      expect(first.json().hmb_pay).toBe("32000.00");

      // A version published later (another process could have) changes nothing for this program.
      expect((await publishProduct(ctx, CLI_ACTOR, wenshanWith(3, 8_000))).outcome).toBe("published");
      const second = await postSettlement(
        app,
        fixture,
        await recordFor(fixture, { setlId: "PIN-2", psnNo: "P002", inScope: 5_000_000 }),
      );
      expect(second.json().hmb_pay).toBe("32000.00");

      // With policies in force the version is frozen, even were the clock before the window.
      platform.clock.set(BEFORE_ENROLLMENT);
      const frozen = await refusal(amendProgramProduct(ctx, CLI_ACTOR, PROGRAM, "wenshan-2023@3"));
      expect(frozen).toMatchObject({ kind: "conflict", code: "product_frozen" });
      expect(frozen.message).toContain("已有保单");
      platform.clock.set(SETTLE_NOW);
    });
  });
});

async function loginAdmin(app: FastifyInstance): Promise<Record<string, string>> {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { program_id: "*", username: "admin", password: "admin-pass-1" },
  });
  expect(res.statusCode).toBe(200);
  return { authorization: `Bearer ${res.json().token as string}` };
}
