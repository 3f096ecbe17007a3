/**
 * `hmb report catastrophic --program <id> [--json]` — the catastrophic-cost watch (因病致贫监测,
 * services/aid/watch.ts): counts by county and cohort, then each flagged person (masked) with the reasons and
 * the aid programs that could still help. --json prints the API's two answers ({ summary, list }).
 *
 * `hmb report charity --program <id> --fund <F> --quarter <yyyyQn> [--format pdf|xlsx|json] [--out FILE]` — the
 * quarterly charity disclosure of one fund (services/reports/charity.ts). Without --format it writes
 * charity-<program>-<fund>-<quarter>.pdf and .xlsx; json goes to stdout unless --out is given.
 * Exit 0 on success, 2 on a caller mistake (the message names the flag), 64 for a missing required flag.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { catastrophicList, catastrophicSummary } from "../services/aid/watch.js";
import { CLI_ACTOR, ServiceError } from "../services/context.js";
import { watchListWire, watchSummaryWire, watchText } from "../services/reports/catastrophic.js";
import {
  charityJson,
  charityPdf,
  charityReport,
  charityXlsx,
  parseQuarter,
} from "../services/reports/charity.js";
import { withPlatform } from "./platform-commands.js";

type Format = "pdf" | "xlsx" | "json";
const FORMATS: readonly Format[] = ["pdf", "xlsx", "json"];

function fail(message: string, flag: string): void {
  process.stderr.write(`hmb: ${message} (--${flag})\n`);
  process.exitCode = 2;
}

export function registerAidReportCommands(report: Command): void {
  report
    .command("catastrophic")
    .description(
      "因病致贫监测: persons still at catastrophic cost after every layer (masked), what could help them",
    )
    .requiredOption("--program <id>", "program id")
    .option("--json", "print JSON (the API's answers: summary and list)")
    .action(async (opts: { program: string; json?: boolean }) => {
      await withPlatform(async (ctx) => {
        const summary = watchSummaryWire(await catastrophicSummary(ctx, CLI_ACTOR, opts.program));
        const list = watchListWire(await catastrophicList(ctx, CLI_ACTOR, opts.program, {}));
        process.stdout.write(
          opts.json === true ? `${JSON.stringify({ summary, list }, null, 2)}\n` : watchText(list, summary),
        );
      });
    });

  report
    .command("charity")
    .description("慈善信息披露: one fund's quarter (money in by donor, out by program and cohort, balance)")
    .requiredOption("--program <id>", "program id")
    .requiredOption("--fund <fund>", "aid fund or charity pool id")
    .requiredOption("--quarter <quarter>", "yyyyQn, e.g. 2026Q1 (Beijing time)")
    .option("--format <format>", "pdf, xlsx or json (default: pdf and xlsx)")
    .option("--out <file>", "output file (one format; default charity-<program>-<fund>-<quarter>.<ext>)")
    .action(
      async (opts: { program: string; fund: string; quarter: string; format?: string; out?: string }) => {
        try {
          parseQuarter(opts.quarter);
        } catch (e) {
          if (e instanceof ServiceError) return fail(e.message, "quarter");
          throw e;
        }
        let formats: Format[] = ["pdf", "xlsx"];
        if (opts.format !== undefined) {
          if (!(FORMATS as readonly string[]).includes(opts.format))
            return fail(`--format 应为 pdf、xlsx 或 json，收到 ${opts.format}`, "format");
          formats = [opts.format as Format];
        }
        await withPlatform(async (ctx) => {
          const data = await charityReport(ctx, CLI_ACTOR, opts.program, opts.fund, opts.quarter);
          for (const format of formats) {
            const json = `${JSON.stringify(charityJson(data), null, 2)}\n`;
            if (format === "json" && opts.out === undefined) {
              process.stdout.write(json);
              continue;
            }
            const file = opts.out ?? `charity-${opts.program}-${opts.fund}-${data.quarter}.${format}`;
            const bytes =
              format === "pdf" ? await charityPdf(data) : format === "xlsx" ? await charityXlsx(data) : json;
            writeFileSync(file, bytes);
            process.stdout.write(`${file}\n`);
          }
        });
      },
    );
}
