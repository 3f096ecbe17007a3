/**
 * A product's terms as a Chinese product sheet (产品说明), for the CLI (`hmb product show`), the API and the
 * console: premium, coverage, each liability (免赔额, 比例 with its conditions in words, 限额, 目录, 既往症),
 * exclusions and totals. Pure: a Product in, lines of text out; money in yuan (whole yuan without ".00").
 * The describers are shared with diff.ts so a diff line reads exactly like the sheet.
 */
import { COHORTS } from "../domain/cohort.js";
import { type Fen, formatPercent, formatYuan } from "../domain/money.js";
import type { Liability, Plan, PreExistingRule, Product } from "../domain/product.js";
import { MED_TYPES } from "../domain/settlement.js";
import { formatBusinessTime } from "../domain/time.js";

export interface SheetSection {
  readonly heading: string;
  readonly lines: readonly string[];
}

export interface ProductSheet {
  readonly title: string;
  readonly sections: readonly SheetSection[];
}

type Pool = Plan["deductiblePools"][number];

/** 1200000 fen → "12000", 1234 → "12.34": as the terms write amounts. */
export function yuanText(fen: Fen): string {
  return formatYuan(fen).replace(/\.00$/, "");
}

const DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/** 1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (liability numbering; products have far fewer than 100). */
export function chineseNumber(n: number): string {
  if (n < 10) return DIGITS[n] ?? String(n);
  if (n < 20) return `十${n === 10 ? "" : DIGITS[n - 10]}`;
  if (n < 100) return `${DIGITS[Math.floor(n / 10)]}十${n % 10 === 0 ? "" : DIGITS[n % 10]}`;
  return String(n);
}

const OWN_NUMBERING = /^((?:责任|待遇)[一二三四五六七八九十\d]+)/;

type Named = Pick<Liability, "name">;

/**
 * Positional numbers ("责任四") only when no liability of the plan numbers itself: a product that writes
 * "责任三：…" in its names must not get a second, positional 责任三.
 */
function positional(siblings: readonly Named[]): boolean {
  return !siblings.some((x) => OWN_NUMBERING.test(x.name));
}

/**
 * How people name a liability: its own numbering when the name starts with it ("责任一：…", "待遇六：…"),
 * else its position and name ("责任四「CAR-T 治疗」"), or its name alone (「门诊责任」) when its siblings
 * number themselves.
 */
export function liabilityLabel(l: Named, index: number, siblings: readonly Named[] = []): string {
  const own = OWN_NUMBERING.exec(l.name);
  if (own?.[1] !== undefined) return own[1];
  return positional(siblings) ? `责任${chineseNumber(index + 1)}「${l.name}」` : `「${l.name}」`;
}

/** A liability's full heading: its own name when numbered ("责任一：…"), else "责任四：CAR-T 治疗". */
export function liabilityHeading(l: Named, index: number, siblings: readonly Named[] = []): string {
  if (OWN_NUMBERING.test(l.name) || !positional(siblings)) return l.name;
  return `责任${chineseNumber(index + 1)}：${l.name}`;
}

const INSUTYPE_ZH: Record<string, string> = { "310": "职工医保", "390": "居民医保" };
const SEX_ZH: Record<string, string> = { "1": "男性", "2": "女性" };

/** Any `when` of the schema (ratio, deductible, cap, premium variants) — every key optional. */
export interface WhenLike {
  preExisting?: boolean | undefined;
  outOfRegion?: boolean | undefined;
  cohorts?: readonly string[] | undefined;
  insutypes?: readonly string[] | undefined;
  insuredYearsFrom?: number | undefined;
  insuredYearsTo?: number | undefined;
  claimFreeYearsFrom?: number | undefined;
  claimFreeYearsTo?: number | undefined;
  ageFrom?: number | undefined;
  ageTo?: number | undefined;
  sex?: string | undefined;
  servicesRedeemed?: readonly string[] | undefined;
  costBand?: { from: Fen; to?: Fen | undefined } | undefined;
}

function range(from: number | undefined, to: number | undefined, unit: string): string {
  if (from !== undefined && to !== undefined) return from === to ? `${from}${unit}` : `${from}–${to}${unit}`;
  if (from !== undefined) return `${from}${unit}及以上`;
  return `${to}${unit}及以下`;
}

/** A condition in words: "既往症人群，连续参保第2年及以上". Empty for no condition. */
export function describeWhen(when: WhenLike | undefined): string {
  if (when === undefined) return "";
  const parts: string[] = [];
  if (when.preExisting !== undefined) parts.push(when.preExisting ? "既往症人群" : "非既往症人群");
  if (when.outOfRegion !== undefined) parts.push(when.outOfRegion ? "异地就医" : "本地就医");
  if (when.cohorts !== undefined) {
    parts.push(when.cohorts.map((c) => COHORTS[c as keyof typeof COHORTS] ?? c).join("、"));
  }
  if (when.insutypes !== undefined) parts.push(when.insutypes.map((t) => INSUTYPE_ZH[t] ?? t).join("、"));
  if (when.insuredYearsFrom !== undefined || when.insuredYearsTo !== undefined) {
    parts.push(`连续参保${range(when.insuredYearsFrom, when.insuredYearsTo, "年")}（含本年）`);
  }
  if (when.claimFreeYearsFrom !== undefined || when.claimFreeYearsTo !== undefined) {
    parts.push(`连续无理赔${range(when.claimFreeYearsFrom, when.claimFreeYearsTo, "年")}`);
  }
  if (when.ageFrom !== undefined || when.ageTo !== undefined) {
    parts.push(`投保年龄${range(when.ageFrom, when.ageTo, "周岁")}`);
  }
  if (when.sex !== undefined) parts.push(SEX_ZH[when.sex] ?? when.sex);
  if (when.servicesRedeemed !== undefined)
    parts.push(`就医前已使用指定健康服务（服务目录编号 ${when.servicesRedeemed.join("、")}）`);
  if (when.costBand !== undefined) {
    const b = when.costBand;
    parts.push(
      b.to === undefined
        ? `年度累计超过 ${yuanText(b.from)} 元的部分`
        : `年度累计 ${yuanText(b.from)}–${yuanText(b.to)} 元的部分`,
    );
  }
  return parts.join("，");
}

/** "80%（包含既往症）" or "既往症人群 40%；其他 80%". */
export function describeRatios(l: Liability): string {
  if (l.ratios.length === 0) return "不按比例（定额给付）";
  if (l.ratios.length === 1) {
    const only = l.ratios[0];
    if (only !== undefined && describeWhen(only.when) === "") {
      return `${formatPercent(only.ratioPercent)}${only.label === undefined ? "" : `（${only.label}）`}`;
    }
  }
  return l.ratios
    .map((r) => {
      const when = describeWhen(r.when);
      return `${when === "" ? "其他" : when} ${formatPercent(r.ratioPercent)}`;
    })
    .join("；");
}

/** "12000 元" or "15000 元；连续参保2年及以上 14000 元" (first matching variant wins, as the engine reads it). */
export function describePoolAmount(pool: Pool): string {
  const variants = (pool.variants ?? []).map((v) => `${describeWhen(v.when)} ${yuanText(v.amount)} 元`);
  const base = `${yuanText(pool.amount)} 元`;
  if (variants.length === 0) return base;
  return [...variants, `其他 ${base}`].join("；");
}

export function describeDeductible(plan: Plan, l: Liability): string {
  if (l.deductiblePool === undefined) return "无免赔额";
  const pool = plan.deductiblePools.find((p) => p.id === l.deductiblePool);
  if (pool === undefined) return `免赔额 ${l.deductiblePool}（未定义）`;
  const sharers = plan.liabilities.filter((x) => x.deductiblePool === pool.id);
  const shared =
    sharers.length > 1
      ? `，与${sharers
          .filter((x) => x.id !== l.id)
          .map((x) => liabilityLabel(x, plan.liabilities.indexOf(x), plan.liabilities))
          .join("、")}共用`
      : "";
  const family = pool.shared === "family" ? "，家庭共用" : "";
  return `${describePoolAmount(pool)}（${pool.name}${shared}${family}）`;
}

/** The liability's own cap in words (variants first), unit caps, yearly counts. */
export function describeCap(l: Liability): string {
  const parts: string[] = [];
  const variants = (l.capVariants ?? []).map((v) => `${describeWhen(v.when)} ${yuanText(v.amount)} 元`);
  const base = l.cap === undefined ? "不单设限额（受年度累计限额约束）" : `${yuanText(l.cap)} 元`;
  parts.push(variants.length === 0 ? base : [...variants, `其他 ${base}`].join("；"));
  for (const u of l.unitCaps ?? []) {
    parts.push(
      u.per === "code" ? `每种药品/耗材每年 ${yuanText(u.amount)} 元` : `每次住院 ${yuanText(u.amount)} 元`,
    );
  }
  if (l.maxClaimsPerYear !== undefined) parts.push(`每年最多赔付 ${l.maxClaimsPerYear} 次`);
  return parts.join("；");
}

const LEVEL_ZH: Record<string, string> = { "01": "甲类", "02": "乙类", "03": "丙类（自费）" };
const PORTION_ZH: Record<string, string> = {
  self_pay: "自费部分",
  in_scope: "医保范围内部分",
  total: "全部费用",
};

/** What the liability pays on, in words. */
export function describeEligible(product: Product, l: Liability): string {
  const e = l.eligible as unknown;
  if (e === "in_scope") {
    const weight =
      l.preSelfPayWeightPercent === undefined
        ? ""
        : `（乙类先行自付按 ${formatPercent(l.preSelfPayWeightPercent)} 计入）`;
    return `基本医保范围内个人自付${weight}`;
  }
  if (e === "out_of_scope") return "基本医保范围外个人自费（全自费 + 超限价自费）";
  if (typeof e === "object" && e !== null) {
    if ("catalog" in e) {
      const id = String((e as { catalog: string }).catalog);
      const catalog = product.catalogs.find((c) => c.id === id);
      return `目录内药品/项目：${catalog === undefined ? id : describeCatalogName(catalog)}`;
    }
    if ("feeItems" in e) {
      const f = (
        e as { feeItems: { categories?: string[]; levels?: string[]; codes?: string[]; portion: string } }
      ).feeItems;
      const what: string[] = [];
      if (f.categories !== undefined) what.push(`收费项目类别 ${f.categories.join("、")}`);
      if (f.levels !== undefined) what.push(f.levels.map((x) => LEVEL_ZH[x] ?? x).join("、"));
      if (f.codes !== undefined) what.push(`编码 ${f.codes.join("、")}`);
      return `费用明细中${what.length === 0 ? "全部项目" : `${what.join("，")} `}的${PORTION_ZH[f.portion] ?? f.portion}`;
    }
    if ("diagnosis" in e) {
      const d = (e as { diagnosis: { icd10: { from: string; to: string }[] } }).diagnosis;
      const lump = l.lumpSum === undefined ? "" : `，定额 ${yuanText(l.lumpSum)} 元（不超过本次个人负担）`;
      return `主诊断属于 ${d.icd10.map(icdRange).join("、")}${lump}`;
    }
  }
  return JSON.stringify(e);
}

function icdRange(r: { from: string; to: string }): string {
  return r.from === r.to ? r.from : `${r.from}–${r.to}`;
}

type EmbeddedCatalog = Product["catalogs"][number];

function describeCatalogName(c: EmbeddedCatalog): string {
  const version = (c as { version?: unknown }).version;
  return `${c.name}${typeof version === "number" ? ` 第${version}版` : ""}`;
}

export function describeMedTypes(l: Liability): string {
  return l.medTypes.map((m) => MED_TYPES[m] ?? m).join("、");
}

export function describePreExisting(product: Product, l: Liability): string | undefined {
  if (l.preExistingCondition === undefined) return undefined;
  const c = product.preExistingConditions.find((x) => x.id === l.preExistingCondition);
  const name = c?.name ?? l.preExistingCondition;
  if (l.excludePreExisting) return `既往症（${name}）不赔`;
  return `既往症按「${name}」认定，比例/限额见上`;
}

/** The national fund fields (DESIGN.md §3) as the bureau names the funds. */
const FUND_ZH: Record<string, string> = {
  hifp_pay: "统筹基金",
  hifmi_pay: "城乡居民大病保险",
  hifob_pay: "职工大额医疗补助",
  cvlserv_pay: "公务员医疗补助",
  hifes_pay: "企业补充医疗保险",
  maf_pay: "医疗救助",
  oth_pay: "其他基金",
};

export function describeRule(rule: PreExistingRule): string {
  if (rule.kind === "prior_fund_payment") {
    return `保障开始前 ${rule.lookbackYears} 年内有${rule.funds.map((f) => FUND_ZH[f] ?? f).join("、")}支付记录`;
  }
  const window = rule.lookbackYears === undefined ? "保障开始前" : `保障开始前 ${rule.lookbackYears} 年内`;
  return `${window}诊断属于 ${rule.icd10.map(icdRange).join("、")}`;
}

export function describePremium(plan: Plan): string {
  const base = `${yuanText(plan.premium.base)} 元/人/年`;
  if (plan.premium.variants.length === 0) return base;
  return [
    ...plan.premium.variants.map((v) => `${describeWhen(v.when)} ${yuanText(v.amount)} 元`),
    `其他 ${base}`,
  ].join("；");
}

const day = (ms: number): string => formatBusinessTime(ms).slice(0, 10);
/** Coverage ends are written "…24:00", i.e. the next day 00:00: show the last covered day. */
const lastDay = (ms: number): string => formatBusinessTime(ms - 1).slice(0, 10);

export function describePeriod(p: { start: number; end: number }): string {
  return `${day(p.start)} 至 ${lastDay(p.end)}`;
}

const RESTRICTION_ZH: Record<string, string> = {
  age: "年龄",
  health: "健康状况",
  pre_existing: "既往症",
  occupation: "职业",
  residence: "户籍/居住地",
};

function describeStay(product: Product): string {
  const s = product.stayAcrossCoverageEnd;
  if (s === undefined) return "按入院日期：保障期内入院的整次住院都在保障范围内";
  if (s.kind === "pro_rata_by_day") return "按住院天数比例：保障期外的天数不赔";
  return `保障期结束后延长 ${s.days} 天：此期间内出院的整次住院都赔`;
}

export function productSheet(product: Product): ProductSheet {
  const sections: SheetSection[] = [];
  const basics = [
    `地区：${product.region.name}（${product.region.code}）`,
    `保障期间：${describePeriod(product.coverage)}`,
    `投保期：${describePeriod(product.enrollment)}`,
    `等待期：${product.waitingPeriodDays === 0 ? "无" : `${product.waitingPeriodDays} 天`}`,
    `投保限制：${
      product.enrollmentRestrictions.length === 0
        ? "无（基本医保参保人均可投保，不限年龄、健康状况、职业）"
        : `按${product.enrollmentRestrictions.map((r) => RESTRICTION_ZH[r] ?? r).join("、")}限制`
    }`,
    `家庭投保：${product.familyEnrollment ? "可以" : "不可以"}；单位投保：${product.unitEnrollment ? "可以" : "不可以"}`,
    `跨保障期住院：${describeStay(product)}`,
    `退保：生效前全额退还；生效后${product.refund.afterEffective === "none" ? "不退" : "按未到期天数比例退还"}`,
  ];
  if (product.preExistingLockedAtFirstEnrollment) {
    basics.push("既往症认定：以首次投保时为准，首次投保时健康的续保后仍按健康人群赔付");
  }
  sections.push({ heading: "基本信息", lines: basics });

  const multiplePlans = product.plans.length > 1;
  for (const plan of product.plans) {
    const prefix = multiplePlans ? `${plan.name} · ` : "";
    const overview = [
      `保费：${describePremium(plan)}`,
      `保障层次：${plan.tier === "basic" ? "基础保障" : "升级保障"}`,
      ...plan.deductiblePools.map(
        (p) => `免赔额「${p.name}」：${describePoolAmount(p)}${p.shared === "family" ? "（家庭共用）" : ""}`,
      ),
      ...plan.capGroups.map((g) => `共用限额「${g.name}」：${yuanText(g.amount)} 元`),
      `年度累计限额：${plan.annualTotal === undefined ? "不设" : `${yuanText(plan.annualTotal)} 元`}`,
    ];
    sections.push({
      heading: `${multiplePlans ? `方案：${plan.name}（${plan.id}）` : `保障方案：${plan.name}`}`,
      lines: overview,
    });
    plan.liabilities.forEach((l, i) => {
      const lines = [
        `保障范围：${describeEligible(product, l)}`,
        `就医类型：${describeMedTypes(l)}`,
        `免赔额：${describeDeductible(plan, l)}`,
        `赔付比例：${describeRatios(l)}`,
        `限额：${describeCap(l)}`,
      ];
      const pre = describePreExisting(product, l);
      if (pre !== undefined) lines.push(pre);
      if (l.waitingPeriodDays !== undefined) {
        lines.push(
          `等待期：${l.waitingPeriodDays === 0 ? "无" : `${l.waitingPeriodDays} 天（续保无等待期）`}`,
        );
      }
      sections.push({ heading: `${prefix}${liabilityHeading(l, i, plan.liabilities)}`, lines });
    });
  }

  if (product.catalogs.length > 0) {
    sections.push({
      heading: "药品与项目目录",
      lines: product.catalogs.map((c) => {
        const window = describeCatalogWindow(c);
        const declared =
          c.declaredItemCount === undefined || c.declaredItemCount === c.items.length
            ? `${c.items.length} 项`
            : `列出 ${c.items.length} 项（公布 ${c.declaredItemCount} 项）`;
        return `${describeCatalogName(c)}：${declared}${c.sample ? "，样例目录（非官方）" : ""}${window}；${c.items
          .map((it) => it.name)
          .join("、")}`;
      }),
    });
  }
  if (product.preExistingConditions.length > 0) {
    sections.push({
      heading: "既往症",
      lines: product.preExistingConditions.map((c) => `${c.name}：${describeRule(c.rule)}`),
    });
  }
  sections.push({
    heading: "责任免除",
    lines:
      product.exclusions.length === 0
        ? ["无按诊断的责任免除"]
        : product.exclusions.map((x) => `${x.name}（${x.icd10.map(icdRange).join("、")}）`),
  });
  if (product.sources.length > 0) sections.push({ heading: "条款来源", lines: [...product.sources] });

  return { title: `${product.name}（${product.id} 第${product.version}版）`, sections };
}

function describeCatalogWindow(c: EmbeddedCatalog): string {
  const { effectiveFrom, effectiveTo } = c as { effectiveFrom?: unknown; effectiveTo?: unknown };
  if (typeof effectiveFrom !== "string") return "";
  return typeof effectiveTo === "string"
    ? `，${effectiveFrom} 至 ${effectiveTo} 有效`
    : `，自 ${effectiveFrom} 起有效`;
}

/** The sheet as plain text (CLI). */
export function renderSheet(sheet: ProductSheet): string {
  const out = [sheet.title, ""];
  for (const s of sheet.sections) {
    out.push(`【${s.heading}】`, ...s.lines.map((l) => `  ${l}`), "");
  }
  return out.join("\n");
}
