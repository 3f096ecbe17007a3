/**
 * The pure renderers used by the CLI, API and console: the Chinese product sheet (src/products/sheet.ts) and the
 * readable diff of terms (src/products/diff.ts), on the real 文山 and 楚雄 products (the version 1 fixtures, so
 * the expectations hold forever) and modified copies of them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diffProducts } from "../src/products/diff.js";
import { loadProductJson } from "../src/products/load.js";
import { chineseNumber, liabilityLabel, productSheet, renderSheet, yuanText } from "../src/products/sheet.js";

const DIR = join(import.meta.dirname, "fixtures", "products-v1");
// biome-ignore lint/suspicious/noExplicitAny: the tests edit a raw JSON document at any depth.
type Doc = Record<string, any>;
const raw = (name: string): Doc => JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8"));
const WENSHAN = loadProductJson(raw("wenshan-2023"));
const CHUXIONG = loadProductJson(raw("chuxiong-2023"));

function section(sheet: ReturnType<typeof productSheet>, heading: string) {
  const found = sheet.sections.find((s) => s.heading === heading);
  if (found === undefined) throw new Error(`no section ${heading}: ${sheet.sections.map((s) => s.heading)}`);
  return found.lines;
}

describe("helpers", () => {
  it("yuan without .00, with cents when there are any", () => {
    expect(yuanText(1_200_000)).toBe("12000");
    expect(yuanText(1_234)).toBe("12.34");
    expect(yuanText(0)).toBe("0");
  });

  it.each([
    [1, "一"],
    [6, "六"],
    [10, "十"],
    [12, "十二"],
    [20, "二十"],
    [21, "二十一"],
  ])("chineseNumber(%i) = %s", (n, text) => {
    expect(chineseNumber(n)).toBe(text);
  });

  it("a liability is named by its own numbering, else by position and name", () => {
    expect(liabilityLabel({ name: "责任一：基本医疗保险范围内住院医疗费用保障" }, 0)).toBe("责任一");
    expect(liabilityLabel({ name: "待遇六：住院自费合规耗材" }, 1)).toBe("待遇六");
    expect(liabilityLabel({ name: "CAR-T 治疗" }, 3)).toBe("责任四「CAR-T 治疗」");
    // Beside self-numbered siblings a positional number could repeat one of theirs: the name alone.
    expect(liabilityLabel({ name: "门诊责任" }, 2, [{ name: "责任一：住院" }, { name: "门诊责任" }])).toBe(
      "「门诊责任」",
    );
  });
});

describe("productSheet", () => {
  const sheet = productSheet(WENSHAN);

  it("title names the product, its id and version", () => {
    expect(sheet.title).toBe("2023年度文山惠民保（wenshan-2023 第1版）");
  });

  it("basics: region, coverage as the last covered day, no waiting period, no enrollment restriction", () => {
    const basics = section(sheet, "基本信息");
    expect(basics).toContain("地区：云南省文山壮族苗族自治州（532600）");
    // "2024-08-31 24:00" is the end of 31 August: the sheet shows 08-31, not 09-01.
    expect(basics).toContain("保障期间：2023-09-01 至 2024-08-31");
    expect(basics).toContain("等待期：无");
    expect(basics.some((l) => l.startsWith("投保限制：无"))).toBe(true);
  });

  it("the plan: premium 69, both deductibles 12000, annual total 3000000", () => {
    const plan = section(sheet, "保障方案：文山惠民保");
    expect(plan).toContain("保费：69 元/人/年");
    expect(plan).toContain("免赔额「责任一免赔额」：12000 元");
    expect(plan).toContain("年度累计限额：3000000 元");
  });

  it("each liability: scope, deductible, ratio with its label, cap, pre-existing exclusion", () => {
    const one = section(sheet, "责任一：基本医疗保险范围内住院医疗费用保障");
    expect(one).toContain("保障范围：基本医保范围内个人自付");
    expect(one).toContain("免赔额：12000 元（责任一免赔额）");
    expect(one).toContain("赔付比例：80%（包含既往症）");
    expect(one).toContain("限额：2000000 元");
    const two = section(sheet, "责任二：特定高额药械费用保障");
    expect(two).toContain("免赔额：无免赔额");
    expect(two).toContain("限额：不单设限额（受年度累计限额约束）");
    expect(two).toContain("既往症（恶性肿瘤（含白血病、淋巴瘤）既往症）不赔");
    expect(two[0]).toBe("保障范围：目录内药品/项目：文山惠民保特定高额药械目录（样例）");
  });

  it("catalogs, pre-existing definition, exclusions and sources", () => {
    expect(section(sheet, "药品与项目目录")[0]).toMatch(
      /^文山惠民保特定高额药械目录（样例）：15 项，样例目录（非官方）；帕博利珠单抗注射液、/,
    );
    expect(section(sheet, "既往症")).toEqual([
      "恶性肿瘤（含白血病、淋巴瘤）既往症：保障开始前诊断属于 C00–C97",
    ]);
    expect(section(sheet, "责任免除")).toEqual(["无按诊断的责任免除"]);
    expect(section(sheet, "条款来源")[0]).toContain("文医保发〔2023〕8号");
  });

  it("楚雄: conditional ratios in words, the shared pool named, plan names in the headings", () => {
    const cx = productSheet(CHUXIONG);
    const one = section(cx, "基础版 · 责任一：①住院自付（医保范围内，含门诊特病）");
    expect(one).toContain("赔付比例：既往症人群，异地就医 50%；既往症人群 70%；异地就医 60%；其他 80%");
    expect(one).toContain("免赔额：13000 元（①②共用免赔额，与责任二「②住院自费（医保范围外）」共用）");
    expect(section(cx, "方案：升级版（plus）")).toContain("保费：128 元/人/年");
    expect(section(cx, "既往症")[0]).toBe(
      "既往症：前2年报过城乡居民大病保险或职工大额医疗补助：保障开始前 2 年内有城乡居民大病保险、职工大额医疗补助支付记录",
    );
  });

  it("schema v2 terms in words: deductible by insured years, cap by pre-existing status, unit caps, counts", () => {
    const doc = raw("wenshan-2023");
    doc.schemaVersion = 2;
    doc.plans[0].deductiblePools[0].variants = [
      { when: { insuredYearsFrom: 2 }, amount: 11000 },
      { when: { cohorts: ["dibao", "tekun"] }, amount: 10000 },
    ];
    const one = doc.plans[0].liabilities[0];
    one.preExistingCondition = "malignant_tumour";
    one.capVariants = [{ when: { preExisting: true }, amount: 500000 }];
    one.ratios = [{ when: { ageFrom: 65 }, ratioPercent: 70 }, { ratioPercent: 80 }];
    doc.plans[0].liabilities[2].unitCaps = [{ per: "stay", amount: 50000 }];
    doc.plans[0].liabilities[2].maxClaimsPerYear = 3;
    const v2 = productSheet(loadProductJson(doc));
    const l1 = section(v2, "责任一：基本医疗保险范围内住院医疗费用保障");
    expect(l1).toContain(
      "免赔额：连续参保2年及以上（含本年） 11000 元；低保对象、特困人员 10000 元；其他 12000 元（责任一免赔额）",
    );
    expect(l1).toContain("赔付比例：投保年龄65周岁及以上 70%；其他 80%");
    expect(l1).toContain("限额：既往症人群 500000 元；其他 2000000 元");
    expect(section(v2, "责任三：基本医疗保险范围外住院医疗费用保障")).toContain(
      "限额：1000000 元；每次住院 50000 元；每年最多赔付 3 次",
    );
  });

  it("renders as text with every section", () => {
    const text = renderSheet(sheet);
    expect(text.split("\n")[0]).toBe(sheet.title);
    for (const s of sheet.sections) expect(text).toContain(`【${s.heading}】`);
  });
});

describe("diffProducts", () => {
  it("the same terms: no lines", () => {
    expect(diffProducts(WENSHAN, loadProductJson(raw("wenshan-2023")))).toEqual([]);
  });

  it("文山 vs a next version: deductible, premium, ratio, cap, a new and a removed liability, a catalog drug", () => {
    const doc = raw("wenshan-2023");
    doc.version = 2;
    doc.plans[0].premium.base = 79;
    doc.plans[0].deductiblePools[0].amount = 10000;
    doc.plans[0].liabilities[2].ratios[0].ratioPercent = 30;
    doc.plans[0].liabilities[0].cap = 2500000;
    doc.plans[0].liabilities.splice(1, 1); // 责任二 special drugs removed …
    doc.plans[0].liabilities.push({
      id: "outpatient_in_scope",
      name: "门诊医保范围内自付",
      eligible: "in_scope",
      medTypes: ["11"],
      ratios: [{ ratioPercent: 50 }],
      cap: 50000,
    });
    doc.catalogs[0].items.push({ code: "SAMPLE-WS-D16", name: "测试新药", kind: "drug" });
    const next = loadProductJson(doc);
    expect(diffProducts(WENSHAN, next)).toEqual([
      "产品 wenshan-2023 第1版 → wenshan-2023 第2版",
      "保费 69 → 79",
      "责任一免赔额 12000 → 10000",
      "责任一限额 2000000 → 2500000",
      // 责任三 is now the second liability; it keeps its own numbering from its name.
      "责任三比例 20%（包含既往症） → 30%（包含既往症）",
      "新增责任 门诊医保范围内自付：免赔额 无，比例 50%，限额 50000",
      "删除责任 责任二：特定高额药械费用保障",
      "目录「文山惠民保特定高额药械目录（样例）」新增 测试新药",
    ]);
  });

  it("楚雄 with two plans: lines say which plan; a shared pool change shows on both liabilities", () => {
    const doc = raw("chuxiong-2023");
    doc.plans[0].deductiblePools[0].amount = 12000;
    doc.plans[1].annualTotal = 6000000;
    expect(diffProducts(CHUXIONG, loadProductJson(doc))).toEqual([
      "方案 基础版：责任一「①住院自付（医保范围内，含门诊特病）」免赔额 13000 → 12000",
      "方案 基础版：责任二「②住院自费（医保范围外）」免赔额 13000 → 12000",
      "方案 升级版：年度累计限额 5900000 → 6000000",
    ]);
  });

  it("a pre-existing exclusion lifted and a waiting period added read in words", () => {
    const doc = raw("wenshan-2023");
    doc.schemaVersion = 2;
    doc.plans[0].liabilities[1].excludePreExisting = false;
    doc.waitingPeriodDays = 30;
    expect(diffProducts(WENSHAN, loadProductJson(doc))).toEqual([
      "等待期 无 → 30 天",
      "责任二既往症 不赔 → 可赔",
    ]);
  });
});
