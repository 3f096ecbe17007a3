/**
 * Pricing by rate group (issue 13 item 4, "Tests that must exist"): a synthetic population with known group
 * costs recovers them within credibility bounds; premiums at the target loss ratio reproduce it on replay;
 * credibility behaves; bad flags are refused naming the flag; the CLI contract; the schema v2 premium
 * variants by sex and pre-existing status price a person (src/domain/premium.ts). POST /programs/{id}/pricing is
 * tested in browser.pricing.test.ts, on the stored scenario that file builds anyway (one scenario, not two).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TARGET_LOSS_RATIO,
  Pricing,
  type PricingResult,
  priceGroups,
  tablePremium,
  withPricedPremium,
} from "../src/actuarial/price.js";
import {
  allRateGroups,
  type PersonFacts,
  parseAgeBands,
  parseRateDimensions,
  rateGroupOf,
} from "../src/actuarial/rate-groups.js";
import { Replay, type ReplayDesign } from "../src/actuarial/replay.js";
import { runPrice } from "../src/cli/price.js";
import { premiumFor } from "../src/domain/premium.js";
import { findPlan, parseProduct } from "../src/domain/product.js";
import { getProduct } from "../src/products/index.js";
import { Rng } from "../src/synth/rng.js";
import { synthesizeSettlements } from "../src/synth/settlements.js";
import { buildCli, runHmb } from "./support/cli.js";

const WENSHAN = "wenshan-2023";
const PLAN = "standard";

/** A group of the synthetic population: its persons, claim probability, and mean yearly cost of a claimant. */
interface TrueGroup {
  facts: PersonFacts;
  persons: number;
  frequency: number;
  /** Mean of an exponential severity, fen. */
  severityFen: number;
}

const design: ReplayDesign = { label: `${WENSHAN}:${PLAN}`, product: getProduct(WENSHAN), planId: PLAN };

/** Persons with their yearly cost drawn from the known model, seeded (deterministic). */
function population(groups: readonly TrueGroup[], seed: number) {
  const rng = new Rng(seed);
  const persons: { psnNo: string; facts: PersonFacts; hmbPay: number }[] = [];
  groups.forEach((g, gi) => {
    for (let i = 0; i < g.persons; i++) {
      const claims = rng.float() < g.frequency;
      // Exponential severity with the group's mean, whole fen, at least 1 fen.
      const pay = claims ? Math.max(1, Math.round(-g.severityFen * Math.log(rng.openFloat()))) : 0;
      persons.push({ psnNo: `P${gi}-${i}`, facts: g.facts, hmbPay: pay });
    }
  });
  return persons;
}

function census(groups: readonly TrueGroup[]) {
  return {
    kind: "census" as const,
    cells: groups.map((g) => ({ ...g.facts, count: g.persons })),
  };
}

const claimantsOf = (persons: ReturnType<typeof population>) =>
  new Map(persons.filter((p) => p.hmbPay > 0).map((p) => [p.psnNo, { facts: p.facts, hmbPay: p.hmbPay }]));

describe("known group costs are recovered", () => {
  // Four age × health cells with very different costs (a 60+ pre-existing person costs ~40× a young healthy one).
  const truth: TrueGroup[] = [
    {
      facts: { age: 30, sex: "1", preExisting: false },
      persons: 40_000,
      frequency: 0.01,
      severityFen: 800_000,
    },
    {
      facts: { age: 30, sex: "1", preExisting: true },
      persons: 8_000,
      frequency: 0.05,
      severityFen: 1_500_000,
    },
    {
      facts: { age: 65, sex: "1", preExisting: false },
      persons: 20_000,
      frequency: 0.03,
      severityFen: 1_200_000,
    },
    {
      facts: { age: 65, sex: "1", preExisting: true },
      persons: 6_000,
      frequency: 0.12,
      severityFen: 2_500_000,
    },
  ];
  const persons = population(truth, 20261204);
  const result = priceGroups(design, claimantsOf(persons), census(truth), {
    dims: ["age", "health"],
    trend: 0,
    ibnrFactor: 0,
  });

  it("each credible cost lies within 3 standard errors of the true pure premium", () => {
    expect(result.groups).toHaveLength(truth.length);
    for (const g of truth) {
      const key = rateGroupOf(g.facts, ["age", "health"]).key;
      const priced = result.groups.find((x) => x.group.key === key);
      expect(priced?.exposure).toBe(g.persons);
      const mean = g.frequency * g.severityFen;
      // Var of a person's cost: f·E[S²] − (f·E[S])², E[S²] = 2θ² for an exponential severity.
      const variance = g.frequency * 2 * g.severityFen ** 2 - mean ** 2;
      const se = Math.sqrt(variance / g.persons);
      expect(Math.abs((priced?.credibleCost ?? 0) - mean)).toBeLessThan(3 * se);
      // Large cells carry high credibility: the estimate is their own experience, not the pool's.
      expect(priced?.credibility).toBeGreaterThan(0.9);
    }
  });

  it("the credible costs keep the pool's total (Bühlmann–Straub balance) and the pool figures add up", () => {
    const total = persons.reduce((s, p) => s + p.hmbPay, 0);
    expect(result.pool.hmbPay).toBe(total);
    const credibleTotal = result.groups.reduce((s, g) => s + g.credibleCost * g.exposure, 0);
    // Each credible cost is rounded once to the fen: at most half a fen per person off.
    expect(Math.abs(credibleTotal - total)).toBeLessThanOrEqual(0.5 * result.pool.exposure);
    for (const g of result.groups) {
      expect(g.purePremium).toBe(Math.round(g.hmbPay / g.exposure));
      expect(g.premium % 100).toBe(0);
      expect(g.premium).toBeGreaterThanOrEqual(g.projectedCost / DEFAULT_TARGET_LOSS_RATIO - 1e-6);
    }
  });

  it("trend and IBNR load the cost multiplicatively before the loss ratio", () => {
    const loaded = priceGroups(design, claimantsOf(persons), census(truth), {
      dims: ["age", "health"],
      trend: 0.06,
      trendYears: 2,
      ibnrFactor: 0.1,
    });
    loaded.groups.forEach((g, i) => {
      const base = result.groups[i];
      expect(g.credibleCost).toBe(base?.credibleCost);
      expect(Math.abs(g.projectedCost - (base?.credibleCost ?? 0) * 1.1 * 1.06 ** 2)).toBeLessThanOrEqual(2);
    });
  });
});

describe("credibility behaves", () => {
  const big = (facts: PersonFacts, severityFen: number): TrueGroup => ({
    facts,
    persons: 30_000,
    frequency: 0.02,
    severityFen,
  });
  it("a small group gets a small Z and is pulled to the pool", () => {
    const truth: TrueGroup[] = [
      big({ age: 30, sex: "1", preExisting: false }, 500_000),
      big({ age: 30, sex: "2", preExisting: false }, 1_500_000),
      // 12 persons, two of them with a large claim: their own mean is far above the pool.
      {
        facts: { age: 75, sex: "2", preExisting: true },
        persons: 12,
        frequency: 0.2,
        severityFen: 5_000_000,
      },
    ];
    const persons = population(truth, 7);
    const small = persons.filter((p) => p.facts.age === 75);
    small[0] = { ...(small[0] as (typeof small)[number]), hmbPay: 8_000_000 };
    const claimants = claimantsOf([...persons.filter((p) => p.facts.age !== 75), ...small]);
    const r = priceGroups(design, claimants, census(truth), { dims: ["age", "sex", "health"], trend: 0 });
    const cell = r.groups.find((g) => g.exposure === 12);
    expect(cell?.credibility).toBeLessThan(0.1);
    const mu = r.structure.collectiveMean;
    expect(Math.abs((cell?.credibleCost ?? 0) - mu)).toBeLessThan(
      0.1 * Math.abs((cell?.purePremium ?? 0) - mu),
    );
    // The two large cells, which really differ, keep most of their own experience.
    for (const g of r.groups.filter((x) => x.exposure === 30_000)) expect(g.credibility).toBeGreaterThan(0.8);
  });

  it("groups that do not differ beyond noise all take the pool mean (Z = 0)", () => {
    const same = (facts: PersonFacts): TrueGroup => ({
      facts,
      persons: 200,
      frequency: 0.05,
      severityFen: 1_000_000,
    });
    // Identical experience in each cell: no between-group variance.
    const persons = population([same({ age: 30, sex: "1", preExisting: false })], 3);
    const copy = persons.map((p) => ({
      ...p,
      psnNo: `${p.psnNo}-f`,
      facts: { ...p.facts, sex: "2" as const },
    }));
    const r = priceGroups(
      design,
      claimantsOf([...persons, ...copy]),
      {
        kind: "census",
        cells: [
          { age: 30, sex: "1", preExisting: false, count: 200 },
          { age: 30, sex: "2", preExisting: false, count: 200 },
        ],
      },
      { dims: ["sex"], trend: 0 },
    );
    for (const g of r.groups) {
      expect(g.credibility).toBe(0);
      expect(g.credibleCost).toBe(r.pool.purePremium);
    }
    expect(r.warnings.join("")).toMatch(/可信度均为 0/);
  });
});

describe("premiums at the target loss ratio reproduce it on replay", () => {
  let lines: string[];
  beforeAll(() => {
    lines = [];
    const gen = synthesizeSettlements({ product: design.product, persons: 1200, seed: 31 });
    for (;;) {
      const next = gen.next();
      if (next.done === true) break;
      for (const line of next.value.split("\n")) if (line !== "") lines.push(line);
    }
  });

  it("replaying the experience with each person's priced premium lands on the target", () => {
    const pricing = new Pricing(design);
    for (const line of lines) pricing.add(line);
    const experience = pricing.experience();
    // The insured: everyone with a record plus as many without one (ages and sexes spread, seeded).
    const rng = new Rng(99);
    const start = design.product.coverage.start;
    const persons = [...experience.entries()].map(([psnNo]) => ({ psnNo }));
    const extra = Array.from({ length: persons.length }, (_, i) => {
      const year = 1940 + rng.int(80);
      return { psnNo: `X${i}`, birthDate: `${year}-06-15`, sex: (rng.int(2) === 0 ? "1" : "2") as "1" | "2" };
    });
    const birthOf = (psnNo: string) => {
      const f = experience.get(psnNo)?.facts;
      // The experience carries ages; a birth date giving the same age at coverage start.
      const year = new Date(start).getUTCFullYear() - (f?.age ?? 0) - 1;
      return `${year}-12-31`;
    };
    const population = {
      kind: "persons" as const,
      persons: [
        ...persons.map((p) => ({
          psnNo: p.psnNo,
          birthDate: birthOf(p.psnNo),
          sex: experience.get(p.psnNo)?.facts.sex,
        })),
        ...extra,
      ],
    };
    const outcome = pricing.finish(population, { dims: ["age", "sex", "health"], trend: 0, ibnrFactor: 0 });
    expect(outcome.ok).toBe(true);
    const result = (outcome as { ok: true; result: PricingResult }).result;
    expect(result.premium.variants.length).toBeGreaterThan(4);

    // The priced table written into the product, each person priced by src/domain/premium.ts.
    const priced = withPricedPremium(design.product, PLAN, result.premium);
    const reparsed = parseProduct(JSON.parse(JSON.stringify(toFile(priced))));
    const plan = findPlan(reparsed, PLAN);
    let premiumFen = 0;
    for (const p of population.persons) {
      const facts = experience.get(p.psnNo)?.facts;
      const q = premiumFor(
        plan,
        { birthDate: p.birthDate, sex: p.sex, preExisting: facts?.preExisting ?? false },
        start,
      );
      const factsHere: PersonFacts = {
        age: q.age,
        sex: p.sex,
        preExisting: facts?.preExisting ?? false,
      };
      expect(q.amount).toBe(tablePremium(result.premium, factsHere));
      premiumFen += q.amount;
    }
    const replay = new Replay([{ ...design, product: reparsed }], population.persons.length, [premiumFen]);
    for (const line of lines) replay.add(line);
    const out = replay.finish();
    expect(out.ok).toBe(true);
    const d = out.ok ? out.designs[0] : undefined;
    expect(d?.hmbPay).toBe(result.pool.hmbPay);
    const lossRatio = Number(d?.lossRatio);
    // Premiums are rounded UP to whole yuan, so the loss ratio is at most the target, and at most one yuan
    // per person below the exact premium: tolerance = 1 yuan × insured ÷ premium (stated, ≤ 0.02 here).
    const tolerance = (100 * population.persons.length) / premiumFen;
    expect(tolerance).toBeLessThan(0.02);
    expect(lossRatio).toBeLessThanOrEqual(DEFAULT_TARGET_LOSS_RATIO + 1e-4);
    expect(lossRatio).toBeGreaterThanOrEqual(DEFAULT_TARGET_LOSS_RATIO * (1 - tolerance) - 1e-4);
  });
});

/** A parsed product (fen) back into file form (yuan) for the premium block only — enough to re-parse it. */
function toFile(product: ReturnType<typeof getProduct>): unknown {
  const file = JSON.parse(readFileSync(join("src", "products", `${WENSHAN}.json`), "utf8")) as {
    plans: { id: string; premium: unknown }[];
  };
  const plan = findPlan(product, PLAN);
  for (const p of file.plans)
    if (p.id === PLAN)
      p.premium = {
        base: plan.premium.base / 100,
        variants: plan.premium.variants.map((v) => ({ ...v, amount: v.amount / 100 })),
      };
  return file;
}

describe("schema v2 premium variants by sex and pre-existing status", () => {
  const file = JSON.parse(readFileSync(join("src", "products", `${WENSHAN}.json`), "utf8")) as {
    schemaVersion?: number;
    plans: { id: string; premium: unknown }[];
  };
  const plan = file.plans.find((p) => p.id === PLAN) as { premium: unknown };
  plan.premium = {
    base: 100,
    variants: [
      { when: { ageFrom: 60, sex: "2", preExisting: true }, amount: 300, label: "60岁及以上 · 女 · 既往症" },
      { when: { ageFrom: 60, sex: "2" }, amount: 200 },
      { when: { preExisting: false, sex: "1" }, amount: 90 },
    ],
  };
  const product = parseProduct(file);
  const start = product.coverage.start;
  const p = findPlan(product, PLAN);

  it("first match wins; an unknown sex or status matches no variant naming it", () => {
    expect(premiumFor(p, { birthDate: "1950-01-01", sex: "2", preExisting: true }, start).amount).toBe(
      30_000,
    );
    expect(premiumFor(p, { birthDate: "1950-01-01", sex: "2", preExisting: false }, start).amount).toBe(
      20_000,
    );
    expect(premiumFor(p, { birthDate: "1950-01-01", sex: "2" }, start).amount).toBe(20_000);
    expect(premiumFor(p, { birthDate: "1990-01-01", sex: "1", preExisting: false }, start).amount).toBe(
      9_000,
    );
    expect(premiumFor(p, { birthDate: "1990-01-01", sex: "1" }, start).amount).toBe(10_000);
    expect(premiumFor(p, { birthDate: "1990-01-01" }, start)).toMatchObject({ amount: 10_000, rule: "base" });
  });

  it("refuses a sex other than 1/2 in a premium variant", () => {
    plan.premium = { base: 100, variants: [{ when: { sex: "3" }, amount: 1 }] };
    expect(() => parseProduct(file)).toThrow(/sex/);
  });
});

describe("rate groups", () => {
  it("parses dimensions and age bands, naming the flag", () => {
    expect(parseRateDimensions("health,age")).toEqual({ ok: true, value: ["age", "health"] });
    const bad = parseRateDimensions("age,income");
    expect(bad.ok).toBe(false);
    expect(bad.ok ? "" : bad.message).toMatch(/--groups.*income/);
    expect(parseRateDimensions("age,age").ok).toBe(false);
    expect(parseAgeBands("0-17,18-59,60+").ok).toBe(true);
    expect(parseAgeBands("0-17,20-59,60+").ok).toBe(false);
    expect(parseAgeBands("0-17,18-59").ok).toBe(false);
  });
  it("labels groups in Chinese and lists every cell", () => {
    expect(rateGroupOf({ age: 64, sex: "2", preExisting: true }, ["age", "sex", "health"]).label).toBe(
      "60–69岁 · 女 · 既往症",
    );
    expect(allRateGroups(["age", "sex", "health"])).toHaveLength(5 * 2 * 2);
    expect(rateGroupOf({ age: undefined, sex: "1", preExisting: false }, ["age"]).key).toBe("age:unknown");
  });
});

describe("hmb price: flags and contract", () => {
  const dir = mkdtempSync(join(tmpdir(), "hmb-price-"));
  const file = join(dir, "exp.jsonl");
  beforeAll(() => {
    const out: string[] = [];
    const gen = synthesizeSettlements({ product: design.product, persons: 300, seed: 5 });
    for (;;) {
      const next = gen.next();
      if (next.done === true) break;
      out.push(next.value);
    }
    writeFileSync(file, out.join(""));
  });
  const base = { experience: file, design: `${WENSHAN}:${PLAN}`, groups: "age,sex,health", insured: "2000" };

  it("refuses bad flags with exit 2, naming the flag, writing nothing", async () => {
    const outFile = join(dir, "premium.json");
    const cases: [Record<string, string>, RegExp][] = [
      [{ groups: "age,income" }, /--groups/],
      [{ targetLossRatio: "1.5" }, /--target-loss-ratio|目标赔付率/],
      [{ targetLossRatio: "abc" }, /--target-loss-ratio/],
      [{ expense: "0.2" }, /--expense/],
      [{ trend: "2" }, /--trend/],
      [{ insured: "0" }, /--insured/],
      [{ design: "wenshan-2023:nope" }, /--design/],
      [{ ageBands: "0-10,20+" }, /--age-bands/],
    ];
    for (const [change, pattern] of cases) {
      const r = await runPrice({ ...base, ...change, out: outFile });
      expect(r.exitCode, JSON.stringify(change)).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stdout).toBe("");
    }
    const neither = await runPrice({ experience: file, design: base.design, groups: "age" });
    expect(neither.exitCode).toBe(2);
    expect(neither.stderr).toMatch(/--population.*--insured/);
    const missing = await runPrice({ ...base, experience: join(dir, "none.jsonl") });
    expect(missing.stderr).toMatch(/--experience/);
    expect(existsSync(outFile)).toBe(false);
  });

  it("prints the Chinese table with an explanation of each figure, and writes --out", async () => {
    const outFile = join(dir, "premium-ok.json");
    const r = await runPrice({ ...base, out: outFile });
    expect(r.exitCode).toBe(0);
    for (const word of ["费率组", "出险率", "件均赔付", "纯保费", "可信度Z", "预测成本", "各项说明"])
      expect(r.stdout).toContain(word);
    const written = JSON.parse(readFileSync(outFile, "utf8")) as {
      premium: { base: number; variants: unknown[] };
    };
    expect(written.premium.base).toBeGreaterThan(0);
  });

  it("the built binary prints the documented JSON (spawned once)", () => {
    buildCli();
    const r = runHmb(
      [
        "price",
        "--experience",
        file,
        "--design",
        base.design,
        "--groups",
        "age,sex",
        "--insured",
        "2000",
        "--json",
      ],
      {},
    );
    expect(r.status, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown> & {
      groups: Record<string, unknown>[];
      premium: { base: number; variants: { when: Record<string, unknown>; amount: number; label: string }[] };
      methods: { credibility: string };
    };
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(["design", "groups", "pool", "premium", "methods", "assumptions", "structure"]),
    );
    expect(json.methods.credibility).toBe("buhlmann_straub");
    for (const g of json.groups) {
      expect(Object.keys(g)).toEqual([
        "key",
        "label",
        "exposure",
        "claimants",
        "hmb_pay",
        "frequency",
        "severity",
        "pure_premium",
        "credibility",
        "credible_cost",
        "projected_cost",
        "premium",
      ]);
      expect(g.premium).toMatch(/^\d+\.00$/);
    }
    for (const v of json.premium.variants) expect(Object.keys(v.when)).not.toContain("preExisting");
    const bad = runHmb(
      ["price", "--experience", file, "--design", base.design, "--groups", "x", "--insured", "5"],
      {},
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--groups/);
  });
});
