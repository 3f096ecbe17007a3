/**
 * Rule set nfra-2025 (金办便函〔2025〕745号): in process on every shipped product, and through the built
 * `hmb check --rules nfra-2025 --json`. Each rule set reports its own finding where it conflicts with
 * yunnan-2023 (clause 十一's 70 % floor vs. no pre-set payout ratio).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { checkProduct, complianceExitCode } from "../src/compliance/check.js";
import { findRuleSet } from "../src/compliance/rulesets/index.js";
import { NFRA_2025 } from "../src/compliance/rulesets/nfra-2025.js";
import { YUNNAN_2023 } from "../src/compliance/rulesets/yunnan-2023.js";
import type { Finding } from "../src/compliance/types.js";
import { parseProduct } from "../src/domain/product.js";
import beijingJson from "../src/products/beijing-puhui-2024.json" with { type: "json" };
import { getProduct } from "../src/products/index.js";
import { buildCli, runHmb } from "./support/cli.js";

function one(findings: readonly Finding[], rule: string, subject: string): Finding {
  const found = findings.filter((f) => f.rule === rule && f.subject === subject);
  expect(found, `${rule} ${subject}`).toHaveLength(1);
  return found[0] as Finding;
}

const nfra = (id: string) => checkProduct(getProduct(id), NFRA_2025);

// biome-ignore lint/suspicious/noExplicitAny: a product file is untyped JSON until parseProduct validates it
type ProductFile = any;

/** The Beijing file changed as a new proposal would be, parsed as its own product. */
function beijingVariant(change: (p: ProductFile) => void) {
  const draft = structuredClone(beijingJson) as ProductFile;
  change(draft);
  return parseProduct(draft);
}

describe("nfra-2025 is a registered rule set of data", () => {
  it("is found by id, has unique rule ids, and every rule names its topic and source", () => {
    expect(findRuleSet("nfra-2025")).toBe(NFRA_2025);
    const ids = NFRA_2025.rules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of NFRA_2025.rules) {
      expect(r.clause).not.toBe("");
      expect(r.description.zh.length).toBeGreaterThan(10);
    }
    expect(NFRA_2025.name.zh).toContain("金办便函〔2025〕745号");
  });
});

describe("name contains 定制, region listed", () => {
  it.each([
    "wenshan-2023",
    "chuxiong-2023",
    "beijing-puhui-2024",
    "shenzhen-hmb-2024",
    "shenzhen-hmb-2023",
    "chengdu-huirongbao-2022",
  ])("%s predates the 2025 notice: its name lacks 定制 (fail) and it lists its region (pass)", (id) => {
    const findings = nfra(id);
    const product = getProduct(id);
    expect(one(findings, "name_contains_dingzhi", id)).toMatchObject({
      clause: "产品名称",
      status: "fail",
      value: product.name,
      limit: "含“定制”",
    });
    expect(one(findings, "region_listed", id)).toMatchObject({
      status: "pass",
      value: `${product.region.name}（${product.region.code}）`,
    });
    expect(complianceExitCode(findings)).toBe(1);
  });

  it("a name with 定制 passes", () => {
    const renamed = beijingVariant((p) => {
      p.name = "2024年度北京普惠健康保（城市定制型商业医疗保险）";
    });
    expect(one(checkProduct(renamed, NFRA_2025), "name_contains_dingzhi", renamed.id).status).toBe("pass");
  });
});

describe("rates grouped or benefits tiered by age, sex or health status", () => {
  it("北京 tiers benefits by health (特定既往症 ratios and deductible): pass", () => {
    expect(one(nfra("beijing-puhui-2024"), "risk_differentiation", "standard")).toMatchObject({
      clause: "精准定价",
      status: "pass",
      value: "健康状况",
    });
  });

  it("深圳 pays 既往症 alike and prices everyone at 88 元: fail (renewal and cohort tiers do not count)", () => {
    for (const id of ["shenzhen-hmb-2024", "shenzhen-hmb-2023"]) {
      expect(one(nfra(id), "risk_differentiation", "standard")).toMatchObject({
        status: "fail",
        value: "无",
      });
    }
  });

  it("惠蓉保 (特药 既往症 30%/0%), 文山 (特药 既往症 excluded), 楚雄 (既往症 ratios): pass by health", () => {
    expect(one(nfra("chengdu-huirongbao-2022"), "risk_differentiation", "standard").value).toBe("健康状况");
    expect(one(nfra("wenshan-2023"), "risk_differentiation", "standard").status).toBe("pass");
    for (const plan of ["basic", "plus"]) {
      expect(one(nfra("chuxiong-2023"), "risk_differentiation", plan).status).toBe("pass");
    }
  });

  it("premiums by age band are rate groups: value names age and health", () => {
    const byAge = beijingVariant((p) => {
      p.plans[0].premium.variants = [{ when: { ageFrom: 60 }, amount: 295, label: "60岁及以上" }];
    });
    expect(one(checkProduct(byAge, NFRA_2025), "risk_differentiation", "standard").value).toBe(
      "年龄、健康状况",
    );
  });
});

describe("pre-existing persons not refused", () => {
  it("every shipped product enrolls regardless of health: pass, tiers listed in the note", () => {
    for (const id of ["beijing-puhui-2024", "shenzhen-hmb-2024", "chengdu-huirongbao-2022", "wenshan-2023"]) {
      expect(one(nfra(id), "pre_existing_not_refused", id)).toMatchObject({
        status: "pass",
        value: "不拒保",
      });
    }
    expect(one(nfra("beijing-puhui-2024"), "pre_existing_not_refused", "beijing-puhui-2024").note).toContain(
      "免赔额不同：standard/out_of_scope_deductible",
    );
  });

  it("a product that restricts enrollment by pre-existing condition fails", () => {
    const refusing = beijingVariant((p) => {
      p.enrollmentRestrictions = ["pre_existing"];
    });
    expect(one(checkProduct(refusing, NFRA_2025), "pre_existing_not_refused", refusing.id)).toMatchObject({
      status: "fail",
      value: "拒保：pre_existing",
    });
  });
});

describe("no pre-set payout ratio, no fund pool, terms frozen in-year", () => {
  it("the product has neither feature; the in-year freeze is the platform's (not applicable to the file)", () => {
    const findings = nfra("beijing-puhui-2024");
    expect(one(findings, "no_preset_loss_ratio", "beijing-puhui-2024")).toMatchObject({
      status: "pass",
      limit: "不得设置预设赔付率",
    });
    expect(one(findings, "no_fund_pool", "beijing-puhui-2024").status).toBe("pass");
    const frozen = one(findings, "terms_frozen_in_year", "beijing-puhui-2024");
    expect(frozen.status).toBe("not_applicable");
    expect(frozen.value).toContain("由平台保证");
  });

  it("conflict with yunnan-2023 clause 十一: each rule set reports its own finding", () => {
    const product = getProduct("chuxiong-2023");
    const operating = { operating: { earnedPremiumFen: 100_000_000, incurredClaimsFen: 50_000_000 } };
    // 云南: loss ratio 50 % against the 70 % floor fails.
    expect(one(checkProduct(product, YUNNAN_2023, operating), "loss_ratio_min", product.id)).toMatchObject({
      clause: "十一",
      status: "fail",
      value: "50%",
    });
    // 745号: the product pre-sets no ratio — its own finding, unchanged by the year's figures.
    expect(one(checkProduct(product, NFRA_2025, operating), "no_preset_loss_ratio", product.id).status).toBe(
      "pass",
    );
  });

  it("a renamed 北京 product passes every measurable rule: exit code 0", () => {
    const renamed = beijingVariant((p) => {
      p.name = "2024年度北京普惠健康保（定制型）";
    });
    const findings = checkProduct(renamed, NFRA_2025);
    expect(findings.filter((f) => f.status === "fail")).toEqual([]);
    expect(complianceExitCode(findings)).toBe(0);
  });
});

describe("hmb check --rules nfra-2025 (built binary)", () => {
  beforeAll(() => buildCli());

  it("--json on the library and seed products: the contract keys and the findings above", () => {
    const run = runHmb(["check", "--product", "beijing-puhui-2024", "--rules", "nfra-2025", "--json"], {});
    expect(run.status).toBe(1);
    const out = JSON.parse(run.stdout) as { findings: Finding[] };
    for (const f of out.findings) {
      expect(Object.keys(f)).toEqual(["clause", "rule", "subject", "status", "value", "limit"]);
    }
    expect(one(out.findings, "name_contains_dingzhi", "beijing-puhui-2024")).toMatchObject({
      status: "fail",
      value: "2024年度北京普惠健康保",
    });
    expect(one(out.findings, "risk_differentiation", "standard")).toMatchObject({
      status: "pass",
      value: "健康状况",
    });

    const shenzhen = runHmb(
      ["check", "--product", "shenzhen-hmb-2024", "--rules", "nfra-2025", "--json"],
      {},
    );
    expect(shenzhen.status).toBe(1);
    const sz = JSON.parse(shenzhen.stdout) as { findings: Finding[] };
    expect(one(sz.findings, "risk_differentiation", "standard")).toMatchObject({
      status: "fail",
      value: "无",
    });

    const wenshan = runHmb(["check", "--product", "wenshan-2023", "--rules", "nfra-2025", "--json"], {});
    const ws = JSON.parse(wenshan.stdout) as { findings: Finding[] };
    expect(one(ws.findings, "pre_existing_not_refused", "wenshan-2023").status).toBe("pass");
  });

  it("prints the table in Chinese", () => {
    const run = runHmb(["check", "--product", "chengdu-huirongbao-2022", "--rules", "nfra-2025"], {});
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("金办便函〔2025〕745号");
    expect(run.stdout).toMatch(/产品名称\s+不符合\s+名称注明“定制”/);
  });
});
