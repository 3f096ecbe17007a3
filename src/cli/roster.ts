/**
 * `hmb roster import --program <id> --file <csv|xlsx> [--report <file.json>]` — fixed contract:
 * progress bar on stderr (TTY only), each rejected field on stderr as `line N: field: message`, one summary
 * line on stdout; exit 0 when every row was imported, 2 when some were rejected, 1 on a fatal error.
 */
import { writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { CLI_ACTOR, type PlatformContext, ServiceError } from "../services/context.js";
import { openPlatform } from "../services/platform.js";
import {
  importRoster,
  openRosterFile,
  type RosterImportError,
  rosterImportCounts,
} from "../services/roster.js";

/** Errors kept for the JSON report; the rejected count and stderr lines are always complete. */
const REPORT_LIMIT = 100_000;

export interface RosterImportCliOptions {
  program: string;
  file: string;
  report?: string | undefined;
  progress?: boolean | undefined;
  workers?: string | undefined;
}

export async function runRosterImport(ctx: PlatformContext, opts: RosterImportCliOptions): Promise<number> {
  const size = (await stat(opts.file)).size;
  const { stream, records } = openRosterFile(opts.file);
  const bar =
    opts.progress !== false && process.stderr.isTTY
      ? new SingleBar({
          format: "roster [{bar}] {percentage}% | {rows} rows | {eta_formatted} left",
          stream: process.stderr,
          hideCursor: true,
        })
      : undefined;
  bar?.start(Math.max(size, 1), 0, { rows: 0 });
  let pending = "";
  const flushErrors = () => {
    if (pending === "") return;
    if (bar !== undefined) process.stderr.write("\r\x1b[K");
    process.stderr.write(pending);
    pending = "";
  };
  try {
    const result = await importRoster(ctx, CLI_ACTOR, opts.program, records, {
      maxErrors: opts.report === undefined ? 0 : REPORT_LIMIT,
      source: basename(opts.file),
      onError: (e: RosterImportError) => {
        pending += `line ${e.line}: ${e.field}: ${e.message}\n`;
        if (pending.length > 1 << 16) flushErrors();
      },
      onProgress: (read) => {
        flushErrors();
        bar?.update(stream.bytesRead, { rows: read });
      },
    });
    bar?.update(Math.max(size, 1), { rows: result.read });
    bar?.stop();
    flushErrors();
    if (opts.report !== undefined) {
      writeFileSync(
        opts.report,
        `${JSON.stringify(
          {
            program_id: opts.program,
            file: basename(opts.file),
            ...rosterImportCounts(result),
            errors: result.errors,
            errors_truncated: result.errorsTruncated,
          },
          null,
          2,
        )}\n`,
      );
    }
    const seconds = result.elapsedMs / 1000;
    const rate = seconds > 0 ? Math.round(result.read / seconds) : result.read;
    process.stdout.write(
      `read ${result.read}, imported ${result.imported} (new ${result.inserted}, updated ${result.updated}, ` +
        `unchanged ${result.unchanged}), rejected ${result.rejected}, elapsed ${seconds.toFixed(2)} s, ${rate} rows/s\n`,
    );
    return result.rejected > 0 ? 2 : 0;
  } finally {
    bar?.stop();
    flushErrors();
    stream.destroy();
  }
}

export function registerRosterCommand(program: Command): void {
  program
    .command("roster")
    .description("参保人员名单 (the bureau's roster)")
    .command("import")
    .description("import a roster file (CSV or XLSX, header row required) into a program; idempotent")
    .requiredOption("--program <id>", "program id")
    .requiredOption("--file <file>", "roster file, .csv or .xlsx")
    .option("--report <file>", "write a JSON report of rejected rows")
    .option("--no-progress", "no progress bar")
    .option(
      "--workers <n>",
      "accepted for scripts written against earlier versions; no effect (sealing is batched in-thread)",
    )
    .action(async (opts: RosterImportCliOptions) => {
      let ctx: PlatformContext | undefined;
      try {
        ctx = await openPlatform();
        process.exitCode = await runRosterImport(ctx, opts);
      } catch (e) {
        const message =
          e instanceof ServiceError
            ? `${e.message}${e.field === undefined ? "" : ` (${e.field})`}`
            : e instanceof Error
              ? e.message
              : String(e);
        process.stderr.write(`hmb: ${message}\n`);
        process.exitCode = 1;
      } finally {
        await ctx?.db.close();
      }
    });
}
