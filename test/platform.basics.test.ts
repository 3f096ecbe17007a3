import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hmacHex } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { addInstitution } from "../src/services/institutions.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";

describe.each(BACKENDS)("platform basics on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    app = await testServer(platform);
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: "*",
      username: "admin",
      role: "admin",
      password: "admin-pass-1",
    });
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  async function tokenFor(programId: string, username: string, password: string): Promise<string> {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: programId, username, password },
    });
    expect(res.statusCode).toBe(200);
    return res.json().token as string;
  }

  it("migrates and answers /healthz with the back end's kind", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz" });
    expect(res.statusCode).toBe(200);
    expect(res.json().database).toBe(backend);
  });

  it("serves OpenAPI at /docs", async () => {
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toContain("/api/v1/programs");
  });

  it("creates a program with the product's co-insurers; a replay returns it, another product conflicts", async () => {
    const token = await tokenFor("*", "admin", "admin-pass-1");
    const headers = { authorization: `Bearer ${token}` };
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/programs",
      headers,
      payload: { program_id: "ws-2023", product_id: "wenshan-2023" },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      program_id: "ws-2023",
      product_id: "wenshan-2023",
      region_code: "532600",
    });
    expect(res.json().insurers.reduce((s: number, i: { share: number }) => s + i.share, 0)).toBe(1);
    const again = await app.inject({
      method: "POST",
      url: "/api/v1/programs",
      headers,
      payload: { program_id: "ws-2023", product_id: "wenshan-2023" },
    });
    expect(again.statusCode).toBe(201);
    const clash = await app.inject({
      method: "POST",
      url: "/api/v1/programs",
      headers,
      payload: { program_id: "ws-2023", product_id: "chuxiong-2023" },
    });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.field).toBe("program_id");
  });

  it("rejects bad input with {error:{code,message,field}} and stores nothing", async () => {
    const token = await tokenFor("*", "admin", "admin-pass-1");
    const headers = { authorization: `Bearer ${token}` };
    const cases = [
      { payload: { program_id: "Bad Id", product_id: "wenshan-2023" }, field: "program_id" },
      { payload: { program_id: "x-2023", product_id: "nope" }, field: "product_id" },
      { payload: { program_id: "x-2023" }, field: "product_id" },
      { payload: { program_id: "x-2023", product_id: "wenshan-2023", extra: 1 }, field: "extra" },
    ];
    for (const c of cases) {
      const res = await app.inject({ method: "POST", url: "/api/v1/programs", headers, payload: c.payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.field).toBe(c.field);
      expect(typeof res.json().error.message).toBe("string");
    }
    const malformed = await app.inject({
      method: "POST",
      url: "/api/v1/programs",
      headers: { ...headers, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.statusCode).toBe(400);
    const rows = await platform.ctx.db.query("select 1 from programs where program_id = 'x-2023'");
    expect(rows).toHaveLength(0);
  });

  it("refuses anonymous callers (401), wrong roles and other programs (403)", async () => {
    await createProgram(platform.ctx, CLI_ACTOR, { programId: "cx-2023", productId: "chuxiong-2023" });
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: "cx-2023",
      username: "bureau1",
      role: "bureau",
      password: "bureau-pass",
    });
    const anonymous = await app.inject({ method: "GET", url: "/api/v1/programs/cx-2023" });
    expect(anonymous.statusCode).toBe(401);
    const token = await tokenFor("cx-2023", "bureau1", "bureau-pass");
    const own = await app.inject({
      method: "GET",
      url: "/api/v1/programs/cx-2023",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(own.statusCode).toBe(200);
    const other = await app.inject({
      method: "GET",
      url: "/api/v1/programs/ws-2023",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(other.statusCode).toBe(403);
    const create = await app.inject({
      method: "POST",
      url: "/api/v1/programs",
      headers: { authorization: `Bearer ${token}` },
      payload: { program_id: "y-2023", product_id: "wenshan-2023" },
    });
    expect(create.statusCode).toBe(403);
    const wrongPassword = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: "cx-2023", username: "bureau1", password: "nope-nope" },
    });
    expect(wrongPassword.statusCode).toBe(401);
  });

  it("registers an institution, stores its secret encrypted, and verifies HMAC signatures", async () => {
    const { secret } = await addInstitution(platform.ctx, CLI_ACTOR, {
      programId: "cx-2023",
      code: "H53230100001",
      name: "楚雄州人民医院",
    });
    const rows = await platform.ctx.db.query<{ secret_enc: Uint8Array }>(
      "select secret_enc from institutions where fixmedins_code = 'H53230100001'",
    );
    expect(Buffer.from(rows[0]?.secret_enc ?? []).toString("latin1")).not.toContain(secret);
    const { verifyInstitutionSignature } = await import("../src/services/institutions.js");
    const body = '{"a":1}';
    const ts = String(Date.now());
    const ok = await verifyInstitutionSignature(
      platform.ctx,
      "cx-2023",
      { institution: "H53230100001", timestamp: ts, signature: hmacHex(secret, `${ts}\n${body}`) },
      body,
      Date.now(),
    );
    expect(ok.ok).toBe(true);
    const tampered = await verifyInstitutionSignature(
      platform.ctx,
      "cx-2023",
      { institution: "H53230100001", timestamp: ts, signature: hmacHex(secret, `${ts}\n{"a":2}`) },
      body,
      Date.now(),
    );
    expect(tampered).toMatchObject({ ok: false, kind: "unauthenticated" });
    const stale = String(Date.now() - 6 * 60_000);
    const old = await verifyInstitutionSignature(
      platform.ctx,
      "cx-2023",
      { institution: "H53230100001", timestamp: stale, signature: hmacHex(secret, `${stale}\n${body}`) },
      body,
      Date.now(),
    );
    expect(old).toMatchObject({ ok: false, kind: "unauthenticated", code: "stale_signature" });
    const elsewhere = await verifyInstitutionSignature(
      platform.ctx,
      "ws-2023",
      { institution: "H53230100001", timestamp: ts, signature: hmacHex(secret, `${ts}\n${body}`) },
      body,
      Date.now(),
    );
    expect(elsewhere).toMatchObject({ ok: false, kind: "forbidden" });
  });

  it("keeps the audit log append-only", async () => {
    const before = await platform.ctx.db.query<{ n: number }>("select count(*)::int as n from audit_log");
    expect(before[0]?.n).toBeGreaterThan(0);
    await expect(platform.ctx.db.query("delete from audit_log")).rejects.toThrow(/append-only/);
    await expect(platform.ctx.db.query("update audit_log set actor = 'x'")).rejects.toThrow(/append-only/);
  });
});
