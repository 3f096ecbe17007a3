/**
 * Online claims (线上理赔), issue 4 item 2. The bureau shares its basic-insurance settlement records with
 * the platform (medical_records, source 'bureau'); a resident authorizes their use (consent.ts), picks the
 * ones nobody has claimed yet, and each is adjudicated through settleClaim and paid to the resident.
 * The claim's events (consent_used, settled, revoked, …) are the status trail the resident sees.
 */
import type { FeedOutcome } from "../../contract/claims.js";
import type { Queryable } from "../../db/database.js";
import type { Fen } from "../../domain/money.js";
import { latestPossibleSettlement, parseSettlement, type Settlement } from "../../domain/settlement.js";
import { formatBusinessTime } from "../../domain/time.js";
import { blindIndex } from "../../platform/crypto.js";
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { assertProgramExists } from "../roster.js";
import {
  consentRequired,
  coveringConsent,
  hasActiveConsent,
  personInView,
  residentPsnNo,
} from "./consent.js";
import { loadRecordForClaim, storeMedicalRecord } from "./records.js";
import {
  addClaimEvent,
  type ClaimKind,
  type ClaimView,
  lockSetlId,
  type SettlementResponse,
  settleClaim,
  unstorableAt,
} from "./settle.js";

export const MAX_FEED_RECORDS = 1000;
export const MAX_CLAIM_IDS = 20;
/** Records stored per transaction: bounds the advisory locks one transaction holds. */
const FEED_CHUNK = 100;

/* ------------------------------------------------------------------------------------------------------------
 * The bureau's feed
 * ---------------------------------------------------------------------------------------------------------- */

/** The feed's answer is the wire contract's type (src/contract/claims.ts). */
export type { FeedOutcome };
export type FeedResult = FeedOutcome["results"][number];
export type RecordProblem = NonNullable<FeedResult["error"]>;

interface ParsedFeedRecord {
  readonly index: number;
  readonly raw: Record<string, unknown>;
  readonly s: Settlement;
}

/**
 * Stores the bureau's settlement records. Each record stands alone: an invalid one (field named), one whose
 * certno is not the roster's for its psn_no, or a changed record under a known setl_id (409) is reported
 * by index and stores nothing; the others are stored (or found already stored: "same").
 */
export async function ingestBureauRecords(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  records: readonly unknown[],
): Promise<FeedOutcome> {
  if (records.length === 0 || records.length > MAX_FEED_RECORDS)
    throw new ServiceError("invalid", "invalid_value", `records 应有 1–${MAX_FEED_RECORDS} 条`, "records");
  await assertProgramExists(ctx.db, programId);
  const results: FeedResult[] = records.map((_, index) => ({ index, setl_id: null, status: "error" }));
  const valid: ParsedFeedRecord[] = [];
  records.forEach((record, index) => {
    const result = results[index] as FeedResult;
    if (record === null || typeof record !== "object" || Array.isArray(record)) {
      result.error = { code: "invalid_json", message: "每条记录应为 JSON 对象", field: null };
      return;
    }
    const raw = record as Record<string, unknown>;
    if (typeof raw.setl_id === "string") result.setl_id = raw.setl_id.slice(0, 64);
    // What PostgreSQL cannot store as sent (NUL, unpaired surrogates, absurd nesting) is refused like settleClaim does.
    const unstorable = unstorableAt(raw);
    if (unstorable !== undefined) {
      result.error = {
        code: "invalid_value",
        message: `${unstorable}: 含有 NUL、不成对的代理字符或嵌套过深`,
        field: unstorable,
      };
      return;
    }
    // Same parse as every settlement path: not after the business clock; only the national fields kept.
    const parsed = parseSettlement(raw, {
      notAfter: latestPossibleSettlement(ctx.clock.now().getTime()),
    });
    if (!parsed.ok) {
      result.error = { ...parsed.error };
      return;
    }
    valid.push({ index, raw: parsed.record, s: parsed.settlement });
  });
  const now = ctx.clock.now();
  for (let i = 0; i < valid.length; i += FEED_CHUNK) {
    const chunk = valid.slice(i, i + FEED_CHUNK);
    const outcomes = await ctx.db.transaction((tx) => storeChunk(ctx, tx, programId, chunk, now));
    for (const [index, outcome] of outcomes) Object.assign(results[index] as FeedResult, outcome);
  }
  const count = (status: FeedResult["status"]) => results.filter((r) => r.status === status).length;
  const outcome = { stored: count("stored"), same: count("same"), rejected: count("error"), results };
  await audit(ctx.db, actor, programId, "medical_records.feed", "bureau", {
    records: records.length,
    stored: outcome.stored,
    same: outcome.same,
    rejected: outcome.rejected,
  });
  return outcome;
}

async function storeChunk(
  ctx: PlatformContext,
  tx: Queryable,
  programId: string,
  chunk: readonly ParsedFeedRecord[],
  now: Date,
): Promise<Map<number, Pick<FeedResult, "status" | "error">>> {
  // The setl_id locks settleClaim takes, taken in one global order so concurrent feeds cannot deadlock.
  const setlIds = [...new Set(chunk.map((r) => r.s.setlId))].sort();
  for (const setlId of setlIds) await lockSetlId(tx, programId, setlId);
  const psnNos = [...new Set(chunk.map((r) => r.s.psnNo))];
  const roster = await tx.query<{ psn_no: string; certno_bidx: Uint8Array }>(
    "select psn_no, certno_bidx from roster_persons where program_id = $1 and psn_no = any($2)",
    [programId, psnNos],
  );
  const bidxOf = new Map(roster.map((r) => [r.psn_no, Buffer.from(r.certno_bidx)]));
  const out = new Map<number, Pick<FeedResult, "status" | "error">>();
  for (const { index, raw, s } of chunk) {
    const bidx = bidxOf.get(s.psnNo);
    if (bidx === undefined) {
      out.set(index, {
        status: "error",
        error: { code: "not_on_roster", message: `psn_no ${s.psnNo} 不在参保名单中`, field: "psn_no" },
      });
      continue;
    }
    if (!bidx.equals(blindIndex(ctx.keys, s.certno))) {
      out.set(index, {
        status: "error",
        error: {
          code: "certno_mismatch",
          message: `certno 与 psn_no ${s.psnNo} 的参保登记不符`,
          field: "certno",
        },
      });
      continue;
    }
    try {
      // storeMedicalRecord refuses a changed record before writing anything, so the transaction stays usable.
      out.set(index, { status: await storeMedicalRecord(tx, ctx.keys, programId, raw, s, "bureau", now) });
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      out.set(index, {
        status: "error",
        error: { code: e.code, message: e.message, field: e.field ?? null },
      });
    }
  }
  return out;
}

/* ------------------------------------------------------------------------------------------------------------
 * The resident's side
 * ---------------------------------------------------------------------------------------------------------- */

/** A record the resident may claim; the amount in fen (the API writes yuan, api/present/claims.ts). */
export interface ClaimableRecord {
  setl_id: string;
  fixmedins_code: string;
  /** The institution's registered name (institutions), null when the code is not registered. */
  fixmedins_name: string | null;
  med_type: string;
  settled_at: string;
  psn_part_amt: Fen;
}

/**
 * The resident's shared records that no channel has claimed and that an active consent covers — only the
 * fields needed to choose (minimum necessary). Without any consent in force: 403 consent_required.
 */
export async function claimableRecords(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<{ psn_no: string; records: ClaimableRecord[] }> {
  const psnNo = residentPsnNo(actor);
  const now = ctx.clock.now();
  if (!(await hasActiveConsent(ctx.db, programId, psnNo, now)))
    throw consentRequired(undefined, "您的结算记录");
  const rows = await ctx.db.query<{
    setl_id: string;
    fixmedins_code: string;
    fixmedins_name: string | null;
    med_type: string;
    settled_at: Date;
    psn_part_amt_fen: number;
  }>(
    `select m.setl_id, m.fixmedins_code, i.name as fixmedins_name, m.med_type, m.settled_at, m.psn_part_amt_fen
       from medical_records m
       left join institutions i on i.program_id = m.program_id and i.fixmedins_code = m.fixmedins_code
      where m.program_id = $1 and m.psn_no = $2 and m.source = 'bureau'
        and not exists (select 1 from claims c where c.program_id = m.program_id and c.setl_id = m.setl_id)
        and exists (select 1 from claim_consents k
                     where k.program_id = m.program_id and k.psn_no = m.psn_no and k.revoked_at is null
                       and k.granted_at <= $3 and k.expires_at > $3
                       and k.records_from <= m.settled_at and k.records_until > m.settled_at)
      order by m.settled_at, m.setl_id`,
    [programId, psnNo, now],
  );
  await audit(ctx.db, actor, programId, "medical_records.read", psnNo, { count: rows.length });
  return {
    psn_no: psnNo,
    records: rows.map((r) => ({
      setl_id: r.setl_id,
      fixmedins_code: r.fixmedins_code,
      fixmedins_name: r.fixmedins_name,
      med_type: r.med_type,
      settled_at: formatBusinessTime(new Date(r.settled_at).getTime()),
      psn_part_amt: Number(r.psn_part_amt_fen),
    })),
  };
}

export type OnlineClaimResult =
  | { setl_id: string; replay: boolean; claim: SettlementResponse }
  | { setl_id: string; error: RecordProblem };

interface CandidateRow {
  setl_id: string;
  psn_no: string;
  source: string;
  settled_at: Date;
  claim_kind: ClaimKind | null;
}

const CHANNEL_NAMES: Record<ClaimKind, string> = {
  one_stop: "一站式结算",
  online: "线上理赔",
  counter: "柜面理赔",
  special_drug: "特药理赔",
};

/**
 * Claims the chosen records, each adjudicated and paid to the resident. Everything is checked before anything
 * is settled — each id must be the resident's shared record (else 404, so other people's ids reveal
 * nothing), unclaimed by another channel (409) and covered by an active consent (403) — so a bad request
 * changes nothing. Claiming a record already claimed online returns the original result (replay: true).
 */
export async function submitOnlineClaims(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  setlIds: readonly string[],
): Promise<{ results: OnlineClaimResult[] }> {
  const psnNo = residentPsnNo(actor);
  if (setlIds.length === 0 || setlIds.length > MAX_CLAIM_IDS)
    throw new ServiceError("invalid", "invalid_value", `setl_ids 应有 1–${MAX_CLAIM_IDS} 个`, "setl_ids");
  const seen = new Set<string>();
  setlIds.forEach((id, i) => {
    if (seen.has(id))
      throw new ServiceError("invalid", "duplicate_setl_id", `setl_id ${id} 重复`, `setl_ids[${i}]`);
    seen.add(id);
  });
  const now = ctx.clock.now();
  const rows = await ctx.db.query<CandidateRow>(
    `select m.setl_id, m.psn_no, m.source, m.settled_at, c.kind as claim_kind
       from medical_records m left join claims c on c.program_id = m.program_id and c.setl_id = m.setl_id
      where m.program_id = $1 and m.setl_id = any($2)`,
    [programId, [...setlIds]],
  );
  const byId = new Map(rows.map((r) => [r.setl_id, r]));
  for (const [i, id] of setlIds.entries()) {
    const field = `setl_ids[${i}]`;
    const row = byId.get(id);
    if (row === undefined || row.psn_no !== psnNo)
      throw new ServiceError("not_found", "not_found", `结算记录 ${id} 不存在`, field);
    if (row.claim_kind === "online") continue; // answered from the stored claim below
    if (row.claim_kind !== null) throw alreadyClaimed(id, row.claim_kind, field);
    if (row.source !== "bureau")
      throw new ServiceError("conflict", "not_claimable_online", `结算记录 ${id} 不能线上申请理赔`, field);
    if ((await coveringConsent(ctx.db, programId, psnNo, new Date(row.settled_at), now)) === undefined)
      throw consentRequired(field, `结算记录 ${id}`);
  }

  const results: OnlineClaimResult[] = [];
  for (const id of setlIds) {
    try {
      results.push(await claimOne(ctx, actor, programId, psnNo, id, now));
    } catch (e) {
      // Only a race can get here (a consent revoked, a hospital settling the same record meanwhile): the
      // earlier ids stay settled, this one changed nothing.
      if (!(e instanceof ServiceError)) throw e;
      results.push({ setl_id: id, error: { code: e.code, message: e.message, field: e.field ?? null } });
    }
  }
  return { results };
}

function alreadyClaimed(setlId: string, kind: ClaimKind, field: string): ServiceError {
  return new ServiceError(
    "conflict",
    "already_claimed",
    `结算记录 ${setlId} 已通过${CHANNEL_NAMES[kind]}理算，不能重复申请`,
    field,
  );
}

async function claimOne(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNo: string,
  setlId: string,
  now: Date,
): Promise<OnlineClaimResult> {
  const loaded = await loadRecordForClaim(ctx.db, ctx.keys, programId, setlId);
  const outcome = await settleClaim(ctx, actor, {
    programId,
    record: loaded.wire,
    kind: "online",
    payee: "resident",
    source: undefined,
    // Runs inside the settlement's transaction, under its setl_id lock: the consent is checked (and held)
    // in the same transaction that pays, and its use is the first event of the claim's trail.
    precheck: async (s, tx) => {
      if (s.psnNo !== psnNo)
        throw new ServiceError("not_found", "not_found", `结算记录 ${setlId} 不存在`, "setl_ids");
      const consentId = await coveringConsent(tx, programId, psnNo, new Date(s.settledAt), now, true);
      if (consentId === undefined) throw consentRequired("setl_ids", `结算记录 ${setlId}`);
      await addClaimEvent(tx, programId, setlId, "consent_used", actor, now, { consent_id: consentId });
    },
  });
  if (outcome.replay) {
    const kind = await claimKindOf(ctx.db, programId, setlId);
    if (kind !== "online") throw alreadyClaimed(setlId, kind ?? "one_stop", "setl_ids");
  }
  return { setl_id: setlId, replay: outcome.replay, claim: outcome.response };
}

async function claimKindOf(q: Queryable, programId: string, setlId: string): Promise<ClaimKind | undefined> {
  const rows = await q.query<{ kind: ClaimKind }>(
    "select kind from claims where program_id = $1 and setl_id = $2",
    [programId, setlId],
  );
  return rows[0]?.kind;
}

/* ------------------------------------------------------------------------------------------------------------
 * The status trail
 * ---------------------------------------------------------------------------------------------------------- */

interface TrailClaimRow {
  setl_id: string;
  kind: ClaimKind;
  psn_no: string;
  fixmedins_code: string;
  fixmedins_name: string | null;
  response: SettlementResponse;
  state: "settled" | "revoked";
  created_at: Date;
  revoked_at: Date | null;
  revoke_reason: string | null;
}

/**
 * Every claim of one person, of every channel, newest first, each with its events in order. A resident sees
 * their own; operators and admins name the person. Every read is audited.
 */
export async function claimTrail(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNoQuery: string | undefined,
): Promise<{ psn_no: string; claims: ClaimView[] }> {
  const psnNo = personInView(actor, psnNoQuery);
  const claims = await ctx.db.query<TrailClaimRow>(
    `select c.setl_id, c.kind, c.psn_no, c.fixmedins_code, i.name as fixmedins_name, c.response, c.state,
            c.created_at, c.revoked_at, c.revoke_reason
       from claims c
       left join institutions i on i.program_id = c.program_id and i.fixmedins_code = c.fixmedins_code
      where c.program_id = $1 and c.psn_no = $2 order by c.created_at desc, c.setl_id`,
    [programId, psnNo],
  );
  const events = await ctx.db.query<{ setl_id: string; event: string; at: Date; data: unknown }>(
    `select setl_id, event, at, data from claim_events
      where program_id = $1 and setl_id = any($2) order by event_no`,
    [programId, claims.map((c) => c.setl_id)],
  );
  const eventsOf = new Map<string, ClaimView["events"]>();
  for (const e of events) {
    const list = eventsOf.get(e.setl_id) ?? [];
    list.push({ event: e.event, at: new Date(e.at).toISOString(), data: e.data });
    eventsOf.set(e.setl_id, list);
  }
  await audit(ctx.db, actor, programId, "claim.trail.read", psnNo);
  return {
    psn_no: psnNo,
    claims: claims.map((c) => ({
      ...c.response,
      kind: c.kind,
      psn_no: c.psn_no,
      fixmedins_code: c.fixmedins_code,
      fixmedins_name: c.fixmedins_name,
      state: c.state,
      settled_at: new Date(c.created_at).toISOString(),
      revoked_at: c.revoked_at === null ? null : new Date(c.revoked_at).toISOString(),
      revoke_reason: c.revoke_reason,
      events: eventsOf.get(c.setl_id) ?? [],
    })),
  };
}
