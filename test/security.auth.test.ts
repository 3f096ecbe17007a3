/**
 * Issue 10, findings 3 and 6 (and NUL in the login of finding 4): institutions are never person accounts;
 * security headers everywhere; the session cookie `Secure` in production; weak data keys refused; the
 * per-account login lockout with back-off, audited; `/docs` configurable and off in production; demo logins
 * refused in production; bad login fields a 400 naming the field.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import argon2 from "argon2";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { keyWeakness, loadDataKeys, parseMasterKey } from "../src/platform/crypto.js";
import { CLI_ACTOR, type PersonRole, ServiceError } from "../src/services/context.js";
import {
  DEMO_NOW,
  DEMO_PROGRAM,
  demoAccountsPresent,
  removeDemoAccounts,
  seedDemo,
} from "../src/services/demo-seed.js";
import { addInstitution } from "../src/services/institutions.js";
import { openPlatform } from "../src/services/platform.js";
import { createProgram } from "../src/services/programs.js";
import { createUser, LOGIN_LOCK_MAX_MS, lockDurationMs } from "../src/services/users.js";
import { BIN, buildCli, ROOT, runHmb } from "./support/cli.js";
import {
  BACKENDS,
  openTestPlatform,
  TEST_DATA_KEY,
  TEST_KEYS,
  type TestPlatform,
} from "./support/platform.js";

const P = "secauth-2023";
const PASSWORD = "correct-horse-2";
const LOGIN = "/api/v1/auth/login";

/** The real clock of lockouts, pinned and moved by hand. */
function wallClock(iso: string) {
  let t = Date.parse(iso);
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}

function loginPayload(username: string, password: string, programId = P) {
  return { program_id: programId, username, password };
}

describe.each(BACKENDS)("institutions are not person accounts on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    await createProgram(platform.ctx, CLI_ACTOR, { programId: P, productId: "wenshan-2023" });
    app = await buildServer(platform.ctx, { publicRateLimit: 10_000 });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("refuses hospital and pharmacy as the role of a person account (service and database)", async () => {
    for (const role of ["hospital", "pharmacy"]) {
      const attempt = createUser(platform.ctx, CLI_ACTOR, {
        programId: P,
        username: `inst-${role}`,
        role: role as PersonRole, // what a careless caller hands over
        password: PASSWORD,
      });
      await expect(attempt).rejects.toBeInstanceOf(ServiceError);
      await expect(attempt).rejects.toMatchObject({
        kind: "invalid",
        code: "institution_role",
        field: "role",
      });
      await expect(attempt).rejects.toThrow(/HMAC/);
    }
    await expect(
      createUser(platform.ctx, CLI_ACTOR, {
        programId: P,
        username: "nobody-role",
        role: "superuser" as PersonRole,
        password: PASSWORD,
      }),
    ).rejects.toMatchObject({ kind: "invalid", code: "invalid_value", field: "role" });
    const stored = await platform.ctx.db.query("select 1 from users where program_id = $1", [P]);
    expect(stored).toHaveLength(0);
    // Below the service too: the database refuses a new row with an institution's role.
    await expect(
      platform.ctx.db.query(
        "insert into users (program_id, username, role, password_hash) values ($1, 'raw-hospital', 'hospital', 'x')",
        [P],
      ),
    ).rejects.toThrow(/users_person_role/);
  });

  it("refuses an existing hospital-role account: no login, and its old token and cookie are refused", async () => {
    const { ctx } = platform;
    // An account made before this release: the NOT VALID constraint leaves such rows in place.
    await ctx.db.query("alter table users drop constraint users_person_role");
    await ctx.db.query(
      "insert into users (program_id, username, role, password_hash) values ($1, 'legacy-hospital', 'hospital', $2)",
      [P, await argon2.hash(PASSWORD, { type: argon2.argon2id })],
    );
    await ctx.db.query(
      "alter table users add constraint users_person_role check (role <> 'hospital') not valid",
    );
    const secretPart = randomBytes(32).toString("base64url");
    await ctx.db.query(
      "insert into sessions (program_id, token_hash, username, expires_at) values ($1, $2, 'legacy-hospital', now() + interval '1 hour')",
      [P, createHash("sha256").update(secretPart).digest()],
    );
    const token = `${P}.${secretPart}`;

    const login = await app.inject({
      method: "POST",
      url: LOGIN,
      payload: loginPayload("legacy-hospital", PASSWORD),
    });
    expect(login.statusCode).toBe(403);
    expect(login.json().error.code).toBe("institution_role");
    expect(login.headers["set-cookie"]).toBeUndefined();

    // A signed hospital route (the bank-file batches admit hospitals) and a plain read.
    for (const url of [`/api/v1/programs/${P}/payout-batches`, `/api/v1/programs/${P}`]) {
      const bearer = await app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
      expect(bearer.statusCode, `${url} bearer`).toBe(401);
      const cookie = await app.inject({ method: "GET", url, cookies: { hmb_session: token } });
      expect(cookie.statusCode, `${url} cookie`).toBe(401);
    }
    // The institution itself still works, by signature: registering it is how a hospital gets access.
    const { secret } = await addInstitution(ctx, CLI_ACTOR, {
      programId: P,
      code: "H53260100009",
      name: "文山州测试医院",
    });
    expect(secret).toMatch(/\S{20,}/);
  });
});

let built = false;
/** One `npm run build` for both back ends. */
function buildOnce(): void {
  if (!built) buildCli(["dist/src/cli/main.js", "dist/src/cli/platform-commands.js"]);
  built = true;
}

describe.each(BACKENDS)("hmb user add (built binary) on %s", (backend) => {
  let dir: string;
  let env: Record<string, string>;
  let platform: TestPlatform | undefined;

  beforeAll(async () => {
    buildOnce();
    dir = mkdtempSync(join(tmpdir(), "hmb-useradd-"));
    env = {
      HMB_DATA_DIR: join(dir, "pg"),
      HMB_DATA_KEY: TEST_DATA_KEY,
      HMB_NOW: "",
      NODE_ENV: "development",
    };
    if (backend === "postgres") {
      platform = await openTestPlatform("postgres");
      env.DATABASE_URL = platform.url as string;
    }
  }, 300_000);
  afterAll(async () => {
    await platform?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses --role hospital and --role pharmacy with a Chinese message and exit 2; accepts a person role", () => {
    const program = runHmb(["program", "create", "--id", P, "--product", "wenshan-2023"], env);
    expect(program.status, program.stderr).toBe(0);
    for (const role of ["hospital", "pharmacy"]) {
      const r = runHmb(
        ["user", "add", "--program", P, "--username", `cli-${role}`, "--role", role, "--password", PASSWORD],
        env,
      );
      expect(r.status, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/定点医药机构.*HMAC.*\(role\)/);
      expect(r.stdout).toBe("");
    }
    const ok = runHmb(
      [
        "user",
        "add",
        "--program",
        P,
        "--username",
        "cli-operator",
        "--role",
        "operator",
        "--password",
        PASSWORD,
      ],
      env,
    );
    expect(ok.status, ok.stderr).toBe(0);
    // `hmb user remove` takes an account away again.
    const removed = runHmb(["user", "remove", "--program", P, "--username", "cli-operator"], env);
    expect(removed.status, removed.stderr).toBe(0);
    const again = runHmb(["user", "remove", "--program", P, "--username", "cli-operator"], env);
    expect(again.status).toBe(2);
  });

  it("hmb serve refuses to start in production while a demo login exists, and starts once it is removed", () => {
    const demo = runHmb(
      [
        "user",
        "add",
        "--program",
        "*",
        "--username",
        "demo-admin",
        "--role",
        "admin",
        "--password",
        "demo-admin-2023",
      ],
      env,
    );
    expect(demo.status, demo.stderr).toBe(0);
    const serve = spawnSync(process.execPath, [BIN, "serve", "--port", "0"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, DATABASE_URL: "", ...env, NODE_ENV: "production" },
    });
    expect(serve.status, serve.stdout + serve.stderr).toBe(1);
    expect(serve.stderr.trim().split("\n")).toHaveLength(1);
    expect(serve.stderr).toMatch(/演示账号 demo-admin.*hmb user remove --demo/);
    const removed = runHmb(["user", "remove", "--demo"], env);
    expect(removed.status, removed.stderr).toBe(0);
    expect(removed.stdout.trim()).toBe("demo-admin");
  });

  it("stored no account for the refused roles", async () => {
    const ctx =
      platform?.ctx ?? (await openPlatform({ url: "", dataDir: env.HMB_DATA_DIR, keys: TEST_KEYS }));
    try {
      const rows = await ctx.db.query<{ username: string }>(
        "select username from users where program_id = $1 order by username",
        [P],
      );
      expect(rows.map((r) => r.username)).toEqual([]);
      const audit = await ctx.db.query<{ action: string; subject: string }>(
        "select action, subject from audit_log where program_id = $1 and action like 'user.%' order by audit_id",
        [P],
      );
      expect(audit).toEqual([
        { action: "user.upsert", subject: "cli-operator" },
        { action: "user.remove", subject: "cli-operator" },
      ]);
    } finally {
      if (platform === undefined) await ctx.db.close();
    }
  });
});

describe.each(BACKENDS)("security headers, cookies and docs on %s", (backend) => {
  let platform: TestPlatform;
  const servers: FastifyInstance[] = [];
  const server = async (env: NodeJS.ProcessEnv) => {
    const app = await buildServer(platform.ctx, { publicRateLimit: 10_000, env });
    servers.push(app);
    return app;
  };

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    await createProgram(platform.ctx, CLI_ACTOR, { programId: P, productId: "wenshan-2023" });
    for (const [username, role] of [
      ["hdr-operator", "operator"],
      ["hdr-resident", "resident"],
    ] as const)
      await createUser(platform.ctx, CLI_ACTOR, { programId: P, username, role, password: PASSWORD });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await platform?.close();
  });

  const PAGES = ["/", "/console", "/console/claims", "/docs", "/docs/static/index.html", "/docs/json"];
  const API = [`/api/v1/programs/${P}`, "/healthz", "/api/v1/no-such-route"];

  it("sends CSP, frame refusal, nosniff and Referrer-Policy on the front ends, /docs and the API", async () => {
    const app = await server({ NODE_ENV: "development" });
    for (const url of [...PAGES, ...API]) {
      const res = await app.inject({ method: "GET", url });
      const h = res.headers;
      const csp = String(h["content-security-policy"]);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
      expect(h["x-frame-options"], url).toBe("DENY");
      expect(h["x-content-type-options"], url).toBe("nosniff");
      expect(h["referrer-policy"], url).toBe("no-referrer");
      // Plain HTTP in development: no HSTS, no upgrade of subresources (it would break every asset).
      expect(h["strict-transport-security"], url).toBeUndefined();
      expect(csp, url).not.toContain("upgrade-insecure-requests");
    }
    // The pages are what they claim: HTML for the front ends (built or the "not built" page) and the docs.
    for (const url of ["/", "/console", "/docs"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.headers["content-type"], url).toMatch(/^text\/html/);
    }
  });

  it("sends HSTS behind TLS: in production, or with HMB_HTTPS=1", async () => {
    for (const env of [{ NODE_ENV: "production" }, { NODE_ENV: "development", HMB_HTTPS: "1" }]) {
      const app = await server(env);
      for (const url of ["/", "/console", ...API]) {
        const res = await app.inject({ method: "GET", url });
        expect(res.headers["strict-transport-security"], `${url} ${JSON.stringify(env)}`).toMatch(
          /^max-age=31536000; includeSubDomains$/,
        );
        expect(String(res.headers["content-security-policy"])).toContain("upgrade-insecure-requests");
        expect(res.headers["x-frame-options"]).toBe("DENY");
      }
    }
    await expect(server({ HMB_HTTPS: "yes" })).rejects.toThrow(/HMB_HTTPS/);
  });

  it("marks the session cookie Secure in production (and with HMB_HTTPS=1), not over plain HTTP", async () => {
    const cases: [NodeJS.ProcessEnv, boolean][] = [
      [{ NODE_ENV: "development" }, false],
      [{ NODE_ENV: "production" }, true],
      [{ NODE_ENV: "development", HMB_HTTPS: "1" }, true],
    ];
    for (const [env, secure] of cases) {
      const app = await server(env);
      const res = await app.inject({
        method: "POST",
        url: LOGIN,
        payload: loginPayload("hdr-operator", PASSWORD),
      });
      expect(res.statusCode).toBe(200);
      const cookie = String(res.headers["set-cookie"]);
      expect(cookie).toMatch(/^hmb_session=/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(/;\s*Secure/i.test(cookie), `${JSON.stringify(env)}: ${cookie}`).toBe(secure);
      const out = await app.inject({
        method: "POST",
        url: "/api/v1/auth/logout",
        cookies: { hmb_session: res.json().token },
      });
      expect(/;\s*Secure/i.test(String(out.headers["set-cookie"]))).toBe(secure);
    }
  });

  it("serves /docs publicly in development, not at all in production, and to staff only with HMB_DOCS=staff", async () => {
    const dev = await server({ NODE_ENV: "development" });
    expect((await dev.inject({ method: "GET", url: "/docs" })).statusCode).toBe(200);
    expect((await dev.inject({ method: "GET", url: "/docs/json" })).statusCode).toBe(200);

    const prod = await server({ NODE_ENV: "production" });
    for (const url of ["/docs", "/docs/json", "/docs/static/swagger-ui.css"]) {
      const res = await prod.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe("not_found");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
    const publicProd = await server({ NODE_ENV: "production", HMB_DOCS: "public" });
    expect((await publicProd.inject({ method: "GET", url: "/docs/json" })).statusCode).toBe(200);
    const off = await server({ NODE_ENV: "development", HMB_DOCS: "off" });
    expect((await off.inject({ method: "GET", url: "/docs/json" })).statusCode).toBe(404);

    const staff = await server({ NODE_ENV: "production", HMB_DOCS: "staff" });
    const token = async (username: string) =>
      (await staff.inject({ method: "POST", url: LOGIN, payload: loginPayload(username, PASSWORD) })).json()
        .token as string;
    const operator = await token("hdr-operator");
    const resident = await token("hdr-resident");
    for (const url of ["/docs", "/docs/json"]) {
      const anonymous = await staff.inject({ method: "GET", url });
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error.message).toMatch(/工作人员/);
      const asResident = await staff.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${resident}` },
      });
      expect(asResident.statusCode, url).toBe(403);
      const asOperator = await staff.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${operator}` },
      });
      expect(asOperator.statusCode, url).toBe(200);
      // A browser signed in to the console carries the cookie, not a header.
      const byCookie = await staff.inject({ method: "GET", url, cookies: { hmb_session: operator } });
      expect(byCookie.statusCode, url).toBe(200);
      expect(byCookie.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    }
    await expect(server({ HMB_DOCS: "everyone" })).rejects.toThrow(/HMB_DOCS/);
  });
});

describe.each(BACKENDS)("per-account login lockout on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const clock = wallClock("2026-03-01T09:00:00Z");
  let n = 0;
  /** Every attempt from a new address: the lock is the account's, not the address's rate limit. */
  const attempt = (username: string, password: string) =>
    app.inject({
      method: "POST",
      url: LOGIN,
      remoteAddress: `198.51.100.${(n++ % 250) + 1}`,
      payload: loginPayload(username, password),
    });
  const audits = async (subject: string) =>
    platform.ctx.db.query<{ action: string; role: string; detail: Record<string, unknown> }>(
      "select action, role, detail from audit_log where subject = $1 and action like 'auth.%' order by audit_id",
      [subject],
    );

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    await createProgram(platform.ctx, CLI_ACTOR, { programId: P, productId: "wenshan-2023" });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: P,
      username: "locky",
      role: "operator",
      password: PASSWORD,
    });
    app = await buildServer(platform.ctx, { publicRateLimit: 10_000, wallClock: clock });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("backs off 1, 2, 4 … minutes, capped at an hour", () => {
    expect([1, 4, 5, 6, 7, 8].map((f) => lockDurationMs(f) / 60_000)).toEqual([0, 0, 1, 2, 4, 8]);
    expect(lockDurationMs(11)).toBe(LOGIN_LOCK_MAX_MS);
    expect(lockDurationMs(1_000)).toBe(LOGIN_LOCK_MAX_MS);
    expect(LOGIN_LOCK_MAX_MS).toBe(3_600_000);
  });

  it("locks an account after 5 failures, refuses even the right password, backs off, expires, audits", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await attempt("locky", `wrong-${i}`);
      expect(res.statusCode, `failure ${i + 1}`).toBe(401);
      expect(res.json().error.code).toBe("invalid_credentials");
    }
    const locked = await attempt("locky", PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error).toMatchObject({ code: "account_locked", field: "username" });
    expect(locked.json().error.message).toMatch(/锁定.*1 分钟/);
    expect(locked.headers["retry-after"]).toBe("60");
    expect(locked.headers["set-cookie"]).toBeUndefined();

    clock.advance(30_000);
    expect((await attempt("locky", PASSWORD)).statusCode).toBe(429);
    clock.advance(31_000); // 61 s after the lock: it has expired
    // One more failure locks again at once, for twice as long.
    expect((await attempt("locky", "wrong-again")).statusCode).toBe(401);
    const longer = await attempt("locky", PASSWORD);
    expect(longer.statusCode).toBe(429);
    expect(longer.headers["retry-after"]).toBe("120");
    clock.advance(61_000);
    expect((await attempt("locky", PASSWORD)).statusCode).toBe(429);
    clock.advance(60_000); // 121 s: expired
    const ok = await attempt("locky", PASSWORD);
    expect(ok.statusCode).toBe(200);
    // A success forgets the failures: the next wrong password is an ordinary 401.
    expect((await attempt("locky", "wrong-after")).statusCode).toBe(401);
    expect((await attempt("locky", PASSWORD)).statusCode).toBe(200);

    const trail = await audits("locky");
    const actions = trail.map((a) => a.action);
    expect(actions.filter((a) => a === "auth.login_failed")).toHaveLength(7);
    const locks = trail.filter((a) => a.action === "auth.locked");
    expect(locks.map((l) => l.detail.locked_seconds)).toEqual([60, 120]);
    expect(locks.map((l) => l.detail.failures)).toEqual([5, 6]);
    expect(actions.filter((a) => a === "auth.login_refused_locked")).toHaveLength(4);
    expect(actions.filter((a) => a === "auth.login")).toHaveLength(2);
    expect(trail.every((a) => a.role === "anonymous")).toBe(true);
    expect(trail.find((a) => a.action === "auth.login_failed")?.detail.from).toMatch(/^198\.51\.100\./);
    // No password, right or wrong, is in the audit.
    expect(JSON.stringify(trail)).not.toContain("wrong-");
    expect(JSON.stringify(trail)).not.toContain(PASSWORD);
  });

  it("locks a name that has no account exactly like one that has (no existence oracle)", async () => {
    const real: string[] = [];
    const ghost: string[] = [];
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: P,
      username: "twin",
      role: "bureau",
      password: PASSWORD,
    });
    for (let i = 0; i < 7; i++) {
      const a = await attempt("twin", `wrong-${i}`);
      const b = await attempt("ghost-account", `wrong-${i}`);
      real.push(`${a.statusCode} ${a.body} ${a.headers["retry-after"]}`);
      ghost.push(`${b.statusCode} ${b.body} ${b.headers["retry-after"]}`);
    }
    expect(real).toEqual(ghost);
    expect(real.slice(4, 7).map((r) => r.split(" ")[0])).toEqual(["401", "429", "429"]);
    expect(await audits("ghost-account")).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: "auth.locked" })]),
    );
  });
});

describe.each(BACKENDS)("demo logins in production on %s", (backend) => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: DEMO_NOW });
    await seedDemo(platform.ctx, { secretsPath: null, persons: 30 });
  }, 120_000);
  afterAll(async () => {
    await platform?.close();
  });

  it("refuses to start in production while demo logins exist, in one line naming the fix", async () => {
    expect((await demoAccountsPresent(platform.ctx)).map((d) => d.username)).toContain("demo-admin");
    const refused = buildServer(platform.ctx, { env: { NODE_ENV: "production" } });
    await expect(refused).rejects.toThrow(/演示账号.*demo-admin.*hmb user remove --demo/);
    await expect(refused).rejects.toThrow(/^[^\n]+$/);
    // Development still starts, and the demo logins work there.
    const dev = await buildServer(platform.ctx, { env: { NODE_ENV: "development" } });
    const login = await dev.inject({
      method: "POST",
      url: LOGIN,
      payload: loginPayload("demo-operator", "demo-operator-2023", DEMO_PROGRAM),
    });
    expect(login.statusCode).toBe(200);
    await dev.close();

    // A real account named like a demo login in another program is not a demo login.
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: P,
      username: "demo-operator",
      role: "operator",
      password: PASSWORD,
    });
    const removed = await removeDemoAccounts(platform.ctx, CLI_ACTOR);
    expect(removed).toEqual(expect.arrayContaining(["demo-admin", "demo-operator", "demo-resident"]));
    expect(await demoAccountsPresent(platform.ctx)).toEqual([]);
    const prod = await buildServer(platform.ctx, { env: { NODE_ENV: "production" } });
    const gone = await prod.inject({
      method: "POST",
      url: LOGIN,
      payload: loginPayload("demo-operator", "demo-operator-2023", DEMO_PROGRAM),
    });
    expect(gone.statusCode).toBe(401);
    await prod.close();
    const kept = await platform.ctx.db.query("select 1 from users where program_id = $1", [P]);
    expect(kept).toHaveLength(1);
  });
});

describe.each(BACKENDS)("bad login fields on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    app = await buildServer(platform.ctx, { publicRateLimit: 10_000 });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("answers NUL, control characters and over-long values with 400 naming the field, never 500", async () => {
    const good = { program_id: P, username: "someone", password: "some-password" };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, username: "some\u0000one" }, "username"],
      [{ ...good, username: "\u0000" }, "username"],
      [{ ...good, username: "tab\there" }, "username"],
      [{ ...good, program_id: "secauth\u00002023" }, "program_id"],
      [{ ...good, password: "pass\u0000word" }, "password"],
      [{ ...good, username: "u".repeat(65) }, "username"],
      [{ ...good, program_id: "p".repeat(65) }, "program_id"],
      [{ ...good, password: "x".repeat(257) }, "password"],
      [{ ...good, username: "" }, "username"],
      [{ program_id: P, password: "x" }, "username"],
      [{ ...good, username: 7 }, "username"],
    ];
    for (const [payload, field] of cases) {
      const res = await app.inject({ method: "POST", url: LOGIN, payload });
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(res.json().error.field).toBe(field);
      expect(res.json().error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    const rows = await platform.ctx.db.query("select 1 from login_failures");
    expect(rows).toHaveLength(0);
  });
});

describe("HMB_DATA_KEY", () => {
  const b64 = (b: Buffer) => b.toString("base64");
  const random = randomBytes(32);

  it("accepts 32 random bytes, from the environment or the key file", () => {
    expect(keyWeakness(random)).toBeUndefined();
    expect(() => loadDataKeys({ HMB_DATA_KEY: b64(random) }, "/nonexistent/key")).not.toThrow();
    expect(parseMasterKey(` ${b64(random)}\n`, "file").equals(random)).toBe(true);
  });

  it("refuses short, long, malformed and weak keys, naming where the key came from", () => {
    const weak: [string, RegExp][] = [
      [b64(Buffer.alloc(32)), /所有字节相同/],
      [b64(Buffer.alloc(32, 7)), /所有字节相同/],
      [b64(Buffer.alloc(32, 0xff)), /所有字节相同/],
      [b64(Buffer.from("0123456789abcdef0123456789abcdef")), /周期/],
      [b64(Buffer.alloc(32, random.subarray(0, 4))), /周期/],
      [b64(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), /等差/],
      [b64(Buffer.from(Array.from({ length: 32 }, (_, i) => 255 - 3 * i))), /等差/],
      [b64(Buffer.from("my-very-secret-hmb-key-for-2024!")), /可打印/],
      // Random, but drawn from 8 byte values only (not printable, no period): too few distinct bytes.
      [b64(Buffer.from(randomBytes(32).map((b) => 0xc8 + (b % 8)))), /不同字节/],
      [b64(randomBytes(16)), /44 个字符/],
      [b64(randomBytes(31)), /44 个字符/],
      [b64(randomBytes(33)), /44 个字符/],
      [b64(randomBytes(64)), /44 个字符/],
      ["not base64 at all, but forty-four chars long", /44 个字符/],
      [randomBytes(32).toString("hex"), /44 个字符/],
    ];
    for (const [key, reason] of weak) {
      expect(() => loadDataKeys({ HMB_DATA_KEY: key }, "/nonexistent/key"), key).toThrow(/^HMB_DATA_KEY/);
      expect(() => loadDataKeys({ HMB_DATA_KEY: key }, "/nonexistent/key"), key).toThrow(reason);
    }
    // The same rules for the development key file.
    const dir = mkdtempSync(join(tmpdir(), "hmb-key-"));
    try {
      const file = join(dir, "hmb-data.key");
      writeFileSync(file, b64(Buffer.alloc(32)));
      expect(() => loadDataKeys({}, file)).toThrow(new RegExp(`^${file}.*弱密钥`));
      writeFileSync(file, b64(random));
      expect(() => loadDataKeys({}, file)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadDataKeys({ NODE_ENV: "production" }, "/nonexistent/key")).toThrow(/required/);
  });
});
