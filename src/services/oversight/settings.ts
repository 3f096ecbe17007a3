/** The program's oversight settings: the IBNR loading on paid claims (basis points, default 0). */
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { loadProgram } from "../programs.js";
import { num } from "./shared.js";

/** The program's IBNR loading in basis points (0 when never set). */
export async function ibnrBps(ctx: PlatformContext, programId: string): Promise<number> {
  const rows = await ctx.db.query<{ ibnr_bps: number }>(
    "select ibnr_bps from oversight_settings where program_id = $1",
    [programId],
  );
  return num(rows[0]?.ibnr_bps);
}

export interface OversightSettings {
  program_id: string;
  ibnr_bps: number;
}

export async function getOversightSettings(
  ctx: PlatformContext,
  programId: string,
): Promise<OversightSettings> {
  await loadProgram(ctx, programId);
  return { program_id: programId, ibnr_bps: await ibnrBps(ctx, programId) };
}

/** Largest IBNR loading: 10 × paid claims. */
export const IBNR_MAX_BPS = 100_000;

/** Sets the IBNR loading (0 … IBNR_MAX_BPS, i.e. up to 10 × paid); audited. */
export async function setOversightSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: { ibnrBps: unknown },
): Promise<OversightSettings> {
  const v = input.ibnrBps;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > IBNR_MAX_BPS) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `ibnr_bps 应为 0 至 ${IBNR_MAX_BPS} 的整数（基点）`,
      "ibnr_bps",
    );
  }
  await loadProgram(ctx, programId);
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into oversight_settings (program_id, ibnr_bps, updated_at, updated_by) values ($1, $2, $3, $4)
       on conflict (program_id) do update set ibnr_bps = excluded.ibnr_bps, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
      [programId, v, ctx.clock.now(), actor.id],
    );
    await audit(tx, actor, programId, "oversight.settings", programId, { ibnr_bps: v });
  });
  return { program_id: programId, ibnr_bps: v };
}
