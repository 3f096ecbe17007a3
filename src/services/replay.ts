/**
 * `hmb replay --program ID` and POST /programs/{id}/replays (issue 13 item 1): a stored program's own claims
 * replayed under candidate designs. The population is the program's issued policies (active or awaiting their
 * start, not cancelled); each design's premium is what those persons would pay under its plan (premium
 * variants by cohort, age at the design's coverage start and sex, src/domain/premium.ts). Only the enrolled
 * persons' records count (the others were never insured); a revoked settlement is not a claim (the hospital
 * withdrew it; its correction, if any, is a record of its own) but stays in the person's history, as it does
 * for the platform. The adjudication, with the person facts the live settle path uses (program years, family
 * pools, enrollment date, roster), is src/actuarial/stored-replay.ts.
 *
 * Speed (issue 13 item 2: a million claims in < 10 s): on a PostgreSQL server the persons and the records
 * stream at once, each by COPY … TO STDOUT on a connection of its own, as text rows of only the columns the
 * engine reads — the stored instants and amounts, a few national fields, the whole record only when it has
 * fee items — so nothing is read row by row through the driver and no JSON document is parsed per claim.
 * Elsewhere (PGlite) the same statements run as queries.
 */
import { type DesignReplay, planProblem, type ReplayDesign, type ReplayResult } from "../actuarial/replay.js";
import {
  fundColumns,
  PLACEHOLDER_CERTNO,
  STORED_RECORD_COLUMNS,
  type StoredPerson,
  type StoredRecord,
  StoredReplay,
  storedSettlement,
} from "../actuarial/stored-replay.js";
import { forEachCopyTextRow } from "../db/copy-text.js";
import type { Product } from "../domain/product.js";
import { type FundPayments, parseSettlement, type Settlement } from "../domain/settlement.js";
import type { Adjudication } from "../engine/adjudicate.js";
import { getProduct } from "../products/index.js";
import { loadProductJson, ProductLoadError } from "../products/load.js";
import { type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";

export interface ProgramReplay {
  /** Persons enrolled (issued policies). */
  readonly insured: number;
  readonly result: ReplayResult;
}

/** Program ids are slugs (programs.ts); checked again before one is written into a COPY statement. */
const SAFE_PROGRAM_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A select list with every column named c0, c1, …: PGlite answers rows as objects, keyed by name. */
const selectList = (columns: readonly string[]) => columns.map((c, i) => `${c} as c${i}`).join(",\n       ");

/** Enrolled persons with what the live settle path knows of them (stored-replay.ts StoredPerson). */
function personsSql(program: string): string {
  return `select ${selectList([
    "p.psn_no",
    "p.insured_years::text",
    "p.claim_free_years::text",
    "p.pre_existing_locked::text",
    "round(date_part('epoch', p.created_at) * 1000)::int8::text",
    "case when p.enrollment_kind = 'family' then p.enrollment_id end",
    "r.cohort",
    "r.gend",
    "to_char(r.brdy, 'YYYY-MM-DD')",
  ])}
  from policies p
  join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
 where p.program_id = ${program} and r.program_id = ${program}
   and p.status in ('active', 'pending_effective') and p.issued_at is not null`;
}

/** The program's records as STORED_RECORD_COLUMNS, then the funds the designs' pre-existing rules read. */
function recordsSql(program: string, funds: readonly (keyof FundPayments)[]): string {
  return `select ${selectList([
    "m.setl_id",
    "m.psn_no",
    "m.med_type",
    "round(date_part('epoch', m.admitted_at) * 1000)::int8::text",
    "round(date_part('epoch', m.settled_at) * 1000)::int8::text",
    "m.fixmedins_code",
    "m.diagnosis_code",
    "m.psn_part_amt_fen::text",
    "m.record->>'insutype'",
    "m.record->>'mdtrtarea_admvs'",
    "m.record->>'endtime'",
    "m.record->>'fulamt_ownpay_amt'",
    "m.record->>'overlmt_selfpay'",
    "m.record->>'preselfpay_amt'",
    "case when m.record->'feedetail' <> '[]'::jsonb then m.record::text end",
    "(r.setl_id is not null)::text",
    ...funds.map((f) => `m.funds->>'${f}'`),
  ])}
  from medical_records m
  left join (select setl_id from claims where program_id = ${program} and state = 'revoked') r
         on r.setl_id = m.setl_id
 where m.program_id = ${program}
 order by m.psn_no collate "C"`;
}

/** A stored record parsed whole, as the platform parsed it (with the placeholder certno). */
function parseStored(json: string): Settlement | undefined {
  const parsed = parseSettlement({ ...(JSON.parse(json) as object), certno: PLACEHOLDER_CERTNO });
  return parsed.ok ? parsed.settlement : undefined;
}

function storedPerson(c: readonly (string | null)[]): StoredPerson {
  return {
    psnNo: c[0] as string,
    insuredYears: c[1] == null ? 1 : Number(c[1]),
    claimFreeYears: c[2] == null ? 0 : Number(c[2]),
    preExistingLocked: c[3] == null ? null : (JSON.parse(c[3]) as Record<string, boolean>),
    enrolledAt: c[4] == null ? undefined : Number(c[4]),
    familyKey: c[5] ?? undefined,
    cohort: c[6] ?? undefined,
    sex: c[7] ?? undefined,
    birthDate: c[8] ?? undefined,
  };
}

/**
 * Memory for sorting a program's records by person in one pass: a million rows of the few columns read take
 * ~200 MB; sorted on disk instead (the default 4 MB) the statement takes twice the time.
 */
const SORT_SETTINGS = { work_mem: "512MB" };

/** Rows of `sql`: streamed by COPY on a PostgreSQL server, else queried (every column is text or null). */
async function forEachRow(
  ctx: PlatformContext,
  sql: string,
  row: (columns: (string | null)[]) => void,
): Promise<void> {
  if (ctx.db.copyOut !== undefined) return forEachCopyTextRow(ctx.db.copyOut(sql, SORT_SETTINGS), row);
  const rows = await ctx.db.query<Record<string, string | null>>(sql);
  for (const r of rows) row(Object.values(r));
}

/**
 * Throws ServiceError not_found for an unknown program. `onClaim` is told each claim's adjudication under
 * each design (StoredReplay).
 */
export async function programReplay(
  ctx: PlatformContext,
  programId: string,
  designs: readonly ReplayDesign[],
  onClaim?: (design: number, a: Adjudication) => void,
): Promise<ProgramReplay> {
  await loadProgram(ctx, programId);
  if (!SAFE_PROGRAM_ID.test(programId)) throw new Error(`program id ${programId} is not a slug`);
  const program = `'${programId}'`;
  const replay = new StoredReplay(designs, onClaim);
  const funds = fundColumns(designs);
  // Rows whose few columns did not decode as expected: read whole and parsed after the stream.
  const whole: { setlId: string; revoked: boolean }[] = [];
  const revokedAt = STORED_RECORD_COLUMNS.indexOf("revoked");
  // Persons first, then the records by person: each person is adjudicated as soon as their last record is in.
  await forEachRow(ctx, personsSql(program), (c) => replay.addPerson(storedPerson(c)));
  let last: string | undefined;
  await forEachRow(ctx, recordsSql(program, funds), (c) => {
    const psnNo = c[1] as string;
    if (last !== undefined && psnNo !== last && whole.length === 0) replay.flush(last);
    last = psnNo;
    const r = storedSettlement(c, funds, parseStored);
    if (r !== undefined) replay.addRecord(r);
    else whole.push({ setlId: c[0] as string, revoked: c[revokedAt] === "true" });
  });
  if (last !== undefined && whole.length === 0) replay.flush(last);
  if (whole.length > 0) await addWhole(ctx, programId, whole, replay);
  return { insured: replay.insured, result: replay.finish() };
}

/** Records read whole and parsed as the platform parsed them (rows storedSettlement could not decode). */
async function addWhole(
  ctx: PlatformContext,
  programId: string,
  rows: readonly { setlId: string; revoked: boolean }[],
  replay: StoredReplay,
): Promise<void> {
  const revoked = new Map(rows.map((r) => [r.setlId, r.revoked]));
  const records = await ctx.db.query<{ setl_id: string; record: string }>(
    "select setl_id, record::text as record from medical_records where program_id = $1 and setl_id = any($2::text[])",
    [programId, [...revoked.keys()]],
  );
  for (const r of records) {
    const settlement = parseStored(r.record);
    // Stored records were valid when they came in: one that no longer parses is the platform's fault.
    if (settlement === undefined)
      throw new Error(`stored record ${r.setl_id} of ${programId} no longer parses`);
    const record: StoredRecord = { settlement, revoked: revoked.get(r.setl_id) === true };
    replay.addRecord(record);
  }
}

/** A design as the API names it: a library product id or an inline product file, and a plan. */
export interface DesignInput {
  readonly product_id?: string | undefined;
  readonly product?: Record<string, unknown> | undefined;
  readonly plan: string;
  readonly label?: string | undefined;
}

/**
 * POST /programs/{id}/replays: the designs resolved (every mistake a ServiceError naming designs[i].…), then
 * programReplay. Stored records were valid when they came in, so a refused one is the platform's fault.
 */
export async function replayProgram(
  ctx: PlatformContext,
  programId: string,
  inputs: readonly DesignInput[],
): Promise<{ insured: number; designs: readonly DesignReplay[] }> {
  const designs = inputs.map((input, i) => resolveDesign(input, `designs[${i}]`));
  const { insured, result } = await programReplay(ctx, programId, designs);
  if (!result.ok)
    throw new Error(`stored records of ${programId} no longer parse: ${JSON.stringify(result.errors)}`);
  return { insured, designs: result.designs };
}

function resolveDesign(input: DesignInput, field: string): ReplayDesign {
  const invalid = (message: string, at: string) => new ServiceError("invalid", "invalid_value", message, at);
  if ((input.product_id === undefined) === (input.product === undefined))
    throw invalid("product_id 与 product 必须且只能给一个", field);
  let product: Product;
  if (input.product !== undefined) {
    try {
      product = loadProductJson(input.product);
    } catch (e) {
      if (e instanceof ProductLoadError) throw invalid(e.message, `${field}.product`);
      throw e;
    }
  } else {
    try {
      product = getProduct(input.product_id as string);
    } catch (e) {
      throw invalid(e instanceof Error ? e.message : String(e), `${field}.product_id`);
    }
  }
  const problem = planProblem(product, input.plan);
  if (problem !== undefined) throw invalid(problem, `${field}.plan`);
  return { label: input.label ?? `${product.id}:${input.plan}`, product, planId: input.plan };
}
