/** Counter claims: the resident's one appeal of a rejection or an adjustment; see shared.ts. */
import { audit } from "../../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../../context.js";
import { addClaimEvent } from "../settle.js";
import { assertCanSee, type CounterCase, loadCase, lockCase, updateCase, viewOf } from "./case.js";
import { settingsOf } from "./settings.js";
import { DAY_MS, isStaff, json, notifyCase, requireStaff } from "./shared.js";

export async function appealCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  caseId: string,
  reasonInput: string,
): Promise<CounterCase> {
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
    await notifyCase(
      tx,
      programId,
      row,
      {
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
