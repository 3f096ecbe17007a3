/** The append-only audit log: every read of personal data, every privileged change. */
import type { Queryable } from "../db/database.js";
import type { Actor } from "./context.js";

export async function audit(
  q: Queryable,
  actor: Actor,
  programId: string,
  action: string,
  subject: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await q.query(
    "insert into audit_log (program_id, actor, role, action, subject, detail) values ($1, $2, $3, $4, $5, $6)",
    [programId, actor.id, actor.role, action, subject, JSON.stringify(detail)],
  );
}
