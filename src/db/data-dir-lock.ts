/**
 * One process owns an embedded (PGlite) data directory. PGlite is PostgreSQL in WebAssembly inside one
 * process, with no postmaster to arbitrate: two processes opening the same files are two writers that do
 * not see each other's buffers (policies written by one invisible to the other, duplicate keys, lost
 * writes). The owner holds `hmb.lock` in the directory — pid, process start time, host, command, and
 * the local socket other commands reach the database through (db/pglite-socket.ts) when it offers one.
 *
 * The lock file appears whole or not at all: written to a private temporary file, then hard-linked to its
 * name, which fails with EEXIST when it exists (the same test-and-create as open(O_CREAT|O_EXCL), without
 * a moment when the file exists but is still empty). A lock whose process is gone (pid not alive, or alive
 * but started at another time: the pid was reused by another program) is stale; it is removed under a
 * second O_EXCL file, so two processes clearing the same stale lock cannot remove a fresh one.
 */
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

export const LOCK_FILE = "hmb.lock";
/** Serializes removing a stale lock; itself stale after this long (its remover died). */
const BREAK_FILE = `${LOCK_FILE}.breaking`;
const BREAK_STALE_MS = 10_000;

export interface DataDirOwner {
  readonly pid: number;
  /** Process start time (Linux: clock ticks after boot, /proc/<pid>/stat field 22); null where unknown. */
  readonly started: string | null;
  readonly host: string;
  /** What the owner runs, e.g. "hmb serve" — for the refusal message. */
  readonly command: string;
  readonly since: string;
  /** Directory holding the owner's PostgreSQL-protocol Unix socket (`.s.PGSQL.5432`), when it offers one. */
  readonly socket: string | null;
}

export interface DataDirLock {
  readonly dataDir: string;
  readonly path: string;
  readonly owner: DataDirOwner;
  /** Rewrites the lock (atomically: rename over it) with the socket other commands can reach. */
  offerSocket(directory: string): void;
  /** Removes the lock if it is still this process's. Idempotent. */
  release(): void;
}

/** Another live process owns the directory (or a process on another host, which cannot be checked). */
export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner,
    message: string,
  ) {
    super(message);
  }
}

/** Start time of a process, to tell a live owner from an unrelated process that reuses its pid. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses): state is field 3, starttime 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Locks this process holds, by path: released on exit, and the test for "our own pid". */
const held = new Map<string, DataDirOwner>();
let exitHook = false;

function sameOwner(a: DataDirOwner, b: DataDirOwner): boolean {
  return a.pid === b.pid && a.started === b.started && a.host === b.host && a.since === b.since;
}

/** Whether the process named in a lock still owns it. A lock from another host counts as live. */
export function ownerAlive(lockPath: string, owner: DataDirOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) {
    const mine = held.get(lockPath);
    return mine !== undefined && sameOwner(mine, owner);
  }
  if (!Number.isInteger(owner.pid) || owner.pid <= 0 || !processAlive(owner.pid)) return false;
  const started = processStartTime(owner.pid);
  return owner.started === null || started === null || started === owner.started;
}

function parseOwner(text: string): DataDirOwner | undefined {
  try {
    const v = JSON.parse(text) as Partial<DataDirOwner>;
    if (typeof v.pid !== "number" || typeof v.host !== "string") return undefined;
    return {
      pid: v.pid,
      started: typeof v.started === "string" ? v.started : null,
      host: v.host,
      command: typeof v.command === "string" ? v.command : "hmb",
      since: typeof v.since === "string" ? v.since : "",
      socket: typeof v.socket === "string" ? v.socket : null,
    };
  } catch {
    return undefined;
  }
}

/** The lock's current owner, or undefined when there is no lock file. Unreadable content reads as stale. */
export function readDataDirOwner(dataDir: string): DataDirOwner | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, LOCK_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return (
    parseOwner(text) ?? { pid: 0, started: null, host: hostname(), command: "?", since: "", socket: null }
  );
}

/** The live owner of a data directory, if any (a stale lock reads as none). */
export function liveDataDirOwner(dataDir: string): DataDirOwner | undefined {
  const owner = readDataDirOwner(dataDir);
  return owner !== undefined && ownerAlive(join(dataDir, LOCK_FILE), owner) ? owner : undefined;
}

function writeNewFile(path: string, content: string): void {
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function tempName(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
}

/** Creates the lock file with `content` in one step; false if it exists. */
function createWhole(path: string, content: string): boolean {
  const tmp = tempName(path);
  writeNewFile(tmp, content);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Removes the lock at `path` if it still names `stale`; one remover at a time. */
function breakStale(dataDir: string, path: string, stale: DataDirOwner): void {
  const breakPath = join(dataDir, BREAK_FILE);
  try {
    writeNewFile(breakPath, String(process.pid));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    // Someone else is removing it; if they died doing so, clear their marker and let the caller retry.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    try {
      if (Date.now() - statSync(breakPath).mtimeMs > BREAK_STALE_MS) unlinkSync(breakPath);
    } catch {
      // gone meanwhile
    }
    return;
  }
  try {
    const now = readDataDirOwner(dataDir);
    if (now !== undefined && sameOwner(now, stale)) unlinkSync(path);
  } finally {
    unlinkSync(breakPath);
  }
}

function releaseAllSync(): void {
  for (const [path, owner] of held) {
    try {
      const now = parseOwner(readFileSync(path, "utf8"));
      if (now !== undefined && sameOwner(now, owner)) unlinkSync(path);
    } catch {
      // already gone
    }
  }
  held.clear();
}

/**
 * Takes the directory's lock, clearing a stale one. Returns the live owner instead when another process
 * (or this one, through another handle) holds it.
 */
export function acquireDataDirLock(
  dataDir: string,
  command: string,
): { lock: DataDirLock } | { busy: DataDirOwner } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  const owner: DataDirOwner = {
    pid: process.pid,
    started: processStartTime(process.pid),
    host: hostname(),
    command,
    since: new Date().toISOString(),
    socket: null,
  };
  for (let attempt = 0; ; attempt++) {
    if (createWhole(path, `${JSON.stringify(owner)}\n`)) break;
    if (attempt >= 100) throw new Error(`无法清除数据目录 ${dataDir} 的过期锁 ${path}`);
    const current = readDataDirOwner(dataDir);
    if (current === undefined) continue;
    if (ownerAlive(path, current)) return { busy: current };
    breakStale(dataDir, path, current);
  }
  held.set(path, owner);
  if (!exitHook) {
    exitHook = true;
    // Also on process.exit() from a shutdown deadline; not on SIGKILL (the next owner clears that lock).
    process.on("exit", releaseAllSync);
  }
  let current = owner;
  return {
    lock: {
      dataDir,
      path,
      get owner() {
        return current;
      },
      offerSocket(directory: string) {
        const next = { ...current, socket: directory };
        const tmp = tempName(path);
        writeNewFile(tmp, `${JSON.stringify(next)}\n`);
        renameSync(tmp, path);
        current = next;
        held.set(path, next);
      },
      release() {
        const mine = held.get(path);
        if (mine === undefined) return;
        held.delete(path);
        try {
          const now = readDataDirOwner(dataDir);
          if (now !== undefined && sameOwner(now, mine)) unlinkSync(path);
        } catch {
          // already gone
        }
      },
    },
  };
}
