/**
 * Faults (issue 4 §7): the built server (`node bin/hmb.js serve`) takes a load of signed settlements and
 * revocations over real HTTP, is killed with SIGKILL in the middle of it, and restarted on the same
 * database. Then:
 *  - every request acknowledged with 200 before the kill is stored, once, with the acknowledged result;
 *  - nothing is half-posted: each claim has its record, events, and a payout (and reversal) journal of
 *    exactly its amount; no claim journal lacks its claim; each policy's accumulators count every change
 *    once and equal what its live claims recorded (and the engine's replay in the recorded order);
 *  - the ledger balances;
 *  - sending every request again (acknowledged or not) settles each setl_id exactly once, and the
 *    acknowledged ones are answered byte for byte as before.
 * On PostgreSQL the kill cuts the server's connections mid-transaction; on PGlite it kills the database
 * engine itself (it runs inside the server process), so the restart is a crash recovery of the data dir.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseYuan } from "../src/domain/money.js";
import { formatBusinessTime } from "../src/domain/time.js";
import { compilePlan } from "../src/engine/compile.js";
import { fixedClock } from "../src/platform/clock.js";
import { getProduct } from "../src/products/index.js";
import { canonicalJson } from "../src/services/claims/records.js";
import type { PlatformContext } from "../src/services/context.js";
import { checkLedger } from "../src/services/ledger.js";
import { openPlatform } from "../src/services/platform.js";
import { record } from "./fixtures.js";
import { HOSPITAL, setupClaims, signHeaders } from "./support/claims.js";
import { claimProblems, loadClaims, replayProblems } from "./support/claims-invariants.js";
import { buildCli } from "./support/cli.js";
import { BACKENDS, TEST_DATA_KEY, TEST_KEYS } from "./support/platform.js";
import { NOW, PROGRAM, type TestPerson } from "./support/roster.js";
import { createDatabase, type ServerProcess, startServer } from "./support/server-process.js";

const Y = (yuan: number) => yuan * 100;
const DATA_KEY = TEST_DATA_KEY; // TEST_KEYS
const PERSONS: TestPerson[] = Array.from({ length: 12 }, (_, i) => ({
  psnNo: `K${String(i).padStart(3, "0")}`,
  name: "压测",
  brdy: "1970-03-01",
}));
/** The coverage year's last day: the server settles there, after every stay below (up to day 299). */
const SETTLED_BY = "2024-08-31T12:00:00+08:00";
/** Settlements in the load; every fifth is revoked once acknowledged. */
const SETTLEMENTS = 240;
/** Requests in flight at once. */
const CONCURRENCY = 24;
/** The kill comes when this many settlements have been acknowledged. */
const KILL_AFTER = 80;

interface Request {
  readonly what: "settle" | "revoke";
  readonly setlId: string;
  readonly path: string;
  readonly body: string;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

async function send(base: string, secret: string, r: Request): Promise<Answer> {
  const res = await fetch(`${base}${r.path}`, {
    method: "POST",
    headers: signHeaders(secret, r.body, HOSPITAL),
    body: r.body,
  });
  return { status: res.status, body: await res.text() };
}

// Once for the file: the server under test is the built one.
beforeAll(() => {
  buildCli();
});

describe.each(BACKENDS)("kill -9 during a settlement load on %s", (backend) => {
  let dir: string | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.kill9();
    await dropDatabase?.();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it("every acknowledged settlement is stored exactly once, none half-posted, the ledger balances", async () => {
    let env: Record<string, string>;
    let open: () => Promise<PlatformContext>;
    const clock = fixedClock(new Date(NOW));
    const keys = TEST_KEYS;
    if (backend === "postgres") {
      const db = await createDatabase();
      dropDatabase = db.drop;
      env = { DATABASE_URL: db.url };
      open = () => openPlatform({ url: db.url, clock, keys });
    } else {
      dir = mkdtempSync(join(tmpdir(), "hmb-crash-"));
      const dataDir = join(dir, "pgdata");
      env = { HMB_DATA_DIR: dataDir };
      open = () => openPlatform({ url: "", dataDir, clock, keys });
    }
    // Seeded in the enrollment window (NOW); the server runs on the coverage year's last day, after every stay.
    env = { ...env, HMB_NOW: SETTLED_BY, HMB_DATA_KEY: DATA_KEY, NODE_ENV: "development" };

    // Seed in-process, then hand the database to the server.
    const seedCtx = await open();
    const fx = await setupClaims(seedCtx, { insured: PERSONS.map((p) => p.psnNo), extra: PERSONS });
    const secret = fx.secrets.get(HOSPITAL) as string;
    const certnos = new Map<string, string>();
    for (const p of [...PERSONS.map((x) => x.psnNo), "P002"]) certnos.set(p, await fx.certnoOf(p));
    await seedCtx.db.close();

    const start = compilePlan(getProduct("wenshan-2023"), "standard").coverage.start;
    const records = new Map<string, Record<string, unknown>>();
    const settles: Request[] = [];
    for (let i = 0; i < SETTLEMENTS; i++) {
      const setlId = `CR-${String(i).padStart(4, "0")}`;
      // Mostly the insured (twenty stays each, some large enough to reach the caps), a few without a policy.
      const psnNo = i % 25 === 24 ? "P002" : (PERSONS[i % PERSONS.length] as TestPerson).psnNo;
      const rec = {
        ...record({
          setlId,
          psnNo,
          inScope: i % 17 === 0 ? Y(1_500_000) : Y(2_000) + ((i * 791_903) % Y(60_000)),
          fullOwnPay: i % 3 === 0 ? (i * 104_729) % Y(300_000) : 0,
          medType: ["21", "22", "21", "24", "11"][i % 5] as string,
          setlTime: formatBusinessTime(start + ((i * 37) % 300) * 86_400_000 + 9 * 3_600_000),
        }),
        certno: certnos.get(psnNo) as string,
      };
      records.set(setlId, rec);
      settles.push({
        what: "settle",
        setlId,
        path: `/api/v1/programs/${PROGRAM}/settlements`,
        body: JSON.stringify(rec),
      });
    }
    const revocationOf = (setlId: string): Request => ({
      what: "revoke",
      setlId,
      path: `/api/v1/programs/${PROGRAM}/settlements/${setlId}/revoke`,
      body: JSON.stringify({ reason: "结算有误", setl_id: setlId }),
    });
    const toRevoke = new Set(settles.filter((_, i) => i % 5 === 0).map((r) => r.setlId));

    // The load: CONCURRENCY workers; the kill lands while the others are waiting for their answers.
    server = await startServer(env);
    const first = server;
    const acked = new Map<string, Answer>(); // `${what}:${setlId}` → the 200 answer
    let cut = 0; // requests whose connection the kill broke
    let killed: Promise<void> | undefined;
    let next = 0;
    const worker = async () => {
      while (killed === undefined && next < settles.length) {
        const queue = [settles[next++] as Request];
        while (queue.length > 0 && killed === undefined) {
          const r = queue.shift() as Request;
          let answer: Answer;
          try {
            answer = await send(first.base, secret, r);
          } catch {
            cut++;
            return;
          }
          expect(answer.status, `${r.what} ${r.setlId}: ${answer.body}`).toBe(200);
          acked.set(`${r.what}:${r.setlId}`, answer);
          if (r.what === "settle" && toRevoke.has(r.setlId)) queue.push(revocationOf(r.setlId));
          const settled = [...acked.keys()].filter((k) => k.startsWith("settle:")).length;
          if (settled >= KILL_AFTER && killed === undefined) killed = first.kill9();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await killed;
    expect(killed).toBeDefined();
    // The kill came mid-load: requests were in flight, and most of the load was never acknowledged.
    expect(cut).toBeGreaterThan(0);
    const ackedSettles = [...acked.keys()].filter((k) => k.startsWith("settle:"));
    expect(ackedSettles.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(ackedSettles.length).toBeLessThan(SETTLEMENTS);

    // After the crash, before anything is re-sent: what was acknowledged is there, whole.
    const verify = async (phase: string) => {
      const ctx = await open();
      try {
        const claims = new Map((await loadClaims(ctx.db, PROGRAM)).map((c) => [c.setl_id, c]));
        for (const [key, answer] of acked) {
          const [what, setlId] = key.split(":") as ["settle" | "revoke", string];
          const claim = claims.get(setlId);
          expect(claim, `${phase}: acknowledged ${key} not stored`).toBeDefined();
          if (claim === undefined) continue;
          const body = JSON.parse(answer.body);
          if (what === "settle") {
            const fen = parseYuan(body.hmb_pay);
            expect(fen.ok && fen.fen).toBe(claim.hmb_pay_fen);
            expect(canonicalJson(claim.response), `${phase}: ${setlId}`).toBe(canonicalJson(body));
          } else {
            expect(claim.state, `${phase}: acknowledged revocation of ${setlId}`).toBe("revoked");
          }
        }
        const check = await checkLedger(ctx.db, PROGRAM);
        expect(check.problems, phase).toEqual([]);
        expect(check.ok).toBe(true);
        const invariants = await claimProblems(ctx.db, PROGRAM);
        expect(invariants.problems, phase).toEqual([]);
        expect(invariants.totals.ledgerNet).toBe(invariants.totals.livePayout);
        const replay = await replayProblems(ctx.db, PROGRAM, records);
        expect(replay.problems, phase).toEqual([]);
        expect(replay.livePayout).toBe(invariants.totals.livePayout);
        return { claims: claims.size, revoked: invariants.totals.revoked };
      } finally {
        await ctx.db.close();
      }
    };
    const afterCrash = await verify("after the kill");
    expect(afterCrash.claims).toBeGreaterThanOrEqual(ackedSettles.length);

    // Restart on the same database and send everything again, acknowledged or not.
    server = await startServer(env);
    const second = server;
    const resend = async (requests: Request[]) => {
      let i = 0;
      const answers = new Map<string, Answer>();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (i < requests.length) {
            const r = requests[i++] as Request;
            answers.set(`${r.what}:${r.setlId}`, await send(second.base, secret, r));
          }
        }),
      );
      return answers;
    };
    const again = new Map([...(await resend(settles)), ...(await resend([...toRevoke].map(revocationOf)))]);
    for (const [key, answer] of again) expect(answer.status, `${key}: ${answer.body}`).toBe(200);
    for (const [key, answer] of acked) expect(again.get(key)?.body, `replay of ${key}`).toBe(answer.body);
    expect(await second.stop()).toBe(0);
    server = undefined;

    const final = await verify("after re-sending");
    expect(final.claims).toBe(SETTLEMENTS);
    expect(final.revoked).toBe(toRevoke.size);
  }, 300_000);
});
