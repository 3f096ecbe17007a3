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
 * proposes; a different operator must countersign. The amount is the engine's (coverage.ts previewPayout),
 * computed read-only on the policy's current accumulators to choose the path, and again under the policy
 * lock inside the settling transaction, so a payout that grew meanwhile (another stay took the deductible) cannot slip through with
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
 *
 * The workflow, one module per part; a lower module never imports a higher one
 * (shared ← settings ← case ← submit, review, appeal):
 *  - shared.ts   statuses, defaults, who counts as staff, a case's row;
 *  - settings.ts the program's review settings (four-eyes threshold, appeal window);
 *  - case.ts     a case: loading and locking it, who may see it, its view, its record checked against the
 *                roster, reading one case or the queue, its documents;
 *  - submit.ts   opening a case, with what the engine would pay today;
 *  - review.ts   assignment and decisions (approve, adjust, reject, four eyes, appeals decided);
 *  - appeal.ts   the resident's one appeal.
 */

import type { Queryable } from "../../../db/database.js";
import type { Fen } from "../../../domain/money.js";
import type { GuardianRelation } from "../../../domain/vocabulary.js";
import { type Actor, ServiceError } from "../../context.js";
import { type NewNotification, notify } from "../../notifications.js";

/** 50,000.00 yuan: above it a second operator countersigns, unless the program sets another amount. */
export const DEFAULT_FOUR_EYES_THRESHOLD_FEN: Fen = 5_000_000;
export const DEFAULT_APPEAL_WINDOW_DAYS = 60;
/** The setl_id suffix of an appeal's re-settled record (one appeal per case). */
export const APPEAL_SETL_SUFFIX = "-A1";
/** setl_id is at most 64 characters (domain/settlement.ts); the appeal suffix must still fit. */
export const MAX_CASE_SETL_ID = 64 - APPEAL_SETL_SUFFIX.length;
export const DAY_MS = 24 * 3600_000;

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
export const OPEN: readonly CaseStatus[] = ["submitted", "in_review", "appealed", "pending_second_approval"];

export const isStaff = (actor: Actor) => actor.role === "operator" || actor.role === "admin";

export function requireStaff(actor: Actor): void {
  if (!isStaff(actor)) throw new ServiceError("forbidden", "forbidden", "仅经办人员可以审核理赔案件");
}
export interface CaseRow {
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
  /** A resident's declared guardianship of a minor they did not pay for (submit.ts), until a reviewer checks it. */
  guardian_relation: GuardianRelation | null;
  guardian_filer_psn_no: string | null;
  guardian_checked_by: string | null;
  guardian_checked_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
export const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

/**
 * A case's news goes to the insured and, when a guardian or family payer filed it (a parent for a child), to
 * the filer as well: they are the one waiting for it.
 */
export async function notifyCase(
  tx: Queryable,
  programId: string,
  row: Pick<CaseRow, "psn_no" | "submitted_by" | "submitted_role">,
  news: Omit<NewNotification, "programId" | "psnNo">,
  at: Date,
): Promise<void> {
  await notify(tx, { ...news, programId, psnNo: row.psn_no }, at);
  if (row.submitted_role !== "resident") return;
  const filer = await tx.query<{ psn_no: string | null }>(
    "select psn_no from users where program_id = $1 and username = $2 and role = 'resident'",
    [programId, row.submitted_by],
  );
  const psnNo = filer[0]?.psn_no;
  if (psnNo !== null && psnNo !== undefined && psnNo !== row.psn_no)
    await notify(tx, { ...news, programId, psnNo }, at);
}
