import { execFileSync } from "node:child_process";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildServer } from "../src/api/server.js";
import { makeCertno, maskCertno } from "../src/domain/certno.js";
import { blindIndex, encrypt, hmacHex } from "../src/platform/crypto.js";
import {
  CLI_ACTOR,
  isPersonRole,
  PERSON_ROLES,
  type PersonRole,
  type Role,
} from "../src/services/context.js";
import { addInstitution } from "../src/services/institutions.js";
import { createProgram } from "../src/services/programs.js";
import { createUser, login } from "../src/services/users.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { type CollectedRoute, collectedRoutes } from "./support/routes.js";

vi.mock("fastify", async (importOriginal) =>
  (await import("./support/routes.js")).wrapFastifyModule(importOriginal),
);

const P = "sec-2023";
const OTHER = "sec-other-2023";
const INSTITUTION = "H53260000001";
const PASSWORD = "correct-horse-1";

/**
 * Routes without `config.roles` are public. Every one must be listed here, so a new route that forgot its
 * roles fails this suite instead of shipping open.
 */
const PUBLIC_ROUTES: readonly RegExp[] = [
  /^GET \/healthz$/,
  /^GET \/docs(\/.*)?$/,
  /^POST \/api\/v1\/auth\/login$/,
  /^POST \/api\/v1\/auth\/logout$/,
  /^POST \/api\/v1\/payments\/callback\/:provider$/,
  /^(GET|POST) \/api\/v1\/sandbox\/pay\/:order_no$/,
  /^GET \/api\/v1\/verify\/:code$/,
  // Product information and the benefit calculator: residents compare plans before having an account.
  /^GET \/api\/v1\/programs\/:program_id\/product$/,
  /^POST \/api\/v1\/programs\/:program_id\/benefit-quote$/,
  // The H5 landing from a promotion QR code counts a visit before anyone signs in (names the program only).
  /^POST \/api\/v1\/programs\/:program_id\/promotions\/:code\/visits$/,
  // The front ends' static files and client-side routes (src/api/static.ts).
  /^GET \/\*$/,
];

/**
 * (route, role) pairs where an admitted role is still refused for a documented reason beyond its role: a
 * program-scoped account cannot create programs (only platform-wide accounts can); a resident who has not
 * authorized the use of their settlement records gets 403 consent_required from the claimable list.
 */
const SCOPED_DENIALS: ReadonlySet<string> = new Set([
  "POST /api/v1/programs operator",
  "GET /api/v1/programs/:program_id/online-claims/claimable resident",
]);

/** One data-dependent parameter value per route parameter; program_id is the test program. */
function concreteUrl(url: string, programId: string): string {
  return url.replaceAll(/:([A-Za-z_]+)/g, (_, name: string) =>
    name === "program_id" ? programId : "X0000001",
  );
}

const key = (r: CollectedRoute) => `${r.method} ${r.url}`;

describe.each(BACKENDS)("security on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let routes: CollectedRoute[];
  let secret: string;
  const tokens = new Map<PersonRole, string>();
  const otherTokens = new Map<PersonRole, string>();
  const persons = [0, 1, 2].map((i) => ({
    psnNo: `5326000000${i}`,
    certno: makeCertno("532622", `19${80 + i}0${i + 1}1${i}`, 100 + i),
    phone: `1398765432${i}`,
    name: `测试人${i}`,
  }));

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    const { ctx } = platform;
    await createProgram(ctx, CLI_ACTOR, { programId: P, productId: "wenshan-2023" });
    await createProgram(ctx, CLI_ACTOR, { programId: OTHER, productId: "wenshan-2023" });
    for (const [programId, map] of [
      [P, tokens],
      [OTHER, otherTokens],
    ] as const) {
      for (const role of PERSON_ROLES) {
        // The admin of the test program is platform-wide ('*'); the other program's admin is scoped to it.
        const scope = role === "admin" && programId === P ? "*" : programId;
        const username = `${role}-${programId}`;
        await createUser(ctx, CLI_ACTOR, {
          programId: scope,
          username,
          role,
          password: PASSWORD,
          psnNo: role === "resident" ? persons[0]?.psnNo : undefined,
          insurerCode: role === "co_insurer" ? "picc-wenshan" : undefined,
        });
        map.set(role, (await login(ctx, programId, username, PASSWORD)).token);
      }
    }
    secret = (
      await addInstitution(ctx, CLI_ACTOR, { programId: P, code: INSTITUTION, name: "文山州人民医院" })
    ).secret;
    collectedRoutes.length = 0;
    app = await buildServer(ctx, { publicRateLimit: 10_000 });
    // A probe for the HMAC path, registered like any route (the auth hook is global).
    app.post(
      "/api/v1/programs/:program_id/test-signed-probe",
      { config: { roles: ["hospital"], signed: true } },
      async (request) => ({ actor: request.actor?.id, role: request.actor?.role }),
    );
    await app.ready();
    routes = [...collectedRoutes];
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  function signed(body: string, institution = INSTITUTION, key = secret, ts = String(Date.now())) {
    return {
      "x-hmb-institution": institution,
      "x-hmb-timestamp": ts,
      "x-hmb-signature": hmacHex(key, `${ts}\n${body}`),
    };
  }

  async function call(
    route: CollectedRoute,
    headers: Record<string, string>,
    programId = P,
    body: string | undefined = undefined,
  ) {
    const hasBody = route.method !== "GET" && route.method !== "DELETE";
    const payload = body ?? (hasBody ? "{}" : "");
    return app.inject({
      method: route.method as "GET",
      url: concreteUrl(route.url, programId),
      headers: { ...(hasBody ? { "content-type": "application/json" } : {}), ...headers },
      ...(hasBody ? { payload } : {}),
    });
  }

  it("collects the server's route table, and every route without roles is an allow-listed public route", () => {
    expect(routes.length).toBeGreaterThan(8);
    expect(routes.map(key)).toContain("GET /api/v1/programs/:program_id");
    expect(routes.map(key)).toContain("GET /api/v1/programs/:program_id/ledger/statement");
    const open = routes.filter((r) => r.roles === undefined).map(key);
    const unlisted = open.filter((k) => !PUBLIC_ROUTES.some((re) => re.test(k)));
    expect(unlisted, "routes without config.roles that are not known public routes").toEqual([]);
    for (const r of routes) if (r.roles !== undefined) expect(r.roles.length).toBeGreaterThan(0);
  });

  it("refuses anonymous callers with 401 on every role-protected route", async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.roles !== undefined)) {
      const res = await call(route, {});
      if (res.statusCode !== 401) failures.push(`${key(route)} anonymous → ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it("admits exactly the declared roles on every route (role × route matrix)", async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.roles !== undefined)) {
      const roles = route.roles as readonly string[];
      for (const role of PERSON_ROLES) {
        const res = await call(route, { authorization: `Bearer ${tokens.get(role)}` });
        const allowed = roles.includes(role);
        const ok = allowed
          ? res.statusCode !== 401 &&
            res.statusCode < 500 &&
            (res.statusCode !== 403 || SCOPED_DENIALS.has(`${key(route)} ${role}`))
          : res.statusCode === 403;
        if (!ok)
          failures.push(
            `${key(route)} as ${role} (${allowed ? "allowed" : "denied"}) → ${res.statusCode} ${res.body.slice(0, 160)}`,
          );
      }
      // The institution itself, HMAC-signed (version 2: method and URL covered, as reads require): admitted
      // only where the route is signed and admits hospitals.
      const body = route.method === "GET" || route.method === "DELETE" ? "" : "{}";
      const ts = String(Date.now());
      const target = concreteUrl(route.url, P);
      const res = await call(
        route,
        {
          ...signed(body, INSTITUTION, secret, ts),
          "x-hmb-signature-version": "2",
          "x-hmb-signature": hmacHex(secret, `${ts}\n${route.method} ${target}\n${body}`),
        },
        P,
        body,
      );
      const expected = !route.signed ? [401] : roles.includes("hospital") ? undefined : [403];
      const ok =
        expected === undefined
          ? ![401, 403].includes(res.statusCode) && res.statusCode < 500
          : expected.includes(res.statusCode);
      if (!ok)
        failures.push(`${key(route)} as HMAC institution → ${res.statusCode} ${res.body.slice(0, 160)}`);
    }
    expect(failures).toEqual([]);
  });

  it("refuses accounts of another program (403) on every program route", async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.roles !== undefined && r.url.includes(":program_id"))) {
      // Institutions (hospital, provider) sign instead; their program check is the signature test's.
      const role = (route.roles as readonly Role[]).find(isPersonRole);
      if (role === undefined) continue;
      const res = await call(route, { authorization: `Bearer ${otherTokens.get(role)}` });
      if (res.statusCode !== 403) failures.push(`${key(route)} as ${role} of ${OTHER} → ${res.statusCode}`);
    }
    expect(failures).toEqual([]);
  });

  it("lets a co-insurer read only its own insurer's statement", async () => {
    const url = (insurer: string) =>
      `/api/v1/programs/${P}/ledger/statement?insurer=${insurer}&from=2023-01-01&to=2023-12-31`;
    const own = await app.inject({
      method: "GET",
      url: url("picc-wenshan"),
      headers: { authorization: `Bearer ${tokens.get("co_insurer")}` },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ insurer_code: "picc-wenshan", lines: [] });
    const other = await app.inject({
      method: "GET",
      url: url("someone-else"),
      headers: { authorization: `Bearer ${tokens.get("co_insurer")}` },
    });
    expect(other.statusCode).toBe(403);
    const csv = await app.inject({
      method: "GET",
      url: `${url("picc-wenshan")}&format=csv`,
      headers: { authorization: `Bearer ${tokens.get("operator")}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toMatch(/^text\/csv/);
    expect(csv.body.split("\n")[0]).toBe(
      "at_beijing,journal_id,leg,kind,ref,debit_account,credit_account,amount,leg_amount",
    );
    for (const role of ["bureau", "regulator"] as const) {
      const summary = await app.inject({
        method: "GET",
        url: `/api/v1/programs/${P}/ledger/summary`,
        headers: { authorization: `Bearer ${tokens.get(role)}` },
      });
      expect(summary.statusCode).toBe(200);
      expect(summary.json()).toMatchObject({ program_id: P, balanced: true });
    }
  });

  it("verifies HMAC signatures: good, missing, malformed, wrong key, stale, replayed, unregistered", async () => {
    const url = `/api/v1/programs/${P}/test-signed-probe`;
    const post = (headers: Record<string, string>, payload = '{"a":1}', programId = P) =>
      app.inject({
        method: "POST",
        url: url.replace(P, programId),
        headers: { "content-type": "application/json", ...headers },
        payload,
      });
    const good = await post(signed('{"a":1}'));
    expect(good.statusCode).toBe(200);
    expect(good.json()).toEqual({ actor: INSTITUTION, role: "hospital" });

    const { "x-hmb-signature": _sig, ...unsigned } = signed('{"a":1}');
    expect((await post(unsigned)).statusCode).toBe(401);
    expect((await post({ ...signed('{"a":1}'), "x-hmb-signature": "z".repeat(64) })).statusCode).toBe(401);
    expect((await post({ ...signed('{"a":1}'), "x-hmb-signature": "ab" })).statusCode).toBe(401);
    expect((await post(signed('{"a":1}', INSTITUTION, "not-the-secret"))).statusCode).toBe(401);
    const stale = await post(signed('{"a":1}', INSTITUTION, secret, String(Date.now() - 6 * 60_000)));
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error.code).toBe("stale_signature");
    const future = await post(signed('{"a":1}', INSTITUTION, secret, String(Date.now() + 6 * 60_000)));
    expect(future.statusCode).toBe(401);
    const { "x-hmb-timestamp": _ts, ...noTimestamp } = signed('{"a":1}');
    expect((await post(noTimestamp)).statusCode).toBe(401);
    // A captured signature replayed over a different body.
    const replay = await post(signed('{"a":1}'), '{"a":2}');
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe("bad_signature");
    // An institution not registered here, or registered in another program only.
    expect((await post(signed('{"a":1}', "H99999999999"))).statusCode).toBe(403);
    expect((await post(signed('{"a":1}'), '{"a":1}', OTHER)).statusCode).toBe(403);
    // A body the JSON parser did not see (text/plain) is not covered by the signature: refused, not passed.
    const plain = await app.inject({
      method: "POST",
      url,
      headers: { "content-type": "text/plain", ...signed("") },
      payload: "unsigned text",
    });
    expect(plain.statusCode).toBe(415);
    // A person's session is not an institution's signature.
    expect((await post({ authorization: `Bearer ${tokens.get("operator")}` })).statusCode).toBe(403);
  });

  it("stops accepting a token after logout and after it expires", async () => {
    const loginRes = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: P, username: `bureau-${P}`, password: PASSWORD },
    });
    expect(loginRes.statusCode).toBe(200);
    const token = loginRes.json().token as string;
    const read = () =>
      app.inject({
        method: "GET",
        url: `/api/v1/programs/${P}`,
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await read()).statusCode).toBe(200);
    const out = await app.inject({
      method: "POST",
      url: "/api/v1/auth/logout",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(out.statusCode).toBe(200);
    expect((await read()).statusCode).toBe(401);

    const { token: second } = await login(platform.ctx, P, `charity-${P}`, PASSWORD);
    const readSecond = () =>
      app.inject({
        method: "GET",
        url: `/api/v1/programs/${P}`,
        headers: { authorization: `Bearer ${second}` },
      });
    expect((await readSecond()).statusCode).toBe(200);
    await platform.ctx.db.query(
      "update sessions set expires_at = now() - interval '1 second' where username = $1",
      [`charity-${P}`],
    );
    expect((await readSecond()).statusCode).toBe(401);
    // Forged tokens: right program prefix, random secret; no prefix at all.
    for (const forged of [
      `${P}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
      "garbage",
      `*.${second.split(".")[1]}`,
    ]) {
      const res = await app.inject({
        method: "GET",
        url: `/api/v1/programs/${P}`,
        headers: { authorization: `Bearer ${forged}` },
      });
      expect(res.statusCode).toBe(401);
    }
  });

  it("rate-limits wrong logins from one address with 429", async () => {
    const limited = await buildServer(platform.ctx, { publicRateLimit: 12 });
    try {
      const attempt = (password: string, remoteAddress = "203.0.113.7", username = `operator-${P}`) =>
        limited.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          remoteAddress,
          payload: { program_id: P, username, password },
        });
      const statuses: number[] = [];
      // Spread over many login names, so that this is the address's limit and not one account's lockout.
      for (let i = 0; i < 12; i++)
        statuses.push((await attempt(`wrong-password-${i}`, "203.0.113.7", `guess-${i}`)).statusCode);
      expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
      expect(statuses.at(-1)).toBe(429);
      const blocked = await attempt(PASSWORD);
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe("rate_limited");
      // Another address is not affected.
      expect((await attempt(PASSWORD, "203.0.113.8")).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it("masks ID numbers as 5326**********1234 and returns them masked from roster reads", async () => {
    expect(maskCertno("532622199001011234")).toBe("5326**********1234");
    expect(maskCertno("53262219900101123X")).toBe("5326**********123X");
    for (const p of persons) {
      await platform.ctx.db.query(
        `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
           insutype, admdvs) values ($1,$2,$3,$4,$5,$6,'1','1980-01-01','390','532622')`,
        [
          P,
          p.psnNo,
          encrypt(platform.ctx.keys, p.certno),
          blindIndex(platform.ctx.keys, p.certno),
          maskCertno(p.certno),
          p.name,
        ],
      );
    }
    const person = persons[1] as (typeof persons)[number];
    const res = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${P}/roster/${person.psnNo}`,
      headers: { authorization: `Bearer ${tokens.get("operator")}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().certno).toBe(maskCertno(person.certno));
    expect(res.json().certno).toMatch(/^\d{4}\*{10}[\dX]{4}$/);
    expect(res.body).not.toContain(person.certno);
  });

  it("stores no ID number, phone number, secret or token in plaintext (database dump)", async () => {
    const { ctx } = platform;
    for (const [i, p] of persons.entries()) {
      const role = (["resident", "operator", "charity"] as const)[i] as PersonRole;
      await ctx.db.query("update users set phone_enc = $1, phone_bidx = $2 where username = $3", [
        encrypt(ctx.keys, p.phone),
        blindIndex(ctx.keys, p.phone),
        `${role}-${P}`,
      ]);
    }
    const secrets = [
      ...persons.flatMap((p) => [p.certno, p.phone]),
      secret,
      PASSWORD,
      ...[...tokens.values()].map((t) => t.split(".")[1] as string),
    ];
    const hex = (s: string) => Buffer.from(s, "utf8").toString("hex");
    const findIn = (dump: string) =>
      secrets.filter((s) => dump.includes(s) || dump.toLowerCase().includes(hex(s)));

    // Every row of every table as text (bytea as hex): what any dump would contain.
    const tables = await ctx.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(["roster_persons", "users", "institutions", "sessions", "audit_log"]),
    );
    let rowsText = "";
    for (const { table_name } of tables) {
      const rows = await ctx.db.query<{ r: string }>(`select t::text as r from "${table_name}" t`);
      rowsText += `${rows.map((r) => r.r).join("\n")}\n`;
    }
    expect(rowsText).toContain(maskCertno(persons[0]?.certno ?? ""));
    expect(findIn(rowsText)).toEqual([]);

    if (backend === "postgres") {
      const dump = execFileSync("/usr/bin/pg_dump", ["--no-owner", platform.url as string], {
        encoding: "utf8",
        maxBuffer: 256 << 20,
      });
      expect(dump).toContain("roster_persons");
      expect(dump).toContain(maskCertno(persons[0]?.certno ?? ""));
      expect(findIn(dump)).toEqual([]);
    }
  });
});
