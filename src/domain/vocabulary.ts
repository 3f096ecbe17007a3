/**
 * Closed vocabularies that the database, the services and the wire contract all speak. One home each: the
 * contract (src/contract) builds its enums from these, the services validate against them.
 */

/** A policy's life: unpaid → issued and waiting for coverage start → in force → cancelled (with refund). */
export const POLICY_STATUSES = ["pending_payment", "pending_effective", "active", "cancelled"] as const;
export type PolicyStatus = (typeof POLICY_STATUSES)[number];

/** How a policy was bought: for oneself, for family members, by an employer for its staff, or by a charity. */
export const ENROLLMENT_KINDS = ["individual", "family", "unit", "charity"] as const;
export type EnrollmentKind = (typeof ENROLLMENT_KINDS)[number];

/** The oversight dashboard's enrollment breakdowns: by county (区县), by unit (单位), by cohort (人群). */
export const ENROLLMENT_DIMENSIONS = ["county", "unit", "cohort"] as const;
export type EnrollmentDimension = (typeof ENROLLMENT_DIMENSIONS)[number];
