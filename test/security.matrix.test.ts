/**
 * The role × route matrix, resident against resident (issue 10): on every route a resident may call that
 * takes a person's or a record's identifier — psn_no, policy_no, order_no, case_id, setl_id (and their list
 * and payer forms, and consent_id) in the path, the query or the body — resident B is refused resident A's
 * resource, and a refused write changes nothing. The convention (docs/claims.md, services): a resource named
 * by its id in the path answers 404, as if it did not exist, so ids cannot be probed; a psn_no naming someone
 * else in a query or body answers 403 naming the field. Each read is also made by A, who gets 200, so the 404s
 * are about B and not about a wrong id. The routes come from the server's own route table: a new route of
 * this kind without a case here fails the suite.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordFor } from "./support/claims.js";
import {
  API,
  CLAIMS_NOW,
  ENROLLMENT_NOW,
  PDF,
  type PersonalData,
  seedPersonalData,
} from "./support/personal-data.js";
import { BACKENDS } from "./support/platform.js";
import { type CollectedRoute, collectedRoutes } from "./support/routes.js";

vi.mock("fastify", async (importOriginal) =>
  (await import("./support/routes.js")).wrapFastifyModule(importOriginal),
);

const P = "/api/v1/programs/:program_id";

/** Fields that name a person or one of their records. */
const ID_FIELDS = [
  "psn_no",
  "psn_nos",
  "payer_psn_no",
  "policy_no",
  "order_no",
  "case_id",
  "setl_id",
  "setl_ids",
  "consent_id",
];

interface Probe {
  method: "GET" | "POST" | "PUT";
  url: string;
  payload?: unknown;
  contentType?: string;
}

interface Case {
  /** What resident B sends, naming resident A's resource. */
  probe: (d: PersonalData) => Promise<Probe> | Probe;
  /** B's answer (and the error field when the answer names one); a list where either is right. */
  status: 403 | 404 | readonly (400 | 403 | 404 | 409)[];
  field?: string | readonly string[];
  /** A read: A's own request gets 200. */
  ownerReads?: boolean;
  /** Sent inside the enrollment window (else the window, not the ownership check, would refuse it). */
  inEnrollmentWindow?: true;
}

const CASES: Readonly<Record<string, Case | Case[]>> = {
  [`GET ${P}/policies/:policy_no`]: {
    probe: (d) => ({ method: "GET", url: `${API}/policies/${d.a.policyNo}` }),
    status: 404,
    field: "policy_no",
    ownerReads: true,
  },
  [`GET ${P}/policies/:policy_no/certificate.html`]: {
    probe: (d) => ({ method: "GET", url: `${API}/policies/${d.a.policyNo}/certificate.html` }),
    status: 404,
    ownerReads: true,
  },
  [`GET ${P}/policies/:policy_no/certificate.pdf`]: {
    probe: (d) => ({ method: "GET", url: `${API}/policies/${d.a.policyNo}/certificate.pdf` }),
    status: 404,
    ownerReads: true,
  },
  [`GET ${P}/policies/:policy_no/cancel/quote`]: {
    probe: (d) => ({ method: "GET", url: `${API}/policies/${d.a.policyNo}/cancel/quote` }),
    status: 404,
    field: "policy_no",
    ownerReads: true,
  },
  [`POST ${P}/policies/:policy_no/cancel`]: {
    probe: (d) => ({ method: "POST", url: `${API}/policies/${d.a.policyNo}/cancel`, payload: {} }),
    status: 404,
    field: "policy_no",
  },
  [`GET ${P}/payments/:order_no`]: {
    probe: (d) => ({ method: "GET", url: `${API}/payments/${d.a.orderNo}` }),
    status: 404,
    field: "order_no",
    ownerReads: true,
  },
  [`GET ${P}/settlements/:setl_id`]: {
    probe: (d) => ({ method: "GET", url: `${API}/settlements/${d.a.setlId}` }),
    status: 404,
    field: "setl_id",
    ownerReads: true,
  },
  [`GET ${P}/settlements/:setl_id/burden`]: {
    probe: (d) => ({ method: "GET", url: `${API}/settlements/${d.a.setlId}/burden` }),
    status: [403, 404],
    ownerReads: true,
  },
  [`GET ${P}/counter-claims`]: {
    probe: (d) => ({ method: "GET", url: `${API}/counter-claims?psn_no=${d.a.psnNo}` }),
    status: 403,
    field: "psn_no",
  },
  [`GET ${P}/counter-claims/:case_id`]: {
    probe: (d) => ({ method: "GET", url: `${API}/counter-claims/${d.a.caseId}` }),
    status: 404,
    field: "case_id",
    ownerReads: true,
  },
  [`GET ${P}/counter-claims/:case_id/documents/:doc_kind`]: {
    probe: (d) => ({ method: "GET", url: `${API}/counter-claims/${d.a.caseId}/documents/invoice` }),
    status: 404,
    field: "case_id",
    ownerReads: true,
  },
  [`PUT ${P}/counter-claims/:case_id/documents/:doc_kind`]: {
    probe: (d) => ({
      method: "PUT",
      url: `${API}/counter-claims/${d.a.caseId}/documents/appeal`,
      payload: PDF,
      contentType: "application/pdf",
    }),
    status: 404,
    field: "case_id",
  },
  [`POST ${P}/counter-claims/:case_id/appeal`]: {
    probe: (d) => ({
      method: "POST",
      url: `${API}/counter-claims/${d.a.caseId}/appeal`,
      payload: { reason: "不服" },
    }),
    status: 404,
    field: "case_id",
  },
  [`POST ${P}/counter-claims`]: {
    // B files a claim on A's behalf with A's real settlement sheet.
    probe: async (d) => ({
      method: "POST",
      url: `${API}/counter-claims`,
      payload: {
        psn_no: d.a.psnNo,
        record: await recordFor(d.fx, {
          setlId: "S-SEC-B-FOR-A",
          psnNo: d.a.psnNo,
          inScope: 100_000,
          setlTime: "2023-11-02 10:00:00",
        }),
      },
    }),
    status: 403,
    field: "psn_no",
  },
  [`GET ${P}/notifications`]: {
    probe: (d) => ({ method: "GET", url: `${API}/notifications?psn_no=${d.a.psnNo}` }),
    status: 403,
    field: "psn_no",
  },
  [`GET ${P}/consents`]: {
    probe: (d) => ({ method: "GET", url: `${API}/consents?psn_no=${d.a.psnNo}` }),
    status: 403,
    field: "psn_no",
  },
  [`POST ${P}/consents/:consent_id/revoke`]: {
    probe: (d) => ({ method: "POST", url: `${API}/consents/${d.a.consentId}/revoke` }),
    status: 404,
    field: "consent_id",
  },
  [`GET ${P}/online-claims`]: {
    probe: (d) => ({ method: "GET", url: `${API}/online-claims?psn_no=${d.a.psnNo}` }),
    status: 403,
    field: "psn_no",
  },
  [`GET ${P}/claims/timeline`]: {
    probe: (d) => ({ method: "GET", url: `${API}/claims/timeline?psn_no=${d.a.psnNo}` }),
    status: 403,
    field: "psn_no",
  },
  [`POST ${P}/online-claims`]: {
    // A's shared record that A has not claimed yet: B cannot claim it (nor learn that it exists).
    probe: () => ({ method: "POST", url: `${API}/online-claims`, payload: { setl_ids: ["S-SEC-ON2"] } }),
    status: 404,
    field: "setl_ids[0]",
  },
  [`POST ${P}/enrollments`]: [
    {
      // B enrolls A as an individual.
      probe: (d) => ({
        method: "POST",
        url: `${API}/enrollments`,
        payload: { kind: "individual", psn_no: d.a.psnNo, channel: "cash" },
      }),
      status: 403,
      field: ["psn_no", "payer_psn_no"],
      inEnrollmentWindow: true,
    },
    {
      // B enrolls a family with A as the payer.
      probe: (d) => ({
        method: "POST",
        url: `${API}/enrollments`,
        payload: {
          kind: "family",
          payer_psn_no: d.a.psnNo,
          channel: "cash",
          members: [{ psn_no: d.b.psnNo, relation: "spouse" }],
        },
      }),
      status: 403,
      field: "payer_psn_no",
      inEnrollmentWindow: true,
    },
    {
      // B, paying, names A as a family member by psn_no alone (finding 1): a resident adds a member by ID
      // number and name, so a bare psn_no is refused.
      probe: (d) => ({
        method: "POST",
        url: `${API}/enrollments`,
        payload: {
          kind: "family",
          payer_psn_no: d.b.psnNo,
          channel: "cash",
          members: [{ psn_no: d.a.psnNo, relation: "parent" }],
        },
      }),
      status: [400, 403],
      inEnrollmentWindow: true,
    },
  ],
  [`POST ${P}/payments/personal-account/preauth`]: [
    {
      // B pre-authorizes a deduction from A's personal account.
      probe: (d) => ({
        method: "POST",
        url: `${API}/payments/personal-account/preauth`,
        payload: { payer_psn_no: d.a.psnNo, psn_nos: [d.a.psnNo] },
      }),
      status: 403,
      field: "payer_psn_no",
      inEnrollmentWindow: true,
    },
    {
      // B pre-authorizes B's account for A's policy: nothing of A's is B's to pay or to see.
      probe: (d) => ({
        method: "POST",
        url: `${API}/payments/personal-account/preauth`,
        payload: { payer_psn_no: d.b.psnNo, psn_nos: [d.a.psnNo] },
      }),
      status: [403, 404, 409],
      inEnrollmentWindow: true,
    },
  ],
};

const key = (r: CollectedRoute) => `${r.method} ${r.url}`;
const takesAnId = (r: CollectedRoute) =>
  [...r.params, ...r.query, ...r.body].some((f) => ID_FIELDS.includes(f));

/** Bookkeeping tables a refused request may touch (sessions, rate limits, the audit log); the rest must not change. */
const BOOKKEEPING = new Set([
  "audit_log",
  "sessions",
  "login_failures",
  "idempotency_keys",
  "institution_signatures",
]);

describe.each(BACKENDS)("resident against resident on %s", (backend) => {
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

  const send = (user: string, p: Probe): Promise<LightMyRequestResponse> => {
    const body =
      p.payload === undefined
        ? undefined
        : Buffer.isBuffer(p.payload)
          ? p.payload
          : JSON.stringify(p.payload);
    return app.inject({
      method: p.method,
      url: p.url,
      headers: {
        ...d.headers.get(user),
        ...(body === undefined ? {} : { "content-type": p.contentType ?? "application/json" }),
      },
      ...(body === undefined ? {} : { payload: body }),
    });
  };

  /** Every row of every table but the bookkeeping ones, as text: what a refused write must leave alone. */
  const snapshot = async () => {
    const tables = await d.platform.ctx.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    const out: Record<string, string[]> = {};
    for (const { table_name } of tables) {
      if (BOOKKEEPING.has(table_name)) continue;
      const rows = await d.platform.ctx.db.query<{ r: string }>(`select t::text as r from "${table_name}" t`);
      out[table_name] = rows.map((r) => r.r).sort();
    }
    return out;
  };

  it("has a case for every route a resident may call that takes a person's or a record's identifier", () => {
    const residentRoutes = routes.filter((r) => r.roles?.includes("resident") && takesAnId(r)).map(key);
    expect(residentRoutes.length).toBeGreaterThan(15);
    const missing = residentRoutes.filter((k) => CASES[k] === undefined);
    expect(missing, "resident routes taking an identifier without a resident-vs-resident case").toEqual([]);
    const stale = Object.keys(CASES).filter((k) => !residentRoutes.includes(k));
    expect(stale, "cases for routes that no longer exist or no longer admit residents").toEqual([]);
  });

  it("refuses resident B every resource of resident A (404 by id, 403 for a psn_no), changing nothing", async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const [route, entry] of Object.entries(CASES)) {
      for (const c of Array.isArray(entry) ? entry : [entry]) {
        const probe = await c.probe(d);
        d.setNow(c.inEnrollmentWindow === true ? ENROLLMENT_NOW : CLAIMS_NOW);
        const res = await send("res5", probe);
        d.setNow(CLAIMS_NOW);
        const error =
          res.statusCode >= 400 ? (res.json().error as { code: string; field: string | null }) : null;
        const statuses: readonly number[] = Array.isArray(c.status) ? c.status : [c.status];
        const fields = c.field === undefined ? undefined : Array.isArray(c.field) ? c.field : [c.field];
        if (
          !statuses.includes(res.statusCode) ||
          (fields !== undefined && !fields.includes(error?.field ?? ""))
        )
          failures.push(`${route} as B → ${res.statusCode} ${res.body.slice(0, 200)}`);
        // Nothing of A's in the refusal beyond the id B sent.
        if (res.statusCode < 300) continue;
        for (const secret of [await d.fx.certnoOf(d.a.psnNo), "张三"])
          if (res.body.includes(secret)) failures.push(`${route} as B: the refusal shows A's data`);
      }
    }
    expect(failures).toEqual([]);
    const after = await snapshot();
    for (const table of Object.keys(before))
      expect(after[table], `table ${table} changed by a refused request`).toEqual(before[table]);
  });

  it("serves A every resource B was refused (so B's 404 is about B, not a wrong id)", async () => {
    const failures: string[] = [];
    for (const [route, entry] of Object.entries(CASES)) {
      for (const c of Array.isArray(entry) ? entry : [entry]) {
        if (c.ownerReads !== true) continue;
        const res = await send("res1", await c.probe(d));
        if (res.statusCode !== 200)
          failures.push(`${route} as A → ${res.statusCode} ${res.body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("lists only the caller's own records where a resident reads without naming a person", async () => {
    for (const path of ["/counter-claims", "/notifications", "/consents", "/online-claims"]) {
      const mine = await send("res1", { method: "GET", url: `${API}${path}` });
      const theirs = await send("res5", { method: "GET", url: `${API}${path}` });
      expect(mine.statusCode, path).toBe(200);
      expect(theirs.statusCode, path).toBe(200);
      expect(mine.body, path).toContain(d.a.psnNo);
      expect(theirs.body, path).not.toContain(d.a.psnNo);
      for (const id of [d.a.caseId, d.a.setlId, d.a.consentId, d.a.onlineSetlId])
        expect(theirs.body, `${path} as B`).not.toContain(id);
    }
    const me = await send("res5", { method: "GET", url: `${API}/me` });
    expect(me.statusCode).toBe(200);
    expect(me.body).not.toContain(d.a.policyNo);
    expect(me.body).toContain(d.b.policyNo);
  });
});
