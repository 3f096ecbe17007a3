/**
 * A stored program's enrolled persons adjudicated under a plan (src/actuarial/stored-replay.ts, issue 13):
 * the engine's side of replaying what the platform settled. A person's terms are those the live settle path
 * (services/claims/coverage.ts) gives the engine — the years stored on their policy, the pre-existing status
 * locked at first enrollment, the enrollment date, the roster's cohort, sex and age — under the plan's own
 * coverage period; the members of a family enrollment draw on one family pool when the plan has one. Like
 * engine/batch.ts (the file batch) this is the engine's own in-memory batch, so it calls `adjudicate`.
 */
import type { Cohort } from "../domain/cohort.js";
import type { Fen } from "../domain/money.js";
import { ageAt } from "../domain/premium.js";
import type { Settlement } from "../domain/settlement.js";
import { type Accumulators, emptyAccumulators, emptyFamilyAccumulators } from "./accumulators.js";
import { type Adjudication, adjudicate } from "./adjudicate.js";
import type { CompiledPlan, PolicyTerms } from "./compile.js";
import { derivePreExisting } from "./preexisting.js";

/** An enrolled person as the live settle path sees them. */
export interface EnrolledPerson {
  readonly psnNo: string;
  readonly insuredYears: number;
  readonly claimFreeYears: number;
  /** Pre-existing status by condition id locked at first enrollment; null when nothing is locked. */
  readonly preExistingLocked: Readonly<Record<string, boolean>> | null;
  /** When the policy was taken out (its created_at): waiting periods run from it. */
  readonly enrolledAt: number | undefined;
  /** The enrollment_id of a family enrollment: the family that shares family pools. */
  readonly familyKey: string | undefined;
  readonly cohort: string | undefined;
  /** The roster's gend, as the platform passes it. */
  readonly sex: string | undefined;
  /** yyyy-MM-dd */
  readonly birthDate: string | undefined;
}

/** A stored record: its settlement, and whether its claim was revoked (then it is history only). */
export interface EnrolledEvent {
  readonly settlement: Settlement;
  readonly revoked: boolean;
}

export interface EnrolledMember {
  readonly person: EnrolledPerson;
  /** In setl_time order, ties by setl_id. */
  readonly events: readonly EnrolledEvent[];
}

/** A person's terms under a plan, as coverage.ts gives them to the engine (the plan's coverage period). */
export function enrolledTerms(
  plan: CompiledPlan,
  p: EnrolledPerson,
  events: readonly EnrolledEvent[],
): PolicyTerms {
  const start = plan.coverage.start;
  const derived = derivePreExisting(
    plan,
    start,
    events.map((e) => e.settlement),
  );
  const locked = p.preExistingLocked;
  return {
    coverage: plan.coverage,
    cohort: p.cohort as Cohort | undefined,
    // A condition locked healthy at first enrollment stays so, whatever the history says since.
    preExisting:
      locked === null
        ? derived
        : plan.conditions.map((c, i) => (locked[c.id] === false ? false : (derived[i] as boolean))),
    insuredYears: p.insuredYears,
    claimFreeYears: p.claimFreeYears,
    ageAtStart: p.birthDate === undefined ? undefined : ageAt(p.birthDate, start),
    sex: p.sex,
    enrolledAt: p.enrolledAt,
  };
}

/**
 * Adjudicates one group — a person, or a family enrollment's members — under `plan`: every event not
 * revoked, told to `claim`; returns each member's payout over the year, in `members` order. `merged` gives
 * the members' events in one setl_time order, used when the members share the plan's family pool.
 */
export function adjudicateEnrolled(
  plan: CompiledPlan,
  members: readonly EnrolledMember[],
  merged: () => readonly EnrolledEvent[],
  claim: (a: Adjudication) => void,
): Fen[] {
  const family =
    plan.hasFamilyPools && members[0]?.person.familyKey !== undefined
      ? emptyFamilyAccumulators(plan)
      : undefined;
  const policies = new Map<string, { terms: PolicyTerms; acc: Accumulators; paid: Fen }>();
  for (const m of members) {
    const acc = emptyAccumulators(plan);
    if (family !== undefined) acc.family = family;
    policies.set(m.person.psnNo, { terms: enrolledTerms(plan, m.person, m.events), acc, paid: 0 });
  }
  const run = (events: readonly EnrolledEvent[]) => {
    for (const e of events) {
      if (e.revoked) continue;
      const policy = policies.get(e.settlement.psnNo) as { terms: PolicyTerms; acc: Accumulators; paid: Fen };
      const a = adjudicate(plan, policy.terms, policy.acc, e.settlement);
      policy.paid += a.hmbPay;
      claim(a);
    }
  };
  if (family !== undefined && members.length > 1) run(merged());
  else for (const m of members) run(m.events);
  return members.map((m) => policies.get(m.person.psnNo)?.paid ?? 0);
}
