/**
 * A family-shared deductible in the platform (issue 12 §5, schema v2 `shared: "family"`): the members of one
 * family enrollment settle against one pool (services/claims/coverage.ts, family_accumulators), a revocation
 * gives it back, an individual enrollee on the same plan keeps a pool of their own, and members settling at
 * the same time never overdraw it.
 *
 * Product: test/fixtures/wenshan-family-2023.json — wenshan-2023 whose 责任一 pool (医保范围内, 12,000 元,
 * 80 %) is `shared: "family"`. The family: P001 (self, payer) and P002 (spouse); P003 enrolls on their own.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { addInstitution } from "../src/services/institutions.js";
import { publishProduct } from "../src/services/products.js";
import { amendProgramProduct } from "../src/services/programs.js";
import familyProduct from "./fixtures/wenshan-family-2023.json" with { type: "json" };
import {
  type ClaimsFixture,
  HOSPITAL,
  postSettlement,
  recordFor,
  revokeSettlement,
  SETTLE_NOW,
} from "./support/claims.js";
import { claimProblems } from "./support/claims-invariants.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { addRosterPersons, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

/** Before 文山's enrollment window opens: the program may still be moved to the fixture product. */
const BEFORE_ENROLLMENT = "2023-06-01T10:00:00+08:00";
const FAMILY_PRODUCT = `${familyProduct.id}@${familyProduct.version}`;
const YUAN = 100;

describe.each(BACKENDS)("family-shared deductible (%s)", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const secrets = new Map<string, string>();
  const fixture: ClaimsFixture = {
    secrets,
    async certnoOf(psnNo: string) {
      const rows = await platform.ctx.db.query<{ certno_enc: Uint8Array }>(
        "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
        [PROGRAM, psnNo],
      );
      if (rows[0] === undefined) throw new Error(`no roster person ${psnNo}`);
      return decrypt(platform.ctx.keys, rows[0].certno_enc);
    },
  };

  /** Settles a 住院 record with `inScopeYuan` 元 医保范围内自付 for psnNo; the answer's hmb_pay. */
  const settle = async (setlId: string, psnNo: string, inScopeYuan: number) => {
    const r = await postSettlement(
      app,
      fixture,
      await recordFor(fixture, { setlId, psnNo, inScope: inScopeYuan * YUAN }),
    );
    expect(r.statusCode, r.body).toBe(200);
    return r.json().hmb_pay as string;
  };

  /** The family's stored pools (fen by pool) and change number, or undefined before its first claim. */
  const familyRow = async (familyKey: string) => {
    const rows = await platform.ctx.db.query<{ state: { deductibleUsed: number[] }; seq: number }>(
      "select state, seq from family_accumulators where program_id = $1 and family_key = $2",
      [PROGRAM, familyKey],
    );
    return rows[0] === undefined
      ? undefined
      : { used: rows[0].state.deductibleUsed, seq: Number(rows[0].seq) };
  };

  const enrollmentOf = async (psnNo: string) => {
    const rows = await platform.ctx.db.query<{ enrollment_id: string }>(
      "select enrollment_id from policies where program_id = $1 and psn_no = $2",
      [PROGRAM, psnNo],
    );
    if (rows[0] === undefined) throw new Error(`no policy for ${psnNo}`);
    return rows[0].enrollment_id;
  };

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: BEFORE_ENROLLMENT });
    const { ctx } = platform;
    expect((await publishProduct(ctx, CLI_ACTOR, familyProduct)).outcome).toBe("published");
    await setupWenshan(ctx);
    await addRosterPersons(ctx, PROGRAM, [
      { psnNo: "F001", name: "周一", brdy: "1985-01-01" },
      { psnNo: "F002", name: "周二", brdy: "1986-01-01" },
    ]);
    await amendProgramProduct(ctx, CLI_ACTOR, PROGRAM, FAMILY_PRODUCT);
    platform.clock.set(NOW);
    await enroll(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "family",
      payerPsnNo: "P001",
      members: [
        { psnNo: "P001", relation: "self" },
        { psnNo: "P002", relation: "spouse" },
      ],
      channel: "offline",
    });
    await enroll(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "family",
      payerPsnNo: "F001",
      members: [
        { psnNo: "F001", relation: "self" },
        { psnNo: "F002", relation: "spouse" },
      ],
      channel: "offline",
    });
    await enroll(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "individual",
      psnNo: "P003",
      channel: "offline",
    });
    const added = await addInstitution(ctx, CLI_ACTOR, { programId: PROGRAM, code: HOSPITAL, name: "医院" });
    secrets.set(HOSPITAL, added.secret);
    app = await testServer(platform);
    platform.clock.set(SETTLE_NOW);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("members share one pool; a revocation gives it back; an individual on the plan keeps their own", async () => {
    const family = await enrollmentOf("P001");
    expect(await enrollmentOf("P002")).toBe(family);
    expect(await familyRow(family)).toBeUndefined();

    // A: 10,000 元 in scope, all within the family's 12,000 元 deductible → pays 0; 10,000 元 of it used.
    expect(await settle("FAM-A1", "P001", 10_000)).toBe("0.00");
    expect(await familyRow(family)).toEqual({ used: [10_000 * YUAN, 0], seq: 1 });

    // B: 5,000 元; only 12,000 − 10,000 = 2,000 元 of the pool left → (5,000 − 2,000) × 80 % = 2,400 元.
    // (A pool of B's own would have swallowed all 5,000 元 and paid 0.)
    expect(await settle("FAM-B1", "P002", 5_000)).toBe("2400.00");
    expect(await familyRow(family)).toEqual({ used: [12_000 * YUAN, 0], seq: 2 });

    // Revoking A's claim gives its 10,000 元 back: the pool holds B's 2,000 元 only.
    const revoked = await revokeSettlement(app, fixture, "FAM-A1");
    expect(revoked.statusCode, revoked.body).toBe(200);
    expect(await familyRow(family)).toEqual({ used: [2_000 * YUAN, 0], seq: 3 });

    // B again, 15,000 元: 10,000 元 of room restored → (15,000 − 10,000) × 80 % = 4,000 元
    // (without the give-back, the pool would be spent: 15,000 × 80 % = 12,000 元).
    expect(await settle("FAM-B2", "P002", 15_000)).toBe("4000.00");
    expect(await familyRow(family)).toEqual({ used: [12_000 * YUAN, 0], seq: 4 });

    // P003 enrolled alone on the same plan: a family of one with their own 12,000 元 →
    // (15,000 − 12,000) × 80 % = 2,400 元, and no family row.
    expect(await settle("IND-1", "P003", 15_000)).toBe("2400.00");
    const rows = await platform.ctx.db.query<{ n: number }>(
      "select count(*)::int as n from family_accumulators where program_id = $1",
      [PROGRAM],
    );
    expect(rows[0]?.n).toBe(1);

    expect((await claimProblems(platform.ctx.db, PROGRAM)).problems).toEqual([]);
  });

  it("members settling at once never overdraw the shared pool", async () => {
    const family = await enrollmentOf("F001");
    // Six claims of 4,000 元 at once, three per member, against one 12,000 元 pool: whatever the order, the
    // pool absorbs exactly 12,000 元 and the rest is paid at 80 %: (6 × 4,000 − 12,000) × 80 % = 9,600 元.
    // Members drawing on the pool without waiting for each other would absorb more and pay less.
    const claims = [1, 2, 3].flatMap((i) => [
      settle(`CON-F1-${i}`, "F001", 4_000),
      settle(`CON-F2-${i}`, "F002", 4_000),
    ]);
    const paid = await Promise.all(claims);
    const total = paid.reduce((sum, yuan) => sum + Math.round(Number(yuan) * YUAN), 0);
    expect(total).toBe(9_600 * YUAN);
    expect(await familyRow(family)).toEqual({ used: [12_000 * YUAN, 0], seq: 6 });
    expect((await claimProblems(platform.ctx.db, PROGRAM)).problems).toEqual([]);
  });
});
