/**
 * A program where one resident (A, P001, login res1) has one of everything a person can own — a paid policy
 * and its payment order, a one-stop settlement, a counter claim with a document and a decision, a consent,
 * an online claim and an unclaimed shared record, notifications — plus a second resident (B, P005, login res5)
 * with a policy of their own, a payout batch and a charity pool. Built through the HTTP API wherever the API
 * offers the step, so the audit and matrix suites read what real callers created. The server runs on a clock
 * the suites can move (enrollment happens in the window, claims in the coverage year).
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import { buildServer } from "../../src/api/server.js";
import type { Clock } from "../../src/platform/clock.js";
import { CLI_ACTOR } from "../../src/services/context.js";
import { createCharityPool } from "../../src/services/enrollment.js";
import { sandboxPay } from "../../src/services/payments/index.js";
import { createUser } from "../../src/services/users.js";
import { Y } from "../fixtures.js";
import { type ClaimsFixture, HOSPITAL, postSettlement, recordFor, setupClaims } from "./claims.js";
import { type BackendName, openTestPlatform, type TestPlatform } from "./platform.js";
import { authHeaders, NOW, PROGRAM } from "./roster.js";

export const API = `/api/v1/programs/${PROGRAM}`;
/** Business time of the enrollments: inside the enrollment window. */
export const ENROLLMENT_NOW = NOW;
/** Business time of the claims: inside the coverage year, after every stay below. */
export const CLAIMS_NOW = "2023-12-01T10:00:00+08:00";
export const POOL = "sec-pool";
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");

export interface PersonalData {
  platform: TestPlatform;
  app: FastifyInstance;
  fx: ClaimsFixture;
  /** Login name → Authorization header. */
  headers: Map<string, Record<string, string>>;
  /** Resident A's resources. */
  a: {
    psnNo: string;
    policyNo: string;
    orderNo: string;
    setlId: string;
    caseId: string;
    consentId: string;
    onlineSetlId: string;
    verificationCode: string;
  };
  /** Resident B's own policy (B is a resident with data of their own, not an empty account). */
  b: { psnNo: string; policyNo: string };
  batchId: string;
  /** Moves the server's business clock (ISO 8601); ENROLLMENT_NOW and CLAIMS_NOW are the two the data needs. */
  setNow(iso: string): void;
  close(): Promise<void>;
}

async function ok(res: LightMyRequestResponse | Promise<LightMyRequestResponse>, what: string) {
  const r = await res;
  expect(r.statusCode, `${what}: ${r.body.slice(0, 300)}`).toBeLessThan(300);
  return r.json();
}

/** The regulator's login, which the claims fixtures do not create. */
const REGULATOR = { username: "reg1", password: "reg-pass-12" };
/** 民政's login (role civil_affairs). */
const CIVIL_AFFAIRS = { username: "civil1", password: "civil-pass-12" };

export async function seedPersonalData(backend: BackendName): Promise<PersonalData> {
  // Services run on the enrollment-window clock; the server on a clock moved to the coverage year below.
  const platform = await openTestPlatform(backend, { now: NOW });
  const fx = await setupClaims(platform.ctx, { insured: ["P002", "P003", "P004"] });
  let nowMs = Date.parse(NOW);
  const clock: Clock = { now: () => new Date(nowMs) };
  const app = await buildServer({ ...platform.ctx, clock }, { publicRateLimit: 10_000 });
  await createUser(platform.ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: REGULATOR.username,
    role: "regulator",
    password: REGULATOR.password,
  });
  const headers = new Map<string, Record<string, string>>();
  for (const user of ["admin", "op1", "bureau1", "ins1", "res1", "res5", "ch1"])
    headers.set(user, await authHeaders(app, user));
  const reg = await app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { program_id: PROGRAM, ...REGULATOR },
  });
  headers.set("reg1", { authorization: `Bearer ${(await ok(reg, "regulator login")).token as string}` });
  // 民政 (issue 15): reads the watch list and reviews the assistance line's applications.
  await createUser(platform.ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: CIVIL_AFFAIRS.username,
    role: "civil_affairs",
    password: CIVIL_AFFAIRS.password,
  });
  const civil = await app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { program_id: PROGRAM, ...CIVIL_AFFAIRS },
  });
  headers.set("civil1", {
    authorization: `Bearer ${(await ok(civil, "civil affairs login")).token as string}`,
  });
  const as = (user: string) => headers.get(user) as Record<string, string>;
  const send = (method: "GET" | "POST", path: string, user: string, payload?: unknown) =>
    app.inject({
      method,
      url: `${API}${path}`,
      headers: as(user),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  // In the enrollment window: A and B enroll themselves and pay in cash (sandbox gateway).
  const enrollSelf = async (user: string, psnNo: string) => {
    const body = await ok(
      send("POST", "/enrollments", user, { kind: "individual", psn_no: psnNo, channel: "cash" }),
      `${user} enrolls`,
    );
    const orderNo = body.payment?.order_no;
    expect(typeof orderNo, JSON.stringify(body)).toBe("string");
    await sandboxPay(platform.ctx, orderNo as string, "paid");
    const rows = await platform.ctx.db.query<{ policy_no: string }>(
      "select policy_no from policies where program_id = $1 and psn_no = $2",
      [PROGRAM, psnNo],
    );
    expect(rows).toHaveLength(1);
    return { orderNo: orderNo as string, policyNo: (rows[0] as { policy_no: string }).policy_no };
  };
  const enrolledA = await enrollSelf("res1", "P001");
  const enrolledB = await enrollSelf("res5", "P005");
  await createCharityPool(platform.ctx, CLI_ACTOR, { programId: PROGRAM, poolId: POOL, name: "测试助保金" });

  // In the coverage year: a one-stop settlement, a counter claim, an online claim.
  nowMs = Date.parse(CLAIMS_NOW);
  const setlId = "S-SEC-A1";
  await ok(
    postSettlement(
      app,
      fx,
      await recordFor(fx, {
        setlId,
        psnNo: "P001",
        inScope: Y(20_000),
        setlTime: "2023-10-10 10:00:00",
      }),
    ),
    "one-stop settlement",
  );
  const counter = await ok(
    send("POST", "/counter-claims", "res1", {
      psn_no: "P001",
      record: await recordFor(fx, {
        setlId: "S-SEC-CC",
        psnNo: "P001",
        inScope: Y(3_000),
        setlTime: "2023-11-01 10:00:00",
      }),
    }),
    "counter claim",
  );
  const caseId = counter.case_id as string;
  await ok(
    app.inject({
      method: "PUT",
      url: `${API}/counter-claims/${caseId}/documents/invoice`,
      headers: { ...as("res1"), "content-type": "application/pdf" },
      payload: PDF,
    }),
    "invoice upload",
  );
  // A decision notifies the resident (their inbox is then not empty) and makes the case appealable.
  await ok(send("POST", `/counter-claims/${caseId}/assign`, "op1", {}), "assign");
  await ok(
    send("POST", `/counter-claims/${caseId}/decision`, "op1", { decision: "reject", reason: "缺少结算单" }),
    "decision",
  );

  const onlineSetlId = "S-SEC-ON";
  await ok(
    send("POST", "/medical-records", "bureau1", {
      records: [
        await recordFor(fx, {
          setlId: onlineSetlId,
          psnNo: "P001",
          inScope: Y(15_000),
          setlTime: "2023-11-10 10:00:00",
        }),
        await recordFor(fx, {
          setlId: "S-SEC-ON2",
          psnNo: "P001",
          inScope: Y(1_000),
          setlTime: "2023-11-12 10:00:00",
        }),
      ],
    }),
    "bureau feed",
  );
  const consent = await ok(
    send("POST", "/consents", "res1", {
      scope: "settlement_records",
      from: "2023-09-01",
      to: "2023-12-01",
      days_valid: 90,
    }),
    "consent",
  );
  const consentId = (consent.consent_id ?? consent.consent?.consent_id) as string;
  expect(typeof consentId, JSON.stringify(consent)).toBe("string");
  await ok(send("POST", "/online-claims", "res1", { setl_ids: [onlineSetlId] }), "online claim");

  const batch = await ok(
    send("POST", "/payout-batches", "op1", { payee: "hospital", through: "2023-12-01" }),
    "payout batch",
  );
  const batchId = batch.batch_id as string;
  expect(typeof batchId, JSON.stringify(batch)).toBe("string");

  const codes = await platform.ctx.db.query<{ verification_code: string }>(
    "select verification_code from policies where program_id = $1 and policy_no = $2",
    [PROGRAM, enrolledA.policyNo],
  );
  return {
    platform,
    app,
    fx,
    headers,
    a: {
      psnNo: "P001",
      policyNo: enrolledA.policyNo,
      orderNo: enrolledA.orderNo,
      setlId,
      caseId,
      consentId,
      onlineSetlId,
      verificationCode: (codes[0] as { verification_code: string }).verification_code,
    },
    b: { psnNo: "P005", policyNo: enrolledB.policyNo },
    batchId,
    setNow(iso: string) {
      nowMs = Date.parse(iso);
    },
    async close() {
      await app.close();
      await platform.close();
    },
  };
}

export { HOSPITAL };
