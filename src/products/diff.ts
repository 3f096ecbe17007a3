/**
 * A readable Chinese diff of two products' terms (`hmb product diff A B`, the console's version compare):
 * "责任一免赔额 12000 → 10000", "保费 88 → 98", "新增责任 …". Liabilities are matched by id within a plan
 * and named as people name them (sheet.ts `liabilityLabel`); plans are matched by id. Every term of the sheet is
 * compared through the same describers, so a diff line reads like the sheet. Pure; an empty list = same terms.
 */
import { type Fen, formatPercent } from "../domain/money.js";
import type { Liability, Plan, Product } from "../domain/product.js";
import {
  describeCap,
  describeEligible,
  describeMedTypes,
  describePeriod,
  describePoolAmount,
  describeRatios,
  describeRule,
  describeWhen,
  liabilityHeading,
  liabilityLabel,
  yuanText,
} from "./sheet.js";

const NONE = "无";

/** "12000 → 10000"; undefined amounts read "不设". */
function amount(a: Fen | undefined): string {
  return a === undefined ? "不设" : yuanText(a);
}

/** Pushes "what a → b" when the texts differ. */
function change(out: string[], what: string, a: string, b: string): void {
  if (a !== b) out.push(`${what} ${a} → ${b}`);
}

function premiumText(plan: Plan): string {
  const variants = plan.premium.variants.map((v) => `${describeWhen(v.when)} ${yuanText(v.amount)}`);
  return variants.length === 0
    ? yuanText(plan.premium.base)
    : `${yuanText(plan.premium.base)}（${variants.join("；")}）`;
}

/** The liability's deductible as an amount: the pool's (with its variants) or 无. */
function deductibleText(plan: Plan, l: Liability): string {
  if (l.deductiblePool === undefined) return NONE;
  const pool = plan.deductiblePools.find((p) => p.id === l.deductiblePool);
  if (pool === undefined) return l.deductiblePool;
  const text = describePoolAmount(pool).replace(/ 元/g, "");
  return pool.shared === "family" ? `${text}（家庭共用）` : text;
}

function capText(l: Liability): string {
  return describeCap(l).replace(/ 元/g, "");
}

function diffLiability(
  product: [Product, Product],
  plans: [Plan, Plan],
  l: [Liability, Liability],
  label: string,
) {
  const out: string[] = [];
  const [a, b] = l;
  change(out, `${label}名称`, a.name, b.name);
  change(out, `${label}保障范围`, describeEligible(product[0], a), describeEligible(product[1], b));
  change(out, `${label}就医类型`, describeMedTypes(a), describeMedTypes(b));
  change(out, `${label}免赔额`, deductibleText(plans[0], a), deductibleText(plans[1], b));
  change(out, `${label}比例`, describeRatios(a), describeRatios(b));
  change(out, `${label}限额`, capText(a), capText(b));
  change(out, `${label}定额`, amount(a.lumpSum), amount(b.lumpSum));
  change(
    out,
    `${label}既往症`,
    a.excludePreExisting ? "不赔" : "可赔",
    b.excludePreExisting ? "不赔" : "可赔",
  );
  change(out, `${label}等待期`, days(a.waitingPeriodDays), days(b.waitingPeriodDays));
  change(
    out,
    `${label}乙类先行自付计入比例`,
    a.preSelfPayWeightPercent === undefined ? "100%" : formatPercent(a.preSelfPayWeightPercent),
    b.preSelfPayWeightPercent === undefined ? "100%" : formatPercent(b.preSelfPayWeightPercent),
  );
  return out;
}

function days(n: number | undefined): string {
  return n === undefined ? "按产品" : n === 0 ? "无" : `${n} 天`;
}

function diffPlan(products: [Product, Product], a: Plan, b: Plan, prefix: string): string[] {
  const out: string[] = [];
  change(out, `${prefix}方案名称`, a.name, b.name);
  change(out, `${prefix}保费`, premiumText(a), premiumText(b));
  change(
    out,
    `${prefix}保障层次`,
    a.tier === "basic" ? "基础" : "升级",
    b.tier === "basic" ? "基础" : "升级",
  );
  change(out, `${prefix}年度累计限额`, amount(a.annualTotal), amount(b.annualTotal));
  const groupsA = new Map(a.capGroups.map((g) => [g.id, g]));
  for (const g of b.capGroups) {
    const old = groupsA.get(g.id);
    if (old === undefined) out.push(`${prefix}新增共用限额「${g.name}」${yuanText(g.amount)}`);
    else change(out, `${prefix}共用限额「${g.name}」`, yuanText(old.amount), yuanText(g.amount));
  }
  for (const g of a.capGroups) {
    if (!b.capGroups.some((x) => x.id === g.id)) out.push(`${prefix}删除共用限额「${g.name}」`);
  }
  const byIdA = new Map(a.liabilities.map((l, i) => [l.id, { l, i }]));
  b.liabilities.forEach((lb, ib) => {
    const found = byIdA.get(lb.id);
    if (found === undefined) {
      out.push(
        `${prefix}新增责任 ${liabilityHeading(lb, ib, b.liabilities)}：免赔额 ${deductibleText(b, lb)}，比例 ${describeRatios(lb)}，限额 ${capText(lb)}`,
      );
      return;
    }
    out.push(
      ...diffLiability(products, [a, b], [found.l, lb], `${prefix}${liabilityLabel(lb, ib, b.liabilities)}`),
    );
  });
  a.liabilities.forEach((la, ia) => {
    if (!b.liabilities.some((x) => x.id === la.id))
      out.push(`${prefix}删除责任 ${liabilityHeading(la, ia, a.liabilities)}`);
  });
  return out;
}

function catalogLines(a: Product, b: Product): string[] {
  const out: string[] = [];
  const name = (c: Product["catalogs"][number]) => {
    const v = (c as { version?: unknown }).version;
    return `${c.name}${typeof v === "number" ? ` 第${v}版` : ""}`;
  };
  const inA = new Map(a.catalogs.map((c) => [c.id, c]));
  for (const c of b.catalogs) {
    const old = inA.get(c.id);
    if (old === undefined) {
      out.push(`新增目录 ${name(c)}（${c.items.length} 项）`);
      continue;
    }
    change(out, `目录「${c.name}」版本`, name(old), name(c));
    const oldCodes = new Map(old.items.map((it) => [it.code, it]));
    const added = c.items.filter((it) => !oldCodes.has(it.code));
    const removed = old.items.filter((it) => !c.items.some((x) => x.code === it.code));
    if (added.length > 0) out.push(`目录「${c.name}」新增 ${added.map((it) => it.name).join("、")}`);
    if (removed.length > 0) out.push(`目录「${c.name}」删除 ${removed.map((it) => it.name).join("、")}`);
    for (const it of c.items) {
      const was = oldCodes.get(it.code);
      if (was !== undefined)
        change(out, `目录「${c.name}」${it.name}单项限额`, amount(was.cap), amount(it.cap));
    }
  }
  for (const c of a.catalogs) if (!b.catalogs.some((x) => x.id === c.id)) out.push(`删除目录 ${name(c)}`);
  return out;
}

export function diffProducts(a: Product, b: Product): string[] {
  const out: string[] = [];
  change(out, "产品", `${a.id} 第${a.version}版`, `${b.id} 第${b.version}版`);
  change(out, "产品名称", a.name, b.name);
  change(out, "地区", `${a.region.name}（${a.region.code}）`, `${b.region.name}（${b.region.code}）`);
  change(out, "保障期间", describePeriod(a.coverage), describePeriod(b.coverage));
  change(out, "投保期", describePeriod(a.enrollment), describePeriod(b.enrollment));
  change(out, "等待期", days(a.waitingPeriodDays), days(b.waitingPeriodDays));
  change(
    out,
    "投保限制",
    a.enrollmentRestrictions.join("、") || NONE,
    b.enrollmentRestrictions.join("、") || NONE,
  );
  change(
    out,
    "既往症以首次投保为准",
    a.preExistingLockedAtFirstEnrollment ? "是" : "否",
    b.preExistingLockedAtFirstEnrollment ? "是" : "否",
  );
  change(out, "跨保障期住院", stayText(a), stayText(b));
  const single = a.plans.length === 1 && b.plans.length === 1;
  const plansA = new Map(a.plans.map((p) => [p.id, p]));
  for (const pb of b.plans) {
    // One plan on each side: compare them whatever their ids (a renamed plan is still "the" plan).
    const pa = single ? a.plans[0] : plansA.get(pb.id);
    if (pa === undefined) {
      out.push(`新增方案 ${pb.name}（${pb.id}）：保费 ${premiumText(pb)}，${pb.liabilities.length} 项责任`);
      continue;
    }
    out.push(...diffPlan([a, b], pa, pb, single ? "" : `方案 ${pb.name}：`));
  }
  if (!single) {
    for (const pa of a.plans)
      if (!b.plans.some((p) => p.id === pa.id)) out.push(`删除方案 ${pa.name}（${pa.id}）`);
  }
  out.push(...catalogLines(a, b));
  const rulesA = new Map(a.preExistingConditions.map((c) => [c.id, c]));
  for (const c of b.preExistingConditions) {
    const old = rulesA.get(c.id);
    if (old === undefined) out.push(`新增既往症定义 ${c.name}：${describeRule(c.rule)}`);
    else change(out, `既往症「${c.name}」`, describeRule(old.rule), describeRule(c.rule));
  }
  for (const c of a.preExistingConditions) {
    if (!b.preExistingConditions.some((x) => x.id === c.id)) out.push(`删除既往症定义 ${c.name}`);
  }
  const exclusions = (p: Product) => p.exclusions.map((x) => x.name).join("、") || NONE;
  change(out, "责任免除", exclusions(a), exclusions(b));
  return out;
}

function stayText(p: Product): string {
  const s = p.stayAcrossCoverageEnd;
  if (s === undefined) return "按入院日期";
  return s.kind === "pro_rata_by_day" ? "按天数比例" : `延长 ${s.days} 天`;
}
