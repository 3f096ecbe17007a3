/**
 * Issue 10, finding 9 (the embedded database opened by two processes) and the shutdown promise of finding 2
 * (a server under any input exits on SIGTERM within 10 s; requests in flight finish or fail cleanly).
 * Real processes from the built binary, a real PGlite data directory in a temp folder, PostgreSQL too
 * where it means something (shutdown).
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  acquireDataDirLock,
  LOCK_FILE,
  processStartTime,
  readDataDirOwner,
} from "../src/db/data-dir-lock.js";
import type { Database } from "../src/db/database.js";
import { openDatabase } from "../src/db/open.js";
import { openPostgresPool } from "../src/db/postgres.js";
import { makeCertno } from "../src/domain/certno.js";
import { deriveKeys } from "../src/platform/crypto.js";
import type { PlatformContext } from "../src/services/context.js";
import { checkLedger } from "../src/services/ledger.js";
import { openPlatform } from "../src/services/platform.js";
import { buildCli, runHmb, runHmbAsync } from "./support/cli.js";
import { BACKENDS } from "./support/platform.js";
import { createDatabase, freePort, type ServerProcess, startServer } from "./support/server-process.js";

const PROGRAM = "ws9-2023";
const OPERATOR = "op-embedded";
const PASSWORD = "op-embedded-pass-2023";
const SOCKET_FILE = ".s.PGSQL.5432";

/** A roster CSV of `n` persons P00000000…, the same shape `hmb roster import` and the API take. */
function rosterCsv(n: number): string {
  const lines = ["psn_no,certno,psn_name,gend,brdy,insutype,admdvs,unit_code,cohort"];
  for (let i = 0; i < n; i++) {
    const birth = `19${String(50 + (i % 49)).padStart(2, "0")}${String(1 + (i % 12)).padStart(2, "0")}${String(1 + (i % 28)).padStart(2, "0")}`;
    lines.push(
      [
        `P${String(i).padStart(8, "0")}`,
        makeCertno("532621", birth, i),
        `张${i}`,
        "1",
        birth,
        "390",
        "532621",
        "",
        "",
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

function freshEnv(dir: string): Record<string, string> {
  return {
    HMB_DATA_DIR: join(dir, "pgdata"),
    HMB_DATA_KEY: randomBytes(32).toString("base64"),
    HMB_NOW: "2023-07-10T10:00:00+08:00",
    NODE_ENV: "development",
  };
}

/** `hmb program create` + an operator login, checked. */
function setUpProgram(env: Record<string, string>): void {
  const created = runHmb(["program", "create", "--id", PROGRAM, "--product", "wenshan-2023"], env);
  expect(created.stderr).toBe("");
  expect(created.status).toBe(0);
  const user = runHmb(
    [
      "user",
      "add",
      "--program",
      PROGRAM,
      "--username",
      OPERATOR,
      "--role",
      "operator",
      "--password",
      PASSWORD,
    ],
    env,
  );
  expect(user.stderr).toBe("");
  expect(user.status).toBe(0);
}

async function login(base: string, username = OPERATOR, password = PASSWORD): Promise<string> {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ program_id: PROGRAM, username, password }),
  });
  expect(r.status).toBe(200);
  return ((await r.json()) as { token: string }).token;
}

/** Polls /healthz until stopped: every answer's status and the slowest one. */
function probe(base: string) {
  const statuses: number[] = [];
  let slowest = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const r = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
      statuses.push(r?.status ?? 0);
      slowest = Math.max(slowest, performance.now() - t);
      await sleep(150);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { statuses, slowest };
    },
  };
}

/**
 * An upload that announces a body and never finishes sending it. `closed` resolves when the server hangs
 * up, with whatever it answered first.
 */
function hangingUpload(base: string, token: string, headersOnly = false): { closed: Promise<string> } {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let answer = "";
  socket.on("error", () => undefined);
  // Read what comes: a stream nobody reads never sees the server's end, and never closes.
  socket.on("data", (d: Buffer) => {
    answer += d.toString("latin1");
  });
  socket.on("connect", () => {
    const head =
      `POST /api/v1/programs/${PROGRAM}/roster/imports HTTP/1.1\r\nHost: ${url.host}\r\n` +
      `Authorization: Bearer ${token}\r\nContent-Type: text/csv\r\nContent-Length: 1000000\r\n`;
    // headersOnly: the request never gets past its headers, so no framework code ever sees it.
    socket.write(headersOnly ? head : `${head}\r\npsn_no,certno,psn_name\n`);
  });
  return { closed: new Promise((resolve) => socket.once("close", () => resolve(answer))) };
}

/** `p`, or a failure naming `what` after `ms` (no test waits forever on a server that hangs). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A pid that certainly belongs to no process any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", ""]);
  return r.pid as number;
}

beforeAll(() => {
  buildCli();
}, 600_000);

describe("finding 9: one process owns an embedded (PGlite) data directory", () => {
  let dir: string;
  let env: Record<string, string>;
  let dataDir: string;
  let server: ServerProcess | undefined;
  let held: PlatformContext | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "hmb-embedded-"));
    env = freshEnv(dir);
    dataDir = env.HMB_DATA_DIR as string;
    setUpProgram(env);
    writeFileSync(join(dir, "roster.csv"), rosterCsv(300));
  }, 300_000);
  afterEach(async () => {
    await server?.kill9();
    server = undefined;
    await held?.db.close();
    held = undefined;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("CLI commands while the server runs reach its database: both see each other's writes, the server keeps answering", async () => {
    server = await startServer(env);
    const health = probe(server.base);

    // The CLI's writes (a roster import by COPY, an enrollment, a login) — the server sees them.
    const imported = await runHmbAsync(
      ["roster", "import", "--program", PROGRAM, "--file", join(dir, "roster.csv"), "--no-progress"],
      env,
    );
    expect(imported.stderr).toBe("");
    expect(imported.status).toBe(0);
    expect(imported.stdout).toMatch(/imported 300 /);
    const token = await login(server.base);
    const auth = { authorization: `Bearer ${token}` };
    const person = await fetch(`${server.base}/api/v1/programs/${PROGRAM}/roster/P00000007`, {
      headers: auth,
    });
    expect(person.status).toBe(200);
    expect(((await person.json()) as { psn_name: string }).psn_name).toBe("张7");

    const enrolled = await runHmbAsync(
      ["enroll", "--program", PROGRAM, "--plan", "standard", "--psn-no", "P00000001"],
      env,
    );
    expect(enrolled.stderr).toBe("");
    expect(enrolled.status).toBe(0);
    const policyNo = enrolled.stdout.split("\t")[0] as string;
    const policy = await fetch(`${server.base}/api/v1/programs/${PROGRAM}/policies/${policyNo}`, {
      headers: auth,
    });
    expect(policy.status).toBe(200);
    expect(((await policy.json()) as { psn_no: string }).psn_no).toBe("P00000001");

    const added = await runHmbAsync(
      [
        "user",
        "add",
        "--program",
        PROGRAM,
        "--username",
        "op-cli",
        "--role",
        "operator",
        "--password",
        PASSWORD,
      ],
      env,
    );
    expect(added.stderr).toBe("");
    expect(added.status).toBe(0);
    await login(server.base, "op-cli");

    // The server's write (an enrollment over the API) — the CLI sees it: the person is already insured.
    const viaApi = await fetch(`${server.base}/api/v1/programs/${PROGRAM}/enrollments`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ kind: "individual", plan: "standard", psn_no: "P00000002", channel: "offline" }),
    });
    expect(viaApi.status, await viaApi.clone().text()).toBe(201);
    const again = await runHmbAsync(
      ["enroll", "--program", PROGRAM, "--plan", "standard", "--psn-no", "P00000002"],
      env,
    );
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("P00000002");
    expect(again.stderr.trim().split("\n")).toHaveLength(1);

    const { statuses, slowest } = await health.stop();
    expect(statuses.length).toBeGreaterThan(3);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(slowest).toBeLessThan(5_000);
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);

    // One database: after the server stops, the directory holds exactly what both wrote, consistently.
    expect(await server.stop()).toBe(0);
    server = undefined;
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
    const ctx = await openPlatform({
      url: "",
      dataDir,
      keys: deriveKeys(Buffer.from(env.HMB_DATA_KEY as string, "base64")),
    });
    held = ctx;
    const [counts] = await ctx.db.query<{ persons: number; policies: number; users: number }>(
      `select (select count(*) from roster_persons where program_id = $1)::int as persons,
              (select count(*) from policies where program_id = $1)::int as policies,
              (select count(*) from users where username in ('op-cli', $2))::int as users`,
      [PROGRAM, OPERATOR],
    );
    expect(counts).toEqual({ persons: 300, policies: 2, users: 2 });
    expect((await checkLedger(ctx.db, PROGRAM)).problems).toEqual([]);
  }, 300_000);

  it("a second hmb serve on the same directory is refused in one line naming the running server", async () => {
    server = await startServer(env);
    const second = runHmb(
      ["serve", "--port", String(await freePort())],
      { ...env, LOG_LEVEL: "warn" },
      { timeoutMs: 60_000 },
    );
    expect(second.status).toBe(1);
    const lines = second.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String(server.pid));
    expect(lines[0]).toContain("hmb serve");
    expect(lines[0]).toContain(dataDir);
    // The running server was not disturbed.
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    expect(readDataDirOwner(dataDir)?.pid).toBe(server.pid);
  }, 120_000);

  it("a process that owns the directory without offering a socket: CLI commands are refused in one line, nothing opened twice", async () => {
    held = await openPlatform({
      url: "",
      dataDir,
      keys: deriveKeys(Buffer.from(env.HMB_DATA_KEY as string, "base64")),
    });
    const refused = runHmb(
      ["enroll", "--program", PROGRAM, "--plan", "standard", "--psn-no", "P00000003"],
      env,
      { timeoutMs: 60_000 },
    );
    expect(refused.status).toBe(1);
    const lines = refused.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String(process.pid));
    expect(lines[0]).toContain(dataDir);
    // In this process too: a second handle on the same directory is refused.
    await expect(openPlatform({ url: "", dataDir, keys: held.keys })).rejects.toThrow(String(process.pid));
    const [row] = await held.db.query<{ n: number }>(
      "select count(*)::int as n from policies where program_id = $1 and psn_no = $2",
      [PROGRAM, "P00000003"],
    );
    expect(row?.n).toBe(0);
  }, 120_000);

  it("a stale lock from a killed server (dead pid, leftover socket file) is cleared; the new server owns the directory", async () => {
    const dead = deadPid();
    writeFileSync(
      join(dataDir, LOCK_FILE),
      `${JSON.stringify({ pid: dead, started: "1", host: hostname(), command: "hmb serve", since: "2023-07-01T00:00:00.000Z", socket: dataDir })}\n`,
    );
    // What kill -9 leaves: a socket file nobody listens on (or any file by that name).
    rmSync(join(dataDir, SOCKET_FILE), { force: true });
    writeFileSync(join(dataDir, SOCKET_FILE), "");
    server = await startServer(env);
    const owner = readDataDirOwner(dataDir);
    expect(owner?.pid).toBe(server.pid);
    expect(owner?.socket).not.toBeNull();
    const cli = await runHmbAsync(
      [
        "user",
        "add",
        "--program",
        PROGRAM,
        "--username",
        "op-after-crash",
        "--role",
        "operator",
        "--password",
        PASSWORD,
      ],
      env,
    );
    expect(cli.stderr).toBe("");
    expect(cli.status).toBe(0);
    await login(server.base, "op-after-crash");
  }, 120_000);

  it("the lock: created whole, a reused pid (alive, another start time) is stale, a live owner is not", async () => {
    const lockDir = mkdtempSync(join(tmpdir(), "hmb-lock-"));
    const sleeper = spawn("sleep", ["30"]);
    try {
      const pid = sleeper.pid as number;
      const write = (started: string | null) =>
        writeFileSync(
          join(lockDir, LOCK_FILE),
          JSON.stringify({ pid, started, host: hostname(), command: "hmb serve", since: "x", socket: null }),
        );
      // Alive and started when the lock says: a live owner.
      write(processStartTime(pid));
      const busy = acquireDataDirLock(lockDir, "test");
      expect("busy" in busy && busy.busy.pid).toBe(pid);
      // Alive but started at another time: the pid now belongs to another program.
      write("1");
      const got = acquireDataDirLock(lockDir, "test");
      expect("lock" in got).toBe(true);
      if (!("lock" in got)) return;
      expect(JSON.parse(readFileSync(join(lockDir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
      // Held by this process: a second acquire here is refused too.
      const twice = acquireDataDirLock(lockDir, "test");
      expect("busy" in twice && twice.busy.pid).toBe(process.pid);
      got.lock.release();
      expect(existsSync(join(lockDir, LOCK_FILE))).toBe(false);
    } finally {
      sleeper.kill("SIGKILL");
      rmSync(lockDir, { recursive: true, force: true });
    }
  });
});

describe.each(BACKENDS)("finding 2: SIGTERM with a request hanging (%s)", (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hmb-shutdown-"));
    env = freshEnv(dir);
    if (backend === "postgres") {
      const db = await createDatabase();
      dropDatabase = db.drop;
      env.DATABASE_URL = db.url;
    }
    setUpProgram(env);
  }, 300_000);
  afterAll(async () => {
    await server?.kill9();
    await dropDatabase?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stops accepting, lets the request in flight finish, cuts the hanging upload, exits 0 within 10 s, removes the lock", async () => {
    server = await startServer(env);
    const token = await login(server.base);
    const hanging = hangingUpload(server.base, token);
    const stuck = hangingUpload(server.base, token, true);
    // Both are read by the server (their requests begun) before the import below keeps it busy.
    await sleep(500);
    const inFlight = fetch(`${server.base}/api/v1/programs/${PROGRAM}/roster/imports`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "text/csv" },
      body: rosterCsv(2_000),
    });
    await sleep(300);
    const started = performance.now();
    const stopped = await Promise.race([server.stop(), sleep(15_000).then(() => "hung" as const)]);
    const elapsed = performance.now() - started;
    const output = server.output();
    expect(stopped, output).toBe(0);
    expect(elapsed, output).toBeLessThan(10_000);
    server = undefined;
    // The request in flight finished; the upload that never ended was cut.
    const answer = await within(inFlight, 5_000, `the import in flight\n${output}`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { imported: number }).imported).toBe(2_000);
    // It failed cleanly: a 503 (the server is closing) or the connection cut, never a 2xx or a 5xx crash.
    const cut = await within(hanging.closed, 5_000, "the hanging upload's connection");
    expect(cut === "" || cut.startsWith("HTTP/1.1 503 "), cut).toBe(true);
    expect(await within(stuck.closed, 5_000, "the connection stuck in its headers")).toBe("");
    if (backend === "pglite") {
      const dataDir = env.HMB_DATA_DIR as string;
      expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
      expect(existsSync(join(dataDir, SOCKET_FILE))).toBe(false);
    }
    // What finished is stored: the next process finds it.
    const ctx = await openPlatform({
      url: env.DATABASE_URL ?? "",
      dataDir: env.HMB_DATA_DIR,
      keys: deriveKeys(Buffer.from(env.HMB_DATA_KEY as string, "base64")),
    });
    try {
      const [row] = await ctx.db.query<{ n: number }>(
        "select count(*)::int as n from roster_persons where program_id = $1",
        [PROGRAM],
      );
      expect(row?.n).toBe(2_000);
    } finally {
      await ctx.db.close();
    }
  }, 180_000);
});

describe("finding 9: the embedded database's local socket (in-process server and clients take turns)", () => {
  let dir: string;
  let dataDir: string;
  let owner: Database;
  let client: Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hmb-socket-"));
    dataDir = join(dir, "pgdata");
    owner = await openDatabase({ url: "", dataDir, access: "own", offerSocket: true, command: "hmb serve" });
    // Another handle on the same directory goes through the owner's socket, as a CLI command does.
    client = await openDatabase({ url: "", dataDir });
    await owner.exec("create table socket_t (a int8 not null, b text)");
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await owner?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a client's transaction is its own: the server's statements meanwhile neither land inside it nor are lost with it", async () => {
    expect(owner.kind).toBe("pglite");
    expect(client.kind).toBe("postgres");
    let serverInsert: Promise<unknown> | undefined;
    await expect(
      client.transaction(async (tx) => {
        await tx.query("insert into socket_t values (1, 'client')");
        serverInsert = owner.query("insert into socket_t values (2, 'server')");
        await sleep(200);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    await serverInsert;
    expect(await owner.query("select b from socket_t order by a")).toEqual([{ b: "server" }]);
    expect(await client.query("select b from socket_t order by a")).toEqual([{ b: "server" }]);
  });

  it("binary COPY through the socket, in batches; a broken COPY is an error, not a crash", async () => {
    const tuple = (a: number, b: string) => {
      const text = Buffer.from(b);
      const t = Buffer.alloc(2 + 4 + 8 + 4 + text.length);
      let o = t.writeInt16BE(2, 0);
      o = t.writeInt32BE(8, o);
      o = t.writeBigInt64BE(BigInt(a), o);
      o = t.writeInt32BE(text.length, o);
      text.copy(t, o);
      return t;
    };
    const chunks = Array.from({ length: 50 }, (_, k) =>
      Buffer.concat(Array.from({ length: 100 }, (_, i) => tuple(1000 + k * 100 + i, `c${k}-${i}`))),
    );
    const batched = await openPostgresPool(
      {
        host: readDataDirOwner(dataDir)?.socket as string,
        port: 5432,
        user: "postgres",
        database: "postgres",
      },
      { poolSize: 1, namedStatements: false, copyBatchBytes: 20_000, cancelOnInterrupt: false },
    );
    try {
      expect(await batched.copyBinary("socket_t", ["a", "b"], chunks)).toBe(5_000);
      // A tuple cut in half: PostgreSQL's own error comes back; the connection and the database go on.
      await expect(batched.copyBinary("socket_t", ["a", "b"], [Buffer.from([0, 2, 0, 0])])).rejects.toThrow(
        /COPY|EOF/,
      );
      expect(await batched.query("select count(*)::int as n from socket_t where a >= 1000")).toEqual([
        { n: 5_000 },
      ]);
    } finally {
      await batched.close();
    }
    expect(await owner.query("select count(*)::int as n from socket_t where a >= 1000")).toEqual([
      { n: 5_000 },
    ]);
  });

  it("what the socket cannot run safely is refused, and a client that vanishes mid-transaction is rolled back", async () => {
    const socketDir = readDataDirOwner(dataDir)?.socket as string;
    const raw = new pg.Client({ host: socketDir, port: 5432, user: "postgres", database: "postgres" });
    raw.on("error", () => undefined);
    await raw.connect();
    // COPY … FROM STDIN through the extended protocol would leave PGlite waiting for input it never gets.
    await expect(raw.query({ name: "copy-in", text: "copy socket_t (a, b) from stdin" })).rejects.toThrow(
      /COPY/,
    );
    await raw.end().catch(() => undefined);

    const gone = new pg.Client({ host: socketDir, port: 5432, user: "postgres", database: "postgres" });
    gone.on("error", () => undefined);
    await gone.connect();
    await gone.query("begin");
    await gone.query("insert into socket_t values (3, 'vanished')");
    // The process dies with its transaction open: the connection just drops.
    (gone as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const rows = await within(
      owner.query<{ n: number }>("select count(*)::int as n from socket_t where b = 'vanished'"),
      10_000,
      "the server's query after a client vanished",
    );
    expect(rows).toEqual([{ n: 0 }]);
    expect(await client.query("select count(*)::int as n from socket_t where a < 1000")).toEqual([{ n: 1 }]);
  });
});

describe.each(BACKENDS)("finding 2: interrupting the database at shutdown (%s)", (backend) => {
  it("cancels what runs, refuses what waits or comes later; open transactions roll back", async () => {
    let drop: (() => Promise<void>) | undefined;
    let url: string | undefined;
    let db: Database;
    if (backend === "postgres") {
      const created = await createDatabase();
      drop = created.drop;
      url = created.url;
      db = await openDatabase({ url });
    } else {
      db = await openDatabase({ url: "", dataDir: "memory" });
    }
    try {
      await db.exec("create table interrupt_t (a int)");
      const started = performance.now();
      // A transaction in the middle of its work when the shutdown comes: its next statement fails.
      let release: () => void = () => undefined;
      const paused = new Promise<void>((resolve) => {
        release = resolve;
      });
      const transaction = db
        .transaction(async (tx) => {
          await tx.query("insert into interrupt_t values (1)");
          if (backend === "postgres") await tx.query("select pg_sleep(30)");
          else await paused;
          await tx.query("insert into interrupt_t values (2)");
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // Settled either way at once (a rejection nobody awaits yet would be reported as unhandled).
      const waiting = db.query("select count(*)::int as n from interrupt_t").then(
        () => undefined,
        (e: unknown) => e,
      );
      await sleep(300);
      await db.interrupt();
      release();
      // Cancelled (57014) on PostgreSQL, refused at its next statement (57P01) on PGlite.
      expect(await transaction).toMatchObject({ code: expect.stringMatching(/^57/) });
      // PGlite: it was queued behind the transaction; PostgreSQL ran it on another connection meanwhile.
      if (backend === "pglite") expect(await waiting).toMatchObject({ code: "57P01" });
      else await waiting;
      await expect(db.query("select 1")).rejects.toMatchObject({ code: "57P01" });
      expect(performance.now() - started).toBeLessThan(5_000);
      await db.close();
      if (url !== undefined) {
        const again = await openDatabase({ url });
        expect(await again.query("select count(*)::int as n from interrupt_t")).toEqual([{ n: 0 }]);
        await again.close();
      }
    } finally {
      await db.close();
      await drop?.();
    }
  }, 60_000);
});
