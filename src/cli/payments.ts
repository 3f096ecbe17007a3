/**
 * `hmb payments reconcile --program <id> [--older-than <minutes>]` — asks the payment provider about every
 * order still waiting for its callback (services/payments/reconcile.ts), applies what it reports exactly
 * once, pays refunds left requested, and prints the summary as JSON. Exit 0, or 1 when the provider reports
 * a paid amount that differs from an order's (not applied; listed in amount_mismatches).
 */
import type { Command } from "commander";
import { CLI_ACTOR } from "../services/context.js";
import { reconcilePayments } from "../services/payments/reconcile.js";
import { withPlatform } from "./platform-commands.js";

export function registerPaymentsCommand(program: Command): void {
  const payments = program.command("payments").description("payments: reconciliation with the provider");
  payments
    .command("reconcile")
    .description(
      "query the provider for orders without a callback; apply paid/failed once; pay pending refunds",
    )
    .requiredOption("--program <id>", "program id")
    .option("--older-than <minutes>", "only orders waiting at least this long", "10")
    .action(async (opts: { program: string; olderThan: string }) => {
      const minutes = Number(opts.olderThan);
      if (!/^\d+$/.test(opts.olderThan)) {
        process.stderr.write(`hmb: --older-than 应为分钟数，收到 ${opts.olderThan} (older_than_minutes)\n`);
        process.exitCode = 2;
        return;
      }
      await withPlatform(async (ctx) => {
        const report = await reconcilePayments(ctx, CLI_ACTOR, opts.program, { olderThanMinutes: minutes });
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        if (report.amount_mismatches.length > 0) {
          process.stderr.write("hmb: 支付渠道金额与订单不符，见 amount_mismatches\n");
          process.exitCode = 1;
        }
      });
    });
}
