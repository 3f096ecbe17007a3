/**
 * Messages between the parallel `hmb adjudicate` / `hmb replay` (src/cli/parallel.ts) and its worker threads
 * (src/cli/parallel-worker.ts), and the setl_id hash both sides agree on.
 */
import type { ReplayDesign, ReplayLineError, ReplayTotals } from "../actuarial/replay.js";

export interface ParallelJob {
  readonly mode: "adjudicate" | "replay";
  /** adjudicate: exactly one design (label unused). */
  readonly designs: readonly ReplayDesign[];
}

export type ToWorker =
  | { kind: "lines"; buffer: SharedArrayBuffer; starts: Uint32Array; ends: Uint32Array; indexes: Uint32Array }
  | { kind: "end" }
  | { kind: "which"; hashes: Uint32Array }
  | { kind: "go"; rejects: number[] }
  | { kind: "credit" };

export type ToMain =
  | { kind: "ack" }
  | { kind: "ids"; hashes: Uint32Array }
  | { kind: "which"; ids: string[]; indexes: number[] }
  | { kind: "out"; bytes: Uint8Array; lens: Uint32Array }
  | { kind: "done"; errors: number }
  | { kind: "totals"; totals: ReplayTotals[]; lineErrors: ReplayLineError[]; lineErrorCount: number };

/** FNV-1a over the UTF-16 code units: equal setl_ids hash equal; a collision only costs an exact check. */
export function setlIdHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
