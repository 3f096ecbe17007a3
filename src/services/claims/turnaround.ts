/**
 * 理赔时效 (claim turnaround), issue 14: every city publishes how fast claims are closed (沪惠保: 95.4 % the
 * same day). For each claim, three instants, all derived from what the claims core already records — no
 * column of its own, so the figure can never drift from the claims it describes:
 *
 *  - submitted: a counter case's creation (counter_claims.created_at); an online claim's consent use (its
 *    first event, `consent_used`); a one-stop or special-drug settlement's arrival (claims.created_at: the
 *    hospital or pharmacy sends the record at discharge / dispensing, and it is adjudicated on arrival).
 *  - decided: a counter case's first decision (the first `counter_approved` / `counter_adjusted` /
 *    `counter_rejected` event — an appeal later does not make the first answer later); every other channel
 *    is adjudicated by the engine when it is submitted (claims.created_at).
 *  - paid: when the money reached the resident. One-stop and special-drug payouts are netted off the bill at
 *    the hospital or pharmacy (直付), so they are paid when settled; online and counter payouts are paid when
 *    the payout batch that takes them is created (payout_batch_claims, direction 'payout').
 *
 * Figures, per channel, per institution, per submission month and in total, over claims SUBMITTED in the
 * chosen Beijing days: for "decided", every submitted claim counts (one still in review counts as not done,
 * so an old backlog lowers the shares instead of vanishing from them); for "paid", the claims with money to
 * pay (a payout above zero, not revoked before it was paid). "Same day" is the same Beijing calendar day;
 * "within N days" is at most N × 24 hours; the median is over the claims done.
 */
import type {
  ClaimTimeline,
  ClaimTimelineItem,
  TurnaroundLeg,
  TurnaroundReport,
} from "../../contract/turnaround.js";
import { beijingDayStart } from "../../domain/ledger.js";
import { CLAIM_CHANNELS } from "../../domain/vocabulary.js";
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { beijingDay, DAY_MS, daysBetween, parseDay } from "../oversight/dates.js";
import { loadForOversight } from "../oversight/shared.js";
import { personInView } from "./consent.js";
import { APPEAL_SETL_SUFFIX } from "./counter/shared.js";
import type { ClaimKind } from "./settle.js";

export type { ClaimTimeline, ClaimTimelineItem, TurnaroundLeg, TurnaroundReport };

/** The windows every city reports: decided / paid within 3 and 10 days of submission. */
export const SHORT_WINDOW_DAYS = 3;
export const LONG_WINDOW_DAYS = 10;
/** Longest from … to span in days: a little over two policy years. */
export const MAX_TURNAROUND_DAYS = 800;
const BPS = 10_000;
const SECONDS_PER_HOUR = 3600;

/** The events by which a counter case is first decided (review.ts writes `counter_${status}`). */
const COUNTER_DECISIONS = ["counter_approved", "counter_adjusted", "counter_rejected"];

/**
 * One row per claim submitted in [$2, $3): channel, institution, the three instants and whether it has
 * money to pay. Counter cases come from counter_claims (their claims, under the case's setl_id or its
 * appeal's, are not counted again).
 */
const TIMELINE_SQL = `
  select 'counter' as channel, cc.record->>'fixmedins_code' as fixmedins_code, cc.created_at as submitted_at,
         (select min(e.at) from claim_events e
           where e.program_id = cc.program_id and e.setl_id = cc.setl_id and e.event = any($4)) as decided_at,
         (select min(b.created_at) from payout_batch_claims p
            join payout_batches b on b.program_id = p.program_id and b.batch_id = p.batch_id
           where p.program_id = cc.program_id and p.direction = 'payout'
             and p.setl_id in (cc.setl_id, cc.setl_id || $5::text)) as paid_at,
         exists (select 1 from claims c
                  where c.program_id = cc.program_id and c.setl_id in (cc.setl_id, cc.setl_id || $5::text)
                    and c.hmb_pay_fen > 0 and c.state = 'settled') as payable
    from counter_claims cc
   where cc.program_id = $1 and cc.created_at >= $2 and cc.created_at < $3
  union all
  select c.kind, c.fixmedins_code,
         case when c.kind = 'online'
              then coalesce((select min(e.at) from claim_events e
                              where e.program_id = c.program_id and e.setl_id = c.setl_id), c.created_at)
              else c.created_at end,
         c.created_at,
         case when c.payee = 'hospital' then c.created_at
              else (select min(b.created_at) from payout_batch_claims p
                      join payout_batches b on b.program_id = p.program_id and b.batch_id = p.batch_id
                     where p.program_id = c.program_id and p.setl_id = c.setl_id and p.direction = 'payout') end,
         c.hmb_pay_fen > 0 and (c.state = 'settled' or c.payee = 'hospital'
           or exists (select 1 from payout_batch_claims p
                       where p.program_id = c.program_id and p.setl_id = c.setl_id and p.direction = 'payout'))
    from claims c
   where c.program_id = $1 and c.kind <> 'counter' and c.created_at >= $2 and c.created_at < $3`;

/** The Beijing calendar day of a timestamptz, whatever the session's time zone. */
const bjDay = (col: string) => `((${col} at time zone 'UTC') + interval '8 hours')::date`;

function legSql(prefix: string, at: string, where: string): string {
  const done = `${at} is not null and ${where}`;
  return [
    `count(*) filter (where ${where}) as ${prefix}_count`,
    `count(*) filter (where ${done}) as ${prefix}_done`,
    `count(*) filter (where ${done} and ${bjDay(at)} = ${bjDay("submitted_at")}) as ${prefix}_same_day`,
    `count(*) filter (where ${done} and ${at} - submitted_at <= interval '${SHORT_WINDOW_DAYS} days') as ${prefix}_short`,
    `count(*) filter (where ${done} and ${at} - submitted_at <= interval '${LONG_WINDOW_DAYS} days') as ${prefix}_long`,
    `percentile_cont(0.5) within group (order by extract(epoch from ${at} - submitted_at)::float8)
       filter (where ${done}) as ${prefix}_median_s`,
  ].join(",\n       ");
}

const AGGREGATE_SQL = `
  with t as (${TIMELINE_SQL}),
  m as (select *, to_char(${bjDay("submitted_at")}, 'YYYY-MM') as month from t)
  select grouping(channel) as g_channel, grouping(fixmedins_code) as g_inst, grouping(month) as g_month,
         channel, fixmedins_code, month,
       ${legSql("d", "decided_at", "true")},
       ${legSql("p", "paid_at", "payable")}
    from m
   group by grouping sets ((), (channel), (fixmedins_code), (month))`;

type Num = number | string | null;
interface AggregateRow {
  g_channel: Num;
  g_inst: Num;
  g_month: Num;
  channel: ClaimKind | null;
  fixmedins_code: string | null;
  month: string | null;
  [figure: string]: Num;
}

const share = (n: number, of: number): number | null => (of === 0 ? null : Math.round((n * BPS) / of));

function legOf(r: AggregateRow, prefix: "d" | "p"): TurnaroundLeg {
  const n = (k: string) => Number(r[`${prefix}_${k}`] ?? 0);
  const count = n("count");
  const median = r[`${prefix}_median_s`];
  return {
    count,
    done: n("done"),
    same_day: n("same_day"),
    within_3_days: n("short"),
    within_10_days: n("long"),
    same_day_bps: share(n("same_day"), count),
    within_3_days_bps: share(n("short"), count),
    within_10_days_bps: share(n("long"), count),
    median_hours:
      median === null || median === undefined
        ? null
        : Math.round((Number(median) / SECONDS_PER_HOUR) * 10) / 10,
  };
}

const rowOf = (r: AggregateRow | undefined) =>
  r === undefined
    ? { decided: legOf({} as AggregateRow, "d"), paid: legOf({} as AggregateRow, "p") }
    : { decided: legOf(r, "d"), paid: legOf(r, "p") };

/** The from … to days of a query (defaults: the product's enrollment start, today), checked. */
async function periodOf(
  ctx: PlatformContext,
  programId: string,
  query: { from?: string | undefined; to?: string | undefined },
): Promise<{ from: string; to: string }> {
  const { product, today } = await loadForOversight(ctx, programId);
  const from =
    query.from === undefined || query.from === ""
      ? beijingDay(product.enrollment.start)
      : parseDay(query.from, "from");
  const to = query.to === undefined || query.to === "" ? today : parseDay(query.to, "to");
  const span = daysBetween(from, to);
  if (span < 0) throw new ServiceError("invalid", "invalid_value", "截止日期 to 不能早于起始日期 from", "to");
  if (span > MAX_TURNAROUND_DAYS)
    throw new ServiceError("invalid", "invalid_value", `起止日期最多相隔 ${MAX_TURNAROUND_DAYS} 天`, "to");
  return { from, to };
}

/**
 * The turnaround report over claims submitted from `from` to `to` (Beijing days, inclusive). Aggregates
 * only — no person is named — but still a read of the program's claims, so it is audited.
 */
export async function claimTurnaround(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: { from?: string | undefined; to?: string | undefined } = {},
): Promise<TurnaroundReport> {
  const report = await turnaroundFigures(ctx, programId, query);
  await audit(ctx.db, actor, programId, "claim.turnaround.read", "*", { from: report.from, to: report.to });
  return report;
}

/** The report's figures without the audit entry: for reports that audit their own read (the disclosure). */
export async function turnaroundFigures(
  ctx: PlatformContext,
  programId: string,
  query: { from?: string | undefined; to?: string | undefined } = {},
): Promise<TurnaroundReport> {
  const { from, to } = await periodOf(ctx, programId, query);
  const start = beijingDayStart(from) as Date;
  const end = new Date((beijingDayStart(to) as Date).getTime() + DAY_MS);
  const rows = await ctx.db.query<AggregateRow>(AGGREGATE_SQL, [
    programId,
    start,
    end,
    COUNTER_DECISIONS,
    APPEAL_SETL_SUFFIX,
  ]);
  const grouped = (g: "g_channel" | "g_inst" | "g_month") =>
    rows.filter(
      (r) => Number(r.g_channel) + Number(r.g_inst) + Number(r.g_month) === 2 && Number(r[g]) === 0,
    );
  const total = rows.find((r) => Number(r.g_channel) + Number(r.g_inst) + Number(r.g_month) === 3);
  const byChannel = new Map(grouped("g_channel").map((r) => [r.channel, r]));
  const names = new Map(
    (
      await ctx.db.query<{ fixmedins_code: string; name: string }>(
        "select fixmedins_code, name from institutions where program_id = $1",
        [programId],
      )
    ).map((i) => [i.fixmedins_code, i.name]),
  );
  const institutions = grouped("g_inst")
    .filter((r) => r.fixmedins_code !== null)
    .map((r) => ({
      fixmedins_code: r.fixmedins_code as string,
      fixmedins_name: names.get(r.fixmedins_code as string) ?? null,
      ...rowOf(r),
    }))
    .sort((a, b) => b.decided.count - a.decided.count || a.fixmedins_code.localeCompare(b.fixmedins_code));
  const months = grouped("g_month")
    .map((r) => ({ month: r.month as string, ...rowOf(r) }))
    .sort((a, b) => a.month.localeCompare(b.month));
  return {
    program_id: programId,
    from,
    to,
    total: rowOf(total),
    channels: CLAIM_CHANNELS.map((channel) => ({ channel, ...rowOf(byChannel.get(channel)) })),
    institutions,
    months,
  };
}

/* ------------------------------------------------------------------------------------------------------------
 * One person's claims as a timeline (the H5's 已提交 → 已审核 → 已赔付)
 * ---------------------------------------------------------------------------------------------------------- */

interface PersonRow {
  setl_id: string;
  paid_setl_id: string | null;
  case_id: string | null;
  channel: ClaimKind;
  fixmedins_name: string | null;
  submitted_at: Date;
  decided_at: Date | null;
  paid_at: Date | null;
  hmb_pay_fen: Num;
  state: "settled" | "revoked" | null;
  case_status: string | null;
}

/** The same instants as the report, for one person's claims (the counter's claims shown through their case). */
const PERSON_SQL = `
  select cc.setl_id, cc.paid_setl_id, cc.case_id, 'counter' as channel, i.name as fixmedins_name,
         cc.created_at as submitted_at,
         (select min(e.at) from claim_events e
           where e.program_id = cc.program_id and e.setl_id = cc.setl_id and e.event = any($3)) as decided_at,
         (select min(b.created_at) from payout_batch_claims p
            join payout_batches b on b.program_id = p.program_id and b.batch_id = p.batch_id
           where p.program_id = cc.program_id and p.direction = 'payout' and p.setl_id = cc.paid_setl_id) as paid_at,
         c.hmb_pay_fen, c.state, cc.status as case_status
    from counter_claims cc
    left join claims c on c.program_id = cc.program_id and c.setl_id = cc.paid_setl_id
    left join institutions i on i.program_id = cc.program_id and i.fixmedins_code = cc.record->>'fixmedins_code'
   where cc.program_id = $1 and cc.psn_no = $2
  union all
  select c.setl_id, c.setl_id, null, c.kind, i.name,
         case when c.kind = 'online'
              then coalesce((select min(e.at) from claim_events e
                              where e.program_id = c.program_id and e.setl_id = c.setl_id), c.created_at)
              else c.created_at end,
         c.created_at,
         case when c.payee = 'hospital' then c.created_at
              else (select min(b.created_at) from payout_batch_claims p
                      join payout_batches b on b.program_id = p.program_id and b.batch_id = p.batch_id
                     where p.program_id = c.program_id and p.setl_id = c.setl_id and p.direction = 'payout') end,
         c.hmb_pay_fen, c.state, null
    from claims c
    left join institutions i on i.program_id = c.program_id and i.fixmedins_code = c.fixmedins_code
   where c.program_id = $1 and c.psn_no = $2 and c.kind <> 'counter'
   order by 6 desc, 1`;

function outcomeOf(r: PersonRow): ClaimTimelineItem["outcome"] {
  if (r.decided_at === null) return "in_review";
  if (r.channel === "counter" && r.paid_setl_id === null)
    return r.case_status === "rejected" ? "rejected" : "in_review";
  if (r.state === "revoked") return "revoked";
  if (Number(r.hmb_pay_fen ?? 0) === 0) return "nothing_payable";
  return r.paid_at === null ? "awaiting_payout" : "paid";
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/**
 * Where each of one person's claims stands, newest first. A resident sees their own; staff name the person.
 * Every read is audited.
 */
export async function claimTimeline(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNoQuery: string | undefined,
): Promise<ClaimTimeline> {
  const psnNo = personInView(actor, psnNoQuery);
  const rows = await ctx.db.query<PersonRow>(PERSON_SQL, [programId, psnNo, COUNTER_DECISIONS]);
  await audit(ctx.db, actor, programId, "claim.timeline.read", psnNo, { count: rows.length });
  return {
    items: rows.map((r) => ({
      setl_id: r.setl_id,
      paid_setl_id: r.paid_setl_id,
      case_id: r.case_id,
      channel: r.channel,
      fixmedins_name: r.fixmedins_name,
      submitted_at: new Date(r.submitted_at).toISOString(),
      decided_at: iso(r.decided_at),
      // A revoked payout's batch is not money the resident keeps: no paid step for it.
      paid_at: r.state === "revoked" && r.channel !== "counter" ? null : iso(r.paid_at),
      outcome: outcomeOf(r),
    })),
  };
}
