/**
 * Vocabulary of the compliance checker. A rule set is data: each rule names the guidance clause it comes
 * from, the kind of measurement and its bound. The evaluator (check.ts) knows the kinds, not the clauses,
 * so a new province's guidance is a new data file rather than new code.
 */
import type { Bps, Fen } from "../domain/money.js";
import type { Plan } from "../domain/product.js";

export type Status = "pass" | "fail" | "not_applicable";

/**
 * Units on the wire: money is a yuan string ("12000.00"), a ratio a percent string ("20%"), years and
 * drug counts plain numbers, booleans "是"/"否", enumerations their product-file code. What could not be
 * measured is a Chinese string saying why (e.g. "未声明").
 */
export type Measure = string | number;

export interface Finding {
  /** The guidance's own numbering, e.g. "九" for 云医保〔2023〕152号 (九). */
  readonly clause: string;
  /** Rule id within its rule set. */
  readonly rule: string;
  /** "plan/liability", "plan", or the product id, depending on what the rule is about. */
  readonly subject: string;
  readonly status: Status;
  readonly value: Measure;
  readonly limit: Measure;
  /** Which variant or part was measured (ratio variant, premium variant, pool); human output only. */
  readonly note?: string;
}

export interface Text {
  readonly zh: string;
  readonly en: string;
}

/** Which liabilities of a plan a rule looks at. */
export type LiabilityScope =
  | { readonly kind: "all" }
  /** Liabilities whose catalog lists a drug for one of these diseases (matched in the item's indication). */
  | { readonly kind: "rare_disease"; readonly diseases: readonly string[] };

/** Yes/no facts a product declares about itself. */
export type ProductFlag =
  | "familyEnrollment"
  | "unitEnrollment"
  | "oneStopSettlement"
  | "personalAccountPayment"
  | "onlineClaims";

/** Declared operating choices checked against an accepted set. */
export type OperationsChoice = "dataSharing" | "disclosure";

/** Person attributes a product may price or tier benefits by (金办便函〔2025〕745号 风险对价). */
export type RiskFactor = "age" | "sex" | "health";

/** Features the 2025 national rules forbid in a product (no pre-set loss ratio, no fund pool). */
export type ForbiddenFeature = "preset_loss_ratio" | "fund_pool";

export type RuleSpec =
  | { readonly kind: "no_enrollment_restrictions" }
  | { readonly kind: "product_flag"; readonly flag: ProductFlag }
  | { readonly kind: "deductible_max"; readonly scope: LiabilityScope; readonly maxFen: Fen }
  | { readonly kind: "ratio_min"; readonly scope: LiabilityScope; readonly minBps: Bps }
  | { readonly kind: "plan_cap_min"; readonly minFen: Fen }
  | { readonly kind: "liability_cap_min"; readonly scope: LiabilityScope; readonly minFen: Fen }
  | { readonly kind: "premium_max"; readonly maxFenByTier: Readonly<Record<Plan["tier"], Fen>> }
  | {
      readonly kind: "term_aligned";
      /** The basic-insurance year the policy term must match, e.g. 1 Jan for 12 months. */
      readonly startMonth: number;
      readonly startDay: number;
      readonly months: number;
    }
  | { readonly kind: "loss_ratio_min"; readonly minBps: Bps }
  | { readonly kind: "service_commitment_min"; readonly minYears: number }
  | {
      readonly kind: "operations_choice";
      readonly field: OperationsChoice;
      readonly accepted: readonly string[];
      /** Declared values under which the clause has nothing to judge (e.g. no data shared at all). */
      readonly notApplicable?: readonly string[];
    }
  | {
      readonly kind: "rare_disease_coverage";
      readonly diseases: readonly string[];
      readonly minItems: number;
    }
  /** The product name contains each of the words (e.g. 定制). */
  | { readonly kind: "name_contains"; readonly words: readonly string[] }
  /** The product lists the region it applies to (GB/T 2260 code and name). */
  | { readonly kind: "region_declared" }
  /** Rates grouped or benefits tiered by at least one of the factors. */
  | { readonly kind: "risk_differentiation"; readonly factors: readonly RiskFactor[] }
  /** A feature the product must not have. */
  | { readonly kind: "feature_absent"; readonly feature: ForbiddenFeature }
  /** Persons with a pre-existing condition may enrol (different deductibles and ratios allowed). */
  | { readonly kind: "pre_existing_not_refused" }
  /** The clause asks for something a product version cannot show (a process, an unlisted drug list). */
  | { readonly kind: "not_measurable"; readonly reason: Text };

export type RuleKind = RuleSpec["kind"];

export type Rule = RuleSpec & {
  readonly id: string;
  readonly clause: string;
  /** Short label for the table. */
  readonly title: Text;
  /** What the clause says and how it is measured, citing the source passage. */
  readonly description: Text;
};

export interface RuleSet {
  readonly id: string;
  readonly name: Text;
  /** The document the rules come from. */
  readonly source: string;
  readonly rules: readonly Rule[];
}

/** Figures from a policy year's operation; a product version alone cannot show them (clause 十一). */
export interface OperatingFigures {
  readonly earnedPremiumFen: Fen;
  readonly incurredClaimsFen: Fen;
}

export interface CheckContext {
  readonly operating?: OperatingFigures;
}
