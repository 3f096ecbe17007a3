/**
 * Distribution and promotion (共保体分销, 线上推广; seeds 000 and 002): promotion codes per co-insurer, agent,
 * unit and community, carried by the H5 through eligibility, order and payment, and the funnel they feed
 * (visits → eligibility checks → orders → persons paid) per code, kind, county and co-insurer.
 *
 * A code is eight random characters from an alphabet without look-alikes (no I/O/0/1): it identifies the
 * channel, never a person, so a QR code on a community notice board leaks nothing. Counting is one upsert
 * per event on a (code, day, stage) row, inside the transaction that makes the event happen, so an order
 * rolled back is never counted.
 */
import { randomInt } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { countyNames, findRegion } from "../domain/regions.js";
import { beijingDay } from "../domain/time.js";
import {
  labelOf,
  PROMOTION_KIND_LABELS,
  PROMOTION_STAGES,
  type PromotionKind,
  type PromotionStage,
  type PromotionStatus,
} from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";

/** Without I, O, 0 and 1, which are misread from a printed poster. */
const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const PROMO_CODE_LENGTH = 8;
export const PROMO_CODE = /^[A-HJ-NP-Z2-9]{8}$/;
/** A fresh random code that collides with an existing one is drawn again, at most this often. */
const MAX_CODE_DRAWS = 5;
const MAX_NAME_LENGTH = 64;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export interface Promotion {
  readonly code: string;
  readonly kind: PromotionKind;
  readonly name: string;
  readonly insurerCode: string;
  readonly insurerName: string;
  readonly county: string | null;
  readonly countyName: string | null;
  readonly status: PromotionStatus;
  readonly createdAt: Date;
}

export interface NewPromotion {
  readonly programId: string;
  readonly kind: PromotionKind;
  readonly name: string;
  /** Required of staff; a co-insurer's own account always creates codes for itself. */
  readonly insurerCode?: string | undefined;
  readonly county?: string | undefined;
}

function drawCode(): string {
  let code = "";
  for (let i = 0; i < PROMO_CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** A co-insurer acts for itself only; staff name the co-insurer. */
function ownerInsurer(actor: Actor, requested: string | undefined): string | undefined {
  if (actor.role !== "co_insurer") return requested;
  if (requested !== undefined && requested !== actor.insurerCode)
    throw new ServiceError("forbidden", "forbidden", "共保公司只能为本公司创建推广码", "insurer_code");
  return actor.insurerCode;
}

export async function createPromotion(
  ctx: PlatformContext,
  actor: Actor,
  input: NewPromotion,
): Promise<Promotion> {
  const program = await loadProgram(ctx, input.programId);
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH)
    throw new ServiceError("invalid", "invalid_value", `推广渠道名称应为 1–${MAX_NAME_LENGTH} 个字`, "name");
  const insurerCode = ownerInsurer(actor, input.insurerCode);
  const insurer = program.insurers.find((i) => i.code === insurerCode);
  if (insurer === undefined)
    throw new ServiceError(
      "invalid",
      "unknown_insurer",
      insurerCode === undefined ? "请选择所属共保公司" : `本项目没有共保公司 ${insurerCode}`,
      "insurer_code",
    );
  if (input.county !== undefined && !countyNames(program.regionCode).has(input.county))
    throw new ServiceError("invalid", "unknown_county", `本项目地区没有区县 ${input.county}`, "county");
  const now = ctx.clock.now();
  for (let draw = 1; ; draw++) {
    const code = drawCode();
    const inserted = await ctx.db.transaction(async (tx) => {
      const rows = await tx.query(
        `insert into promotion_codes (program_id, code, kind, name, insurer_code, county, created_by, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (program_id, code) do nothing returning 1`,
        [input.programId, code, input.kind, name, insurer.code, input.county ?? null, actor.id, now],
      );
      if (rows.length === 0) return false;
      await audit(tx, actor, input.programId, "promotion.create", code, { kind: input.kind, name });
      return true;
    });
    if (inserted) {
      const created = (await listPromotions(ctx, actor, input.programId)).find((p) => p.code === code);
      if (created === undefined) throw new Error(`promotion ${code} vanished after insert`);
      return created;
    }
    if (draw >= MAX_CODE_DRAWS) throw new Error("promotion code space exhausted: could not draw a free code");
  }
}

interface PromotionRow {
  code: string;
  kind: PromotionKind;
  name: string;
  insurer_code: string;
  county: string | null;
  status: PromotionStatus;
  created_at: Date;
}

export async function listPromotions(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<Promotion[]> {
  const program = await loadProgram(ctx, programId);
  const own = actor.role === "co_insurer" ? (actor.insurerCode ?? "") : null;
  const rows = await ctx.db.query<PromotionRow>(
    `select code, kind, name, insurer_code, county, status, created_at from promotion_codes
      where program_id = $1 and ($2::text is null or insurer_code = $2) order by created_at, code`,
    [programId, own],
  );
  const counties = countyNames(program.regionCode);
  const insurers = new Map(program.insurers.map((i) => [i.code, i.name]));
  return rows.map((r) => ({
    code: r.code,
    kind: r.kind,
    name: r.name,
    insurerCode: r.insurer_code,
    insurerName: insurers.get(r.insurer_code) ?? r.insurer_code,
    county: r.county,
    countyName: r.county === null ? null : (counties.get(r.county) ?? null),
    status: r.status,
    createdAt: new Date(r.created_at),
  }));
}

/** What the create form offers: the co-insurers the actor may create for, the program region's counties. */
export async function promotionChoices(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<{ insurers: { code: string; name: string }[]; counties: { code: string; name: string }[] }> {
  const program = await loadProgram(ctx, programId);
  return {
    insurers: program.insurers
      .filter((i) => actor.role !== "co_insurer" || i.code === actor.insurerCode)
      .map((i) => ({ code: i.code, name: i.name })),
    // Today's codes only (countyNames also knows former ones, for old ID numbers).
    counties: (findRegion(program.regionCode)?.counties ?? []).map((c) => ({ code: c.code, name: c.name })),
  };
}

export async function setPromotionStatus(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  code: string,
  status: PromotionStatus,
): Promise<Promotion> {
  const own = actor.role === "co_insurer" ? (actor.insurerCode ?? "") : null;
  const changed = await ctx.db.transaction(async (tx) => {
    const rows = await tx.query(
      `update promotion_codes set status = $3
        where program_id = $1 and code = $2 and ($4::text is null or insurer_code = $4) returning 1`,
      [programId, code, status, own],
    );
    if (rows.length > 0) await audit(tx, actor, programId, "promotion.status", code, { status });
    return rows.length > 0;
  });
  const found = changed
    ? (await listPromotions(ctx, actor, programId)).find((p) => p.code === code)
    : undefined;
  if (found === undefined) throw notFound(`推广码 ${PROMO_CODE.test(code) ? code : ""}`.trim(), "code");
  return found;
}

/**
 * The code an eligibility check or an enrollment arrived with, checked: an active code of this program, or
 * null when none was given. A stale poster (disabled code) is the caller's mistake, naming the field.
 */
export async function resolvePromotion(
  q: Queryable,
  programId: string,
  code: string | undefined,
): Promise<string | null> {
  if (code === undefined) return null;
  if (!PROMO_CODE.test(code))
    throw new ServiceError("invalid", "invalid_value", "推广码应为 8 位大写字母或数字", "promo_code");
  const rows = await q.query<{ status: PromotionStatus }>(
    "select status from promotion_codes where program_id = $1 and code = $2",
    [programId, code],
  );
  if (rows[0]?.status !== "active")
    throw new ServiceError("invalid", "unknown_promotion", "推广码不存在或已停用，请重新扫码", "promo_code");
  return code;
}

/** Adds `n` to one stage of a code's funnel for the Beijing day of `at`, in the caller's transaction. */
export async function countPromotion(
  q: Queryable,
  programId: string,
  code: string,
  stage: PromotionStage,
  at: Date,
  n = 1,
): Promise<void> {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`promotion count must be a whole number ≥ 0, got ${n}`);
  if (n === 0) return;
  await q.query(
    `insert into promotion_funnel (program_id, code, day, stage, n) values ($1, $2, $3, $4, $5)
     on conflict (program_id, code, day, stage) do update set n = promotion_funnel.n + excluded.n`,
    [programId, code, beijingDay(at), stage, n],
  );
}

/** An H5 opened from a QR code or link: counted as a visit; the answer names the program only. */
export async function recordVisit(
  ctx: PlatformContext,
  programId: string,
  code: string,
): Promise<{ programId: string; programName: string }> {
  const program = await loadProgram(ctx, programId);
  await ctx.db.transaction(async (tx) => {
    await resolvePromotion(tx, programId, code);
    await countPromotion(tx, programId, code, "visit", ctx.clock.now());
  });
  return { programId, programName: program.name };
}

/**
 * The persons an order paid for, counted against the code its enrollment came through (if any), in the
 * transaction that marks the order paid.
 */
export async function countPaidPromotion(
  tx: Queryable,
  programId: string,
  enrollmentId: string | null,
  persons: number,
  at: Date,
): Promise<void> {
  if (enrollmentId === null) return;
  const rows = await tx.query<{ promo_code: string | null }>(
    "select promo_code from enrollments where program_id = $1 and enrollment_id = $2",
    [programId, enrollmentId],
  );
  const code = rows[0]?.promo_code ?? null;
  if (code !== null) await countPromotion(tx, programId, code, "paid", at, persons);
}

export const FUNNEL_DIMENSIONS = ["code", "kind", "county", "co_insurer"] as const;
export type FunnelDimension = (typeof FUNNEL_DIMENSIONS)[number];

export interface FunnelRow {
  /** The code, kind, county code or insurer code; "" for codes without a county. */
  readonly key: string;
  readonly label: string;
  readonly counts: Readonly<Record<PromotionStage, number>>;
}

export interface FunnelQuery {
  readonly by: FunnelDimension;
  /** Beijing calendar days, both inclusive; absent = all time. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

const GROUP_COLUMN: Record<FunnelDimension, string> = {
  code: "c.code",
  kind: "c.kind",
  county: "coalesce(c.county, '')",
  co_insurer: "c.insurer_code",
};

export async function promotionFunnel(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: FunnelQuery,
): Promise<{ by: FunnelDimension; rows: FunnelRow[]; total: FunnelRow }> {
  for (const field of ["from", "to"] as const) {
    const day = query[field];
    if (day !== undefined && (!DAY.test(day) || Number.isNaN(Date.parse(day))))
      throw new ServiceError("invalid", "invalid_value", `${field} 应为 yyyy-mm-dd 日期`, field);
  }
  const program = await loadProgram(ctx, programId);
  const own = actor.role === "co_insurer" ? (actor.insurerCode ?? "") : null;
  const group = GROUP_COLUMN[query.by];
  const rows = await ctx.db.query<{ key: string; stage: PromotionStage | null; n: string | null }>(
    `select ${group} as key, f.stage, sum(f.n)::text as n
       from promotion_codes c
       left join promotion_funnel f on f.program_id = c.program_id and f.code = c.code
            and ($3::date is null or f.day >= $3::date) and ($4::date is null or f.day <= $4::date)
      where c.program_id = $1 and ($2::text is null or c.insurer_code = $2)
      group by 1, 2 order by 1`,
    [programId, own, query.from ?? null, query.to ?? null],
  );
  const names = await dimensionLabels(ctx, actor, program.regionCode, programId, query.by, program.insurers);
  const byKey = new Map<string, Record<PromotionStage, number>>();
  const total = emptyCounts();
  for (const r of rows) {
    const counts = byKey.get(r.key) ?? emptyCounts();
    byKey.set(r.key, counts);
    if (r.stage === null || r.n === null) continue;
    counts[r.stage] += Number(r.n);
    total[r.stage] += Number(r.n);
  }
  return {
    by: query.by,
    rows: [...byKey].map(([key, counts]) => ({ key, label: names(key), counts })),
    total: { key: "", label: "合计", counts: total },
  };
}

function emptyCounts(): Record<PromotionStage, number> {
  return Object.fromEntries(PROMOTION_STAGES.map((s) => [s, 0])) as Record<PromotionStage, number>;
}

async function dimensionLabels(
  ctx: PlatformContext,
  actor: Actor,
  regionCode: string,
  programId: string,
  by: FunnelDimension,
  insurers: readonly { code: string; name: string }[],
): Promise<(key: string) => string> {
  switch (by) {
    case "code": {
      const promotions = new Map((await listPromotions(ctx, actor, programId)).map((p) => [p.code, p.name]));
      return (key) => promotions.get(key) ?? key;
    }
    case "kind":
      return (key) => labelOf(PROMOTION_KIND_LABELS, key, "zh");
    case "county": {
      const counties = countyNames(regionCode);
      const whole = findRegion(regionCode)?.shortName ?? "全市";
      return (key) => (key === "" ? `${whole}（不限区县）` : (counties.get(key) ?? key));
    }
    case "co_insurer": {
      const names = new Map(insurers.map((i) => [i.code, i.name]));
      return (key) => names.get(key) ?? key;
    }
  }
}
