/**
 * The program's oversight settings: an operator's explicit IBNR loading on paid claims (basis points). Since
 * issue 13 the oversight summary and the disclosure report use the program's reserve (services/reserve.ts);
 * a stored `ibnr_bps` overrides it. "Unset" is the absence of the program's row (the table has one row per
 * program, written only by an operator's PUT), so no migration is needed: a program whose operator once set
 * the loading keeps it as an override until the operator clears it (PUT ibnr_bps: null deletes the row).
 */
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { loadProgram } from "../programs.js";
import { num } from "./shared.js";

/** The operator's explicit IBNR loading in basis points; undefined when none is set (the reserve applies). */
export async function ibnrOverrideBps(ctx: PlatformContext, programId: string): Promise<number | undefined> {
  const rows = await ctx.db.query<{ ibnr_bps: number }>(
    "select ibnr_bps from oversight_settings where program_id = $1",
    [programId],
  );
  return rows[0] === undefined ? undefined : num(rows[0].ibnr_bps);
}

/** Where the summary's IBNR comes from: the program's reserve, or the operator's explicit loading. */
export type IbnrSource = "reserve" | "override";

export interface OversightSettings {
  program_id: string;
  /** The override in basis points; 0 when none is set (kept a number: the wire field predates the reserve). */
  ibnr_bps: number;
  ibnr_source: IbnrSource;
}

function settingsView(programId: string, override: number | undefined): OversightSettings {
  return {
    program_id: programId,
    ibnr_bps: override ?? 0,
    ibnr_source: override === undefined ? "reserve" : "override",
  };
}

export async function getOversightSettings(
  ctx: PlatformContext,
  programId: string,
): Promise<OversightSettings> {
  await loadProgram(ctx, programId);
  return settingsView(programId, await ibnrOverrideBps(ctx, programId));
}

/** Largest IBNR loading: 10 × paid claims. */
export const IBNR_MAX_BPS = 100_000;

/** Sets the IBNR override (0 … IBNR_MAX_BPS, i.e. up to 10 × paid), or clears it with null; audited. */
export async function setOversightSettings(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: { ibnrBps: unknown },
): Promise<OversightSettings> {
  const v = input.ibnrBps;
  if (v === null) {
    await loadProgram(ctx, programId);
    await ctx.db.transaction(async (tx) => {
      await tx.query("delete from oversight_settings where program_id = $1", [programId]);
      await audit(tx, actor, programId, "oversight.settings", programId, { ibnr_bps: null });
    });
    return settingsView(programId, undefined);
  }
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > IBNR_MAX_BPS) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `ibnr_bps 应为 0 至 ${IBNR_MAX_BPS} 的整数（基点），或 null 取消人工设定（改用准备金评估）`,
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
  return settingsView(programId, v);
}
