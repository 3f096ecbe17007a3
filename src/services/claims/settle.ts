/**
 * Settling a claim: one settlement record adjudicated against the person's policy, exactly once.
 *
 * Every path that pays (one-stop at the hospital counter, online, counter review, special drugs) comes
 * through `settleClaim`, which in one transaction:
 *  1. takes a lock on the setl_id, so a record is adjudicated once however many times it arrives;
 *     a record already settled is answered from what was stored (same content) or refused (409);
 *  2. takes the policy's accumulator row FOR UPDATE, so one person's claims run one after another and
 *     never share a deductible or overrun a cap;
 *  3. runs the engine, stores the record, the claim, the new accumulators and posts the payout journal.
 * Revocation takes the same two locks and subtracts exactly what the claim added.
 */
import type { Queryable } from "../../db/database.js";
import type { Cohort } from "../../domain/cohort.js";
import type { JournalKind, Leg } from "../../domain/ledger.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { parseSettlement, type Settlement } from "../../domain/settlement.js";
import {
  type AccumulatorsJson,
  accumulatorsFromJson,
  accumulatorsToJson,
  emptyAccumulators,
} from "../../engine/accumulators.js";
import { type Adjudication, adjudicate, notCovered, revoke } from "../../engine/adjudicate.js";
import { type CompiledPlan, compilePlan } from "../../engine/compile.js";
import { derivePreExisting } from "../../engine/preexisting.js";
import { toWireLine, type WireLine } from "../../engine/wire.js";
import { blindIndex } from "../../platform/crypto.js";
import { getProduct } from "../../products/index.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { postJournal } from "../ledger.js";
import {
  contentHash,
  historyFacts,
  type RecordSource,
  setlIdConflict,
  storeMedicalRecord,
} from "./records.js";

export type ClaimKind = "one_stop" | "online" | "counter" | "special_drug";
export type Payee = "hospital" | "resident";

/** The settlement API's response body (issue 4 contract): national names, yuan strings. */
export interface SettlementResponse {
  setl_id: string;
  policy_no: string | null;
  status: "paid" | "zero" | "not_covered";
  reason?: string;
  hmb_pay: string;
  psn_part_amt: string;
  psn_remaining: string;
  lines: WireLine[];
}

export interface ClaimInput {
  readonly programId: string;
  /** The wire record (parsed JSON body); validated here. */
  readonly record: unknown;
  readonly kind: ClaimKind;
  readonly payee: Payee;
  /** Where the record came from; `undefined` when the caller has already stored it (online, counter). */
  readonly source: RecordSource | undefined;
  /** For records sent by an institution: it must be the record's fixmedins_code. */
  readonly institution?: string | undefined;
  /** Extra checks on the parsed record before anything is stored (special drugs: prescription). */
  readonly precheck?: ((s: Settlement, tx: Queryable) => Promise<void>) | undefined;
}

export interface ClaimOutcome {
  readonly response: SettlementResponse;
  /** True when this call only returned what an earlier call had settled. */
  readonly replay: boolean;
  readonly hmbPay: Fen;
}

const planCache = new Map<string, CompiledPlan>();

export function planFor(productId: string, planId: string): CompiledPlan {
  const key = `${productId}\u0000${planId}`;
  let plan = planCache.get(key);
  if (plan === undefined) {
    plan = compilePlan(getProduct(productId), planId);
    planCache.set(key, plan);
  }
  return plan;
}

export function journalIdOf(setlId: string, what: "payout" | "reversal"): string {
  return what === "payout" ? `claim:${setlId}` : `claim-revoke:${setlId}`;
}

function payableAccount(payee: Payee) {
  return payee === "hospital" ? "liability:claims_payable_hospital" : "liability:claims_payable_resident";
}

/** Serializes everything that touches one setl_id (settle, revoke) for the length of the transaction. */
async function lockSetlId(tx: Queryable, programId: string, setlId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263005))", [
    `claim:${programId.length}:${programId}:${setlId}`,
  ]);
}

interface InsuredRow {
  readonly certno_bidx: Uint8Array;
  readonly cohort: string | null;
  readonly product_id: string;
  readonly policy_no: string | null;
  readonly plan_id: string | null;
  readonly coverage_start: Date | null;
  readonly coverage_end: Date | null;
  readonly cancelled_at: Date | null;
}

interface PolicyInForce {
  readonly policyNo: string;
  readonly plan: CompiledPlan;
  readonly start: number;
  readonly end: number;
  readonly cohort: Cohort | undefined;
}

/**
 * The person's issued policy (paid: pending_effective, active; or cancelled, covering until cancellation),
 * or undefined when they have none — which answers `no_policy`. A certno that does not belong to psn_no is
 * refused: paying on a mistyped identity is worse than refusing it.
 */
async function policyInForce(
  ctx: PlatformContext,
  tx: Queryable,
  programId: string,
  s: Settlement,
): Promise<PolicyInForce | undefined> {
  const rows = await tx.query<InsuredRow>(
    `select r.certno_bidx, r.cohort, g.product_id, p.policy_no, p.plan_id, p.coverage_start, p.coverage_end,
            p.cancelled_at
       from roster_persons r
       join programs g on g.program_id = r.program_id
       left join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
            and p.status in ('pending_effective', 'active', 'cancelled')
      where r.program_id = $1 and r.psn_no = $2`,
    [programId, s.psnNo],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  if (!Buffer.from(row.certno_bidx).equals(blindIndex(ctx.keys, s.certno))) {
    throw new ServiceError(400, "certno_mismatch", `certno 与 psn_no ${s.psnNo} 的参保登记不符`, "certno");
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
  return {
    policyNo: row.policy_no,
    plan: planFor(row.product_id, row.plan_id),
    start,
    end,
    cohort: (row.cohort ?? undefined) as Cohort | undefined,
  };
}

/** Locks and reads the policy's accumulators, creating them on the policy's first claim. */
async function lockAccumulators(
  tx: Queryable,
  programId: string,
  policy: PolicyInForce,
  at: Date,
): Promise<{ state: AccumulatorsJson; seq: number }> {
  const select = () =>
    tx.query<{ state: AccumulatorsJson; seq: number }>(
      "select state, seq from policy_accumulators where program_id = $1 and policy_no = $2 for update",
      [programId, policy.policyNo],
    );
  let rows = await select();
  if (rows[0] === undefined) {
    await tx.query(
      `insert into policy_accumulators (program_id, policy_no, plan_id, state, seq, updated_at)
       values ($1, $2, $3, $4, 0, $5) on conflict do nothing`,
      [
        programId,
        policy.policyNo,
        policy.plan.planId,
        JSON.stringify(accumulatorsToJson(emptyAccumulators(policy.plan))),
        at,
      ],
    );
    rows = await select();
  }
  const row = rows[0];
  if (row === undefined) throw new Error(`accumulators of ${policy.policyNo} vanished`);
  return { state: row.state, seq: Number(row.seq) };
}

function responseOf(s: Settlement, policyNo: string | null, a: Adjudication): SettlementResponse {
  const base = {
    setl_id: s.setlId,
    policy_no: policyNo,
    status: a.status,
    hmb_pay: formatYuan(a.hmbPay),
    psn_part_amt: formatYuan(s.personBurden),
    psn_remaining: formatYuan(s.personBurden - a.hmbPay),
    lines: a.lines.map((l) => toWireLine(l)),
  };
  return a.reason === undefined ? base : { ...base, reason: a.reason };
}

function validate(record: unknown): { raw: Record<string, unknown>; s: Settlement } {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new ServiceError(400, "invalid_json", "请求体应为一条结算记录（JSON 对象）");
  }
  const parsed = parseSettlement(record);
  if (!parsed.ok) throw new ServiceError(400, parsed.error.code, parsed.error.message, parsed.error.field);
  return { raw: record as Record<string, unknown>, s: parsed.settlement };
}

async function replayOf(
  tx: Queryable,
  programId: string,
  setlId: string,
  hash: string | undefined,
): Promise<ClaimOutcome | undefined> {
  const rows = await tx.query<{
    response: SettlementResponse;
    hmb_pay_fen: number;
    content_hash: string | null;
  }>(
    `select c.response, c.hmb_pay_fen, m.content_hash from claims c
       left join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
      where c.program_id = $1 and c.setl_id = $2`,
    [programId, setlId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  // Without a hash the caller settles a record the platform already holds (online, counter): nothing to compare.
  if (hash !== undefined && row.content_hash !== null && row.content_hash !== hash)
    throw setlIdConflict(setlId);
  return { response: row.response, replay: true, hmbPay: Number(row.hmb_pay_fen) };
}

export async function settleClaim(
  ctx: PlatformContext,
  actor: Actor,
  input: ClaimInput,
): Promise<ClaimOutcome> {
  const { raw, s } = validate(input.record);
  if (input.institution !== undefined && s.institutionCode !== input.institution) {
    throw new ServiceError(
      403,
      "institution_mismatch",
      `记录的 fixmedins_code ${s.institutionCode} 不是签名机构 ${input.institution}`,
      "fixmedins_code",
    );
  }
  const hash = contentHash(ctx.keys, raw);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    await lockSetlId(tx, input.programId, s.setlId);
    const earlier = await replayOf(
      tx,
      input.programId,
      s.setlId,
      input.source === undefined ? undefined : hash,
    );
    if (earlier !== undefined) return earlier;
    if (input.precheck !== undefined) await input.precheck(s, tx);
    if (input.source !== undefined)
      await storeMedicalRecord(tx, ctx.keys, input.programId, raw, s, input.source, now);

    const policy = await policyInForce(ctx, tx, input.programId, s);
    let adjudication: Adjudication;
    let seq: number | null = null;
    if (policy === undefined) {
      adjudication = notCovered(s, "no_policy");
    } else {
      const locked = await lockAccumulators(tx, input.programId, policy, now);
      const acc = accumulatorsFromJson(policy.plan, locked.state);
      const history = await historyFacts(tx, input.programId, s.psnNo, new Date(policy.start));
      const terms = {
        coverage: { start: policy.start, end: policy.end },
        cohort: policy.cohort,
        preExisting: derivePreExisting(policy.plan, policy.start, history),
      };
      adjudication = adjudicate(policy.plan, terms, acc, s);
      seq = locked.seq + 1;
      await tx.query(
        "update policy_accumulators set state = $3, seq = $4, updated_at = $5 where program_id = $1 and policy_no = $2",
        [input.programId, policy.policyNo, JSON.stringify(accumulatorsToJson(acc)), seq, now],
      );
    }
    const response = responseOf(s, policy?.policyNo ?? null, adjudication);
    await tx.query(
      `insert into claims (program_id, setl_id, kind, psn_no, policy_no, fixmedins_code, status, reason, hmb_pay_fen,
         psn_part_amt_fen, payee, adjudication, response, seq, state, actor, created_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'settled',$15,$16)`,
      [
        input.programId,
        s.setlId,
        input.kind,
        s.psnNo,
        policy?.policyNo ?? null,
        s.institutionCode,
        adjudication.status,
        adjudication.reason ?? null,
        adjudication.hmbPay,
        s.personBurden,
        input.payee,
        JSON.stringify(adjudication),
        JSON.stringify(response),
        seq,
        actor.id,
        now,
      ],
    );
    await addClaimEvent(tx, input.programId, s.setlId, "settled", actor, now, {
      kind: input.kind,
      status: adjudication.status,
      hmb_pay: response.hmb_pay,
    });
    if (adjudication.hmbPay > 0) {
      await postClaimJournal(tx, input.programId, s.setlId, "claim_payout", now, {
        debit: "expense:claims",
        credit: payableAccount(input.payee),
        amount: adjudication.hmbPay,
      });
    }
    return { response, replay: false, hmbPay: adjudication.hmbPay };
  });
}

async function postClaimJournal(
  tx: Queryable,
  programId: string,
  setlId: string,
  kind: Extract<JournalKind, "claim_payout" | "claim_reversal">,
  at: Date,
  leg: Leg,
): Promise<void> {
  await postJournal(tx, {
    programId,
    journalId: journalIdOf(setlId, kind === "claim_payout" ? "payout" : "reversal"),
    kind,
    ref: setlId,
    at,
    legs: [leg],
  });
}

export async function addClaimEvent(
  tx: Queryable,
  programId: string,
  setlId: string,
  event: string,
  actor: Actor,
  at: Date,
  data: Record<string, unknown> = {},
): Promise<void> {
  await tx.query(
    "insert into claim_events (program_id, setl_id, event, actor, at, data) values ($1,$2,$3,$4,$5,$6)",
    [programId, setlId, event, actor.id, at, JSON.stringify(data)],
  );
}

interface ClaimRow {
  setl_id: string;
  kind: ClaimKind;
  psn_no: string;
  policy_no: string | null;
  fixmedins_code: string;
  status: string;
  hmb_pay_fen: number;
  payee: Payee;
  adjudication: Adjudication;
  response: SettlementResponse;
  state: "settled" | "revoked";
  revoked_at: Date | null;
  revoke_reason: string | null;
  created_at: Date;
}

const CLAIM_COLUMNS =
  "setl_id, kind, psn_no, policy_no, fixmedins_code, status, hmb_pay_fen, payee, adjudication, response, state, revoked_at, revoke_reason, created_at";

async function loadClaim(
  q: Queryable,
  programId: string,
  setlId: string,
  forUpdate = false,
): Promise<ClaimRow> {
  const rows = await q.query<ClaimRow>(
    `select ${CLAIM_COLUMNS} from claims where program_id = $1 and setl_id = $2${forUpdate ? " for update" : ""}`,
    [programId, setlId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`结算 ${setlId}`, "setl_id");
  return row;
}

/** Institutions see what they sent, residents their own, staff everything; others learn nothing (404). */
function assertCanSee(actor: Actor, row: ClaimRow, setlId: string): void {
  const staff = actor.role === "operator" || actor.role === "admin";
  const sender = actor.role === "hospital" && actor.id === row.fixmedins_code;
  const owner = actor.role === "resident" && actor.psnNo === row.psn_no;
  if (!staff && !sender && !owner) throw notFound(`结算 ${setlId}`, "setl_id");
}

export interface RevokeOutcome {
  setl_id: string;
  policy_no: string | null;
  state: "revoked";
  reversed: string;
  revoked_at: string;
}

/**
 * 结算撤销: reverses the payout and gives the accumulators back. Revoking twice answers the first revocation.
 * A corrected record is then settled under a new setl_id.
 */
export async function revokeClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  setlId: string,
  reason: string | undefined,
): Promise<RevokeOutcome> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    await lockSetlId(tx, programId, setlId);
    const claim = await loadClaim(tx, programId, setlId);
    assertCanSee(actor, claim, setlId);
    if (actor.role === "resident") throw new ServiceError(403, "forbidden", "参保人不能撤销结算");
    const outcome = (at: Date): RevokeOutcome => ({
      setl_id: setlId,
      policy_no: claim.policy_no,
      state: "revoked",
      reversed: formatYuan(Number(claim.hmb_pay_fen)),
      revoked_at: at.toISOString(),
    });
    if (claim.state === "revoked") return outcome(new Date(claim.revoked_at as Date));
    let revokedSeq: number | null = null;
    if (claim.policy_no !== null) {
      const rows = await tx.query<{
        state: AccumulatorsJson;
        seq: number;
        plan_id: string;
        product_id: string;
      }>(
        `select a.state, a.seq, a.plan_id, g.product_id from policy_accumulators a
           join programs g on g.program_id = a.program_id
          where a.program_id = $1 and a.policy_no = $2 for update of a`,
        [programId, claim.policy_no],
      );
      const row = rows[0];
      if (row === undefined) throw new Error(`claim ${setlId}: accumulators of ${claim.policy_no} missing`);
      const plan = planFor(row.product_id, row.plan_id);
      const acc = accumulatorsFromJson(plan, row.state);
      revoke(plan, acc, claim.adjudication);
      revokedSeq = Number(row.seq) + 1;
      await tx.query(
        "update policy_accumulators set state = $3, seq = $4, updated_at = $5 where program_id = $1 and policy_no = $2",
        [programId, claim.policy_no, JSON.stringify(accumulatorsToJson(acc)), revokedSeq, now],
      );
    }
    await tx.query(
      `update claims set state = 'revoked', revoked_seq = $3, revoked_at = $4, revoke_reason = $5
        where program_id = $1 and setl_id = $2`,
      [programId, setlId, revokedSeq, now, reason ?? null],
    );
    await addClaimEvent(tx, programId, setlId, "revoked", actor, now, { reason: reason ?? null });
    const paid = Number(claim.hmb_pay_fen);
    if (paid > 0) {
      await postClaimJournal(tx, programId, setlId, "claim_reversal", now, {
        debit: payableAccount(claim.payee),
        credit: "expense:claims",
        amount: paid,
      });
    }
    return outcome(now);
  });
}

export interface ClaimView extends SettlementResponse {
  kind: ClaimKind;
  psn_no: string;
  fixmedins_code: string;
  state: "settled" | "revoked";
  settled_at: string;
  revoked_at: string | null;
  revoke_reason: string | null;
  events: { event: string; at: string; data: unknown }[];
}

export async function getClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  setlId: string,
): Promise<ClaimView> {
  const claim = await loadClaim(ctx.db, programId, setlId);
  assertCanSee(actor, claim, setlId);
  const events = await ctx.db.query<{ event: string; at: Date; data: unknown }>(
    "select event, at, data from claim_events where program_id = $1 and setl_id = $2 order by event_no",
    [programId, setlId],
  );
  if (actor.role === "operator" || actor.role === "admin")
    await audit(ctx.db, actor, programId, "claim.read", setlId);
  return {
    ...claim.response,
    kind: claim.kind,
    psn_no: claim.psn_no,
    fixmedins_code: claim.fixmedins_code,
    state: claim.state,
    settled_at: new Date(claim.created_at).toISOString(),
    revoked_at: claim.revoked_at === null ? null : new Date(claim.revoked_at).toISOString(),
    revoke_reason: claim.revoke_reason,
    events: events.map((e) => ({ event: e.event, at: new Date(e.at).toISOString(), data: e.data })),
  };
}
