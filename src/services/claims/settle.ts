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
import type { Queryable, SqlParam } from "../../db/database.js";
import type { Cohort } from "../../domain/cohort.js";
import type { JournalKind, Leg } from "../../domain/ledger.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { type FundPayments, parseSettlement, type Settlement } from "../../domain/settlement.js";
import {
  type AccumulatorsJson,
  accumulatorsFromJson,
  accumulatorsToJson,
  emptyAccumulators,
} from "../../engine/accumulators.js";
import { type Adjudication, adjudicate, notCovered, revoke } from "../../engine/adjudicate.js";
import { type CompiledPlan, compilePlan } from "../../engine/compile.js";
import { derivePreExisting, type HistoryFacts } from "../../engine/preexisting.js";
import { toWireLine, type WireLine } from "../../engine/wire.js";
import { blindIndex } from "../../platform/crypto.js";
import { getProduct } from "../../products/index.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import {
  JOURNAL_COLUMNS,
  journalValues,
  PROGRAM_SHARES_JSON,
  postJournal,
  sharesFromJson,
} from "../ledger.js";
import {
  contentHash,
  historyFacts,
  medicalRecordValues,
  type RecordSource,
  setlIdConflict,
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
export async function lockSetlId(tx: Queryable, programId: string, setlId: string): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263005))", [
    `claim:${programId.length}:${programId}:${setlId}`,
  ]);
}

interface InsuredRow {
  /** Null when psn_no is not on the roster. */
  readonly certno_bidx: Uint8Array | null;
  readonly cohort: string | null;
  readonly product_id: string | null;
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
function policyInForce(ctx: PlatformContext, row: InsuredRow, s: Settlement): PolicyInForce | undefined {
  if (row.certno_bidx === null || row.product_id === null) return undefined;
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

/**
 * Everything settleClaim reads before adjudicating, in one round trip (it runs after the setl_id lock, so
 * it sees whatever an earlier holder of that lock committed): an earlier claim on the setl_id, a record
 * already stored under it, the person's roster entry and policy, and the program's co-insurer shares.
 */
const SETTLE_READ = `
select (select json_build_object('response', c.response, 'hmb_pay_fen', c.hmb_pay_fen, 'content_hash', m.content_hash)
          from claims c
          left join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
         where c.program_id = $1 and c.setl_id = $2) as earlier,
       (select content_hash from medical_records where program_id = $1 and setl_id = $2) as stored_hash,
       r.certno_bidx, r.cohort, g.product_id, p.policy_no, p.plan_id, p.coverage_start, p.coverage_end,
       p.cancelled_at,
       ${PROGRAM_SHARES_JSON} as shares
  from (values (1)) as one (x)
  left join (roster_persons r
             join programs g on g.program_id = r.program_id
             left join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
                  and p.status in ('pending_effective', 'active', 'cancelled'))
    on r.program_id = $1 and r.psn_no = $3`;

interface SettleRead extends InsuredRow {
  readonly earlier: { response: SettlementResponse; hmb_pay_fen: number; content_hash: string | null } | null;
  readonly stored_hash: string | null;
  readonly shares: [string, number, boolean][] | null;
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
const LOCK_ACCUMULATORS = `
with created as (
       insert into policy_accumulators (program_id, policy_no, plan_id, state, seq, updated_at)
       values ($1, $2, $3, $4, 0, $5) on conflict do nothing returning seq),
     locked as (select state, seq from policy_accumulators where program_id = $1 and policy_no = $2 for update),
     seen as (select seq from policy_accumulators where program_id = $1 and policy_no = $2)
select (select count(*) from created)::int as created, (select state from locked) as state,
       (select seq from locked) as seq, (select seq from seen) as seen_seq,
       (select json_agg(json_build_array(settled_at, funds, diagnosis_code)) from medical_records
         where program_id = $1 and psn_no = $6 and settled_at < $7) as history`;

async function lockAccumulators(
  tx: Queryable,
  programId: string,
  psnNo: string,
  policy: PolicyInForce,
  at: Date,
): Promise<{ state: AccumulatorsJson | undefined; seq: number; history: HistoryFacts[] }> {
  const start = new Date(policy.start);
  const rows = await tx.query<{
    created: number;
    state: AccumulatorsJson | null;
    seq: number | null;
    seen_seq: number | null;
    history: [string, FundPayments, string | null][] | null;
  }>(LOCK_ACCUMULATORS, [
    programId,
    policy.policyNo,
    policy.plan.planId,
    emptyStateOf(policy.plan),
    at,
    psnNo,
    start,
  ]);
  const row = rows[0];
  const history = () =>
    (row?.history ?? []).map(([settledAt, funds, diagnosisCode]) => ({
      settledAt: new Date(settledAt).getTime(),
      funds,
      diagnosisCode: diagnosisCode ?? undefined,
    }));
  if (row !== undefined && row.created === 1) return { state: undefined, seq: 0, history: history() };
  if (row !== undefined && row.seq !== null && Number(row.seq) === Number(row.seen_seq))
    return { state: row.state as AccumulatorsJson, seq: Number(row.seq), history: history() };
  const again = await tx.query<{ state: AccumulatorsJson; seq: number }>(
    "select state, seq from policy_accumulators where program_id = $1 and policy_no = $2 for update",
    [programId, policy.policyNo],
  );
  if (again[0] === undefined) throw new Error(`accumulators of ${policy.policyNo} vanished`);
  return {
    state: again[0].state,
    seq: Number(again[0].seq),
    history: await historyFacts(tx, programId, psnNo, start),
  };
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

/** Deeper than any record shape (feedetail items are at depth 2): refused before canonicalJson recurses. */
const MAX_RECORD_DEPTH = 8;

/**
 * PostgreSQL text and jsonb cannot hold NUL, and unpaired UTF-16 surrogates (valid in JSON escapes) are
 * either refused by jsonb or silently turned into U+FFFD by the driver — two setl_ids would then collide.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be refused.
const UNSTORABLE_TEXT = /[\u0000\p{Cs}]/u;

/**
 * The first place in the record that cannot be stored as sent, named like parseSettlement names fields
 * (`feedetail[0].med_list_codg`); nesting too deep is blamed on the top-level field that holds it.
 */
export function unstorableAt(value: unknown, path = "", depth = 1, top = path): string | undefined {
  if (typeof value === "string") return UNSTORABLE_TEXT.test(value) ? path : undefined;
  if (value === null || typeof value !== "object") return undefined;
  if (depth > MAX_RECORD_DEPTH) return top;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const at = unstorableAt(value[i], `${path}[${i}]`, depth + 1, top);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const name = path === "" ? printable(key) : `${path}.${printable(key)}`;
    if (UNSTORABLE_TEXT.test(key)) return name;
    const at = unstorableAt(
      (value as Record<string, unknown>)[key],
      name,
      depth + 1,
      path === "" ? name : top,
    );
    if (at !== undefined) return at;
  }
  return undefined;
}

/** A field name fit to echo back: escapes as JSON writes them, at most 64 characters. */
function printable(key: string): string {
  return JSON.stringify(key).slice(1, -1).slice(0, 64);
}

/** A path parameter or free text that can reach SQL; see UNSTORABLE_TEXT. */
function storableText(text: string): boolean {
  return !UNSTORABLE_TEXT.test(text);
}

function validate(record: unknown): { raw: Record<string, unknown>; s: Settlement } {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new ServiceError(400, "invalid_json", "请求体应为一条结算记录（JSON 对象）");
  }
  const bad = unstorableAt(record);
  if (bad !== undefined) {
    throw new ServiceError(
      400,
      "invalid_value",
      `${bad}: 含有 NUL、不成对的代理字符或嵌套超过 ${MAX_RECORD_DEPTH} 层`,
      bad,
    );
  }
  const parsed = parseSettlement(record);
  if (!parsed.ok) throw new ServiceError(400, parsed.error.code, parsed.error.message, parsed.error.field);
  return { raw: record as Record<string, unknown>, s: parsed.settlement };
}

/** The earlier answer to a setl_id already settled; 409 when the record sent now differs from it. */
function replayFrom(
  earlier: NonNullable<SettleRead["earlier"]>,
  setlId: string,
  hash: string | undefined,
): ClaimOutcome {
  // Without a hash the caller settles a record the platform already holds (online, counter): nothing to compare.
  if (hash !== undefined && earlier.content_hash !== null && earlier.content_hash !== hash)
    throw setlIdConflict(setlId);
  return { response: inContractOrder(earlier.response), replay: true, hmbPay: Number(earlier.hmb_pay_fen) };
}

/**
 * jsonb does not keep key order: rebuild the stored response in the order the first answer had, so a
 * replay is byte for byte the original result (hospitals may compare or sign what they received).
 */
function inContractOrder(r: SettlementResponse): SettlementResponse {
  const base = {
    setl_id: r.setl_id,
    policy_no: r.policy_no,
    status: r.status,
    hmb_pay: r.hmb_pay,
    psn_part_amt: r.psn_part_amt,
    psn_remaining: r.psn_remaining,
    lines: r.lines.map((l) => ({
      liability: l.liability,
      eligible: l.eligible,
      deductible: l.deductible,
      ratio: l.ratio,
      payout: l.payout,
      explanation: l.explanation,
    })),
  };
  return r.reason === undefined ? base : { ...base, reason: r.reason };
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
  const programId = input.programId;
  // Round trips are the cost of a settlement: lock, read, lock the policy (+ history), write — one
  // statement each. The writes go in one statement: record, accumulators, claim, event, payout journal.
  return ctx.db.transaction(async (tx) => {
    await lockSetlId(tx, programId, s.setlId);
    const read = (await tx.query<SettleRead>(SETTLE_READ, [programId, s.setlId, s.psnNo]))[0];
    if (read === undefined) throw new Error("settlement read returned no row");
    if (read.earlier !== null)
      return replayFrom(read.earlier, s.setlId, input.source === undefined ? undefined : hash);
    if (input.precheck !== undefined) await input.precheck(s, tx);
    // A record stored under this setl_id (by the bureau's feed, a counter case) must be this one.
    if (input.source !== undefined && read.stored_hash !== null && read.stored_hash !== hash)
      throw setlIdConflict(s.setlId);

    const policy = policyInForce(ctx, read, s);
    let adjudication: Adjudication;
    let seq: number | null = null;
    let accState: string | undefined;
    if (policy === undefined) {
      adjudication = notCovered(s, "no_policy");
    } else {
      const locked = await lockAccumulators(tx, programId, s.psnNo, policy, now);
      const acc =
        locked.state === undefined
          ? emptyAccumulators(policy.plan)
          : accumulatorsFromJson(policy.plan, locked.state);
      const terms = {
        coverage: { start: policy.start, end: policy.end },
        cohort: policy.cohort,
        preExisting: derivePreExisting(policy.plan, policy.start, locked.history),
      };
      adjudication = adjudicate(policy.plan, terms, acc, s);
      seq = locked.seq + 1;
      accState = JSON.stringify(accumulatorsToJson(acc));
    }
    const response = responseOf(s, policy?.policyNo ?? null, adjudication);

    const params: SqlParam[] = [
      programId,
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
      JSON.stringify({ kind: input.kind, status: adjudication.status, hmb_pay: response.hmb_pay }),
    ];
    const parts = [
      `claim as (insert into claims (program_id, setl_id, kind, psn_no, policy_no, fixmedins_code, status, reason,
         hmb_pay_fen, psn_part_amt_fen, payee, adjudication, response, seq, state, actor, created_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'settled',$15,$16))`,
      `event as (insert into claim_events (program_id, setl_id, event, actor, at, data)
       values ($1, $2, 'settled', $15, $16, $17))`,
    ];
    if (input.source !== undefined && read.stored_hash === null) {
      const row = medicalRecordValues(programId, raw, s, input.source, hash, now, params.length + 1);
      parts.push(`record as (insert into medical_records (${row.columns}) values ${row.values})`);
      params.push(...row.params);
    }
    if (policy !== undefined && accState !== undefined && seq !== null) {
      const b = params.length;
      parts.push(
        `acc as (update policy_accumulators set state = $${b + 1}, seq = $${b + 2}, updated_at = $16
          where program_id = $1 and policy_no = $5)`,
      );
      params.push(accState, seq);
    }
    let journalRows = 0;
    if (adjudication.hmbPay > 0) {
      // The payout journal cannot exist yet: its id is the setl_id's, whose lock we hold, and no claim has
      // it. So it goes in with the rest instead of through postJournal's own lock and lookup; the unique
      // key still refuses a double post, and the row count below catches a partial one.
      const journal = journalValues(
        {
          programId,
          journalId: journalIdOf(s.setlId, "payout"),
          kind: "claim_payout",
          ref: s.setlId,
          at: now,
          legs: [
            { debit: "expense:claims", credit: payableAccount(input.payee), amount: adjudication.hmbPay },
          ],
        },
        sharesFromJson(read.shares),
        params.length + 1,
      );
      parts.push(
        `journal as (insert into ledger_transfers (${JOURNAL_COLUMNS}) values ${journal.values}
          on conflict (program_id, journal_id, leg, insurer_code) do nothing returning 1)`,
      );
      params.push(...journal.params);
      journalRows = journal.rows;
    }
    const written = await tx.query<{ journal_rows: number }>(
      `with ${parts.join(",\n")}
       select ${journalRows > 0 ? "(select count(*) from journal)::int" : "0"} as journal_rows`,
      params,
    );
    if (Number(written[0]?.journal_rows ?? 0) !== journalRows)
      throw new Error(`claim ${s.setlId}: payout journal already (partly) posted`);
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
  // No stored settlement has such a setl_id; the reason must be storable as text.
  if (!storableText(setlId)) throw notFound(`结算 ${printable(setlId)}`, "setl_id");
  if (reason !== undefined && !storableText(reason))
    throw new ServiceError(400, "invalid_value", "reason 含有 NUL 或不成对的代理字符", "reason");
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
  if (!storableText(setlId)) throw notFound(`结算 ${printable(setlId)}`, "setl_id");
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
