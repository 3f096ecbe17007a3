/**
 * The ledger on the wire: services/ledger answers in fen, the contract (src/contract/ledger) carries yuan
 * strings. Fields keep the order the statement has always been printed in. `hmb ledger statement --format json` prints presentStatement's
 * object too, so the CLI's fixed JSON and the API's JSON cannot drift apart.
 */
import type {
  LedgerSummary as LedgerSummaryWire,
  Statement as StatementWire,
} from "../../contract/ledger.js";
import { formatYuan } from "../../domain/money.js";
import type { LedgerSummary, Statement } from "../../services/ledger.js";

export function presentStatement(s: Statement): StatementWire {
  return {
    program_id: s.program_id,
    insurer_code: s.insurer_code,
    insurer_name: s.insurer_name,
    share: s.share,
    lead: s.lead,
    from: s.from,
    to: s.to,
    lines: s.lines.map((l) => ({
      at: l.at,
      journal_id: l.journal_id,
      leg: l.leg,
      kind: l.kind,
      ref: l.ref,
      debit_account: l.debit_account,
      credit_account: l.credit_account,
      amount: formatYuan(l.amount_fen),
      leg_amount: formatYuan(l.leg_amount_fen),
    })),
    balances: s.balances.map((b) => ({
      account: b.account,
      name: b.name,
      opening_net: formatYuan(b.opening_net_fen),
      debits: formatYuan(b.debits_fen),
      credits: formatYuan(b.credits_fen),
      net: formatYuan(b.net_fen),
      closing_net: formatYuan(b.closing_net_fen),
    })),
    totals: { debits: formatYuan(s.totals.debits_fen), credits: formatYuan(s.totals.credits_fen) },
    // Last, where the CLI's JSON has always had it (ledgerStatementForDays adds it to the statement).
    ...(s.period === undefined ? {} : { period: s.period }),
    // Added after the fixed contract's keys (issue 12): the exact share in basis points.
    share_bps: s.share_bps,
  };
}

export function presentLedgerSummary(s: LedgerSummary): LedgerSummaryWire {
  return {
    program_id: s.program_id,
    balanced: s.balanced,
    journals: s.journals,
    accounts: s.accounts.map((a) => ({
      account: a.account,
      name: a.name,
      debits: formatYuan(a.debits_fen),
      credits: formatYuan(a.credits_fen),
      net: formatYuan(a.net_fen),
    })),
    insurers: s.insurers.map((i) => ({
      code: i.code,
      name: i.name,
      share: i.share,
      share_bps: i.share_bps,
      lead: i.lead,
      accounts: i.accounts.map((a) => ({ account: a.account, net: formatYuan(a.net_fen) })),
    })),
  };
}
