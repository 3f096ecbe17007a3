/**
 * `hmb enroll --program <id> --plan <plan> --psn-no <psn_no> [--payer-psn-no <psn_no>]
 *   [--channel offline|cash|personal_account|charity:<pool>]`
 * Enrolls one person as an operator (same service as POST /api/v1/programs/:id/enrollments) and prints
 * `<policy_no>\t<status>`; for cash it also prints the gateway order (`order <order_no>\t<amount>\t<pay_url>`)
 * and the policy stays pending_payment until the order is paid; for personal_account it prints the
 * pre-authorization order; offline (the default) and charity issue the policy at once. DATABASE_URL and
 * HMB_NOW are read like the server.
 */
import type { Command } from "commander";
import { formatYuan } from "../domain/money.js";
import { CLI_ACTOR } from "../services/context.js";
import { enroll } from "../services/enrollment.js";
import { withPlatform } from "./platform-commands.js";

export function registerEnrollCommand(program: Command): void {
  program
    .command("enroll")
    .description("enroll one person (operator): prints the policy number and status")
    .requiredOption("--program <id>", "program id")
    .requiredOption("--plan <plan>", "plan id, e.g. standard")
    .requiredOption("--psn-no <psn_no>", "person to insure (must be on the roster)")
    .option("--payer-psn-no <psn_no>", "who pays (default: the insured person)")
    .option("--channel <channel>", "offline | cash | personal_account | charity:<pool_id>", "offline")
    .action(
      async (opts: { program: string; plan: string; psnNo: string; payerPsnNo?: string; channel: string }) =>
        withPlatform(async (ctx) => {
          const r = await enroll(ctx, CLI_ACTOR, {
            programId: opts.program,
            kind: "individual",
            plan: opts.plan,
            psnNo: opts.psnNo,
            payerPsnNo: opts.payerPsnNo,
            channel: opts.channel,
          });
          for (const p of r.policies)
            process.stdout.write(`${p.policy_no}\t${p.status}\t${formatYuan(p.premium_fen)}\n`);
          if (r.payment.status !== "paid") {
            process.stdout.write(
              `order ${r.payment.order_no}\t${r.payment.channel}\t${formatYuan(r.payment.amount_fen)}\t${r.payment.status}${r.payment.pay_url === undefined ? "" : `\t${r.payment.pay_url}`}\n`,
            );
          }
        }),
    );
}
