/**
 * Renewal (续保, issue 12 §4). A resident insured in the program this one follows sees a one-tap renewal:
 * last year's plan and the members they insured last year, enrolled again here. The same person is the same
 * ID number, found through the roster's keyed blind index, since psn_no may differ between the two years'
 * rosters; a member not on this year's roster, or already insured here, is left out and said why.
 *
 * 自动续保授权: a resident insured in a program authorizes, revocably, that when the enrollment window of the
 * program following it opens, they and the same members are enrolled and the premium is pre-authorized on
 * their 医保个人账户 (the payer's account pays; when the deduction succeeds, any cash paid for the same policy
 * is refunded — payments/index.ts). Granting and revoking are audited. `renewProgram` carries the
 * authorizations out: an idempotent job (`hmb program renew --id X`), which may run as often as wanted — a
 * row is claimed for its target program before enrolling and records the enrollment made, so a second run
 * enrolls nobody twice.
 */
import type { Queryable } from "../db/database.js";
import type { Fen } from "../domain/money.js";
import { premiumFor } from "../domain/premium.js";
import type { Plan, Product } from "../domain/product.js";
import { formatBusinessTime } from "../domain/time.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { type EnrollmentResult, enroll, type FamilyMemberInput } from "./enrollment.js";
import { gatewaysOf } from "./payments/registry.js";
import { loadProgram, type ProgramRecord, productOf } from "./programs.js";

/** A running claim older than this is taken to have died with its process, and is run again. */
export const RENEWAL_CLAIM_STALE_MS = 10 * 60 * 1000;

/** Relations a renewed member keeps; last year's unit or sponsored members renew as the payer's own self only. */
type FamilyRelation = FamilyMemberInput["relation"];
const FAMILY_RELATIONS: ReadonlySet<string> = new Set(["self", "spouse", "child", "parent"]);

export type RenewalMemberStatus = "to_renew" | "already_enrolled" | "not_on_roster";

export interface RenewalMember {
  /** On this year's roster; null when the person is not on it. */
  readonly psnNo: string | null;
  readonly name: string;
  readonly relation: FamilyRelation;
  readonly status: RenewalMemberStatus;
  /** This year's premium on the renewed plan (0 unless to_renew). */
  readonly premiumFen: Fen;
  /** Consecutive insured years, this one included, once renewed. */
  readonly insuredYears: number;
}

export interface RenewalOffer {
  readonly programId: string;
  readonly followsProgramId: string | null;
  /** Whether one tap renews anyone now; else `reason` says why not, in Chinese. */
  readonly available: boolean;
  readonly reason: string | null;
  readonly planId: string | null;
  readonly planName: string | null;
  readonly members: readonly RenewalMember[];
  readonly totalFen: Fen;
  readonly personalAccount: boolean;
  readonly enrollmentStart: string;
  readonly enrollmentEnd: string;
}

export interface RenewalAuthorization {
  readonly programId: string;
  readonly psnNo: string;
  readonly status: "granted" | "revoked" | "none";
  readonly grantedAt: string | null;
  readonly revokedAt: string | null;
  /** Whether it has been carried out, and into which program with which enrollment. */
  readonly renewedInto: string | null;
  readonly enrollmentId: string | null;
  readonly lastError: string | null;
}

function requireResident(actor: Actor): string {
  if (actor.role !== "resident" || actor.psnNo === undefined)
    throw new ServiceError("forbidden", "forbidden", "仅参保人本人账号可办理续保", undefined);
  return actor.psnNo;
}

/* ------------------------------------------------------------------------------------------------------------
 * Last year's household, matched to this year's roster
 * ---------------------------------------------------------------------------------------------------------- */

interface LastYearMember {
  readonly lastPsnNo: string;
  readonly relation: FamilyRelation;
  readonly planId: string;
  readonly insuredYears: number;
}

/**
 * What `payer` (on `followed`'s roster) insured there: their own policy and those they paid for, issued and
 * not cancelled, self first.
 */
async function householdPolicies(q: Queryable, followed: string, payer: string): Promise<LastYearMember[]> {
  const rows = await q.query<{ psn_no: string; relation: string; plan_id: string; insured_years: number }>(
    `select psn_no, relation, plan_id, insured_years from policies
      where program_id = $1 and (payer_psn_no = $2 or psn_no = $2)
        and issued_at is not null and status in ('pending_effective', 'active')
      order by (psn_no = $2) desc, policy_no`,
    [followed, payer],
  );
  const seen = new Set<string>();
  const members: LastYearMember[] = [];
  for (const r of rows) {
    if (seen.has(r.psn_no)) continue;
    seen.add(r.psn_no);
    const self = r.psn_no === payer;
    // A unit or charity policy is not the payer's to renew for others; the payer renews themself.
    if (!self && !FAMILY_RELATIONS.has(r.relation)) continue;
    members.push({
      lastPsnNo: r.psn_no,
      relation: self ? "self" : (r.relation as FamilyRelation),
      planId: r.plan_id,
      insuredYears: Number(r.insured_years),
    });
  }
  return members;
}

async function bidxOf(q: Queryable, programId: string, psnNo: string): Promise<Uint8Array | undefined> {
  const rows = await q.query<{ certno_bidx: Uint8Array }>(
    "select certno_bidx from roster_persons where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  return rows[0]?.certno_bidx;
}

interface ThisYearPerson {
  psn_no: string;
  psn_name: string;
  brdy: string;
  cohort: string | null;
  insured: boolean;
}

/** The person with this blind index on `programId`'s roster, and whether they already hold a policy there. */
async function personByBidx(
  q: Queryable,
  programId: string,
  bidx: Uint8Array,
): Promise<ThisYearPerson | undefined> {
  const rows = await q.query<ThisYearPerson>(
    // Insured: an issued policy, or one waiting on a personal-account pre-authorization (a renewal made).
    `select r.psn_no, r.psn_name, to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.cohort,
            exists (select 1 from policies p where p.program_id = $1 and p.psn_no = r.psn_no
                      and p.status <> 'cancelled'
                      and (p.issued_at is not null
                           or exists (select 1 from payment_items i join payment_orders o
                                        on o.program_id = i.program_id and o.order_no = i.order_no
                                       where i.program_id = $1 and i.policy_no = p.policy_no
                                         and o.channel = 'personal_account' and o.status = 'preauthorized')))
              as insured
       from roster_persons r where r.program_id = $1 and r.certno_bidx = $2`,
    [programId, bidx],
  );
  return rows[0];
}

function renewedPlan(product: Product, lastPlanId: string | undefined): Plan {
  return (
    product.plans.find((p) => p.id === lastPlanId) ??
    // Last year's plan is gone this year: the first plan, as a plain enrollment would choose.
    (product.plans[0] as Plan)
  );
}

interface Household {
  readonly plan: Plan | null;
  readonly members: RenewalMember[];
}

/** `payer` of `followed` renewing into `program`: the plan and each member's status and premium. */
async function householdFor(
  q: Queryable,
  program: ProgramRecord,
  followed: string,
  payer: string,
): Promise<Household> {
  const product = productOf(program);
  const last = await householdPolicies(q, followed, payer);
  if (last.length === 0) return { plan: null, members: [] };
  const plan = renewedPlan(product, last[0]?.planId);
  const members: RenewalMember[] = [];
  for (const m of last) {
    const bidx = await bidxOf(q, followed, m.lastPsnNo);
    const person = bidx === undefined ? undefined : await personByBidx(q, program.programId, bidx);
    if (person === undefined) {
      const lastName = await q.query<{ psn_name: string }>(
        "select psn_name from roster_persons where program_id = $1 and psn_no = $2",
        [followed, m.lastPsnNo],
      );
      members.push({
        psnNo: null,
        name: lastName[0]?.psn_name ?? "",
        relation: m.relation,
        status: "not_on_roster",
        premiumFen: 0,
        insuredYears: 1,
      });
      continue;
    }
    const premium = premiumFor(
      plan,
      { birthDate: person.brdy, cohort: person.cohort },
      product.coverage.start,
    );
    members.push({
      psnNo: person.psn_no,
      name: person.psn_name,
      relation: m.relation,
      status: person.insured ? "already_enrolled" : "to_renew",
      premiumFen: person.insured ? 0 : premium.amount,
      insuredYears: m.insuredYears + 1,
    });
  }
  return { plan, members };
}

/* ------------------------------------------------------------------------------------------------------------
 * The resident's one-tap renewal
 * ---------------------------------------------------------------------------------------------------------- */

/** The payer's psn_no on the followed program's roster (the same ID number), if they are on it. */
async function lastYearSelf(
  q: Queryable,
  programId: string,
  followed: string,
  psnNo: string,
): Promise<string | undefined> {
  const bidx = await bidxOf(q, programId, psnNo);
  if (bidx === undefined) return undefined;
  const rows = await q.query<{ psn_no: string }>(
    "select psn_no from roster_persons where program_id = $1 and certno_bidx = $2",
    [followed, bidx],
  );
  return rows[0]?.psn_no;
}

function windowOpen(ctx: PlatformContext, product: Product): boolean {
  const now = ctx.clock.now().getTime();
  return now >= product.enrollment.start && now < product.enrollment.end;
}

/** What one tap would renew for the signed-in resident (GET /programs/:id/renewal). */
export async function renewalOffer(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<RenewalOffer> {
  const me = requireResident(actor);
  const program = await loadProgram(ctx, programId);
  const product = productOf(program);
  const followed = program.followsProgramId;
  const base = {
    programId,
    followsProgramId: followed,
    personalAccount:
      product.operations.personalAccountPayment && gatewaysOf(ctx).personalAccount !== undefined,
    enrollmentStart: formatBusinessTime(product.enrollment.start),
    enrollmentEnd: formatBusinessTime(product.enrollment.end),
  };
  const none = (reason: string): RenewalOffer => ({
    ...base,
    available: false,
    reason,
    planId: null,
    planName: null,
    members: [],
    totalFen: 0,
  });
  if (followed === null) {
    // Audited even when there is nothing to look up: the audit trail shows every time a person's renewal
    // was asked for, not only the times it found a household.
    await audit(ctx.db, actor, programId, "renewal.offer", me, { follows: null });
    return none("本项目没有上一年度项目，无需续保");
  }
  const lastSelf = await lastYearSelf(ctx.db, programId, followed, me);
  const household =
    lastSelf === undefined
      ? { plan: null, members: [] }
      : await householdFor(ctx.db, program, followed, lastSelf);
  await audit(ctx.db, actor, programId, "renewal.offer", me, { follows: followed });
  if (household.plan === null) return none("上一年度没有您投保的保单，请直接投保");
  const toRenew = household.members.filter((m) => m.status === "to_renew");
  const reason =
    toRenew.length === 0
      ? "上一年度投保的成员均已在本年度投保"
      : !windowOpen(ctx, product)
        ? `不在投保期内：投保时间 ${base.enrollmentStart} 至 ${base.enrollmentEnd}`
        : null;
  return {
    ...base,
    available: reason === null,
    reason,
    planId: household.plan.id,
    planName: household.plan.name,
    members: household.members,
    totalFen: toRenew.reduce((s, m) => s + m.premiumFen, 0),
  };
}

/**
 * Enrolls `payer` (this year's roster) and last year's members still to renew, on last year's plan, paying
 * through `channel`. The members are vouched for by last year's policies (EnrollOptions.renewal).
 */
async function enrollHousehold(
  ctx: PlatformContext,
  actor: Actor,
  program: ProgramRecord,
  payer: string,
  household: Household,
  channel: "cash" | "personal_account",
): Promise<EnrollmentResult | undefined> {
  const toRenew = household.members.filter((m) => m.status === "to_renew");
  if (household.plan === null || toRenew.length === 0) return undefined;
  const onlySelf = toRenew.length === 1 && toRenew[0]?.psnNo === payer;
  return enroll(
    ctx,
    actor,
    onlySelf
      ? { programId: program.programId, kind: "individual", plan: household.plan.id, psnNo: payer, channel }
      : {
          programId: program.programId,
          kind: "family",
          plan: household.plan.id,
          payerPsnNo: payer,
          members: toRenew.map((m) => ({ psnNo: m.psnNo as string, relation: m.relation })),
          channel,
        },
    { renewal: true },
  );
}

/** One tap: renews what renewalOffer shows (POST /programs/:id/renewal). */
export async function renew(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  channel: string,
): Promise<EnrollmentResult> {
  const me = requireResident(actor);
  if (channel !== "cash" && channel !== "personal_account")
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "续保缴费渠道只能是 cash 或 personal_account",
      "channel",
    );
  const program = await loadProgram(ctx, programId);
  const followed = program.followsProgramId;
  if (followed === null)
    throw new ServiceError("unprocessable", "no_renewal", "本项目没有上一年度项目，无需续保", undefined);
  const lastSelf = await lastYearSelf(ctx.db, programId, followed, me);
  const household =
    lastSelf === undefined
      ? { plan: null, members: [] }
      : await householdFor(ctx.db, program, followed, lastSelf);
  if (household.plan === null)
    throw new ServiceError("unprocessable", "no_renewal", "上一年度没有您投保的保单，请直接投保", undefined);
  const result = await enrollHousehold(ctx, actor, program, me, household, channel);
  if (result === undefined)
    throw new ServiceError("conflict", "already_enrolled", "上一年度投保的成员均已在本年度投保", undefined);
  return result;
}

/* ------------------------------------------------------------------------------------------------------------
 * 自动续保授权
 * ---------------------------------------------------------------------------------------------------------- */

interface AuthorizationRow {
  status: "granted" | "revoked";
  granted_at: Date;
  revoked_at: Date | null;
  target_program_id: string | null;
  run_state: string | null;
  enrollment_id: string | null;
  run_error: string | null;
}

function authorizationView(
  programId: string,
  psnNo: string,
  row: AuthorizationRow | undefined,
): RenewalAuthorization {
  const t = (d: Date | null) => (d === null ? null : formatBusinessTime(new Date(d).getTime()));
  return {
    programId,
    psnNo,
    status: row?.status ?? "none",
    grantedAt: row === undefined ? null : t(row.granted_at),
    revokedAt: row === undefined ? null : t(row.revoked_at),
    renewedInto: row?.run_state === "done" ? row.target_program_id : null,
    enrollmentId: row?.run_state === "done" ? row.enrollment_id : null,
    lastError: row?.run_state === "failed" ? row.run_error : null,
  };
}

async function authorizationRow(
  q: Queryable,
  programId: string,
  psnNo: string,
): Promise<AuthorizationRow | undefined> {
  const rows = await q.query<AuthorizationRow>(
    `select status, granted_at, revoked_at, target_program_id, run_state, enrollment_id, run_error
       from renewal_authorizations where program_id = $1 and psn_no = $2`,
    [programId, psnNo],
  );
  return rows[0];
}

/** The resident's 自动续保授权 in this program (for the year after it). */
export async function getRenewalAuthorization(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<RenewalAuthorization> {
  const me = requireResident(actor);
  await loadProgram(ctx, programId);
  const row = await authorizationRow(ctx.db, programId, me);
  // Whether a person lets the platform debit their 医保个人账户 is theirs alone: its read is audited too.
  await audit(ctx.db, actor, programId, "renewal.authorization.read", me, {});
  return authorizationView(programId, me, row);
}

/**
 * Grants 自动续保授权: the resident must hold an issued policy in this program (their own, or one they paid
 * for), since renewal repeats this year's household. Granting again is a no-op that keeps the first grant.
 */
export async function grantRenewalAuthorization(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<RenewalAuthorization> {
  const me = requireResident(actor);
  const program = await loadProgram(ctx, programId);
  if (!productOf(program).operations.personalAccountPayment)
    throw new ServiceError(
      "unprocessable",
      "channel_unavailable",
      "本产品不支持医保个人账户缴费，无法开通自动续保",
      undefined,
    );
  const at = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    if ((await householdPolicies(tx, programId, me)).length === 0)
      throw new ServiceError(
        "unprocessable",
        "not_enrolled",
        "您在本项目还没有已生效的保单，投保缴费后才能开通自动续保",
        undefined,
      );
    const changed = await tx.query(
      `insert into renewal_authorizations (program_id, psn_no, status, granted_at, granted_by)
       values ($1, $2, 'granted', $3, $4)
       on conflict (program_id, psn_no) do update
         set status = 'granted', granted_at = excluded.granted_at, granted_by = excluded.granted_by,
             revoked_at = null, revoked_by = null
         where renewal_authorizations.status <> 'granted'
       returning psn_no`,
      [programId, me, at, actor.id],
    );
    if (changed.length > 0) await audit(tx, actor, programId, "renewal.authorize", me, {});
  });
  return authorizationView(programId, me, await authorizationRow(ctx.db, programId, me));
}

/** Revokes 自动续保授权; revoking what is not granted is a no-op. A renewal already made stays (cancel it). */
export async function revokeRenewalAuthorization(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<RenewalAuthorization> {
  const me = requireResident(actor);
  await loadProgram(ctx, programId);
  const at = ctx.clock.now();
  await ctx.db.transaction(async (tx) => {
    const changed = await tx.query(
      `update renewal_authorizations set status = 'revoked', revoked_at = $3, revoked_by = $4
        where program_id = $1 and psn_no = $2 and status = 'granted' returning psn_no`,
      [programId, me, at, actor.id],
    );
    if (changed.length > 0) await audit(tx, actor, programId, "renewal.revoke", me, {});
  });
  return authorizationView(programId, me, await authorizationRow(ctx.db, programId, me));
}

/* ------------------------------------------------------------------------------------------------------------
 * The job: when the window opens
 * ---------------------------------------------------------------------------------------------------------- */

export interface RenewalRun {
  readonly programId: string;
  readonly followsProgramId: string;
  /** False: the enrollment window is not open now; nothing was done (run again when it is). */
  readonly windowOpen: boolean;
  readonly authorizations: number;
  readonly renewed: { readonly psnNo: string; readonly enrollmentId: string; readonly persons: number }[];
  /** Carried out before, by another run, or nothing left to renew. */
  readonly skipped: { readonly psnNo: string; readonly reason: string }[];
  readonly failed: { readonly psnNo: string; readonly reason: string }[];
}

/**
 * Carries out the 自动续保授权 granted in the program `programId` follows: for each, enrolls the payer and
 * last year's members (still to renew) on last year's plan, the premium pre-authorized on the payer's
 * 医保个人账户. Idempotent: a row is claimed for this program before enrolling (concurrent runs take
 * different rows) and records the enrollment; a failure is recorded and retried by the next run.
 */
const NOT_ON_ROSTER = "投保人不在本年度基本医保参保名单中";

export async function renewProgram(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<RenewalRun> {
  if (actor.role !== "admin" && actor.role !== "operator")
    throw new ServiceError("forbidden", "forbidden", "只有运营人员可以执行自动续保", undefined);
  const program = await loadProgram(ctx, programId);
  const followed = program.followsProgramId;
  if (followed === null)
    throw new ServiceError(
      "unprocessable",
      "no_renewal",
      `项目 ${programId} 没有接续的上一年度项目（hmb program create --follows）`,
      "program_id",
    );
  const product = productOf(program);
  const pending = await ctx.db.query<{ psn_no: string }>(
    `select psn_no from renewal_authorizations
      where program_id = $1 and status = 'granted'
        and (target_program_id is null or target_program_id <> $2 or run_state is distinct from 'done')
      order by psn_no`,
    [followed, programId],
  );
  const run = {
    programId,
    followsProgramId: followed,
    windowOpen: windowOpen(ctx, product),
    authorizations: pending.length,
    renewed: [] as RenewalRun["renewed"][number][],
    skipped: [] as RenewalRun["skipped"][number][],
    failed: [] as RenewalRun["failed"][number][],
  };
  if (!run.windowOpen) return run;
  for (const { psn_no: lastPayer } of pending) {
    const at = ctx.clock.now();
    const claimed = await ctx.db.query(
      `update renewal_authorizations set target_program_id = $3, run_state = 'running', run_at = $4, run_error = null
        where program_id = $1 and psn_no = $2 and status = 'granted'
          and (target_program_id is null or target_program_id <> $3 or run_state = 'failed'
               or (run_state = 'running' and run_at < $5))
        returning psn_no`,
      [followed, lastPayer, programId, at, new Date(at.getTime() - RENEWAL_CLAIM_STALE_MS)],
    );
    if (claimed.length === 0) {
      run.skipped.push({ psnNo: lastPayer, reason: "已由其他任务处理" });
      continue;
    }
    const finish = (state: "done" | "failed", enrollmentId: string | null, error: string | null) =>
      ctx.db.query(
        `update renewal_authorizations set run_state = $3, enrollment_id = $4, run_error = $5, run_at = $6
          where program_id = $1 and psn_no = $2`,
        [followed, lastPayer, state, enrollmentId, error, ctx.clock.now()],
      );
    try {
      const bidx = await bidxOf(ctx.db, followed, lastPayer);
      const payer = bidx === undefined ? undefined : await personByBidx(ctx.db, programId, bidx);
      if (payer === undefined) {
        await finish("failed", null, NOT_ON_ROSTER);
        run.failed.push({ psnNo: lastPayer, reason: NOT_ON_ROSTER });
        continue;
      }
      const household = await householdFor(ctx.db, program, followed, lastPayer);
      const result = await enrollHousehold(ctx, actor, program, payer.psn_no, household, "personal_account");
      if (result === undefined) {
        await finish("done", null, null);
        run.skipped.push({ psnNo: lastPayer, reason: "上一年度投保的成员均已在本年度投保" });
        continue;
      }
      await finish("done", result.enrollment_id, null);
      await audit(ctx.db, actor, programId, "renewal.auto", result.enrollment_id, {
        follows: followed,
        payer_psn_no: payer.psn_no,
        psn_nos: result.policies.map((p) => p.psn_no),
      });
      run.renewed.push({
        psnNo: lastPayer,
        enrollmentId: result.enrollment_id,
        persons: result.policies.length,
      });
    } catch (e) {
      if (!(e instanceof ServiceError)) {
        await finish("failed", null, "内部错误");
        throw e;
      }
      await finish("failed", null, e.message);
      run.failed.push({ psnNo: lastPayer, reason: e.message });
    }
  }
  return run;
}

/** Who carries out 自动续保授权 when the server does it on its own (audited under this name). */
export const RENEWAL_SWEEP_ACTOR: Actor = { id: "renewal-sweep", role: "operator", programId: "*" };

/**
 * Every program that follows another and whose enrollment window is open now: its pending 自动续保授权
 * carried out (renewProgram, idempotent). `hmb serve` runs this on a timer, so a resident's authorization
 * takes effect when the next window opens without anyone running `hmb program renew`; the command and the
 * operator route remain for doing it at once.
 */
export async function renewDuePrograms(ctx: PlatformContext): Promise<RenewalRun[]> {
  // programs is a small reference table (src/db/distribution.ts): reading it whole is allowed.
  const followers = await ctx.db.query<{ program_id: string }>(
    "select program_id from programs where follows_program_id is not null order by program_id",
  );
  const runs: RenewalRun[] = [];
  for (const { program_id } of followers) {
    const program = await loadProgram(ctx, program_id);
    if (!windowOpen(ctx, productOf(program))) continue;
    runs.push(await renewProgram(ctx, RENEWAL_SWEEP_ACTOR, program_id));
  }
  return runs;
}
