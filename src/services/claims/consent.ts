/**
 * A resident's authorization (授权) for the platform to use their basic-insurance settlement records for an
 * online claim. "Minimum necessary": one scope, only the records settled within the days the resident
 * names, only until the consent expires (at most 90 days) or is revoked. Nothing reads a resident's shared
 * records for a claim without an active consent covering them; every grant and revocation is audited.
 */
import { randomBytes } from "node:crypto";
import type { Queryable } from "../../db/database.js";
import { statementPeriod } from "../../domain/ledger.js";
import { beijingDay } from "../../domain/time.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { assertProgramExists } from "../roster.js";

export const CONSENT_SCOPES = ["settlement_records"] as const;
export type ConsentScope = (typeof CONSENT_SCOPES)[number];
export const MAX_CONSENT_DAYS = 90;
/** The widest window of records one consent may open: a policy year, leap day included. */
export const MAX_RECORD_SPAN_DAYS = 366;

const DAY_MS = 24 * 3600_000;

export interface ConsentInput {
  readonly scope: ConsentScope;
  /** First and last day (Beijing calendar, inclusive) of the records' settlement time. */
  readonly from: string;
  readonly to: string;
  readonly daysValid: number;
}

export interface ConsentView {
  consent_id: string;
  psn_no: string;
  scope: ConsentScope;
  from: string;
  to: string;
  granted_at: string;
  expires_at: string;
  revoked_at: string | null;
  state: "active" | "expired" | "revoked";
}

interface ConsentRow {
  consent_id: string;
  psn_no: string;
  scope: ConsentScope;
  records_from: Date;
  records_until: Date;
  granted_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = "consent_id, psn_no, scope, records_from, records_until, granted_at, expires_at, revoked_at";

function viewOf(row: ConsentRow, now: Date): ConsentView {
  const revokedAt = row.revoked_at === null ? null : new Date(row.revoked_at);
  const expiresAt = new Date(row.expires_at);
  return {
    consent_id: row.consent_id,
    psn_no: row.psn_no,
    scope: row.scope,
    from: beijingDay(new Date(row.records_from)),
    to: beijingDay(new Date(new Date(row.records_until).getTime() - DAY_MS)),
    granted_at: new Date(row.granted_at).toISOString(),
    expires_at: expiresAt.toISOString(),
    revoked_at: revokedAt?.toISOString() ?? null,
    state: revokedAt !== null ? "revoked" : expiresAt.getTime() <= now.getTime() ? "expired" : "active",
  };
}

/** The person a resident's account speaks for; any other caller is refused. */
export function residentPsnNo(actor: Actor): string {
  if (actor.role !== "resident" || actor.psnNo === undefined || actor.psnNo === "") {
    throw new ServiceError("forbidden", "forbidden", "仅参保人本人可以授权或申请线上理赔");
  }
  return actor.psnNo;
}

export async function grantConsent(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: ConsentInput,
): Promise<ConsentView> {
  const psnNo = residentPsnNo(actor);
  if (!CONSENT_SCOPES.includes(input.scope))
    throw new ServiceError("invalid", "invalid_value", `不支持的授权范围 ${String(input.scope)}`, "scope");
  if (!Number.isInteger(input.daysValid) || input.daysValid < 1 || input.daysValid > MAX_CONSENT_DAYS)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `days_valid 应为 1–${MAX_CONSENT_DAYS} 的整数`,
      "days_valid",
    );
  const period = statementPeriod(input.from, input.to);
  if (!period.ok) throw new ServiceError("invalid", "invalid_value", period.problem, period.field);
  if (period.end.getTime() - period.start.getTime() > MAX_RECORD_SPAN_DAYS * DAY_MS)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `一次授权最多覆盖 ${MAX_RECORD_SPAN_DAYS} 天的结算记录（最小必要）`,
      "to",
    );
  const now = ctx.clock.now();
  const row: ConsentRow = {
    consent_id: `CS${randomBytes(8).toString("hex").toUpperCase()}`,
    psn_no: psnNo,
    scope: input.scope,
    records_from: period.start,
    records_until: period.end,
    granted_at: now,
    expires_at: new Date(now.getTime() + input.daysValid * DAY_MS),
    revoked_at: null,
  };
  await ctx.db.transaction(async (tx) => {
    await assertProgramExists(tx, programId);
    await tx.query(
      `insert into claim_consents (program_id, consent_id, psn_no, scope, records_from, records_until, granted_at,
         expires_at, actor) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      [
        programId,
        row.consent_id,
        psnNo,
        row.scope,
        row.records_from,
        row.records_until,
        row.granted_at,
        row.expires_at,
        actor.id,
      ],
    );
    await audit(tx, actor, programId, "consent.grant", row.consent_id, {
      psn_no: psnNo,
      scope: row.scope,
      from: input.from,
      to: input.to,
      days_valid: input.daysValid,
    });
  });
  return viewOf(row, now);
}

/** Ends a consent now. Revoking again answers the first revocation; another person's consent is a 404. */
export async function revokeConsent(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  consentId: string,
): Promise<ConsentView> {
  const psnNo = residentPsnNo(actor);
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx) => {
    // FOR UPDATE: waits for a claim that is using this consent right now (it holds the row FOR SHARE).
    const rows = await tx.query<ConsentRow>(
      `select ${COLUMNS} from claim_consents where program_id = $1 and consent_id = $2 for update`,
      [programId, consentId],
    );
    const row = rows[0];
    if (row === undefined || row.psn_no !== psnNo) throw notFound(`授权 ${consentId}`, "consent_id");
    if (row.revoked_at !== null) return viewOf(row, now);
    await tx.query("update claim_consents set revoked_at = $3 where program_id = $1 and consent_id = $2", [
      programId,
      consentId,
      now,
    ]);
    await audit(tx, actor, programId, "consent.revoke", consentId, { psn_no: psnNo });
    return viewOf({ ...row, revoked_at: now }, now);
  });
}

/** A resident's own consents; staff name the person (psn_no). Every read is audited. */
export async function listConsents(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNoQuery: string | undefined,
): Promise<{ psn_no: string; consents: ConsentView[] }> {
  const psnNo = personInView(actor, psnNoQuery);
  const rows = await ctx.db.query<ConsentRow>(
    `select ${COLUMNS} from claim_consents where program_id = $1 and psn_no = $2 order by granted_at desc, consent_id`,
    [programId, psnNo],
  );
  await audit(ctx.db, actor, programId, "consent.read", psnNo);
  const now = ctx.clock.now();
  return { psn_no: psnNo, consents: rows.map((r) => viewOf(r, now)) };
}

/**
 * Whose data a read is about: a resident only ever their own (another psn_no is refused), staff must name
 * the person.
 */
export function personInView(actor: Actor, psnNoQuery: string | undefined): string {
  if (actor.role === "resident") {
    const own = residentPsnNo(actor);
    if (psnNoQuery !== undefined && psnNoQuery !== own)
      throw new ServiceError("forbidden", "forbidden", "只能查看本人的信息", "psn_no");
    return own;
  }
  if (actor.role !== "operator" && actor.role !== "admin")
    throw new ServiceError("forbidden", "forbidden", `角色 ${actor.role} 无权查看参保人信息`);
  if (psnNoQuery === undefined || psnNoQuery === "")
    throw new ServiceError("invalid", "missing_field", "请指定参保人 psn_no", "psn_no");
  return psnNoQuery;
}

/** Whether the person has any consent in force now (before looking at any of their records). */
export async function hasActiveConsent(
  q: Queryable,
  programId: string,
  psnNo: string,
  now: Date,
): Promise<boolean> {
  const rows = await q.query(
    `select 1 from claim_consents
      where program_id = $1 and psn_no = $2 and revoked_at is null and granted_at <= $3 and expires_at > $3
      limit 1`,
    [programId, psnNo, now],
  );
  return rows.length > 0;
}

/**
 * The consent in force now that covers a record settled at `settledAt`, or undefined. With `hold`, the
 * consent row is held FOR SHARE until the transaction ends, so a revocation cannot slip in between this
 * check and the claim it authorizes.
 */
export async function coveringConsent(
  q: Queryable,
  programId: string,
  psnNo: string,
  settledAt: Date,
  now: Date,
  hold = false,
): Promise<string | undefined> {
  const rows = await q.query<{ consent_id: string }>(
    `select consent_id from claim_consents
      where program_id = $1 and psn_no = $2 and revoked_at is null and granted_at <= $3 and expires_at > $3
        and records_from <= $4 and records_until > $4
      order by expires_at desc, consent_id limit 1${hold ? " for share" : ""}`,
    [programId, psnNo, now, settledAt],
  );
  return rows[0]?.consent_id;
}

export function consentRequired(field: string | undefined, what = "这些结算记录"): ServiceError {
  return new ServiceError(
    "forbidden",
    "consent_required",
    `需要先授权平台使用${what}（POST /consents，授权范围与期限内有效）`,
    field,
  );
}
