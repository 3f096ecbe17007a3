/** Eligibility look-ups on a program's roster, by psn_no or by ID number through the blind index. */
import type { Queryable } from "../../db/database.js";
import { blindIndex, decrypt } from "../../platform/crypto.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext } from "../context.js";

export interface RosterPerson {
  readonly psnNo: string;
  readonly name: string;
  readonly gend: "1" | "2";
  readonly birthDate: string;
  readonly insutype: string;
  readonly admdvs: string;
  readonly unitCode: string | null;
  readonly cohort: string | null;
  readonly certnoMasked: string;
}

export async function assertProgramExists(q: Queryable, programId: string): Promise<void> {
  const rows = await q.query("select 1 from programs where program_id = $1", [programId]);
  if (rows.length === 0) throw notFound(`项目 ${programId}`, "program_id");
}

const PERSON_COLUMNS = `psn_no, psn_name, gend, to_char(brdy, 'YYYY-MM-DD') as brdy, insutype, admdvs, unit_code,
  cohort, certno_masked`;

interface PersonRow {
  psn_no: string;
  psn_name: string;
  gend: "1" | "2";
  brdy: string;
  insutype: string;
  admdvs: string;
  unit_code: string | null;
  cohort: string | null;
  certno_masked: string;
}

function personOf(r: PersonRow): RosterPerson {
  return {
    psnNo: r.psn_no,
    name: r.psn_name,
    gend: r.gend,
    birthDate: r.brdy,
    insutype: r.insutype,
    admdvs: r.admdvs,
    unitCode: r.unit_code,
    cohort: r.cohort,
    certnoMasked: r.certno_masked,
  };
}

/** Eligibility: the person on the program's roster, or undefined. No decryption, no audit (callers audit). */
export async function findRosterPerson(
  q: Queryable,
  programId: string,
  psnNo: string,
): Promise<RosterPerson | undefined> {
  const rows = await q.query<PersonRow>(
    `select ${PERSON_COLUMNS} from roster_persons where program_id = $1 and psn_no = $2`,
    [programId, psnNo],
  );
  return rows[0] === undefined ? undefined : personOf(rows[0]);
}

/** Eligibility by ID number through the keyed blind index (the certno itself is never sent to SQL). */
export async function findRosterPersonByCertno(
  ctx: PlatformContext,
  programId: string,
  certno: string,
): Promise<RosterPerson | undefined> {
  const normalized = certno.trim().toUpperCase();
  const rows = await ctx.db.query<PersonRow & { certno_enc: Uint8Array }>(
    `select ${PERSON_COLUMNS}, certno_enc from roster_persons where program_id = $1 and certno_bidx = $2`,
    [programId, blindIndex(ctx.keys, normalized)],
  );
  // A blind index can in principle collide: confirm by decrypting the (rare) candidates.
  for (const r of rows) {
    if (rows.length === 1 || decrypt(ctx.keys, r.certno_enc) === normalized) return personOf(r);
  }
  return undefined;
}

/** The full certno, for the owner's own view or a regulated hand-off; audited as a read of personal data. */
export async function revealRosterCertno(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNo: string,
): Promise<string | undefined> {
  const rows = await ctx.db.query<{ certno_enc: Uint8Array }>(
    "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
    [programId, psnNo],
  );
  if (rows[0] === undefined) return undefined;
  await audit(ctx.db, actor, programId, "roster.reveal_certno", psnNo);
  return decrypt(ctx.keys, rows[0].certno_enc);
}

/** A roster record for staff (masked certno); every read is written to the audit log. */
export async function readRosterPerson(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNo: string,
): Promise<RosterPerson> {
  await assertProgramExists(ctx.db, programId);
  const person = await findRosterPerson(ctx.db, programId, psnNo);
  if (person === undefined) throw notFound(`参保人 ${psnNo}`, "psn_no");
  await audit(ctx.db, actor, programId, "roster.read", psnNo, { fields: "masked" });
  return person;
}
