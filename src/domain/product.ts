/**
 * Products are versioned data. Product files state money in yuan and ratios in percent, as the seed
 * documents do; `parseProduct` validates them and yields a `Product` holding fen and basis points.
 * A malformed file is rejected with the path of the bad field (e.g. `plans[0].liabilities[1].cap`).
 */
import { z } from "zod";
import { COHORT_IDS } from "./cohort.js";
import { MED_TYPES, type MedType } from "./settlement.js";
import { type EpochMs, parseBusinessTime } from "./time.js";
import { businessTime, icd10Range, slugId as id, percent, yuanAmount } from "./units.js";

const period = z
  .object({ start: businessTime, end: businessTime })
  .refine((p) => p.start < p.end, { message: "开始时间必须早于结束时间", path: ["end"] });

const medType = z.enum(Object.keys(MED_TYPES) as [MedType, ...MedType[]]);
const cohort = z.enum(COHORT_IDS as [string, ...string[]]);

const catalogItem = z.object({
  code: z.string().min(1).max(64),
  name: z.string().min(1),
  kind: z.enum(["drug", "therapy", "device"]),
  indication: z.string().optional(),
  /**
   * The indication as ICD-10 ranges, machine-checkable: a special-drug dispensing is paid only when the
   * prescription's diagnosis falls in one of them (compared on the 3-character category). Absent = the item's
   * indication is not checked by code (only the free-text `indication` describes it).
   */
  indicationIcd10: z.array(icd10Range).min(1).optional(),
  /** Annual cap for this item alone (per catalog item cap). */
  cap: yuanAmount.optional(),
});

/** yyyy-MM-dd, a Beijing calendar day; kept as written (the engine compiles it to instants). */
const catalogDay = z.string().refine((text) => catalogDayStart(text) !== undefined, {
  message: "不是有效日期（yyyy-MM-dd）",
});

/** The first instant (Beijing) of a catalog day yyyy-MM-dd, else undefined. */
export function catalogDayStart(text: string): EpochMs | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseBusinessTime(`${text} 00:00`) : undefined;
}

const catalog = z.object({
  id,
  name: z.string().min(1),
  /** True when the list is illustrative: the seeds give only counts, not the drugs. */
  sample: z.boolean(),
  source: z.string().min(1),
  declaredItemCount: z.number().int().positive().optional(),
  /** Where the item may be dispensed or performed; absent = any 定点医药机构. */
  designatedInstitutions: z.array(z.string().min(1)).optional(),
  items: z.array(catalogItem).min(1),
  /** The catalog's version when resolved from `catalogRefs` (src/catalogs). */
  version: z.number().int().min(1).optional(),
  /**
   * Effective window of a versioned catalog (Beijing days, inclusive): its items are paid only on a record
   * whose date (admission, as for coverage) falls inside; outside it they are ordinary items of the bill.
   */
  effectiveFrom: catalogDay.optional(),
  effectiveTo: catalogDay.optional(),
});

const fundField = z.enum([
  "hifmi_pay",
  "hifob_pay",
  "hifp_pay",
  "cvlserv_pay",
  "hifes_pay",
  "maf_pay",
  "oth_pay",
]);

const preExistingRule = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("prior_fund_payment"),
    /** Window is [coverage start − N years, coverage start) on setl_time. */
    lookbackYears: z.number().int().min(1).max(10),
    funds: z.array(fundField).min(1),
  }),
  z.object({
    kind: z.literal("prior_diagnosis"),
    icd10: z.array(icd10Range).min(1),
    /** Absent = any time before coverage start. */
    lookbackYears: z.number().int().min(1).max(50).optional(),
  }),
]);

const preExistingCondition = z.object({ id, name: z.string().min(1), rule: preExistingRule });

const costBand = z
  .object({ from: yuanAmount, to: yuanAmount.optional() })
  .refine((b) => b.to === undefined || b.from < b.to, {
    message: "费用分段的下限必须小于上限",
    path: ["to"],
  });

/**
 * The common person condition `when` (schema v2) of ratio, deductible and cap variants: every key is optional
 * and every key present must hold. What the engine cannot know about the person (age without a birth date, sex
 * without gend) makes a condition that names it not hold.
 *  - `preExisting`: the owner's (liability's or pool's) `preExistingCondition` status;
 *  - `outOfRegion`: 异地就医 of the event (treatment region outside the program's region);
 *  - `cohorts`: the insured's cohort (src/domain/cohort.ts) is one of them;
 *  - `insutypes`: the record's insutype (310 职工 / 390 居民);
 *  - `insuredYearsFrom/To`: consecutive insured years including this one (≥ 1), inclusive;
 *  - `claimFreeYearsFrom/To`: consecutive preceding years without a paid claim, inclusive;
 *  - `ageFrom/To`: age in whole years at coverage start, inclusive;
 *  - `sex`: national gend, "1" 男, "2" 女;
 *  - `servicesRedeemed`: health-service ids (the program's service catalog, src/domain/health-services.ts) the
 *    insured had used — voucher redeemed by the provider — by the time of care (admission), under this program;
 *    every listed one must have been used (惠她保's screening bonus). Files carry it as `hmb_services_redeemed`.
 */
export const personConditionShape = {
  preExisting: z.boolean().optional(),
  outOfRegion: z.boolean().optional(),
  cohorts: z.array(cohort).min(1).optional(),
  insutypes: z
    .array(z.enum(["310", "390"]))
    .min(1)
    .optional(),
  insuredYearsFrom: z.number().int().min(1).max(100).optional(),
  insuredYearsTo: z.number().int().min(1).max(100).optional(),
  claimFreeYearsFrom: z.number().int().min(0).max(100).optional(),
  claimFreeYearsTo: z.number().int().min(0).max(100).optional(),
  ageFrom: z.number().int().min(0).max(150).optional(),
  ageTo: z.number().int().min(0).max(150).optional(),
  sex: z.enum(["1", "2"]).optional(),
  servicesRedeemed: z.array(id).min(1).max(20).optional(),
};

type RangeKeys = { [k: string]: unknown };
/** From ≤ to for each bounded pair, reported on the `…To` key. */
export function checkRanges(w: RangeKeys, ctx: z.RefinementCtx): void {
  const pairs: [string, string, string][] = [
    ["insuredYearsFrom", "insuredYearsTo", "连续参保年数"],
    ["claimFreeYearsFrom", "claimFreeYearsTo", "连续无理赔年数"],
    ["ageFrom", "ageTo", "年龄"],
  ];
  for (const [from, to, name] of pairs) {
    const a = w[from];
    const b = w[to];
    if (typeof a === "number" && typeof b === "number" && a > b)
      ctx.addIssue({ code: "custom", path: [to], message: `${name}的下限不能大于上限` });
  }
}

const personCondition = z.object(personConditionShape).strict().superRefine(checkRanges);

const ratioCondition = z
  .object({
    ...personConditionShape,
    /** Tiered ratio by cumulative eligible amount after deductible within the year (guidance clause 九). */
    costBand: costBand.optional(),
  })
  .strict()
  .superRefine(checkRanges);

const ratioVariant = z.object({
  when: ratioCondition.optional(),
  ratioPercent: percent,
  label: z.string().optional(),
});

/** An amount (deductible or cap) that depends on the person: first matching variant wins, else the default. */
const amountVariant = z.object({
  when: personCondition,
  amount: yuanAmount,
  label: z.string().optional(),
});

/** 收费项目类别 med_chrgitm_type: two digits, 01 床位费 … 14 其他费 (DESIGN.md §10). */
const chargeItemType = z.string().regex(/^\d{2}$/, "收费项目类别应为两位数字（如 08 卫生材料费）");

/**
 * Eligible base from fee-detail (费用明细) items, schema v2. An item matches when every list present names it
 * (category = med_chrgitm_type, level = chrgitm_lv 01 甲类 / 02 乙类 / 03 自费, code = med_list_codg). The
 * portion of a matched item that counts:
 *  - `self_pay`: its 医保范围外 part — the item's fulamt_ownpay_amt + overlmt_selfpay when either is given,
 *    else the whole item when it is 03 自费, else nothing;
 *  - `in_scope`: the item amount minus that self-pay part;
 *  - `total`: det_item_fee_sumamt.
 * The self-pay part is taken from the record's 医保范围外 base and the in-scope part from its 范围内 base, each
 * at most what is left of that base after catalog liabilities and earlier fee-item liabilities took theirs —
 * so a liability never pays on what the funds paid, and the other liabilities lose exactly what it took.
 * An item claimed by an earlier catalog or fee-item liability (product order) is not claimed again.
 */
const feeItemsBase = z
  .object({
    categories: z.array(chargeItemType).min(1).optional(),
    levels: z
      .array(z.enum(["01", "02", "03"]))
      .min(1)
      .optional(),
    codes: z.array(z.string().min(1).max(64)).min(1).optional(),
    portion: z.enum(["self_pay", "in_scope", "total"]),
  })
  .strict();

/** 定额给付 on a diagnosis: the record's main diagnosis (dise_codg) falls in one of the ranges. */
const diagnosisBase = z.object({ icd10: z.array(icd10Range).min(1) }).strict();

const eligibleBase = z.union([
  z.literal("in_scope"),
  z.literal("out_of_scope"),
  z.object({ catalog: id }).strict(),
  z.object({ feeItems: feeItemsBase }).strict(),
  z.object({ diagnosis: diagnosisBase }).strict(),
]);

/**
 * A per-unit cap (schema v2): `code` = per med_list_codg per policy year (per drug, per implant), over the
 * liability's items; `stay` = per record (per hospital stay).
 */
const unitCap = z.object({ per: z.enum(["code", "stay"]), amount: yuanAmount }).strict();

const liability = z.object({
  id,
  name: z.string().min(1),
  eligible: eligibleBase,
  medTypes: z.array(medType).min(1),
  deductiblePool: id.optional(),
  /** At least one for a ratio base; a lump-sum (`eligible.diagnosis`) liability has none. */
  ratios: z.array(ratioVariant).default([]),
  cap: yuanAmount.optional(),
  /** Schema v2: the cap by person (first match wins, else `cap`; a variant without `cap` = no cap otherwise). */
  capVariants: z.array(amountVariant).default([]),
  /** Which pre-existing condition `when.preExisting` and `excludePreExisting` refer to. */
  preExistingCondition: id.optional(),
  excludePreExisting: z.boolean().default(false),
  /** Schema v2 定额给付: paid once per qualifying record, capped by what the record leaves the person to bear. */
  lumpSum: yuanAmount.optional(),
  unitCaps: z.array(unitCap).default([]),
  /** Schema v2: records this liability pays (payout > 0) per policy year; further records are not paid. */
  maxClaimsPerYear: z.number().int().min(1).max(366).optional(),
  /**
   * Schema v2: how much of 乙类先行自付 (preselfpay_amt) counts in the 医保范围内 base (100 = all, as in
   * schema v1). Only for `eligible: "in_scope"`.
   */
  preSelfPayWeightPercent: percent.optional(),
  /** Schema v2: days from enrolment (or coverage start) during which the liability pays nothing; not for renewals. */
  waitingPeriodDays: z.number().int().min(0).max(365).optional(),
});

/**
 * A deductible pool. Schema v2: `variants` by person (first match wins, else `amount`); `preExistingCondition`
 * for `when.preExisting`; `shared: "family"` = one pool for every insured of a family (the engine's
 * family accumulators), default "person".
 */
const deductiblePool = z.object({
  id,
  name: z.string().min(1),
  amount: yuanAmount,
  variants: z.array(amountVariant).default([]),
  preExistingCondition: id.optional(),
  shared: z.enum(["person", "family"]).default("person"),
});

const premiumVariant = z.object({
  when: z
    .object({
      cohorts: z.array(cohort).min(1).optional(),
      ageFrom: z.number().int().min(0).max(150).optional(),
      ageTo: z.number().int().min(0).max(150).optional(),
      /** Schema v2 rate group (issue 13 item 4): national gend, "1" 男, "2" 女; unknown sex never matches. */
      sex: z.enum(["1", "2"]).optional(),
      /**
       * Schema v2 rate group: pre-existing status of the person (any of the product's preExistingConditions,
       * as the platform determined it at enrolment); unknown status never matches.
       */
      preExisting: z.boolean().optional(),
    })
    .strict(),
  amount: yuanAmount,
  label: z.string().optional(),
});

const plan = z.object({
  id,
  name: z.string().min(1),
  /** Guidance clause 十 distinguishes 基础保障 and 升级保障. */
  tier: z.enum(["basic", "upgraded"]),
  premium: z.object({ base: yuanAmount, variants: z.array(premiumVariant).default([]) }),
  deductiblePools: z.array(deductiblePool).default([]),
  capGroups: z
    .array(z.object({ id, name: z.string().min(1), amount: yuanAmount, liabilities: z.array(id).min(1) }))
    .default([]),
  /** 年度累计 limit over every liability. */
  annualTotal: yuanAmount.optional(),
  liabilities: z.array(liability).min(1),
});

const coInsurer = z.object({
  code: id,
  name: z.string().min(1),
  lead: z.boolean().default(false),
  sharePercent: percent.optional(),
});

/** Schema versions this code reads; a file without `schemaVersion` is version 1 (migrated on load). */
export const PRODUCT_SCHEMA_VERSIONS = [1, 2] as const;
export const CURRENT_PRODUCT_SCHEMA_VERSION = 2;

/**
 * A stay that crosses the end of coverage (schema v2). Absent = the admission date decides (schema v1: the
 * whole stay is covered). `pro_rata_by_day`: the stay's amounts count in proportion of its days inside coverage
 * (days = calendar days, Beijing; a stay of admission and discharge on the same day is one day).
 * `extension`: covered in full when discharged within `days` days after coverage end, else pro rata of the
 * days up to coverage end + `days`. Needs endtime; a record without it is covered as in schema v1.
 */
const stayAcrossCoverageEnd = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("pro_rata_by_day") }).strict(),
  z.object({ kind: z.literal("extension"), days: z.number().int().min(1).max(365) }).strict(),
]);

const productSchema = z
  .object({
    schemaVersion: z.union([z.literal(1), z.literal(2)], { error: "schemaVersion 应为 1 或 2" }).default(1),
    id,
    version: z.number().int().min(1),
    name: z.string().min(1),
    region: z.object({ code: z.string().regex(/^\d{6}$/), name: z.string().min(1) }),
    sources: z.array(z.string()).default([]),
    coverage: period,
    enrollment: period,
    waitingPeriodDays: z.number().int().min(0).max(365),
    /** Who may enroll beyond being on the basic-insurance roster; the guidance (clause 八) wants none. */
    enrollmentRestrictions: z
      .array(z.enum(["age", "health", "pre_existing", "occupation", "residence"]))
      .default([]),
    familyEnrollment: z.boolean().default(true),
    unitEnrollment: z.boolean().default(true),
    catalogs: z.array(catalog).default([]),
    preExistingConditions: z.array(preExistingCondition).default([]),
    exclusions: z
      .array(z.object({ id, name: z.string().min(1), icd10: z.array(icd10Range).min(1) }))
      .default([]),
    plans: z.array(plan).min(1),
    stayAcrossCoverageEnd: stayAcrossCoverageEnd.optional(),
    /** 北京: a person healthy at first enrollment stays healthy in renewals (the service side applies it). */
    preExistingLockedAtFirstEnrollment: z.boolean().default(false),
    /** Catalogs kept as their own versioned data; the loader resolves them into `catalogs`. */
    catalogRefs: z.array(z.object({ id, version: z.number().int().min(1) }).strict()).default([]),
    refund: z.object({
      beforeEffective: z.literal("full"),
      afterEffective: z.enum(["unearned_pro_rata_by_day", "none"]),
    }),
    operations: z
      .object({
        coInsurers: z.array(coInsurer).default([]),
        serviceCommitmentYears: z.number().int().min(0).optional(),
        oneStopSettlement: z.boolean().default(false),
        personalAccountPayment: z.boolean().default(false),
        onlineClaims: z.boolean().default(false),
        dataSharing: z.enum(["minimum_necessary", "broad", "none"]).optional(),
        disclosure: z.enum(["monthly", "quarterly", "yearly"]).optional(),
      })
      .default({
        coInsurers: [],
        oneStopSettlement: false,
        personalAccountPayment: false,
        onlineClaims: false,
      }),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    const catalogIds = new Set(p.catalogs.map((c) => c.id));
    const conditionIds = new Set(p.preExistingConditions.map((c) => c.id));
    for (const i of duplicates(p.plans.map((x) => x.id))) issue(["plans", i, "id"], "方案 id 重复");
    for (const i of duplicates(p.catalogs.map((x) => x.id))) issue(["catalogs", i, "id"], "目录 id 重复");
    p.plans.forEach((pl, pi) => {
      const poolIds = new Set(pl.deductiblePools.map((d) => d.id));
      const liabilityIds = new Set(pl.liabilities.map((l) => l.id));
      for (const i of duplicates(pl.liabilities.map((l) => l.id))) {
        issue(["plans", pi, "liabilities", i, "id"], "责任 id 重复");
      }
      for (const i of duplicates(pl.deductiblePools.map((d) => d.id))) {
        issue(["plans", pi, "deductiblePools", i, "id"], "免赔额 id 重复");
      }
      pl.deductiblePools.forEach((d, di) => {
        const at = ["plans", pi, "deductiblePools", di];
        if (d.preExistingCondition !== undefined && !conditionIds.has(d.preExistingCondition)) {
          issue([...at, "preExistingCondition"], `未知的既往症定义 ${d.preExistingCondition}`);
        }
        if (
          d.preExistingCondition === undefined &&
          d.variants.some((v) => v.when.preExisting !== undefined)
        ) {
          issue([...at, "preExistingCondition"], "免赔额按既往症区分时必须指定既往症定义");
        }
      });
      pl.capGroups.forEach((g, gi) => {
        g.liabilities.forEach((lid, li) => {
          if (!liabilityIds.has(lid)) {
            issue(["plans", pi, "capGroups", gi, "liabilities", li], `未知的责任 ${lid}`);
          }
        });
      });
      pl.liabilities.forEach((l, li) => {
        const at = ["plans", pi, "liabilities", li];
        if (l.deductiblePool !== undefined && !poolIds.has(l.deductiblePool)) {
          issue([...at, "deductiblePool"], `未知的免赔额 ${l.deductiblePool}`);
        }
        const catalogId = catalogIdOf(l.eligible);
        if (catalogId !== undefined && !catalogIds.has(catalogId)) {
          issue([...at, "eligible", "catalog"], `未知的目录 ${catalogId}`);
        }
        if (l.preExistingCondition !== undefined && !conditionIds.has(l.preExistingCondition)) {
          issue([...at, "preExistingCondition"], `未知的既往症定义 ${l.preExistingCondition}`);
        }
        const usesPreExisting =
          l.excludePreExisting ||
          l.ratios.some((r) => r.when?.preExisting !== undefined) ||
          l.capVariants.some((v) => v.when.preExisting !== undefined);
        if (usesPreExisting && l.preExistingCondition === undefined) {
          issue([...at, "preExistingCondition"], "赔付比例、限额或除外责任按既往症区分时必须指定既往症定义");
        }
        checkLiabilityV2(l, at, issue);
        const last = l.ratios[l.ratios.length - 1];
        if (last?.when !== undefined && Object.keys(last.when).length > 0) {
          issue([...at, "ratios", l.ratios.length - 1, "when"], "赔付比例档位的最后一项必须不设条件");
        }
      });
    });
  });

type Issue = (path: (string | number)[], message: string) => void;

/** The schema v2 rules of one liability that tie its fields together. */
function checkLiabilityV2(l: z.output<typeof liability>, at: (string | number)[], issue: Issue): void {
  const e = l.eligible;
  const lumpSumBase = typeof e === "object" && "diagnosis" in e;
  const itemBase = typeof e === "object" && ("catalog" in e || "feeItems" in e);
  if (lumpSumBase && l.lumpSum === undefined)
    issue([...at, "lumpSum"], "按诊断定额给付的责任必须给出定额 lumpSum");
  if (!lumpSumBase && l.lumpSum !== undefined)
    issue([...at, "lumpSum"], "定额给付 lumpSum 只能用于按诊断给付（eligible.diagnosis）的责任");
  if (!lumpSumBase && l.ratios.length === 0) issue([...at, "ratios"], "赔付比例至少要有一档");
  if (lumpSumBase && l.ratios.length > 0) issue([...at, "ratios"], "定额给付的责任不设赔付比例");
  if (lumpSumBase && l.deductiblePool !== undefined)
    issue([...at, "deductiblePool"], "定额给付的责任不扣免赔额");
  if (l.preSelfPayWeightPercent !== undefined && e !== "in_scope") {
    issue([...at, "preSelfPayWeightPercent"], "乙类先行自付计入比例只适用于医保范围内（in_scope）责任");
  }
  l.unitCaps.forEach((u, ui) => {
    if (u.per === "code" && !itemBase)
      issue([...at, "unitCaps", ui, "per"], "按编码的单项限额只适用于按目录或费用明细给付的责任");
  });
  for (const i of duplicates(l.unitCaps.map((u) => u.per)))
    issue([...at, "unitCaps", i, "per"], "同一种单项限额只能设一个");
}

function duplicates(values: string[]): number[] {
  const seen = new Set<string>();
  const out: number[] = [];
  values.forEach((v, i) => {
    if (seen.has(v)) out.push(i);
    seen.add(v);
  });
  return out;
}

export type Product = z.output<typeof productSchema>;
export type ProductInput = z.input<typeof productSchema>;
export type Plan = Product["plans"][number];
export type Liability = Plan["liabilities"][number];
export type RatioVariant = Liability["ratios"][number];
export type EligibleSpec = Liability["eligible"];
export type AmountVariant = Liability["capVariants"][number];
export type PersonCondition = AmountVariant["when"];
export type FeeItemsSpec = Extract<EligibleSpec, { feeItems: unknown }>["feeItems"];
export type DeductiblePool = Plan["deductiblePools"][number];

/** The catalog a liability pays from (`eligible: { catalog }`), else undefined. */
export function catalogIdOf(eligible: EligibleSpec): string | undefined {
  return typeof eligible === "object" && "catalog" in eligible ? eligible.catalog : undefined;
}
export type Catalog = Product["catalogs"][number];
export type PreExistingCondition = Product["preExistingConditions"][number];
export type PreExistingRule = PreExistingCondition["rule"];

export interface ProductIssue {
  readonly path: string;
  readonly message: string;
}

export class ProductValidationError extends Error {
  constructor(readonly issues: readonly ProductIssue[]) {
    super(`invalid product: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`);
  }
}

/** ["plans", 0, "cap"] → "plans[0].cap" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function parseProduct(input: unknown): Product {
  const result = productSchema.safeParse(input);
  if (!result.success) {
    throw new ProductValidationError(
      result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  }
  return result.data;
}

export function findPlan(product: Product, planId: string | undefined): Plan {
  const plan = planId === undefined ? product.plans[0] : product.plans.find((p) => p.id === planId);
  if (plan === undefined) {
    throw new Error(
      `product ${product.id} has no plan ${planId}; plans: ${product.plans.map((p) => p.id).join(", ")}`,
    );
  }
  return plan;
}

/** Does an ICD-10 code (e.g. "C91.000") fall in one of the ranges (compared on the 3-character category)? */
export function icd10InRanges(code: string, ranges: readonly { from: string; to: string }[]): boolean {
  const category = code.slice(0, 3).toUpperCase();
  for (const r of ranges) if (category >= r.from.slice(0, 3) && category <= r.to.slice(0, 3)) return true;
  return false;
}
