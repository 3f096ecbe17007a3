/**
 * Residents' notifications (站内通知): what the platform tells a person about their affairs — a claim
 * received, decided, appealed. Written inside the transaction that makes the change, so a resident is told
 * exactly what happened and never about a change that rolled back. Delivery beyond the inbox (SMS, the
 * 医保 app) would read this table; the text carries no ID number or name.
 */
import type { Queryable } from "../db/database.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";

export interface NewNotification {
  readonly programId: string;
  readonly psnNo: string;
  /** Machine-readable, dotted: `counter_claim.approved`. */
  readonly kind: string;
  /** What it is about: a case id, a policy number. */
  readonly subject: string;
  readonly title: string;
  readonly body: string;
  readonly data?: Record<string, unknown>;
}

export interface NotificationView {
  notification_id: string;
  psn_no: string;
  kind: string;
  subject: string;
  title: string;
  body: string;
  data: unknown;
  created_at: string;
}

export async function notify(q: Queryable, n: NewNotification, at: Date): Promise<void> {
  await q.query(
    `insert into notifications (program_id, psn_no, kind, subject, title, body, data, created_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8)`,
    [n.programId, n.psnNo, n.kind, n.subject, n.title, n.body, JSON.stringify(n.data ?? {}), at],
  );
}

export const MAX_NOTIFICATIONS = 200;

/**
 * A resident's own notifications, newest first; staff name the person (`psn_no`). Every read is audited.
 * `subject` narrows to one case or policy.
 */
export async function listNotifications(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: { psnNo?: string | undefined; subject?: string | undefined; limit?: number | undefined },
): Promise<{ psn_no: string; notifications: NotificationView[] }> {
  let psnNo: string;
  if (actor.role === "resident") {
    if (actor.psnNo === undefined || actor.psnNo === "")
      throw new ServiceError("forbidden", "forbidden", "账户未关联参保人");
    if (query.psnNo !== undefined && query.psnNo !== actor.psnNo)
      throw new ServiceError("forbidden", "forbidden", "只能查看本人的通知", "psn_no");
    psnNo = actor.psnNo;
  } else if (actor.role === "operator" || actor.role === "admin") {
    if (query.psnNo === undefined || query.psnNo === "")
      throw new ServiceError("invalid", "missing_field", "请指定参保人 psn_no", "psn_no");
    psnNo = query.psnNo;
  } else {
    throw new ServiceError("forbidden", "forbidden", `角色 ${actor.role} 无权查看通知`);
  }
  const limit = Math.min(Math.max(query.limit ?? 50, 1), MAX_NOTIFICATIONS);
  const rows = await ctx.db.query<{
    notification_id: string | number;
    kind: string;
    subject: string;
    title: string;
    body: string;
    data: unknown;
    created_at: Date;
  }>(
    `select notification_id, kind, subject, title, body, data, created_at from notifications
      where program_id = $1 and psn_no = $2 and ($3::text is null or subject = $3)
      order by notification_id desc limit $4`,
    [programId, psnNo, query.subject ?? null, limit],
  );
  await audit(ctx.db, actor, programId, "notifications.read", psnNo);
  return {
    psn_no: psnNo,
    notifications: rows.map((r) => ({
      notification_id: String(r.notification_id),
      psn_no: psnNo,
      kind: r.kind,
      subject: r.subject,
      title: r.title,
      body: r.body,
      data: r.data,
      created_at: new Date(r.created_at).toISOString(),
    })),
  };
}
