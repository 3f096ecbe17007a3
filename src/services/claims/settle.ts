/**
 * Settling a claim: one settlement record adjudicated against the person's policy, exactly once.
 *
 * Every path that pays (one-stop at the hospital counter, online, counter review, special drugs) comes
 * through `settleClaim`, which asks coverage.ts what the person's policy pays and guarantees:
 *  - a record is adjudicated once however many times it arrives: the claims and medical_records keys are
 *    (program, setl_id), and a record already settled is answered from what was stored (same content) or
 *    refused (409);
 *  - one policy's claims are adjudicated one after another and never share a deductible or overrun a cap:
 *    each writes the policy's accumulators with seq + 1, and only over the state it read;
 *  - the record, the claim, its event, the new accumulators and the payout journal are stored together.
 * Two ways to get there, same outcome: optimistic (one-stop: read without locks, one atomic write that
 * applies only if the accumulators' seq is still as read, else read again) and locked (with a precheck, or
 * after repeated conflicts: the setl_id's advisory lock, then the accumulator row FOR UPDATE, in one
 * transaction). Revocation takes the locks and subtracts exactly what the claim added.
 */

import type { ClaimView, SettlementResponse } from "../../contract/settlement.js";
import { groupCommitted, prepared, type Queryable, sqlStateOf, UNIQUE_VIOLATION } from "../../db/database.js";
import type { JournalKind, Leg } from "../../domain/ledger.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { latestPossibleSettlement, parseSettlement, type Settlement } from "../../domain/settlement.js";
import type { Adjudication } from "../../engine/adjudicate.js";
import { toWireLine } from "../../engine/wire.js";
import { matchAfterSettlement } from "../aid/match.js";
import { reverseClaimAid } from "../aid/payments.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { JOURNAL_COLUMNS, journalLegs, PROGRAM_SHARES_JSON, postJournal, sharesFromJson } from "../ledger.js";
import { claimRollupSql } from "../oversight/claim-rollup.js";
import {
  type CoverageRow,
  type CoverageState,
  type CoverageStateRow,
  coverageReadSql,
  giveBack,
  lockCoverageState,
  type PolicyInForce,
  payout,
  policyInForce,
  stateFromRead,
  writeBackSql,
} from "./coverage.js";
import {
  contentHash,
  MEDICAL_RECORD_COLUMNS,
  medicalRecordValues,
  type RecordSource,
  setlIdConflict,
} from "./records.js";
import { SqlParams } from "./sql-params.js";

export type ClaimKind = "one_stop" | "online" | "counter" | "special_drug";
export type Payee = "hospital" | "resident";

/** The settlement API's answer and a claim read back are the wire contract's types (src/contract/settlement.ts). */
export type { ClaimView, SettlementResponse };

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

export function journalIdOf(setlId: string, what: "payout" | "reversal"): string {
  return what === "payout" ? `claim:${setlId}` : `claim-revoke:${setlId}`;
}

function payableAccount(payee: Payee) {
  return payee === "hospital" ? "liability:claims_payable_hospital" : "liability:claims_payable_resident";
}

/** Serializes everything that touches one setl_id (settle, revoke) for the length of the transaction. */
const LOCK_SETL_ID = prepared("select pg_advisory_xact_lock(hashtextextended($1, 7263005))");

const setlLockKey = (programId: string, setlId: string) => `claim:${programId.length}:${programId}:${setlId}`;

export async function lockSetlId(tx: Queryable, programId: string, setlId: string): Promise<void> {
  await tx.query(LOCK_SETL_ID, [setlLockKey(programId, setlId)]);
}

/**
 * Everything settleClaim reads before adjudicating, in one round trip (it runs after the setl_id lock, so
 * it sees whatever an earlier holder of that lock committed): an earlier claim on the setl_id, a record
 * already stored under it, the program's co-insurer shares, and the person's coverage (coverage.ts).
 */
const SETTLE_COLUMNS = [
  `(select json_build_object('response', c.response, 'hmb_pay_fen', c.hmb_pay_fen)
          from claims c where c.program_id = $1 and c.setl_id = $2) as earlier`,
  "(select content_hash from medical_records where program_id = $1 and setl_id = $2) as stored_hash",
  `${PROGRAM_SHARES_JSON} as shares`,
];
const SETTLE_READ = prepared(
  coverageReadSql({ program: "$1", psnNo: "$3", columns: SETTLE_COLUMNS, state: false }),
);

interface SettleRead extends CoverageRow {
  readonly earlier: { response: SettlementResponse; hmb_pay_fen: number } | null;
  /** The content hash of the record stored under the setl_id, if any. */
  readonly stored_hash: string | null;
  readonly shares: [string, number, boolean][] | null;
}

/**
 * SETTLE_READ plus the policy's accumulators and the person's history, taking no lock: the read of an
 * optimistic settlement (one-stop, no precheck). Its write then applies only if the accumulators are
 * still what was read (same seq) — see settleClaim.
 */
const SETTLE_READ_UNLOCKED = prepared(
  coverageReadSql({ program: "$1", psnNo: "$3", columns: SETTLE_COLUMNS, state: true }),
);

type SettleReadUnlocked = SettleRead & CoverageStateRow;

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

function validate(record: unknown, now: Date): { raw: Record<string, unknown>; s: Settlement } {
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    throw new ServiceError("invalid", "invalid_json", "请求体应为一条结算记录（JSON 对象）");
  }
  const bad = unstorableAt(record);
  if (bad !== undefined) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `${bad}: 含有 NUL、不成对的代理字符或嵌套超过 ${MAX_RECORD_DEPTH} 层`,
      bad,
    );
  }
  // Settled after the business clock is impossible; what is kept (and hashed) is the national fields only.
  const parsed = parseSettlement(record, { notAfter: latestPossibleSettlement(now.getTime()) });
  if (!parsed.ok)
    throw new ServiceError("invalid", parsed.error.code, parsed.error.message, parsed.error.field);
  return { raw: parsed.record, s: parsed.settlement };
}

/** The earlier answer to a setl_id already settled; 409 when the record sent now differs from it. */
function replayFrom(read: SettleRead, setlId: string, hash: string | undefined): ClaimOutcome {
  const earlier = read.earlier as NonNullable<SettleRead["earlier"]>;
  // Without a hash the caller settles a record the platform already holds (online, counter): nothing to compare.
  if (hash !== undefined && read.stored_hash !== null && read.stored_hash !== hash)
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

/** A settlement record on its way in: validated, hashed, timed. */
interface Arrival {
  readonly ctx: PlatformContext;
  readonly actor: Actor;
  readonly input: ClaimInput;
  readonly raw: Record<string, unknown>;
  readonly s: Settlement;
  readonly hash: string;
  readonly now: Date;
}

/** Optimistic tries before a settlement takes the locks (a policy settled very often at once). */
const OPTIMISTIC_TRIES = 4;

export async function settleClaim(
  ctx: PlatformContext,
  actor: Actor,
  input: ClaimInput,
): Promise<ClaimOutcome> {
  const outcome = await settleOnce(ctx, actor, input);
  // Aid (issue 15) after the settlement, in its own transaction and never inside the settle statement: one cached
  // check when the program has no aid programs. A failure leaves the settlement as answered; `hmb aid match`
  // repairs it (so does a replay of the same record).
  await matchAfterSettlement(ctx, actor, input.programId, outcome.response.setl_id).catch(() => undefined);
  return outcome;
}

async function settleOnce(ctx: PlatformContext, actor: Actor, input: ClaimInput): Promise<ClaimOutcome> {
  const now = ctx.clock.now();
  const { raw, s } = validate(input.record, now);
  if (input.institution !== undefined && s.institutionCode !== input.institution) {
    throw new ServiceError(
      "forbidden",
      "institution_mismatch",
      `记录的 fixmedins_code ${s.institutionCode} 不是签名机构 ${input.institution}`,
      "fixmedins_code",
    );
  }
  const arrival: Arrival = {
    ctx,
    actor,
    input,
    raw,
    s,
    hash: contentHash(ctx.keys, raw),
    now,
  };
  // A settlement is mostly round trips. Without a precheck it takes two statements and no lock: one read
  // (claim already made? record already stored? policy, accumulators, history) and one write that applies
  // only if the accumulators are still as read — another settlement or revocation of the policy in between
  // bumped their seq, so this one reads again. The write is atomic (one statement, committed on its own):
  // a setl_id settled meanwhile makes its inserts fail on the claims or medical_records key, and the next
  // read answers from what was stored (replay or 409). After a few tries, or with a precheck, the locked way.
  if (input.precheck === undefined) {
    for (let tries = 0; tries < OPTIMISTIC_TRIES; tries++) {
      const outcome = await retryOnDuplicate(() => settleOptimistically(arrival));
      if (outcome !== undefined) return outcome;
    }
  }
  return retryOnDuplicate(() => settleLocked(arrival));
}

/**
 * Runs `work` again when it lost a race on the claims or medical_records key: the next read finds what the
 * winner stored. Once more is normally enough; a third try covers a record and a claim stored by two
 * different writers in between.
 */
const MAX_DUPLICATE_ATTEMPTS = 3;

async function retryOnDuplicate<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (attempt >= MAX_DUPLICATE_ATTEMPTS || sqlStateOf(e) !== UNIQUE_VIOLATION) throw e;
    }
  }
}

/** Undefined when the policy's accumulators changed between the read and the write. */
async function settleOptimistically(a: Arrival): Promise<ClaimOutcome | undefined> {
  const { ctx, input, s } = a;
  const read = (
    await ctx.db.query<SettleReadUnlocked>(SETTLE_READ_UNLOCKED, [input.programId, s.setlId, s.psnNo])
  )[0];
  if (read === undefined) throw new Error("settlement read returned no row");
  if (read.earlier !== null)
    return replayFrom(read, s.setlId, input.source === undefined ? undefined : a.hash);
  if (input.source !== undefined && read.stored_hash !== null && read.stored_hash !== a.hash)
    throw setlIdConflict(s.setlId);
  const policy = await policyInForce(ctx, ctx.db, read, s, input.programId);
  // A family's shared pools are written only under their lock (coverage.ts): the locked way.
  if (policy?.familyKey !== undefined) return settleLocked(a);
  // The write commits on its own; under load it shares a commit with the writes submitted beside it.
  return writeClaim(
    groupCommitted(ctx.db),
    a,
    read,
    policy,
    policy === undefined ? undefined : stateFromRead(read),
  );
}

async function settleLocked(a: Arrival): Promise<ClaimOutcome> {
  const { ctx, input, s } = a;
  const programId = input.programId;
  return ctx.db.transaction(async (tx) => {
    await lockSetlId(tx, programId, s.setlId);
    const read = (await tx.query<SettleRead>(SETTLE_READ, [programId, s.setlId, s.psnNo]))[0];
    if (read === undefined) throw new Error("settlement read returned no row");
    if (read.earlier !== null)
      return replayFrom(read, s.setlId, input.source === undefined ? undefined : a.hash);
    if (input.precheck !== undefined) await input.precheck(s, tx);
    // A record stored under this setl_id (by the bureau's feed, a counter case) must be this one.
    if (input.source !== undefined && read.stored_hash !== null && read.stored_hash !== a.hash)
      throw setlIdConflict(s.setlId);
    const policy = await policyInForce(ctx, tx, read, s, programId);
    const cover =
      policy === undefined ? undefined : await lockCoverageState(tx, programId, s.psnNo, policy, a.now);
    const outcome = await writeClaim(tx, a, read, policy, cover);
    if (outcome === undefined) throw new Error(`claim ${s.setlId}: locked accumulators changed`);
    return outcome;
  });
}

interface WriteShape {
  /** How the accumulators are written: not at all (no policy), updated if seq is as read, or created. */
  acc: "none" | "update" | "insert";
  /** The record came with the request and is not stored yet. */
  record: boolean;
  /** A payout journal is posted (one row per co-insurer). */
  journal: boolean;
}

/**
 * Adjudicates and stores the claim in one statement: the record (when it came with the request and is not
 * stored yet), the accumulators, the claim, its first event, the day's oversight rollup and the payout journal. With a policy, every
 * insert reads `from acc`, so it inserts its row exactly when the accumulators' update (or creation) took
 * effect, which requires seq to be what was read; undefined when it was not.
 */
async function writeClaim(
  q: Queryable,
  a: Arrival,
  read: SettleRead,
  policy: PolicyInForce | undefined,
  cover: CoverageState | undefined,
): Promise<ClaimOutcome | undefined> {
  const { input, s, now } = a;
  const programId = input.programId;
  const { adjudication, state, familyState, paidTotalAfter } = payout(s, policy, cover);
  const gated = policy !== undefined && cover !== undefined && state !== undefined;
  const seq = gated ? cover.seq + 1 : null;
  const response = responseOf(s, policy?.policyNo ?? null, adjudication);
  const shape: WriteShape = {
    acc: !gated ? "none" : cover.exists ? "update" : "insert",
    record: input.source !== undefined && read.stored_hash === null,
    journal: adjudication.hmbPay > 0,
  };

  const p = new SqlParams();
  const program = p.add(programId);
  const setlId = p.add(s.setlId);
  const policyNo = p.add(policy?.policyNo ?? null);
  const actor = p.add(a.actor.id);
  const at = p.add(now);
  const insert = (table: string, columns: string, values: readonly string[], tail = "") =>
    gated
      ? `insert into ${table} (${columns}) select ${values.join(",")} from acc${tail}`
      : `insert into ${table} (${columns}) values (${values.join(",")})${tail}`;
  const parts: string[] = [];
  if (gated) parts.push(writeBackSql(p, { program, policyNo, at }, policy, cover, state, familyState));
  const claim = [
    program,
    setlId,
    p.add(input.kind),
    p.add(s.psnNo),
    policyNo,
    p.add(s.institutionCode),
    p.add(adjudication.status),
    p.add(adjudication.reason ?? null),
    p.add(adjudication.hmbPay),
    p.add(s.personBurden),
    p.add(input.payee),
    p.add(JSON.stringify(adjudication)),
    p.add(JSON.stringify(response)),
    p.add(seq),
    "'settled'",
    actor,
    at,
    "true",
  ];
  const eventData = JSON.stringify({
    kind: input.kind,
    status: adjudication.status,
    hmb_pay: response.hmb_pay,
  });
  parts.push(
    `claim as (${insert(
      "claims",
      "program_id, setl_id, kind, psn_no, policy_no, fixmedins_code, status, reason, hmb_pay_fen, psn_part_amt_fen, payee, adjudication, response, seq, state, actor, created_at, rolled_up",
      claim,
    )})`,
    // The day's oversight rollup in the same statement (the claims row is marked rolled_up, so the insert
    // trigger leaves it alone): cheaper than the trigger's PL/pgSQL, and exact, from the accumulators above.
    `rollup as (${claimRollupSql(
      p,
      program,
      {
        at: now,
        covered: adjudication.status !== "not_covered",
        psnPartFen: s.personBurden,
        hmbPayFen: adjudication.hmbPay,
        paidTotalAfter,
      },
      gated ? "acc" : undefined,
    )})`,
    `event as (${insert("claim_events", "program_id, setl_id, event, actor, at, data", [program, setlId, "'settled'", actor, at, p.add(eventData)])})`,
  );
  if (shape.record) {
    const row = medicalRecordValues(programId, a.raw, s, input.source as RecordSource, a.hash, now);
    parts.push(`record as (${insert("medical_records", MEDICAL_RECORD_COLUMNS, p.addAll(row.params))})`);
  }
  let journalRows = 0;
  if (shape.journal) {
    // The payout journal cannot exist yet: its id is the setl_id's, and no claim has that setl_id (a
    // concurrent one makes this statement fail on the claims key). So it goes in with the rest instead
    // of through postJournal's lock and lookup; the unique key still refuses a double post, and the row
    // count catches a partial one.
    const journalId = journalIdOf(s.setlId, "payout");
    const [leg] = journalLegs(
      {
        programId,
        journalId,
        kind: "claim_payout",
        ref: s.setlId,
        at: now,
        legs: [{ debit: "expense:claims", credit: payableAccount(input.payee), amount: adjudication.hmbPay }],
      },
      sharesFromJson(read.shares),
    );
    if (leg === undefined) throw new Error(`claim ${s.setlId}: no payout leg`);
    // One row per co-insurer: its code and part from two arrays, the rest shared (one leg, leg 0).
    const codes = p.add(leg.parts.map((x) => x.code));
    const amounts = p.add(leg.parts.map((x) => String(x.amount)));
    parts.push(
      `journal as (insert into ledger_transfers (${JOURNAL_COLUMNS})
         select ${program}, ${p.add(journalId)}, 0, part.code, 'claim_payout', ${p.add(leg.debit)}, ${p.add(leg.credit)}, part.amount, ${p.add(leg.amount)}, ${setlId}, ${at}
           from ${gated ? "acc, " : ""}unnest(${codes}::text[], ${amounts}::bigint[]) as part (code, amount)
         on conflict (program_id, journal_id, leg, insurer_code) do nothing returning 1)`,
    );
    journalRows = leg.parts.length;
  }
  // The text follows from the shape alone (few shapes), so it is prepared like a fixed statement.
  const sql = prepared(`with ${parts.join(",\n")}
select ${gated ? "coalesce((select 1 from acc), 0)" : "1"} as applied,
       ${shape.journal ? "(select count(*) from journal)::int" : "0"} as journal_rows`);
  const written = await q.query<{ applied: number; journal_rows: number }>(sql, p.values);
  if (Number(written[0]?.applied ?? 0) !== 1) return undefined;
  if (Number(written[0]?.journal_rows ?? 0) !== journalRows)
    throw new Error(`claim ${s.setlId}: payout journal already (partly) posted`);
  return { response, replay: false, hmbPay: adjudication.hmbPay };
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

/** A revocation's answer; the amount in fen (the API writes yuan, api/present/claims.ts). */
export interface RevokeOutcome {
  setl_id: string;
  policy_no: string | null;
  state: "revoked";
  reversed: Fen;
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
    throw new ServiceError("invalid", "invalid_value", "reason 含有 NUL 或不成对的代理字符", "reason");
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    await lockSetlId(tx, programId, setlId);
    const claim = await loadClaim(tx, programId, setlId);
    assertCanSee(actor, claim, setlId);
    if (actor.role === "resident") throw new ServiceError("forbidden", "forbidden", "参保人不能撤销结算");
    const outcome = (at: Date): RevokeOutcome => ({
      setl_id: setlId,
      policy_no: claim.policy_no,
      state: "revoked",
      reversed: Number(claim.hmb_pay_fen),
      revoked_at: at.toISOString(),
    });
    if (claim.state === "revoked") return outcome(new Date(claim.revoked_at as Date));
    const revokedSeq =
      claim.policy_no === null
        ? null
        : await giveBack(tx, programId, claim.policy_no, claim.adjudication, now);
    await tx.query(
      `update claims set state = 'revoked', revoked_seq = $3, revoked_at = $4, revoke_reason = $5
        where program_id = $1 and setl_id = $2`,
      [programId, setlId, revokedSeq, now, reason ?? null],
    );
    await addClaimEvent(tx, programId, setlId, "revoked", actor, now, { reason: reason ?? null });
    // Its aid goes back to the funds in the same transaction: a revoked claim never keeps aid (issue 15).
    await reverseClaimAid(tx, actor, programId, setlId, now);
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
  const institution = await ctx.db.query<{ name: string }>(
    "select name from institutions where program_id = $1 and fixmedins_code = $2",
    [programId, claim.fixmedins_code],
  );
  // Every read of a person's claim is audited: staff, the sending institution and the resident alike.
  await audit(ctx.db, actor, programId, "claim.read", setlId);
  return {
    ...claim.response,
    kind: claim.kind,
    psn_no: claim.psn_no,
    fixmedins_code: claim.fixmedins_code,
    fixmedins_name: institution[0]?.name ?? null,
    state: claim.state,
    settled_at: new Date(claim.created_at).toISOString(),
    revoked_at: claim.revoked_at === null ? null : new Date(claim.revoked_at).toISOString(),
    revoke_reason: claim.revoke_reason,
    events: events.map((e) => ({ event: e.event, at: new Date(e.at).toISOString(), data: e.data })),
  };
}
