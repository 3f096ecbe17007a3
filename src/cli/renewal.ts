/**
 * `hmb program renew --id X`: carries out the 自动续保授权 granted in the program X follows, once X's
 * enrollment window is open (services/renewal.ts renewProgram). Idempotent: run it from cron as often as
 * wanted; before the window opens it does nothing and says so; a second run enrolls nobody twice.
 */
import type { Command } from "commander";
import { CLI_ACTOR } from "../services/context.js";
import { renewProgram } from "../services/renewal.js";
import { withPlatform } from "./platform-commands.js";

/** Adds `renew` under the `program` command that registerPlatformCommands created. */
export function registerRenewalCommand(root: Command): void {
  const programCommand = root.commands.find((c) => c.name() === "program");
  if (programCommand === undefined) throw new Error("register the platform commands before renewal");
  programCommand
    .command("renew")
    .description(
      "自动续保：投保期开始后，为上一年度开通自动续保授权的参保人投保并预约医保个人账户扣费（可重复执行）",
    )
    .requiredOption("--id <program_id>", "this year's program (created with --follows last year's)")
    .action(async (opts: { id: string }) =>
      withPlatform(async (ctx) => {
        const run = await renewProgram(ctx, CLI_ACTOR, opts.id);
        if (!run.windowOpen) {
          process.stdout.write(
            `${run.programId}: 投保期尚未开始，未处理（待处理授权 ${run.authorizations} 份，投保期开始后再运行）\n`,
          );
          return;
        }
        process.stdout.write(
          `${run.programId} ← ${run.followsProgramId}: 授权 ${run.authorizations} 份，续保 ${run.renewed.length} 份，跳过 ${run.skipped.length} 份，失败 ${run.failed.length} 份\n`,
        );
        for (const r of run.renewed)
          process.stdout.write(`  续保\t${r.psnNo}\t${r.enrollmentId}\t${r.persons} 人\n`);
        for (const r of run.skipped) process.stdout.write(`  跳过\t${r.psnNo}\t${r.reason}\n`);
        for (const r of run.failed) process.stdout.write(`  失败\t${r.psnNo}\t${r.reason}\n`);
        if (run.failed.length > 0) process.exitCode = 1;
      }),
    );
}
