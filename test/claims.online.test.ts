/**
 * Online claims (issue 4 §2): the bureau's feed, the resident's consent (scope, expiry on a moving business
 * clock, revocation), claims paid to the resident as the engine computes them, what may not be claimed, and
 * the status trail — on both back ends, the ledger checked after every scenario.
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import type { Clock } from "../src/platform/clock.js";
import { checkLedger } from "../src/services/ledger.js";
import { person, Y } from "./fixtures.js";
import { type ClaimsFixture, postSettlement, recordFor, setupClaims } from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM } from "./support/roster.js";

/** Business time of the online scenarios: after the stays, inside the coverage year. */
const BASE = Date.parse("2023-12-01T10:00:00+08:00");
const DAY = 24 * 3600_000;
const URL = `/api/v1/programs/${PROGRAM}`;

describe.each(BACKENDS)("online claims on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  let nowMs = BASE;
  const clock: Clock = { now: () => new Date(nowMs) };
  const headers = new Map<string, Record<string, string>>();
  const as = (user: string) => headers.get(user) as Record<string, string>;

  beforeAll(async () => {
    // Enrollment runs at NOW (inside the enrollment window); the server reads a clock the tests can move.
    platform = await openTestPlatform(backend, { now: NOW });
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P003", "P004"] });
    app = await buildServer({ ...platform.ctx, clock }, { publicRateLimit: 10_000 });
    for (const user of ["res1", "res5", "op1", "bureau1", "admin"])
      headers.set(user, await authHeaders(app, user));
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });
  beforeEach(() => {
    nowMs = BASE;
  });
  afterEach(async () => {
    const check = await checkLedger(platform.ctx.db, PROGRAM);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
  });

  const send = (
    method: "GET" | "POST",
    path: string,
    user: string,
    payload?: unknown,
  ): Promise<LightMyRequestResponse> =>
    app.inject({
      method,
      url: `${URL}${path}`,
      headers: as(user),
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  const feed = (records: unknown[], user = "bureau1") => send("POST", "/medical-records", user, { records });
  const consent = (user: string, from: string, to: string, days_valid: number) =>
    send("POST", "/consents", user, { scope: "settlement_records", from, to, days_valid });
  const claim = (user: string, setl_ids: string[]) => send("POST", "/online-claims", user, { setl_ids });
  const claimable = async (user: string) => send("GET", "/online-claims/claimable", user);
  const claimableIds = async (user: string) => {
    const res = await claimable(user);
    expect(res.statusCode).toBe(200);
    return (res.json().records as { setl_id: string }[]).map((r) => r.setl_id);
  };
  const transfers = (setlId: string) =>
    platform.ctx.db.query<{
      kind: string;
      amount_fen: number;
      debit_account: string;
      credit_account: string;
    }>(
      "select kind, amount_fen, debit_account, credit_account from ledger_transfers where program_id = $1 and ref = $2",
      [PROGRAM, setlId],
    );
  const total = (rows: { amount_fen: number }[]) => rows.reduce((s, r) => s + Number(r.amount_fen), 0);
  const claimsOf = (setlId: string) =>
    platform.ctx.db.query("select 1 from claims where program_id = $1 and setl_id = $2", [PROGRAM, setlId]);

  const OCT = { setlId: "S-ON-OCT", psnNo: "P001", inScope: Y(20_000), setlTime: "2023-10-10 10:00:00" };
  const NOV = { setlId: "S-ON-NOV", psnNo: "P001", inScope: Y(1_000), setlTime: "2023-11-20 09:00:00" };

  it("stores the bureau's records, naming each bad one by index and field and storing nothing for it", async () => {
    const good = [
      await recordFor(fx, OCT),
      await recordFor(fx, NOV),
      await recordFor(fx, { setlId: "S-ON-P3", psnNo: "P003", inScope: Y(15_000) }),
      await recordFor(fx, { setlId: "S-ON-P5", psnNo: "P005", inScope: Y(30_000) }),
    ];
    const negative = {
      ...(await recordFor(fx, { setlId: "S-BAD-NEG", psnNo: "P001" })),
      psn_part_amt: "-1.00",
    };
    const someoneElses = {
      ...(await recordFor(fx, { setlId: "S-BAD-CERT", psnNo: "P001" })),
      certno: await fx.certnoOf("P003"),
    };
    const stranger = {
      ...(await recordFor(fx, { setlId: "S-BAD-NOBODY", psnNo: "P001" })),
      psn_no: "NOBODY",
    };
    const res = await feed([
      good[0],
      negative,
      good[1],
      someoneElses,
      "not a record",
      stranger,
      good[2],
      good[3],
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ stored: 4, same: 0, rejected: 4 });
    expect(body.results.map((r: { status: string }) => r.status)).toEqual([
      "stored",
      "error",
      "stored",
      "error",
      "error",
      "error",
      "stored",
      "stored",
    ]);
    expect(body.results[1]).toMatchObject({
      index: 1,
      setl_id: "S-BAD-NEG",
      error: { field: "psn_part_amt" },
    });
    expect(body.results[3]).toMatchObject({
      setl_id: "S-BAD-CERT",
      error: { code: "certno_mismatch", field: "certno" },
    });
    expect(body.results[4]).toMatchObject({ index: 4, setl_id: null, error: { code: "invalid_json" } });
    expect(body.results[5]).toMatchObject({ error: { code: "not_on_roster", field: "psn_no" } });
    const stored = await platform.ctx.db.query<{
      setl_id: string;
      source: string;
      record: Record<string, unknown>;
    }>("select setl_id, source, record from medical_records where program_id = $1 order by setl_id", [
      PROGRAM,
    ]);
    expect(stored.map((r) => r.setl_id)).toEqual(["S-ON-NOV", "S-ON-OCT", "S-ON-P3", "S-ON-P5"]);
    for (const r of stored) {
      expect(r.source).toBe("bureau");
      expect(r.record).not.toHaveProperty("certno");
      expect(r.record).not.toHaveProperty("psn_name");
    }

    // Resent: "same"; changed under a known setl_id: a conflict for that record only.
    const again = await feed([good[0], { ...good[1], dise_codg: "J18.900" }]);
    expect(again.json().results).toMatchObject([
      { setl_id: "S-ON-OCT", status: "same" },
      { setl_id: "S-ON-NOV", status: "error", error: { code: "setl_id_conflict", field: "setl_id" } },
    ]);
    // Text PostgreSQL cannot hold is refused for that record, never a 500.
    const nul = await feed([
      { ...(await recordFor(fx, { setlId: "S-BAD-NUL", psnNo: "P001" })), dise_codg: "I63\u0000" },
    ]);
    expect(nul.statusCode).toBe(200);
    expect(nul.json().results[0]).toMatchObject({ status: "error", error: { field: "dise_codg" } });
    expect((await feed([], "bureau1")).statusCode).toBe(400);
    for (const user of ["res1", "op1"]) expect((await feed([good[0]], user)).statusCode).toBe(403);
    expect((await feed([good[0]], "admin")).json().results[0].status).toBe("same");
    expect(await claimsOf("S-ON-OCT")).toHaveLength(0);
  });

  it("reads nothing and pays nothing without the resident's consent", async () => {
    const list = await claimable("res1");
    expect(list.statusCode).toBe(403);
    expect(list.json().error.code).toBe("consent_required");
    const res = await claim("res1", ["S-ON-OCT"]);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: "consent_required", field: "setl_ids[0]" });
    expect(await claimsOf("S-ON-OCT")).toHaveLength(0);
  });

  it("refuses a consent that is not minimum-necessary or not the resident's own", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ scope: "settlement_records", from: "2023-10-01", to: "2023-10-31", days_valid: 0 }, "days_valid"],
      [{ scope: "settlement_records", from: "2023-10-01", to: "2023-10-31", days_valid: 91 }, "days_valid"],
      [{ scope: "settlement_records", from: "2023-10-31", to: "2023-10-01", days_valid: 30 }, "to"],
      [{ scope: "settlement_records", from: "2023-02-30", to: "2023-10-01", days_valid: 30 }, "from"],
      [{ scope: "settlement_records", from: "2022-01-01", to: "2023-10-31", days_valid: 30 }, "to"],
      [{ scope: "everything", from: "2023-10-01", to: "2023-10-31", days_valid: 30 }, "scope"],
      [{ scope: "settlement_records", from: "2023-10-01", to: "2023-10-31" }, "days_valid"],
    ];
    for (const [body, field] of cases) {
      const res = await send("POST", "/consents", "res1", body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
    expect((await consent("op1", "2023-10-01", "2023-10-31", 30)).statusCode).toBe(403);
    const stored = await platform.ctx.db.query("select 1 from claim_consents where program_id = $1", [
      PROGRAM,
    ]);
    expect(stored).toHaveLength(0);
  });

  it("opens only the records in the consent's date range and pays the claim to the resident as the engine does", async () => {
    const granted = await consent("res1", "2023-10-01", "2023-10-31", 30);
    expect(granted.statusCode).toBe(201);
    expect(granted.json()).toMatchObject({
      psn_no: "P001",
      scope: "settlement_records",
      from: "2023-10-01",
      to: "2023-10-31",
      granted_at: new Date(BASE).toISOString(),
      expires_at: new Date(BASE + 30 * DAY).toISOString(),
      state: "active",
    });
    const audited = await platform.ctx.db.query(
      "select 1 from audit_log where program_id = $1 and action = 'consent.grant' and subject = $2",
      [PROGRAM, granted.json().consent_id],
    );
    expect(audited).toHaveLength(1);

    const list = await claimable("res1");
    expect(list.json()).toEqual({
      psn_no: "P001",
      records: [
        {
          setl_id: "S-ON-OCT",
          fixmedins_code: "H53260100001",
          // Issue 14: the institution's registered name travels with its code (support/claims.ts names it).
          fixmedins_name: "机构 H53260100001",
          med_type: "21",
          settled_at: "2023-10-10 10:00:00",
          psn_part_amt: "20000.00",
        },
      ],
    });
    const outside = await claim("res1", ["S-ON-NOV"]);
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error).toMatchObject({ code: "consent_required", field: "setl_ids[0]" });

    const engine = person("wenshan-2023").run(OCT);
    const res = await claim("res1", ["S-ON-OCT"]);
    expect(res.statusCode).toBe(200);
    const [result] = res.json().results;
    expect(result).toMatchObject({
      setl_id: "S-ON-OCT",
      replay: false,
      claim: { status: "paid", hmb_pay: "6400.00", psn_part_amt: "20000.00", psn_remaining: "13600.00" },
    });
    expect(Y(6_400)).toBe(engine.hmbPay); // (20,000 − 12,000) × 80 %
    expect(result.claim.lines[0]).toMatchObject({ liability: "inpatient_in_scope", deductible: "12000.00" });
    const rows = await transfers("S-ON-OCT");
    expect(
      rows.every(
        (r) => r.kind === "claim_payout" && r.credit_account === "liability:claims_payable_resident",
      ),
    ).toBe(true);
    expect(rows.every((r) => r.debit_account === "expense:claims")).toBe(true);
    expect(total(rows)).toBe(engine.hmbPay);

    // Claiming it again answers the original result and pays nothing more; it is no longer claimable.
    const again = await claim("res1", ["S-ON-OCT"]);
    expect(again.json().results[0]).toEqual({ ...result, replay: true });
    expect(total(await transfers("S-ON-OCT"))).toBe(engine.hmbPay);
    expect(await claimableIds("res1")).toEqual([]);
  });

  it("refuses someone else's record (404), an unknown one, duplicates — and then settles none of the batch", async () => {
    await consent("res1", "2023-11-01", "2023-11-30", 30);
    const foreign = await claim("res1", ["S-ON-NOV", "S-ON-P3"]);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error).toMatchObject({ code: "not_found", field: "setl_ids[1]" });
    const unknown = await claim("res1", ["S-NOWHERE"]);
    expect(unknown.statusCode).toBe(404);
    const dup = await claim("res1", ["S-ON-NOV", "S-ON-NOV"]);
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.field).toBe("setl_ids[1]");
    expect((await claim("res1", [])).statusCode).toBe(400);
    expect((await claim("res1", ["S-ON-NOV\u0000"])).statusCode).toBe(400);
    expect((await send("GET", "/online-claims?psn_no=P001%00", "op1")).statusCode).toBe(400);
    expect((await send("POST", "/consents/CS%00/revoke", "res1")).statusCode).toBe(400);
    expect((await claim("op1", ["S-ON-NOV"])).statusCode).toBe(403);
    expect(await claimsOf("S-ON-NOV")).toHaveLength(0);
    expect(await claimsOf("S-ON-P3")).toHaveLength(0);
    expect(await claimableIds("res1")).toEqual(["S-ON-NOV"]);
    // Tidy: this consent is revoked so the next scenarios start from the October consent only.
    const consents = (await send("GET", "/consents", "res1")).json().consents as {
      consent_id: string;
      from: string;
    }[];
    const nov = consents.find((c) => c.from === "2023-11-01")?.consent_id as string;
    expect((await send("POST", `/consents/${nov}/revoke`, "res1")).statusCode).toBe(200);
  });

  it("cannot claim online a stay already settled one-stop at the hospital", async () => {
    const rec = await recordFor(fx, {
      setlId: "S-ON-OS",
      psnNo: "P001",
      inScope: Y(2_000),
      setlTime: "2023-10-20 10:00:00",
    });
    expect((await postSettlement(app, fx, rec)).statusCode).toBe(200);
    expect((await feed([rec])).json().results[0].status).toBe("same");
    expect(await claimableIds("res1")).toEqual([]);
    const paidBefore = total(await transfers("S-ON-OS"));
    const res = await claim("res1", ["S-ON-OS"]);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: "already_claimed", field: "setl_ids[0]" });
    expect(total(await transfers("S-ON-OS"))).toBe(paidBefore);
  });

  it("revocation ends the consent at once; revoking twice answers the first; others cannot revoke it", async () => {
    const granted = (await consent("res1", "2023-11-01", "2023-11-30", 30)).json();
    expect(await claimableIds("res1")).toEqual(["S-ON-NOV"]);
    expect((await send("POST", `/consents/${granted.consent_id}/revoke`, "res5")).statusCode).toBe(404);
    nowMs = BASE + 3_600_000;
    const revoked = await send("POST", `/consents/${granted.consent_id}/revoke`, "res1");
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ state: "revoked", revoked_at: new Date(nowMs).toISOString() });
    nowMs += 60_000;
    const twice = await send("POST", `/consents/${granted.consent_id}/revoke`, "res1");
    expect(twice.json()).toEqual(revoked.json());
    expect(await claimableIds("res1")).toEqual([]); // the October consent is still in force: 200, empty
    const res = await claim("res1", ["S-ON-NOV"]);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe("consent_required");
    const audits = await platform.ctx.db.query(
      "select 1 from audit_log where program_id = $1 and action = 'consent.revoke' and subject = $2",
      [PROGRAM, granted.consent_id],
    );
    expect(audits).toHaveLength(1);
  });

  it("a consent expires on the business clock; a new one lets the claim through, after the deductible", async () => {
    const granted = (await consent("res1", "2023-11-01", "2023-11-30", 7)).json();
    expect(granted.expires_at).toBe(new Date(BASE + 7 * DAY).toISOString());
    nowMs = BASE + 7 * DAY - 1_000;
    expect(await claimableIds("res1")).toEqual(["S-ON-NOV"]);
    nowMs = BASE + 7 * DAY;
    expect(await claimableIds("res1")).toEqual([]);
    expect((await claim("res1", ["S-ON-NOV"])).statusCode).toBe(403);
    const listed = (await send("GET", "/consents", "res1")).json().consents as {
      consent_id: string;
      state: string;
    }[];
    expect(listed.find((c) => c.consent_id === granted.consent_id)?.state).toBe("expired");
    nowMs = BASE + 40 * DAY; // the October consent (30 days) has run out too
    expect((await claimable("res1")).statusCode).toBe(403);

    const renewed = await consent("res1", "2023-11-01", "2023-11-30", 1);
    expect(renewed.json().granted_at).toBe(new Date(nowMs).toISOString());
    const res = await claim("res1", ["S-ON-NOV"]);
    expect(res.statusCode).toBe(200);
    // The deductible was used up by S-ON-OCT (online) and S-ON-OS (one-stop): 1,000 × 80 %.
    const engine = person("wenshan-2023");
    engine.run(OCT);
    engine.run({ setlId: "S-ON-OS", psnNo: "P001", inScope: Y(2_000), setlTime: "2023-10-20 10:00:00" });
    const expected = engine.run(NOV).hmbPay;
    expect(expected).toBe(Y(800));
    expect(res.json().results[0].claim).toMatchObject({
      status: "paid",
      hmb_pay: "800.00",
      psn_remaining: "200.00",
    });
    expect(total(await transfers("S-ON-NOV"))).toBe(expected);
    const states = (await send("GET", "/consents", "res1"))
      .json()
      .consents.map((c: { state: string }) => c.state);
    expect(states.sort()).toEqual(["active", "expired", "expired", "revoked", "revoked"]);
  });

  it("answers no_policy and pays nothing for a resident without a policy", async () => {
    expect((await consent("res5", "2023-10-01", "2023-10-31", 10)).statusCode).toBe(201);
    expect(await claimableIds("res5")).toEqual(["S-ON-P5"]);
    const res = await claim("res5", ["S-ON-P5"]);
    expect(res.json().results[0].claim).toMatchObject({
      policy_no: null,
      status: "not_covered",
      reason: "no_policy",
      hmb_pay: "0.00",
      psn_remaining: "30000.00",
    });
    expect(await transfers("S-ON-P5")).toHaveLength(0);
  });

  it("shows the status trail to its owner (every channel), to staff who name the person (audited), to no one else", async () => {
    const mine = await send("GET", "/online-claims", "res1");
    expect(mine.statusCode).toBe(200);
    const trail = mine.json();
    expect(trail.psn_no).toBe("P001");
    const byId = new Map(trail.claims.map((c: { setl_id: string }) => [c.setl_id, c]));
    expect([...byId.keys()].sort()).toEqual(["S-ON-NOV", "S-ON-OCT", "S-ON-OS"]);
    const oct = byId.get("S-ON-OCT") as {
      kind: string;
      events: { event: string; data: { consent_id?: string } }[];
    };
    expect(oct).toMatchObject({
      kind: "online",
      state: "settled",
      hmb_pay: "6400.00",
      fixmedins_code: "H53260100001",
      fixmedins_name: "机构 H53260100001",
    });
    expect(oct.events.map((e) => e.event)).toEqual(["consent_used", "settled"]);
    expect(oct.events[0]?.data.consent_id).toMatch(/^CS[0-9A-F]{16}$/);
    expect(byId.get("S-ON-OS")).toMatchObject({ kind: "one_stop", events: [{ event: "settled" }] });

    const theirs = await send("GET", "/online-claims", "res5");
    expect(theirs.json().claims.map((c: { setl_id: string }) => c.setl_id)).toEqual(["S-ON-P5"]);
    expect((await send("GET", "/online-claims?psn_no=P001", "res5")).statusCode).toBe(403);
    expect((await send("GET", "/online-claims", "bureau1")).statusCode).toBe(403);
    const noPerson = await send("GET", "/online-claims", "op1");
    expect(noPerson.statusCode).toBe(400);
    expect(noPerson.json().error.field).toBe("psn_no");
    const staff = await send("GET", "/online-claims?psn_no=P001", "op1");
    expect(staff.json().claims).toHaveLength(3);
    const audits = await platform.ctx.db.query(
      "select 1 from audit_log where program_id = $1 and action = 'claim.trail.read' and subject = 'P001' and actor = 'op1'",
      [PROGRAM],
    );
    expect(audits).toHaveLength(1);
    const consentsRead = await send("GET", "/consents?psn_no=P001", "op1");
    expect(consentsRead.json().consents).toHaveLength(5);

    // An operator revokes the online claim: the reversal comes off the resident's payable and shows in the trail.
    const revoked = await send("POST", "/settlements/S-ON-OCT/revoke", "op1", { reason: "重复报销" });
    expect(revoked.statusCode).toBe(200);
    const reversal = (await transfers("S-ON-OCT")).filter((r) => r.kind === "claim_reversal");
    expect(reversal.every((r) => r.debit_account === "liability:claims_payable_resident")).toBe(true);
    expect(total(reversal)).toBe(Y(6_400));
    const after = (await send("GET", "/online-claims", "res1")).json();
    const octAfter = after.claims.find((c: { setl_id: string }) => c.setl_id === "S-ON-OCT");
    expect(octAfter).toMatchObject({ state: "revoked", revoke_reason: "重复报销" });
    expect(octAfter.events.map((e: { event: string }) => e.event)).toEqual([
      "consent_used",
      "settled",
      "revoked",
    ]);
  });
});
