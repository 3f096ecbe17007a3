/** `hmb`: the operator's command line. Each command lives in its own module and registers itself here. */
import { Command, CommanderError } from "commander";
import { registerAdjudicateCommand } from "./adjudicate.js";
import { registerCheckCommand } from "./check.js";
import { registerDemoCommand } from "./demo.js";
import { registerEnrollCommand } from "./enroll.js";
import { registerLedgerCommand } from "./ledger.js";
import { registerPlatformCommands } from "./platform-commands.js";
import { registerRosterCommand } from "./roster.js";
import { registerSynthCommand } from "./synth.js";

const program = new Command("hmb")
  .description("惠民保 platform — city-customized commercial medical insurance")
  .showHelpAfterError()
  .exitOverride();

registerAdjudicateCommand(program);
registerSynthCommand(program);
registerCheckCommand(program);
registerDemoCommand(program);
registerLedgerCommand(program);
registerPlatformCommands(program);
registerEnrollCommand(program);
registerRosterCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 64;
  } else {
    process.stderr.write(`hmb: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}
