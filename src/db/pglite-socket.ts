/**
 * The embedded database offered to other local processes: while `hmb serve` owns a PGlite data directory,
 * CLI commands connect to it like to PostgreSQL (db/postgres.ts) over a Unix socket instead of opening the
 * same files a second time. The wire protocol is handled by @electric-sql/pglite-socket's connection
 * handler; what it leaves to its own query queue is done here, because that queue
 *  - interleaves connections message by message (another client's Parse can land between this one's Parse
 *    and Execute, and the in-process server's own queries are not in that queue at all): here every client
 *    and all in-process work take turns through one SessionGate, a client keeping it until it is idle;
 *  - forwards `COPY … FROM STDIN` as it comes, but PGlite can only run a COPY whose data arrives in the
 *    same call (a COPY waiting for more input ends the whole WebAssembly backend): here a copy is answered
 *    with CopyInResponse, its data collected (bounded), then run in one call;
 *  - shares one session: what a client leaves behind (settings, prepared statements, an open transaction)
 *    is rolled back and discarded when it disconnects.
 * No password: the socket file is the owner's only (0600, in the owner's data directory).
 */
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketHandler } from "@electric-sql/pglite-socket";
import { ADMIN_SHUTDOWN, type SessionGate } from "./session-gate.js";

/** libpq's and node-postgres's socket naming: directory + `.s.PGSQL.<port>`. */
export const LOCAL_SOCKET_PORT = 5432;
const SOCKET_FILE = `.s.PGSQL.${LOCAL_SOCKET_PORT}`;
/** sockaddr_un.sun_path is 104 (macOS) to 108 (Linux) bytes; a longer data-dir path uses a temp dir. */
const SOCKET_PATH_MAX = 100;
/** Local clients at once (CLI commands use one connection each). */
const MAX_CLIENTS = 16;
/** A client holding the session (mid-transaction) and silent this long is cut off, so the server goes on. */
const HOLD_IDLE_MS = 30_000;
/** COPY data collected before one PGlite call; db/postgres.ts sends 8 MiB per COPY to this socket. */
const MAX_COPY_BYTES = 64 << 20;

const QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const SYNC = 0x53; // 'S'
const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const COPY_FAIL = 0x66; // 'f'
const COPY_IN_RESPONSE = 0x47; // 'G'
const IDLE = 0x49; // ReadyForQuery status 'I': no transaction block open
/** SQLSTATEs for refusals sent to a client. */
const FEATURE_NOT_SUPPORTED = "0A000";
const IDLE_IN_TRANSACTION_TIMEOUT = "25P03";
const PROGRAM_LIMIT_EXCEEDED = "54000";

const COPY_FROM_STDIN = /\bcopy\b[^;]*\bfrom\s+stdin\b/i;
const SINGLE_COPY_STATEMENT = /^\s*copy\b[^;]*;?\s*$/i;

export interface PgliteSocketServer {
  /** Directory holding `.s.PGSQL.5432`: node-postgres `host`. */
  readonly directory: string;
  /** Stops listening, ends every client (their transactions rolled back), removes the socket file. */
  close(): Promise<void>;
}

/** Where the socket goes: inside the data directory, or (path too long) a private temp directory. */
export function socketDirectoryFor(dataDir: string): string {
  if (join(dataDir, SOCKET_FILE).length <= SOCKET_PATH_MAX) return dataDir;
  const dir = join(tmpdir(), `hmb-${createHash("sha256").update(dataDir).digest("hex").slice(0, 16)}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function message(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

function errorResponse(severity: "ERROR" | "FATAL", code: string, text: string): Buffer {
  const field = (tag: string, value: string) => Buffer.concat([Buffer.from(tag), Buffer.from(`${value}\0`)]);
  return message(
    0x45,
    Buffer.concat([
      field("S", severity),
      field("V", severity),
      field("C", code),
      field("M", text),
      Buffer.from([0]),
    ]),
  );
}

/** The query text of a simple Query or a Parse message. */
function queryText(m: Uint8Array): string {
  const b = Buffer.from(m.buffer, m.byteOffset, m.byteLength);
  let start = 5;
  if (m[0] === PARSE) start = b.indexOf(0, 5) + 1; // skip the statement name
  const end = b.indexOf(0, start);
  return b.toString("utf8", start, end < 0 ? b.length : end);
}

/** Whether the backend's answer to this message ends with ReadyForQuery. Startup messages start with 0. */
function answeredWithReadyForQuery(m: Uint8Array): boolean {
  return m[0] === QUERY || m[0] === SYNC || m[0] === 0;
}

/** Drops the backend's own CopyInResponse: the client already had one (sent before its data). */
function withoutCopyInResponse(out: Uint8Array): Uint8Array {
  if (out.length < 5 || out[0] !== COPY_IN_RESPONSE) return out;
  const length = Buffer.from(out.buffer, out.byteOffset, out.byteLength).readInt32BE(1);
  return out.subarray(1 + length);
}

interface PendingCopy {
  readonly query: Uint8Array;
  readonly chunks: Uint8Array[];
  bytes: number;
  overflow: boolean;
}

interface Client {
  readonly id: number;
  readonly handler: PGLiteSocketHandler;
  readonly socket: Socket;
  /** Messages are handled strictly in order (the handler may deliver the next before one finishes). */
  chain: Promise<unknown>;
  copy: PendingCopy | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  /** Set once the client is refused or gone: its later messages are dropped, nothing more of it runs. */
  ended: Promise<void> | undefined;
}

type QueueForHandler = ConstructorParameters<typeof PGLiteSocketHandler>[0]["queryQueue"];

export async function servePgliteSocket(
  pg: PGlite,
  gate: SessionGate,
  dataDir: string,
): Promise<PgliteSocketServer> {
  const directory = socketDirectoryFor(dataDir);
  const path = join(directory, SOCKET_FILE);
  // The directory's lock is ours: a socket file here is left from an owner that was killed.
  rmSync(path, { force: true });
  const clients = new Map<number, Client>();
  let closing = false;

  const run = (m: Uint8Array, onData: (d: Uint8Array) => void): Promise<number> => {
    let last = -1;
    return pg
      .runExclusive(() =>
        pg.execProtocolRawStream(m, {
          onRawData: (d) => {
            if (d.length > 0) last = d[d.length - 1] as number;
            onData(d);
          },
        }),
      )
      .then(() => last);
  };

  /** Ends a client with a FATAL error (as PostgreSQL ends a session), rolling back what it left open. */
  const refuse = (c: Client, code: string, text: string) => {
    if (c.socket.writable) c.socket.write(errorResponse("FATAL", code, text));
    void endSession(c.id);
    void c.handler.detach(true);
  };

  /** A client keeps the session until it is idle; one that goes silent meanwhile is cut off. */
  const keepOrRelease = (id: number, c: Client, m: Uint8Array, last: number) => {
    clearTimeout(c.holdTimer);
    if (answeredWithReadyForQuery(m) && last === IDLE) {
      gate.release(id);
      return;
    }
    c.holdTimer = setTimeout(
      () => refuse(c, IDLE_IN_TRANSACTION_TIMEOUT, "本地连接在事务中空闲过久，已断开"),
      HOLD_IDLE_MS,
    );
    c.holdTimer.unref();
  };

  async function handle(id: number, c: Client, m: Uint8Array, onData: (d: Uint8Array) => void) {
    const type = m[0];
    const copy = c.copy;
    if (copy !== undefined) {
      if (type === COPY_DATA) {
        copy.bytes += m.length;
        if (copy.bytes > MAX_COPY_BYTES) copy.overflow = true;
        if (!copy.overflow) copy.chunks.push(m);
        else copy.chunks.length = 0;
        return;
      }
      c.copy = undefined;
      // CopyDone runs the copy; CopyFail, an overflow or any other message (an error on PostgreSQL too)
      // runs it failed, so the backend answers (and aborts an open transaction) as PostgreSQL would.
      const done = type === COPY_DONE && !copy.overflow;
      const reason = copy.overflow ? `COPY 数据超过 ${MAX_COPY_BYTES} 字节，请分批发送` : "COPY 被中止";
      const end = done || type === COPY_FAIL ? m : message(COPY_FAIL, Buffer.from(`${reason}\0`));
      if (!(await turn(id, c))) return;
      const out = await pg.runExclusive(() =>
        pg.execProtocolRaw(Buffer.concat([copy.query, ...(done ? copy.chunks : []), end])),
      );
      if (out.length > 0) onData(withoutCopyInResponse(out));
      keepOrRelease(id, c, copy.query, out[out.length - 1] ?? -1);
      if (type !== COPY_DONE && type !== COPY_FAIL) await handle(id, c, m, onData);
      return;
    }
    if (type === QUERY || type === PARSE) {
      const sql = queryText(m);
      if (COPY_FROM_STDIN.test(sql)) {
        if (type === PARSE || !SINGLE_COPY_STATEMENT.test(sql)) {
          refuse(c, FEATURE_NOT_SUPPORTED, "本地连接只支持单独一条简单查询形式的 COPY … FROM STDIN");
          return;
        }
        c.copy = { query: m, chunks: [], bytes: 0, overflow: false };
        // Text or binary as asked; columns are not listed (clients do not rely on them).
        onData(message(COPY_IN_RESPONSE, Buffer.from([/\bbinary\b/i.test(sql) ? 1 : 0, 0, 0])));
        return;
      }
    }
    if (!(await turn(id, c))) return;
    keepOrRelease(id, c, m, await run(m, onData));
  }

  /** Waits for the session; false (and nothing runs) if the client ended meanwhile. */
  async function turn(id: number, c: Client): Promise<boolean> {
    if (c.ended !== undefined) return false;
    await gate.acquire(id);
    if (c.ended === undefined) return true;
    return false;
  }

  /** After a client is gone: roll back what it left open and reset the shared session. */
  async function endSession(id: number): Promise<void> {
    const c = clients.get(id);
    if (c === undefined) return;
    c.ended ??= (async () => {
      clearTimeout(c.holdTimer);
      try {
        // Messages already queued see `ended` and do not run; wait for the one running, if any.
        await c.chain.catch(() => undefined);
        if (!gate.holds(id)) await gate.acquire(id);
        // Sync ends a half-sent extended-protocol batch; then nothing of this client stays in the session.
        await pg.runExclusive(() => pg.execProtocolRaw(new Uint8Array([SYNC, 0, 0, 0, 4])));
        if (pg.isInTransaction()) await pg.exec("rollback");
        await pg.exec("discard all");
      } catch {
        // The database is closing: nothing more runs on it.
      } finally {
        clearTimeout(c.holdTimer);
        gate.release(id);
        clients.delete(id);
      }
    })();
    return c.ended;
  }

  const queue = {
    enqueue(id: number, m: Uint8Array, onData: (d: Uint8Array) => void): Promise<number> {
      const c = clients.get(id);
      if (c === undefined || c.ended !== undefined) return Promise.resolve(0);
      const next = c.chain.then(() => handle(id, c, m, onData));
      c.chain = next.catch(() => undefined);
      return next.then(() => 0);
    },
    clearQueueForHandler(_id: number) {},
    clearTransactionIfNeeded: endSession,
  };

  const server = createServer((socket) => {
    if (closing || clients.size >= MAX_CLIENTS) {
      socket.end(
        errorResponse(
          "FATAL",
          closing ? ADMIN_SHUTDOWN : PROGRAM_LIMIT_EXCEEDED,
          closing ? "服务正在关闭" : "本地连接过多",
        ),
      );
      return;
    }
    const handler = new PGLiteSocketHandler({
      queryQueue: queue as unknown as QueueForHandler,
      closeOnDetach: true,
    });
    clients.set(handler.handlerId, {
      id: handler.handlerId,
      handler,
      socket,
      chain: Promise.resolve(),
      copy: undefined,
      holdTimer: undefined,
      ended: undefined,
    });
    void handler.attach(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ path, readableAll: false, writableAll: false }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);

  return {
    directory,
    async close() {
      if (closing) return;
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const ending: Promise<void>[] = [];
      for (const [id, c] of clients) {
        if (c.socket.writable) c.socket.write(errorResponse("FATAL", ADMIN_SHUTDOWN, "服务正在关闭"));
        ending.push(endSession(id));
        void c.handler.detach(true);
      }
      await Promise.all(ending);
      await closed;
      rmSync(path, { force: true });
    },
  };
}
