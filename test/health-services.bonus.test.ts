/**
 * A benefit conditioned on a health service (issue 15 item 6: 北京惠她保's +5 % for a 两癌 screening), through
 * the products' person attributes: `servicesRedeemed` in a schema v2 `when`. Hand-worked in the engine (the
 * ratio is 5 points higher when the screening was done, not otherwise), in `hmb adjudicate` files
 * (`hmb_services_redeemed`), and on the platform (a voucher redeemed before the stay → the settlement pays the
 * higher ratio; a stay before the redemption, or another person, the lower one) — both back ends.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductValidationError, parseProduct } from "../src/domain/product.js";
import { emptyAccumulators } from "../src/engine/accumulators.js";
import { adjudicate } from "../src/engine/adjudicate.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { decrypt } from "../src/platform/crypto.js";
import { describeWhen } from "../src/products/sheet.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { issueProgramVouchers, publishCatalog, redeemVoucher } from "../src/services/health-services.js";
import { addInstitution } from "../src/services/institutions.js";
import { publishProduct } from "../src/services/products.js";
import { amendProgramProduct } from "../src/services/programs.js";
import { baseV2, inScope, type Json, parsed, planOf, v2Person } from "./engine.v2.support.js";
import { lineOf, record, Y } from "./fixtures.js";
import { type ClaimsFixture, HOSPITAL, postSettlement, recordFor, SETTLE_NOW } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { NOW, PROGRAM, setupWenshan } from "./support/roster.js";

const SCREENING = "two-cancer-screening";

/** In scope at 60 %, 65 % with the screening done (惠她保's 60 % → 65 %); no deductible. */
function bonusProduct(): Json {
  const j = baseV2();
  j.plans[0].liabilities = [
    {
      ...inScope(),
      ratios: [
        { when: { servicesRedeemed: [SCREENING] }, ratioPercent: 65, label: "两癌筛查" },
        { ratioPercent: 60 },
      ],
    },
  ];
  return j;
}

describe("servicesRedeemed in the engine (hand-worked)", () => {
  const plan = planOf(bonusProduct());

  it("marks the plan as reading services; plans without it do not", () => {
    expect(plan.hasServiceConditions).toBe(true);
    const plain = baseV2();
    plain.plans[0].liabilities = [inScope()];
    expect(planOf(plain).hasServiceConditions).toBe(false);
    const wenshan = JSON.parse(readFileSync("src/products/wenshan-2023.json", "utf8"));
    expect(compilePlan(parseProduct(wenshan), "standard").hasServiceConditions).toBe(false);
  });

  it("screening done: 10000 × 65% = 6500", () => {
    const a = v2Person(plan, { servicesRedeemed: new Set([SCREENING, "checkup"]) }).run({
      setlId: "S1",
      inScope: Y(10_000),
    });
    expect(a.hmbPay).toBe(Y(6_500));
    expect(lineOf(a, "in_scope").segments.map((s) => [s.ratioBps, s.label])).toEqual([[6_500, "两癌筛查"]]);
  });

  it("not done, another service only, or unknown: 10000 × 60% = 6000", () => {
    for (const extra of [
      { servicesRedeemed: new Set<string>() },
      { servicesRedeemed: new Set(["checkup"]) },
      {},
    ]) {
      const a = v2Person(plan, extra).run({ setlId: "S2", inScope: Y(10_000) });
      expect(a.hmbPay).toBe(Y(6_000));
    }
  });

  it("every listed service must have been used", () => {
    const j = bonusProduct();
    j.plans[0].liabilities[0].ratios[0].when.servicesRedeemed = [SCREENING, "checkup"];
    const both = planOf(j);
    const terms = (used: string[]) => ({
      coverage: both.coverage,
      cohort: undefined,
      preExisting: [false],
      servicesRedeemed: new Set(used),
    });
    const pay = (used: string[]) =>
      adjudicate(both, terms(used), emptyAccumulators(both), parsed({ setlId: "S3", inScope: Y(10_000) }))
        .hmbPay;
    expect(pay([SCREENING])).toBe(Y(6_000));
    expect(pay([SCREENING, "checkup"])).toBe(Y(6_500));
  });

  it("refuses a bad service id naming the field, and says the condition in words", () => {
    const j = bonusProduct();
    j.plans[0].liabilities[0].ratios[0].when.servicesRedeemed = ["Two Cancer"];
    expect(() => parseProduct(j)).toThrow(ProductValidationError);
    try {
      parseProduct(j);
    } catch (e) {
      expect((e as ProductValidationError).message).toContain("servicesRedeemed");
    }
    expect(describeWhen({ servicesRedeemed: [SCREENING] })).toContain("已使用指定健康服务");
  });

  it("files: hmb_services_redeemed on the record feeds the same condition; a bad value is refused", () => {
    const line = (setlId: string, psnNo: string, extra: Record<string, unknown>) =>
      JSON.stringify(record({ setlId, psnNo, inScope: Y(10_000), extra }));
    const batch = new AdjudicationBatch(plan);
    batch.add(line("F1", "P1", { hmb_services_redeemed: [SCREENING] }));
    batch.add(line("F2", "P2", { hmb_services_redeemed: [] }));
    batch.add(line("F3", "P3", {}));
    batch.add(line("F4", "P4", { hmb_services_redeemed: "two-cancer-screening" }));
    const [f1, f2, f3, f4] = batch.run();
    const pay = (r: typeof f1) => (r?.kind === "result" ? r.adjudication.hmbPay : -1);
    expect([pay(f1), pay(f2), pay(f3)]).toEqual([Y(6_500), Y(6_000), Y(6_000)]);
    expect(f4?.kind === "error" ? f4.error.field : "").toBe("hmb_services_redeemed");
  });
});

/** Before 文山's enrollment window opens: the program may still be moved to the test product. */
const BEFORE_ENROLLMENT = "2023-06-01T10:00:00+08:00";
const PROVIDER = "HC53260100001";
/** The screening is redeemed on 2023-10-09, between the two stays of P002. */
const REDEEMED_AT = "2023-10-09T12:00:00+08:00";

/** 文山 2023 with 责任一 at 80 %, 85 % after the 两癌 screening (an illustrative +5 points, 示例). */
function wenshanWithBonus(): Json {
  const j = JSON.parse(readFileSync("src/products/wenshan-2023.json", "utf8"));
  j.id = "wenshan-screening-2023";
  j.name = "文山惠民保筛查上浮（示例，测试用）";
  const liability = j.plans[0].liabilities.find((l: Json) => l.id === "inpatient_in_scope");
  liability.ratios = [
    { when: { servicesRedeemed: ["screening"] }, ratioPercent: 85, label: "两癌筛查" },
    { ratioPercent: 80, label: "包含既往症" },
  ];
  return j;
}

describe.each(BACKENDS)("screening bonus on the platform (%s)", (backend) => {
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

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: BEFORE_ENROLLMENT });
    const { ctx } = platform;
    const product = wenshanWithBonus();
    expect((await publishProduct(ctx, CLI_ACTOR, product)).outcome).toBe("published");
    await setupWenshan(ctx);
    await amendProgramProduct(ctx, CLI_ACTOR, PROGRAM, `${product.id}@${product.version}`);
    platform.clock.set(NOW);
    for (const psnNo of ["P001", "P002"])
      await enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo, channel: "offline" });
    for (const [code, name, kind] of [
      [HOSPITAL, "文山州人民医院", "medical"],
      [PROVIDER, "文山体检中心", "service"],
    ] as const)
      secrets.set(
        code,
        (await addInstitution(ctx, CLI_ACTOR, { programId: PROGRAM, code, name, kind })).secret,
      );
    await publishCatalog(ctx, CLI_ACTOR, PROGRAM, {
      schemaVersion: 1,
      version: 1,
      name: "文山惠民保健康服务（测试）",
      services: [
        {
          id: "screening",
          kind: "cancer_screening",
          name: "两癌筛查",
          quantityPerYear: 1,
          providers: [PROVIDER],
        },
      ],
    });
    platform.clock.set(REDEEMED_AT);
    await issueProgramVouchers(ctx, CLI_ACTOR, PROGRAM);
    const voucher = await ctx.db.query<{ voucher_code: string }>(
      "select voucher_code from health_service_vouchers where program_id = $1 and psn_no = 'P002'",
      [PROGRAM],
    );
    await redeemVoucher(ctx, { id: PROVIDER, role: "provider", programId: PROGRAM }, PROGRAM, {
      voucherCode: voucher[0]?.voucher_code,
      reference: "TJ-0001",
    });
    platform.clock.set(SETTLE_NOW);
    app = await testServer(platform);
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const settle = async (setlId: string, psnNo: string, day: string, inScopeYuan: number) => {
    const at = `${day} 10:00:00`;
    const r = await postSettlement(
      app,
      fixture,
      await recordFor(fixture, { setlId, psnNo, inScope: Y(inScopeYuan), setlTime: at, begntime: at }),
    );
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { hmb_pay: string };
  };

  it("pays 80 % for a stay before the screening, 85 % after it, 80 % for a person without it", async () => {
    // P002, admitted 2023-10-08, before the screening: (22000 − 12000 deductible) × 80% = 8000.
    expect((await settle("BONUS-1", "P002", "2023-10-08", 22_000)).hmb_pay).toBe("8000.00");
    // P002, admitted 2023-10-10, after it: the deductible is used up, 10000 × 85% = 8500.
    expect((await settle("BONUS-2", "P002", "2023-10-10", 10_000)).hmb_pay).toBe("8500.00");
    // P001 never screened: (22000 − 12000) × 80% = 8000.
    expect((await settle("BONUS-3", "P001", "2023-10-10", 22_000)).hmb_pay).toBe("8000.00");
  });
});
