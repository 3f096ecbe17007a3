/** Counter claims: the program's review settings (four-eyes threshold, appeal window); see shared.ts. */
import type { Queryable } from "../../../db/database.js";
import { type Fen, formatYuan, parseYuan } from "../../../domain/money.js";
import { audit } from "../../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../../context.js";
import { assertProgramExists } from "../../roster.js";
import { DEFAULT_APPEAL_WINDOW_DAYS, DEFAULT_FOUR_EYES_THRESHOLD_FEN, requireStaff } from "./shared.js";

/** A program's counter-claim settings as the API shows them (amount in fen; the API writes yuan). */
export interface ProgramCounterSettings {
  program_id: string;
  four_eyes_threshold: Fen;
  appeal_window_days: number;
  updated_by: string | null;
  updated_at: string | null;
}

export interface Settings {
  thresholdFen: Fen;
  appealDays: number;
}

export async function settingsOf(
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

function settingsView(programId: string, s: Awaited<ReturnType<typeof settingsOf>>): ProgramCounterSettings {
  return {
    program_id: programId,
    four_eyes_threshold: s.thresholdFen,
    appeal_window_days: s.appealDays,
    updated_by: s.by,
    updated_at: s.at === null ? null : s.at.toISOString(),
  };
}

export async function getCounterSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<ProgramCounterSettings> {
  requireStaff(actor);
  await assertProgramExists(ctx.db, programId);
  return settingsView(programId, await settingsOf(ctx.db, programId));
}

export async function setCounterSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: { fourEyesThreshold?: string | undefined; appealWindowDays?: number | undefined },
): Promise<ProgramCounterSettings> {
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
