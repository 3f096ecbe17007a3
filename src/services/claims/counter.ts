/**
 * Counter (manual) claims 柜面/手工理赔, issue 4 item 3. A resident — or an operator at the counter on their
 * behalf — transcribes a paper settlement sheet (结算单) into the national record fields and uploads the
 * invoice and the sheet; operators take cases from a queue, and approve, adjust (pay a corrected record,
 * e.g. disallowed invoice items removed) or reject them with a reason. The resident is notified of every
 * change and may appeal a rejection or an adjustment once.
 *
 * Money moves only through settleClaim, like every other claim. The case's own state changes are written
 * inside settleClaim's transaction (its `precheck` hook), so a case is marked paid exactly when its claim
 * and payout journal commit, never one without the other.
 *
 * Four eyes (四眼原则): when the engine would pay more than the program's threshold, the first approval only
 * proposes; a different operator must countersign. The amount is the engine's, computed read-only on the
 * policy's current accumulators to choose the path, and again under the policy lock inside the settling
 * transaction, so a payout that grew meanwhile (another stay took the deductible) cannot slip through with
 * one signature.
 *
 * Appeals of an adjusted case: the adjusted payout is already settled under the record's setl_id, and a
 * claim's setl_id is its primary key, so the record cannot be settled again under it. Paying only the
 * difference would leave the accumulators (deductible, caps) describing the wrong adjudication. So a granted
 * appeal revokes the earlier claim (revokeClaim: payout and accumulators reversed exactly) and settles the
 * appeal's record under `${setl_id}-A1`, stored in medical_records with source 'counter'. The two steps are
 * two transactions; the case sits in `resettling` between them, and any staff decision call on it finishes
 * the work (both steps are idempotent). A granted appeal must pay more than the decision it overturns:
 * otherwise the appeal is dismissed (reject), never turned against the resident.
 */
import { randomBytes } from "node:crypto";
import type { Queryable, SqlParam } from "../../db/database.js";
import { sqlStateOf, UNIQUE_VIOLATION } from "../../db/database.js";
import type { Cohort } from "../../domain/cohort.js";
import { type Fen, formatYuan, parseYuan } from "../../domain/money.js";
import { latestPossibleSettlement, parseSettlement, type Settlement } from "../../domain/settlement.js";
import {
  type AccumulatorsJson,
  accumulatorsFromJson,
  accumulatorsToJson,
  emptyAccumulators,
} from "../../engine/accumulators.js";
import { type Adjudication, adjudicate, notCovered, revoke } from "../../engine/adjudicate.js";
import { derivePreExisting } from "../../engine/preexisting.js";
import { blindIndex, decrypt } from "../../platform/crypto.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { notify } from "../notifications.js";
import { assertProgramExists } from "../roster.js";
import {
  type DocKind,
  type DocumentMeta,
  documentMeta,
  loadDocument,
  REQUIRED_DOC_KINDS,
  storeDocument,
} from "./documents.js";
import { historyFacts, storableRecord, storeMedicalRecord } from "./records.js";
import { addClaimEvent, lockSetlId, planFor, revokeClaim, settleClaim } from "./settle.js";

/** 50,000.00 yuan: above it a second operator countersigns, unless the program sets another amount. */
export const DEFAULT_FOUR_EYES_THRESHOLD_FEN: Fen = 5_000_000;
export const DEFAULT_APPEAL_WINDOW_DAYS = 60;
/** The setl_id suffix of an appeal's re-settled record (one appeal per case). */
export const APPEAL_SETL_SUFFIX = "-A1";
/** setl_id is at most 64 characters (domain/settlement.ts); the appeal suffix must still fit. */
const MAX_CASE_SETL_ID = 64 - APPEAL_SETL_SUFFIX.length;
const DAY_MS = 24 * 3600_000;

export const CASE_STATUSES = [
  "submitted",
  "in_review",
  "pending_second_approval",
  "resettling",
  "approved",
  "adjusted",
  "rejected",
  "appealed",
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export type Decision = "approve" | "adjust" | "reject";

/** Statuses in which an operator may still decide. */
const OPEN: readonly CaseStatus[] = ["submitted", "in_review", "appealed", "pending_second_approval"];

const isStaff = (actor: Actor) => actor.role === "operator" || actor.role === "admin";

function requireStaff(actor: Actor): void {
  if (!isStaff(actor)) throw new ServiceError("forbidden", "forbidden", "仅经办人员可以审核理赔案件");
}

/* ------------------------------------------------------------------------------------------------------------
 * Program settings
 * ---------------------------------------------------------------------------------------------------------- */

export interface CounterSettingsView {
  program_id: string;
  four_eyes_threshold: string;
  appeal_window_days: number;
  updated_by: string | null;
  updated_at: string | null;
}

interface Settings {
  thresholdFen: Fen;
  appealDays: number;
}

async function settingsOf(
  q: Queryable,
  programId: string,
): Promise<Settings & { by: string | null; at: Date | null }> {
  const rows = await q.query<{
    four_eyes_threshold_fen: string | number;
    appeal_window_days: number;
    updated_by: string;
    updated_at: Date;
  }>(
    "select four_eyes_threshold_fen, appeal_window_days, updated_by, updated_at from counter_claim_settings where program_id = $1",
    [programId],
  );
  const row = rows[0];
  if (row === undefined)
    return {
      thresholdFen: DEFAULT_FOUR_EYES_THRESHOLD_FEN,
      appealDays: DEFAULT_APPEAL_WINDOW_DAYS,
      by: null,
      at: null,
    };
  return {
    thresholdFen: Number(row.four_eyes_threshold_fen),
    appealDays: Number(row.appeal_window_days),
    by: row.updated_by,
    at: new Date(row.updated_at),
  };
}

function settingsView(programId: string, s: Awaited<ReturnType<typeof settingsOf>>): CounterSettingsView {
  return {
    program_id: programId,
    four_eyes_threshold: formatYuan(s.thresholdFen),
    appeal_window_days: s.appealDays,
    updated_by: s.by,
    updated_at: s.at === null ? null : s.at.toISOString(),
  };
}

export async function getCounterSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<CounterSettingsView> {
  requireStaff(actor);
  await assertProgramExists(ctx.db, programId);
  return settingsView(programId, await settingsOf(ctx.db, programId));
}

export async function setCounterSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: { fourEyesThreshold?: string | undefined; appealWindowDays?: number | undefined },
): Promise<CounterSettingsView> {
  if (actor.role !== "admin")
    throw new ServiceError("forbidden", "forbidden", "仅管理员可以修改理赔审核设置");
  await assertProgramExists(ctx.db, programId);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const current = await settingsOf(tx, programId);
    let thresholdFen = current.thresholdFen;
    if (input.fourEyesThreshold !== undefined) {
      const parsed = parseYuan(input.fourEyesThreshold);
      if (!parsed.ok)
        throw new ServiceError(
          "invalid",
          "invalid_amount",
          `four_eyes_threshold: ${parsed.problem}`,
          "four_eyes_threshold",
        );
      thresholdFen = parsed.fen;
    }
    const appealDays = input.appealWindowDays ?? current.appealDays;
    if (!Number.isInteger(appealDays) || appealDays < 1 || appealDays > 366)
      throw new ServiceError(
        "invalid",
        "invalid_value",
        "appeal_window_days 应为 1–366 的整数",
        "appeal_window_days",
      );
    await tx.query(
      `insert into counter_claim_settings (program_id, four_eyes_threshold_fen, appeal_window_days, updated_by, updated_at)
       values ($1,$2,$3,$4,$5)
       on conflict (program_id) do update set four_eyes_threshold_fen = excluded.four_eyes_threshold_fen,
         appeal_window_days = excluded.appeal_window_days, updated_by = excluded.updated_by,
         updated_at = excluded.updated_at`,
      [programId, thresholdFen, appealDays, actor.id, now],
    );
    await audit(tx, actor, programId, "counter_claim.settings", programId, {
      four_eyes_threshold: formatYuan(thresholdFen),
      appeal_window_days: appealDays,
    });
    return settingsView(programId, { thresholdFen, appealDays, by: actor.id, at: now });
  });
}

/* ------------------------------------------------------------------------------------------------------------
 * Cases: rows, access, views
 * ---------------------------------------------------------------------------------------------------------- */

interface CaseRow {
  case_id: string;
  setl_id: string;
  psn_no: string;
  status: CaseStatus;
  version: number;
  note: string | null;
  record: Record<string, unknown>;
  submitted_by: string;
  submitted_role: string;
  assignee: string | null;
  assigned_at: Date | null;
  pending_decision: "approve" | "adjust" | null;
  pending_record: Record<string, unknown> | null;
  pending_reason: string | null;
  pending_by: string | null;
  pending_second_by: string | null;
  pending_hmb_pay_fen: string | number | null;
  pending_at: Date | null;
  decision: Decision | null;
  decision_reason: string | null;
  decided_by: string | null;
  second_approver: string | null;
  decided_at: Date | null;
  adjusted_record: Record<string, unknown> | null;
  paid_setl_id: string | null;
  appeal_reason: string | null;
  appealed_at: Date | null;
  appealed_by: string | null;
  appeal_from: "rejected" | "adjusted" | null;
  appeal_excluded: string[] | null;
  appeal_outcome: "granted" | "dismissed" | null;
  appeal_decided_by: string | null;
  appeal_decided_at: Date | null;
  appeal_decision_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

async function loadCase(
  q: Queryable,
  programId: string,
  caseId: string,
  forUpdate = false,
): Promise<CaseRow> {
  const rows = await q.query<CaseRow>(
    `select * from counter_claims where program_id = $1 and case_id = $2${forUpdate ? " for update" : ""}`,
    [programId, caseId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`理赔案件 ${caseId}`, "case_id");
  return { ...row, version: Number(row.version) };
}

/** Staff see every case, residents their own; anyone else learns nothing, not even that the case exists. */
function assertCanSee(actor: Actor, row: CaseRow): void {
  const owner = actor.role === "resident" && actor.psnNo !== undefined && actor.psnNo === row.psn_no;
  if (!isStaff(actor) && !owner) throw notFound(`理赔案件 ${row.case_id}`, "case_id");
}

/** Locks the case for a change and refuses when it moved on since the caller looked at it. */
async function lockCase(
  tx: Queryable,
  programId: string,
  caseId: string,
  version?: number,
): Promise<CaseRow> {
  const row = await loadCase(tx, programId, caseId, true);
  if (version !== undefined && row.version !== version) {
    throw new ServiceError(
      "conflict",
      "case_changed",
      `案件 ${caseId} 已被他人更新，请刷新后重试`,
      "case_id",
    );
  }
  return row;
}

/** Writes the given columns (names from this module, never from input) and bumps the version. */
async function updateCase(
  tx: Queryable,
  programId: string,
  caseId: string,
  at: Date,
  fields: Record<string, SqlParam>,
): Promise<void> {
  const names = Object.keys(fields);
  const sets = names.map((n, i) => `${n} = $${i + 4}`);
  await tx.query(
    `update counter_claims set ${[...sets, "version = version + 1", "updated_at = $3"].join(", ")}
      where program_id = $1 and case_id = $2`,
    [programId, caseId, at, ...names.map((n) => fields[n] as SqlParam)],
  );
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

export interface CaseClaimView {
  setl_id: string;
  status: string;
  hmb_pay: string;
  state: "settled" | "revoked";
}

export interface CounterCaseView {
  case_id: string;
  setl_id: string;
  psn_no: string;
  status: CaseStatus;
  note: string | null;
  record: Record<string, unknown>;
  adjusted_record: Record<string, unknown> | null;
  documents: DocumentMeta[];
  decision: { decision: Decision; reason: string | null; decided_at: string | null } | null;
  /** Awaiting a countersignature: what was proposed and what the engine would pay. */
  pending: { decision: "approve" | "adjust"; hmb_pay: string | null; since: string | null } | null;
  /** The claim that pays this case now (null until approved). */
  payout: CaseClaimView | null;
  /** Every claim this case produced (an appeal's re-settlement revokes the first). */
  claims: CaseClaimView[];
  appeal: {
    reason: string;
    appealed_at: string | null;
    from: "rejected" | "adjusted" | null;
    outcome: "granted" | "dismissed" | null;
    decision_reason: string | null;
    decided_at: string | null;
  } | null;
  /** Appeal deadline while an appeal is still possible. */
  appeal_until: string | null;
  created_at: string;
  updated_at: string;
  events: { event: string; at: string; data: unknown }[];
  /** Staff only: who did what. */
  review?: {
    assignee: string | null;
    submitted_by: string;
    decided_by: string | null;
    second_approver: string | null;
    pending_by: string | null;
    appeal_decided_by: string | null;
    appeal_excluded: string[];
  };
}

async function viewOf(q: Queryable, programId: string, actor: Actor, row: CaseRow): Promise<CounterCaseView> {
  const setlIds = [row.setl_id, `${row.setl_id}${APPEAL_SETL_SUFFIX}`];
  const claims = await q.query<{
    setl_id: string;
    status: string;
    hmb_pay_fen: string | number;
    state: "settled" | "revoked";
  }>(
    `select setl_id, status, hmb_pay_fen, state from claims
      where program_id = $1 and setl_id in ($2, $3) and kind = 'counter' order by created_at, setl_id`,
    [programId, setlIds[0] as string, setlIds[1] as string],
  );
  const events = await q.query<{ event: string; at: Date; data: unknown }>(
    `select event, at, data from claim_events where program_id = $1 and setl_id in ($2, $3)
      order by event_no`,
    [programId, setlIds[0] as string, setlIds[1] as string],
  );
  const claimViews: CaseClaimView[] = claims.map((c) => ({
    setl_id: c.setl_id,
    status: c.status,
    hmb_pay: formatYuan(Number(c.hmb_pay_fen)),
    state: c.state,
  }));
  const settings = await settingsOf(q, programId);
  const appealable =
    (row.status === "rejected" || row.status === "adjusted") &&
    row.appealed_at === null &&
    row.decided_at !== null;
  const deadline = (d: Date | null) =>
    d === null ? null : new Date(new Date(d).getTime() + settings.appealDays * DAY_MS).toISOString();
  const view: CounterCaseView = {
    case_id: row.case_id,
    setl_id: row.setl_id,
    psn_no: row.psn_no,
    status: row.status,
    note: row.note,
    record: row.record,
    adjusted_record: row.adjusted_record,
    documents: await documentMeta(q, programId, row.case_id),
    decision:
      row.decision === null
        ? null
        : { decision: row.decision, reason: row.decision_reason, decided_at: iso(row.decided_at) },
    pending:
      row.pending_decision === null
        ? null
        : {
            decision: row.pending_decision,
            hmb_pay: row.pending_hmb_pay_fen === null ? null : formatYuan(Number(row.pending_hmb_pay_fen)),
            since: iso(row.pending_at),
          },
    payout: claimViews.find((c) => c.setl_id === row.paid_setl_id) ?? null,
    claims: claimViews,
    appeal:
      row.appeal_reason === null
        ? null
        : {
            reason: row.appeal_reason,
            appealed_at: iso(row.appealed_at),
            from: row.appeal_from,
            outcome: row.appeal_outcome,
            decision_reason: row.appeal_decision_reason,
            decided_at: iso(row.appeal_decided_at),
          },
    appeal_until: appealable ? deadline(row.decided_at) : null,
    created_at: iso(row.created_at) as string,
    updated_at: iso(row.updated_at) as string,
    events: events.map((e) => ({ event: e.event, at: new Date(e.at).toISOString(), data: e.data })),
  };
  if (isStaff(actor)) {
    view.review = {
      assignee: row.assignee,
      submitted_by: row.submitted_by,
      decided_by: row.decided_by,
      second_approver: row.second_approver,
      pending_by: row.pending_by,
      appeal_decided_by: row.appeal_decided_by,
      appeal_excluded: row.appeal_excluded ?? [],
    };
  }
  return view;
}

/* ------------------------------------------------------------------------------------------------------------
 * What the engine would pay: read-only, or under the policy lock inside the settling transaction
 * ---------------------------------------------------------------------------------------------------------- */

interface InsuredRow {
  cohort: string | null;
  product_id: string;
  policy_no: string | null;
  plan_id: string | null;
  coverage_start: Date | null;
  coverage_end: Date | null;
  cancelled_at: Date | null;
}

/**
 * The adjudication settleClaim would produce for `s` now: the same policy rule (issued policy; a
 * cancelled one covers until its cancellation), accumulators, pre-existing history and engine. With `lock`
 * the policy's accumulator row is taken FOR UPDATE (created as settleClaim creates it), so inside
 * settleClaim's transaction the answer is exactly what it will pay. `revoking` first gives back what an
 * earlier claim took, for an appeal that will revoke it.
 */
async function previewPayout(
  q: Queryable,
  programId: string,
  s: Settlement,
  options: { lock: boolean; revoking?: Adjudication | undefined; at: Date },
): Promise<Adjudication> {
  const rows = await q.query<InsuredRow>(
    `select r.cohort, g.product_id, p.policy_no, p.plan_id, p.coverage_start, p.coverage_end, p.cancelled_at
       from roster_persons r
       join programs g on g.program_id = r.program_id
       left join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
            and p.status in ('pending_effective', 'active', 'cancelled') and p.issued_at is not null
      where r.program_id = $1 and r.psn_no = $2`,
    [programId, s.psnNo],
  );
  const row = rows[0];
  if (
    row === undefined ||
    row.policy_no === null ||
    row.plan_id === null ||
    row.coverage_start === null ||
    row.coverage_end === null
  )
    return notCovered(s, "no_policy");
  const start = new Date(row.coverage_start).getTime();
  let end = new Date(row.coverage_end).getTime();
  if (row.cancelled_at !== null) end = Math.min(end, new Date(row.cancelled_at).getTime());
  if (end <= start) return notCovered(s, "no_policy");
  const plan = planFor(row.product_id, row.plan_id);
  const select = `select state from policy_accumulators where program_id = $1 and policy_no = $2${options.lock ? " for update" : ""}`;
  let acc = await q.query<{ state: AccumulatorsJson }>(select, [programId, row.policy_no]);
  if (acc[0] === undefined && options.lock) {
    // As settleClaim does on a policy's first claim: the row must exist for the lock to hold anything.
    await q.query(
      `insert into policy_accumulators (program_id, policy_no, plan_id, state, seq, updated_at)
       values ($1, $2, $3, $4, 0, $5) on conflict do nothing`,
      [
        programId,
        row.policy_no,
        plan.planId,
        JSON.stringify(accumulatorsToJson(emptyAccumulators(plan))),
        options.at,
      ],
    );
    acc = await q.query<{ state: AccumulatorsJson }>(select, [programId, row.policy_no]);
  }
  const state = acc[0] === undefined ? emptyAccumulators(plan) : accumulatorsFromJson(plan, acc[0].state);
  if (options.revoking !== undefined) revoke(plan, state, options.revoking);
  const history = await historyFacts(q, programId, s.psnNo, new Date(start));
  return adjudicate(
    plan,
    {
      coverage: { start, end },
      cohort: (row.cohort ?? undefined) as Cohort | undefined,
      preExisting: derivePreExisting(plan, start, history),
    },
    state,
    s,
  );
}

/* ------------------------------------------------------------------------------------------------------------
 * Records: validation against the roster, and the wire form rebuilt for the engine
 * ---------------------------------------------------------------------------------------------------------- */

async function rosterPerson(
  q: Queryable,
  programId: string,
  psnNo: string,
): Promise<{ certno_bidx: Uint8Array; certno_enc: Uint8Array }> {
  const rows = await q.query<{ certno_bidx: Uint8Array; certno_enc: Uint8Array }>(
    "select certno_bidx, certno_enc from roster_persons where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  const row = rows[0];
  if (row === undefined)
    throw new ServiceError(
      "unprocessable",
      "not_on_roster",
      `参保人 ${psnNo} 不在本项目参保名单中`,
      "psn_no",
    );
  return row;
}

/** `now` (the business clock) bounds setl_time for a record a person enters now; a stored one is re-read without. */
function parseRecordField(raw: Record<string, unknown>, now?: Date): Settlement {
  const parsed = parseSettlement(
    raw,
    now === undefined ? {} : { notAfter: latestPossibleSettlement(now.getTime()) },
  );
  if (!parsed.ok) {
    const field = parsed.error.field === "" ? "record" : `record.${parsed.error.field}`;
    throw new ServiceError("invalid", parsed.error.code, parsed.error.message, field);
  }
  return parsed.settlement;
}

function assertCertno(ctx: PlatformContext, bidx: Uint8Array, certno: string, psnNo: string): void {
  if (!Buffer.from(bidx).equals(blindIndex(ctx.keys, certno))) {
    throw new ServiceError(
      "invalid",
      "certno_mismatch",
      `certno 与 psn_no ${psnNo} 的参保登记不符`,
      "record.certno",
    );
  }
}

/** The stored record (no certno, no name) made whole again with the roster's certno. */
async function wireOf(
  ctx: PlatformContext,
  q: Queryable,
  programId: string,
  stored: Record<string, unknown>,
  psnNo: string,
): Promise<Record<string, unknown>> {
  const person = await rosterPerson(q, programId, psnNo);
  return { ...stored, certno: decrypt(ctx.keys, person.certno_enc) };
}

/* ------------------------------------------------------------------------------------------------------------
 * Submission
 * ---------------------------------------------------------------------------------------------------------- */

export interface SubmitInput {
  readonly psnNo: string;
  readonly record: unknown;
  readonly note?: string | undefined;
}

export interface SubmitOutcome {
  case: CounterCaseView;
  /** False when the same record had already opened this case (a retried submission). */
  created: boolean;
  /** What the engine would pay today; nothing is committed until an operator approves. */
  preview: { status: string; reason?: string; hmb_pay: string; psn_part_amt: string };
}

export async function submitCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: SubmitInput,
): Promise<SubmitOutcome> {
  if (actor.role === "resident" && actor.psnNo !== input.psnNo)
    throw new ServiceError("forbidden", "forbidden", "参保人只能为本人申请理赔", "psn_no");
  if (actor.role !== "resident") requireStaff(actor);
  const raw = input.record;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new ServiceError("invalid", "invalid_value", "record 应为一条结算记录（JSON 对象）", "record");
  const record = raw as Record<string, unknown>;
  // PostgreSQL's jsonb cannot hold U+0000: refused here as bad input, not failed on as a 500.
  if (JSON.stringify(record).includes("\\u0000"))
    throw new ServiceError("invalid", "invalid_value", "record 含有不允许的字符 U+0000", "record");
  const s = parseRecordField(record, ctx.clock.now());
  if (s.psnNo !== input.psnNo)
    throw new ServiceError("invalid", "psn_no_mismatch", "结算记录的 psn_no 与申请人不符", "record.psn_no");
  if (s.setlId.length > MAX_CASE_SETL_ID)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `柜面理赔的 setl_id 最长 ${MAX_CASE_SETL_ID} 位`,
      "record.setl_id",
    );
  await assertProgramExists(ctx.db, programId);
  const now = ctx.clock.now();
  let result: { row: CaseRow; created: boolean };
  try {
    result = await ctx.db.transaction(async (tx) => {
      // The claims core's lock on the setl_id: a hospital or an online claim settling the same record waits.
      await lockSetlId(tx, programId, s.setlId);
      const person = await rosterPerson(tx, programId, s.psnNo);
      assertCertno(ctx, person.certno_bidx, s.certno, s.psnNo);
      const existing = await tx.query<{ case_id: string }>(
        "select case_id from counter_claims where program_id = $1 and setl_id = $2",
        [programId, s.setlId],
      );
      // Same record again (compared under the keyed hash) → the case it opened; a changed one → 409.
      await storeMedicalRecord(tx, ctx.keys, programId, record, s, "counter", now);
      if (existing[0] !== undefined)
        return { row: await loadCase(tx, programId, existing[0].case_id), created: false };
      const claimed = await tx.query("select 1 from claims where program_id = $1 and setl_id = $2", [
        programId,
        s.setlId,
      ]);
      if (claimed.length > 0) {
        throw new ServiceError(
          "conflict",
          "already_settled",
          `结算 ${s.setlId} 已经理赔，不能再申请柜面理赔`,
          "record.setl_id",
        );
      }
      const caseId = `cc-${randomBytes(8).toString("hex")}`;
      await tx.query(
        `insert into counter_claims (program_id, case_id, setl_id, psn_no, status, note, record, submitted_by,
           submitted_role, created_at, updated_at) values ($1,$2,$3,$4,'submitted',$5,$6,$7,$8,$9,$9)`,
        [
          programId,
          caseId,
          s.setlId,
          s.psnNo,
          input.note ?? null,
          JSON.stringify(storableRecord(record)),
          actor.id,
          actor.role,
          now,
        ],
      );
      await addClaimEvent(tx, programId, s.setlId, "counter_submitted", actor, now, { case_id: caseId });
      await notify(
        tx,
        {
          programId,
          psnNo: s.psnNo,
          kind: "counter_claim.submitted",
          subject: caseId,
          title: "理赔申请已受理",
          body: `您的理赔申请（案件 ${caseId}，结算 ${s.setlId}）已受理，请上传发票和结算单，等待审核。`,
          data: { case_id: caseId, setl_id: s.setlId, status: "submitted" },
        },
        now,
      );
      if (isStaff(actor))
        await audit(tx, actor, programId, "counter_claim.submit", caseId, { psn_no: s.psnNo });
      return { row: await loadCase(tx, programId, caseId), created: true };
    });
  } catch (e) {
    // Two first submissions of one record racing past the lock is impossible; a unique violation here is
    // another channel storing the same setl_id at this instant: the caller retries and gets a clear answer.
    if (sqlStateOf(e) === UNIQUE_VIOLATION)
      throw new ServiceError("conflict", "busy", `结算 ${s.setlId} 正在被处理，请稍后重试`, "record.setl_id");
    throw e;
  }
  const preview = await previewPayout(ctx.db, programId, s, { lock: false, at: now });
  const base = {
    status: preview.status,
    hmb_pay: formatYuan(preview.hmbPay),
    psn_part_amt: formatYuan(s.personBurden),
  };
  return {
    case: await viewOf(ctx.db, programId, actor, result.row),
    created: result.created,
    preview: preview.reason === undefined ? base : { ...base, reason: preview.reason },
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Reading: one case, the queue
 * ---------------------------------------------------------------------------------------------------------- */

export async function getCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
): Promise<CounterCaseView> {
  const row = await loadCase(ctx.db, programId, caseId);
  assertCanSee(actor, row);
  await audit(ctx.db, actor, programId, "counter_claim.read", caseId);
  return viewOf(ctx.db, programId, actor, row);
}

export interface QueueItem {
  case_id: string;
  setl_id: string;
  psn_no: string;
  status: CaseStatus;
  psn_part_amt: string;
  created_at: string;
  updated_at: string;
  assignee?: string | null;
}

export const MAX_QUEUE = 200;

/** The review queue, oldest first. Residents see only their own cases, whatever they ask for. */
export async function listCounterClaims(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: {
    status?: CaseStatus | undefined;
    assignee?: string | undefined;
    psnNo?: string | undefined;
    limit?: number | undefined;
  },
): Promise<{ cases: QueueItem[] }> {
  let psnNo = query.psnNo;
  if (actor.role === "resident") {
    if (psnNo !== undefined && psnNo !== actor.psnNo)
      throw new ServiceError("forbidden", "forbidden", "只能查看本人的理赔案件", "psn_no");
    psnNo = actor.psnNo ?? "";
  } else requireStaff(actor);
  if (query.status !== undefined && !CASE_STATUSES.includes(query.status))
    throw new ServiceError("invalid", "invalid_value", `未知的案件状态 ${String(query.status)}`, "status");
  const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_QUEUE);
  const rows = await ctx.db.query<{
    case_id: string;
    setl_id: string;
    psn_no: string;
    status: CaseStatus;
    record: Record<string, unknown>;
    assignee: string | null;
    created_at: Date;
    updated_at: Date;
  }>(
    `select case_id, setl_id, psn_no, status, record, assignee, created_at, updated_at from counter_claims
      where program_id = $1 and ($2::text is null or status = $2) and ($3::text is null or assignee = $3)
        and ($4::text is null or psn_no = $4)
      order by created_at, case_id limit $5`,
    [programId, query.status ?? null, query.assignee ?? null, psnNo ?? null, limit],
  );
  await audit(ctx.db, actor, programId, "counter_claim.list", query.status ?? "*", {
    psn_no: psnNo ?? null,
    count: rows.length,
  });
  return {
    cases: rows.map((r) => {
      const burden = parseYuan(r.record.psn_part_amt);
      const item: QueueItem = {
        case_id: r.case_id,
        setl_id: r.setl_id,
        psn_no: r.psn_no,
        status: r.status,
        psn_part_amt: burden.ok ? formatYuan(burden.fen) : String(r.record.psn_part_amt),
        created_at: new Date(r.created_at).toISOString(),
        updated_at: new Date(r.updated_at).toISOString(),
      };
      if (isStaff(actor)) item.assignee = r.assignee;
      return item;
    }),
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * Documents
 * ---------------------------------------------------------------------------------------------------------- */

export async function uploadCounterDocument(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  doc: { kind: DocKind; type: "application/pdf" | "image/jpeg" | "image/png"; bytes: Buffer },
): Promise<DocumentMeta & { case_id: string; outcome: "stored" | "same" | "replaced" }> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, programId, caseId);
    assertCanSee(actor, row);
    // Evidence is frozen once a decision is under way: what an approver saw stays on file. An appeal may
    // add what was missing (the invoice a rejection asked for) and its own evidence under 'appeal'.
    const reviewing = row.status === "submitted" || row.status === "in_review";
    const appealing = row.status === "appealed";
    const allowed =
      doc.kind === "appeal"
        ? { add: appealing, replace: appealing }
        : { add: reviewing || appealing, replace: reviewing };
    const stored = await storeDocument(
      tx,
      { programId, caseId, kind: doc.kind, type: doc.type, bytes: doc.bytes, by: actor.id, at: now },
      allowed,
    );
    if (stored.outcome !== "same") {
      await updateCase(tx, programId, caseId, now, {});
      await addClaimEvent(tx, programId, row.setl_id, "counter_document", actor, now, {
        case_id: caseId,
        doc_kind: doc.kind,
        sha256: stored.meta.sha256,
        size: stored.meta.size,
        replaced: stored.previous ?? null,
      });
      if (isStaff(actor))
        await audit(tx, actor, programId, "counter_claim.document.upload", caseId, {
          doc_kind: doc.kind,
          sha256: stored.meta.sha256,
        });
    }
    return { case_id: caseId, ...stored.meta, outcome: stored.outcome };
  });
}

export async function downloadCounterDocument(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  kind: DocKind,
): Promise<{ meta: DocumentMeta; bytes: Buffer }> {
  const row = await loadCase(ctx.db, programId, caseId);
  assertCanSee(actor, row);
  const doc = await loadDocument(ctx.db, programId, caseId, kind);
  await audit(ctx.db, actor, programId, "counter_claim.document.read", caseId, { doc_kind: kind });
  return doc;
}

/* ------------------------------------------------------------------------------------------------------------
 * Assignment
 * ---------------------------------------------------------------------------------------------------------- */

async function assertReviewer(q: Queryable, programId: string, username: string): Promise<void> {
  const rows = await q.query(
    "select 1 from users where program_id in ($1, '*') and username = $2 and role in ('operator', 'admin')",
    [programId, username],
  );
  if (rows.length === 0)
    throw new ServiceError("invalid", "unknown_operator", `${username} 不是本项目的经办人员`, "assignee");
}

export async function assignCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  assignee: string | undefined,
): Promise<CounterCaseView> {
  requireStaff(actor);
  const target = assignee ?? actor.id;
  await assertReviewer(ctx.db, programId, target);
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, programId, caseId);
    if (!OPEN.includes(row.status))
      throw new ServiceError("conflict", "invalid_state", `案件状态为 ${row.status}，不能分配`, "status");
    if (row.appealed_at !== null && (row.appeal_excluded ?? []).includes(target)) {
      throw new ServiceError(
        "conflict",
        "appeal_same_operator",
        "申诉须由原决定人以外的经办人员审核",
        "assignee",
      );
    }
    const status: CaseStatus = row.status === "submitted" ? "in_review" : row.status;
    await updateCase(tx, programId, caseId, now, { assignee: target, assigned_at: now, status });
    await addClaimEvent(tx, programId, row.setl_id, "counter_assigned", actor, now, {
      case_id: caseId,
      assignee: target,
    });
    if (status !== row.status) {
      await notify(
        tx,
        {
          programId,
          psnNo: row.psn_no,
          kind: "counter_claim.in_review",
          subject: caseId,
          title: "理赔申请审核中",
          body: `您的理赔申请（案件 ${caseId}）已进入审核。`,
          data: { case_id: caseId, status },
        },
        now,
      );
    }
    await audit(tx, actor, programId, "counter_claim.assign", caseId, { assignee: target });
    return loadCase(tx, programId, caseId);
  });
  return viewOf(ctx.db, programId, actor, row);
}

/* ------------------------------------------------------------------------------------------------------------
 * Decisions
 * ---------------------------------------------------------------------------------------------------------- */

export interface DecisionInput {
  readonly decision: Decision;
  readonly reason?: string | undefined;
  /** adjust: the corrected fields, merged over the submitted record (same setl_id and person). */
  readonly record?: unknown;
}

/** One approval (or adjustment) on its way to being paid. */
interface Proposal {
  decision: "approve" | "adjust";
  /** The record to pay, as stored (no certno, no name), under the case's own setl_id. */
  stored: Record<string, unknown>;
  reason: string | null;
  firstApprover: string;
  /** The countersigning operator, when there is one. */
  secondApprover: string | null;
}

function statusAfter(p: Proposal): "approved" | "adjusted" {
  return p.decision === "adjust" ? "adjusted" : "approved";
}

export async function decideCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  input: DecisionInput,
): Promise<CounterCaseView> {
  requireStaff(actor);
  const row = await loadCase(ctx.db, programId, caseId);
  if (row.status === "resettling") return resumeResettlement(ctx, actor, programId, row);
  if (!OPEN.includes(row.status))
    throw new ServiceError("conflict", "invalid_state", `案件已${row.status}，不能再作决定`, "status");
  const reason = input.reason?.trim() === "" ? undefined : input.reason?.trim();
  if (input.decision !== "approve" && reason === undefined)
    throw new ServiceError("invalid", "missing_field", `${input.decision} 须填写原因 reason`, "reason");
  const inAppeal = row.appealed_at !== null;
  if (inAppeal && (row.appeal_excluded ?? []).includes(actor.id)) {
    throw new ServiceError(
      "forbidden",
      "appeal_same_operator",
      "申诉须由原决定人以外的经办人员审核",
      "actor",
    );
  }
  const countersigning = row.status === "pending_second_approval" && input.decision === "approve";
  if (row.status !== "pending_second_approval" && row.assignee !== null && row.assignee !== actor.id) {
    throw new ServiceError("conflict", "assigned_to_other", `案件已分配给 ${row.assignee}`, "assignee");
  }
  if (input.decision === "reject") return rejectCase(ctx, actor, programId, row, reason as string);

  let proposal: Proposal;
  if (countersigning) {
    if (row.pending_by === actor.id) {
      throw new ServiceError(
        "forbidden",
        "four_eyes_same_operator",
        "超过复核限额的赔付须由另一名经办人员复核批准",
        "actor",
      );
    }
    if (input.record !== undefined)
      throw new ServiceError(
        "invalid",
        "invalid_value",
        "复核批准不能修改记录；如需更正请用 adjust",
        "record",
      );
    proposal = {
      decision: row.pending_decision ?? "approve",
      stored: row.pending_record ?? row.record,
      reason: row.pending_reason,
      firstApprover: row.pending_by ?? actor.id,
      secondApprover: actor.id,
    };
  } else if (input.decision === "approve") {
    if (input.record !== undefined)
      throw new ServiceError(
        "invalid",
        "invalid_value",
        "approve 按提交的记录赔付；更正请用 adjust",
        "record",
      );
    proposal = {
      decision: "approve",
      stored: row.record,
      reason: reason ?? null,
      firstApprover: actor.id,
      secondApprover: null,
    };
  } else {
    proposal = {
      decision: "adjust",
      stored: await adjustedRecord(ctx, programId, row, input.record),
      reason: reason ?? null,
      firstApprover: actor.id,
      secondApprover: null,
    };
  }

  const docs = await documentMeta(ctx.db, programId, caseId);
  const missing = REQUIRED_DOC_KINDS.filter((k) => !docs.some((d) => d.doc_kind === k));
  if (missing.length > 0)
    throw new ServiceError(
      "conflict",
      "documents_missing",
      `批准前须上传单据：${missing.join("、")}`,
      "documents",
    );

  const superseded = await supersededClaim(ctx.db, programId, row);
  const wire = await wireOf(ctx, ctx.db, programId, proposal.stored, row.psn_no);
  const s = parseRecordField(wire);
  const now = ctx.clock.now();
  const preview = await previewPayout(ctx.db, programId, s, {
    lock: false,
    revoking: superseded?.revoking,
    at: now,
  });
  if (superseded !== undefined && preview.hmbPay <= superseded.paidFen) {
    throw new ServiceError(
      "conflict",
      "appeal_not_in_favour",
      `改判后赔付 ${formatYuan(preview.hmbPay)} 元不高于原核定的 ${formatYuan(superseded.paidFen)} 元；维持原决定请用 reject 驳回申诉`,
      "decision",
    );
  }
  const settings = await settingsOf(ctx.db, programId);
  if (proposal.secondApprover === null && preview.hmbPay > settings.thresholdFen) {
    return toPending(ctx, actor, programId, row.version, caseId, proposal, preview.hmbPay);
  }
  if (superseded !== undefined) {
    await ctx.db.transaction(async (tx) => {
      await lockCase(tx, programId, caseId, row.version);
      await updateCase(tx, programId, caseId, now, {
        status: "resettling",
        pending_decision: proposal.decision,
        pending_record: json(proposal.stored),
        pending_reason: proposal.reason,
        pending_by: proposal.firstApprover,
        pending_second_by: proposal.secondApprover,
        pending_hmb_pay_fen: preview.hmbPay,
        pending_at: now,
      });
      await addClaimEvent(tx, programId, row.setl_id, "counter_resettling", actor, now, {
        case_id: caseId,
        revoke: superseded.setlId,
        resettle: `${row.setl_id}${APPEAL_SETL_SUFFIX}`,
      });
      await audit(tx, actor, programId, "counter_claim.decide", caseId, {
        decision: proposal.decision,
        appeal: true,
        resettle: true,
      });
    });
    return resumeResettlement(ctx, actor, programId, await loadCase(ctx.db, programId, caseId));
  }
  return pay(ctx, actor, programId, row, proposal, row.setl_id, settings);
}

/** The corrected record of an adjustment: submitted fields overridden by the operator's, then validated. */
async function adjustedRecord(
  ctx: PlatformContext,
  programId: string,
  row: CaseRow,
  patch: unknown,
): Promise<Record<string, unknown>> {
  if (patch === undefined || patch === null || typeof patch !== "object" || Array.isArray(patch))
    throw new ServiceError("invalid", "missing_field", "adjust 须提供更正后的结算记录字段 record", "record");
  const fields = patch as Record<string, unknown>;
  if (JSON.stringify(fields).includes("\\u0000"))
    throw new ServiceError("invalid", "invalid_value", "record 含有不允许的字符 U+0000", "record");
  if (fields.setl_id !== undefined && fields.setl_id !== row.setl_id)
    throw new ServiceError("invalid", "invalid_value", "更正记录的 setl_id 须与案件相同", "record.setl_id");
  if (fields.psn_no !== undefined && fields.psn_no !== row.psn_no)
    throw new ServiceError("invalid", "invalid_value", "更正记录的 psn_no 须与案件相同", "record.psn_no");
  const person = await rosterPerson(ctx.db, programId, row.psn_no);
  if (typeof fields.certno === "string") assertCertno(ctx, person.certno_bidx, fields.certno, row.psn_no);
  const merged = storableRecord({ ...row.record, ...fields });
  const corrected = parseRecordField(
    { ...merged, certno: decrypt(ctx.keys, person.certno_enc) },
    ctx.clock.now(),
  );
  const submitted = parseRecordField({ ...row.record, certno: decrypt(ctx.keys, person.certno_enc) });
  // An adjustment takes out what the documents do not support; it never makes the resident's claim larger
  // than what they submitted.
  if (corrected.personBurden > submitted.personBurden) {
    throw new ServiceError(
      "invalid",
      "adjust_exceeds_submitted",
      `更正后的个人负担 ${formatYuan(corrected.personBurden)} 元超过提交的 ${formatYuan(submitted.personBurden)} 元`,
      "record.psn_part_amt",
    );
  }
  return merged;
}

/** For an appeal of an adjusted case: the claim that paid the adjustment, which a granted appeal revokes. */
async function supersededClaim(
  q: Queryable,
  programId: string,
  row: CaseRow,
): Promise<{ setlId: string; paidFen: Fen; revoking: Adjudication | undefined } | undefined> {
  if (row.appealed_at === null || row.appeal_from !== "adjusted" || row.paid_setl_id === null)
    return undefined;
  const rows = await q.query<{ hmb_pay_fen: string | number; adjudication: Adjudication; state: string }>(
    "select hmb_pay_fen, adjudication, state from claims where program_id = $1 and setl_id = $2",
    [programId, row.paid_setl_id],
  );
  const claim = rows[0];
  if (claim === undefined) throw new Error(`case ${row.case_id}: paid claim ${row.paid_setl_id} missing`);
  return {
    setlId: row.paid_setl_id,
    paidFen: Number(claim.hmb_pay_fen),
    // Already revoked (an interrupted re-settlement): the accumulators no longer hold it.
    revoking: claim.state === "settled" ? claim.adjudication : undefined,
  };
}

async function toPending(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  version: number | undefined,
  caseId: string,
  proposal: Proposal,
  hmbPay: Fen,
): Promise<CounterCaseView> {
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, programId, caseId, version);
    await updateCase(tx, programId, caseId, now, {
      status: "pending_second_approval",
      assignee: row.assignee ?? actor.id,
      assigned_at: row.assigned_at ?? now,
      pending_decision: proposal.decision,
      pending_record: json(proposal.stored),
      pending_reason: proposal.reason,
      pending_by: proposal.firstApprover,
      pending_second_by: null,
      pending_hmb_pay_fen: hmbPay,
      pending_at: now,
    });
    await addClaimEvent(tx, programId, row.setl_id, "counter_pending_second_approval", actor, now, {
      case_id: caseId,
      decision: proposal.decision,
      hmb_pay: formatYuan(hmbPay),
    });
    if (row.status !== "pending_second_approval") {
      await notify(
        tx,
        {
          programId,
          psnNo: row.psn_no,
          kind: "counter_claim.pending_second_approval",
          subject: caseId,
          title: "理赔申请复核中",
          body: `您的理赔申请（案件 ${caseId}）已初审通过，赔付金额较大，正在复核。`,
          data: { case_id: caseId, status: "pending_second_approval" },
        },
        now,
      );
    }
    await audit(tx, actor, programId, "counter_claim.decide", caseId, {
      decision: proposal.decision,
      four_eyes: "first",
      hmb_pay: formatYuan(hmbPay),
    });
    return loadCase(tx, programId, caseId);
  });
  return viewOf(ctx.db, programId, actor, row);
}

/**
 * Pays a proposal through settleClaim. Inside its transaction (precheck, after the setl_id lock): the case
 * is locked and must be as the caller saw it, the payout is recomputed under the policy lock for the four-
 * eyes rule, and the case is marked decided — all committed with the claim and its journal, or not at all.
 */
async function pay(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  row: CaseRow,
  proposal: Proposal,
  paySetlId: string,
  settings: Settings,
): Promise<CounterCaseView> {
  const caseId = row.case_id;
  const resettle = paySetlId !== row.setl_id;
  const wire = await wireOf(ctx, ctx.db, programId, { ...proposal.stored, setl_id: paySetlId }, row.psn_no);
  const now = ctx.clock.now();
  const precheck = async (s: Settlement, tx: Queryable) => {
    const locked = await lockCase(tx, programId, caseId, row.version);
    const adjudication = await previewPayout(tx, programId, s, { lock: true, at: now });
    if (proposal.secondApprover === null && adjudication.hmbPay > settings.thresholdFen)
      throw new FourEyesRequired(adjudication.hmbPay);
    const status = statusAfter(proposal);
    const inAppeal = locked.appealed_at !== null;
    await updateCase(tx, programId, caseId, now, {
      status,
      assignee: locked.assignee ?? proposal.firstApprover,
      assigned_at: locked.assigned_at ?? now,
      decision: proposal.decision,
      decision_reason: proposal.reason,
      decided_by: proposal.firstApprover,
      second_approver: proposal.secondApprover,
      decided_at: now,
      adjusted_record: proposal.decision === "adjust" ? json(proposal.stored) : null,
      paid_setl_id: paySetlId,
      pending_decision: null,
      pending_record: null,
      pending_reason: null,
      pending_by: null,
      pending_second_by: null,
      pending_hmb_pay_fen: null,
      pending_at: null,
      ...(inAppeal
        ? {
            appeal_outcome: "granted",
            appeal_decided_by: proposal.firstApprover,
            appeal_decided_at: now,
            appeal_decision_reason: proposal.reason,
          }
        : {}),
    });
    const amount = formatYuan(adjudication.hmbPay);
    await addClaimEvent(tx, programId, locked.setl_id, `counter_${status}`, actor, now, {
      case_id: caseId,
      decision: proposal.decision,
      reason: proposal.reason,
      paid_setl_id: paySetlId,
      hmb_pay: amount,
      appeal: inAppeal,
    });
    const why = proposal.reason === null ? "" : `；说明：${proposal.reason}`;
    await notify(
      tx,
      {
        programId,
        psnNo: locked.psn_no,
        kind: inAppeal ? "counter_claim.appeal_granted" : `counter_claim.${status}`,
        subject: caseId,
        title: inAppeal
          ? "申诉成立，已改判赔付"
          : status === "adjusted"
            ? "理赔已核定（有调整）"
            : "理赔已核准",
        body: `您的理赔申请（案件 ${caseId}）核定赔付 ${amount} 元${why}。`,
        data: { case_id: caseId, status, hmb_pay: amount, setl_id: paySetlId },
      },
      now,
    );
    await audit(tx, actor, programId, "counter_claim.decide", caseId, {
      decision: proposal.decision,
      four_eyes: proposal.secondApprover === null ? "single" : "countersigned",
      hmb_pay: amount,
      setl_id: paySetlId,
    });
  };
  try {
    const outcome = await settleClaim(ctx, actor, {
      programId,
      record: wire,
      kind: "counter",
      payee: "resident",
      // The case's own record was stored when it was submitted; an appeal's corrected record is new.
      source: resettle ? "counter" : undefined,
      precheck,
    });
    if (outcome.replay) {
      // settleClaim answered from a claim someone else made (the hospital, an online claim): the precheck
      // did not run and this case is unchanged.
      throw new ServiceError(
        "conflict",
        "already_settled",
        `结算 ${paySetlId} 已经由其他渠道理赔`,
        "setl_id",
      );
    }
  } catch (e) {
    if (e instanceof FourEyesRequired)
      return toPending(ctx, actor, programId, row.version, caseId, proposal, e.hmbPay);
    throw e;
  }
  return viewOf(ctx.db, programId, actor, await loadCase(ctx.db, programId, caseId));
}

class FourEyesRequired extends Error {
  constructor(readonly hmbPay: Fen) {
    super("four eyes required");
  }
}

/**
 * Finishes a granted appeal of an adjusted case: revokes the claim that paid the adjustment (idempotent)
 * and settles the appeal's record under setl_id-A1. Re-entrant: after a crash any staff decision call on
 * the case runs it again.
 */
async function resumeResettlement(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  row: CaseRow,
): Promise<CounterCaseView> {
  if (row.pending_record === null || row.pending_by === null || row.paid_setl_id === null)
    throw new Error(`case ${row.case_id}: resettling without a pending decision`);
  const proposal: Proposal = {
    decision: row.pending_decision ?? "approve",
    stored: row.pending_record,
    reason: row.pending_reason,
    firstApprover: row.pending_by,
    secondApprover: row.pending_second_by,
  };
  if (!row.paid_setl_id.endsWith(APPEAL_SETL_SUFFIX)) {
    await revokeClaim(ctx, actor, programId, row.paid_setl_id, `申诉改判（案件 ${row.case_id}）`);
  }
  return pay(
    ctx,
    actor,
    programId,
    row,
    proposal,
    `${row.setl_id}${APPEAL_SETL_SUFFIX}`,
    await settingsOf(ctx.db, programId),
  );
}

async function rejectCase(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  seen: CaseRow,
  reason: string,
): Promise<CounterCaseView> {
  const now = ctx.clock.now();
  const caseId = seen.case_id;
  const row = await ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, programId, caseId, seen.version);
    const inAppeal = row.appealed_at !== null;
    const pendingCleared = {
      pending_decision: null,
      pending_record: null,
      pending_reason: null,
      pending_by: null,
      pending_second_by: null,
      pending_hmb_pay_fen: null,
      pending_at: null,
    };
    let status: CaseStatus;
    if (inAppeal) {
      // The appeal is dismissed: the decision under appeal (a rejection, or a paid adjustment) stands.
      status = row.appeal_from ?? "rejected";
      await updateCase(tx, programId, caseId, now, {
        status,
        ...pendingCleared,
        appeal_outcome: "dismissed",
        appeal_decided_by: actor.id,
        appeal_decided_at: now,
        appeal_decision_reason: reason,
      });
    } else {
      status = "rejected";
      await updateCase(tx, programId, caseId, now, {
        status,
        ...pendingCleared,
        assignee: row.assignee ?? actor.id,
        assigned_at: row.assigned_at ?? now,
        decision: "reject",
        decision_reason: reason,
        decided_by: actor.id,
        second_approver: null,
        decided_at: now,
      });
    }
    await addClaimEvent(
      tx,
      programId,
      row.setl_id,
      inAppeal ? "counter_appeal_dismissed" : "counter_rejected",
      actor,
      now,
      {
        case_id: caseId,
        reason,
      },
    );
    const settings = await settingsOf(tx, programId);
    await notify(
      tx,
      {
        programId,
        psnNo: row.psn_no,
        kind: inAppeal ? "counter_claim.appeal_dismissed" : "counter_claim.rejected",
        subject: caseId,
        title: inAppeal ? "申诉未获支持" : "理赔申请未获赔付",
        body: inAppeal
          ? `您对案件 ${caseId} 的申诉经复审未获支持，维持原决定。原因：${reason}。`
          : `您的理赔申请（案件 ${caseId}）未获赔付。原因：${reason}。如有异议，可在 ${settings.appealDays} 日内申诉一次。`,
        data: { case_id: caseId, status, reason },
      },
      now,
    );
    await audit(tx, actor, programId, "counter_claim.decide", caseId, {
      decision: "reject",
      appeal: inAppeal,
    });
    return loadCase(tx, programId, caseId);
  });
  return viewOf(ctx.db, programId, actor, row);
}

/* ------------------------------------------------------------------------------------------------------------
 * Appeals
 * ---------------------------------------------------------------------------------------------------------- */

export async function appealCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  reasonInput: string,
): Promise<CounterCaseView> {
  const reason = reasonInput.trim();
  if (reason === "") throw new ServiceError("invalid", "missing_field", "申诉须填写理由 reason", "reason");
  if (actor.role !== "resident") requireStaff(actor);
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const row = await lockCase(tx, programId, caseId);
    assertCanSee(actor, row);
    if (row.appealed_at !== null)
      throw new ServiceError("conflict", "appeal_used", "每个案件只能申诉一次", "case_id");
    if (row.status !== "rejected" && row.status !== "adjusted") {
      throw new ServiceError(
        "conflict",
        "not_appealable",
        `只有被拒付或调整的案件可以申诉（当前 ${row.status}）`,
        "status",
      );
    }
    const settings = await settingsOf(tx, programId);
    const decidedAt = new Date(row.decided_at ?? row.updated_at).getTime();
    if (now.getTime() > decidedAt + settings.appealDays * DAY_MS) {
      throw new ServiceError(
        "conflict",
        "appeal_window_closed",
        `申诉期限（决定后 ${settings.appealDays} 日）已过`,
        "case_id",
      );
    }
    const excluded = [row.decided_by, row.second_approver].filter((x): x is string => x !== null);
    await updateCase(tx, programId, caseId, now, {
      status: "appealed",
      appeal_reason: reason,
      appealed_at: now,
      appealed_by: actor.id,
      appeal_from: row.status,
      appeal_excluded: json(excluded),
      assignee: null,
      assigned_at: null,
    });
    await addClaimEvent(tx, programId, row.setl_id, "counter_appealed", actor, now, {
      case_id: caseId,
      reason,
    });
    await notify(
      tx,
      {
        programId,
        psnNo: row.psn_no,
        kind: "counter_claim.appealed",
        subject: caseId,
        title: "申诉已受理",
        body: `您对案件 ${caseId} 的申诉已受理，将由原审核人以外的经办人员复审。`,
        data: { case_id: caseId, status: "appealed" },
      },
      now,
    );
    if (isStaff(actor)) await audit(tx, actor, programId, "counter_claim.appeal", caseId);
    return loadCase(tx, programId, caseId);
  });
  return viewOf(ctx.db, programId, actor, row);
}
