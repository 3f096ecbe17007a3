/**
 * `hmb adjudicate` end to end (DESIGN.md §8: ≥ 500,000 lines/s and within 2× of a bare JSON.parse +
 * JSON.stringify loop over the same file).
 *
 * Generates 1,000,000 synthetic lines with the real binary (`hmb synth settlements`) into data/bench/, then
 * times, as child processes writing to /dev/null:
 *   node bin/hmb.js adjudicate --product wenshan-2023 --input <file>
 *   node dist/bench/bare-loop.js <file>
 * Each is run `runs` times; the best (shortest) wall time counts, all times are kept in the results.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN, log, ROOT } from "./common.js";

export const ADJUDICATE_TARGET_LINES_PER_SECOND = 500_000;
export const ADJUDICATE_TARGET_RATIO = 2;

export interface AdjudicateFigures {
  product: string;
  file: string;
  lines: number;
  fileMiB: number;
  synthSeconds: number;
  synthLinesPerSecond: number;
  runs: number;
  adjudicateSeconds: number[];
  bareSeconds: number[];
  adjudicateLinesPerSecond: number;
  bareLinesPerSecond: number;
  /** adjudicate time ÷ bare-loop time (best runs). */
  ratio: number;
  /** Informational: the same adjudicate run with NODE_OPTIONS=--max-semi-space-size=32. */
  semiSpace32Seconds: number | undefined;
  semiSpace32LinesPerSecond: number | undefined;
}

/** Runs a child with stdout to /dev/null; resolves with the wall time in seconds, rejects on a bad exit. */
function timeChild(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  okCodes: number[] = [0],
): Promise<number> {
  const devNull = openSync("/dev/null", "w");
  const started = process.hrtime.bigint();
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", devNull, "pipe"] });
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      closeSync(devNull);
      if (code !== null && okCodes.includes(code)) resolve(seconds);
      else reject(new Error(`${args.join(" ")} exited with ${code}:\n${stderr.slice(-2000)}`));
    });
  });
}

export async function runAdjudicateBench(options: {
  product: string;
  lines: number;
  seed: number;
  runs: number;
  semiSpaceVariant: boolean;
}): Promise<AdjudicateFigures> {
  const dir = join(ROOT, "data", "bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `settlements-${options.product}-${options.lines}-seed${options.seed}.jsonl`);
  log(`adjudicate: generating ${options.lines.toLocaleString("en-US")} lines → ${file} …`);
  // About 0.86 lines per simulated person: ask for more persons and stop at the line count.
  const synthSeconds = await timeChild([
    BIN,
    "synth",
    "settlements",
    "--product",
    options.product,
    "--persons",
    String(Math.ceil(options.lines * 1.5)),
    "--seed",
    String(options.seed),
    "--max-lines",
    String(options.lines),
    "--output",
    file,
    "--no-progress",
  ]);
  const fileMiB = statSync(file).size / 2 ** 20;
  log(`adjudicate: ${fileMiB.toFixed(0)} MiB in ${synthSeconds.toFixed(1)} s`);

  const adjudicateSeconds: number[] = [];
  const bareSeconds: number[] = [];
  const bare = join(ROOT, "dist", "bench", "bare-loop.js");
  for (let r = 0; r < options.runs; r++) {
    log(`adjudicate: run ${r + 1}/${options.runs}: hmb adjudicate …`);
    adjudicateSeconds.push(
      await timeChild([BIN, "adjudicate", "--product", options.product, "--input", file]),
    );
    log(`adjudicate:   ${adjudicateSeconds[r]?.toFixed(2)} s; bare loop …`);
    bareSeconds.push(await timeChild([bare, file]));
    log(`adjudicate:   ${bareSeconds[r]?.toFixed(2)} s`);
  }
  let semiSpace32Seconds: number | undefined;
  if (options.semiSpaceVariant) {
    log("adjudicate: hmb adjudicate with NODE_OPTIONS=--max-semi-space-size=32 …");
    const env = {
      ...process.env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --max-semi-space-size=32`.trim(),
    };
    semiSpace32Seconds = await timeChild(
      [BIN, "adjudicate", "--product", options.product, "--input", file],
      env,
    );
    log(`adjudicate:   ${semiSpace32Seconds.toFixed(2)} s`);
  }
  const bestAdjudicate = Math.min(...adjudicateSeconds);
  const bestBare = Math.min(...bareSeconds);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return {
    product: options.product,
    file: file.slice(ROOT.length + 1),
    lines: options.lines,
    fileMiB: Math.round(fileMiB),
    synthSeconds: round(synthSeconds),
    synthLinesPerSecond: Math.round(options.lines / synthSeconds),
    runs: options.runs,
    adjudicateSeconds: adjudicateSeconds.map(round),
    bareSeconds: bareSeconds.map(round),
    adjudicateLinesPerSecond: Math.round(options.lines / bestAdjudicate),
    bareLinesPerSecond: Math.round(options.lines / bestBare),
    ratio: Math.round((bestAdjudicate / bestBare) * 100) / 100,
    semiSpace32Seconds: semiSpace32Seconds === undefined ? undefined : round(semiSpace32Seconds),
    semiSpace32LinesPerSecond:
      semiSpace32Seconds === undefined ? undefined : Math.round(options.lines / semiSpace32Seconds),
  };
}
