/**
 * Aid programs (救助项目) are versioned data, like products: a charity's medical-aid project, a drug company's
 * patient-assistance program, a union fund or the 民政/医保 assistance line publishes who it helps, for what,
 * how much and how. Files state money in yuan and ratios in percent; `parseAidProgram` validates them and yields
 * an `AidProgram` holding fen and basis points, or rejects the file naming the bad field (`benefit.ratio`).
 *
 * Every aid program pays from exactly one ring-fenced fund (`fund`): its money never mixes with premium or with
 * another fund (the ledger enforces it; see services/aid).
 */
import { z } from "zod";
import { COHORT_IDS, type Cohort } from "./cohort.js";
import { zhIssueMessage } from "./issues-zh.js";
import { formatPath } from "./product.js";
import { businessTime, icd10Range, percent, slugId, yuanAmount } from "./units.js";

export const AID_SCHEMA_VERSION = 1;

/** Who publishes the aid program (what the screens call it). */
export const AID_SPONSOR_KINDS = {
  charity: "慈善组织",
  pharma: "药企患者援助项目",
  union: "工会",
  civil_affairs: "民政",
  medical_assistance: "医疗救助",
} as const;
export type AidSponsorKind = keyof typeof AID_SPONSOR_KINDS;

/**
 * The layers of one claim in the settlement order (基本医保 → 大病保险 → 医疗救助 → 惠民保 → aid programs). The
 * first three are read from the settlement's national fund fields; 惠民保 is the engine's payout; aid programs
 * follow in their `priority` order.
 */
export const STATUTORY_LAYERS = {
  basic: "基本医保", // hifp_pay + cvlserv_pay + hifes_pay + oth_pay
  critical_illness: "大病保险", // hifmi_pay + hifob_pay
  medical_assistance: "医疗救助", // maf_pay
  hmb: "惠民保",
} as const;
export type StatutoryLayer = keyof typeof STATUTORY_LAYERS;

/** What happens when the fund's budget for the program cannot pay an amount in full. */
export const BUDGET_EXHAUSTION = {
  /** Pay what remains, then nothing more: the rest of the burden passes to the next layer. */
  stop: "额度用尽即停止",
  /** Within one matching round, every eligible amount is scaled by remaining ÷ total (largest remainder). */
  prorate: "按比例分摊",
  /** Pay what remains; the shortfall waits in a queue, paid first-come when the fund is topped up. */
  queue: "排队待补",
} as const;
export type BudgetExhaustion = keyof typeof BUDGET_EXHAUSTION;

const cohortId = z.enum(COHORT_IDS as [Cohort, ...Cohort[]]);

/** 6-digit GB/T 2260 codes; a prefix ("5326") matches every county under it. */
const regionPrefix = z.string().regex(/^\d{2,6}$/, "地区编码应为 2–6 位数字（GB/T 2260 前缀）");

const eligibility = z
  .object({
    /** Any of these cohorts (roster `cohort`); absent = anyone. */
    cohorts: z.array(cohortId).min(1).optional(),
    /** Age on the day of care, whole years, both inclusive. */
    minAge: z.number().int().min(0).max(150).optional(),
    maxAge: z.number().int().min(0).max(150).optional(),
    /** The claim's main diagnosis (dise_codg) falls in one of the ranges (3-character category). */
    icd10: z.array(icd10Range).min(1).optional(),
    /** med_list_codg codes; the claim must contain one of them (a drug program). */
    drugs: z.array(z.string().min(1).max(64)).min(1).optional(),
    /** The insured's county (admdvs) starts with one of these. */
    regions: z.array(regionPrefix).min(1).optional(),
  })
  .strict()
  .refine((e) => e.minAge === undefined || e.maxAge === undefined || e.minAge <= e.maxAge, {
    message: "最小年龄不能大于最大年龄",
    path: ["maxAge"],
  });

const covers = z.discriminatedUnion("kind", [
  /** The person's burden left after the named layers (statutory layers and/or other aid program ids). */
  z
    .object({
      kind: z.literal("residual"),
      after: z.array(z.string().min(1)).min(1),
      /** Only the 医保范围内 part of the residual (some assistance lines exclude 自费). Default false. */
      inScopeOnly: z.boolean().default(false),
    })
    .strict(),
  /** The person's own burden for the listed drugs' fee items (eligibility.drugs), after the named layers. */
  z.object({ kind: z.literal("drug_cost") }).strict(),
  /** The premium of a sponsored enrollment (the charity pools that exist today). */
  z.object({ kind: z.literal("premium") }).strict(),
]);

const threshold = z.object({ amount: yuanAmount, per: z.enum(["case", "year"]) }).strict();

const benefit = z.discriminatedUnion("kind", [
  /** ratio × (covered amount − threshold), the threshold per case or per person-year. */
  z.object({ kind: z.literal("ratio_above_threshold"), threshold, ratio: percent }).strict(),
  /** A fixed sum per eligible case (never more than the covered amount). */
  z.object({ kind: z.literal("fixed"), amount: yuanAmount }).strict(),
]);

const caps = z
  .object({ perCase: yuanAmount.optional(), perYear: yuanAmount.optional() })
  .strict()
  .refine((c) => c.perCase === undefined || c.perYear === undefined || c.perCase <= c.perYear, {
    message: "单次上限不能大于年度上限",
    path: ["perCase"],
  });

const budget = z
  .object({ amount: yuanAmount, whenExhausted: z.enum(Object.keys(BUDGET_EXHAUSTION) as [BudgetExhaustion]) })
  .strict();

const mode = z.discriminatedUnion("kind", [
  /** Paid at settlement (and by the nightly match) without any application. */
  z.object({ kind: z.literal("automatic") }).strict(),
  /** 一事一议: a pre-filled application the person confirms under a consent; the program reviews and decides. */
  z
    .object({
      kind: z.literal("application"),
      /** Documents the applicant must attach (names shown to the person). */
      documents: z.array(z.string().min(1)).default([]),
      /** A committee decision is recorded (members and minutes) before paying. */
      committee: z.boolean().default(false),
    })
    .strict(),
]);

const aidProgramSchema = z
  .object({
    schemaVersion: z.literal(AID_SCHEMA_VERSION),
    id: slugId,
    version: z.number().int().min(1),
    name: z.string().min(1).max(200),
    sponsor: z
      .object({
        kind: z.enum(Object.keys(AID_SPONSOR_KINDS) as [AidSponsorKind]),
        name: z.string().min(1).max(200),
      })
      .strict(),
    /** The ring-fenced fund it pays from. */
    fund: slugId,
    /** Lower pays first among aid programs (statutory layers always come first). */
    priority: z.number().int().min(0).max(1000),
    period: z
      .object({ start: businessTime, end: businessTime })
      .refine((p) => p.start < p.end, { message: "开始时间必须早于结束时间", path: ["end"] }),
    eligibility,
    covers,
    benefit,
    caps: caps.default({}),
    budget,
    mode,
    /** Free text shown to residents: what it is, whom to ask. */
    description: z.string().max(2000).optional(),
    source: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.covers.kind === "drug_cost" && p.eligibility.drugs === undefined)
      ctx.addIssue({ code: "custom", path: ["eligibility", "drugs"], message: "药品援助项目须列出药品编码" });
    if (p.covers.kind === "residual" && p.covers.after.includes(p.id))
      ctx.addIssue({ code: "custom", path: ["covers", "after"], message: "不能排在自己之后" });
  });

export type AidProgram = z.output<typeof aidProgramSchema>;
export type AidEligibility = AidProgram["eligibility"];
export type AidBenefit = AidProgram["benefit"];
export type AidMode = AidProgram["mode"]["kind"];

export interface AidValidationIssue {
  readonly path: string;
  readonly message: string;
}

export class AidProgramValidationError extends Error {
  constructor(readonly issues: readonly AidValidationIssue[]) {
    super(`救助项目文件有误：${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
}

export function parseAidProgram(input: unknown): AidProgram {
  // zod's own messages in plain Chinese for the people who write these files (a schema's own message wins).
  const result = aidProgramSchema.safeParse(input, { error: zhIssueMessage });
  if (!result.success)
    throw new AidProgramValidationError(
      result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    );
  return result.data;
}

/** "lymphoma-aid@2": how a program version is referred to in the ledger, claims and the CLI. */
export function aidProgramRef(p: Pick<AidProgram, "id" | "version">): string {
  return `${p.id}@${p.version}`;
}
