/**
 * `hmb adjudicate` end to end (DESIGN.md §8: ≥ 500,000 lines/s; issue 13 item 2: within 1.5× of a bare
 * single-threaded JSON.parse + JSON.stringify loop over the same file, and `hmb replay` of two designs within
 * 1.25× one adjudicate pass).
 *
 * Generates 1,000,000 synthetic lines with the real binary (`hmb synth settlements`) into data/bench/, then
 * times, as child processes writing to /dev/null, alternating within each run:
 *   node bin/hmb.js adjudicate --product wenshan-2023 --input <file>   (worker threads on every core)
 *   node dist/bench/bare-loop.js <file>                                 (one thread)
 *   node bin/hmb.js replay --input <file> --json --design wenshan-2023:standard --design wenshan-2024-draft:standard
 * Each is run `runs` times; the best (shortest) wall time counts, all times are kept in the results. The
 * machine is shared, so each run also records its CPU time (user + system, from the kernel's account of
 * reaped children) and the 1-minute load average before it: the CPU ratio does not depend on the neighbours.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { BIN, log, ROOT } from "./common.js";

export const ADJUDICATE_TARGET_LINES_PER_SECOND = 500_000;
export const ADJUDICATE_TARGET_RATIO = 1.5;
/** Issue 13 item 2: `hmb replay` of two designs within 1.25× one `hmb adjudicate` pass over the same file. */
export const REPLAY_TARGET_RATIO = 1.25;
/** The two designs the replay figure compares (one of them with a family-shared deductible pool). */
export const REPLAY_DESIGNS = ["wenshan-2023:standard", "wenshan-2024-draft:standard"] as const;

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
  /** CPU seconds (user + system, all threads) of each run; undefined where /proc is not available. */
  adjudicateCpuSeconds: (number | undefined)[];
  bareCpuSeconds: (number | undefined)[];
  replayCpuSeconds: (number | undefined)[];
  /** 1-minute load average before each run (adjudicate, bare, replay in turn). */
  loadAverages: number[];
  /** adjudicate CPU time ÷ bare-loop CPU time (means over the runs); undefined without /proc. */
  cpuRatio: number | undefined;
  /** `hmb replay --json` of REPLAY_DESIGNS over the same file, each run between the other two. */
  replaySeconds: number[];
  /** replay time ÷ adjudicate time (best runs). */
  replayRatio: number;
  /** The single-threaded adjudicate (--threads 1), once, for comparison. */
  singleThreadSeconds: number | undefined;
  /** Informational: the same adjudicate run with NODE_OPTIONS=--max-semi-space-size=32. */
  semiSpace32Seconds: number | undefined;
  semiSpace32LinesPerSecond: number | undefined;
}

/** CPU seconds (user + system) of this process's reaped children so far, from /proc/self/stat; Linux only. */
function childCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "latin1");
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // cutime and cstime are fields 16 and 17 of the line (13 and 14 here), in clock ticks (USER_HZ = 100).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

const cpuLog: (number | undefined)[] = [];
const loadLog: number[] = [];

/** timeChild, also noting the child's CPU seconds (cpuLog) and the load average before it (loadLog). */
async function timeChildCpu(args: string[]): Promise<number> {
  loadLog.push(Math.round((loadavg()[0] as number) * 100) / 100);
  const before = childCpuSeconds();
  const seconds = await timeChild(args);
  const after = childCpuSeconds();
  cpuLog.push(
    before === undefined || after === undefined ? undefined : Math.round((after - before) * 100) / 100,
  );
  return seconds;
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
  const replaySeconds: number[] = [];
  const adjudicateCpuSeconds: (number | undefined)[] = [];
  const bareCpuSeconds: (number | undefined)[] = [];
  const replayCpuSeconds: (number | undefined)[] = [];
  const replayArgs = [
    BIN,
    "replay",
    "--input",
    file,
    "--json",
    ...REPLAY_DESIGNS.flatMap((d) => ["--design", d]),
  ];
  // Alternating within each run, so a neighbour's load on the shared cores falls on all three alike.
  for (let r = 0; r < options.runs; r++) {
    log(`adjudicate: run ${r + 1}/${options.runs}: hmb adjudicate …`);
    adjudicateSeconds.push(
      await timeChildCpu([BIN, "adjudicate", "--product", options.product, "--input", file]),
    );
    adjudicateCpuSeconds.push(cpuLog.at(-1));
    log(`adjudicate:   ${adjudicateSeconds[r]?.toFixed(2)} s (CPU ${cpuLog.at(-1)} s); bare loop …`);
    bareSeconds.push(await timeChildCpu([bare, file]));
    bareCpuSeconds.push(cpuLog.at(-1));
    log(
      `adjudicate:   ${bareSeconds[r]?.toFixed(2)} s (CPU ${cpuLog.at(-1)} s); hmb replay of ${REPLAY_DESIGNS.join(" and ")} …`,
    );
    replaySeconds.push(await timeChildCpu(replayArgs));
    replayCpuSeconds.push(cpuLog.at(-1));
    log(
      `adjudicate:   ${replaySeconds[r]?.toFixed(2)} s (CPU ${cpuLog.at(-1)} s); load ${loadLog.join(", ")}`,
    );
  }
  let singleThreadSeconds: number | undefined;
  if (options.semiSpaceVariant) {
    log("adjudicate: hmb adjudicate --threads 1 …");
    singleThreadSeconds = await timeChild([
      BIN,
      "adjudicate",
      "--product",
      options.product,
      "--input",
      file,
      "--threads",
      "1",
    ]);
    log(`adjudicate:   ${singleThreadSeconds.toFixed(2)} s`);
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
  const mean = (xs: (number | undefined)[]) =>
    xs.some((x) => x === undefined)
      ? undefined
      : xs.reduce((a: number, x) => a + (x as number), 0) / xs.length;
  const adjudicateCpu = mean(adjudicateCpuSeconds);
  const bareCpu = mean(bareCpuSeconds);
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
    adjudicateCpuSeconds,
    bareCpuSeconds,
    replayCpuSeconds,
    loadAverages: loadLog.slice(),
    cpuRatio:
      adjudicateCpu === undefined || bareCpu === undefined || bareCpu === 0
        ? undefined
        : Math.round((adjudicateCpu / bareCpu) * 100) / 100,
    replaySeconds: replaySeconds.map(round),
    replayRatio: Math.round((Math.min(...replaySeconds) / bestAdjudicate) * 100) / 100,
    singleThreadSeconds: singleThreadSeconds === undefined ? undefined : round(singleThreadSeconds),
    semiSpace32Seconds: semiSpace32Seconds === undefined ? undefined : round(semiSpace32Seconds),
    semiSpace32LinesPerSecond:
      semiSpace32Seconds === undefined ? undefined : Math.round(options.lines / semiSpace32Seconds),
  };
}
