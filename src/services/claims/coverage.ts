/**
 * Coverage: what this person's policy pays for this record now. The one door to the engine's `adjudicate`
 * for everything that pays or shows a payout — one-stop, online, counter and special-drug claims (all
 * through settleClaim), the counter's preview and four-eyes check, and the benefit quote — so "which policy
 * is in force and what would it pay" has one answer. It owns:
 *  - the policy in force: an issued policy that is paid (pending_effective, active), or cancelled and
 *    covering until its cancellation; none answers `no_policy`;
 *  - the plan (compiled once per product and plan) and the person's attributes (cohort), with the check
 *    that the record's certno is the roster's for its psn_no;
 *  - the person's settlements before coverage start, for pre-existing rules;
 *  - the policy's accumulators: read, locked FOR UPDATE, written back, and given back on revocation;
 *  - a family's shared deductible pools (schema v2 `shared: "family"`, issue 12): when the plan has one and
 *    the policy is of a family enrollment, the family's row (family_accumulators, keyed by enrollment_id) is
 *    locked after the person's (always person → family: no deadlock), attached as `acc.family`, written in
 *    the same statement and given back on revocation. Plans without family pools run the statements they
 *    always did.
 * Its SQL comes as fragments the callers fold into their own statements, so a settlement still takes one
 * read and one write (settle.ts).
 */
import { prepared, type Queryable } from "../../db/database.js";
import type { Cohort } from "../../domain/cohort.js";
import type { Fen } from "../../domain/money.js";
import { ageAt } from "../../domain/premium.js";
import type { FundPayments, Settlement } from "../../domain/settlement.js";
import {
  type AccumulatorsJson,
  accumulatorsFromJson,
  accumulatorsToJson,
  emptyAccumulators,
  emptyFamilyAccumulators,
  type FamilyAccumulators,
  familyAccumulatorsFromJson,
} from "../../engine/accumulators.js";
import { type Adjudication, adjudicate, notCovered, revoke } from "../../engine/adjudicate.js";
import { type CompiledPlan, compilePlan, type PolicyTerms } from "../../engine/compile.js";
import { derivePreExisting, type HistoryFacts } from "../../engine/preexisting.js";
import { blindIndex } from "../../platform/crypto.js";
import { type PlatformContext, ServiceError } from "../context.js";
import { storedProduct } from "../products.js";
import type { SqlParams } from "./sql-params.js";

/* ------------------------------------------------------------------------------------------------------------
 * The plan
 * ---------------------------------------------------------------------------------------------------------- */

/**
 * Plans compiled once per product, version and plan. A program pins its product version (issue 12), so the
 * key carries it; a miss reads the stored version (services/products.ts), which is how a version published by
 * another process is paid on without a restart. A hit costs no statement: settling stays one read + one write.
 */
const planCache = new Map<string, CompiledPlan>();

export async function planFor(
  q: Queryable,
  productId: string,
  productVersion: number,
  planId: string,
): Promise<CompiledPlan> {
  const key = `${productId}\u0000${productVersion}\u0000${planId}`;
  const cached = planCache.get(key);
  if (cached !== undefined) return cached;
  const plan = compilePlan(await storedProduct(q, productId, productVersion), planId);
  planCache.set(key, plan);
  return plan;
}

/* ------------------------------------------------------------------------------------------------------------
 * Reading coverage: the SQL
 * ---------------------------------------------------------------------------------------------------------- */

/** The policy-in-force rule in SQL, over `policies p` (see policyInForce for the dates). */
const IN_FORCE = "p.status in ('pending_effective', 'active', 'cancelled') and p.issued_at is not null";

/** The person's settlements before `before` as JSON [settled_at, funds, diagnosis_code] rows (historyFrom). */
function historySql(program: string, psnNo: string, before: string): string {
  return `(select json_agg(json_build_array(h.settled_at, h.funds, h.diagnosis_code)) from medical_records h
         where h.program_id = ${program} and h.psn_no = ${psnNo} and h.settled_at < ${before})`;
}

/**
 * One statement reading a person's coverage: their roster entry, the program's product and their policy in
 * force, plus the caller's own `columns` (settle: an earlier claim, a stored record, the program's shares);
 * with `state`, also the policy's accumulators (no lock) and the person's history. `program` and `psnNo` are
 * the caller's placeholders. Always one row: the person's columns are null when psn_no is not on the roster.
 */
export function coverageReadSql(o: {
  program: string;
  psnNo: string;
  columns: readonly string[];
  state: boolean;
}): string {
  const state = o.state
    ? [
        `(select json_build_object('state', a.state, 'seq', a.seq) from policy_accumulators a
         where a.program_id = ${o.program} and a.policy_no = person.policy_no) as accumulators`,
        `${historySql(o.program, o.psnNo, "person.coverage_start")} as history`,
      ]
    : [];
  const columns = [
    ...o.columns,
    `person.certno_bidx, person.cohort, person.product_id, person.product_version, person.policy_no, person.plan_id,
       person.coverage_start, person.coverage_end, person.cancelled_at,
       person.insured_years, person.claim_free_years, person.pre_existing_locked, person.enrolled_at,
       person.gend, person.brdy, person.enrollment_id, person.enrollment_kind`,
    ...state,
  ];
  return `
with person as (
       select r.certno_bidx, r.cohort, g.product_id, g.product_version, p.policy_no, p.plan_id, p.coverage_start, p.coverage_end,
              p.cancelled_at, p.enrollment_id, p.enrollment_kind, ${PERSON_YEARS}
         from roster_persons r
         join programs g on g.program_id = r.program_id
         left join lateral (
               -- After a cancellation and a re-enrollment (issue 14) the person has two issued policies: the
               -- live one answers; the new one starts when the cancelled one stopped (enrollment.ts).
               select * from policies p where p.program_id = r.program_id and p.psn_no = r.psn_no and ${IN_FORCE}
                order by (p.status <> 'cancelled') desc, p.issued_at desc limit 1) p on true
        where r.program_id = ${o.program} and r.psn_no = ${o.psnNo})
select ${columns.join(",\n       ")}
  from (values (1)) as one (x)
  left join person on true`;
}

/**
 * What the engine's person conditions read (issue 12): the years stored on the policy when it was created
 * (program-years.ts: never a walk over last years' programs here) and the roster's sex and birth date.
 */
const PERSON_YEARS = `p.insured_years, p.claim_free_years, p.pre_existing_locked, p.created_at as enrolled_at,
              r.gend, to_char(r.brdy, 'YYYY-MM-DD') as brdy`;

/** A row of coverageReadSql: the person's columns. */
export interface CoverageRow {
  /** Null when psn_no is not on the roster. */
  readonly certno_bidx: Uint8Array | null;
  readonly cohort: string | null;
  readonly product_id: string | null;
  readonly product_version: number | null;
  readonly policy_no: string | null;
  readonly plan_id: string | null;
  readonly coverage_start: Date | null;
  readonly coverage_end: Date | null;
  readonly cancelled_at: Date | null;
  readonly insured_years: number | null;
  readonly claim_free_years: number | null;
  readonly pre_existing_locked: Readonly<Record<string, boolean>> | null;
  readonly enrolled_at: Date | null;
  readonly gend: string | null;
  readonly brdy: string | null;
  /** The policy's enrollment: a 'family' one is the family that shares family pools (FAMILY_KIND). */
  readonly enrollment_id: string | null;
  readonly enrollment_kind: string | null;
}

type HistoryRow = [string, FundPayments, string | null];

/** A row of coverageReadSql with `state`. */
export interface CoverageStateRow extends CoverageRow {
  readonly accumulators: { state: AccumulatorsJson; seq: number } | null;
  readonly history: HistoryRow[] | null;
}

function historyFrom(rows: HistoryRow[] | null): HistoryFacts[] {
  return (rows ?? []).map(([settledAt, funds, diagnosisCode]) => ({
    settledAt: new Date(settledAt).getTime(),
    funds,
    diagnosisCode: diagnosisCode ?? undefined,
  }));
}

/* ------------------------------------------------------------------------------------------------------------
 * The policy in force
 * ---------------------------------------------------------------------------------------------------------- */

export interface PolicyInForce {
  readonly policyNo: string;
  readonly plan: CompiledPlan;
  readonly start: number;
  readonly end: number;
  readonly cohort: Cohort | undefined;
  /** Program years and person attributes for the engine's person conditions (see PERSON_YEARS). */
  readonly person: PersonAttributes;
  /**
   * The family whose shared pools this policy draws on (its enrollment_id): only when the plan has a family
   * pool and the policy is of a family enrollment; otherwise undefined, a family of one.
   */
  readonly familyKey: string | undefined;
}

/** The enrollment kind whose members share a family pool (migrations/004_enrollment.sql). */
const FAMILY_KIND = "family";

function familyKeyOf(
  plan: CompiledPlan,
  enrollmentId: string | null,
  kind: string | null,
): string | undefined {
  return plan.hasFamilyPools && kind === FAMILY_KIND && enrollmentId !== null ? enrollmentId : undefined;
}

export interface PersonAttributes {
  readonly insuredYears: number;
  readonly claimFreeYears: number;
  /** Pre-existing status by condition id locked at first enrollment; false keeps the person healthy. */
  readonly preExistingLocked: Readonly<Record<string, boolean>> | null;
  readonly enrolledAt: number | undefined;
  readonly sex: string | undefined;
  readonly ageAtStart: number | undefined;
  /**
   * The health services the person had used (voucher redeemed) by the time of care: read only when the plan
   * has a `servicesRedeemed` condition (CompiledPlan.hasServiceConditions), else undefined and nothing read.
   */
  readonly servicesRedeemed?: ReadonlySet<string> | undefined;
}

/**
 * The health services (catalog ids) `psnNo` had redeemed in the program by `at` (the admission): the fact a
 * `servicesRedeemed` person condition reads (惠她保's screening bonus). Only plans naming it pay this read.
 */
const SERVICES_REDEEMED = prepared(
  `select distinct v.service_id from health_service_vouchers v
    where v.program_id = $1 and v.psn_no = $2 and v.status = 'redeemed' and v.redeemed_at <= $3`,
);

async function servicesRedeemedBy(
  q: Queryable,
  programId: string,
  psnNo: string,
  at: number,
): Promise<ReadonlySet<string>> {
  const rows = await q.query<{ service_id: string }>(SERVICES_REDEEMED, [programId, psnNo, new Date(at)]);
  return new Set(rows.map((r) => r.service_id));
}

function personAttributes(row: CoverageRow, start: number): PersonAttributes {
  return {
    insuredYears: row.insured_years === null ? 1 : Number(row.insured_years),
    claimFreeYears: row.claim_free_years === null ? 0 : Number(row.claim_free_years),
    preExistingLocked: row.pre_existing_locked,
    enrolledAt: row.enrolled_at === null ? undefined : new Date(row.enrolled_at).getTime(),
    sex: row.gend ?? undefined,
    ageAtStart: row.brdy === null ? undefined : ageAt(row.brdy, start),
  };
}

/**
 * The person's issued policy (paid: pending_effective, active; or cancelled, covering until cancellation),
 * or undefined when they have none — which answers `no_policy`. A certno that does not belong to psn_no is
 * refused: paying on a mistyped identity is worse than refusing it. `q` reads the program's pinned product
 * version only when no plan of it is cached yet (planFor), and the person's redeemed health services only
 * when the plan conditions a benefit on them.
 */
export async function policyInForce(
  ctx: PlatformContext,
  q: Queryable,
  row: CoverageRow,
  s: Settlement,
  programId: string,
): Promise<PolicyInForce | undefined> {
  if (row.certno_bidx === null || row.product_id === null || row.product_version === null) return undefined;
  if (!Buffer.from(row.certno_bidx).equals(blindIndex(ctx.keys, s.certno))) {
    throw new ServiceError(
      "invalid",
      "certno_mismatch",
      `certno 与 psn_no ${s.psnNo} 的参保登记不符`,
      "certno",
    );
  }
  if (
    row.policy_no === null ||
    row.plan_id === null ||
    row.coverage_start === null ||
    row.coverage_end === null
  )
    return undefined;
  const start = new Date(row.coverage_start).getTime();
  let end = new Date(row.coverage_end).getTime();
  if (row.cancelled_at !== null) end = Math.min(end, new Date(row.cancelled_at).getTime());
  if (end <= start) return undefined;
  const plan = await planFor(q, row.product_id, Number(row.product_version), row.plan_id);
  const person = personAttributes(row, start);
  return {
    policyNo: row.policy_no,
    plan,
    start,
    end,
    cohort: (row.cohort ?? undefined) as Cohort | undefined,
    person: plan.hasServiceConditions
      ? { ...person, servicesRedeemed: await servicesRedeemedBy(q, programId, s.psnNo, s.admittedAt) }
      : person,
    familyKey: familyKeyOf(plan, row.enrollment_id, row.enrollment_kind),
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Accumulators and history: read, locked
 * ---------------------------------------------------------------------------------------------------------- */

/** The policy's accumulators as read (seq 0 and no state before its first claim), with the person's history. */
export interface CoverageState {
  readonly state: AccumulatorsJson | undefined;
  readonly seq: number;
  /** The accumulator row exists (update it) or not yet (create it). */
  readonly exists: boolean;
  readonly history: HistoryFacts[];
  /** The family's shared pools, read with the person's when the policy has a familyKey. */
  readonly family?: FamilyState | undefined;
}

/** A family's shared pools as read (no state: nobody of the family has claimed yet). */
export interface FamilyState {
  readonly state: FamilyAccumulators | undefined;
  readonly seq: number;
  readonly exists: boolean;
}

/** The state a coverageReadSql row with `state` read, taking no lock. */
export function stateFromRead(row: CoverageStateRow): CoverageState {
  return {
    state: row.accumulators?.state,
    seq: row.accumulators === null ? 0 : Number(row.accumulators.seq),
    exists: row.accumulators !== null,
    history: historyFrom(row.history),
  };
}

/** Empty accumulators of a plan as stored JSON (the same text for every first claim on the plan). */
const emptyStateCache = new WeakMap<CompiledPlan, string>();

function emptyStateOf(plan: CompiledPlan): string {
  let text = emptyStateCache.get(plan);
  if (text === undefined) {
    text = JSON.stringify(accumulatorsToJson(emptyAccumulators(plan)));
    emptyStateCache.set(plan, text);
  }
  return text;
}

/**
 * Locks the policy's accumulators (creating them on its first claim) and reads them with the person's
 * history in one statement. Within that statement the history is read in the snapshot taken before the
 * lock was granted; it is only used when the accumulators did not change in between (same seq as in that
 * snapshot) — a claim settled meanwhile on this policy, which would also have added to the history, bumps
 * seq. Otherwise, and when two first claims raced to create the row, both are read again after the lock.
 */
const LOCK_ACCUMULATORS = prepared(`
with created as (
       insert into policy_accumulators (program_id, policy_no, plan_id, state, seq, updated_at)
       values ($1, $2, $3, $4, 0, $5) on conflict do nothing returning seq),
     locked as (select state, seq from policy_accumulators where program_id = $1 and policy_no = $2 for update),
     seen as (select seq from policy_accumulators where program_id = $1 and policy_no = $2)
select (select count(*) from created)::int as created, (select state from locked) as state,
       (select seq from locked) as seq, (select seq from seen) as seen_seq,
       ${historySql("$1", "$6", "$7")} as history`);

/**
 * The second try, in two statements: the history must be read in a snapshot taken after the lock is held,
 * and a statement that waited for a row lock still reads everything else in its snapshot from before.
 */
const RELOCK_ACCUMULATORS = prepared(
  "select state, seq from policy_accumulators where program_id = $1 and policy_no = $2 for update",
);
const HISTORY = prepared(`select ${historySql("$1", "$2", "$3")} as history`);

/**
 * The person's settlements in a program before `before`, as pre-existing rules read them: the same history
 * read, for the status a product locks at first enrollment (program-years.ts).
 */
export async function historyBefore(
  q: Queryable,
  programId: string,
  psnNo: string,
  before: Date,
): Promise<HistoryFacts[]> {
  const rows = await q.query<{ history: HistoryRow[] | null }>(HISTORY, [programId, psnNo, before]);
  return historyFrom(rows[0]?.history ?? null);
}

interface LockRead {
  readonly created: number;
  readonly state: AccumulatorsJson | null;
  readonly seq: number | null;
  readonly seen_seq: number | null;
  readonly history: HistoryRow[] | null;
}

/** What a locking read gave, or undefined when it must be done again after the lock (see above). */
function lockedFrom(row: LockRead | undefined): CoverageState | undefined {
  if (row === undefined) return undefined;
  if (row.created === 1) return { state: undefined, seq: 0, exists: true, history: historyFrom(row.history) };
  if (row.seq !== null && row.state !== null && Number(row.seq) === Number(row.seen_seq))
    return { state: row.state, seq: Number(row.seq), exists: true, history: historyFrom(row.history) };
  return undefined;
}

/**
 * The policy's accumulators locked FOR UPDATE until the transaction ends (created on its first claim, so
 * the lock holds something), with the person's history: nothing settles on the policy meanwhile.
 */
export async function lockCoverageState(
  tx: Queryable,
  programId: string,
  psnNo: string,
  policy: PolicyInForce,
  at: Date,
): Promise<CoverageState> {
  const person = await lockPersonState(tx, programId, psnNo, policy, at);
  if (policy.familyKey === undefined) return person;
  return { ...person, family: await lockFamilyState(tx, programId, policy.familyKey, policy.plan, at) };
}

async function lockPersonState(
  tx: Queryable,
  programId: string,
  psnNo: string,
  policy: PolicyInForce,
  at: Date,
): Promise<CoverageState> {
  const start = new Date(policy.start);
  const rows = await tx.query<LockRead>(LOCK_ACCUMULATORS, [
    programId,
    policy.policyNo,
    policy.plan.planId,
    emptyStateOf(policy.plan),
    at,
    psnNo,
    start,
  ]);
  const done = lockedFrom(rows[0]);
  if (done !== undefined) return done;
  const again = await tx.query<{ state: AccumulatorsJson; seq: number }>(RELOCK_ACCUMULATORS, [
    programId,
    policy.policyNo,
  ]);
  if (again[0] === undefined) throw new Error(`accumulators of ${policy.policyNo} vanished`);
  const history = await tx.query<{ history: HistoryRow[] | null }>(HISTORY, [programId, psnNo, start]);
  return {
    state: again[0].state,
    seq: Number(again[0].seq),
    exists: true,
    history: historyFrom(history[0]?.history ?? null),
  };
}

/**
 * Locks a family's shared pools (creating the row on the family's first claim) and reads them, in one
 * statement: the no-op update on conflict takes the row lock and returns the latest committed state, even
 * when another member's transaction held it meanwhile. Called only with the member's own row locked.
 */
const LOCK_FAMILY = prepared(`
insert into family_accumulators (program_id, family_key, plan_id, state, seq, updated_at)
values ($1, $2, $3, $4, 0, $5)
on conflict (program_id, family_key) do update set seq = family_accumulators.seq
returning state, seq`);

const READ_FAMILY = prepared(
  "select state, seq from family_accumulators where program_id = $1 and family_key = $2",
);

/** Empty family pools as stored JSON. */
function emptyFamilyStateOf(plan: CompiledPlan): string {
  return JSON.stringify(emptyFamilyAccumulators(plan));
}

async function lockFamilyState(
  tx: Queryable,
  programId: string,
  familyKey: string,
  plan: CompiledPlan,
  at: Date,
): Promise<FamilyState> {
  const rows = await tx.query<{ state: FamilyAccumulators; seq: number }>(LOCK_FAMILY, [
    programId,
    familyKey,
    plan.planId,
    emptyFamilyStateOf(plan),
    at,
  ]);
  const row = rows[0];
  if (row === undefined) throw new Error(`family accumulators of ${familyKey} not locked`);
  return { state: row.state, seq: Number(row.seq), exists: true };
}

/** A family's shared pools read without a lock (previews). */
async function readFamilyState(q: Queryable, programId: string, familyKey: string): Promise<FamilyState> {
  const rows = await q.query<{ state: FamilyAccumulators; seq: number }>(READ_FAMILY, [programId, familyKey]);
  const row = rows[0];
  return row === undefined
    ? { state: undefined, seq: 0, exists: false }
    : { state: row.state, seq: Number(row.seq), exists: true };
}

/* ------------------------------------------------------------------------------------------------------------
 * What the policy pays: the one call to the engine
 * ---------------------------------------------------------------------------------------------------------- */

export interface Payout {
  readonly adjudication: Adjudication;
  /** The accumulators after it, as stored JSON; undefined when nothing is covered (no policy). */
  readonly state: string | undefined;
  /** The family's shared pools after it, as stored JSON, when they were attached (cover.family). */
  readonly familyState?: string | undefined;
  /** The person's cumulative payout after it (the accumulators' paidTotal); 0 without a policy. */
  readonly paidTotalAfter: Fen;
}

/**
 * What `policy` pays for `s` over the accumulators and history in `cover`. `revoking` first gives back
 * what an earlier claim took (an appeal that will revoke it).
 */
export function payout(
  s: Settlement,
  policy: PolicyInForce | undefined,
  cover: CoverageState | undefined,
  revoking?: Adjudication,
): Payout {
  if (policy === undefined || cover === undefined)
    return { adjudication: notCovered(s, "no_policy"), state: undefined, paidTotalAfter: 0 };
  const accumulators =
    cover.state === undefined
      ? emptyAccumulators(policy.plan)
      : accumulatorsFromJson(policy.plan, cover.state);
  const family = policy.familyKey === undefined ? undefined : cover.family;
  if (family !== undefined)
    accumulators.family =
      family.state === undefined
        ? emptyFamilyAccumulators(policy.plan)
        : familyAccumulatorsFromJson(policy.plan, family.state);
  if (revoking !== undefined) revoke(policy.plan, accumulators, revoking);
  const terms: PolicyTerms = {
    coverage: { start: policy.start, end: policy.end },
    cohort: policy.cohort,
    preExisting: lockedPreExisting(
      policy.plan,
      derivePreExisting(policy.plan, policy.start, cover.history),
      policy.person.preExistingLocked,
    ),
    ...personTerms(policy.person),
  };
  const adjudication = adjudicate(policy.plan, terms, accumulators, s);
  return {
    adjudication,
    state: JSON.stringify(accumulatorsToJson(accumulators)),
    familyState: accumulators.family === undefined ? undefined : JSON.stringify(accumulators.family),
    paidTotalAfter: accumulators.paidTotal,
  };
}

/** A condition locked healthy at first enrollment stays so, whatever the history says since. */
function lockedPreExisting(
  plan: CompiledPlan,
  derived: boolean[],
  locked: Readonly<Record<string, boolean>> | null,
): boolean[] {
  if (locked === null) return derived;
  return plan.conditions.map((c, i) => (locked[c.id] === false ? false : (derived[i] as boolean)));
}

/** The PolicyTerms person fields (engine/compile.ts; optional there, so other callers need not set them). */
function personTerms(
  p: PersonAttributes,
): Pick<
  PolicyTerms,
  "insuredYears" | "claimFreeYears" | "ageAtStart" | "sex" | "enrolledAt" | "servicesRedeemed"
> {
  return {
    insuredYears: p.insuredYears,
    claimFreeYears: p.claimFreeYears,
    ageAtStart: p.ageAtStart,
    sex: p.sex,
    enrolledAt: p.enrolledAt,
    ...(p.servicesRedeemed === undefined ? {} : { servicesRedeemed: p.servicesRedeemed }),
  };
}

/**
 * What settleClaim would pay for `s` now, storing nothing: read without locks, or (`lock`, inside
 * settleClaim's transaction) with the policy's accumulators locked, so the answer is exactly what it will
 * pay. `revoking` as for payout.
 */
export async function previewPayout(
  ctx: PlatformContext,
  q: Queryable,
  programId: string,
  s: Settlement,
  options: { lock: boolean; revoking?: Adjudication | undefined; at: Date },
): Promise<Adjudication> {
  if (!options.lock) {
    const row = (await q.query<CoverageStateRow>(PREVIEW_READ, [programId, s.psnNo]))[0];
    if (row === undefined) throw new Error("coverage read returned no row");
    const policy = await policyInForce(ctx, q, row, s, programId);
    const cover = stateFromRead(row);
    const family =
      policy?.familyKey === undefined ? undefined : await readFamilyState(q, programId, policy.familyKey);
    return payout(s, policy, { ...cover, family }, options.revoking).adjudication;
  }
  const row = (await q.query<CoverageRow>(PREVIEW_READ_PERSON, [programId, s.psnNo]))[0];
  if (row === undefined) throw new Error("coverage read returned no row");
  const policy = await policyInForce(ctx, q, row, s, programId);
  const cover =
    policy === undefined ? undefined : await lockCoverageState(q, programId, s.psnNo, policy, options.at);
  return payout(s, policy, cover, options.revoking).adjudication;
}

const PREVIEW_READ = prepared(coverageReadSql({ program: "$1", psnNo: "$2", columns: [], state: true }));
const PREVIEW_READ_PERSON = prepared(
  coverageReadSql({ program: "$1", psnNo: "$2", columns: [], state: false }),
);

/**
 * The benefit calculator's answer: what a policy on `plan` would pay for `s` as the first claim of its
 * year (empty accumulators), for a person with or without the plan's pre-existing conditions. Nothing is
 * read or stored.
 */
export function quotePayout(
  plan: CompiledPlan,
  coverage: PolicyTerms["coverage"],
  s: Settlement,
  preExisting: boolean,
): Adjudication {
  const terms: PolicyTerms = {
    coverage,
    cohort: undefined,
    preExisting: plan.conditions.map(() => preExisting),
  };
  return adjudicate(plan, terms, emptyAccumulators(plan), s);
}

/* ------------------------------------------------------------------------------------------------------------
 * Accumulators: written back, given back
 * ---------------------------------------------------------------------------------------------------------- */

/**
 * The write-back part of settleClaim's one write: a CTE `acc` that stores `state` as the accumulators'
 * next seq only if seq is still what `cover` read (or creates the row on the policy's first claim, unless
 * another claim created it meanwhile); it returns a row exactly when it took effect. `program`, `policyNo`
 * and `at` are the statement's placeholders. With the family's pools (`familyState`, cover.family read
 * locked), a CTE `fam` first stores them only if their seq is still as read, and `acc` takes effect only
 * with it: the family's and the person's accumulators change together or not at all.
 */
export function writeBackSql(
  p: SqlParams,
  at: { program: string; policyNo: string; at: string },
  policy: PolicyInForce,
  cover: CoverageState,
  state: string,
  familyState?: string | undefined,
): string {
  const fam = familyWriteSql(p, at, policy, cover, familyState);
  const stateP = p.add(state);
  const seqP = p.add(cover.seq + 1);
  if (cover.exists) {
    const readSeq = p.add(cover.seq);
    return `${fam}acc as (update policy_accumulators set state = ${stateP}, seq = ${seqP}, updated_at = ${at.at}
             ${fam === "" ? "" : "from fam "}where program_id = ${at.program} and policy_no = ${at.policyNo} and seq = ${readSeq} returning 1)`;
  }
  const planP = p.add(policy.plan.planId);
  const values = `${at.program}, ${at.policyNo}, ${planP}, ${stateP}, ${seqP}, ${at.at}`;
  return `${fam}acc as (insert into policy_accumulators (program_id, policy_no, plan_id, state, seq, updated_at)
             ${fam === "" ? `values (${values})` : `select ${values} from fam`} on conflict do nothing returning 1)`;
}

/** The `fam` CTE of writeBackSql (followed by a comma), or "" without family pools attached. */
function familyWriteSql(
  p: SqlParams,
  at: { program: string; at: string },
  policy: PolicyInForce,
  cover: CoverageState,
  familyState: string | undefined,
): string {
  const family = cover.family;
  if (policy.familyKey === undefined || family === undefined || familyState === undefined) return "";
  // Only a locked read is written back (lockCoverageState creates the row), so the row exists.
  if (!family.exists) throw new Error(`family accumulators of ${policy.familyKey} written without a lock`);
  return `fam as (update family_accumulators set state = ${p.add(familyState)}, seq = ${p.add(family.seq + 1)}, updated_at = ${at.at}
             where program_id = ${at.program} and family_key = ${p.add(policy.familyKey)} and seq = ${p.add(family.seq)} returning 1),
     `;
}

/**
 * Revocation: gives back to the policy's accumulators exactly what `adjudication` took, under the row's
 * lock. Returns the accumulators' new seq.
 */
export async function giveBack(
  tx: Queryable,
  programId: string,
  policyNo: string,
  adjudication: Adjudication,
  at: Date,
): Promise<number> {
  const rows = await tx.query<{
    state: AccumulatorsJson;
    seq: number;
    plan_id: string;
    product_id: string;
    product_version: number;
    enrollment_id: string | null;
    enrollment_kind: string | null;
  }>(
    `select a.state, a.seq, a.plan_id, g.product_id, g.product_version, p.enrollment_id, p.enrollment_kind
       from policy_accumulators a
       join programs g on g.program_id = a.program_id
       left join policies p on p.program_id = a.program_id and p.policy_no = a.policy_no
      where a.program_id = $1 and a.policy_no = $2 for update of a`,
    [programId, policyNo],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`accumulators of ${policyNo} missing`);
  const plan = await planFor(tx, row.product_id, Number(row.product_version), row.plan_id);
  const acc = accumulatorsFromJson(plan, row.state);
  // The family's pools, locked after the person's row as when settling, get back what this claim drew.
  const familyKey = familyKeyOf(plan, row.enrollment_id, row.enrollment_kind);
  let family: FamilyState | undefined;
  if (familyKey !== undefined) {
    family = await lockFamilyState(tx, programId, familyKey, plan, at);
    acc.family =
      family.state === undefined
        ? emptyFamilyAccumulators(plan)
        : familyAccumulatorsFromJson(plan, family.state);
  }
  revoke(plan, acc, adjudication);
  if (familyKey !== undefined && family !== undefined && acc.family !== undefined)
    await tx.query(
      "update family_accumulators set state = $3, seq = $4, updated_at = $5 where program_id = $1 and family_key = $2",
      [programId, familyKey, JSON.stringify(acc.family), family.seq + 1, at],
    );
  const seq = Number(row.seq) + 1;
  await tx.query(
    "update policy_accumulators set state = $3, seq = $4, updated_at = $5 where program_id = $1 and policy_no = $2",
    [programId, policyNo, JSON.stringify(accumulatorsToJson(acc)), seq, at],
  );
  return seq;
}
