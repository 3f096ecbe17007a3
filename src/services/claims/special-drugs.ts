/**
 * Special-drug claims (特药, issue 4 item 4): a designated pharmacy dispenses catalog drugs against a designated
 * hospital's prescription and settles 惠民保 on the spot, like one-stop settlement: the pharmacy is paid by the
 * program (payee "hospital", i.e. the institution). The dispensing rules are checked inside settleClaim's
 * transaction (engine/special-drugs.ts); a failure is a 422 naming the rule and the field, and nothing is
 * stored. Prices, per-drug and liability caps and pre-existing exclusions are the engine's, per product.
 */

import type { SpecialDrugResponse } from "../../contract/settlement.js";
import type { Queryable } from "../../db/database.js";
import type { Settlement } from "../../domain/settlement.js";
import { checkDispensing, type Prescription, parsePrescription } from "../../engine/special-drugs.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { loadProgram, productOf } from "../programs.js";
import { settleClaim } from "./settle.js";

export type { SpecialDrugResponse };

/** Serializes dispensings of one prescription, so two pharmacies cannot both fill it. */
async function lockPrescription(tx: Queryable, programId: string, rx: Prescription): Promise<void> {
  await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263008))", [
    `rx:${programId.length}:${programId}:${rx.prescriber}:${rx.rxNo}`,
  ]);
}

async function recordDispensing(
  tx: Queryable,
  programId: string,
  s: Settlement,
  rx: Prescription,
  at: Date,
): Promise<void> {
  await lockPrescription(tx, programId, rx);
  // A prescription is filled once; a dispensing that was revoked (结算撤销) frees it for the corrected one.
  const filled = await tx.query<{ setl_id: string }>(
    `select d.setl_id from special_drug_dispensings d
       join claims c on c.program_id = d.program_id and c.setl_id = d.setl_id
      where d.program_id = $1 and d.prescriber_fixmedins_code = $2 and d.rx_no = $3 and c.state = 'settled'
        and d.setl_id <> $4
      limit 1`,
    [programId, rx.prescriber, rx.rxNo, s.setlId],
  );
  if (filled[0] !== undefined) {
    throw new ServiceError(
      "unprocessable",
      "prescription_already_dispensed",
      `处方 ${rx.rxNo} 已于结算 ${filled[0].setl_id} 配药`,
      "prescription.rx_no",
    );
  }
  await tx.query(
    `insert into special_drug_dispensings (program_id, setl_id, pharmacy_code, rx_no, prescriber_fixmedins_code,
       diagnosis_code, issued_at, drugs, received_at) values ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
    [
      programId,
      s.setlId,
      s.institutionCode,
      rx.rxNo,
      rx.prescriber,
      rx.diagnosisCode,
      new Date(rx.issuedAt),
      JSON.stringify(rx.drugs),
      at,
    ],
  );
}

/**
 * A replayed setl_id answers what was settled, but only for the same prescription: a different one (or a
 * setl_id settled through another channel) is the same conflict as a changed record.
 */
async function assertSamePrescription(
  ctx: PlatformContext,
  programId: string,
  setlId: string,
  rx: Prescription,
): Promise<void> {
  const rows = await ctx.db.query<{
    rx_no: string;
    prescriber_fixmedins_code: string;
    diagnosis_code: string;
    issued_at: Date;
    drugs: string[];
  }>(
    `select rx_no, prescriber_fixmedins_code, diagnosis_code, issued_at, drugs from special_drug_dispensings
      where program_id = $1 and setl_id = $2`,
    [programId, setlId],
  );
  const row = rows[0];
  if (row === undefined)
    throw new ServiceError(
      "conflict",
      "setl_id_conflict",
      `setl_id ${setlId} 已作为其他结算提交`,
      "record.setl_id",
    );
  const sorted = (d: readonly string[]) => JSON.stringify([...d].sort());
  const same =
    row.rx_no === rx.rxNo &&
    row.prescriber_fixmedins_code === rx.prescriber &&
    row.diagnosis_code === rx.diagnosisCode &&
    new Date(row.issued_at).getTime() === rx.issuedAt &&
    sorted(row.drugs) === sorted(rx.drugs);
  if (!same)
    throw new ServiceError(
      "conflict",
      "setl_id_conflict",
      `setl_id ${setlId} 已以不同处方提交`,
      "prescription",
    );
}

/** settleClaim names record fields bare (`certno`); in this body they live under `record`. */
function underRecord(e: unknown): unknown {
  if (!(e instanceof ServiceError) || e.field === undefined) return e;
  if (e.field.startsWith("record") || e.field.startsWith("prescription")) return e;
  return new ServiceError(e.kind, e.code, e.message, `record.${e.field}`);
}

/**
 * POST body `{ record, prescription }` from the signing pharmacy (actor.id = its fixmedins_code). Same setl_id
 * with the same record and prescription answers the first result.
 */
export async function settleSpecialDrugClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  body: unknown,
): Promise<SpecialDrugResponse> {
  if (body === null || typeof body !== "object" || Array.isArray(body))
    throw new ServiceError("invalid", "invalid_json", "请求体应为 { record, prescription }");
  const { record, prescription } = body as Record<string, unknown>;
  if (record === null || typeof record !== "object" || Array.isArray(record))
    throw new ServiceError("invalid", "invalid_value", "record 应为一条结算记录（JSON 对象）", "record");
  const parsed = parsePrescription(prescription);
  if (!parsed.ok) throw new ServiceError("invalid", "invalid_value", parsed.message, parsed.field);
  const rx = parsed.prescription;
  const product = productOf(await loadProgram(ctx, programId));
  const now = ctx.clock.now();
  let outcome: Awaited<ReturnType<typeof settleClaim>>;
  try {
    outcome = await settleClaim(ctx, actor, {
      programId,
      record,
      kind: "special_drug",
      payee: "hospital",
      source: "pharmacy",
      institution: actor.id,
      precheck: async (s, tx) => {
        const check = checkDispensing(product, s, rx, actor.id);
        if (!check.ok)
          throw new ServiceError(
            "unprocessable",
            check.failure.code,
            check.failure.message,
            check.failure.field,
          );
        await recordDispensing(tx, programId, s, rx, now);
      },
    });
  } catch (e) {
    throw underRecord(e);
  }
  if (outcome.replay) await assertSamePrescription(ctx, programId, outcome.response.setl_id, rx);
  return { ...outcome.response, rx_no: rx.rxNo };
}
