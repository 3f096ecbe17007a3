/**
 * `npm run bench` (both halves), `npm run bench:engine`, `npm run bench:adjudicate`.
 * Prints a figures table and merges the results into bench/results/latest.json.
 *
 * Environment: BENCH_PERSONS (engine, default 200000), BENCH_ROUNDS (engine, default 10),
 * BENCH_LINES (adjudicate, default 1000000), BENCH_RUNS (adjudicate, default 2).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  ADJUDICATE_TARGET_LINES_PER_SECOND,
  ADJUDICATE_TARGET_RATIO,
  type AdjudicateFigures,
  REPLAY_TARGET_RATIO,
  runAdjudicateBench,
} from "./adjudicate.js";
import { count, log, machine, RESULTS, ROOT, saveResults, table } from "./common.js";
import { ENGINE_TARGET_PER_SECOND, type EngineFigures } from "./engine.js";
import { PROGRAM_REPLAY_TARGET_SECONDS, runProgramReplayBench } from "./program-replay.js";

const which = process.argv[2] ?? "all";
if (!["all", "engine", "adjudicate"].includes(which)) {
  throw new Error(`usage: run.js [all|engine|adjudicate], got ${which}`);
}

const env = (name: string, fallback: number) => {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : Number(value);
};

const started = new Date();
const part: Record<string, unknown> = { date: started.toISOString(), machine: machine() };
const rows: string[][] = [["benchmark", "figure", "target", "met"]];

if (which === "all" || which === "engine") {
  // A child process with a single-threaded GC: the engine figure is for one core, GC included.
  const persons = env("BENCH_PERSONS", 200_000);
  const rounds = env("BENCH_ROUNDS", 10);
  const child = spawnSync(
    process.execPath,
    ["--single-threaded-gc", join(ROOT, "dist", "bench", "engine.js"), String(persons), String(rounds)],
    { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 },
  );
  if (child.status !== 0) throw new Error(`engine bench failed with exit ${child.status}`);
  const figures = JSON.parse(child.stdout.trim().split("\n").pop() as string) as EngineFigures[];
  part.engine = { targetPerSecond: ENGINE_TARGET_PER_SECOND, singleThreadedGc: true, products: figures };
  for (const f of figures) {
    const name = `engine ${f.product}/${f.plan}`;
    rows.push([
      `${name}, all ${count(f.settlements)} settlements`,
      `${count(f.bestPerSecond)}/s (median ${count(f.medianPerSecond)})`,
      `≥ ${count(ENGINE_TARGET_PER_SECOND)}/s`,
      f.bestPerSecond >= ENGINE_TARGET_PER_SECOND ? "yes" : "no",
    ]);
    rows.push([
      `${name}, coverage year only (${count(f.settlementsInCoverageYear)})`,
      `${count(f.inCoverageBestPerSecond)}/s (median ${count(f.inCoverageMedianPerSecond)})`,
      `≥ ${count(ENGINE_TARGET_PER_SECOND)}/s`,
      f.inCoverageBestPerSecond >= ENGINE_TARGET_PER_SECOND ? "yes" : "no",
    ]);
    rows.push([`${name}, incl. derivePreExisting`, `${count(f.withPreExistingBestPerSecond)}/s`, "", ""]);
  }
}

if (which === "all" || which === "adjudicate") {
  const figures: AdjudicateFigures = await runAdjudicateBench({
    product: "wenshan-2023",
    lines: env("BENCH_LINES", 1_000_000),
    seed: 42,
    runs: env("BENCH_RUNS", 2),
    semiSpaceVariant: true,
  });
  part.adjudicate = {
    targetLinesPerSecond: ADJUDICATE_TARGET_LINES_PER_SECOND,
    targetRatio: ADJUDICATE_TARGET_RATIO,
    ...figures,
  };
  rows.push([
    `hmb synth settlements, ${count(figures.lines)} lines (${figures.fileMiB} MiB)`,
    `${count(figures.synthLinesPerSecond)} lines/s`,
    "≥ 300,000 lines/s",
    figures.synthLinesPerSecond >= 300_000 ? "yes" : "no",
  ]);
  rows.push([
    "hmb adjudicate end to end",
    `${count(figures.adjudicateLinesPerSecond)} lines/s (${Math.min(...figures.adjudicateSeconds).toFixed(2)} s)`,
    `≥ ${count(ADJUDICATE_TARGET_LINES_PER_SECOND)} lines/s`,
    figures.adjudicateLinesPerSecond >= ADJUDICATE_TARGET_LINES_PER_SECOND ? "yes" : "no",
  ]);
  rows.push([
    "bare JSON.parse + JSON.stringify loop",
    `${count(figures.bareLinesPerSecond)} lines/s (${Math.min(...figures.bareSeconds).toFixed(2)} s)`,
    "",
    "",
  ]);
  rows.push([
    "adjudicate ÷ bare loop (time)",
    `${figures.ratio.toFixed(2)}×`,
    `≤ ${ADJUDICATE_TARGET_RATIO}×`,
    figures.ratio <= ADJUDICATE_TARGET_RATIO ? "yes" : "no",
  ]);
  if (figures.cpuRatio !== undefined) {
    rows.push([
      `adjudicate ÷ bare loop (CPU time, user + system; load average ${Math.min(...figures.loadAverages)}–${Math.max(...figures.loadAverages)})`,
      `${figures.cpuRatio.toFixed(2)}×`,
      "",
      "",
    ]);
  }
  rows.push([
    "hmb replay, 2 designs ÷ hmb adjudicate (time)",
    `${figures.replayRatio.toFixed(2)}× (${Math.min(...figures.replaySeconds).toFixed(2)} s)`,
    `≤ ${REPLAY_TARGET_RATIO}×`,
    figures.replayRatio <= REPLAY_TARGET_RATIO ? "yes" : "no",
  ]);
  // The stored program's replay needs PostgreSQL; without one the row says so.
  if (process.env.TEST_DATABASE_URL || process.env.DATABASE_URL) {
    const program = await runProgramReplayBench({
      file: join(ROOT, figures.file),
      claims: figures.lines,
      designs: 2,
      runs: 1,
      keep: false,
    });
    (part.adjudicate as Record<string, unknown>).programReplay = program;
    const best = Math.min(...program.replaySeconds);
    rows.push([
      `hmb replay --program, ${count(program.claims)} stored claims, ${program.designs} designs`,
      `${best.toFixed(2)} s`,
      `< ${PROGRAM_REPLAY_TARGET_SECONDS} s`,
      best < PROGRAM_REPLAY_TARGET_SECONDS ? "yes" : "no",
    ]);
  } else {
    rows.push(["hmb replay --program (needs TEST_DATABASE_URL)", "not run", "", ""]);
  }
  if (figures.singleThreadSeconds !== undefined) {
    rows.push(["hmb adjudicate --threads 1", `${figures.singleThreadSeconds.toFixed(2)} s`, "", ""]);
  }
  if (figures.semiSpace32LinesPerSecond !== undefined && figures.semiSpace32Seconds !== undefined) {
    rows.push([
      "hmb adjudicate, NODE_OPTIONS=--max-semi-space-size=32",
      `${count(figures.semiSpace32LinesPerSecond)} lines/s (${figures.semiSpace32Seconds.toFixed(2)} s)`,
      "",
      "",
    ]);
  }
}

const m = part.machine as ReturnType<typeof machine>;
saveResults(part);
log("");
process.stdout.write(
  `\nBenchmarks on ${m.cpu}, ${m.nproc} CPUs, Node ${m.node} (load average at start ${m.loadAverageAtStart.join(" ")})\n\n`,
);
process.stdout.write(`${table(rows)}\n\nResults: ${RESULTS.slice(ROOT.length + 1)}\n`);
