/**
 * `hmb report disclosure --program <id> --period <yyyy-mm|yyyy> [--format pdf|xlsx] [--out FILE]` — the public
 * disclosure report of guidance clause 十四 (see services/reports/disclosure.ts). Without --format it writes
 * both disclosure-<program>-<period>.pdf and .xlsx in the current directory; with --format one file, to
 * --out if given. --out without --format takes the format from the file's extension. Prints the paths written.
 * Exit 0 on success, 2 on a caller mistake (bad period, format or output name, unknown program; the message
 * names the flag), 64 for a missing required flag.
 */
import { writeFileSync } from "node:fs";
import { extname } from "node:path";
import type { Command } from "commander";
import { CLI_ACTOR, ServiceError } from "../services/context.js";
import { parsePeriod } from "../services/oversight/dates.js";
import { disclosureReport } from "../services/reports/disclosure.js";
import { disclosurePdf, disclosureXlsx } from "../services/reports/render.js";
import { withPlatform } from "./platform-commands.js";

type Format = "pdf" | "xlsx";

function fail(message: string, flag: string): void {
  process.stderr.write(`hmb: ${message} (--${flag})\n`);
  process.exitCode = 2;
}

export function registerReportCommand(program: Command): void {
  const report = program.command("report").description("reports: public disclosure (guidance clause 十四)");

  report
    .command("disclosure")
    .description("disclosure report for a month (yyyy-mm) or a year (yyyy): PDF and Excel")
    .requiredOption("--program <id>", "program id")
    .requiredOption("--period <period>", "yyyy-mm (a month) or yyyy (a calendar year), Beijing time")
    .option("--format <format>", "pdf or xlsx (default: both)")
    .option("--out <file>", "output file (one format; default disclosure-<program>-<period>.<ext>)")
    .action(async (opts: { program: string; period: string; format?: string; out?: string }) => {
      try {
        parsePeriod(opts.period);
      } catch (e) {
        if (e instanceof ServiceError) return fail(e.message, "period");
        throw e;
      }
      let formats: Format[] = ["pdf", "xlsx"];
      if (opts.format !== undefined) {
        if (opts.format !== "pdf" && opts.format !== "xlsx")
          return fail(`--format 应为 pdf 或 xlsx，收到 ${opts.format}`, "format");
        formats = [opts.format];
      }
      if (opts.out !== undefined) {
        const ext = extname(opts.out).slice(1).toLowerCase();
        if (opts.format === undefined) {
          if (ext !== "pdf" && ext !== "xlsx")
            return fail(`--out 的扩展名应为 .pdf 或 .xlsx（或同时给出 --format），收到 ${opts.out}`, "out");
          formats = [ext];
        }
      }
      await withPlatform(async (ctx) => {
        const data = await disclosureReport(ctx, CLI_ACTOR, opts.program, opts.period);
        for (const format of formats) {
          const file = opts.out ?? `disclosure-${opts.program}-${data.period}.${format}`;
          const bytes = format === "pdf" ? await disclosurePdf(data) : await disclosureXlsx(data);
          writeFileSync(file, bytes);
          process.stdout.write(`${file}\n`);
        }
      });
    });
}
