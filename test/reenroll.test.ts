/**
 * Issue 14, finding 1: a cancelled person may enroll again within the enrollment window — a new policy, the
 * old one staying cancelled — while one live policy per person still holds and coverage reads one policy.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decrypt } from "../src/platform/crypto.js";
import { coverageReadSql } from "../src/services/claims/coverage.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, expectLedgerConsistent, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

describe.each(BACKENDS)("re-enrollment after cancellation on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const base = `/api/v1/programs/${PROGRAM}`;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx);
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  async function enrollAndPay(headers: Record<string, string>): Promise<string> {
    const res = await app.inject({
      method: "POST",
      url: `${base}/enrollments`,
      headers,
      payload: { kind: "individual", psn_no: "P001", channel: "cash", plan: "standard" },
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    const paid = await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${body.payment.order_no}` });
    expect(paid.statusCode).toBe(200);
    return body.policies[0].policy_no as string;
  }

  it("enrolls, cancels, is told it may enroll, enrolls again; a second live policy is still refused", async () => {
    const headers = await authHeaders(app, "res1");
    const first = await enrollAndPay(headers);
    const cancel = await app.inject({
      method: "POST",
      url: `${base}/policies/${first}/cancel`,
      headers,
      payload: { expected_refund_fen: 6900 },
    });
    expect(cancel.statusCode).toBe(200);

    const certno = decrypt(
      platform.ctx.keys,
      (
        await platform.ctx.db.query<{ certno_enc: Uint8Array }>(
          "select certno_enc from roster_persons where program_id = $1 and psn_no = 'P001'",
          [PROGRAM],
        )
      )[0]?.certno_enc as Uint8Array,
    );
    const eligibility = await app.inject({
      method: "POST",
      url: `${base}/eligibility`,
      headers,
      payload: { certno },
    });
    expect(eligibility.statusCode).toBe(200);
    expect(eligibility.json()).toMatchObject({ eligible: true, enrolled: false });

    // Before the fix: 409 "已在本项目投保（每人限一份）", the cancelled policy counting as issued.
    const second = await enrollAndPay(headers);
    expect(second).not.toBe(first);
    const rows = await platform.ctx.db.query<{ policy_no: string; status: string }>(
      "select policy_no, status from policies where program_id = $1 and psn_no = 'P001' order by created_at, policy_no",
      [PROGRAM],
    );
    expect(rows).toEqual([
      { policy_no: first, status: "cancelled" },
      { policy_no: second, status: "pending_effective" },
    ]);
    const again = await app.inject({
      method: "POST",
      url: `${base}/enrollments`,
      headers,
      payload: { kind: "individual", psn_no: "P001", channel: "cash", plan: "standard" },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toContain("每人限一份");
    const after = await app.inject({
      method: "POST",
      url: `${base}/eligibility`,
      headers,
      payload: { certno },
    });
    expect(after.json()).toMatchObject({ eligible: true, enrolled: true });

    // Coverage reads exactly one policy for the person: the live one.
    const sql = coverageReadSql({ program: "$1", psnNo: "$2", columns: [], state: false });
    const coverage = await platform.ctx.db.query<{ policy_no: string }>(sql, [PROGRAM, "P001"]);
    expect(coverage.map((r) => r.policy_no)).toEqual([second]);

    // The database itself refuses a second live policy.
    await expect(
      platform.ctx.db.query(
        `update policies set status = 'pending_effective' where program_id = $1 and policy_no = $2`,
        [PROGRAM, first],
      ),
    ).rejects.toThrow();
    await expectLedgerConsistent(platform.ctx, PROGRAM);
  });
});
