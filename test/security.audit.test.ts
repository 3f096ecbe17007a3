/**
 * Issue 10 finding 7: every read of personal data writes exactly one audit entry, whoever reads — staff, the
 * institution that sent a settlement, the resident it belongs to, the public verifying a certificate. The
 * routes come from the server's own route table: every GET route is either in PERSONAL_READS (walked here,
 * as every role it admits) or in NOT_PERSONAL with the reason, so a new read route cannot ship unclassified.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { signedGet } from "./support/claims.js";
import { API, HOSPITAL, type PersonalData, POOL, seedPersonalData } from "./support/personal-data.js";
import { BACKENDS } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";
import { type CollectedRoute, collectedRoutes } from "./support/routes.js";

vi.mock("fastify", async (importOriginal) =>
  (await import("./support/routes.js")).wrapFastifyModule(importOriginal),
);

const P = "/api/v1/programs/:program_id";

/** The login that reads as each role (the institution signs instead; the public sends nothing). */
const USER_OF: Readonly<Record<string, string>> = {
  admin: "admin",
  operator: "op1",
  bureau: "bureau1",
  co_insurer: "ins1",
  regulator: "reg1",
  charity: "ch1",
  resident: "res1",
};

const isStaff = (role: string) => role === "operator" || role === "admin";

/**
 * GET routes returning personal data — a person's identifiers, names, ID numbers, policies, payments, claims,
 * documents, consents, notifications — or records about identifiable persons (audit entries naming them,
 * payout batches and statements listing their claims). Each maps to the URL a given role reads, with resident
 * A's data: staff name the person where the route asks them to.
 */
const PERSONAL_READS: Readonly<Record<string, (d: PersonalData, role: string) => string>> = {
  [`GET ${P}/audit`]: () => `${API}/audit?limit=5`,
  [`GET ${P}/policies`]: () => `${API}/policies?limit=5`,
  [`GET ${P}/charity-pools`]: () => `${API}/charity-pools`,
  [`GET ${P}/charity-pools/:pool_id`]: () => `${API}/charity-pools/${POOL}`,
  [`GET ${P}/charity-claims`]: () => `${API}/charity-claims?limit=5`,
  [`GET ${P}/counter-claims`]: (_d, role) => `${API}/counter-claims${isStaff(role) ? "?psn_no=P001" : ""}`,
  [`GET ${P}/counter-claims/:case_id`]: (d) => `${API}/counter-claims/${d.a.caseId}`,
  [`GET ${P}/counter-claims/:case_id/documents/:doc_kind`]: (d) =>
    `${API}/counter-claims/${d.a.caseId}/documents/invoice`,
  [`GET ${P}/ledger/statement`]: () =>
    `${API}/ledger/statement?insurer=picc-wenshan&from=2023-07-01&to=2023-12-31`,
  [`GET ${P}/notifications`]: (d, role) =>
    `${API}/notifications${isStaff(role) ? `?psn_no=${d.a.psnNo}` : ""}`,
  [`GET ${P}/consents`]: (d, role) => `${API}/consents${isStaff(role) ? `?psn_no=${d.a.psnNo}` : ""}`,
  [`GET ${P}/online-claims`]: (d, role) =>
    `${API}/online-claims${isStaff(role) ? `?psn_no=${d.a.psnNo}` : ""}`,
  [`GET ${P}/online-claims/claimable`]: () => `${API}/online-claims/claimable`,
  [`GET ${P}/payments/:order_no`]: (d) => `${API}/payments/${d.a.orderNo}`,
  [`GET ${P}/payout-batches`]: () => `${API}/payout-batches`,
  [`GET ${P}/payout-batches/:batch_id`]: (d) => `${API}/payout-batches/${d.batchId}`,
  [`GET ${P}/reconciliation`]: () => `${API}/reconciliation?date=2023-12-01`,
  [`GET ${P}/policies/:policy_no`]: (d) => `${API}/policies/${d.a.policyNo}`,
  [`GET ${P}/policies/:policy_no/certificate.html`]: (d) =>
    `${API}/policies/${d.a.policyNo}/certificate.html`,
  [`GET ${P}/policies/:policy_no/certificate.pdf`]: (d) => `${API}/policies/${d.a.policyNo}/certificate.pdf`,
  [`GET ${P}/policies/:policy_no/cancel/quote`]: (d) => `${API}/policies/${d.a.policyNo}/cancel/quote`,
  [`GET ${P}/me`]: () => `${API}/me`,
  [`GET ${P}/renewal`]: () => `${API}/renewal`,
  [`GET ${P}/renewal/authorization`]: () => `${API}/renewal/authorization`,
  [`GET ${P}/roster/:psn_no`]: (d) => `${API}/roster/${d.a.psnNo}`,
  [`GET ${P}/settlements/:setl_id`]: (d) => `${API}/settlements/${d.a.setlId}`,
  "GET /api/v1/verify/:code": (d) => `/api/v1/verify/${d.a.verificationCode}`,
};

/** GET routes that return no personal data, each with the reason. */
const NOT_PERSONAL: Readonly<Record<string, string>> = {
  "GET /healthz": "liveness and the database kind",
  "GET /docs": "OpenAPI UI",
  "GET /docs/json": "OpenAPI document",
  "GET /docs/yaml": "OpenAPI document",
  "GET /docs/static/index.html": "OpenAPI UI",
  "GET /docs/static/swagger-initializer.js": "OpenAPI UI",
  "GET /docs/static/*": "OpenAPI UI assets",
  "GET /*": "the front ends' static files",
  [`GET ${P}`]: "program settings",
  [`GET ${P}/product`]: "the product's published terms",
  "GET /api/v1/products": "published product versions (no person's data)",
  "GET /api/v1/products/diff": "the difference of two products' terms",
  "GET /api/v1/products/:product_id/versions/:version": "a published product file",
  "GET /api/v1/products/:product_id/versions/:version/sheet": "a published product's terms as a sheet",
  "GET /api/v1/products/:product_id/versions/:version/compliance":
    "a published product checked against a rule set",
  [`GET ${P}/compliance`]: "the product checked against the guidance",
  [`GET ${P}/counter-claims/settings`]: "review settings (four-eyes threshold, appeal window)",
  [`GET ${P}/ledger/summary`]: "program totals per account",
  [`GET ${P}/oversight/summary`]: "aggregates",
  [`GET ${P}/oversight/enrollment`]: "aggregates by county, unit and cohort",
  [`GET ${P}/oversight/trends`]: "aggregates by month",
  [`GET ${P}/oversight/payout-distribution`]: "aggregates by band",
  [`GET ${P}/oversight/settings`]: "the IBNR setting",
  [`GET ${P}/reserve`]: "aggregates: monthly sums of paid claims and the reserve computed from them",
  [`GET ${P}/reports/disclosure`]: "the public disclosure report (aggregates)",
  [`GET ${P}/roster/imports`]: "import runs: counts, times, file names",
};

/** Reads of personal data over POST: the eligibility check answers with a person's masked name and psn_no. */
const PERSONAL_POST_READS = [`POST ${P}/eligibility`];

const key = (r: CollectedRoute) => `${r.method} ${r.url}`;

describe.each(BACKENDS)("audit of personal-data reads on %s", (backend) => {
  let d: PersonalData;
  let app: FastifyInstance;
  let routes: CollectedRoute[];

  beforeAll(async () => {
    collectedRoutes.length = 0;
    d = await seedPersonalData(backend);
    app = d.app;
    routes = [...collectedRoutes];
  }, 120_000);
  afterAll(async () => {
    await d?.close();
  });

  const lastAuditId = async () =>
    Number(
      (
        await d.platform.ctx.db.query<{ n: string | number }>(
          "select coalesce(max(audit_id), 0) as n from audit_log",
        )
      )[0]?.n ?? 0,
    );
  const auditSince = (id: number) =>
    d.platform.ctx.db.query<{
      actor: string;
      role: string;
      action: string;
      subject: string;
      program_id: string;
    }>(
      "select actor, role, action, subject, program_id from audit_log where audit_id > $1 order by audit_id",
      [id],
    );

  it("classifies every GET route of the live route table as personal data or not", () => {
    const gets = [...new Set(routes.filter((r) => r.method === "GET").map(key))];
    expect(gets.length).toBeGreaterThan(40);
    const unclassified = gets.filter((k) => PERSONAL_READS[k] === undefined && NOT_PERSONAL[k] === undefined);
    expect(unclassified, "GET routes in neither PERSONAL_READS nor NOT_PERSONAL").toEqual([]);
    const both = gets.filter((k) => PERSONAL_READS[k] !== undefined && NOT_PERSONAL[k] !== undefined);
    expect(both).toEqual([]);
    // And no stale entries: every classified route still exists.
    const stale = [...Object.keys(PERSONAL_READS), ...Object.keys(NOT_PERSONAL)].filter(
      (k) => !gets.includes(k),
    );
    expect(stale, "classified routes that the server no longer has").toEqual([]);
  });

  it("writes exactly one audit entry, naming the reader, for every read of personal data by every admitted role", async () => {
    const failures: string[] = [];
    let reads = 0;
    for (const route of routes.filter((r) => r.method === "GET" && PERSONAL_READS[key(r)] !== undefined)) {
      const readers = route.roles ?? ["public"];
      for (const role of readers) {
        const url = (PERSONAL_READS[key(route)] as (d: PersonalData, role: string) => string)(d, role);
        let headers: Record<string, string>;
        let actor: string;
        if (role === "public") {
          headers = {};
          actor = "public";
        } else if (role === "hospital") {
          // Institutions sign their reads (version 2: the signature covers method and URL).
          headers = signedGet(d.fx, url, HOSPITAL);
          actor = HOSPITAL;
        } else {
          const user = USER_OF[role] as string;
          headers = d.headers.get(user) as Record<string, string>;
          actor = user;
        }
        const before = await lastAuditId();
        const res = await app.inject({ method: "GET", url, headers });
        const entries = await auditSince(before);
        reads++;
        if (res.statusCode !== 200) {
          failures.push(`${key(route)} as ${role} → ${res.statusCode} ${res.body.slice(0, 160)}`);
          continue;
        }
        if (entries.length !== 1) {
          failures.push(
            `${key(route)} as ${role}: ${entries.length} audit entries ${JSON.stringify(entries.map((e) => e.action))}`,
          );
          continue;
        }
        const entry = entries[0] as (typeof entries)[number];
        if (
          entry.actor !== actor ||
          entry.program_id !== PROGRAM ||
          entry.action === "" ||
          entry.subject === ""
        )
          failures.push(`${key(route)} as ${role}: audit entry ${JSON.stringify(entry)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(reads).toBeGreaterThan(60);
  });

  it("audits the settlement read by the sending hospital and by the resident it belongs to, as claim.read", async () => {
    const url = `${API}/settlements/${d.a.setlId}`;
    for (const [headers, actor, role] of [
      [signedGet(d.fx, url, HOSPITAL), HOSPITAL, "hospital"],
      [d.headers.get("res1"), "res1", "resident"],
    ] as const) {
      const before = await lastAuditId();
      const res = await app.inject({ method: "GET", url, headers });
      expect(res.statusCode).toBe(200);
      expect(await auditSince(before)).toEqual([
        { actor, role, action: "claim.read", subject: d.a.setlId, program_id: PROGRAM },
      ]);
    }
  });

  it("audits the payout batch list", async () => {
    const before = await lastAuditId();
    const res = await app.inject({
      method: "GET",
      url: `${API}/payout-batches`,
      headers: d.headers.get("ins1"),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().batches.map((b: { batch_id: string }) => b.batch_id)).toContain(d.batchId);
    expect(await auditSince(before)).toEqual([
      { actor: "ins1", role: "co_insurer", action: "payout_batch.list", subject: "*", program_id: PROGRAM },
    ]);
  });

  it("audits reads of personal data over POST (eligibility), once each", async () => {
    for (const k of PERSONAL_POST_READS) expect(routes.map(key)).toContain(k);
    const certno = await d.fx.certnoOf("P001");
    for (const user of ["res1", "op1"]) {
      const before = await lastAuditId();
      const res = await app.inject({
        method: "POST",
        url: `${API}/eligibility`,
        headers: d.headers.get(user),
        payload: { certno },
      });
      expect(res.statusCode).toBe(200);
      const entries = await auditSince(before);
      expect(entries.map((e) => [e.actor, e.action])).toEqual([[user, "roster.eligibility"]]);
    }
  });

  it("does not audit a read that was refused before any data was looked up", async () => {
    const before = await lastAuditId();
    const res = await app.inject({
      method: "GET",
      url: `${API}/payout-batches`,
      headers: d.headers.get("res1"),
    });
    expect(res.statusCode).toBe(403);
    expect(await auditSince(before)).toEqual([]);
  });
});
