/**
 * Daily reconciliation per institution (对账, issue 4 item 5): for one Beijing day, what the claims tables say
 * each hospital or pharmacy is owed, beside what the ledger booked for the same claims.
 *
 * Scope: claims payable to institutions (payee "hospital": one-stop and special-drug settlements). Online and
 * counter claims are paid to residents and are not the institution's to reconcile.
 * The day's figures, for one institution:
 *  - settlements / paid / hmb_pay: claims settled that day (any state now), those with status paid, their total;
 *  - revoked / revoked_amount: claims revoked that day (whenever they were settled), and their hmb_pay;
 *  - net_payable = hmb_pay − revoked_amount: the day's change in what the program owes the institution;
 *  - disbursed: how much of the day's settlements has been paid out in batches so far; recovered: how much of
 *    the day's revocations has been netted off a later batch;
 *  - ledger: claim_payout transfers crediting the hospital payable, and claim_reversal transfers debiting it,
 *    dated that day with the claim's setl_id as ref. Per claim, the day's payout must equal hmb_pay when it
 *    was settled that day (else 0) and the day's reversal hmb_pay when it was revoked that day (else 0); a
 *    claim where either differs is listed in `mismatches` and `matches` is false.
 * Ledger claim transfers that day whose ref is no claim at all are listed program-wide (`unknown_ledger_refs`),
 * for staff only.
 * Amounts are integer fen (`hmb_pay_fen`, …); api/present/claims.ts presentReconciliation turns them into the
 * wire's yuan strings, reconciliationCsv below into the CSV's.
 */
import { stringify } from "csv-stringify/sync";
import { beijingDayStart } from "../../domain/ledger.js";
import { type Fen, formatYuan } from "../../domain/money.js";
import { audit } from "../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../context.js";
import { neutralizeFormula } from "../ledger.js";
import { loadProgram } from "../programs.js";
import { cells, type ExportColumn, tableXlsx } from "../table-export.js";

const DAY_MS = 24 * 3600_000;

export interface InstitutionReconciliation {
  fixmedins_code: string;
  settlements: number;
  paid: number;
  hmb_pay_fen: Fen;
  revoked: number;
  revoked_amount_fen: Fen;
  net_payable_fen: Fen;
  disbursed_fen: Fen;
  recovered_fen: Fen;
  ledger: { payouts_fen: Fen; reversals_fen: Fen; net_fen: Fen };
  matches: boolean;
  mismatches: string[];
}

export interface Reconciliation {
  program_id: string;
  date: string;
  timezone: "Asia/Shanghai";
  from: string;
  to: string;
  institution: string | null;
  institutions: InstitutionReconciliation[];
  matches: boolean;
  unknown_ledger_refs: string[];
}

interface Figures {
  settlements: number;
  paid: number;
  hmbPay: Fen;
  revoked: number;
  revokedAmount: Fen;
  disbursed: Fen;
  recovered: Fen;
  ledgerPayouts: Fen;
  ledgerReversals: Fen;
  /** setl_id → [expected payout, expected reversal, ledger payout, ledger reversal] for the day. */
  perClaim: Map<string, [Fen, Fen, Fen, Fen]>;
}

const emptyFigures = (): Figures => ({
  settlements: 0,
  paid: 0,
  hmbPay: 0,
  revoked: 0,
  revokedAmount: 0,
  disbursed: 0,
  recovered: 0,
  ledgerPayouts: 0,
  ledgerReversals: 0,
  perClaim: new Map(),
});

export async function reconcile(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: { date: unknown; institution?: unknown },
): Promise<Reconciliation> {
  const date = query.date;
  const start = typeof date === "string" ? beijingDayStart(date) : undefined;
  if (start === undefined)
    throw new ServiceError("invalid", "invalid_value", "date 应为 yyyy-mm-dd（北京时间）日期", "date");
  let institution =
    typeof query.institution === "string" && query.institution !== "" ? query.institution : undefined;
  if (actor.role === "hospital") {
    // An institution reconciles its own account only.
    if (institution !== undefined && institution !== actor.id)
      throw new ServiceError("forbidden", "forbidden", "定点机构只能查看本机构的对账", "institution");
    institution = actor.id;
  }
  await loadProgram(ctx, programId);
  const end = new Date(start.getTime() + DAY_MS);
  const params = institution === undefined ? [programId, start, end] : [programId, start, end, institution];
  const only = institution === undefined ? "" : " and c.fixmedins_code = $4";

  const settled = await ctx.db.query<{
    setl_id: string;
    fixmedins_code: string;
    status: string;
    hmb_pay_fen: number;
    disbursed_fen: number | null;
  }>(
    `select c.setl_id, c.fixmedins_code, c.status, c.hmb_pay_fen, b.amount_fen as disbursed_fen
       from claims c
       left join payout_batch_claims b on b.program_id = c.program_id and b.setl_id = c.setl_id and b.direction = 'payout'
      where c.program_id = $1 and c.payee = 'hospital' and c.created_at >= $2 and c.created_at < $3${only}`,
    params,
  );
  const revoked = await ctx.db.query<{
    setl_id: string;
    fixmedins_code: string;
    hmb_pay_fen: number;
    recovered_fen: number | null;
  }>(
    `select c.setl_id, c.fixmedins_code, c.hmb_pay_fen, b.amount_fen as recovered_fen
       from claims c
       left join payout_batch_claims b on b.program_id = c.program_id and b.setl_id = c.setl_id and b.direction = 'recovery'
      where c.program_id = $1 and c.payee = 'hospital' and c.state = 'revoked'
        and c.revoked_at >= $2 and c.revoked_at < $3${only}`,
    params,
  );
  const ledger = await ctx.db.query<{
    ref: string;
    kind: "claim_payout" | "claim_reversal";
    fixmedins_code: string | null;
    payee: string | null;
    amount_fen: number;
  }>(
    `select t.ref, t.kind, c.fixmedins_code, c.payee, sum(t.amount_fen)::bigint as amount_fen
       from ledger_transfers t
       left join claims c on c.program_id = t.program_id and c.setl_id = t.ref
      where t.program_id = $1 and t.at >= $2 and t.at < $3
        and ((t.kind = 'claim_payout' and t.credit_account = 'liability:claims_payable_hospital')
          or (t.kind = 'claim_reversal' and t.debit_account = 'liability:claims_payable_hospital'))
        ${institution === undefined ? "" : "and c.fixmedins_code = $4"}
      group by t.ref, t.kind, c.fixmedins_code, c.payee`,
    params,
  );

  const byInstitution = new Map<string, Figures>();
  const figuresOf = (code: string) => {
    let f = byInstitution.get(code);
    if (f === undefined) {
      f = emptyFigures();
      byInstitution.set(code, f);
    }
    return f;
  };
  const claimOf = (f: Figures, setlId: string) => {
    let c = f.perClaim.get(setlId);
    if (c === undefined) {
      c = [0, 0, 0, 0];
      f.perClaim.set(setlId, c);
    }
    return c;
  };
  for (const r of settled) {
    const f = figuresOf(r.fixmedins_code);
    const amount = Number(r.hmb_pay_fen);
    f.settlements++;
    if (r.status === "paid") f.paid++;
    f.hmbPay += amount;
    f.disbursed += Number(r.disbursed_fen ?? 0);
    claimOf(f, r.setl_id)[0] += amount;
  }
  for (const r of revoked) {
    const f = figuresOf(r.fixmedins_code);
    const amount = Number(r.hmb_pay_fen);
    f.revoked++;
    f.revokedAmount += amount;
    f.recovered += Number(r.recovered_fen ?? 0);
    claimOf(f, r.setl_id)[1] += amount;
  }
  const unknownRefs = new Set<string>();
  for (const r of ledger) {
    // A resident's claim posted to the hospital payable is a mismatch too: attribute it to its institution.
    if (r.fixmedins_code === null) {
      unknownRefs.add(r.ref);
      continue;
    }
    const f = figuresOf(r.fixmedins_code);
    const amount = Number(r.amount_fen);
    const c = claimOf(f, r.ref);
    if (r.kind === "claim_payout") {
      f.ledgerPayouts += amount;
      c[2] += amount;
    } else {
      f.ledgerReversals += amount;
      c[3] += amount;
    }
  }

  const institutions = [...byInstitution.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([code, f]): InstitutionReconciliation => {
      const mismatches = [...f.perClaim.entries()]
        .filter(([, [payout, reversal, ledgerPayout, ledgerReversal]]) => {
          return payout !== ledgerPayout || reversal !== ledgerReversal;
        })
        .map(([setlId]) => setlId)
        .sort();
      return {
        fixmedins_code: code,
        settlements: f.settlements,
        paid: f.paid,
        hmb_pay_fen: f.hmbPay,
        revoked: f.revoked,
        revoked_amount_fen: f.revokedAmount,
        net_payable_fen: f.hmbPay - f.revokedAmount,
        disbursed_fen: f.disbursed,
        recovered_fen: f.recovered,
        ledger: {
          payouts_fen: f.ledgerPayouts,
          reversals_fen: f.ledgerReversals,
          net_fen: f.ledgerPayouts - f.ledgerReversals,
        },
        matches: mismatches.length === 0,
        mismatches,
      };
    });
  const unknown = actor.role === "hospital" ? [] : [...unknownRefs].sort();
  await audit(ctx.db, actor, programId, "claims.reconciliation", institution ?? "*", { date });
  return {
    program_id: programId,
    date: date as string,
    timezone: "Asia/Shanghai",
    from: start.toISOString(),
    to: end.toISOString(),
    institution: institution ?? null,
    institutions,
    matches: unknown.length === 0 && institutions.every((i) => i.matches),
    unknown_ledger_refs: unknown,
  };
}

export const RECONCILIATION_CSV_COLUMNS = [
  "date",
  "fixmedins_code",
  "settlements",
  "paid",
  "hmb_pay",
  "revoked",
  "revoked_amount",
  "net_payable",
  "disbursed",
  "recovered",
  "ledger_payouts",
  "ledger_reversals",
  "ledger_net",
  "matches",
  "mismatches",
] as const;

/**
 * One row per institution; mismatching setl_ids space-separated in the last column. A file for people and
 * spreadsheets (the route's format=csv and `hmb claims reconcile`), so amounts become yuan strings here, where
 * the report leaves the program.
 */
export function reconciliationCsv(r: Reconciliation): string {
  return stringify(
    r.institutions.map((i) => [
      r.date,
      i.fixmedins_code,
      i.settlements,
      i.paid,
      formatYuan(i.hmb_pay_fen),
      i.revoked,
      formatYuan(i.revoked_amount_fen),
      formatYuan(i.net_payable_fen),
      formatYuan(i.disbursed_fen),
      formatYuan(i.recovered_fen),
      formatYuan(i.ledger.payouts_fen),
      formatYuan(i.ledger.reversals_fen),
      formatYuan(i.ledger.net_fen),
      i.matches ? "true" : "false",
      i.mismatches.join(" "),
    ]),
    {
      header: true,
      columns: [...RECONCILIATION_CSV_COLUMNS],
      cast: { string: neutralizeFormula },
      record_delimiter: "\n",
    },
  );
}

/** The Excel export's columns (console 导出 Excel): the institution by name beside its code, yuan as numbers. */
const RECONCILIATION_EXPORT: readonly ExportColumn<InstitutionReconciliation & { name: string | null }>[] = [
  { header: "机构编码", width: 100, cell: (i) => cells.text(i.fixmedins_code) },
  { header: "机构名称", width: 180, cell: (i) => cells.text(i.name ?? "未登记机构") },
  { header: "结算笔数", width: 60, cell: (i) => cells.int(i.settlements) },
  { header: "赔付（元）", width: 90, cell: (i) => cells.fen(i.hmb_pay_fen) },
  { header: "撤销笔数", width: 60, cell: (i) => cells.int(i.revoked) },
  { header: "撤销金额（元）", width: 90, cell: (i) => cells.fen(i.revoked_amount_fen) },
  { header: "应付净额（元）", width: 90, cell: (i) => cells.fen(i.net_payable_fen) },
  { header: "已划付（元）", width: 90, cell: (i) => cells.fen(i.disbursed_fen) },
  { header: "已追回（元）", width: 90, cell: (i) => cells.fen(i.recovered_fen) },
  { header: "总账赔付（元）", width: 90, cell: (i) => cells.fen(i.ledger.payouts_fen) },
  { header: "总账冲回（元）", width: 90, cell: (i) => cells.fen(i.ledger.reversals_fen) },
  { header: "总账净额（元）", width: 90, cell: (i) => cells.fen(i.ledger.net_fen) },
  { header: "核对", width: 50, cell: (i) => cells.text(i.matches ? "一致" : "不一致") },
  { header: "不一致的结算单号", width: 200, cell: (i) => cells.text(i.mismatches.join("、")) },
];

/**
 * The day's reconciliation as an Excel sheet (format=xlsx), institutions by name; ledger postings that no
 * claim explains are named in the sheet's note. Reads only what `reconcile` reads (and audits).
 */
export async function reconciliationXlsx(ctx: PlatformContext, r: Reconciliation): Promise<Buffer> {
  const names = new Map(
    (
      await ctx.db.query<{ fixmedins_code: string; name: string }>(
        "select fixmedins_code, name from institutions where program_id = $1 and fixmedins_code = any($2::text[])",
        [r.program_id, r.institutions.map((i) => i.fixmedins_code)],
      )
    ).map((i) => [i.fixmedins_code, i.name]),
  );
  const verdict = r.matches
    ? "当日各机构的结算与总账逐笔一致。"
    : `有机构与总账不一致${r.unknown_ledger_refs.length > 0 ? `；找不到结算的总账分录业务号：${r.unknown_ledger_refs.join("、")}` : ""}。`;
  return tableXlsx({
    sheet: `对账 ${r.date}`,
    columns: RECONCILIATION_EXPORT,
    rows: r.institutions.map((i) => ({ ...i, name: names.get(i.fixmedins_code) ?? null })),
    now: ctx.clock.now(),
    note: `对账日 ${r.date}（北京时间）。${verdict}`,
  });
}
