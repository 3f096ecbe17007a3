/** Shared helpers for the benchmarks: paths, machine description, results file, table printing. */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (this file runs from dist/bench). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "hmb.js");
export const RESULTS = join(ROOT, "bench", "results", "latest.json");

export interface Machine {
  cpu: string;
  nproc: number;
  node: string;
  platform: string;
  memoryGiB: number;
  loadAverageAtStart: number[];
}

export function machine(): Machine {
  let nproc = os.availableParallelism();
  try {
    nproc = Number(execFileSync("nproc", { encoding: "utf8" }).trim()) || nproc;
  } catch {
    // nproc(1) missing: keep Node's figure.
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    nproc,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** 1234567.8 → "1,234,568". */
export function count(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Merges `part` into bench/results/latest.json (so one half can be re-run alone) and returns the whole. */
export function saveResults(part: Record<string, unknown>): Record<string, unknown> {
  let previous: Record<string, unknown> = {};
  if (existsSync(RESULTS)) {
    try {
      previous = JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, unknown>;
    } catch {
      previous = {};
    }
  }
  const merged = { ...previous, ...part };
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${formatJson(merged)}\n`);
  return merged;
}

/** JSON.stringify with 2-space indent and short arrays of plain values on one line, as Biome formats them. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /\[\n(\s*)([^[\]{}]*?)\n\s*\]/g,
    (whole, _indent: string, body: string) => {
      const line = `[${body.split(/,\n\s*/).join(", ")}]`;
      return line.length <= 60 ? line : whole;
    },
  );
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows
    .map((row) => row.map((cell, i) => cell + " ".repeat((widths[i] ?? 0) - width(cell))).join("  "))
    .join("\n");
}

/** Display width: CJK characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(
      ch,
    )
      ? 2
      : 1;
  return w;
}
