import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleAidPrograms } from "../src/aid-programs/index.js";
import { aidProgramRef } from "../src/domain/aid.js";
import { isValidCertno } from "../src/domain/certno.js";
import { catastrophicList } from "../src/services/aid/watch.js";
import { DEMO_NOW, DEMO_PROGRAM, demoPopulation, seedDemo } from "../src/services/demo-seed.js";
import { checkLedger } from "../src/services/ledger.js";
import { BIN, buildCli, ROOT } from "./support/cli.js";
import {
  BACKENDS,
  openTestPlatform,
  TEST_DATA_KEY,
  type TestPlatform,
  testServer,
} from "./support/platform.js";

describe("demo population (pure)", () => {
  it("is deterministic, ~2000 valid 5326xx persons with families, units and cohorts", () => {
    const a = demoPopulation();
    expect(a).toEqual(demoPopulation());
    expect(a).toHaveLength(2000);
    expect(new Set(a.map((p) => p.psnNo)).size).toBe(2000);
    expect(a.every((p) => isValidCertno(p.certno) && p.certno.startsWith("5326"))).toBe(true);
    expect(a.filter((p) => p.household === 0).length).toBeGreaterThanOrEqual(3);
    expect(a.some((p) => p.cohort === "tuopin")).toBe(true);
    expect(a.some((p) => p.cohort === "dibao")).toBe(true);
    expect(new Set(a.map((p) => p.unitCode).filter((u) => u !== "")).size).toBeGreaterThan(1);
  });
});

async function counts(t: TestPlatform) {
  const q = async (sql: string) =>
    Number((await t.ctx.db.query<{ n: number }>(sql, [DEMO_PROGRAM]))[0]?.n ?? 0);
  return {
    roster: await q("select count(*)::int as n from roster_persons where program_id = $1"),
    policies: await q("select count(*)::int as n from policies where program_id = $1"),
    users: await q("select count(*)::int as n from users where program_id in ($1, '*')"),
    institutions: await q("select count(*)::int as n from institutions where program_id = $1"),
    transfers: await q("select count(*)::int as n from ledger_transfers where program_id = $1"),
    donations: await q("select count(*)::int as n from charity_pool_movements where program_id = $1"),
  };
}

describe.each(BACKENDS)("demo seed on %s", (backend) => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform(backend, { now: DEMO_NOW });
  });
  afterAll(async () => t?.close());

  it("seeds once; a second run changes nothing", async () => {
    const first = await seedDemo(t.ctx, { secretsPath: null });
    expect(first.created).toBe(true);
    expect(first.persons).toBe(2000);
    expect(first.policies).toBeGreaterThan(400);
    expect(first.hospital.secret).toMatch(/.{20,}/);
    const before = await counts(t);
    const second = await seedDemo(t.ctx, { secretsPath: null });
    expect(second.created).toBe(false);
    expect(await counts(t)).toEqual(before);
    expect(before.roster).toBe(2000);
    expect(before.transfers).toBeGreaterThan(0);
    const ledger = await checkLedger(t.ctx.db, DEMO_PROGRAM);
    expect(ledger.ok).toBe(true);
  });

  it("shows on the bureau's 因病致贫监测 list what could still help a flagged person", async () => {
    await seedDemo(t.ctx, { secretsPath: null });
    const bureau = { id: "demo-bureau", role: "bureau" as const, programId: DEMO_PROGRAM };
    const list = await catastrophicList(t.ctx, bureau, DEMO_PROGRAM, { flag: "who" });
    expect(list.configured).toBe(true);
    expect(list.persons.length).toBeGreaterThan(0);
    const helped = list.persons.filter((p) => p.couldHelp.length > 0);
    expect(helped.length).toBeGreaterThan(0);
    const published = new Set(
      exampleAidPrograms().map((p) => aidProgramRef({ id: p.id, version: p.version })),
    );
    for (const p of helped)
      for (const h of p.couldHelp) {
        // A real, published program with money left, never one that already paid this person's claims.
        expect(published.has(h.ref)).toBe(true);
        expect(h.budgetLeft).toBeGreaterThan(0);
      }
    // The SMA family (household incomes from the bureau): the drug program's pre-filled application awaits them.
    const sma = helped.find((p) => p.couldHelp.some((h) => h.ref === "sma-drug-assistance@1"));
    expect(sma?.household.source).toBe("bureau");
    expect(sma?.who).toBe(true);
    expect(sma?.couldHelp.find((h) => h.ref === "sma-drug-assistance@1")).toMatchObject({
      mode: "application",
      prefilled: true,
    });
    // The 低保 lymphoma resident is flagged too, but both programs for them already paid their only stay.
    const dibao = list.persons.find((p) => p.cohort === "dibao");
    expect(dibao?.couldHelp).toEqual([]);
  });

  it("lets the demo operator log in and read the program", async () => {
    const app = await testServer(t);
    try {
      const login = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { program_id: DEMO_PROGRAM, username: "demo-operator", password: "demo-operator-2023" },
      });
      expect(login.statusCode).toBe(200);
      const token = login.json<{ token: string }>().token;
      const program = await app.inject({
        method: "GET",
        url: `/api/v1/programs/${DEMO_PROGRAM}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(program.statusCode).toBe(200);
      expect(program.body).toContain(DEMO_PROGRAM);
    } finally {
      await app.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a !== null ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

describe("hmb serve --demo (built binary)", () => {
  let dir: string;
  let child: ChildProcess | undefined;
  beforeAll(() => {
    buildCli(["dist/src/cli/main.js", "dist/src/services/demo-seed.js"]);
    dir = mkdtempSync(join(tmpdir(), "hmb-demo-"));
  });
  afterAll(() => {
    if (child !== undefined && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers /healthz and /docs, prints the banner, and stops on SIGTERM", async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: "",
      HMB_NOW: "",
      NODE_ENV: "development",
      HMB_DATA_DIR: join(dir, "pg"),
      HMB_DATA_KEY: TEST_DATA_KEY,
      LOG_LEVEL: "warn",
    };
    const proc = spawn(process.execPath, [BIN, "serve", "--demo", "--port", String(port)], {
      cwd: ROOT,
      env,
    });
    child = proc;
    let out = "";
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    proc.stderr?.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 150_000;
    let health: Response | undefined;
    while (Date.now() < deadline && proc.exitCode === null) {
      health = await fetch(`${base}/healthz`).catch(() => undefined);
      if (health?.ok) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(health?.ok, out).toBe(true);
    expect((await fetch(`${base}/docs`)).status).toBeLessThan(400);
    expect(out).toContain(base);
    expect(out).toContain("demo-operator");
    expect(out).toContain("H53260100001");
    expect(out).toContain("2023-08-15 10:00:00");
    const exited = new Promise<number | null>((ok) => proc.once("exit", (code) => ok(code)));
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 180_000);
});
