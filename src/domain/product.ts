/**
 * Products are versioned data. Product files state money in yuan and ratios in percent, as the seed
 * documents do; `parseProduct` validates them and yields a `Product` holding fen and basis points.
 * A malformed file is rejected with the path of the bad field (e.g. `plans[0].liabilities[1].cap`).
 */
import { z } from "zod";
import { COHORT_IDS } from "./cohort.js";
import { type Bps, type Fen, yuan } from "./money.js";
import { MED_TYPES, type MedType } from "./settlement.js";
import { type EpochMs, parseBusinessTime } from "./time.js";

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, "lower-case id: letters, digits, _ and -");

const yuanAmount = z
  .number()
  .nonnegative()
  .refine((n) => Number.isInteger(Math.round(n * 100)) && Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, {
    message: "at most 2 decimals",
  })
  .transform((n): Fen => yuan(Math.round(n * 100) / 100));

const percent = z
  .number()
  .min(0)
  .max(100)
  .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, {
    message: "at most 2 decimals of a percent",
  })
  .transform((n): Bps => Math.round(n * 100));

const businessTime = z.string().transform((text, ctx): EpochMs => {
  const ms = parseBusinessTime(text);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `not a time (yyyy-MM-dd HH:mm[:ss], Beijing): ${text}` });
    return z.NEVER;
  }
  return ms;
});

const period = z
  .object({ start: businessTime, end: businessTime })
  .refine((p) => p.start < p.end, { message: "start must be before end", path: ["end"] });

const medType = z.enum(Object.keys(MED_TYPES) as [MedType, ...MedType[]]);
const cohort = z.enum(COHORT_IDS as [string, ...string[]]);

const icd10Range = z
  .object({ from: z.string().regex(/^[A-Z]\d{2}/), to: z.string().regex(/^[A-Z]\d{2}/) })
  .refine((r) => r.from <= r.to, { message: "from must not be after to", path: ["to"] });

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
  .refine((b) => b.to === undefined || b.from < b.to, { message: "from must be below to", path: ["to"] });

const ratioCondition = z
  .object({
    preExisting: z.boolean().optional(),
    outOfRegion: z.boolean().optional(),
    cohorts: z.array(cohort).min(1).optional(),
    /** Tiered ratio by cumulative eligible amount after deductible within the year (guidance clause 九). */
    costBand: costBand.optional(),
  })
  .strict();

const ratioVariant = z.object({
  when: ratioCondition.optional(),
  ratioPercent: percent,
  label: z.string().optional(),
});

const eligibleBase = z.union([
  z.literal("in_scope"),
  z.literal("out_of_scope"),
  z.object({ catalog: id }).strict(),
]);

const liability = z.object({
  id,
  name: z.string().min(1),
  eligible: eligibleBase,
  medTypes: z.array(medType).min(1),
  deductiblePool: id.optional(),
  ratios: z.array(ratioVariant).min(1),
  cap: yuanAmount.optional(),
  /** Which pre-existing condition `when.preExisting` and `excludePreExisting` refer to. */
  preExistingCondition: id.optional(),
  excludePreExisting: z.boolean().default(false),
});

const premiumVariant = z.object({
  when: z
    .object({
      cohorts: z.array(cohort).min(1).optional(),
      ageFrom: z.number().int().min(0).max(150).optional(),
      ageTo: z.number().int().min(0).max(150).optional(),
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
  deductiblePools: z.array(z.object({ id, name: z.string().min(1), amount: yuanAmount })).default([]),
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

const productSchema = z
  .object({
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
    for (const i of duplicates(p.plans.map((x) => x.id))) issue(["plans", i, "id"], "duplicate plan id");
    for (const i of duplicates(p.catalogs.map((x) => x.id)))
      issue(["catalogs", i, "id"], "duplicate catalog id");
    p.plans.forEach((pl, pi) => {
      const poolIds = new Set(pl.deductiblePools.map((d) => d.id));
      const liabilityIds = new Set(pl.liabilities.map((l) => l.id));
      for (const i of duplicates(pl.liabilities.map((l) => l.id))) {
        issue(["plans", pi, "liabilities", i, "id"], "duplicate liability id");
      }
      pl.capGroups.forEach((g, gi) => {
        g.liabilities.forEach((lid, li) => {
          if (!liabilityIds.has(lid)) {
            issue(["plans", pi, "capGroups", gi, "liabilities", li], `unknown liability ${lid}`);
          }
        });
      });
      pl.liabilities.forEach((l, li) => {
        const at = ["plans", pi, "liabilities", li];
        if (l.deductiblePool !== undefined && !poolIds.has(l.deductiblePool)) {
          issue([...at, "deductiblePool"], `unknown deductible pool ${l.deductiblePool}`);
        }
        if (typeof l.eligible === "object" && !catalogIds.has(l.eligible.catalog)) {
          issue([...at, "eligible", "catalog"], `unknown catalog ${l.eligible.catalog}`);
        }
        if (l.preExistingCondition !== undefined && !conditionIds.has(l.preExistingCondition)) {
          issue([...at, "preExistingCondition"], `unknown pre-existing condition ${l.preExistingCondition}`);
        }
        const usesPreExisting =
          l.excludePreExisting || l.ratios.some((r) => r.when?.preExisting !== undefined);
        if (usesPreExisting && l.preExistingCondition === undefined) {
          issue(
            [...at, "preExistingCondition"],
            "required when a ratio or exclusion depends on pre-existing status",
          );
        }
        const last = l.ratios[l.ratios.length - 1];
        if (last?.when !== undefined && Object.keys(last.when).length > 0) {
          issue(
            [...at, "ratios", l.ratios.length - 1, "when"],
            "the last ratio variant must be unconditional",
          );
        }
      });
    });
  });

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
