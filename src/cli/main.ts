/** `hmb`: the operator's command line. Each command lives in its own module and registers itself here. */
import { Command, CommanderError } from "commander";
import { registerAdjudicateCommand } from "./adjudicate.js";
import { registerCheckCommand } from "./check.js";
import { registerDemoCommand } from "./demo.js";
import { registerProductCommand } from "./product.js";
import { registerSynthCommand } from "./synth.js";

const program = new Command("hmb")
  .description("惠民保 platform — city-customized commercial medical insurance")
  .showHelpAfterError()
  .exitOverride();

registerAdjudicateCommand(program);
registerSynthCommand(program);
registerCheckCommand(program);
registerDemoCommand(program);
registerProductCommand(program);

// The database commands pull in Fastify, PGlite, pg, exceljs and pdfkit (~1 s of start-up). The engine
// commands above need none of it, so load those modules only when another command (or help) is asked for.
const ENGINE_ONLY = new Set([
  "adjudicate",
  "synth",
  "check",
  "demo",
  "product",
  "reserve",
  "replay",
  "price",
]);
// `hmb replay` adjudicates a file under several designs (src/actuarial/replay.ts): engine-only too.
(await import("./replay.js")).registerReplayCommand(program);
// `hmb reserve` computes on files (src/actuarial), engine-only like the commands above; its --program mode
// loads the database itself.
(await import("./reserve.js")).registerReserveCommand(program);
// `hmb price` prices by rate group from a file's experience (src/actuarial/price.ts); a program ID loads the
// database itself, like `hmb replay --program`.
(await import("./price.js")).registerPriceCommand(program);
if (!ENGINE_ONLY.has(process.argv[2] ?? "")) {
  const [ledger, platform, enroll, roster, report] = await Promise.all([
    import("./ledger.js"),
    import("./platform-commands.js"),
    import("./enroll.js"),
    import("./roster.js"),
    import("./report.js"),
  ]);
  ledger.registerLedgerCommand(program);
  platform.registerPlatformCommands(program);
  (await import("./renewal.js")).registerRenewalCommand(program);
  enroll.registerEnrollCommand(program);
  roster.registerRosterCommand(program);
  (await import("./claims.js")).registerClaimsCommand(program);
  (await import("./payments.js")).registerPaymentsCommand(program);
  report.registerReportCommand(program);
  (await import("./health-services.js")).registerHealthServicesCommand(program);
  const aidCommand = (await import("./aid.js")).registerAidCommand(program);
  (await import("./aid-match.js")).registerAidMatchCommand(aidCommand);
}

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
