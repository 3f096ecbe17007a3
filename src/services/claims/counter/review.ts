/**
 * Counter claims: assignment and decisions — approve, adjust (pay a corrected record), reject; the four-eyes
 * rule; a granted appeal's re-settlement. See shared.ts for the workflow.
 */
import type { Queryable } from "../../../db/database.js";
import { type Fen, formatYuan } from "../../../domain/money.js";
import type { Settlement } from "../../../domain/settlement.js";
import { COUNTER_DOC_KIND_LABELS } from "../../../domain/vocabulary.js";
import type { Adjudication } from "../../../engine/adjudicate.js";
import { decrypt } from "../../../platform/crypto.js";
import { audit } from "../../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../../context.js";
import { previewPayout } from "../coverage.js";
import { documentMeta, GUARDIAN_DOC_KIND, REQUIRED_DOC_KINDS } from "../documents.js";
import { storableRecord } from "../records.js";
import { addClaimEvent, revokeClaim, settleClaim } from "../settle.js";
import {
  assertCertno,
  type CounterCase,
  loadCase,
  lockCase,
  parseRecordField,
  rosterPerson,
  updateCase,
  viewOf,
  wireOf,
} from "./case.js";
import { type Settings, settingsOf } from "./settings.js";
import {
  APPEAL_SETL_SUFFIX,
  type CaseRow,
  type CaseStatus,
  type Decision,
  json,
  notifyCase,
  OPEN,
  requireStaff,
} from "./shared.js";

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
): Promise<CounterCase> {
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
      await notifyCase(
        tx,
        programId,
        row,
        {
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
  /**
   * A case filed by a declared guardian (submit.ts): the reviewer confirms they checked the 监护关系证明
   * (户口簿 or 出生医学证明). Required to approve or adjust such a case; recorded and audited.
   */
  readonly guardianshipChecked?: boolean | undefined;
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
  /** A declared guardian's case whose proof the deciding operator has just confirmed checking. */
  guardianChecked: boolean;
}

/** The case's columns and trail entry recording a reviewer's check of a declared guardian's proof. */
async function recordGuardianCheck(
  tx: Queryable,
  actor: Actor,
  programId: string,
  row: CaseRow,
  at: Date,
): Promise<Record<string, string | Date>> {
  await addClaimEvent(tx, programId, row.setl_id, "counter_guardian_verified", actor, at, {
    case_id: row.case_id,
    relation: row.guardian_relation,
  });
  return { guardian_checked_by: actor.id, guardian_checked_at: at };
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
): Promise<CounterCase> {
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
  // Filed on a declared guardianship: paying needs the reviewer's word that the proof was checked.
  const guardianChecked = row.guardian_relation !== null;
  if (guardianChecked && input.guardianshipChecked !== true) {
    throw new ServiceError(
      "invalid",
      "guardianship_unchecked",
      "本案由申请人自述为未成年就诊人的监护人提交：请先核验监护关系证明（户口簿或出生医学证明），确认后勾选“已核验监护关系证明”再批准",
      "guardianship_checked",
    );
  }

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
      guardianChecked,
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
      guardianChecked,
    };
  } else {
    proposal = {
      decision: "adjust",
      stored: await adjustedRecord(ctx, programId, row, input.record),
      reason: reason ?? null,
      firstApprover: actor.id,
      secondApprover: null,
      guardianChecked,
    };
  }

  const docs = await documentMeta(ctx.db, programId, caseId);
  const required = guardianChecked ? [...REQUIRED_DOC_KINDS, GUARDIAN_DOC_KIND] : REQUIRED_DOC_KINDS;
  const missing = required.filter((k) => !docs.some((d) => d.doc_kind === k));
  if (missing.length > 0)
    throw new ServiceError(
      "conflict",
      "documents_missing",
      `批准前须上传单据：${missing.map((k) => COUNTER_DOC_KIND_LABELS[k].zh).join("、")}`,
      "documents",
    );

  const superseded = await supersededClaim(ctx.db, programId, row);
  const wire = await wireOf(ctx, ctx.db, programId, proposal.stored, row.psn_no);
  const s = parseRecordField(wire);
  const now = ctx.clock.now();
  const preview = await previewPayout(ctx, ctx.db, programId, s, {
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
        ...(proposal.guardianChecked ? await recordGuardianCheck(tx, actor, programId, row, now) : {}),
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
        ...(proposal.guardianChecked ? { guardianship_checked: true } : {}),
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
): Promise<CounterCase> {
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
      ...(proposal.guardianChecked ? await recordGuardianCheck(tx, actor, programId, row, now) : {}),
    });
    await addClaimEvent(tx, programId, row.setl_id, "counter_pending_second_approval", actor, now, {
      case_id: caseId,
      decision: proposal.decision,
      hmb_pay: formatYuan(hmbPay),
    });
    if (row.status !== "pending_second_approval") {
      await notifyCase(
        tx,
        programId,
        row,
        {
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
      ...(proposal.guardianChecked ? { guardianship_checked: true } : {}),
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
): Promise<CounterCase> {
  const caseId = row.case_id;
  const resettle = paySetlId !== row.setl_id;
  const wire = await wireOf(ctx, ctx.db, programId, { ...proposal.stored, setl_id: paySetlId }, row.psn_no);
  const now = ctx.clock.now();
  const precheck = async (s: Settlement, tx: Queryable) => {
    const locked = await lockCase(tx, programId, caseId, row.version);
    const adjudication = await previewPayout(ctx, tx, programId, s, { lock: true, at: now });
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
      ...(proposal.guardianChecked ? await recordGuardianCheck(tx, actor, programId, locked, now) : {}),
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
    await notifyCase(
      tx,
      programId,
      locked,
      {
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
      ...(proposal.guardianChecked ? { guardianship_checked: true } : {}),
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
): Promise<CounterCase> {
  if (row.pending_record === null || row.pending_by === null || row.paid_setl_id === null)
    throw new Error(`case ${row.case_id}: resettling without a pending decision`);
  const proposal: Proposal = {
    decision: row.pending_decision ?? "approve",
    stored: row.pending_record,
    reason: row.pending_reason,
    firstApprover: row.pending_by,
    secondApprover: row.pending_second_by,
    // Checked (and recorded) by the decision that started the re-settlement.
    guardianChecked: false,
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
): Promise<CounterCase> {
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
    await notifyCase(
      tx,
      programId,
      row,
      {
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
