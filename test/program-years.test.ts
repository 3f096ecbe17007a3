/**
 * Program years (issue 12 §4), on both back ends:
 *  - `follows`: a program names last year's program of the same region (refused: unknown, itself, elsewhere);
 *  - insured and claim-free years, stored on the policy when it is created, from last year's policy of the
 *    same person (same ID number; psn_no differs between the two rosters);
 *  - the renewal deductible (深圳惠民保 2024: every deductible 1,000 lower from the second consecutive insured
 *    year): a person in the 2023 and the 2024 program gets it, one who skipped 2023 does not;
 *  - a pre-existing status locked at first enrollment (healthy stays healthy) reaching the engine.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeCertno, maskCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { parseSettlement } from "../src/domain/settlement.js";
import type { PolicyTerms } from "../src/engine/compile.js";
import { blindIndex, encrypt } from "../src/platform/crypto.js";
import { previewPayout } from "../src/services/claims/coverage.js";
import { settleClaim } from "../src/services/claims/settle.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { createProgram } from "../src/services/programs.js";
import { record } from "./fixtures.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

/** Every PolicyTerms the engine is given, to see what reaches it (the engine itself runs as always). */
const seenTerms = vi.hoisted(() => [] as unknown[]);
vi.mock("../src/engine/adjudicate.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../src/engine/adjudicate.js")>();
  return {
    ...real,
    adjudicate: (...args: Parameters<typeof real.adjudicate>) => {
      seenTerms.push(args[1]);
      return real.adjudicate(...args);
    },
  };
});

const DATABASE_TEST_MS = 300_000;

const SZ_2023 = "sz-2023";
const SZ_2024 = "sz-2024";
/** 深圳 2023: enrollment 2022-09-01 – 2022-12-31, coverage the calendar year 2023. */
const IN_2023_WINDOW = "2022-10-01T10:00:00+08:00";
/** During 2023 coverage, after its stays: a 2023 claim is settled. */
const IN_2023_COVERAGE = "2023-06-30T10:00:00+08:00";
/** 深圳 2024: enrollment 2023-09-01 – 2023-12-31. */
const IN_2024_WINDOW = "2023-10-01T10:00:00+08:00";
const IN_2024_COVERAGE = "2024-03-01T10:00:00+08:00";
const SZ_REGION = "440304";

/** One person on both rosters (same ID number), psn_no per year. */
interface Person {
  readonly key: string;
  readonly name: string;
  readonly brdy: string;
  readonly psn2023: string | null;
  readonly psn2024: string;
}
const PEOPLE: Person[] = [
  // In 2023 and 2024, no claim in 2023.
  { key: "A", name: "陈一", brdy: "1980-01-01", psn2023: "S23A", psn2024: "S24A" },
  // On the 2023 roster but not insured in 2023: skipped a year.
  { key: "B", name: "陈二", brdy: "1981-02-02", psn2023: "S23B", psn2024: "S24B" },
  // In 2023 with a paid claim, and in 2024.
  { key: "C", name: "陈三", brdy: "1982-03-03", psn2023: "S23C", psn2024: "S24C" },
  // Not on the 2023 roster at all.
  { key: "D", name: "陈四", brdy: "1983-04-04", psn2023: null, psn2024: "S24D" },
];

async function addPerson(ctx: PlatformContext, programId: string, psnNo: string, p: Person, seq: number) {
  const certno = makeCertno(SZ_REGION, p.brdy.replaceAll("-", ""), seq);
  await ctx.db.query(
    `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
       insutype, admdvs) values ($1,$2,$3,$4,$5,$6,'1',$7,'390',$8)`,
    [
      programId,
      psnNo,
      encrypt(ctx.keys, certno),
      blindIndex(ctx.keys, certno),
      maskCertno(certno),
      p.name,
      p.brdy,
      SZ_REGION,
    ],
  );
  return certno;
}

async function years(ctx: PlatformContext, programId: string, psnNo: string) {
  const rows = await ctx.db.query<{ insured_years: number; claim_free_years: number }>(
    "select insured_years, claim_free_years from policies where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  return rows.map((r) => ({ insured: Number(r.insured_years), claimFree: Number(r.claim_free_years) }));
}

/** An inpatient stay (med_type 21) with 医保范围内自付 `inScopeFen` and nothing out of scope. */
function stay(setlId: string, psnNo: string, certno: string, inScopeFen: number, at: string) {
  return {
    ...record({
      setlId,
      psnNo,
      inScope: inScopeFen,
      setlTime: at,
      region: SZ_REGION,
      institution: "H44030400001",
    }),
    certno,
  };
}

describe.each(BACKENDS)("program years (%s)", (backend) => {
  let tp: TestPlatform;
  const certnos = new Map<string, string>();

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: IN_2023_WINDOW });
    const { ctx } = tp;
    await createProgram(ctx, CLI_ACTOR, { programId: SZ_2023, productId: "shenzhen-hmb-2023" });
    await createProgram(ctx, CLI_ACTOR, {
      programId: SZ_2024,
      productId: "shenzhen-hmb-2024",
      follows: SZ_2023,
    });
    let seq = 1;
    for (const p of PEOPLE) {
      const n = seq++;
      if (p.psn2023 !== null) await addPerson(ctx, SZ_2023, p.psn2023, p, n);
      certnos.set(p.key, await addPerson(ctx, SZ_2024, p.psn2024, p, n));
    }
    // 2023: A and C insured (paid offline at once); B is on the roster but does not enroll.
    for (const psnNo of ["S23A", "S23C"])
      await enroll(ctx, CLI_ACTOR, { programId: SZ_2023, kind: "individual", psnNo, channel: "offline" });
    // A 2023 stay of C's that pays: 医保范围内自付 30,000 > deductible 16,000.
    tp.clock.set(IN_2023_COVERAGE);
    const paid = await settleClaim(ctx, CLI_ACTOR, {
      programId: SZ_2023,
      record: stay("SZ23-C-1", "S23C", certnos.get("C") as string, 3_000_000, "2023-05-10 10:00:00"),
      kind: "one_stop",
      payee: "hospital",
      source: "one_stop",
    });
    expect(paid.response.hmb_pay).not.toBe("0.00");
    // 2024: everyone enrolls.
    tp.clock.set(IN_2024_WINDOW);
    for (const p of PEOPLE)
      await enroll(ctx, CLI_ACTOR, {
        programId: SZ_2024,
        kind: "individual",
        psnNo: p.psn2024,
        channel: "offline",
      });
    tp.clock.set(IN_2024_COVERAGE);
  }, DATABASE_TEST_MS);

  afterAll(async () => tp?.close());

  it("a program names last year's program of its region; unknown, itself or another region is refused", async () => {
    const { ctx } = tp;
    const again = await createProgram(ctx, CLI_ACTOR, {
      programId: SZ_2024,
      productId: "shenzhen-hmb-2024",
      follows: SZ_2023,
    });
    expect(again.followsProgramId).toBe(SZ_2023);
    await expect(
      createProgram(ctx, CLI_ACTOR, {
        programId: "sz-2024-x",
        productId: "shenzhen-hmb-2024",
        follows: "sz-2022",
      }),
    ).rejects.toMatchObject({ field: "follows_program_id", message: expect.stringContaining("不存在") });
    await expect(
      createProgram(ctx, CLI_ACTOR, {
        programId: "sz-self",
        productId: "shenzhen-hmb-2024",
        follows: "sz-self",
      }),
    ).rejects.toMatchObject({ field: "follows_program_id" });
    await createProgram(ctx, CLI_ACTOR, { programId: "ws-other", productId: "wenshan-2023" });
    await expect(
      createProgram(ctx, CLI_ACTOR, {
        programId: "sz-2024-y",
        productId: "shenzhen-hmb-2024",
        follows: "ws-other",
      }),
    ).rejects.toMatchObject({ field: "follows_program_id", message: expect.stringContaining("地区") });
    // A refused program was not created.
    const rows = await ctx.db.query(
      "select 1 from programs where program_id in ('sz-2024-x', 'sz-self', 'sz-2024-y')",
    );
    expect(rows).toHaveLength(0);
    // A replay naming another predecessor is a conflict.
    await expect(
      createProgram(ctx, CLI_ACTOR, {
        programId: SZ_2024,
        productId: "shenzhen-hmb-2024",
        follows: "ws-other",
      }),
    ).rejects.toMatchObject({ kind: "conflict" });
  });

  it("stores insured and claim-free years on each 2024 policy from the same person's 2023 policy", async () => {
    const { ctx } = tp;
    expect(await years(ctx, SZ_2023, "S23A")).toEqual([{ insured: 1, claimFree: 0 }]);
    // A: 2023 and 2024, no claim in 2023.
    expect(await years(ctx, SZ_2024, "S24A")).toEqual([{ insured: 2, claimFree: 1 }]);
    // B: skipped 2023 (on the roster, not insured) → a first year again.
    expect(await years(ctx, SZ_2024, "S24B")).toEqual([{ insured: 1, claimFree: 0 }]);
    // C: 2023 with a paid claim → two insured years, no claim-free year.
    expect(await years(ctx, SZ_2024, "S24C")).toEqual([{ insured: 2, claimFree: 0 }]);
    // D: not on the 2023 roster.
    expect(await years(ctx, SZ_2024, "S24D")).toEqual([{ insured: 1, claimFree: 0 }]);
  });

  it("the renewal deductible: 2023 + 2024 pays on 14,000; a skipped year pays on 15,000", async () => {
    const { ctx } = tp;
    const pay = async (key: string, psnNo: string) => {
      seenTerms.length = 0;
      const parsed = parseSettlement(
        stay(`SZ24-${key}-1`, psnNo, certnos.get(key) as string, 5_000_000, "2024-02-01 10:00:00"),
      );
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
      const a = await previewPayout(ctx, ctx.db, SZ_2024, parsed.settlement, {
        lock: false,
        at: ctx.clock.now(),
      });
      return { a, terms: seenTerms.at(-1) as PolicyTerms };
    };
    const renewed = await pay("A", "S24A");
    expect(renewed.terms.insuredYears).toBe(2);
    expect(renewed.terms.claimFreeYears).toBe(1);
    expect(renewed.terms.sex).toBe("1");
    expect(renewed.terms.ageAtStart).toBe(44); // born 1980-01-01: 44 on the coverage start 2024-01-01
    const skipped = await pay("B", "S24B");
    expect(skipped.terms.insuredYears).toBe(1);
    // 待遇一 医保目录内个人负担, 80 %: renewed (50,000 − 14,000) × 80 % = 28,800.00;
    // skipped a year (50,000 − 15,000) × 80 % = 28,000.00.
    const benefit1 = (x: typeof renewed) =>
      x.a.lines.find((l) => l.liabilityId === "benefit_1_in_scope")?.payout ?? Number.NaN;
    expect(formatYuan(benefit1(renewed))).toBe("28800.00");
    expect(formatYuan(benefit1(skipped))).toBe("28000.00");
  });
});

/** 北京普惠健康保 2024 locks the pre-existing status at first enrollment: healthy then stays healthy. */
const BJ_FIRST = "bj-first";
const BJ_NEXT = "bj-next";
const BJ_REGION = "110105";
/** 北京 2024: enrollment 2023-11-01 – 2023-12-31, coverage the calendar year 2024. */
const IN_BJ_WINDOW = "2023-11-15T10:00:00+08:00";
const BJ_HISTORY_SETTLED = "2023-12-10T10:00:00+08:00";
const IN_BJ_COVERAGE = "2024-03-01T10:00:00+08:00";

describe.each(BACKENDS)("pre-existing status locked at first enrollment (%s)", (backend) => {
  let tp: TestPlatform;
  const certnos = new Map<string, string>();
  // E: insured in the first program, healthy then; F: first enrolls in the next one.
  const E: Person = { key: "E", name: "周一", brdy: "1970-01-01", psn2023: "BJ1E", psn2024: "BJ2E" };
  const F: Person = { key: "F", name: "周二", brdy: "1971-01-01", psn2023: "BJ1F", psn2024: "BJ2F" };

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: IN_BJ_WINDOW });
    const { ctx } = tp;
    // Two years of one product: the test needs the chain, not a second year's terms.
    await createProgram(ctx, CLI_ACTOR, { programId: BJ_FIRST, productId: "beijing-puhui-2024" });
    await createProgram(ctx, CLI_ACTOR, {
      programId: BJ_NEXT,
      productId: "beijing-puhui-2024",
      follows: BJ_FIRST,
    });
    let seq = 50;
    for (const p of [E, F]) {
      const n = seq++;
      const certno = makeCertno(BJ_REGION, p.brdy.replaceAll("-", ""), n);
      for (const [program, psnNo] of [
        [BJ_FIRST, p.psn2023 as string],
        [BJ_NEXT, p.psn2024],
      ] as const) {
        await ctx.db.query(
          `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend,
             brdy, insutype, admdvs) values ($1,$2,$3,$4,$5,$6,'2',$7,'310',$8)`,
          [
            program,
            psnNo,
            encrypt(ctx.keys, certno),
            blindIndex(ctx.keys, certno),
            maskCertno(certno),
            p.name,
            p.brdy,
            BJ_REGION,
          ],
        );
      }
      certnos.set(p.key, certno);
    }
    await enroll(ctx, CLI_ACTOR, {
      programId: BJ_FIRST,
      kind: "individual",
      psnNo: "BJ1E",
      channel: "offline",
    });
    for (const psnNo of ["BJ2E", "BJ2F"])
      await enroll(ctx, CLI_ACTOR, { programId: BJ_NEXT, kind: "individual", psnNo, channel: "offline" });
    // Both are then diagnosed with lung cancer (C34) before the next program's coverage starts.
    tp.clock.set(BJ_HISTORY_SETTLED);
    for (const p of [E, F]) {
      const history = {
        ...record({
          setlId: `BJ-HIST-${p.key}`,
          psnNo: p.psn2024,
          inScope: 100_000,
          setlTime: "2023-12-05 10:00:00",
          region: BJ_REGION,
          institution: "H11010500001",
          diagnosis: "C34.900",
        }),
        certno: certnos.get(p.key),
      };
      const outcome = await settleClaim(ctx, CLI_ACTOR, {
        programId: BJ_NEXT,
        record: history,
        kind: "one_stop",
        payee: "hospital",
        source: "one_stop",
      });
      expect(outcome.response.hmb_pay).toBe("0.00"); // before coverage: recorded as history, not paid
    }
    tp.clock.set(IN_BJ_COVERAGE);
  }, DATABASE_TEST_MS);

  afterAll(async () => tp?.close());

  it("keeps the renewing person healthy; the first-year person is pre-existing", async () => {
    const { ctx } = tp;
    const locked = await ctx.db.query<{
      psn_no: string;
      insured_years: number;
      pre_existing_locked: unknown;
    }>(
      "select psn_no, insured_years, pre_existing_locked from policies where program_id = $1 order by psn_no",
      [BJ_NEXT],
    );
    expect(locked.map((r) => [r.psn_no, Number(r.insured_years), r.pre_existing_locked])).toEqual([
      ["BJ2E", 2, { beijing_specified: false }],
      ["BJ2F", 1, null],
    ]);
    const inScopeLine = async (p: Person) => {
      seenTerms.length = 0;
      const parsed = parseSettlement({
        ...record({
          setlId: `BJ-${p.key}-1`,
          psnNo: p.psn2024,
          inScope: 10_000_000,
          setlTime: "2024-02-01 10:00:00",
          region: BJ_REGION,
          institution: "H11010500001",
          diagnosis: "C34.900",
        }),
        certno: certnos.get(p.key),
      });
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
      const a = await previewPayout(ctx, ctx.db, BJ_NEXT, parsed.settlement, {
        lock: false,
        at: ctx.clock.now(),
      });
      return {
        terms: seenTerms.at(-1) as PolicyTerms,
        payout: a.lines.find((l) => l.liabilityId === "in_scope")?.payout ?? Number.NaN,
      };
    };
    const e = await inScopeLine(E);
    const f = await inScopeLine(F);
    expect(e.terms.preExisting).toEqual([false]);
    expect(f.terms.preExisting).toEqual([true]);
    // 医保内自付 100,000, deductible 30,404: healthy (100,000 − 30,404) × 80 % = 55,676.80;
    // 特定既往症 (100,000 − 30,404) × 40 % = 27,838.40.
    expect(formatYuan(e.payout)).toBe("55676.80");
    expect(formatYuan(f.payout)).toBe("27838.40");
  });
});
