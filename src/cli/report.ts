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
import { antiSelectionText, antiSelectionWire } from "../actuarial/anti-selection.js";
import { antiSelection } from "../services/anti-selection.js";
import { CLI_ACTOR, ServiceError } from "../services/context.js";
import { parsePeriod } from "../services/oversight/dates.js";
import { disclosureReport } from "../services/reports/disclosure.js";
import { disclosurePdf, disclosureXlsx } from "../services/reports/render.js";
import { retrospectiveJson, retrospectivePdf, retrospectiveXlsx } from "../services/reports/retrospective.js";
import { parseTargetLossRatio, retrospectiveReport } from "../services/retrospective.js";
import { registerAidReportCommands } from "./aid-watch.js";
import { withPlatform } from "./platform-commands.js";

type Format = "pdf" | "xlsx";

function fail(message: string, flag: string): void {
  process.stderr.write(`hmb: ${message} (--${flag})\n`);
  process.exitCode = 2;
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command("report")
    .description("reports: public disclosure (guidance clause 十四), 精算回溯 (clause 十一)");
  // 因病致贫监测 and 慈善信息披露 (issue 15; cli/aid-watch.ts).
  registerAidReportCommands(report);

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

  report
    .command("anti-selection")
    .description(
      "anti-selection monitor (逆选择监测) of a program and the programs it follows: enrollment, persistence by health and age band, claims vs premium shares, alerts",
    )
    .requiredOption("--program <id>", "program id")
    .option("--json", "print JSON (the API's answer)")
    .action(async (opts: { program: string; json?: boolean }) => {
      await withPlatform(async (ctx) => {
        const wire = antiSelectionWire(opts.program, await antiSelection(ctx, opts.program));
        process.stdout.write(
          opts.json === true ? `${JSON.stringify(wire, null, 2)}\n` : antiSelectionText(wire),
        );
      });
    });

  // 精算回溯 (issue 13 item 5; services/retrospective.ts). --format json prints to stdout (or --out).
  report
    .command("retrospective")
    .description(
      "精算回溯: priced vs actual by rate group, reserve, anonymized large claims, next year's proposal",
    )
    .requiredOption("--program <id>", "program id")
    .option("--format <format>", "pdf, xlsx or json (default: pdf and xlsx)")
    .option("--out <file>", "output file (one format; default retrospective-<program>-<as-of>.<ext>)")
    .option("--as-of <date>", "valuation date yyyy-mm-dd (default: today or the last day of coverage)")
    .option("--target-loss-ratio <ratio>", "target loss ratio of the proposal (default 0.85)")
    .action(
      async (opts: {
        program: string;
        format?: string;
        out?: string;
        asOf?: string;
        targetLossRatio?: string;
      }) => {
        let formats: ("pdf" | "xlsx" | "json")[] = ["pdf", "xlsx"];
        if (opts.format !== undefined) {
          if (opts.format !== "pdf" && opts.format !== "xlsx" && opts.format !== "json")
            return fail(`--format 应为 pdf、xlsx 或 json，收到 ${opts.format}`, "format");
          formats = [opts.format];
        }
        if (opts.out !== undefined && opts.format === undefined) {
          const ext = extname(opts.out).slice(1).toLowerCase();
          if (ext !== "pdf" && ext !== "xlsx" && ext !== "json")
            return fail(
              `--out 的扩展名应为 .pdf、.xlsx 或 .json（或同时给出 --format），收到 ${opts.out}`,
              "out",
            );
          formats = [ext];
        }
        try {
          parseTargetLossRatio(opts.targetLossRatio);
        } catch (e) {
          if (e instanceof ServiceError) return fail(e.message, "target-loss-ratio");
          throw e;
        }
        await withPlatform(async (ctx) => {
          const data = await retrospectiveReport(ctx, CLI_ACTOR, opts.program, {
            asOf: opts.asOf,
            targetLossRatio: opts.targetLossRatio,
          });
          for (const format of formats) {
            if (format === "json" && opts.out === undefined) {
              process.stdout.write(`${JSON.stringify(retrospectiveJson(data), null, 2)}\n`);
              continue;
            }
            const file = opts.out ?? `retrospective-${opts.program}-${data.asOf}.${format}`;
            const bytes =
              format === "pdf"
                ? await retrospectivePdf(data)
                : format === "xlsx"
                  ? await retrospectiveXlsx(data)
                  : `${JSON.stringify(retrospectiveJson(data), null, 2)}\n`;
            writeFileSync(file, bytes);
            process.stdout.write(`${file}\n`);
          }
        });
      },
    );
}
