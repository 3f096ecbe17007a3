/**
 * Long actions' progress, kept in this server process for the screen that started them to poll (issue 14:
 * imports show rows processed and rejected as they go). An import is one request: the client names it with a
 * reference it made up (`?progress=`) and reads `GET /programs/{id}/progress/{ref}` meanwhile. Only the account
 * that started an action can read it; finished entries are forgotten after `FINISHED_TTL_MS`. Held in memory, not
 * the database: a poll must reach the process running the import (one server, or sticky sessions behind a
 * balancer); what the import changed is in the database as always.
 */
import type { ActionProgress } from "../contract/progress.js";
import type { Actor } from "../services/context.js";

/** How long a finished action stays readable: the screen's last poll comes well within this. */
const FINISHED_TTL_MS = 10 * 60_000;
/** A running action nobody finished (its request died with the client) is dropped after this. */
const RUNNING_TTL_MS = 2 * 60 * 60_000;
/** At most this many actions are tracked at once; the oldest finished ones go first. */
const MAX_TRACKED = 1_000;

type Action = NonNullable<ActionProgress["action"]>;
type Phase = ActionProgress["phase"];

interface Entry {
  readonly owner: string;
  readonly startedAt: number;
  view: ActionProgress;
  finishedAt?: number;
}

/** What an import reports as it goes. */
export interface ProgressTracker {
  counts(read: number, rejected: number, total?: number | null): void;
  phase(phase: Exclude<Phase, "done" | "failed">): void;
  finish(ok: boolean): void;
}

const NOOP: ProgressTracker = { counts() {}, phase() {}, finish() {} };

export class ProgressBoard {
  private readonly entries = new Map<string, Entry>();

  /** Starts tracking `ref` for this actor; without a ref, a tracker that records nothing. */
  track(programId: string, ref: string | undefined, actor: Actor, action: Action): ProgressTracker {
    if (ref === undefined) return NOOP;
    this.sweep();
    const now = new Date().toISOString();
    const entry: Entry = {
      owner: actor.id,
      startedAt: Date.now(),
      view: { action, phase: "reading", read: 0, rejected: 0, total: null, started_at: now, updated_at: now },
    };
    this.entries.set(key(programId, ref), entry);
    const touch = (patch: Partial<ActionProgress>) => {
      entry.view = { ...entry.view, ...patch, updated_at: new Date().toISOString() };
    };
    return {
      counts: (read, rejected, total) =>
        touch(total === undefined ? { read, rejected } : { read, rejected, total }),
      phase: (phase) => touch({ phase }),
      finish: (ok) => {
        touch({ phase: ok ? "done" : "failed" });
        entry.finishedAt = Date.now();
      },
    };
  }

  /**
   * Runs `work` tracked under `ref` (untracked without one): done with `final`'s counts when it returns, failed
   * when it throws (the error goes on to the caller).
   */
  async run<T>(
    target: { programId: string; ref: string | undefined; actor: Actor; action: Action },
    work: (progress: ProgressTracker) => Promise<T>,
    final: (result: T) => { read: number; rejected: number; total: number | null },
  ): Promise<T> {
    const progress = this.track(target.programId, target.ref, target.actor, target.action);
    try {
      const result = await work(progress);
      const counts = final(result);
      progress.counts(counts.read, counts.rejected, counts.total);
      progress.finish(true);
      return result;
    } catch (e) {
      progress.finish(false);
      throw e;
    }
  }

  /** The action's progress, or undefined when there is none this actor may read. */
  read(programId: string, ref: string, actor: Actor): ActionProgress | undefined {
    const e = this.entries.get(key(programId, ref));
    return e === undefined || e.owner !== actor.id ? undefined : e.view;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) {
      const expired =
        e.finishedAt === undefined
          ? now - e.startedAt > RUNNING_TTL_MS
          : now - e.finishedAt > FINISHED_TTL_MS;
      if (expired) this.entries.delete(k);
    }
    // Still full: forget the oldest entries (Map keeps insertion order).
    for (const k of this.entries.keys()) {
      if (this.entries.size < MAX_TRACKED) break;
      this.entries.delete(k);
    }
  }
}

const key = (programId: string, ref: string) => `${programId}\u0000${ref}`;
