/**
 * `hmb replay --program` reproduces what the platform paid (issue 13 item 1), on both back ends: claims are
 * settled through the real settle path (settleClaim) on a program that follows last year's, with a v2 product
 * whose deductibles depend on consecutive insured years and claim-free years (深圳惠民保 2024's renewal
 * deductible, plus a claim-free variant) and whose 责任二 deductible is shared by a family enrollment. The
 * replay under the program's own product and plan then pays every claim exactly what the platform paid —
 * which it only can by carrying the years stored on the policies and the family of the enrollment.
 *
 * People of 深圳 2024: A (insured in 2023, no claim: 2 insured years, 1 claim-free year), C (insured in 2023
 * with a paid claim: 2 insured years, 0 claim-free), D (new), and the family E + F (new, one enrollment).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ratio4 } from "../src/actuarial/replay.js";
import { makeCertno, maskCertno } from "../src/domain/certno.js";
import type { Adjudication } from "../src/engine/adjudicate.js";
import { blindIndex, encrypt } from "../src/platform/crypto.js";
import shenzhen2024 from "../src/products/shenzhen-hmb-2024.json" with { type: "json" };
import { settleClaim } from "../src/services/claims/settle.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { publishProduct } from "../src/services/products.js";
import { createProgram, loadProgram } from "../src/services/programs.js";
import { programReplay } from "../src/services/replay.js";
import { record } from "./fixtures.js";
import { buildCli } from "./support/cli.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

const DATABASE_TEST_MS = 300_000;
const SZ_2023 = "szr-2023";
const SZ_2024 = "szr-2024";
const IN_2023_WINDOW = "2022-10-01T10:00:00+08:00";
const IN_2023_COVERAGE = "2023-06-30T10:00:00+08:00";
const IN_2024_WINDOW = "2023-10-01T10:00:00+08:00";
const IN_2024_COVERAGE = "2024-06-30T10:00:00+08:00";
const REGION = "440304";
const YUAN = 100;

/**
 * 深圳 2024 as published, with 责任一's deductible 12,000 after a claim-free year (before the renewal
 * 14,000: the first variant that holds applies) and 责任二's (住院自费) shared by a family enrollment.
 */
function yearsAndFamilyProduct(): Record<string, unknown> {
  const p = structuredClone(shenzhen2024) as unknown as {
    id: string;
    plans: { deductiblePools: { id: string; shared?: string; variants: unknown[] }[] }[];
  };
  p.id = "sz-years-family-2024";
  const pools = p.plans[0]?.deductiblePools ?? [];
  for (const pool of pools) {
    if (pool.id === "benefit_1_deductible")
      pool.variants.unshift({ when: { claimFreeYearsFrom: 1 }, amount: 12000, label: "连续1年及以上无理赔" });
    if (pool.id === "benefit_2_deductible") {
      pool.shared = "family";
      pool.variants = [];
    }
  }
  return p as unknown as Record<string, unknown>;
}

interface Person {
  readonly key: string;
  readonly brdy: string;
  readonly psn2023: string | null;
  readonly psn2024: string;
}
const PEOPLE: Person[] = [
  { key: "A", brdy: "1980-01-01", psn2023: "R23A", psn2024: "R24A" },
  { key: "C", brdy: "1982-03-03", psn2023: "R23C", psn2024: "R24C" },
  { key: "D", brdy: "1983-04-04", psn2023: null, psn2024: "R24D" },
  { key: "E", brdy: "1984-05-05", psn2023: null, psn2024: "R24E" },
  { key: "F", brdy: "1985-06-06", psn2023: null, psn2024: "R24F" },
];

async function addPerson(ctx: PlatformContext, programId: string, psnNo: string, p: Person, seq: number) {
  const certno = makeCertno(REGION, p.brdy.replaceAll("-", ""), seq);
  await ctx.db.query(
    `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
       insutype, admdvs) values ($1,$2,$3,$4,$5,$6,'1',$7,'390',$8)`,
    [
      programId,
      psnNo,
      encrypt(ctx.keys, certno),
      blindIndex(ctx.keys, certno),
      maskCertno(certno),
      `测试${p.key}`,
      p.brdy,
      REGION,
    ],
  );
  return certno;
}

describe.each(BACKENDS)("program replay reproduces the platform's payouts (%s)", (backend) => {
  let tp: TestPlatform;
  const certnos = new Map<string, string>();

  const settle = async (
    programId: string,
    setlId: string,
    key: string,
    psnNo: string,
    spec: { inScope?: number; fullOwnPay?: number },
    at: string,
  ) => {
    const out = await settleClaim(tp.ctx, CLI_ACTOR, {
      programId,
      record: {
        ...record({ setlId, psnNo, setlTime: at, region: REGION, institution: "H44030400001", ...spec }),
        certno: certnos.get(key) as string,
      },
      kind: "one_stop",
      payee: "hospital",
      source: "one_stop",
    });
    return out.hmbPay;
  };

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: IN_2023_WINDOW });
    const { ctx } = tp;
    const product = yearsAndFamilyProduct();
    expect((await publishProduct(ctx, CLI_ACTOR, product)).outcome).toBe("published");
    await createProgram(ctx, CLI_ACTOR, { programId: SZ_2023, productId: "shenzhen-hmb-2023" });
    await createProgram(ctx, CLI_ACTOR, {
      programId: SZ_2024,
      productId: product.id as string,
      follows: SZ_2023,
    });
    let seq = 1;
    for (const p of PEOPLE) {
      const n = seq++;
      if (p.psn2023 !== null) await addPerson(ctx, SZ_2023, p.psn2023, p, n);
      certnos.set(p.key, await addPerson(ctx, SZ_2024, p.psn2024, p, n));
    }
    for (const psnNo of ["R23A", "R23C"])
      await enroll(ctx, CLI_ACTOR, { programId: SZ_2023, kind: "individual", psnNo, channel: "offline" });
    tp.clock.set(IN_2023_COVERAGE);
    const paid2023 = await settle(
      SZ_2023,
      "R23-C-1",
      "C",
      "R23C",
      { inScope: 30_000 * YUAN },
      "2023-05-10 10:00:00",
    );
    expect(paid2023).toBeGreaterThan(0);

    tp.clock.set(IN_2024_WINDOW);
    for (const psnNo of ["R24A", "R24C", "R24D"])
      await enroll(ctx, CLI_ACTOR, { programId: SZ_2024, kind: "individual", psnNo, channel: "offline" });
    await enroll(ctx, CLI_ACTOR, {
      programId: SZ_2024,
      kind: "family",
      payerPsnNo: "R24E",
      members: [
        { psnNo: "R24E", relation: "self" },
        { psnNo: "R24F", relation: "spouse" },
      ],
      channel: "offline",
    });

    tp.clock.set(IN_2024_COVERAGE);
    // The same stay for A, C and D: 30,000 元 医保范围内自付, then a second one of A's.
    for (const key of ["A", "C", "D"])
      await settle(
        SZ_2024,
        `R24-${key}-1`,
        key,
        `R24${key}`,
        { inScope: 30_000 * YUAN },
        "2024-03-10 10:00:00",
      );
    await settle(SZ_2024, "R24-A-2", "A", "R24A", { inScope: 5_000 * YUAN }, "2024-04-10 10:00:00");
    // The family: 10,000 元 住院自费 each; their one 责任二 deductible is used up by E's.
    await settle(SZ_2024, "R24-E-1", "E", "R24E", { fullOwnPay: 10_000 * YUAN }, "2024-03-12 10:00:00");
    await settle(SZ_2024, "R24-F-1", "F", "R24F", { fullOwnPay: 10_000 * YUAN }, "2024-04-12 10:00:00");
  }, DATABASE_TEST_MS);

  afterAll(async () => tp?.close());

  it("pays every claim what the platform paid, years and family pools included", async () => {
    const { ctx } = tp;
    const paid = new Map(
      (
        await ctx.db.query<{ setl_id: string; hmb_pay_fen: string | number }>(
          "select setl_id, hmb_pay_fen from claims where program_id = $1 and state = 'settled'",
          [SZ_2024],
        )
      ).map((r) => [r.setl_id, Number(r.hmb_pay_fen)]),
    );
    expect(paid.size).toBe(6);
    // The conditions are real: the same stay pays A (claim-free) more than C (renewal) more than D (new);
    // F's stay pays because E's used the family's shared deductible.
    const a = paid.get("R24-A-1") as number;
    const c = paid.get("R24-C-1") as number;
    const d = paid.get("R24-D-1") as number;
    expect(a).toBeGreaterThan(c);
    expect(c).toBeGreaterThan(d);
    expect(paid.get("R24-F-1")).toBeGreaterThan(paid.get("R24-E-1") as number);

    const program = await loadProgram(ctx, SZ_2024);
    const design = { label: "own", product: program.product, planId: "standard" };
    const replayed = new Map<string, number>();
    const run = () =>
      programReplay(ctx, SZ_2024, [design], (_i, adj: Adjudication) => replayed.set(adj.setlId, adj.hmbPay));
    const { insured, result } = await run();
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(Object.fromEntries(replayed)).toEqual(Object.fromEntries(paid));
    const total = [...paid.values()].reduce((x, y) => x + y, 0);
    const own = result.designs[0];
    expect(own?.hmbPay).toBe(total);
    expect(own?.claims).toBe(6);
    expect(insured).toBe(5);
    const premium = (
      await ctx.db.query<{ premium_fen: string | number }>(
        "select premium_fen from policies where program_id = $1 and status in ('active', 'pending_effective')",
        [SZ_2024],
      )
    ).reduce((x, r) => x + Number(r.premium_fen), 0);
    expect(own?.premium).toBe(premium);
    expect(own?.lossRatio).toBe(ratio4(total, premium));
    // The same answer again (nothing depends on the order rows arrive in).
    const again = await run();
    if (!again.result.ok) throw new Error("second replay failed");
    expect(again.result.designs).toEqual(result.designs);
  });

  // Worker threads read by COPY, which only a PostgreSQL server offers (PGlite replays in one thread).
  it.skipIf(backend !== "postgres")(
    "gives the same figures in worker threads, each with a share of the persons and a family kept whole",
    async () => {
      buildCli(["dist/src/services/replay-worker.js"]);
      const { ctx } = tp;
      const program = await loadProgram(ctx, SZ_2024);
      const designs = [
        { label: "own", product: program.product, planId: "standard" },
        { label: "2023", product: (await loadProgram(ctx, SZ_2023)).product, planId: "standard" },
      ];
      const one = await programReplay(ctx, SZ_2024, designs, undefined, { threads: 1 });
      if (!one.result.ok) throw new Error(JSON.stringify(one.result.errors));
      expect(one.threads).toBe(1);
      expect(one.result.designs[0]?.claims).toBe(6);
      // Five persons in two to four shares: some share holds E and F's family, whose pool pays F's stay.
      for (const threads of [2, 3, 4]) {
        const parallel = await programReplay(ctx, SZ_2024, designs, undefined, { threads });
        expect(parallel.threads, "ran in worker threads").toBe(threads);
        expect(parallel.insured, `${threads} threads`).toBe(one.insured);
        expect(parallel.result, `${threads} threads`).toEqual(one.result);
      }
    },
    DATABASE_TEST_MS,
  );

  // A record the platform accepted but whose columns do not decode (an amount sent as "", which the parser
  // takes for 0 and the column reader refuses) is read whole; a worker cannot, so the replay runs in one thread.
  it.skipIf(backend !== "postgres")(
    "falls back to one thread, with the same figures, when a stored record must be read whole",
    async () => {
      buildCli(["dist/src/services/replay-worker.js"]);
      const { ctx } = tp;
      const program = await loadProgram(ctx, SZ_2024);
      const designs = [{ label: "own", product: program.product, planId: "standard" }];
      const before = await programReplay(ctx, SZ_2024, designs, undefined, { threads: 1 });
      const [altered] = await ctx.db.query<{ setl_id: string }>(
        `update medical_records set record = record || '{"preselfpay_amt": ""}'::jsonb
          where (program_id, setl_id) = (select program_id, min(setl_id) from medical_records
                                          where program_id = $1 group by program_id)
          returning setl_id`,
        [SZ_2024],
      );
      expect(altered, "a stored record to alter").toBeDefined();
      try {
        const fallback = await programReplay(ctx, SZ_2024, designs, undefined, { threads: 2 });
        expect(fallback.threads, "fell back to one thread").toBe(1);
        expect(fallback.insured).toBe(before.insured);
        expect(fallback.result).toEqual(before.result);
      } finally {
        await ctx.db.query(
          "update medical_records set record = record - 'preselfpay_amt' where program_id = $1 and setl_id = $2",
          [SZ_2024, altered?.setl_id ?? ""],
        );
      }
      const again = await programReplay(ctx, SZ_2024, designs, undefined, { threads: 2 });
      expect(again.threads, "in worker threads again once the record decodes").toBe(2);
    },
    DATABASE_TEST_MS,
  );
});
