/**
 * The rows a stored program's replay reads (services/replay.ts) and how they become persons and records — shared
 * by the replay in one thread and by each worker of the parallel replay (replay-worker.ts), which must read
 * exactly the same way.
 */
import {
  PLACEHOLDER_CERTNO,
  STORED_RECORD_COLUMNS,
  type StoredPerson,
  type StoredRecord,
  type StoredReplay,
  storedSettlement,
} from "../actuarial/stored-replay.js";
import { type FundPayments, parseSettlement, type Settlement } from "../domain/settlement.js";

/**
 * The share of `key` (hashtext may be negative: its sign bit is cleared). A family enrollment's members share
 * one (their family pools are adjudicated together): the key is the family's enrollment_id, else the psn_no.
 */
const shareOf = (key: string) => `(hashtext(${key}) & 2147483647)`;

/** Shares are told apart by the last byte of a row: one digit. */
export const MAX_SHARES = 10;

function checkShares(shares: number | undefined): void {
  if (shares !== undefined && !(Number.isInteger(shares) && shares >= 1 && shares <= MAX_SHARES))
    throw new Error(`replay shares must be 1–${MAX_SHARES}, got ${shares}`);
}

/** Issued policies (active or awaiting their start, not cancelled) of `p`. */
const ISSUED = "p.status in ('active', 'pending_effective') and p.issued_at is not null";

/** A select list with every column named c0, c1, …: PGlite answers rows as objects, keyed by name. */
const selectList = (columns: readonly string[]) => columns.map((c, i) => `${c} as c${i}`).join(",\n       ");

/**
 * Enrolled persons with what the live settle path knows of them (stored-replay.ts StoredPerson); split into
 * `shares`, each row ends with its share (a digit: the main thread of a parallel replay routes rows by it).
 */
export function personsSql(program: string, shares?: number): string {
  checkShares(shares);
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
    ...(shares === undefined
      ? []
      : [
          `${shareOf("case when p.enrollment_kind = 'family' then p.enrollment_id else p.psn_no end")} % ${shares}`,
        ]),
  ])}
  from policies p
  join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
 where p.program_id = ${program} and r.program_id = ${program}
   and ${ISSUED}`;
}

/**
 * The program's records as STORED_RECORD_COLUMNS, then the funds the designs' pre-existing rules read, by
 * person; split into `shares`, each row ends with its person's share (as personsSql's rows do: a family
 * member's is the family's).
 */
export function recordsSql(program: string, funds: readonly (keyof FundPayments)[], shares?: number): string {
  checkShares(shares);
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
    ...(shares === undefined ? [] : [`${shareOf("coalesce(f.enrollment_id, m.psn_no)")} % ${shares}`]),
  ])}
  from medical_records m
  left join (select setl_id from claims where program_id = ${program} and state = 'revoked') r
         on r.setl_id = m.setl_id${
           shares === undefined
             ? ""
             : `
  left join (select p.psn_no, p.enrollment_id from policies p
              where p.program_id = ${program} and p.enrollment_kind = 'family' and ${ISSUED}) f
         on f.psn_no = m.psn_no`
         }
 where m.program_id = ${program}
 order by m.psn_no collate "C"`;
}

/** A stored record parsed whole, as the platform parsed it (with the placeholder certno). */
export function parseStored(json: string): Settlement | undefined {
  const parsed = parseSettlement({ ...(JSON.parse(json) as object), certno: PLACEHOLDER_CERTNO });
  return parsed.ok ? parsed.settlement : undefined;
}

/** A row of personsSql. */
export function storedPerson(c: readonly (string | null)[]): StoredPerson {
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

/** A row of recordsSql that did not decode from its columns: read whole and parsed after the stream. */
export interface WholeRow {
  readonly setlId: string;
  readonly revoked: boolean;
}

const REVOKED_AT = STORED_RECORD_COLUMNS.indexOf("revoked");

/**
 * Rows of recordsSql (in person order) into a StoredReplay, a person at a time: each person is adjudicated as
 * soon as their last record is in. Once a row must be read whole, every later record waits for finish().
 */
export class RecordsByPerson {
  readonly whole: WholeRow[] = [];
  private last: string | undefined;
  private current: StoredRecord[] = [];

  constructor(
    private readonly replay: StoredReplay,
    private readonly funds: readonly (keyof FundPayments)[],
  ) {}

  readonly row = (c: (string | null)[]): void => {
    const psnNo = c[1] as string;
    if (psnNo !== this.last) {
      this.personDone();
      this.last = psnNo;
    }
    const r = storedSettlement(c, this.funds, parseStored);
    if (r !== undefined) this.current.push(r);
    else this.whole.push({ setlId: c[0] as string, revoked: c[REVOKED_AT] === "true" });
  };

  /** After the last row. */
  end(): void {
    this.personDone();
  }

  private personDone(): void {
    if (this.last === undefined) return;
    if (this.whole.length === 0) this.replay.addPersonRecords(this.last, this.current);
    else for (const r of this.current) this.replay.addRecord(r);
    this.current = [];
  }
}
