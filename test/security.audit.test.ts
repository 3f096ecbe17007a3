/**
 * Issue 10 finding 7: every read of personal data writes exactly one audit entry, whoever reads — staff, the
 * institution that sent a settlement, the resident it belongs to, the public verifying a certificate. The
 * routes come from the server's own route table: every GET route is either in PERSONAL_READS (walked here,
 * as every role it admits) or in NOT_PERSONAL with the reason, so a new read route cannot ship unclassified.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAidFund } from "../src/services/aid/funds.js";
import { matchYearToDate } from "../src/services/aid/match.js";
import { publishAidProgram } from "../src/services/aid/programs.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { issueProgramVouchers, publishCatalog } from "../src/services/health-services.js";
import { addInstitution } from "../src/services/institutions.js";
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
  civil_affairs: "civil1",
};

const isStaff = (role: string) => role === "operator" || role === "admin";

/**
 * GET routes returning personal data — a person's identifiers, names, ID numbers, policies, payments, claims,
 * documents, consents, notifications — or records about identifiable persons (audit entries naming them,
 * payout batches and statements listing their claims). Each maps to the URL a given role reads, with resident
 * A's data: staff name the person where the route asks them to.
 */
/** A health-service provider (institutions.kind 'service'), registered below. */
const PROVIDER = "HC53260100001";
/** Resident A's health-service voucher (set once the catalog is published below). */
let healthVoucher = "";
/** Resident A's pre-filled aid application (set once an aid program is published below). */
let aidApplication = "";
/** An application on a fund of the assistance line (民政 reviews those only). */
let civilApplication = "";

const PERSONAL_READS: Readonly<Record<string, (d: PersonalData, role: string) => string>> = {
  [`GET ${P}/me/health-services`]: () => `${API}/me/health-services`,
  [`GET ${P}/health-services/redemptions`]: () => `${API}/health-services/redemptions`,
  [`GET ${P}/health-services/vouchers/:voucher_code`]: () =>
    `${API}/health-services/vouchers/${healthVoucher}`,
  [`GET ${P}/audit`]: () => `${API}/audit?limit=5`,
  [`GET ${P}/policies`]: () => `${API}/policies?limit=5`,
  [`GET ${P}/policies.xlsx`]: () => `${API}/policies.xlsx?status=active`,
  [`GET ${P}/audit.xlsx`]: () => `${API}/audit.xlsx?action=policy.read`,
  [`GET ${P}/claims`]: (d, role) => `${API}/claims?page_size=5${isStaff(role) ? `&q=${d.a.psnNo}` : ""}`,
  [`GET ${P}/counter-claims.xlsx`]: () => `${API}/counter-claims.xlsx?psn_no=P001`,
  [`GET ${P}/payout-batches.xlsx`]: () => `${API}/payout-batches.xlsx`,
  [`GET ${P}/claims.xlsx`]: (d, role) => `${API}/claims.xlsx${isStaff(role) ? `?q=${d.a.psnNo}` : ""}`,
  [`GET ${P}/enrollments`]: () => `${API}/enrollments?limit=5`,
  [`GET ${P}/enrollments.xlsx`]: () => `${API}/enrollments.xlsx?kind=individual`,
  [`GET ${P}/charity-pools`]: () => `${API}/charity-pools`,
  [`GET ${P}/charity-pools/:pool_id`]: () => `${API}/charity-pools/${POOL}`,
  [`GET ${P}/charity-claims`]: () => `${API}/charity-claims?limit=5`,
  [`GET ${P}/charity-claims.xlsx`]: () => `${API}/charity-claims.xlsx?state=settled`,
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
  [`GET ${P}/claims/timeline`]: (d, role) =>
    `${API}/claims/timeline${isStaff(role) ? `?psn_no=${d.a.psnNo}` : ""}`,
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
  [`GET ${P}/aid-watch/persons`]: () => `${API}/aid-watch/persons`,
  [`GET ${P}/settlements/:setl_id/burden`]: (d) => `${API}/settlements/${d.a.setlId}/burden`,
  [`GET ${P}/me/aid`]: () => `${API}/me/aid`,
  [`GET ${P}/aid-applications`]: () => `${API}/aid-applications`,
  [`GET ${P}/aid-applications.xlsx`]: () => `${API}/aid-applications.xlsx?sort=created_at`,
  [`GET ${P}/aid-applications/:application_id`]: (_d, role) =>
    `${API}/aid-applications/${role === "civil_affairs" ? civilApplication : aidApplication}`,
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
  [`GET ${P}/institutions`]: "registered institutions: codes, names, levels, status (no person's data)",
  [`GET ${P}/institutions.xlsx`]:
    "the institutions list as Excel: codes, names, levels, status (no person's data)",
  [`GET ${P}/progress/:ref`]:
    "an import's row counts and phase, for the account that started it (no person's data)",
  [`GET ${P}/promotions`]:
    "promotion codes: channel names, co-insurers, counties (a code names a channel, never a person)",
  [`GET ${P}/promotions/funnel`]: "funnel counts per channel (aggregates)",
  [`GET ${P}/aid-programs`]: "published aid programs' terms (no person's data)",
  [`GET ${P}/aid-programs/:aid_program_id`]: "one aid program's published terms and versions",
  [`GET ${P}/aid-funds`]: "aid funds: names, sponsors, balances (no person's data)",
  [`GET ${P}/aid-funds/:fund_id/ledger`]:
    "a fund's movements: amounts, references, donors who chose to be named — no beneficiary's data (read audited as aid_fund.read)",
  [`GET ${P}/oversight/summary`]: "aggregates",
  [`GET ${P}/oversight/enrollment`]: "aggregates by county, unit and cohort",
  [`GET ${P}/oversight/trends`]: "aggregates by month",
  [`GET ${P}/oversight/payout-distribution`]: "aggregates by band",
  [`GET ${P}/oversight/settings`]: "the IBNR setting",
  [`GET ${P}/reserve`]: "aggregates: monthly sums of paid claims and the reserve computed from them",
  [`GET ${P}/anti-selection`]:
    "aggregates: counts, sums and ratios per program year (anti-selection monitor)",
  [`GET ${P}/reports/disclosure`]: "the public disclosure report (aggregates)",
  [`GET ${P}/reports/charity`]:
    "慈善信息披露: a fund's quarter — aggregates, donors who chose to be named, recipients as 受助人-01… (audited as report.charity)",
  [`GET ${P}/aid-watch/summary`]: "因病致贫监测: counts by county and cohort, no person",
  [`GET ${P}/aid-watch/settings`]: "因病致贫监测: the local lines and reference incomes (no person's data)",
  [`GET ${P}/claims/turnaround`]: "理赔时效: aggregates by channel, institution and month",
  [`GET ${P}/reports/retrospective`]:
    "精算回溯: aggregates by rate group, the reserve, anonymized large claims (sequential labels), replays",
  [`GET ${P}/roster/imports`]: "import runs: counts, times, file names",
  [`GET ${P}/health-services/catalog`]: "the health-service catalog and its providers (no person's data)",
  [`GET ${P}/health-services/usage`]: "aggregates per service and provider",
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
    // Health services: a provider (kind service) and a catalog it may redeem, and resident A's voucher to check.
    const provider = await addInstitution(d.platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      code: PROVIDER,
      name: "体检中心",
      kind: "service",
    });
    d.fx.secrets.set(PROVIDER, provider.secret);
    await publishCatalog(d.platform.ctx, CLI_ACTOR, PROGRAM, {
      schemaVersion: 1,
      version: 1,
      name: "体检",
      services: [
        { id: "checkup", kind: "health_check", name: "体检", quantityPerYear: 1, providers: [PROVIDER] },
      ],
    });
    await issueProgramVouchers(d.platform.ctx, CLI_ACTOR, PROGRAM);
    const vouchers = await d.platform.ctx.db.query<{ voucher_code: string }>(
      "select voucher_code from health_service_vouchers where program_id = $1 and psn_no = $2",
      [PROGRAM, d.a.psnNo],
    );
    healthVoucher = vouchers[0]?.voucher_code ?? "";
    // Aid: an application-mode program (its fund kept by ch1) pre-fills an application on resident A's claim.
    const ctx = d.platform.ctx;
    await createAidFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "sec-fund",
      name: "测试专户",
      sponsorKind: "charity",
      sponsorName: "测试基金会",
      keeper: "ch1",
    });
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, {
      schemaVersion: 1,
      id: "sec-aid",
      version: 1,
      name: "测试救助",
      sponsor: { kind: "charity", name: "测试基金会" },
      fund: "sec-fund",
      priority: 10,
      period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
      eligibility: {},
      covers: { kind: "residual", after: ["hmb"] },
      benefit: { kind: "fixed", amount: 1 },
      budget: { amount: 1000, whenExhausted: "stop" },
      mode: { kind: "application", documents: [], committee: false },
    });
    await createAidFund(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      fundId: "sec-civil-fund",
      name: "民政专户",
      sponsorKind: "civil_affairs",
      sponsorName: "测试民政局",
    });
    await publishAidProgram(ctx, CLI_ACTOR, PROGRAM, {
      schemaVersion: 1,
      id: "sec-civil-aid",
      version: 1,
      name: "测试民政救助",
      sponsor: { kind: "civil_affairs", name: "测试民政局" },
      fund: "sec-civil-fund",
      priority: 20,
      period: { start: "2023-01-01 00:00:00", end: "2025-01-01 00:00:00" },
      eligibility: {},
      covers: { kind: "residual", after: ["hmb"] },
      benefit: { kind: "fixed", amount: 1 },
      budget: { amount: 1000, whenExhausted: "stop" },
      mode: { kind: "application", documents: [], committee: false },
    });
    // The seed's clock stands before the claims; the sweep is told the day to match up to.
    await matchYearToDate(ctx, CLI_ACTOR, PROGRAM, new Date("2024-08-31T16:00:00Z"));
    const applications = await ctx.db.query<{ application_id: string; aid_program_id: string }>(
      "select application_id, aid_program_id from aid_applications where program_id = $1 and setl_id = $2",
      [PROGRAM, d.a.setlId],
    );
    aidApplication = applications.find((a) => a.aid_program_id === "sec-aid")?.application_id ?? "";
    civilApplication = applications.find((a) => a.aid_program_id === "sec-civil-aid")?.application_id ?? "";
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
        } else if (role === "provider") {
          headers = signedGet(d.fx, url, PROVIDER);
          actor = PROVIDER;
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
