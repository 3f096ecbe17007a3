/**
 * Health services (增值服务) are versioned data, like products and aid programs: a program publishes the catalog
 * of value-added services its insured may use — health checks, cancer screening, chronic-disease management,
 * green-channel appointments, second opinions — each with who may use it, how many times per insured per
 * policy year, which providers may redeem it and when. `parseServiceCatalog` validates a file and yields a
 * `ServiceCatalog`, or rejects it naming the bad field (`services.1.eligibility.ageTo`).
 *
 * Eligibility speaks the products' person attributes (domain/product.ts `personConditionShape`: ages at
 * coverage start, sex, cohorts, insutypes, consecutive insured years, claim-free years), so a service and a
 * benefit variant state "women 18–65" or "three claim-free years" the same way and the engine's one evaluator
 * (engine/adjudicate.ts `whenHolds`) decides both.
 */
import { z } from "zod";
import { zhIssueMessage } from "./issues-zh.js";
import { checkRanges, formatPath, personConditionShape } from "./product.js";
import { businessTime, slugId } from "./units.js";

export const SERVICE_CATALOG_SCHEMA_VERSION = 1;

/** What kind of service it is (the screens group and label by it; labels in vocabulary.ts). */
export const HEALTH_SERVICE_KINDS = [
  "health_check",
  "cancer_screening",
  "chronic_disease",
  "green_channel",
  "second_opinion",
  "consultation",
  "drug_delivery",
  "vaccination",
] as const;
export type HealthServiceKind = (typeof HEALTH_SERVICE_KINDS)[number];

/** Most uses of one service by one insured in one policy year a catalog may grant (a file typo guard). */
export const MAX_QUANTITY_PER_YEAR = 52;

/** Provider codes are the institution codes they sign with (services/institutions.ts registers them). */
const providerCode = z.string().regex(/^[A-Z0-9]{4,32}$/, "服务机构编码应为 4–32 位大写字母或数字");

/**
 * Who may use a service: the product person condition minus what only a claim knows (pre-existing status,
 * 异地就医), plus the plans of the program it is offered under. Every key present must hold; absent = anyone.
 */
const eligibility = z
  .object({
    ageFrom: personConditionShape.ageFrom,
    ageTo: personConditionShape.ageTo,
    sex: personConditionShape.sex,
    cohorts: personConditionShape.cohorts,
    insutypes: personConditionShape.insutypes,
    insuredYearsFrom: personConditionShape.insuredYearsFrom,
    insuredYearsTo: personConditionShape.insuredYearsTo,
    claimFreeYearsFrom: personConditionShape.claimFreeYearsFrom,
    claimFreeYearsTo: personConditionShape.claimFreeYearsTo,
    /** The product plans (方案) whose insured may use it; absent = every plan. */
    plans: z.array(z.string().min(1).max(64)).min(1).optional(),
  })
  .strict()
  .superRefine(checkRanges);

const validity = z
  .object({ start: businessTime, end: businessTime })
  .strict()
  .refine((p) => p.start < p.end, { message: "开始时间必须早于结束时间", path: ["end"] });

const service = z
  .object({
    id: slugId,
    kind: z.enum(HEALTH_SERVICE_KINDS),
    name: z.string().min(1).max(100),
    /** What the insured gets and how to book it, shown on 我的服务. */
    description: z.string().max(2000).optional(),
    eligibility: eligibility.default({}),
    /** Vouchers per eligible insured per policy year. */
    quantityPerYear: z.number().int().min(1).max(MAX_QUANTITY_PER_YEAR),
    /** Provider codes that may redeem it (each registered as an institution of the program to sign). */
    providers: z.array(providerCode).min(1),
    /**
     * When its vouchers may be redeemed; always within the policy's coverage. Absent = the whole coverage
     * period.
     */
    validity: validity.optional(),
    /** Where the offer is modelled from (public source). */
    source: z.string().max(500).optional(),
  })
  .strict();

const catalogSchema = z
  .object({
    schemaVersion: z.literal(SERVICE_CATALOG_SCHEMA_VERSION),
    /** Increases with every published change; a published version never changes. */
    version: z.number().int().min(1),
    name: z.string().min(1).max(200),
    services: z.array(service).min(1),
    description: z.string().max(2000).optional(),
    source: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.services.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({ code: "custom", path: ["services", i, "id"], message: `服务编号 ${s.id} 重复` });
      seen.add(s.id);
    });
  });

export type ServiceCatalog = z.output<typeof catalogSchema>;
export type HealthService = ServiceCatalog["services"][number];
export type ServiceEligibility = HealthService["eligibility"];

export interface ServiceCatalogIssue {
  readonly path: string;
  readonly message: string;
}

export class ServiceCatalogValidationError extends Error {
  constructor(readonly issues: readonly ServiceCatalogIssue[]) {
    super(`服务目录文件有误：${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
}

export function parseServiceCatalog(input: unknown): ServiceCatalog {
  // zod's own messages in plain Chinese for the people who write catalog files (domain/issues-zh.ts).
  const result = catalogSchema.safeParse(input, { error: zhIssueMessage });
  if (!result.success)
    throw new ServiceCatalogValidationError(
      result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  return result.data;
}

/**
 * A voucher's state as of now. Stored are only `issued` and `redeemed`; the rest follows from the clock and
 * the policy (a cancelled policy voids its unredeemed vouchers, an expired one is past its validity), so no
 * sweep is needed to keep them true.
 */
export const VOUCHER_STATES = ["available", "not_yet_valid", "redeemed", "expired", "cancelled"] as const;
export type VoucherState = (typeof VOUCHER_STATES)[number];

export function voucherState(
  v: { redeemed: boolean; policyCancelled: boolean; validFrom: number; validUntil: number },
  nowMs: number,
): VoucherState {
  if (v.redeemed) return "redeemed";
  if (v.policyCancelled) return "cancelled";
  if (nowMs >= v.validUntil) return "expired";
  if (nowMs < v.validFrom) return "not_yet_valid";
  return "available";
}

/** Where a voucher may be used: the service's validity clipped to the policy's coverage. */
export function voucherWindow(
  s: Pick<HealthService, "validity">,
  coverage: { start: number; end: number },
): { from: number; until: number } | undefined {
  const from = Math.max(coverage.start, s.validity?.start ?? coverage.start);
  const until = Math.min(coverage.end, s.validity?.end ?? coverage.end);
  return from < until ? { from, until } : undefined;
}
