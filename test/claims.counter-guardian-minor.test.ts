/**
 * Issue 14: a parent claims for a 4-year-old they did not pay for (enrolled by a unit, 单位团体投保) by declaring
 * guardianship — the child's ID number checked against the roster, the 监护关系证明 attached — and the case
 * records the standing "declared guardian, to be verified" (audited) until a reviewer confirms the proof on
 * approval. A wrong ID number is refused without telling whether the person exists; adults stay refused.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_ACTOR } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { type ClaimsFixture, recordFor, SETTLE_NOW, setupClaims } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const Y = (yuan: number) => yuan * 100;
const BASE = `/api/v1/programs/${PROGRAM}`;
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF 户口簿")]);
/** A well-formed ID number no roster person holds (check digit valid). */
const STRANGER_CERTNO = "11010119900307803X";

describe.each(BACKENDS)("a declared guardian claims for a unit-enrolled minor on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    // P001 (张三, res1) insured on their own; P009 (张小宝, 4 at SETTLE_NOW) and the adult P006 enrolled by
    // unit U1: nobody in the family paid for them.
    fx = await setupClaims(platform.ctx, {
      insured: ["P001"],
      extra: [{ psnNo: "P009", name: "张小宝", brdy: "2019-06-01", unitCode: "U1" }],
    });
    await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "unit",
      unitCode: "U1",
      psnNos: ["P009", "P006"],
      channel: "offline",
    });
    for (const u of ["res1", "op1"]) as.set(u, await authHeaders(app, u));
    platform.clock.set(SETTLE_NOW);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const submit = async (
    psnNo: string,
    setlId: string,
    guardian?: { certno: string; relation: string },
    recordPsnNo = psnNo,
  ) =>
    app.inject({
      method: "POST",
      url: `${BASE}/counter-claims`,
      headers: as.get("res1"),
      payload: {
        psn_no: psnNo,
        record: {
          ...(await recordFor(fx, { setlId, psnNo: recordPsnNo, inScope: Y(20_000) })),
          psn_no: psnNo,
        },
        ...(guardian === undefined ? {} : { guardian }),
      },
    });
  const putDoc = (user: string, caseId: string, kind: string, body: Buffer, type: string) =>
    app.inject({
      method: "PUT",
      url: `${BASE}/counter-claims/${caseId}/documents/${kind}`,
      headers: { ...as.get(user), "content-type": type },
      payload: body,
    });
  const decide = (caseId: string, body: Record<string, unknown>) =>
    app.inject({
      method: "POST",
      url: `${BASE}/counter-claims/${caseId}/decision`,
      headers: as.get("op1"),
      payload: body,
    });
  const nothingStored = async (setlId: string) =>
    expect(
      await platform.ctx.db.query("select 1 from medical_records where setl_id = $1", [setlId]),
    ).toHaveLength(0);

  let caseId = "";

  it("without a declaration the parent is refused as before", async () => {
    const res = await submit("P009", "GM-0");
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: "forbidden", field: "psn_no" });
    await nothingStored("GM-0");
  });

  it("declaring guardianship with the child's ID number opens the case, standing recorded and audited", async () => {
    const res = await submit("P009", "GM-1", { certno: await fx.certnoOf("P009"), relation: "parent" });
    expect(res.statusCode, res.body).toBe(201);
    caseId = res.json().case_id as string;
    expect(res.json().guardian).toEqual({ relation: "parent", verified: false, verified_at: null });

    const audit = await platform.ctx.db.query<{ actor: string; detail: Record<string, unknown> }>(
      "select actor, detail from audit_log where program_id = $1 and action = 'counter_claim.submit_on_behalf' and subject = $2",
      [PROGRAM, caseId],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe("res1");
    expect(audit[0]?.detail).toMatchObject({
      psn_no: "P009",
      payer_psn_no: null,
      guardian_psn_no: "P001",
      relation: "parent",
      minor: true,
      standing: "guardian_declared",
      verification: "pending",
    });
    // The ID number itself is never written to the audit trail.
    expect(JSON.stringify(audit[0]?.detail)).not.toContain(await fx.certnoOf("P009"));
    const event = await platform.ctx.db.query<{ data: Record<string, unknown> }>(
      "select data from claim_events where program_id = $1 and setl_id = 'GM-1' and event = 'counter_submitted'",
      [PROGRAM],
    );
    expect(event[0]?.data).toMatchObject({
      case_id: caseId,
      filed_by_guardian: "P001",
      relation: "parent",
      guardianship: "declared",
    });
    // The parent follows the case; the 监护关系证明 is a document kind of its own.
    const seen = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims/${caseId}`,
      headers: as.get("res1"),
    });
    expect(seen.statusCode).toBe(200);
    expect(seen.json().guardian).toMatchObject({ relation: "parent", verified: false });
    const doc = await putDoc("res1", caseId, "guardianship", JPEG, "image/jpeg");
    expect(doc.statusCode, doc.body).toBe(201);
    expect(doc.json().doc_kind).toBe("guardianship");
  });

  it("a wrong ID number is refused naming the field, alike whether the person exists or not", async () => {
    const someoneElse = await fx.certnoOf("P001");
    const answers: unknown[] = [];
    for (const [psnNo, certno, setlId, recordPsn] of [
      ["P009", someoneElse, "GM-2", "P009"], // the child exists, the number is another's
      ["P009", STRANGER_CERTNO, "GM-3", "P009"], // the child exists, the number is no one's
      ["P999", STRANGER_CERTNO, "GM-4", "P009"], // no such person at all
    ] as const) {
      const res = await submit(psnNo, setlId, { certno, relation: "parent" }, recordPsn);
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().error).toMatchObject({ code: "guardian_not_matched", field: "guardian.certno" });
      answers.push(res.json().error);
      await nothingStored(setlId);
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);

    const malformed = await submit("P009", "GM-5", { certno: "12345", relation: "parent" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toMatchObject({ code: "invalid_certno", field: "guardian.certno" });
    const badRelation = await submit("P009", "GM-5", {
      certno: await fx.certnoOf("P009"),
      relation: "uncle",
    });
    expect(badRelation.statusCode).toBe(400);
    expect(badRelation.json().error.field).toContain("guardian");
    await nothingStored("GM-5");
  });

  it("an adult enrolled by the unit stays refused, even with the right ID number", async () => {
    const res = await submit("P006", "GM-6", { certno: await fx.certnoOf("P006"), relation: "guardian" });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({
      code: "forbidden",
      field: "psn_no",
      message: "只能为本人，或为您投保的家庭成员（如未成年子女）申请理赔",
    });
    await nothingStored("GM-6");
  });

  it("approval needs the proof on file and the reviewer's confirmation that it was checked", async () => {
    expect((await putDoc("res1", caseId, "invoice", PDF, "application/pdf")).statusCode).toBe(201);
    // The counter uploads the sheet on the parent's behalf.
    expect((await putDoc("op1", caseId, "settlement_sheet", PDF, "application/pdf")).statusCode).toBe(201);
    const assign = await app.inject({
      method: "POST",
      url: `${BASE}/counter-claims/${caseId}/assign`,
      headers: as.get("op1"),
      payload: {},
    });
    expect(assign.statusCode).toBe(200);

    const unchecked = await decide(caseId, { decision: "approve" });
    expect(unchecked.statusCode).toBe(400);
    expect(unchecked.json().error).toMatchObject({
      code: "guardianship_unchecked",
      field: "guardianship_checked",
    });
    expect(unchecked.json().error.message).toContain("监护关系证明");
    const notTicked = await decide(caseId, { decision: "approve", guardianship_checked: false });
    expect(notTicked.statusCode).toBe(400);
    const stillOpen = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims/${caseId}`,
      headers: as.get("op1"),
    });
    expect(stillOpen.json().status).toBe("in_review");
    expect(stillOpen.json().payout).toBeNull();

    const approved = await decide(caseId, { decision: "approve", guardianship_checked: true });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().status).toBe("approved");
    expect(approved.json().guardian).toMatchObject({ relation: "parent", verified: true });
    expect(approved.json().guardian.verified_at).not.toBeNull();
    expect((approved.json().events as { event: string }[]).map((e) => e.event)).toContain(
      "counter_guardian_verified",
    );
    const audit = await platform.ctx.db.query<{ detail: Record<string, unknown> }>(
      "select detail from audit_log where program_id = $1 and action = 'counter_claim.decide' and subject = $2",
      [PROGRAM, caseId],
    );
    expect(audit.map((a) => a.detail)).toContainEqual(
      expect.objectContaining({ decision: "approve", guardianship_checked: true }),
    );
    // The payout goes to the insured child, as every counter claim's does.
    const claim = await platform.ctx.db.query<{ psn_no: string }>(
      "select psn_no from claims where program_id = $1 and setl_id = 'GM-1'",
      [PROGRAM],
    );
    expect(claim[0]?.psn_no).toBe("P009");
  });

  it("a declared guardian's case is not approved without the 监护关系证明 itself", async () => {
    const res = await submit("P009", "GM-7", { certno: await fx.certnoOf("P009"), relation: "parent" });
    expect(res.statusCode).toBe(201);
    const id = res.json().case_id as string;
    expect((await putDoc("res1", id, "invoice", PDF, "application/pdf")).statusCode).toBe(201);
    expect((await putDoc("res1", id, "settlement_sheet", PDF, "application/pdf")).statusCode).toBe(201);
    const refused = await decide(id, { decision: "approve", guardianship_checked: true });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: "documents_missing", field: "documents" });
    expect(refused.json().error.message).toContain("监护关系证明");
  });
});
