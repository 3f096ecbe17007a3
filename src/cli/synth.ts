/**
 * `hmb synth settlements --product <id> | --product-file <file> --persons N --seed S [--invalid-rate R]
 * [--output file|-]`:
 * synthetic settlement records (JSONL, national field names) for tests, demos and benchmarks.
 * The generator (src/synth) is pure; this module only streams its lines to a file or standard output.
 */
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import type { SynthStats } from "../synth/settlements.js";
import { ChunkedWriter } from "./lines.js";
import {
  addProductSourceOptions,
  type ProductSourceOptions,
  requireProductSource,
  resolveProduct,
} from "./product-source.js";

export interface SynthSettlementsOptions extends ProductSourceOptions {
  persons: number;
  seed: number;
  invalidRate?: number;
  historyYears?: number;
  maxLines?: number;
  /** File path, or "-" / undefined for standard output. */
  output?: string;
  /** Show a progress bar on standard error (only when it is a terminal). */
  progress?: boolean;
}

export async function runSynthSettlements(options: SynthSettlementsOptions): Promise<SynthStats> {
  const product = resolveProduct(options);
  // Loaded here so that the rest of `hmb` never depends on the generator's modules.
  const { SettlementSynthesizer } = await import("../synth/settlements.js");
  const synth = new SettlementSynthesizer({
    product,
    persons: options.persons,
    seed: options.seed,
    invalidRate: options.invalidRate ?? 0,
    historyYears: options.historyYears ?? 2,
    ...(options.maxLines === undefined ? {} : { maxLines: options.maxLines }),
  });
  const toStdout = options.output === undefined || options.output === "-";
  const out: NodeJS.WritableStream = toStdout
    ? process.stdout
    : createWriteStream(options.output as string, { highWaterMark: 1 << 20 });
  const writer = new ChunkedWriter(out);
  const bar =
    options.progress === true && process.stderr.isTTY
      ? new SingleBar({
          format: "synth [{bar}] {percentage}% | {value}/{total} persons | {lines} lines",
          stream: process.stderr,
        })
      : undefined;
  bar?.start(options.persons, 0, { lines: 0 });
  let sinceUpdate = 0;
  while (!synth.done) {
    const bytes = synth.nextPersonBytes();
    if (bytes.length > 0 && !writer.tryBytes(bytes)) {
      await writer.rotate();
      writer.tryBytes(bytes);
    }
    if (bar !== undefined && ++sinceUpdate === 10_000) {
      sinceUpdate = 0;
      bar.update(synth.stats.persons, { lines: synth.stats.lines });
    }
  }
  await writer.flush();
  bar?.update(synth.stats.persons, { lines: synth.stats.lines });
  bar?.stop();
  if (!toStdout) {
    out.end();
    await once(out, "close");
  }
  return synth.stats;
}

function wholeNumber(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 0 to ${max}`);
    }
    return Number(value);
  };
}

function rate(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError("invalid rate must be a number from 0 to 1");
  }
  return n;
}

export function registerSynthCommand(program: Command): void {
  // program.command() (not addCommand) so the subcommands inherit exitOverride and the help settings.
  const synth = program.command("synth").description("generate synthetic data (deterministic for a seed)");
  const settlements = synth
    .command("settlements")
    .description(
      "synthetic settlement records (JSONL, national field names) for a product's region: " +
        "the coverage year plus history years, see docs/synthetic-data.md",
    );
  addProductSourceOptions(settlements)
    .requiredOption("--persons <n>", "number of insured persons to simulate", wholeNumber("--persons"))
    .requiredOption("--seed <s>", "random seed (whole number)", wholeNumber("--seed"))
    .option("--invalid-rate <r>", "fraction of lines deliberately broken, 0 to 1", rate, 0)
    .option(
      "--history-years <n>",
      "years of history before coverage start",
      wholeNumber("--history-years", 10),
      2,
    )
    .option("--max-lines <n>", "stop after this many lines", wholeNumber("--max-lines"))
    .option("--output <file>", "output file, or - for standard output", "-")
    .option("--stats", "print generation statistics as JSON on standard error")
    .option("--no-progress", "no progress bar")
    .action(
      async (
        opts: ProductSourceOptions & {
          persons: number;
          seed: number;
          invalidRate: number;
          historyYears: number;
          maxLines?: number;
          output: string;
          stats?: boolean;
          progress: boolean;
        },
      ) => {
        requireProductSource(settlements, opts);
        const started = performance.now();
        const stats = await runSynthSettlements(opts);
        const seconds = (performance.now() - started) / 1000;
        if (opts.stats === true) process.stderr.write(`${JSON.stringify(stats)}\n`);
        if (opts.output !== "-") {
          process.stderr.write(
            `synth: ${stats.persons} persons, ${stats.lines} settlements (${stats.invalid} invalid) → ${opts.output} ` +
              `in ${seconds.toFixed(1)} s (${Math.round(stats.lines / Math.max(seconds, 1e-9))} lines/s)\n`,
          );
        }
      },
    );
}
