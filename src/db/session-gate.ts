/**
 * PGlite is one PostgreSQL backend: one session, one transaction at a time. In-process work (a query, a
 * transaction) and each client on the local socket (db/pglite-socket.ts) take turns on it through this
 * gate. A holder keeps it for a whole unit — an in-process transaction; a socket client from its first
 * message until the backend is idle again (ReadyForQuery 'I': after Sync or a simple query, outside a
 * transaction block) — so no one's statements land inside another's transaction or between another's
 * Parse and Execute.
 */
import { DatabaseError } from "./database.js";

/** SQLSTATE admin_shutdown: the database is closing; work that had not started is refused. */
export const ADMIN_SHUTDOWN = "57P01";

type Owner = symbol | number;

export class SessionGate {
  private holder: Owner | undefined;
  private readonly waiting: { owner: Owner; resolve: () => void; reject: (e: Error) => void }[] = [];
  private closedWith: Error | undefined;
  private idle: (() => void)[] = [];

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  holds(owner: Owner): boolean {
    return this.holder === owner;
  }

  /** Waits for the gate (FIFO). Re-entrant for the current holder. */
  acquire(owner: Owner): Promise<void> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    if (this.holder === owner) return Promise.resolve();
    if (this.holder === undefined) {
      this.holder = owner;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.waiting.push({ owner, resolve, reject }));
  }

  release(owner: Owner): void {
    if (this.holder !== owner) return;
    const next = this.waiting.shift();
    this.holder = next?.owner;
    if (next !== undefined) next.resolve();
    else for (const done of this.idle.splice(0)) done();
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const owner = Symbol("in-process");
    await this.acquire(owner);
    try {
      return await work();
    } finally {
      this.release(owner);
    }
  }

  /** Refuses everyone still waiting and everyone after; the current holder finishes its unit. */
  close(): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = new DatabaseError("数据库正在关闭", ADMIN_SHUTDOWN);
    for (const w of this.waiting.splice(0)) w.reject(this.closedWith);
  }

  /** Resolves when nobody holds the gate. */
  whenIdle(): Promise<void> {
    if (this.holder === undefined) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
