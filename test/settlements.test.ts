/**
 * One-stop settlement API (issue 4 §1): the hospitals' contract, idempotency, revocation, who may read,
 * and the ledger after every scenario — on both back ends.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkLedger } from "../src/services/ledger.js";
import {
  type ClaimsFixture,
  getSettlement,
  HOSPITAL,
  OTHER_HOSPITAL,
  postSettlement,
  recordFor,
  revokeSettlement,
  SETTLE_NOW,
  settlementUrl,
  setupClaims,
  signedGet,
  signHeaders,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

const Y = (yuan: number) => yuan * 100;

describe.each(BACKENDS)("one-stop settlement API on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P003", "P004"] });
    platform.clock.set(SETTLE_NOW); // the stays below happen in the coverage year, settled after them
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  afterEach(async () => {
    const check = await checkLedger(platform.ctx.db, PROGRAM);
    expect(check.problems).toEqual([]);
  });

  const journalRows = async (setlId: string) =>
    platform.ctx.db.query<{ kind: string; insurer_code: string; amount_fen: number; credit_account: string }>(
      "select kind, insurer_code, amount_fen, credit_account from ledger_transfers where program_id = $1 and ref = $2 order by transfer_id",
      [PROGRAM, setlId],
    );

  it("pays a covered inpatient stay: deductible, ratio, the person's remaining share, a split payout journal", async () => {
    const rec = await recordFor(fx, { setlId: "S-PAY-1", psnNo: "P001", inScope: Y(20_000) });
    const res = await postSettlement(app, fx, rec);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body)).toEqual([
      "setl_id",
      "policy_no",
      "status",
      "hmb_pay",
      "psn_part_amt",
      "psn_remaining",
      "lines",
    ]);
    expect(body).toMatchObject({
      setl_id: "S-PAY-1",
      status: "paid",
      hmb_pay: "6400.00", // (20,000 − 12,000) × 80 %
      psn_part_amt: "20000.00",
      psn_remaining: "13600.00",
    });
    expect(body.policy_no).toMatch(/^ws-2023-\d{8}$/);
    expect(body.lines[0]).toMatchObject({
      liability: "inpatient_in_scope",
      deductible: "12000.00",
      payout: "6400.00",
    });
    const rows = await journalRows("S-PAY-1");
    expect(
      rows.every(
        (r) => r.kind === "claim_payout" && r.credit_account === "liability:claims_payable_hospital",
      ),
    ).toBe(true);
    expect(rows.reduce((s, r) => s + Number(r.amount_fen), 0)).toBe(Y(6400));
    const insurers = await platform.ctx.db.query("select 1 from program_insurers where program_id = $1", [
      PROGRAM,
    ]);
    expect(new Set(rows.map((r) => r.insurer_code)).size).toBe(insurers.length);
  });

  it("a second stay finds the deductible used: the accumulators persist between requests", async () => {
    const rec = await recordFor(fx, {
      setlId: "S-PAY-2",
      psnNo: "P001",
      inScope: Y(1_000),
      setlTime: "2023-11-01 10:00:00",
    });
    const res = await postSettlement(app, fx, rec);
    expect(res.json()).toMatchObject({ status: "paid", hmb_pay: "800.00", psn_remaining: "200.00" });
  });

  it("is idempotent on setl_id: same content (any key order or spacing) → the original answer; different content → 409", async () => {
    const rec = await recordFor(fx, { setlId: "S-IDEM", psnNo: "P003", inScope: Y(15_000) });
    const first = await postSettlement(app, fx, rec);
    expect(first.statusCode).toBe(200);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(rec).reverse()), null, 2);
    const again = await postSettlement(app, fx, reordered);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    const changed = await postSettlement(app, fx, {
      ...rec,
      psn_part_amt: "15001.00",
      fulamt_ownpay_amt: "1.00",
      medfee_sumamt: "16001.00",
    });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error).toMatchObject({ code: "setl_id_conflict", field: "setl_id" });
    const claims = await platform.ctx.db.query(
      "select 1 from claims where program_id = $1 and setl_id = 'S-IDEM'",
      [PROGRAM],
    );
    expect(claims).toHaveLength(1);
    expect((await journalRows("S-IDEM")).reduce((s, r) => s + Number(r.amount_fen), 0)).toBe(Y(2_400));
  });

  it("answers no_policy for a roster person without a policy and for a person not on the roster", async () => {
    const unpaid = await postSettlement(
      app,
      fx,
      await recordFor(fx, { setlId: "S-NOPOL-1", psnNo: "P002", inScope: Y(50_000) }),
    );
    expect(unpaid.statusCode).toBe(200);
    expect(unpaid.json()).toMatchObject({
      policy_no: null,
      status: "not_covered",
      reason: "no_policy",
      hmb_pay: "0.00",
      psn_remaining: "50000.00",
    });
    const stranger = await postSettlement(
      app,
      fx,
      await recordFor(fx, { setlId: "S-NOPOL-2", psnNo: "P001", inScope: Y(100) }).then((r) => ({
        ...r,
        psn_no: "NOBODY",
      })),
    );
    expect(stranger.json()).toMatchObject({ status: "not_covered", reason: "no_policy" });
    expect(await journalRows("S-NOPOL-1")).toHaveLength(0);
  });

  it("refuses bad input with the field named and stores nothing", async () => {
    const rec = await recordFor(fx, { setlId: "S-BAD", psnNo: "P001", inScope: Y(100) });
    const cases: [Record<string, unknown>, string][] = [
      [{ ...rec, psn_part_amt: "-1.00" }, "psn_part_amt"],
      [{ ...rec, setl_time: "2023-13-40 10:00:00" }, "setl_time"],
      [{ ...rec, certno: "532621198001011234" }, "certno"],
      [{ ...rec, med_type: "99" }, "med_type"],
    ];
    for (const [body, field] of cases) {
      const res = await postSettlement(app, fx, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
    // A valid certno of someone else.
    const other = await fx.certnoOf("P003");
    const mismatch = await postSettlement(app, fx, { ...rec, certno: other });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error).toMatchObject({ code: "certno_mismatch", field: "certno" });
    const stored = await platform.ctx.db.query("select 1 from medical_records where setl_id = 'S-BAD'");
    expect(stored).toHaveLength(0);
  });

  it("401 on a bad or stale signature, 403 for an unregistered institution or another institution's record", async () => {
    const rec = JSON.stringify(await recordFor(fx, { setlId: "S-SIG", psnNo: "P001", inScope: Y(100) }));
    const url = `/api/v1/programs/${PROGRAM}/settlements`;
    const stale = await app.inject({
      method: "POST",
      url,
      headers: signHeaders(
        fx.secrets.get(HOSPITAL) as string,
        rec,
        HOSPITAL,
        String(Date.now() - 6 * 60_000),
      ),
      payload: rec,
    });
    expect(stale.statusCode).toBe(401);
    const forged = await app.inject({
      method: "POST",
      url,
      headers: signHeaders("wrong-secret", rec),
      payload: rec,
    });
    expect(forged.statusCode).toBe(401);
    const unknown = await app.inject({
      method: "POST",
      url,
      headers: signHeaders("whatever", rec, "H99999999999"),
      payload: rec,
    });
    expect(unknown.statusCode).toBe(403);
    const foreign = await postSettlement(app, fx, rec, OTHER_HOSPITAL);
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error.field).toBe("fixmedins_code");
    expect(await platform.ctx.db.query("select 1 from claims where setl_id = 'S-SIG'")).toHaveLength(0);
  });

  it("revocation reverses the payout and gives back the deductible; a corrected record settles under a new setl_id", async () => {
    const rec = await recordFor(fx, { setlId: "S-REV-1", psnNo: "P004", inScope: Y(20_000) });
    expect((await postSettlement(app, fx, rec)).json().hmb_pay).toBe("6400.00");
    const revoked = await revokeSettlement(app, fx, "S-REV-1");
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ setl_id: "S-REV-1", state: "revoked", reversed: "6400.00" });
    const twice = await revokeSettlement(app, fx, "S-REV-1");
    expect(twice.json()).toEqual(revoked.json());
    const net = (await journalRows("S-REV-1")).reduce(
      (s, r) => s + (r.kind === "claim_payout" ? 1 : -1) * Number(r.amount_fen),
      0,
    );
    expect(net).toBe(0);
    // The corrected record sees the full deductible again.
    const corrected = await postSettlement(app, fx, {
      ...(await recordFor(fx, { setlId: "S-REV-2", psnNo: "P004", inScope: Y(18_000) })),
    });
    expect(corrected.json()).toMatchObject({ status: "paid", hmb_pay: "4800.00" });
    // Another institution cannot revoke it.
    expect((await revokeSettlement(app, fx, "S-REV-2", OTHER_HOSPITAL)).statusCode).toBe(404);
    const view = await getSettlement(app, "S-REV-1", await authHeaders(app, "op1"));
    expect(view.json()).toMatchObject({ state: "revoked", revoke_reason: "结算有误" });
    expect(view.json().events.map((e: { event: string }) => e.event)).toEqual(["settled", "revoked"]);
  });

  it("refuses a revocation whose reason is not text, and leaves the claim settled", async () => {
    const rec = await recordFor(fx, { setlId: "S-REV-BAD", psnNo: "P003", inScope: Y(500) });
    expect((await postSettlement(app, fx, rec)).statusCode).toBe(200);
    const text = JSON.stringify({ reason: 42 });
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${PROGRAM}/settlements/S-REV-BAD/revoke`,
      headers: signHeaders(fx.secrets.get(HOSPITAL) as string, text),
      payload: text,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe("reason");
    const view = await getSettlement(app, "S-REV-BAD", await authHeaders(app, "op1"));
    expect(view.json().state).toBe("settled");
  });

  it("a captured signed request cannot be replayed against another settlement; a retry of the same request passes", async () => {
    for (const setlId of ["S-RPL-1", "S-RPL-2"]) {
      const rec = await recordFor(fx, { setlId, psnNo: "P003", inScope: Y(300) });
      expect((await postSettlement(app, fx, rec)).statusCode).toBe(200);
    }
    const secret = fx.secrets.get(HOSPITAL) as string;
    const revokeAt = (setlId: string, text: string, headers: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: `/api/v1/programs/${PROGRAM}/settlements/${setlId}/revoke`,
        headers,
        payload: text,
      });
    const stateOf = async (setlId: string) =>
      (await getSettlement(app, setlId, await authHeaders(app, "op1"))).json().state;

    // The bare contract body {reason}: the signature does not cover the URL, so it is bound to its first use.
    const text = JSON.stringify({ reason: "结算有误" });
    const headers = signHeaders(secret, text);
    expect((await revokeAt("S-RPL-1", text, headers)).statusCode).toBe(200);
    expect((await revokeAt("S-RPL-1", text, headers)).statusCode).toBe(200); // a retry
    const replay = await revokeAt("S-RPL-2", text, headers);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toMatchObject({ code: "replayed_signature", field: "X-Hmb-Signature" });
    expect(await stateOf("S-RPL-2")).toBe("settled");

    // A settlement's own signed request sent to a revoke URL is not a revocation.
    const rec = await recordFor(fx, { setlId: "S-RPL-3", psnNo: "P003", inScope: Y(300) });
    const settleText = JSON.stringify(rec);
    const settleHeaders = signHeaders(secret, settleText);
    expect(
      (
        await app.inject({
          method: "POST",
          url: `/api/v1/programs/${PROGRAM}/settlements`,
          headers: settleHeaders,
          payload: settleText,
        })
      ).statusCode,
    ).toBe(200);
    const misused = await revokeAt("S-RPL-2", settleText, settleHeaders);
    expect(misused.statusCode).toBe(400);
    expect(await stateOf("S-RPL-2")).toBe("settled");

    // A body naming its setl_id must match the path.
    const named = JSON.stringify({ reason: "结算有误", setl_id: "S-RPL-3" });
    const wrong = await revokeAt("S-RPL-2", named, signHeaders(secret, named));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe("setl_id");
    expect(await stateOf("S-RPL-2")).toBe("settled");
    expect((await revokeAt("S-RPL-3", named, signHeaders(secret, named))).statusCode).toBe(200);
    expect(await stateOf("S-RPL-3")).toBe("revoked");
  });

  it("GET: the sending institution, the operator and the resident it belongs to; nobody else", async () => {
    // Reads are signed with version 2 (method and URL covered); a version-1 read is refused.
    const as = (code: string) => signedGet(fx, settlementUrl("S-PAY-1"), code);
    expect((await getSettlement(app, "S-PAY-1", as(HOSPITAL))).statusCode).toBe(200);
    expect((await getSettlement(app, "S-PAY-1", as(OTHER_HOSPITAL))).statusCode).toBe(404);
    const mine = await getSettlement(app, "S-PAY-1", await authHeaders(app, "res1"));
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toMatchObject({
      setl_id: "S-PAY-1",
      hmb_pay: "6400.00",
      state: "settled",
      kind: "one_stop",
    });
    expect((await getSettlement(app, "S-PAY-1", await authHeaders(app, "res5"))).statusCode).toBe(404);
    expect((await getSettlement(app, "S-PAY-1", await authHeaders(app, "op1"))).statusCode).toBe(200);
    expect((await getSettlement(app, "S-PAY-1", await authHeaders(app, "bureau1"))).statusCode).toBe(403);
  });

  it("keeps no plaintext certno or name in the stored record", async () => {
    const rows = await platform.ctx.db.query<{ record: Record<string, unknown> }>(
      "select record from medical_records where program_id = $1",
      [PROGRAM],
    );
    expect(rows.length).toBeGreaterThan(3);
    for (const r of rows) {
      expect(r.record.certno).toBeUndefined();
      expect(r.record.psn_name).toBeUndefined();
    }
  });
});
