/**
 * Counter (manual) claims (issue 4 §3): documents with checksums, the review queue and assignment,
 * approve / adjust / reject, the four-eyes rule, notifications and appeals — on both back ends, with the
 * ledger and every claim invariant checked after each scenario.
 */
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixedClock } from "../src/platform/clock.js";
import { appealCounterClaim } from "../src/services/claims/counter/appeal.js";
import { MAX_DOCUMENT_BYTES } from "../src/services/claims/documents.js";
import { revokeClaim } from "../src/services/claims/settle.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { checkLedger } from "../src/services/ledger.js";
import { createUser } from "../src/services/users.js";
import { person, type RecordSpec } from "./fixtures.js";
import { type ClaimsFixture, postSettlement, recordFor, SETTLE_NOW, setupClaims } from "./support/claims.js";
import { claimProblems } from "./support/claims-invariants.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const Y = (yuan: number) => yuan * 100;
const BASE = `/api/v1/programs/${PROGRAM}`;

const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const PDF_2 = Buffer.from("%PDF-1.4\n% a second scan of the sheet\n%%EOF\n");
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("IHDR…"),
]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF…")]);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Extra logins for this suite: two more operators and residents for P003, P004, P006. */
const EXTRA_USERS = [
  { username: "op2", role: "operator", password: "op2-pass-12" },
  { username: "op3", role: "operator", password: "op3-pass-12" },
  { username: "res3", role: "resident", password: "r3-pass-12", psnNo: "P003" },
  { username: "res4", role: "resident", password: "r4-pass-12", psnNo: "P004" },
  { username: "res6", role: "resident", password: "r6-pass-12", psnNo: "P006" },
] as const;

describe.each(BACKENDS)("counter claims on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();
  const h = (user: string) => as.get(user) as Record<string, string>;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, {
      insured: ["P001", "P002", "P003", "P004", "P005", "P006", "P007"],
    });
    for (const u of EXTRA_USERS) {
      await createUser(platform.ctx, CLI_ACTOR, {
        programId: PROGRAM,
        username: u.username,
        role: u.role,
        password: u.password,
        psnNo: "psnNo" in u ? u.psnNo : undefined,
      });
      const res = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { program_id: PROGRAM, username: u.username, password: u.password },
      });
      as.set(u.username, { authorization: `Bearer ${res.json().token as string}` });
    }
    for (const u of ["admin", "op1", "res1", "res5", "bureau1"]) as.set(u, await authHeaders(app, u));
    platform.clock.set(SETTLE_NOW); // residents file stays of the coverage year after them
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    const ledger = await checkLedger(platform.ctx.db, PROGRAM);
    expect(ledger.problems).toEqual([]);
    expect((await claimProblems(platform.ctx.db, PROGRAM)).problems).toEqual([]);
  });

  const submit = async (
    user: string,
    spec: RecordSpec & { psnNo: string },
    extra: Record<string, unknown> = {},
  ) =>
    app.inject({
      method: "POST",
      url: `${BASE}/counter-claims`,
      headers: h(user),
      payload: { psn_no: spec.psnNo, record: await recordFor(fx, spec), ...extra },
    });
  const putDoc = (user: string, caseId: string, kind: string, body: Buffer | string, type: string) =>
    app.inject({
      method: "PUT",
      url: `${BASE}/counter-claims/${caseId}/documents/${kind}`,
      headers: { ...h(user), "content-type": type },
      payload: body,
    });
  const getDoc = (user: string, caseId: string, kind: string) =>
    app.inject({
      method: "GET",
      url: `${BASE}/counter-claims/${caseId}/documents/${kind}`,
      headers: h(user),
    });
  const withDocs = async (caseId: string) => {
    expect((await putDoc("op1", caseId, "invoice", PDF, "application/pdf")).statusCode).toBe(201);
    expect((await putDoc("op1", caseId, "settlement_sheet", JPEG, "image/jpeg")).statusCode).toBe(201);
  };
  const post = (user: string, caseId: string, action: string, payload: Record<string, unknown>) =>
    app.inject({
      method: "POST",
      url: `${BASE}/counter-claims/${caseId}/${action}`,
      headers: h(user),
      payload,
    });
  const decide = (user: string, caseId: string, payload: Record<string, unknown>) =>
    post(user, caseId, "decision", payload);
  const getCase = (user: string, caseId: string) =>
    app.inject({ method: "GET", url: `${BASE}/counter-claims/${caseId}`, headers: h(user) });
  const notifications = async (user: string, caseId: string) => {
    const res = await app.inject({
      method: "GET",
      url: `${BASE}/notifications?subject=${caseId}`,
      headers: h(user),
    });
    expect(res.statusCode).toBe(200);
    return (
      res.json().notifications as { kind: string; body: string; data: Record<string, unknown> }[]
    ).reverse();
  };
  const residentPayable = async (setlId: string) => {
    const rows = await platform.ctx.db.query<{
      kind: string;
      amount_fen: number;
      credit_account: string;
      debit_account: string;
    }>(
      "select kind, amount_fen, credit_account, debit_account from ledger_transfers where program_id = $1 and ref = $2",
      [PROGRAM, setlId],
    );
    return rows.reduce(
      (net, r) =>
        net +
        (r.credit_account === "liability:claims_payable_resident" ? 1 : 0) * Number(r.amount_fen) -
        (r.debit_account === "liability:claims_payable_resident" ? 1 : 0) * Number(r.amount_fen),
      0,
    );
  };
  const claimRows = (setlId: string) =>
    platform.ctx.db.query<{ kind: string; payee: string; hmb_pay_fen: number; state: string }>(
      "select kind, payee, hmb_pay_fen, state from claims where program_id = $1 and setl_id = $2",
      [PROGRAM, setlId],
    );
  /** What the pure engine pays for a person's stays in order (no history, first claims of the year). */
  const engine = (...specs: RecordSpec[]) => {
    const p = person("wenshan-2023");
    return specs.map((s) => p.run(s).hmbPay);
  };

  let case1 = "";

  it("opens a case with a preview that commits nothing, idempotent per record; refuses bad input naming the field", async () => {
    const res = await submit(
      "res1",
      { setlId: "CC-1", psnNo: "P001", inScope: Y(20_000) },
      { note: "纸质结算单" },
    );
    expect(res.statusCode).toBe(201);
    const body = res.json();
    case1 = body.case_id;
    expect(case1).toMatch(/^cc-[0-9a-f]{16}$/);
    expect(body).toMatchObject({
      setl_id: "CC-1",
      psn_no: "P001",
      status: "submitted",
      payout: null,
      preview: { status: "paid", hmb_pay: "6400.00", psn_part_amt: "20000.00" },
    });
    expect(body.review).toBeUndefined(); // who reviews is staff-only
    expect(body.record.certno).toBeUndefined();
    expect(await claimRows("CC-1")).toHaveLength(0);
    expect(
      await platform.ctx.db.query("select 1 from policy_accumulators where program_id = $1", [PROGRAM]),
    ).toHaveLength(0);

    const again = await submit("res1", { setlId: "CC-1", psnNo: "P001", inScope: Y(20_000) });
    expect(again.statusCode).toBe(200);
    expect(again.json().case_id).toBe(case1);
    const changed = await submit("res1", { setlId: "CC-1", psnNo: "P001", inScope: Y(21_000) });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error).toMatchObject({ code: "setl_id_conflict", field: "setl_id" });

    const count = async () =>
      (await platform.ctx.db.query("select 1 from counter_claims where program_id = $1", [PROGRAM])).length;
    const before = await count();
    const rec = await recordFor(fx, { setlId: "CC-BAD", psnNo: "P001", inScope: Y(100) });
    const bad: [Record<string, unknown>, number, string][] = [
      [{ psn_no: "P001", record: { ...rec, psn_part_amt: "-1.00" } }, 400, "record.psn_part_amt"],
      [{ psn_no: "P001", record: { ...rec, certno: await fx.certnoOf("P003") } }, 400, "record.certno"],
      [{ psn_no: "P001", record: { ...rec, psn_no: "P003" } }, 400, "record.psn_no"],
      [{ psn_no: "P001" }, 400, "record"],
      // Refused by the request-wide check (api/input-guard), which names the field itself.
      [{ psn_no: "P001", record: { ...rec, remark: "a\u0000b" } }, 400, "record.remark"],
      [{ psn_no: "P001", record: rec, note: "x".repeat(501) }, 400, "note"],
    ];
    for (const [payload, status, field] of bad) {
      const r = await app.inject({
        method: "POST",
        url: `${BASE}/counter-claims`,
        headers: h("res1"),
        payload,
      });
      expect(r.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(status);
      expect(r.json().error.field).toBe(field);
    }
    const forOther = await app.inject({
      method: "POST",
      url: `${BASE}/counter-claims`,
      headers: h("res1"),
      payload: {
        psn_no: "P003",
        record: await recordFor(fx, { setlId: "CC-BAD", psnNo: "P003", inScope: Y(100) }),
      },
    });
    expect(forOther.statusCode).toBe(403);
    expect(await count()).toBe(before);
    expect(
      await platform.ctx.db.query("select 1 from medical_records where setl_id = 'CC-BAD'"),
    ).toHaveLength(0);

    // A record the hospital already settled one-stop cannot be claimed again at the counter.
    expect(
      (
        await postSettlement(
          app,
          fx,
          await recordFor(fx, { setlId: "CC-OS", psnNo: "P002", inScope: Y(13_000) }),
        )
      ).statusCode,
    ).toBe(200);
    const dup = await submit("op1", { setlId: "CC-OS", psnNo: "P002", inScope: Y(13_000) });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe("already_settled");
  });

  it("stores documents with their SHA-256, verifies it on download, refuses wrong types (415) and oversize (413)", async () => {
    const up = await putDoc("res1", case1, "invoice", PDF, "application/pdf");
    expect(up.statusCode).toBe(201);
    expect(up.json()).toMatchObject({
      case_id: case1,
      doc_kind: "invoice",
      content_type: "application/pdf",
      size: PDF.length,
      sha256: sha256(PDF),
      outcome: "stored",
    });
    const same = await putDoc("res1", case1, "invoice", PDF, "application/pdf");
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ outcome: "same", sha256: sha256(PDF) });

    const mine = await getDoc("res1", case1, "invoice");
    expect(mine.statusCode).toBe(200);
    expect(mine.headers["content-type"]).toBe("application/pdf");
    expect(mine.headers["x-checksum-sha256"]).toBe(sha256(PDF));
    expect(sha256(mine.rawPayload)).toBe(sha256(PDF));
    const staff = await getDoc("op1", case1, "invoice");
    expect(staff.rawPayload.equals(PDF)).toBe(true);
    const audited = await platform.ctx.db.query(
      "select 1 from audit_log where program_id = $1 and actor = 'op1' and action = 'counter_claim.document.read' and subject = $2",
      [PROGRAM, case1],
    );
    expect(audited).toHaveLength(1);
    expect((await getDoc("res5", case1, "invoice")).statusCode).toBe(404);
    expect((await getDoc("res1", case1, "settlement_sheet")).statusCode).toBe(404);

    const refused: [Buffer | string, string, number, string][] = [
      ["plain text", "text/plain", 415, "unsupported_media_type"],
      ['{"a":1}', "application/json", 415, "unsupported_media_type"],
      [PNG, "application/pdf", 415, "content_type_mismatch"],
      [Buffer.concat([PDF, Buffer.alloc(MAX_DOCUMENT_BYTES)]), "application/pdf", 413, "payload_too_large"],
    ];
    for (const [body, type, status, code] of refused) {
      const r = await putDoc("res1", case1, "settlement_sheet", body, type);
      expect(r.statusCode, `${type} ${code}`).toBe(status);
      expect(r.json().error.code).toBe(code);
    }
    const untyped = await app.inject({
      method: "PUT",
      url: `${BASE}/counter-claims/${case1}/documents/settlement_sheet`,
      headers: h("res1"),
      payload: PDF,
    });
    expect(untyped.statusCode).toBe(415);
    expect((await getDoc("res1", case1, "settlement_sheet")).statusCode).toBe(404);

    // A replaced scan before review is kept as the new version; a stored document whose bytes no longer
    // match their checksum is never served.
    expect((await putDoc("res1", case1, "other", PNG, "image/png")).statusCode).toBe(201);
    const replaced = await putDoc("res1", case1, "other", PDF_2, "application/pdf");
    expect(replaced.json()).toMatchObject({ outcome: "replaced", sha256: sha256(PDF_2) });
    await platform.ctx.db.query(
      "update counter_claim_documents set content = $3 where program_id = $1 and case_id = $2 and doc_kind = 'other'",
      [PROGRAM, case1, Buffer.from("%PDF-1.4\n% tampered\n%%EOF\n")],
    );
    const tampered = await getDoc("op1", case1, "other");
    expect(tampered.statusCode).toBe(500);
    expect(tampered.body).not.toContain("tampered");
    await platform.ctx.db.query(
      "update counter_claim_documents set content = $3 where program_id = $1 and case_id = $2 and doc_kind = 'other'",
      [PROGRAM, case1, PDF_2],
    );
    expect((await getDoc("op1", case1, "other")).statusCode).toBe(200);
  });

  it("queue and assignment: staff see the queue, residents only their own; assign to self or a named operator", async () => {
    await submit("res3", { setlId: "CC-3", psnNo: "P003", inScope: Y(30_000) });
    const queue = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims?status=submitted`,
      headers: h("op1"),
    });
    expect(queue.statusCode).toBe(200);
    const ids = queue.json().cases.map((c: { case_id: string }) => c.case_id);
    expect(ids).toContain(case1);
    expect(queue.json().cases.every((c: { status: string }) => c.status === "submitted")).toBe(true);
    const own = await app.inject({ method: "GET", url: `${BASE}/counter-claims`, headers: h("res1") });
    expect(own.json().cases.length).toBeGreaterThan(0);
    expect(own.json().cases.every((c: { psn_no: string }) => c.psn_no === "P001")).toBe(true);
    expect(own.json().cases[0].assignee).toBeUndefined();
    expect(
      (await app.inject({ method: "GET", url: `${BASE}/counter-claims?psn_no=P003`, headers: h("res1") }))
        .statusCode,
    ).toBe(403);
    expect((await getCase("res5", case1)).statusCode).toBe(404);
    expect(
      (await app.inject({ method: "GET", url: `${BASE}/counter-claims`, headers: h("bureau1") })).statusCode,
    ).toBe(403);

    const self = await post("op1", case1, "assign", {});
    expect(self.statusCode).toBe(200);
    expect(self.json()).toMatchObject({ status: "in_review", review: { assignee: "op1" } });
    const toOp2 = await post("op1", case1, "assign", { assignee: "op2" });
    expect(toOp2.json().review.assignee).toBe("op2");
    const queued = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims?assignee=op2`,
      headers: h("op2"),
    });
    expect(queued.json().cases.map((c: { case_id: string }) => c.case_id)).toEqual([case1]);
    const notMine = await decide("op1", case1, { decision: "approve" });
    expect(notMine.statusCode).toBe(409);
    expect(notMine.json().error.code).toBe("assigned_to_other");
    const unknown = await post("op1", case1, "assign", { assignee: "res1" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe("assignee");
    expect((await post("res1", case1, "assign", {})).statusCode).toBe(403);
    expect((await post("op1", case1, "assign", {})).json().review.assignee).toBe("op1");
  });

  it("approve: needs the invoice and the sheet, pays the resident exactly what the engine computes, once", async () => {
    expect((await decide("res1", case1, { decision: "approve" })).statusCode).toBe(403);
    const early = await decide("op1", case1, { decision: "approve" });
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({ code: "documents_missing", field: "documents" });
    // The operator scans the sheet at the counter.
    expect((await putDoc("op1", case1, "settlement_sheet", JPEG, "image/jpeg")).statusCode).toBe(201);
    const res = await decide("op1", case1, { decision: "approve", reason: "单据齐全" });
    expect(res.statusCode).toBe(200);
    const [expected] = engine({ setlId: "CC-1", inScope: Y(20_000) });
    expect(expected).toBe(Y(6_400));
    expect(res.json()).toMatchObject({
      status: "approved",
      decision: { decision: "approve", reason: "单据齐全" },
      payout: { setl_id: "CC-1", status: "paid", hmb_pay: "6400.00", state: "settled" },
    });
    const [claim] = await claimRows("CC-1");
    expect(claim).toMatchObject({ kind: "counter", payee: "resident", state: "settled" });
    expect(Number(claim?.hmb_pay_fen)).toBe(expected);
    expect(await residentPayable("CC-1")).toBe(expected);

    const twice = await decide("op1", case1, { decision: "approve" });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe("invalid_state");
    expect(await residentPayable("CC-1")).toBe(expected);
    // Evidence is frozen after the decision; the same bytes again are still fine.
    expect((await putDoc("res1", case1, "invoice", PDF_2, "application/pdf")).statusCode).toBe(409);
    expect((await putDoc("res1", case1, "invoice", PDF, "application/pdf")).statusCode).toBe(200);
    // An approved case cannot be appealed.
    expect((await post("res1", case1, "appeal", { reason: "再议" })).json().error.code).toBe(
      "not_appealable",
    );

    const kinds = (await notifications("res1", case1)).map((n) => n.kind);
    expect(kinds).toEqual(["counter_claim.submitted", "counter_claim.in_review", "counter_claim.approved"]);
    expect((await notifications("res1", case1)).at(-1)?.data).toMatchObject({ hmb_pay: "6400.00" });
    const trail = (await getCase("res1", case1)).json().events.map((e: { event: string }) => e.event);
    expect(trail).toEqual(
      expect.arrayContaining([
        "counter_submitted",
        "counter_document",
        "counter_assigned",
        "counter_approved",
        "settled",
      ]),
    );
  });

  it("adjust: pays the corrected record (disallowed items removed) and keeps both; never more than submitted", async () => {
    const caseId = (
      await app.inject({ method: "GET", url: `${BASE}/counter-claims?psn_no=P003`, headers: h("op1") })
    ).json().cases[0].case_id as string;
    await withDocs(caseId);
    const corrected = await recordFor(fx, { setlId: "CC-3", psnNo: "P003", inScope: Y(25_000) });
    const patch = { medfee_sumamt: corrected.medfee_sumamt, psn_part_amt: corrected.psn_part_amt };
    const noReason = await decide("op2", caseId, { decision: "adjust", record: patch });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.field).toBe("reason");
    const bigger = await recordFor(fx, { setlId: "CC-3", psnNo: "P003", inScope: Y(31_000) });
    const tooMuch = await decide("op2", caseId, {
      decision: "adjust",
      reason: "x",
      record: { medfee_sumamt: bigger.medfee_sumamt, psn_part_amt: bigger.psn_part_amt },
    });
    expect(tooMuch.json().error).toMatchObject({
      code: "adjust_exceeds_submitted",
      field: "record.psn_part_amt",
    });
    const otherId = await decide("op2", caseId, {
      decision: "adjust",
      reason: "x",
      record: { ...patch, setl_id: "CC-X" },
    });
    expect(otherId.json().error.field).toBe("record.setl_id");
    const inconsistent = await decide("op2", caseId, {
      decision: "adjust",
      reason: "x",
      record: { psn_part_amt: corrected.psn_part_amt },
    });
    expect(inconsistent.json().error.field).toBe("record.psn_part_amt");
    expect(await claimRows("CC-3")).toHaveLength(0);

    const res = await decide("op2", caseId, {
      decision: "adjust",
      reason: "剔除不合规发票 5000.00 元",
      record: patch,
    });
    expect(res.statusCode).toBe(200);
    const [submittedPay] = engine({ setlId: "CC-3", inScope: Y(30_000) });
    const [correctedPay] = engine({ setlId: "CC-3", inScope: Y(25_000) });
    expect([submittedPay, correctedPay]).toEqual([Y(14_400), Y(10_400)]);
    expect(res.json()).toMatchObject({
      status: "adjusted",
      record: { psn_part_amt: "30000.00" },
      adjusted_record: { psn_part_amt: "25000.00" },
      payout: { setl_id: "CC-3", hmb_pay: "10400.00" },
    });
    expect(res.json().adjusted_record.certno).toBeUndefined();
    expect(await residentPayable("CC-3")).toBe(correctedPay);
    const last = (await notifications("res3", caseId)).at(-1);
    expect(last).toMatchObject({ kind: "counter_claim.adjusted", data: { hmb_pay: "10400.00" } });
    expect(last?.body).toContain("剔除不合规发票");
  });

  let case4 = "";

  it("reject: needs a reason, pays nothing, tells the resident; an appeal is heard by someone else and can pay", async () => {
    case4 = (await submit("res4", { setlId: "CC-4", psnNo: "P004", inScope: Y(15_000) })).json().case_id;
    expect((await decide("op1", case4, { decision: "reject" })).json().error).toMatchObject({
      field: "reason",
    });
    expect((await decide("op1", case4, { decision: "reject", reason: "   " })).statusCode).toBe(400);
    const rejected = await decide("op1", case4, { decision: "reject", reason: "缺少发票" });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({
      status: "rejected",
      decision: { decision: "reject", reason: "缺少发票" },
      payout: null,
    });
    expect(rejected.json().appeal_until).toBe(
      new Date(Date.parse(SETTLE_NOW) + 60 * 86_400_000).toISOString(),
    );
    expect(await claimRows("CC-4")).toHaveLength(0);
    expect(await residentPayable("CC-4")).toBe(0);

    // Past the window: refused (the business clock moved 61 days on).
    const later = { ...platform.ctx, clock: fixedClock(new Date(Date.parse(SETTLE_NOW) + 61 * 86_400_000)) };
    const res4 = { id: "res4", role: "resident" as const, programId: PROGRAM, psnNo: "P004" };
    await expect(appealCounterClaim(later, res4, PROGRAM, case4, "补交发票")).rejects.toMatchObject({
      code: "appeal_window_closed",
    });
    expect((await post("res5", case4, "appeal", { reason: "x" })).statusCode).toBe(404);
    expect((await post("res4", case4, "appeal", { reason: "" })).json().error.field).toBe("reason");

    const appealed = await post("res4", case4, "appeal", { reason: "补交发票" });
    expect(appealed.statusCode).toBe(200);
    expect(appealed.json()).toMatchObject({
      status: "appealed",
      appeal: { reason: "补交发票", from: "rejected" },
    });
    expect((await post("res4", case4, "appeal", { reason: "再次" })).json().error.code).toBe("appeal_used");
    expect((await putDoc("res4", case4, "appeal", PNG, "image/png")).statusCode).toBe(201);
    await withDocs(case4);
    // The operator who rejected may neither take nor decide the appeal.
    expect((await post("op2", case4, "assign", { assignee: "op1" })).json().error.code).toBe(
      "appeal_same_operator",
    );
    const same = await decide("op1", case4, { decision: "approve" });
    expect(same.statusCode).toBe(403);
    expect(same.json().error.code).toBe("appeal_same_operator");
    const granted = await decide("op2", case4, { decision: "approve", reason: "发票已补交" });
    expect(granted.statusCode).toBe(200);
    const [expected] = engine({ setlId: "CC-4", inScope: Y(15_000) });
    expect(granted.json()).toMatchObject({
      status: "approved",
      appeal: { outcome: "granted", decision_reason: "发票已补交" },
      payout: { setl_id: "CC-4", hmb_pay: "2400.00" },
      review: { decided_by: "op2", appeal_excluded: ["op1"] },
    });
    expect(await residentPayable("CC-4")).toBe(expected);
    expect((await notifications("res4", case4)).map((n) => n.kind)).toEqual([
      "counter_claim.submitted",
      "counter_claim.rejected",
      "counter_claim.appealed",
      "counter_claim.appeal_granted",
    ]);
  });

  it("four eyes: above the threshold one operator only proposes, the same one cannot countersign, another settles; below it one approval pays", async () => {
    const admin = h("admin");
    expect(
      (
        await app.inject({
          method: "PUT",
          url: `${BASE}/counter-claims/settings`,
          headers: h("op1"),
          payload: { four_eyes_threshold: "1.00" },
        })
      ).statusCode,
    ).toBe(403);
    const badAmount = await app.inject({
      method: "PUT",
      url: `${BASE}/counter-claims/settings`,
      headers: admin,
      payload: { four_eyes_threshold: "1.001" },
    });
    expect(badAmount.json().error.field).toBe("four_eyes_threshold");
    const set = await app.inject({
      method: "PUT",
      url: `${BASE}/counter-claims/settings`,
      headers: admin,
      payload: { four_eyes_threshold: "5000.00" },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      four_eyes_threshold: "5000.00",
      appeal_window_days: 60,
      updated_by: "admin",
    });
    try {
      const big = (await submit("res5", { setlId: "CC-5", psnNo: "P005", inScope: Y(20_000) })).json()
        .case_id as string;
      await withDocs(big);
      const first = await decide("op1", big, { decision: "approve" });
      expect(first.statusCode).toBe(200);
      expect(first.json()).toMatchObject({
        status: "pending_second_approval",
        pending: { decision: "approve", hmb_pay: "6400.00" },
        payout: null,
      });
      expect(await claimRows("CC-5")).toHaveLength(0);
      expect(await residentPayable("CC-5")).toBe(0);
      const again = await decide("op1", big, { decision: "approve" });
      expect(again.statusCode).toBe(403);
      expect(again.json().error.code).toBe("four_eyes_same_operator");
      expect((await putDoc("op1", big, "invoice", PDF_2, "application/pdf")).statusCode).toBe(409);
      const second = await decide("op2", big, { decision: "approve" });
      expect(second.statusCode).toBe(200);
      expect(second.json()).toMatchObject({
        status: "approved",
        pending: null,
        payout: { hmb_pay: "6400.00" },
        review: { decided_by: "op1", second_approver: "op2" },
      });
      expect(await residentPayable("CC-5")).toBe(Y(6_400));
      expect((await notifications("res5", big)).map((n) => n.kind)).toEqual([
        "counter_claim.submitted",
        "counter_claim.pending_second_approval",
        "counter_claim.approved",
      ]);

      // The second stay finds the deductible used: 800.00 ≤ 5000.00, one approval settles.
      const small = (
        await submit("op1", {
          setlId: "CC-6",
          psnNo: "P005",
          inScope: Y(1_000),
          setlTime: "2023-11-01 10:00:00",
        })
      ).json();
      expect(small.preview.hmb_pay).toBe("800.00");
      await withDocs(small.case_id);
      const one = await decide("op1", small.case_id, { decision: "approve" });
      expect(one.json()).toMatchObject({ status: "approved", payout: { hmb_pay: "800.00" } });
      expect(await residentPayable("CC-6")).toBe(Y(800));
      expect(
        engine(
          { setlId: "CC-5", inScope: Y(20_000) },
          { setlId: "CC-6", inScope: Y(1_000), setlTime: "2023-11-01 10:00:00" },
        ),
      ).toEqual([Y(6_400), Y(800)]);
    } finally {
      await app.inject({
        method: "PUT",
        url: `${BASE}/counter-claims/settings`,
        headers: admin,
        payload: { four_eyes_threshold: "50000.00" },
      });
    }
  });

  it("appeal of an adjusted case: the paid adjustment is revoked and the appeal's record settles under setl_id-A1", async () => {
    const caseId = (await submit("res6", { setlId: "CC-7", psnNo: "P006", inScope: Y(40_000) })).json()
      .case_id as string;
    await withDocs(caseId);
    const cut = await recordFor(fx, { setlId: "CC-7", psnNo: "P006", inScope: Y(30_000) });
    const adjusted = await decide("op1", caseId, {
      decision: "adjust",
      reason: "部分发票不合规",
      record: { medfee_sumamt: cut.medfee_sumamt, psn_part_amt: cut.psn_part_amt },
    });
    expect(adjusted.json()).toMatchObject({
      status: "adjusted",
      payout: { setl_id: "CC-7", hmb_pay: "14400.00" },
    });
    expect((await post("res6", caseId, "appeal", { reason: "发票均为合规票据" })).statusCode).toBe(200);
    // The evidence the adjustment was decided on stays as it was; the appeal brings its own.
    expect((await putDoc("res6", caseId, "invoice", PDF_2, "application/pdf")).json().error.code).toBe(
      "document_locked",
    );
    expect((await putDoc("res6", caseId, "appeal", PDF_2, "application/pdf")).statusCode).toBe(201);
    // Heard by op2: a "grant" that would pay less than the adjustment is refused, the full record pays more.
    const lower = await recordFor(fx, { setlId: "CC-7", psnNo: "P006", inScope: Y(20_000) });
    const worse = await decide("op2", caseId, {
      decision: "adjust",
      reason: "x",
      record: { medfee_sumamt: lower.medfee_sumamt, psn_part_amt: lower.psn_part_amt },
    });
    expect(worse.json().error.code).toBe("appeal_not_in_favour");
    expect((await decide("op1", caseId, { decision: "approve" })).json().error.code).toBe(
      "appeal_same_operator",
    );
    const granted = await decide("op2", caseId, { decision: "approve", reason: "复核发票合规" });
    expect(granted.statusCode).toBe(200);
    const [full] = engine({ setlId: "CC-7", inScope: Y(40_000) });
    expect(full).toBe(Y(22_400));
    expect(granted.json()).toMatchObject({
      status: "approved",
      appeal: { outcome: "granted" },
      payout: { setl_id: "CC-7-A1", hmb_pay: "22400.00", state: "settled" },
    });
    expect(granted.json().claims).toEqual([
      { setl_id: "CC-7", status: "paid", hmb_pay: "14400.00", state: "revoked" },
      { setl_id: "CC-7-A1", status: "paid", hmb_pay: "22400.00", state: "settled" },
    ]);
    // The resident is owed the full amount once; the accumulators hold only the re-settled claim.
    expect((await residentPayable("CC-7")) + (await residentPayable("CC-7-A1"))).toBe(full);
    const acc = await platform.ctx.db.query<{ state: { paidTotal: number } }>(
      `select a.state from policy_accumulators a join policies p on p.program_id = a.program_id and p.policy_no = a.policy_no
        where a.program_id = $1 and p.psn_no = 'P006'`,
      [PROGRAM],
    );
    expect(acc[0]?.state.paidTotal).toBe(full);
    const stored = await platform.ctx.db.query<{ source: string; record: Record<string, unknown> }>(
      "select source, record from medical_records where program_id = $1 and setl_id = 'CC-7-A1'",
      [PROGRAM],
    );
    expect(stored[0]).toMatchObject({ source: "counter", record: { psn_part_amt: "40000.00" } });
    expect(stored[0]?.record.certno).toBeUndefined();
    expect((await notifications("res6", caseId)).map((n) => n.kind)).toEqual([
      "counter_claim.submitted",
      "counter_claim.adjusted",
      "counter_claim.appealed",
      "counter_claim.appeal_granted",
    ]);
  });

  it("a re-settlement interrupted after the revocation is finished by the next decision call", async () => {
    const caseId = (await submit("op1", { setlId: "CC-9", psnNo: "P007", inScope: Y(40_000) })).json()
      .case_id as string;
    await withDocs(caseId);
    const cut = await recordFor(fx, { setlId: "CC-9", psnNo: "P007", inScope: Y(30_000) });
    const patch = { medfee_sumamt: cut.medfee_sumamt, psn_part_amt: cut.psn_part_amt };
    expect(
      (await decide("op1", caseId, { decision: "adjust", reason: "调减", record: patch })).statusCode,
    ).toBe(200);
    await post("op1", caseId, "appeal", { reason: "代为申诉" });
    // What decideCounterClaim commits before revoking, then the revocation, then a crash.
    const row = (
      await platform.ctx.db.query<{ record: unknown }>(
        "select record from counter_claims where program_id = $1 and case_id = $2",
        [PROGRAM, caseId],
      )
    )[0];
    await platform.ctx.db.query(
      `update counter_claims set status = 'resettling', pending_decision = 'approve', pending_record = $3,
         pending_reason = '复核成立', pending_by = 'op2', version = version + 1
       where program_id = $1 and case_id = $2`,
      [PROGRAM, caseId, JSON.stringify(row?.record)],
    );
    await revokeClaim(
      platform.ctx,
      { id: "op2", role: "operator", programId: PROGRAM },
      PROGRAM,
      "CC-9",
      "申诉改判",
    );
    expect((await claimProblems(platform.ctx.db, PROGRAM)).problems).toEqual([]);
    expect((await getCase("op3", caseId)).json()).toMatchObject({
      status: "resettling",
      payout: { state: "revoked" },
    });

    const finished = await decide("op3", caseId, { decision: "approve" });
    expect(finished.statusCode).toBe(200);
    expect(finished.json()).toMatchObject({
      status: "approved",
      payout: { setl_id: "CC-9-A1", hmb_pay: "22400.00", state: "settled" },
      review: { decided_by: "op2" },
    });
    expect((await residentPayable("CC-9")) + (await residentPayable("CC-9-A1"))).toBe(Y(22_400));
  });

  it("an appeal can also be dismissed: the decision under appeal stands, nothing moves", async () => {
    const caseId = (
      await submit("op1", {
        setlId: "CC-8",
        psnNo: "P002",
        inScope: Y(5_000),
        setlTime: "2023-12-01 10:00:00",
      })
    ).json().case_id as string;
    await decide("op1", caseId, { decision: "reject", reason: "非住院费用" });
    await post("op1", caseId, "appeal", { reason: "代参保人申诉" });
    const dismissed = await decide("op3", caseId, { decision: "reject", reason: "确为门诊费用" });
    expect(dismissed.json()).toMatchObject({
      status: "rejected",
      appeal: { outcome: "dismissed", decision_reason: "确为门诊费用" },
      payout: null,
    });
    expect(await claimRows("CC-8")).toHaveLength(0);
    const n = await app.inject({
      method: "GET",
      url: `${BASE}/notifications?psn_no=P002&subject=${caseId}`,
      headers: h("op1"),
    });
    expect(n.json().notifications.map((x: { kind: string }) => x.kind)).toEqual([
      "counter_claim.appeal_dismissed",
      "counter_claim.appealed",
      "counter_claim.rejected",
      "counter_claim.submitted",
    ]);
    expect(
      (await app.inject({ method: "GET", url: `${BASE}/notifications?psn_no=P002`, headers: h("res1") }))
        .statusCode,
    ).toBe(403);
  });

  it("keeps no plaintext ID number or name in cases, documents' rows or notifications", async () => {
    const certnos = await Promise.all(["P001", "P003", "P004", "P005", "P006"].map((p) => fx.certnoOf(p)));
    const rows = await platform.ctx.db.query<{ t: string }>(
      `select c::text as t from counter_claims c union all select n::text from notifications n
        union all select d.case_id || d.sha256 from counter_claim_documents d`,
    );
    const dump = rows.map((r) => r.t).join("\n");
    expect(dump.length).toBeGreaterThan(100);
    for (const c of certnos) expect(dump).not.toContain(c);
    expect(dump).not.toContain("测试"); // the psn_name the record builder writes
  });
});
