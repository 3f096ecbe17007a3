/**
 * `hmb claims reconcile --program <id> --date <yyyy-mm-dd> [--institution CODE] [--format csv|json]` — the
 * daily reconciliation per institution (services/claims/reconciliation.ts) on stdout: for claims payable to
 * institutions, settled or revoked on that Beijing day, the platform's figures beside the ledger's, with the
 * setl_ids that disagree. CSV (default): a header row and one row per institution. JSON: the report object.
 * Exit 0 when everything matches, 1 when some claim does not (the report is still written), 2 on a caller
 * mistake (unknown program, bad date or format).
 */
import type { Command } from "commander";
import { presentReconciliation } from "../api/present/claims.js";
import { beijingDayStart } from "../domain/ledger.js";
import { reconcile, reconciliationCsv } from "../services/claims/reconciliation.js";
import { CLI_ACTOR } from "../services/context.js";
import { withPlatform } from "./platform-commands.js";

export function registerClaimsCommand(program: Command): void {
  const claims = program.command("claims").description("claims: daily reconciliation per institution");

  claims
    .command("reconcile")
    .description(
      "per institution, one Beijing day: settlements, revocations, payable, disbursed vs the ledger",
    )
    .requiredOption("--program <id>", "program id")
    .requiredOption("--date <date>", "the day, yyyy-mm-dd (Beijing time)")
    .option("--institution <code>", "one institution (fixmedins_code) only")
    .option("--format <format>", "csv or json", "csv")
    .action(async (opts: { program: string; date: string; institution?: string; format: string }) => {
      if (opts.format !== "csv" && opts.format !== "json") {
        process.stderr.write(`hmb: --format 应为 csv 或 json，收到 ${opts.format} (format)\n`);
        process.exitCode = 2;
        return;
      }
      if (beijingDayStart(opts.date) === undefined) {
        process.stderr.write(`hmb: date 应为 yyyy-mm-dd 日期，收到 ${opts.date} (date)\n`);
        process.exitCode = 2;
        return;
      }
      await withPlatform(async (ctx) => {
        const report = await reconcile(ctx, CLI_ACTOR, opts.program, {
          date: opts.date,
          institution: opts.institution,
        });
        process.stdout.write(
          opts.format === "json"
            ? `${JSON.stringify(presentReconciliation(report), null, 2)}\n`
            : reconciliationCsv(report),
        );
        if (!report.matches) {
          process.stderr.write("hmb: 平台记录与总账不符，见 mismatches\n");
          process.exitCode = 1;
        }
      });
    });
}
