/**
 * Issue 14, finding 2: a guardian or family payer files a counter claim for a minor or a member they
 * enrolled (audited), sees and completes the case; anyone else is still refused; counter staff upload the
 * documents on the resident's behalf (audited).
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
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF…")]);

describe.each(BACKENDS)("counter claims for a family member on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  const as = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    // P001 (张三) and P002 insured on their own; P003 (张小明, born 2015-09-10: 8 at SETTLE_NOW) enrolled and
    // paid for by P001 as their child.
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P002"] });
    await enroll(platform.ctx, CLI_ACTOR, {
      programId: PROGRAM,
      kind: "family",
      payerPsnNo: "P001",
      members: [{ psnNo: "P003", relation: "child" }],
      channel: "offline",
    });
    for (const u of ["res1", "res5", "op1"]) as.set(u, await authHeaders(app, u));
    platform.clock.set(SETTLE_NOW);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const submit = async (user: string, psnNo: string, setlId: string) =>
    app.inject({
      method: "POST",
      url: `${BASE}/counter-claims`,
      headers: as.get(user),
      payload: { psn_no: psnNo, record: await recordFor(fx, { setlId, psnNo, inScope: Y(20_000) }) },
    });
  const putDoc = (user: string, caseId: string, kind: string, body: Buffer, type: string) =>
    app.inject({
      method: "PUT",
      url: `${BASE}/counter-claims/${caseId}/documents/${kind}`,
      headers: { ...as.get(user), "content-type": type },
      payload: body,
    });

  it("the parent files for their 8-year-old, audited; sees the case and uploads to it", async () => {
    // Before: 403 "参保人只能为本人申请理赔".
    const res = await submit("res1", "P003", "GC-1");
    expect(res.statusCode, res.body).toBe(201);
    const caseId = res.json().case_id as string;
    const audit = await platform.ctx.db.query<{ actor: string; detail: Record<string, unknown> }>(
      "select actor, detail from audit_log where program_id = $1 and action = 'counter_claim.submit_on_behalf' and subject = $2",
      [PROGRAM, caseId],
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toBe("res1");
    expect(audit[0]?.detail).toMatchObject({
      psn_no: "P003",
      payer_psn_no: "P001",
      relation: "child",
      minor: true,
    });
    const event = await platform.ctx.db.query<{ data: Record<string, unknown> }>(
      "select data from claim_events where program_id = $1 and setl_id = 'GC-1' and event = 'counter_submitted'",
      [PROGRAM],
    );
    expect(event[0]?.data).toMatchObject({ case_id: caseId, filed_by_payer: "P001", relation: "child" });

    const seen = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims/${caseId}`,
      headers: as.get("res1"),
    });
    expect(seen.statusCode).toBe(200);
    expect(seen.json().psn_no).toBe("P003");
    const list = await app.inject({ method: "GET", url: `${BASE}/counter-claims`, headers: as.get("res1") });
    expect(list.statusCode).toBe(200);
    expect((list.json().cases as { case_id: string }[]).map((c) => c.case_id)).toContain(caseId);
    expect((await putDoc("res1", caseId, "invoice", PDF, "application/pdf")).statusCode).toBe(201);
    // Someone else still learns nothing of it.
    const other = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims/${caseId}`,
      headers: as.get("res5"),
    });
    expect(other.statusCode).toBe(404);
  });

  it("no one may claim for a person they did not enroll; nothing is stored", async () => {
    for (const [user, psnNo, setlId] of [
      ["res1", "P002", "GC-2"], // an adult insured on their own
      ["res5", "P003", "GC-3"], // someone else's child
    ] as const) {
      const res = await submit(user, psnNo, setlId);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({
        code: "forbidden",
        field: "psn_no",
        message: "只能为本人，或为您投保的家庭成员（如未成年子女）申请理赔",
      });
      const stored = await platform.ctx.db.query("select 1 from medical_records where setl_id = $1", [
        setlId,
      ]);
      expect(stored).toHaveLength(0);
    }
  });

  it("counter staff upload the documents on the resident's behalf, audited", async () => {
    const res = await submit("res1", "P001", "GC-4");
    expect(res.statusCode).toBe(201);
    const caseId = res.json().case_id as string;
    expect((await putDoc("op1", caseId, "settlement_sheet", JPEG, "image/jpeg")).statusCode).toBe(201);
    const audit = await platform.ctx.db.query(
      "select 1 from audit_log where program_id = $1 and actor = 'op1' and action = 'counter_claim.document.upload' and subject = $2",
      [PROGRAM, caseId],
    );
    expect(audit).toHaveLength(1);
    const view = await app.inject({
      method: "GET",
      url: `${BASE}/counter-claims/${caseId}`,
      headers: as.get("res1"),
    });
    expect(JSON.stringify(view.json())).toContain("settlement_sheet");
  });
});
