/**
 * `hmb ledger statement --program <id> --insurer <code> --from <yyyy-mm-dd> --to <yyyy-mm-dd> [--format csv|json]`
 * — fixed contract: a co-insurer's statement for Beijing calendar days `from` through `to`, BOTH INCLUSIVE
 * (i.e. the instants [from 00:00+08:00, to+1 00:00+08:00)), on stdout. CSV (default): a header row and one
 * row per transfer part, columns at_beijing, journal_id, leg, kind, ref, debit_account, credit_account,
 * amount, leg_amount (yuan, 2 decimals). JSON: the Statement object (lines, opening/period/closing balances
 * per account, totals). Exit 0 on success, 2 on a caller mistake (unknown program or insurer, bad date).
 *
 * `hmb ledger check --program <id>`: recomputes the ledger's invariants; exit 0 when it balances, 1 if not.
 */
import type { Command } from "commander";
import { presentStatement } from "../api/present/ledger.js";
import { statementPeriod } from "../domain/ledger.js";
import { CLI_ACTOR } from "../services/context.js";
import { checkLedger, ledgerStatementForDays, statementCsv } from "../services/ledger.js";
import { withPlatform } from "./platform-commands.js";

export function registerLedgerCommand(program: Command): void {
  const ledger = program.command("ledger").description("共保分账 ledger: statements and checks");

  ledger
    .command("statement")
    .description("a co-insurer's statement for Beijing calendar days --from … --to (both inclusive)")
    .requiredOption("--program <id>", "program id")
    .requiredOption("--insurer <code>", "co-insurer code")
    .requiredOption("--from <date>", "first day, yyyy-mm-dd (Beijing time)")
    .requiredOption("--to <date>", "last day, yyyy-mm-dd (Beijing time), inclusive")
    .option("--format <format>", "csv or json", "csv")
    .action(async (opts: { program: string; insurer: string; from: string; to: string; format: string }) => {
      if (opts.format !== "csv" && opts.format !== "json") {
        process.stderr.write(`hmb: --format 应为 csv 或 json，收到 ${opts.format} (format)\n`);
        process.exitCode = 2;
        return;
      }
      const period = statementPeriod(opts.from, opts.to);
      if (!period.ok) {
        process.stderr.write(`hmb: ${period.problem} (${period.field})\n`);
        process.exitCode = 2;
        return;
      }
      await withPlatform(async (ctx) => {
        const statement = await ledgerStatementForDays(
          ctx,
          CLI_ACTOR,
          opts.program,
          opts.insurer,
          opts.from,
          opts.to,
        );
        process.stdout.write(
          opts.format === "json"
            ? `${JSON.stringify(presentStatement(statement), null, 2)}\n`
            : statementCsv(statement),
        );
      });
    });

  ledger
    .command("check")
    .description("recompute the ledger's invariants (balance, co-insurance split of every leg)")
    .requiredOption("--program <id>", "program id")
    .action(async (opts: { program: string }) =>
      withPlatform(async (ctx) => {
        const check = await checkLedger(ctx.db, opts.program);
        for (const p of check.problems) process.stderr.write(`${p}\n`);
        process.stdout.write(
          `${check.ok ? "ok" : "NOT BALANCED"}\tjournals ${check.journals}\ttransfers ${check.transfers}\tdebits ${check.totalDebits}\tcredits ${check.totalCredits}\n`,
        );
        if (!check.ok) process.exitCode = 1;
      }),
    );
}
