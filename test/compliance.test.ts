import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProduct, complianceExitCode, lossRatioBps } from "../src/compliance/check.js";
import { findRuleSet, listRuleSets } from "../src/compliance/rulesets/index.js";
import { SHANDONG_RARE_DISEASE } from "../src/compliance/rulesets/shandong-rare-disease.js";
import { YUNNAN_2023 } from "../src/compliance/rulesets/yunnan-2023.js";
import type { Finding } from "../src/compliance/types.js";
import { parseProduct } from "../src/domain/product.js";
import chuxiongJson from "../src/products/chuxiong-2023.json" with { type: "json" };
import { getProduct } from "../src/products/index.js";
import wenshanJson from "../src/products/wenshan-2023.json" with { type: "json" };

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "hmb.js");

const wenshan = () => checkProduct(getProduct("wenshan-2023"), YUNNAN_2023);
const chuxiong = () => checkProduct(getProduct("chuxiong-2023"), YUNNAN_2023);

function pick(findings: readonly Finding[], rule: string, subject: string): Finding[] {
  return findings.filter((f) => f.rule === rule && f.subject === subject);
}

function one(findings: readonly Finding[], rule: string, subject: string): Finding {
  const found = pick(findings, rule, subject);
  expect(found, `${rule} ${subject}`).toHaveLength(1);
  return found[0] as Finding;
}

// biome-ignore lint/suspicious/noExplicitAny: a product file is untyped JSON until parseProduct validates it
type ProductFile = any;

/** A seed product file, deep-cloned so a test can change it and parse it as a new product version. */
function variantOf(seed: unknown, change: (p: ProductFile) => void) {
  const draft = structuredClone(seed) as ProductFile;
  change(draft);
  return parseProduct(draft);
}

describe("rule sets are data", () => {
  it("ships yunnan-2023, shandong-rare-disease and nfra-2025 with unique rule ids and clauses", () => {
    expect(listRuleSets().map((r) => r.id)).toEqual(["yunnan-2023", "shandong-rare-disease", "nfra-2025"]);
    for (const set of listRuleSets()) {
      const ids = set.rules.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const r of set.rules) expect(r.clause).not.toBe("");
    }
    expect(new Set(YUNNAN_2023.rules.map((r) => r.clause))).toEqual(
      new Set(["三", "四", "五", "八", "九", "十", "十一", "十二", "十四"]),
    );
    expect(findRuleSet("nope")).toBeUndefined();
  });

  it("every Shandong rule cites the seed passage it comes from", () => {
    for (const r of SHANDONG_RARE_DISEASE.rules) expect(r.description.zh).toMatch(/“.+”/);
  });
});

describe("wenshan-2023 against 云医保〔2023〕152号", () => {
  it("九: 责任三's 20% ratio fails the 30% floor; 责任一 and 责任二 pass", () => {
    const f = wenshan();
    expect(one(f, "ratio_min", "standard/inpatient_out_of_scope")).toMatchObject({
      clause: "九",
      status: "fail",
      value: "20%",
      limit: "30%",
    });
    expect(one(f, "ratio_min", "standard/inpatient_in_scope")).toMatchObject({
      status: "pass",
      value: "80%",
    });
    expect(one(f, "ratio_min", "standard/special_drug")).toMatchObject({ status: "pass", value: "80%" });
  });

  it("九: 12000 deductibles and the 3,000,000 annual total pass", () => {
    const f = wenshan();
    expect(one(f, "deductible_max", "standard/inpatient_in_scope")).toMatchObject({
      status: "pass",
      value: "12000.00",
      limit: "15000.00",
    });
    expect(one(f, "deductible_max", "standard/special_drug")).toMatchObject({
      status: "pass",
      value: "0.00",
    });
    expect(one(f, "cap_min", "standard")).toMatchObject({
      clause: "九",
      status: "pass",
      value: "3000000.00",
      limit: "2000000.00",
    });
  });

  it("十: premium 69 passes for a basic plan; the Sep–Aug term fails", () => {
    const f = wenshan();
    expect(one(f, "premium_max", "standard")).toMatchObject({
      clause: "十",
      status: "pass",
      value: "69.00",
      limit: "100.00",
    });
    expect(one(f, "term_aligned", "wenshan-2023")).toMatchObject({
      clause: "十",
      status: "fail",
      value: "2023-09-01 至 2024-08-31",
    });
  });

  it("八 passes; 十一 is not applicable without operating figures", () => {
    const f = wenshan();
    expect(one(f, "no_enrollment_restrictions", "wenshan-2023")).toMatchObject({
      clause: "八",
      status: "pass",
    });
    expect(one(f, "family_enrollment", "wenshan-2023").status).toBe("pass");
    expect(one(f, "unit_enrollment", "wenshan-2023").status).toBe("pass");
    expect(one(f, "loss_ratio_min", "wenshan-2023")).toMatchObject({
      clause: "十一",
      status: "not_applicable",
    });
  });

  it("三/十二/四/十四: undeclared commitments fail as 未声明 rather than being hidden; 五 reports each service", () => {
    const f = wenshan();
    for (const [rule, clause] of [
      ["coinsurance_service_commitment", "三"],
      ["insurer_service_commitment", "十二"],
    ] as const) {
      expect(one(f, rule, "wenshan-2023")).toMatchObject({
        clause,
        status: "fail",
        value: "未声明",
        limit: 3,
      });
    }
    expect(one(f, "data_sharing_minimum_necessary", "wenshan-2023")).toMatchObject({
      clause: "四",
      status: "fail",
      value: "未声明",
    });
    expect(one(f, "disclosure", "wenshan-2023")).toMatchObject({
      clause: "十四",
      status: "fail",
      value: "未声明",
    });
    expect(one(f, "one_stop_settlement", "wenshan-2023")).toMatchObject({
      clause: "五",
      status: "pass",
      value: "是",
    });
    expect(one(f, "personal_account_payment", "wenshan-2023").status).toBe("pass");
    expect(one(f, "online_claims", "wenshan-2023")).toMatchObject({ status: "fail", value: "否" });
  });
});

describe("chuxiong-2023 against 云医保〔2023〕152号", () => {
  it("九: ② fails at 20% and at the pre-existing 10%, in both plans", () => {
    const f = chuxiong();
    for (const plan of ["basic", "plus"]) {
      const ratios = pick(f, "ratio_min", `${plan}/inpatient_out_of_scope`);
      expect(ratios.map((r) => [r.value, r.status])).toEqual([
        ["10%", "fail"],
        ["20%", "fail"],
      ]);
    }
  });

  it("九: ① passes in every variant, including pre-existing out-of-region 50%", () => {
    const ratios = pick(chuxiong(), "ratio_min", "basic/inpatient_in_scope");
    expect(ratios.map((r) => r.value)).toEqual(["50%", "70%", "60%", "80%"]);
    expect(ratios.every((r) => r.status === "pass")).toBe(true);
  });

  it("九: the special drug's pre-existing 30% sits exactly on the floor and passes", () => {
    const ratios = pick(chuxiong(), "ratio_min", "plus/special_drug");
    expect(ratios[0]).toMatchObject({ value: "30%", status: "pass" });
  });

  it("九/十: shared deductibles, headline caps, premiums and the calendar-year term pass", () => {
    const f = chuxiong();
    expect(one(f, "deductible_max", "basic/inpatient_out_of_scope")).toMatchObject({
      value: "13000.00",
      status: "pass",
    });
    expect(one(f, "cap_min", "basic")).toMatchObject({ value: "2000000.00", status: "pass" });
    expect(one(f, "cap_min", "plus")).toMatchObject({ value: "5900000.00", status: "pass" });
    expect(one(f, "premium_max", "basic")).toMatchObject({ value: "68.00", limit: "100.00", status: "pass" });
    expect(one(f, "premium_max", "plus")).toMatchObject({ value: "128.00", limit: "200.00", status: "pass" });
    expect(one(f, "term_aligned", "chuxiong-2023")).toMatchObject({
      status: "pass",
      value: "2023-01-01 至 2023-12-31",
    });
  });
});

describe("product variants", () => {
  const fixedRatio = (p: ProductFile) => {
    p.plans[0].liabilities[2].ratios[0].ratioPercent = 30;
  };

  it("a Wenshan version with 责任三 at 30% passes every clause-九 rule", () => {
    const f = checkProduct(variantOf(wenshanJson, fixedRatio), YUNNAN_2023).filter((x) => x.clause === "九");
    expect(f.length).toBeGreaterThan(0);
    expect(f.filter((x) => x.status !== "pass")).toEqual([]);
  });

  it("a 20,000 deductible fails against the 15,000 ceiling", () => {
    const product = variantOf(wenshanJson, (p) => {
      fixedRatio(p);
      p.plans[0].deductiblePools[1].amount = 20000;
    });
    const f = checkProduct(product, YUNNAN_2023);
    expect(one(f, "deductible_max", "standard/inpatient_out_of_scope")).toMatchObject({
      clause: "九",
      status: "fail",
      value: "20000.00",
      limit: "15000.00",
    });
    expect(one(f, "deductible_max", "standard/inpatient_in_scope").status).toBe("pass");
  });

  it("a plan below 2,000,000 overall fails, but a liability sub-cap below it does not", () => {
    const product = variantOf(chuxiongJson, (p) => {
      p.plans[0].annualTotal = 1500000;
    });
    const f = checkProduct(product, YUNNAN_2023);
    expect(one(f, "cap_min", "basic")).toMatchObject({ status: "fail", value: "1500000.00" });
    expect(f.filter((x) => x.rule === "cap_min" && x.subject.includes("/"))).toEqual([]);
  });

  it("without an annual total the plan's cap is what its liabilities can pay together", () => {
    const product = variantOf(chuxiongJson, (p) => {
      delete p.plans[0].annualTotal;
      delete p.plans[1].annualTotal;
      delete p.plans[1].liabilities[4].cap;
    });
    const f = checkProduct(product, YUNNAN_2023);
    expect(one(f, "cap_min", "basic")).toMatchObject({ status: "pass", value: "2000000.00" });
    expect(one(f, "cap_min", "plus")).toMatchObject({ status: "pass", value: "不限" });
  });

  it("enrolment restrictions, premiums over the tier bound and declared operations are judged", () => {
    const product = variantOf(chuxiongJson, (p) => {
      p.enrollmentRestrictions = ["age", "health"];
      p.familyEnrollment = false;
      p.plans[0].premium.variants = [{ when: { ageFrom: 60 }, amount: 120 }];
      p.operations.serviceCommitmentYears = 3;
      p.operations.dataSharing = "broad";
      p.operations.disclosure = "quarterly";
    });
    const f = checkProduct(product, YUNNAN_2023);
    expect(one(f, "no_enrollment_restrictions", "chuxiong-2023")).toMatchObject({
      status: "fail",
      value: "age,health",
    });
    expect(one(f, "family_enrollment", "chuxiong-2023")).toMatchObject({ status: "fail", value: "否" });
    expect(pick(f, "premium_max", "basic").map((x) => [x.value, x.status, x.note])).toEqual([
      ["68.00", "pass", "基础保障·基准保费"],
      ["120.00", "fail", "60岁及以上"],
    ]);
    expect(one(f, "insurer_service_commitment", "chuxiong-2023")).toMatchObject({ status: "pass", value: 3 });
    expect(one(f, "data_sharing_minimum_necessary", "chuxiong-2023")).toMatchObject({
      status: "fail",
      value: "broad",
    });
    expect(one(f, "disclosure", "chuxiong-2023")).toMatchObject({ status: "pass", value: "quarterly" });
  });

  it("a product that shares no data at all has nothing to judge under 四", () => {
    const product = variantOf(wenshanJson, (p) => {
      p.operations.dataSharing = "none";
    });
    expect(
      one(checkProduct(product, YUNNAN_2023), "data_sharing_minimum_necessary", "wenshan-2023").status,
    ).toBe("not_applicable");
  });
});

describe("十一 earned loss ratio from operating figures", () => {
  const product = () => getProduct("wenshan-2023");

  it("passes at or above 70%", () => {
    const f = checkProduct(product(), YUNNAN_2023, {
      operating: { earnedPremiumFen: 100_000_000, incurredClaimsFen: 70_000_000 },
    });
    expect(one(f, "loss_ratio_min", "wenshan-2023")).toMatchObject({
      clause: "十一",
      status: "pass",
      value: "70%",
      limit: "70%",
    });
  });

  it("fails just below 70% even when the rounded display reads 70%", () => {
    const operating = { earnedPremiumFen: 100_000_000, incurredClaimsFen: 69_999_999 };
    const f = one(checkProduct(product(), YUNNAN_2023, { operating }), "loss_ratio_min", "wenshan-2023");
    expect(f.status).toBe("fail");
    expect(lossRatioBps(operating)).toBe(7000);
  });

  it("reports 65.43% for 654.3 of 1000", () => {
    const f = checkProduct(product(), YUNNAN_2023, {
      operating: { earnedPremiumFen: 100_000, incurredClaimsFen: 65_430 },
    });
    expect(one(f, "loss_ratio_min", "wenshan-2023")).toMatchObject({ status: "fail", value: "65.43%" });
  });

  it("is not applicable with no earned premium; exact with amounts past 2^53 when multiplied", () => {
    const zero = checkProduct(product(), YUNNAN_2023, {
      operating: { earnedPremiumFen: 0, incurredClaimsFen: 5 },
    });
    expect(one(zero, "loss_ratio_min", "wenshan-2023").status).toBe("not_applicable");
    expect(lossRatioBps({ earnedPremiumFen: 900_000_000_000, incurredClaimsFen: 630_000_000_000 })).toBe(
      7000,
    );
  });
});

describe("shandong-rare-disease", () => {
  it("Chuxiong: basic has no rare-disease drug; plus's special drug passes 0 deductible and 1,000,000 cap but fails 30% < 70%", () => {
    const f = checkProduct(getProduct("chuxiong-2023"), SHANDONG_RARE_DISEASE);
    expect(one(f, "rare_disease_coverage", "basic")).toMatchObject({
      clause: "2.2",
      status: "fail",
      value: 0,
    });
    expect(one(f, "rare_disease_coverage", "plus")).toMatchObject({ status: "pass", value: 4 });
    expect(one(f, "rare_disease_deductible_max", "basic").status).toBe("not_applicable");
    expect(one(f, "rare_disease_deductible_max", "plus/special_drug")).toMatchObject({
      status: "pass",
      value: "0.00",
      limit: "10000.00",
    });
    expect(pick(f, "rare_disease_ratio_min", "plus/special_drug").map((x) => [x.value, x.status])).toEqual([
      ["30%", "fail"],
      ["80%", "pass"],
    ]);
    expect(one(f, "rare_disease_cap_min", "plus/special_drug")).toMatchObject({
      status: "pass",
      value: "1000000.00",
      limit: "300000.00",
    });
    // CAR-T and proton therapy are not rare-disease liabilities.
    expect(f.some((x) => x.subject === "plus/car_t")).toBe(false);
  });

  it("Wenshan: 责任二 lists a rare-disease drug and passes, held by the 3,000,000 annual total", () => {
    const f = checkProduct(getProduct("wenshan-2023"), SHANDONG_RARE_DISEASE);
    expect(one(f, "rare_disease_coverage", "standard")).toMatchObject({ status: "pass", value: 1 });
    expect(one(f, "rare_disease_ratio_min", "standard/special_drug").status).toBe("pass");
    expect(one(f, "rare_disease_cap_min", "standard/special_drug")).toMatchObject({
      status: "pass",
      value: "3000000.00",
    });
    expect(complianceExitCode(f)).toBe(0);
  });

  it("a rare-disease deductible of 20,000 (as some 2022 city products had) fails the 10,000 ceiling", () => {
    const product = variantOf(wenshanJson, (p) => {
      p.plans[0].deductiblePools.push({ id: "drug_deductible", name: "特药免赔额", amount: 20000 });
      p.plans[0].liabilities[1].deductiblePool = "drug_deductible";
    });
    const f = checkProduct(product, SHANDONG_RARE_DISEASE);
    expect(one(f, "rare_disease_deductible_max", "standard/special_drug")).toMatchObject({
      status: "fail",
      value: "20000.00",
    });
  });

  it("what the product cannot show is not applicable, with the reason as value", () => {
    const f = checkProduct(getProduct("wenshan-2023"), SHANDONG_RARE_DISEASE);
    for (const rule of ["multi_layer_order", "rare_disease_special_food", "rare_disease_drug_list"]) {
      const x = one(f, rule, "wenshan-2023");
      expect(x.status).toBe("not_applicable");
      expect(typeof x.value === "string" && x.value.length > 0).toBe(true);
    }
  });
});

describe("exit code", () => {
  it("is 1 when any finding fails and 0 otherwise (not_applicable does not fail)", () => {
    expect(complianceExitCode(wenshan())).toBe(1);
    const na: Finding = {
      clause: "十一",
      rule: "x",
      subject: "p",
      status: "not_applicable",
      value: "",
      limit: "",
    };
    expect(complianceExitCode([na, { ...na, status: "pass" }])).toBe(0);
  });
});

describe("hmb check (built binary)", () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, "dist", "src", "cli", "main.js"))) {
      throw new Error("dist/ is missing: run `npm run build` before the CLI tests");
    }
  });

  const hmb = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8" });

  it("--json prints exactly {findings:[{clause,rule,subject,status,value,limit}]} and exits 1 on a failure", () => {
    const run = hmb("check", "--product", "wenshan-2023", "--rules", "yunnan-2023", "--json");
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as { findings: Finding[] };
    expect(Object.keys(out)).toEqual(["findings"]);
    for (const f of out.findings) {
      expect(Object.keys(f)).toEqual(["clause", "rule", "subject", "status", "value", "limit"]);
      expect(["pass", "fail", "not_applicable"]).toContain(f.status);
    }
    expect(one(out.findings, "ratio_min", "standard/inpatient_out_of_scope")).toMatchObject({
      clause: "九",
      status: "fail",
      value: "20%",
      limit: "30%",
    });
    expect(one(out.findings, "term_aligned", "wenshan-2023").status).toBe("fail");
  });

  it("accepts the Shandong rule set", () => {
    const run = hmb("check", "--product", "chuxiong-2023", "--rules", "shandong-rare-disease", "--json");
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as { findings: Finding[] };
    expect(one(out.findings, "rare_disease_coverage", "basic").status).toBe("fail");
    // Wenshan meets every measurable Shandong rule: nothing fails, so the exit code is 0.
    expect(
      hmb("check", "--product", "wenshan-2023", "--rules", "shandong-rare-disease", "--json").status,
    ).toBe(0);
  });

  it("passes operating figures through to clause 十一", () => {
    const run = hmb(
      "check",
      "--product",
      "chuxiong-2023",
      "--rules",
      "yunnan-2023",
      "--json",
      "--earned-premium",
      "1000000",
      "--incurred-claims",
      "750000.00",
    );
    const out = JSON.parse(run.stdout) as { findings: Finding[] };
    expect(one(out.findings, "loss_ratio_min", "chuxiong-2023")).toMatchObject({
      status: "pass",
      value: "75%",
    });
  });

  it("prints a readable table by default", () => {
    const run = hmb("check", "--product", "chuxiong-2023", "--rules", "yunnan-2023");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("条款");
    expect(run.stdout).toMatch(/九\s+不符合\s+报销比例\s+basic\/inpatient_out_of_scope\s+10%\s+≥ 30%/);
  });

  it("unknown product or rule set: message on stderr, exit 64, nothing on stdout", () => {
    const product = hmb("check", "--product", "nowhere-2023", "--rules", "yunnan-2023");
    expect(product.status).toBe(64);
    expect(product.stdout).toBe("");
    expect(product.stderr).toContain("unknown product nowhere-2023");
    expect(product.stderr).toContain("wenshan-2023");
    const rules = hmb("check", "--product", "wenshan-2023", "--rules", "beijing-2099");
    expect(rules.status).toBe(64);
    expect(rules.stderr).toContain("unknown rule set beijing-2099");
    expect(rules.stderr).toContain("shandong-rare-disease");
  });

  it("usage errors exit 64", () => {
    expect(hmb("check", "--product", "wenshan-2023").status).toBe(64);
    expect(hmb("check", "--rules", "yunnan-2023").status).toBe(64);
    const half = hmb(
      "check",
      "--product",
      "wenshan-2023",
      "--rules",
      "yunnan-2023",
      "--earned-premium",
      "10",
    );
    expect(half.status).toBe(64);
    expect(half.stderr).toContain("--incurred-claims");
    const bad = hmb(
      "check",
      "--product",
      "wenshan-2023",
      "--rules",
      "yunnan-2023",
      "--earned-premium",
      "-5",
      "--incurred-claims",
      "1",
    );
    expect(bad.status).toBe(64);
  });
});

describe("deductible ceilings see every deductible a person can face", () => {
  it("flags 北京's 特定既往症 deductible (2万) against clause 九's 1.5万 even though the pool's own amount passes", () => {
    const findings = checkProduct(getProduct("beijing-puhui-2024"), YUNNAN_2023).filter(
      (f) => f.rule === "deductible_max" && f.subject === "standard/inpatient_out_of_scope",
    );
    expect(findings.map((f) => [f.status, f.value])).toEqual([
      ["pass", "15000.00"],
      ["fail", "20000.00"],
    ]);
  });
});
