/**
 * `hmb replay` (src/actuarial/replay.ts, src/cli/replay.ts): one pass over a year of settlements under several
 * designs. The totals of each design must equal what `hmb adjudicate` pays for that design on the same file,
 * to the fen — both run through the built binary on a synthetic file (`hmb synth settlements`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PAYOUT_BAND_UPPER_BOUNDS,
  payoutBands,
  Replay,
  ratio4,
  replayWire,
} from "../src/actuarial/replay.js";
import { runReplay } from "../src/cli/replay.js";
import { listRuleSets } from "../src/compliance/rulesets/index.js";
import { AdjudicationBatch } from "../src/engine/batch.js";
import { compilePlan } from "../src/engine/compile.js";
import { getProduct } from "../src/products/index.js";
import { loadProductJson } from "../src/products/load.js";
import { loadProgram } from "../src/services/programs.js";
import { programReplay } from "../src/services/replay.js";
import { synthesizeSettlements } from "../src/synth/settlements.js";
import { buildCli, ROOT, runHmb } from "./support/cli.js";
import { type OversightScenario, runOversightScenario } from "./support/oversight.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";

const WENSHAN = "wenshan-2023";
const PLAN = "standard";
/** Wenshan 2023's two deductible pools are 12000 yuan each; the variant lowers both to this. */
const LOWER_DEDUCTIBLE_YUAN = 5000;
const PERSONS = "2500";
const SEED = "20231";
const INSURED = 40000;

/** "123.45" → 12345 fen, exactly (no float arithmetic). */
function fen(yuan: string): number {
  const m = /^(\d+)\.(\d{2})$/.exec(yuan);
  if (m === null) throw new Error(`not a yuan string: ${yuan}`);
  return Number(m[1]) * 100 + Number(m[2]);
}

function wenshanJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, "src", "products", `${WENSHAN}.json`), "utf8"));
}

/** The same product with a lower deductible on every pool of the plan. */
function lowerDeductibleJson(): Record<string, unknown> {
  const json = wenshanJson() as { plans: { id: string; deductiblePools: { amount: number }[] }[] };
  for (const plan of json.plans)
    if (plan.id === PLAN) for (const pool of plan.deductiblePools) pool.amount = LOWER_DEDUCTIBLE_YUAN;
  return json as unknown as Record<string, unknown>;
}

describe("ratio4 and payout bands (pure)", () => {
  it("divides exactly with half-up rounding to 4 places", () => {
    expect(ratio4(1, 3)).toBe("0.3333"); // 0.33333…
    expect(ratio4(2, 3)).toBe("0.6667"); // 0.66666… rounds up
    expect(ratio4(1, 20_000)).toBe("0.0001"); // exactly 0.00005: half rounds up
    expect(ratio4(1, 20_001)).toBe("0.0000"); // just under half
    expect(ratio4(3, 2)).toBe("1.5000");
    expect(ratio4(0, 7)).toBe("0.0000");
    expect(ratio4(5, 0)).toBeUndefined();
    // Beyond float precision: 9007199254740993 / 10 is 900719925474099.3 exactly.
    expect(ratio4(Number.MAX_SAFE_INTEGER, 10)).toBe("900719925474099.1000");
  });

  it("puts each person in the band whose upper bound (inclusive) first holds their yearly payout", () => {
    // Bounds in fen: 0, 1万元, 5万元, 10万元, 50万元, then the open band.
    expect(PAYOUT_BAND_UPPER_BOUNDS).toEqual([0, 1_000_000, 5_000_000, 10_000_000, 50_000_000]);
    const bands = payoutBands([0, 1, 1_000_000, 1_000_001, 50_000_000, 50_000_001, 0]);
    expect(bands.map((b) => b.persons)).toEqual([2, 2, 1, 0, 1, 1]);
    // (0, 1万]: 1 + 1000000; (1万, 5万]: 1000001; (10万, 50万]: 50000000; > 50万: 50000001.
    expect(bands.map((b) => b.hmbPay)).toEqual([0, 1_000_001, 1_000_001, 0, 50_000_000, 50_000_001]);
    expect(bands[0]).toMatchObject({ fromFen: undefined, toFen: 0 });
    expect(bands[5]).toMatchObject({ fromFen: 50_000_000, toFen: undefined });
  });
});

describe("hmb replay (real binary)", () => {
  let dir = "";
  let input = "";
  let variantFile = "";
  const env = {};

  beforeAll(() => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), "hmb-replay-"));
    input = join(dir, "settlements.jsonl");
    const synth = runHmb(
      ["synth", "settlements", "--product", WENSHAN, "--persons", PERSONS, "--seed", SEED, "--output", input],
      env,
    );
    if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr}`);
    variantFile = join(dir, "lower-deductible.json");
    writeFileSync(variantFile, JSON.stringify(lowerDeductibleJson()));
  }, 300_000);

  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  /** What `hmb adjudicate` says for a design, summed the way replay defines its figures. */
  function adjudicateTotals(productArgs: string[]) {
    const run = runHmb(["adjudicate", ...productArgs, "--plan", PLAN, "--input", input], env);
    expect(run.status).toBe(0);
    const burdenBySetl = new Map<string, number>();
    for (const line of readFileSync(input, "utf8").split("\n")) {
      if (line === "") continue;
      const raw = JSON.parse(line) as { setl_id: string; psn_part_amt: string | number };
      burdenBySetl.set(raw.setl_id, fen(Number(raw.psn_part_amt).toFixed(2)));
    }
    let claims = 0;
    let paidClaims = 0;
    let hmbPay = 0;
    let coveredBurden = 0;
    const perPerson = new Map<string, number>();
    for (const line of run.stdout.split("\n")) {
      if (line === "") continue;
      const r = JSON.parse(line) as { setl_id: string; psn_no: string; status: string; hmb_pay: string };
      const pay = fen(r.hmb_pay);
      claims++;
      if (pay > 0) paidClaims++;
      hmbPay += pay;
      if (r.status !== "not_covered") coveredBurden += burdenBySetl.get(r.setl_id) ?? Number.NaN;
      perPerson.set(r.psn_no, (perPerson.get(r.psn_no) ?? 0) + pay);
    }
    const beneficiaries = [...perPerson.values()].filter((p) => p > 0).length;
    return { claims, paidClaims, hmbPay, coveredBurden, beneficiaries, persons: perPerson.size };
  }

  it("equals per-design `hmb adjudicate` runs to the fen, and a lower deductible pays more", () => {
    const designs = [`${WENSHAN}:${PLAN}`, `${variantFile}:${PLAN}`];
    const run = runHmb(
      [
        "replay",
        "--input",
        input,
        ...designs.flatMap((d) => ["--design", d]),
        "--insured",
        String(INSURED),
        "--json",
      ],
      env,
    );
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { designs: Record<string, unknown>[] };
    expect(out.designs).toHaveLength(2);

    const expected = [
      adjudicateTotals(["--product", WENSHAN]),
      adjudicateTotals(["--product-file", variantFile]),
    ];
    const base = getProduct(WENSHAN).plans.find((p) => p.id === PLAN)?.premium.base as number;
    expect(base).toBe(6900); // 69 yuan per person per year (wenshan-2023.json)
    out.designs.forEach((d, i) => {
      const e = expected[i] as ReturnType<typeof adjudicateTotals>;
      expect(d.design).toBe(designs[i]);
      expect(d.claims).toBe(e.claims);
      expect(d.paid_claims).toBe(e.paidClaims);
      expect(fen(d.hmb_pay as string)).toBe(e.hmbPay);
      expect(d.beneficiaries).toBe(e.beneficiaries);
      // 40000 insured × 69.00 = 2760000.00 yuan.
      expect(d.premium).toBe("2760000.00");
      expect(d.loss_ratio).toBe(ratio4(e.hmbPay, INSURED * base));
      expect(d.burden_reduction).toBe(ratio4(e.hmbPay, e.coveredBurden));
      const bands = d.payout_distribution as { band: string; persons: number; hmb_pay: string }[];
      expect(bands.map((b) => b.band)).toEqual([
        "0",
        "(0,10000]",
        "(10000,50000]",
        "(50000,100000]",
        "(100000,500000]",
        ">500000",
      ]);
      expect(bands.reduce((s, b) => s + b.persons, 0)).toBe(e.persons);
      expect(bands.reduce((s, b) => s + fen(b.hmb_pay), 0)).toBe(e.hmbPay);
      expect((bands[0] as { persons: number }).persons).toBe(e.persons - e.beneficiaries);
    });
    // The synthetic year must pay something for the comparison to mean anything.
    const [standard, lower] = expected as [
      ReturnType<typeof adjudicateTotals>,
      ReturnType<typeof adjudicateTotals>,
    ];
    expect(standard.hmbPay).toBeGreaterThan(0);
    // A lower deductible (5000 instead of 12000 yuan) never pays less on any record, and here pays more.
    expect(lower.hmbPay).toBeGreaterThan(standard.hmbPay);
    expect(lower.paidClaims).toBeGreaterThanOrEqual(standard.paidClaims);
    expect(lower.beneficiaries).toBeGreaterThanOrEqual(standard.beneficiaries);
    expect(lower.claims).toBe(standard.claims);
  }, 300_000);

  it("prints exactly the contract's keys, in order, and a count per registered rule set", () => {
    const run = runHmb(["replay", "--input", input, "--design", `${WENSHAN}:${PLAN}`, "--json"], env);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { designs: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(["designs"]);
    const d = out.designs[0] as Record<string, unknown>;
    expect(Object.keys(d)).toEqual([
      "design",
      "claims",
      "paid_claims",
      "hmb_pay",
      "beneficiaries",
      "premium",
      "loss_ratio",
      "burden_reduction",
      "payout_distribution",
      "compliance",
    ]);
    // No --insured: no premium, so no loss ratio.
    expect(d.premium).toBe("0.00");
    expect(d.loss_ratio).toBeNull();
    expect(d.hmb_pay).toMatch(/^\d+\.\d{2}$/);
    expect(d.burden_reduction).toMatch(/^\d+\.\d{4}$/);
    for (const b of d.payout_distribution as Record<string, unknown>[])
      expect(Object.keys(b)).toEqual(["band", "persons", "hmb_pay"]);
    const compliance = d.compliance as Record<string, { pass: number; fail: number }>;
    expect(Object.keys(compliance).sort()).toEqual(
      listRuleSets()
        .map((r) => r.id)
        .sort(),
    );
    for (const c of Object.values(compliance)) {
      expect(Object.keys(c)).toEqual(["pass", "fail"]);
      expect(c.pass + c.fail).toBeGreaterThan(0);
    }
  }, 120_000);

  it("prints a Chinese side-by-side table without --json", () => {
    const run = runHmb(
      [
        "replay",
        "--input",
        input,
        "--design",
        `${WENSHAN}:${PLAN}`,
        "--design",
        `${variantFile}:${PLAN}`,
        "--insured",
        "1000",
      ],
      env,
    );
    expect(run.status).toBe(0);
    const header = run.stdout.split("\n").find((l) => l.startsWith("指标")) ?? "";
    expect(header).toContain(`${WENSHAN}:${PLAN}`);
    expect(header).toContain(`${variantFile}:${PLAN}`);
    for (const label of ["惠民保赔付（元）", "赔付率", "受益人数", "减负率", "赔付0元", "合规 "])
      expect(run.stdout).toContain(label);
  }, 120_000);

  it("refuses a bad design with a Chinese usage error (exit 64)", () => {
    const cases: [string[], RegExp][] = [
      [["--design", WENSHAN], /产品编号:方案/],
      [["--design", "nowhere:standard"], /未知产品 nowhere/],
      [["--design", `${WENSHAN}:gold`], /没有方案 gold/],
      [["--design", `${join(dir, "missing.json")}:${PLAN}`], /missing\.json/],
      [["--design", `${WENSHAN}:${PLAN}`, "--insured", "-3"], /--insured/],
      [[], /--design/],
    ];
    for (const [args, message] of cases) {
      const run = runHmb(["replay", "--input", input, ...args], env);
      expect(run.status, args.join(" ")).toBe(64);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
    }
    const noInput = runHmb(["replay", "--design", `${WENSHAN}:${PLAN}`], env);
    expect(noInput.status).toBe(64);
    expect(noInput.stderr).toMatch(/--input/);
  }, 120_000);

  it("refuses a bad file naming the line and the field (exit 1), and a missing file", () => {
    const lines = readFileSync(input, "utf8").split("\n").slice(0, 5);
    const third = JSON.parse(lines[2] as string) as Record<string, unknown>;
    third.psn_part_amt = "abc";
    lines[2] = JSON.stringify(third);
    lines[4] = "{not json";
    const bad = join(dir, "bad.jsonl");
    writeFileSync(bad, `${lines.join("\n")}\n`);
    const run = runHmb(["replay", "--input", bad, "--design", `${WENSHAN}:${PLAN}`, "--json"], env);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/2 行不是有效的结算记录/);
    expect(run.stderr).toMatch(/第 3 行，字段 psn_part_amt/);
    expect(run.stderr).toMatch(/第 5 行：不是有效的 JSON/);

    const missing = runHmb(
      ["replay", "--input", join(dir, "nope.jsonl"), "--design", `${WENSHAN}:${PLAN}`],
      env,
    );
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/读不到结算记录文件/);
  }, 120_000);
});

describe("Replay (in process)", () => {
  it("gives each design exactly what its own AdjudicationBatch gives, family-shared pools included", () => {
    const wenshan = getProduct(WENSHAN);
    // A variant whose deductible pools are shared by a family (schema v2 `shared: "family"`), at the lower
    // amount: its batch groups persons by hmb_family_key, wenshan-2023's by person — from the same parse.
    const familyJson = lowerDeductibleJson() as {
      schemaVersion?: number;
      plans: { id: string; deductiblePools: { shared?: string }[] }[];
    };
    familyJson.schemaVersion = 2;
    for (const plan of familyJson.plans)
      if (plan.id === PLAN) for (const pool of plan.deductiblePools) pool.shared = "family";
    const family = loadProductJson(familyJson);

    // Two persons to a family, in order of first appearance.
    const families = new Map<string, string>();
    const lines = [...synthesizeLines(wenshan)].map((line) => {
      const raw = JSON.parse(line) as Record<string, unknown>;
      const psn = raw.psn_no as string;
      if (!families.has(psn)) families.set(psn, `F${Math.floor(families.size / 2)}`);
      raw.hmb_family_key = families.get(psn);
      return JSON.stringify(raw);
    });

    const designs = [
      { label: "a", product: wenshan, planId: PLAN },
      { label: "b", product: family, planId: PLAN },
    ];
    const replay = new Replay(designs, INSURED);
    for (const line of lines) replay.add(line);
    const result = replay.finish();
    if (!result.ok) throw new Error(JSON.stringify(result.errors));

    designs.forEach((design, i) => {
      const batch = new AdjudicationBatch(compilePlan(design.product, design.planId));
      for (const line of lines) batch.add(line);
      const perPerson = new Map<string, number>();
      let hmbPay = 0;
      let paid = 0;
      let burden = 0;
      for (const entry of batch.run()) {
        if (entry.kind !== "result") throw new Error("synthetic line invalid");
        const a = entry.adjudication;
        hmbPay += a.hmbPay;
        if (a.hmbPay > 0) paid++;
        if (a.status !== "not_covered") burden += a.personBurden;
        perPerson.set(a.psnNo, (perPerson.get(a.psnNo) ?? 0) + a.hmbPay);
      }
      const r = result.designs[i];
      expect(r?.claims).toBe(lines.length);
      expect(r?.paidClaims).toBe(paid);
      expect(r?.hmbPay).toBe(hmbPay);
      expect(r?.coveredBurden).toBe(burden);
      expect(r?.beneficiaries).toBe([...perPerson.values()].filter((p) => p > 0).length);
      expect(r?.payoutDistribution).toEqual(payoutBands(perPerson.values()));
    });
    expect(result.designs[0]?.hmbPay).toBeGreaterThan(0);
  });
});

/** A synthetic wenshan year, in process (the generator `hmb synth settlements` prints). */
function* synthesizeLines(product: ReturnType<typeof getProduct>): Generator<string> {
  const gen = synthesizeSettlements({ product, persons: 1500, seed: 77 });
  for (;;) {
    const next = gen.next();
    if (next.done === true) return;
    for (const line of next.value.split("\n")) if (line !== "") yield line;
  }
}

describe("`--program`: usage without a database", () => {
  it("takes exactly one of --input and --program, and no --insured with --program (exit 64)", async () => {
    const design = [`${WENSHAN}:${PLAN}`];
    const both = await runReplay({ input: "x.jsonl", program: "ws-2023", design });
    expect(both.exitCode).toBe(64);
    expect(both.stderr).toMatch(/--input.*--program/);
    const neither = await runReplay({ design });
    expect(neither.exitCode).toBe(64);
    const insured = await runReplay({ program: "ws-2023", insured: "10", design });
    expect(insured.exitCode).toBe(64);
    expect(insured.stderr).toMatch(/--insured/);
  });
});

describe.each(BACKENDS)("`--program` on %s: the program's stored claims and enrolled premiums", (backend) => {
  let platform: TestPlatform;
  let s: OversightScenario;
  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    s = await runOversightScenario(platform);
  }, 180_000);
  afterAll(async () => {
    await s?.app.close();
    await platform?.close();
  });

  it("under the program's own design, pays what the platform paid and charges what the policies cost", async () => {
    const program = await loadProgram(s.ctx, PROGRAM);
    const enrolled = await s.ctx.db.query<{ psn_no: string; plan_id: string; premium_fen: string | number }>(
      "select psn_no, plan_id, premium_fen from policies where program_id = $1 and status in ('active', 'pending_effective')",
      [PROGRAM],
    );
    const planId = enrolled[0]?.plan_id as string;
    const persons = new Set(enrolled.map((p) => p.psn_no));
    // The platform's own figures: settled (not revoked) claims of enrolled persons — the scenario's S-OV-5
    // (P008, never insured) and the revoked S-OV-3 are left out, the corrected S-OV-3C counts.
    const claims = (
      await s.ctx.db.query<{ psn_no: string; hmb_pay_fen: string | number }>(
        "select psn_no, hmb_pay_fen from claims where program_id = $1 and state = 'settled'",
        [PROGRAM],
      )
    ).filter((c) => persons.has(c.psn_no));
    const paid = claims.reduce((sum, c) => sum + Number(c.hmb_pay_fen), 0);
    const premium = enrolled.reduce((sum, p) => sum + Number(p.premium_fen), 0);
    expect(paid).toBeGreaterThan(0);

    const design = { label: `${program.product.id}:${planId}`, product: program.product, planId };
    const lower = {
      label: "lower",
      product: loadProductJson({ ...lowerDeductibleJson(), id: program.product.id }),
      planId,
    };
    const { insured, result } = await programReplay(s.ctx, PROGRAM, [design, lower]);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    expect(insured).toBe(enrolled.length);
    const [own, cheaper] = result.designs;
    expect(own?.claims).toBe(claims.length);
    expect(own?.hmbPay).toBe(paid);
    expect(own?.premium).toBe(premium);
    expect(own?.lossRatio).toBe(ratio4(paid, premium));
    expect(cheaper?.hmbPay).toBeGreaterThanOrEqual(paid);
  });

  it("POST /programs/{id}/replays answers the same figures to the regulator; a bad design names its field", async () => {
    const login = await s.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: PROGRAM, username: "reg1", password: "reg-pass-12" },
    });
    const headers = { authorization: `Bearer ${login.json().token as string}` };
    const url = `/api/v1/programs/${PROGRAM}/replays`;
    const designs = [
      { product_id: WENSHAN, plan: PLAN },
      { product: lowerDeductibleJson(), plan: PLAN, label: "免赔额5000" },
    ];
    const res = await s.app.inject({ method: "POST", url, headers, payload: { designs } });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { program_id: string; insured: number; designs: Record<string, unknown>[] };
    const direct = await programReplay(s.ctx, PROGRAM, [
      { label: `${WENSHAN}:${PLAN}`, product: getProduct(WENSHAN), planId: PLAN },
      { label: "免赔额5000", product: loadProductJson(lowerDeductibleJson()), planId: PLAN },
    ]);
    if (!direct.result.ok) throw new Error("direct replay failed");
    expect(body.program_id).toBe(PROGRAM);
    expect(body.insured).toBe(direct.insured);
    expect(body.designs).toEqual(direct.result.designs.map(replayWire));

    const bad = await s.app.inject({
      method: "POST",
      url,
      headers,
      payload: { designs: [{ product_id: WENSHAN, plan: "gold" }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("designs[0].plan");
    expect(bad.json().error.message).toMatch(/没有方案 gold/);
    const both = await s.app.inject({
      method: "POST",
      url,
      headers,
      payload: { designs: [{ product_id: WENSHAN, product: lowerDeductibleJson(), plan: PLAN }] },
    });
    expect(both.statusCode).toBe(400);
    const anonymous = await s.app.inject({ method: "POST", url, payload: { designs } });
    expect(anonymous.statusCode).toBe(401);
  });

  it("`hmb replay --program` prints the same designs as the API's service", async () => {
    const design = [`${WENSHAN}:${PLAN}`];
    const run = await runReplay({ program: PROGRAM, design, json: true }, (id, d) =>
      programReplay(s.ctx, id, d),
    );
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const direct = await programReplay(s.ctx, PROGRAM, [
      { label: design[0] as string, product: getProduct(WENSHAN), planId: PLAN },
    ]);
    if (!direct.result.ok) throw new Error("direct replay failed");
    expect(JSON.parse(run.stdout)).toEqual({ designs: direct.result.designs.map(replayWire) });
  });

  it("an unknown program is not found", async () => {
    await expect(
      programReplay(s.ctx, "no-such-program", [{ label: "x", product: getProduct(WENSHAN), planId: PLAN }]),
    ).rejects.toMatchObject({ kind: "not_found" });
  });
});
