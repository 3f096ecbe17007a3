/**
 * The layered burden of settled claims (issue 15 §2): for each claim, what 基本医保, 大病保险, 医疗救助, 惠民保 and
 * each aid program paid, in the settlement order, and what the person finally bears; per person-year the sums
 * (the view claim_layers_person_year — a program is one policy year).
 *
 * The arithmetic is the engine's (engine/aid.ts claimLayers); this module reads the stored claims and records
 * into the engine's AidClaim/AidPerson, stores each claim's layers (claim_layers) and answers the layered bill
 * to the hospital, the resident and staff. A claim's layers are written when aid is matched or reversed on it
 * (payments.ts) and by the sweep (match.ts); a claim never matched is computed on read.
 */
import type { Queryable } from "../../db/database.js";
import { makeCertno } from "../../domain/certno.js";
import type { Cohort } from "../../domain/cohort.js";
import type { Fen } from "../../domain/money.js";
import { parseSettlement, type Settlement } from "../../domain/settlement.js";
import { type AidClaim, type AidPerson, claimLayers, type StatutoryLayers } from "../../engine/aid.js";
import { decrypt } from "../../platform/crypto.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext } from "../context.js";

/** One settled (or revoked) claim with everything the aid engine reads. */
export interface ClaimFacts {
  readonly setlId: string;
  readonly psnNo: string;
  readonly state: "settled" | "revoked";
  readonly fixmedinsCode: string;
  readonly claim: AidClaim;
  /** Undefined when the person is not on the roster (no cohort, region or age): no aid program can match. */
  readonly person: AidPerson | undefined;
  /** Whether the person is under 18 on the day the facts are read (a guardian acts for them). */
  readonly birthDate: string | undefined;
}

interface FactsRow {
  setl_id: string;
  psn_no: string;
  state: "settled" | "revoked";
  fixmedins_code: string;
  hmb_pay_fen: string | number;
  record: Record<string, unknown>;
  certno_enc: Uint8Array | null;
  cohort: string | null;
  brdy: string | null;
  admdvs: string | null;
}

/**
 * The stored record lacks certno by design (records.ts storableRecord); parseSettlement requires a valid one,
 * yet no amount depends on it. A record whose person left the roster is parsed with this stand-in.
 */
const PARSE_ONLY_CERTNO = makeCertno("110101", "19700101", 1);

function settlementOf(row: FactsRow, keys: PlatformContext["keys"]): Settlement {
  const certno = row.certno_enc === null ? PARSE_ONLY_CERTNO : decrypt(keys, row.certno_enc);
  const parsed = parseSettlement({ ...row.record, certno });
  if (!parsed.ok) throw new Error(`stored record ${row.setl_id} no longer parses: ${parsed.error.message}`);
  return parsed.settlement;
}

/** The person's own burden per drug code (med_list_codg), as the engine's catalog liabilities read it. */
function drugCharges(s: Settlement): { code: string; amount: Fen }[] {
  const byCode = new Map<string, Fen>();
  for (const item of s.catalogItems) byCode.set(item.code, (byCode.get(item.code) ?? 0) + item.amount);
  return [...byCode].map(([code, amount]) => ({ code, amount }));
}

export function factsOf(row: FactsRow, keys: PlatformContext["keys"]): ClaimFacts {
  const s = settlementOf(row, keys);
  const claim: AidClaim = {
    setlId: s.setlId,
    psnNo: s.psnNo,
    careAt: s.admittedAt,
    settledAt: s.settledAt,
    ...(s.diagnosisCode === undefined ? {} : { diagnosisCode: s.diagnosisCode }),
    totalCost: s.totalCost,
    funds: s.funds,
    personBurden: s.personBurden,
    outOfScope: s.outOfScope,
    hmbPay: Number(row.hmb_pay_fen),
    drugCharges: drugCharges(s),
  };
  const person: AidPerson | undefined =
    row.admdvs === null
      ? undefined
      : {
          psnNo: row.psn_no,
          ...(row.cohort === null ? {} : { cohort: row.cohort as Cohort }),
          ...(row.brdy === null ? {} : { birthDate: row.brdy }),
          region: row.admdvs,
        };
  return {
    setlId: row.setl_id,
    psnNo: row.psn_no,
    state: row.state,
    fixmedinsCode: row.fixmedins_code,
    claim,
    person,
    birthDate: row.brdy ?? undefined,
  };
}

export interface FactsFilter {
  /** Only these claims. */
  readonly setlIds?: readonly string[] | undefined;
  /** Only this person's claims. */
  readonly psnNo?: string | undefined;
  /** Only records settled before this instant (the sweep's "year to date"). */
  readonly settledBefore?: Date | undefined;
  /** Revoked claims too (default: settled only). */
  readonly includeRevoked?: boolean | undefined;
}

const FACTS_SQL = `
  select c.setl_id, c.psn_no, c.state, c.fixmedins_code, c.hmb_pay_fen, m.record,
         r.certno_enc, r.cohort, to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.admdvs
    from claims c
    join medical_records m on m.program_id = c.program_id and m.setl_id = c.setl_id
    left join roster_persons r on r.program_id = c.program_id and r.psn_no = c.psn_no
   where c.program_id = $1
     and ($2::text[] is null or c.setl_id = any($2::text[]))
     and ($3::text is null or c.psn_no = $3)
     and ($4::timestamptz is null or m.settled_at < $4)
     and ($5::boolean or c.state = 'settled')
   order by m.settled_at, c.setl_id`;

/** Claims with their records and persons, in settlement order (ties by setl_id), as the engine reads them. */
export async function loadClaimFacts(
  q: Queryable,
  keys: PlatformContext["keys"],
  programId: string,
  filter: FactsFilter,
): Promise<ClaimFacts[]> {
  const rows = await q.query<FactsRow>(FACTS_SQL, [
    programId,
    filter.setlIds === undefined ? null : [...filter.setlIds],
    filter.psnNo ?? null,
    filter.settledBefore ?? null,
    filter.includeRevoked === true,
  ]);
  return rows.map((r) => factsOf(r, keys));
}

/** One aid program's part of a claim's bill. */
export interface AidLayer {
  readonly aidProgramId: string;
  readonly version: number;
  readonly name: string;
  readonly sponsorName: string;
  readonly mode: "automatic" | "application";
  readonly amount: Fen;
  readonly queued: Fen;
  readonly state: "paid" | "revoked";
}

/** A claim's layered bill (fen; the API writes yuan). */
export interface LayeredBill {
  readonly setlId: string;
  readonly psnNo: string;
  readonly state: "settled" | "revoked";
  readonly settledAt: Date;
  readonly totalCost: Fen;
  readonly personBurden: Fen;
  readonly outOfScope: Fen;
  readonly layers: StatutoryLayers;
  readonly aid: readonly AidLayer[];
  /** Σ of the aid programs' live payments. */
  readonly aidTotal: Fen;
  /** What the person finally bears = psn_part_amt − 惠民保 − Σ aid. */
  readonly finalBurden: Fen;
}

/** Stores (or refreshes) one claim's layers. `aidTotal` is Σ of its live aid payments. */
export async function writeClaimLayers(
  q: Queryable,
  programId: string,
  facts: ClaimFacts,
  aidTotal: Fen,
  at: Date,
): Promise<void> {
  const l = claimLayers(facts.claim);
  const c = facts.claim;
  const live = facts.state === "settled";
  const aid = live ? aidTotal : 0;
  await q.query(
    `insert into claim_layers (program_id, setl_id, psn_no, settled_at, total_cost_fen, basic_fen,
       critical_illness_fen, medical_assistance_fen, person_burden_fen, out_of_scope_fen, hmb_fen, aid_fen,
       final_burden_fen, state, computed_at)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)
     on conflict (program_id, setl_id) do update set
       hmb_fen = excluded.hmb_fen, aid_fen = excluded.aid_fen, final_burden_fen = excluded.final_burden_fen,
       state = excluded.state, computed_at = excluded.computed_at`,
    [
      programId,
      facts.setlId,
      facts.psnNo,
      new Date(c.settledAt),
      c.totalCost,
      l.basic,
      l.criticalIllness,
      l.medicalAssistance,
      c.personBurden,
      c.outOfScope,
      l.hmb,
      aid,
      c.personBurden - l.hmb - aid,
      facts.state,
      at,
    ],
  );
}

interface AidRow {
  setl_id: string;
  aid_program_id: string;
  version: number;
  mode: "automatic" | "application";
  amount_fen: string | number;
  queued_fen: string | number;
  state: "paid" | "revoked";
  name: string;
  sponsor_name: string;
}

/** The aid paid on these claims, in the order the layers apply (priority, then id). */
export async function aidLayersOf(
  q: Queryable,
  programId: string,
  setlIds: readonly string[],
): Promise<Map<string, AidLayer[]>> {
  const rows = await q.query<AidRow>(
    `select p.setl_id, p.aid_program_id, p.version, p.mode, p.amount_fen, p.queued_fen, p.state, a.name,
            f.sponsor_name
       from aid_payments p
       join aid_programs a on a.program_id = p.program_id and a.aid_program_id = p.aid_program_id
                          and a.version = p.version
       join aid_funds f on f.program_id = p.program_id and f.fund_id = p.fund_id
      where p.program_id = $1 and p.setl_id = any($2::text[])
      order by p.setl_id, coalesce((a.document->>'priority')::int, 0), p.aid_program_id`,
    [programId, [...setlIds]],
  );
  const out = new Map<string, AidLayer[]>();
  for (const r of rows) {
    const list = out.get(r.setl_id) ?? [];
    list.push({
      aidProgramId: r.aid_program_id,
      version: Number(r.version),
      name: r.name,
      sponsorName: r.sponsor_name,
      mode: r.mode,
      amount: Number(r.amount_fen),
      queued: Number(r.queued_fen),
      state: r.state,
    });
    out.set(r.setl_id, list);
  }
  return out;
}

export function billOf(facts: ClaimFacts, aid: readonly AidLayer[], settledAt: Date): LayeredBill {
  const layers = claimLayers(facts.claim);
  const live = facts.state === "settled";
  const aidTotal = live ? aid.filter((a) => a.state === "paid").reduce((s, a) => s + a.amount, 0) : 0;
  return {
    setlId: facts.setlId,
    psnNo: facts.psnNo,
    state: facts.state,
    settledAt,
    totalCost: facts.claim.totalCost,
    personBurden: facts.claim.personBurden,
    outOfScope: facts.claim.outOfScope,
    layers,
    aid,
    aidTotal,
    finalBurden: facts.claim.personBurden - layers.hmb - aidTotal,
  };
}

/** Layered bills of several claims (settled and revoked), in settlement order. */
export async function billsOf(
  q: Queryable,
  keys: PlatformContext["keys"],
  programId: string,
  filter: FactsFilter,
): Promise<LayeredBill[]> {
  const facts = await loadClaimFacts(q, keys, programId, { ...filter, includeRevoked: true });
  const aid = await aidLayersOf(
    q,
    programId,
    facts.map((f) => f.setlId),
  );
  return facts.map((f) => billOf(f, aid.get(f.setlId) ?? [], new Date(f.claim.settledAt)));
}

/**
 * One claim's layered bill for the hospital that sent it (at discharge: what the patient still pays after
 * automatic aid), the person it is about, or staff; anyone else learns nothing (404). Every read is audited.
 */
export async function claimBurden(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  setlId: string,
): Promise<LayeredBill> {
  const facts = await loadClaimFacts(ctx.db, ctx.keys, programId, {
    setlIds: [setlId],
    includeRevoked: true,
  });
  const f = facts[0];
  const staff = actor.role === "operator" || actor.role === "admin";
  const sender = f !== undefined && actor.role === "hospital" && actor.id === f.fixmedinsCode;
  const owner = f !== undefined && actor.role === "resident" && actor.psnNo === f.psnNo;
  if (f === undefined || !(staff || sender || owner)) throw notFound(`结算 ${setlId}`, "setl_id");
  const aid = await aidLayersOf(ctx.db, programId, [setlId]);
  await audit(ctx.db, actor, programId, "aid.burden.read", setlId);
  return billOf(f, aid.get(setlId) ?? [], new Date(f.claim.settledAt));
}

/** A person-year's sums over live claims (fen). */
export interface PersonYearBurden {
  readonly claims: number;
  readonly totalCost: Fen;
  readonly basic: Fen;
  readonly criticalIllness: Fen;
  readonly medicalAssistance: Fen;
  readonly personBurden: Fen;
  readonly hmb: Fen;
  readonly aid: Fen;
  readonly finalBurden: Fen;
}

/** The person-year sums of the bills (the same sums the view claim_layers_person_year keeps). */
export function personYearOf(bills: readonly LayeredBill[]): PersonYearBurden {
  const live = bills.filter((b) => b.state === "settled");
  const sum = (f: (b: LayeredBill) => Fen) => live.reduce((s, b) => s + f(b), 0);
  return {
    claims: live.length,
    totalCost: sum((b) => b.totalCost),
    basic: sum((b) => b.layers.basic),
    criticalIllness: sum((b) => b.layers.criticalIllness),
    medicalAssistance: sum((b) => b.layers.medicalAssistance),
    personBurden: sum((b) => b.personBurden),
    hmb: sum((b) => b.layers.hmb),
    aid: sum((b) => b.aidTotal),
    finalBurden: sum((b) => b.finalBurden),
  };
}
