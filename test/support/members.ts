/** How a resident names a family member in a test: the roster's ID number (decrypted here) and name. */
import { decrypt } from "../../src/platform/crypto.js";
import type { PlatformContext } from "../../src/services/context.js";

export async function memberIdentity(
  ctx: PlatformContext,
  programId: string,
  psnNo: string,
): Promise<{ certno: string; psn_name: string }> {
  const rows = await ctx.db.query<{ certno_enc: Uint8Array; psn_name: string }>(
    "select certno_enc, psn_name from roster_persons where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  const row = rows[0];
  if (row === undefined) throw new Error(`${psnNo} is not on the roster of ${programId}`);
  return { certno: decrypt(ctx.keys, row.certno_enc), psn_name: row.psn_name };
}
