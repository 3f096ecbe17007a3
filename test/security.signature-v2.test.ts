/**
 * Issue 10 finding 8: a version-1 signature (timestamp + "\n" + raw body) on a GET covers nothing but the
 * timestamp, so one captured read opened every other read URL for five minutes. Reads are now signed with
 * version 2 (`X-Hmb-Signature-Version: 2`, timestamp + "\n" + METHOD + " " + target + "\n" + body), bound to
 * the one URL they were made for; the settlement contract (version 1 on POST /settlements) is unchanged, and
 * version 2 is accepted on writes too, where it needs no replay-binding row.
 */
import { createHmac } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { fixedClock } from "../src/platform/clock.js";
import {
  type ClaimsFixture,
  HOSPITAL,
  OTHER_HOSPITAL,
  postSettlement,
  recordFor,
  settlementUrl,
  setupClaims,
  signedGet,
  signHeaders,
  signHeadersV2,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { NOW, PROGRAM } from "./support/roster.js";

const API = `/api/v1/programs/${PROGRAM}`;
/** The server's business time: after the stays below, inside the coverage year. */
const CLAIMS_NOW = "2023-12-01T10:00:00+08:00";

describe.each(BACKENDS)("version-2 request signatures on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  let secret: string;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    fx = await setupClaims(platform.ctx, { insured: ["P001", "P003"] });
    secret = fx.secrets.get(HOSPITAL) as string;
    app = await buildServer(
      { ...platform.ctx, clock: fixedClock(new Date(CLAIMS_NOW)) },
      { publicRateLimit: 10_000 },
    );
    for (const [setlId, psnNo] of [
      ["S-V2-1", "P001"],
      ["S-V2-2", "P003"],
    ] as const) {
      const res = await postSettlement(app, fx, await recordFor(fx, { setlId, psnNo, inScope: 2_000_000 }));
      expect(res.statusCode, res.body).toBe(200);
    }
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const get = (url: string, headers: Record<string, string>): Promise<LightMyRequestResponse> =>
    app.inject({ method: "GET", url, headers });
  /** Version-1 headers for a GET: the signature covers the timestamp and the empty body only. */
  const v1Get = (ts = String(Date.now())) => {
    const { "content-type": _ct, ...headers } = signHeaders(secret, "", HOSPITAL, ts);
    return headers;
  };
  const bindingRows = async () =>
    Number(
      (
        await platform.ctx.db.query<{ n: number }>(
          "select count(*)::int as n from institution_signatures where program_id = $1",
          [PROGRAM],
        )
      )[0]?.n,
    );

  it("refuses a version-1 signature on a read with 401 naming X-Hmb-Signature-Version", async () => {
    for (const url of [settlementUrl("S-V2-1"), `${API}/reconciliation?date=2023-12-01`]) {
      const res = await get(url, v1Get());
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error).toMatchObject({
        code: "signature_version_required",
        field: "X-Hmb-Signature-Version",
      });
      expect(res.json().error.message).toMatch(/第 2 版签名/);
    }
  });

  it("a read's signature, captured, opens no other read URL (the finding's repro)", async () => {
    // One GET signed by the hospital, then the same headers against another settlement and another report.
    const ts = String(Date.now());
    const captured = signHeadersV2(secret, "GET", settlementUrl("S-V2-1"), "", HOSPITAL, ts);
    expect((await get(settlementUrl("S-V2-1"), captured)).statusCode).toBe(200);
    for (const url of [
      settlementUrl("S-V2-2"),
      `${API}/reconciliation?date=2023-12-01`,
      `${settlementUrl("S-V2-1")}?x=1`,
    ]) {
      const res = await get(url, captured);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error).toMatchObject({ code: "bad_signature", field: "X-Hmb-Signature" });
    }
    // Nor does a version-1 signature captured from a read (before: any read URL for five minutes).
    const v1 = v1Get(ts);
    for (const url of [settlementUrl("S-V2-2"), `${API}/reconciliation?date=2023-12-01`])
      expect((await get(url, v1)).statusCode, url).toBe(401);
  });

  it("binds a version-2 read to its exact query string, and lets the same request be retried", async () => {
    const target = `${API}/reconciliation?date=2023-12-01&institution=${HOSPITAL}`;
    const headers = signedGet(fx, target);
    const first = await get(target, headers);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ institution: HOSPITAL });
    expect((await get(target, headers)).statusCode).toBe(200);
    for (const other of [
      `${API}/reconciliation?date=2023-11-30&institution=${HOSPITAL}`,
      `${API}/reconciliation?date=2023-12-01&institution=${OTHER_HOSPITAL}`,
      `${API}/reconciliation?institution=${HOSPITAL}&date=2023-12-01`,
    ])
      expect((await get(other, headers)).statusCode, other).toBe(401);
    // Another institution's key does not sign for this one.
    const forged = signHeadersV2(fx.secrets.get(OTHER_HOSPITAL) as string, "GET", target, "", HOSPITAL);
    expect((await get(target, forged)).statusCode).toBe(401);
  });

  it("keeps POST /settlements on the version-1 contract unchanged, and accepts version 2 there too", async () => {
    // Version 1, exactly as hospitals send it today.
    const v1 = await postSettlement(
      app,
      fx,
      await recordFor(fx, { setlId: "S-V2-3", psnNo: "P001", inScope: 100_000 }),
    );
    expect(v1.statusCode, v1.body).toBe(200);
    expect(v1.json()).toMatchObject({ setl_id: "S-V2-3", status: "paid" });
    const body = JSON.stringify(await recordFor(fx, { setlId: "S-V2-4", psnNo: "P003", inScope: 100_000 }));
    const url = `${API}/settlements`;
    const v2 = await app.inject({
      method: "POST",
      url,
      headers: signHeadersV2(secret, "POST", url, body),
      payload: body,
    });
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json()).toMatchObject({ setl_id: "S-V2-4" });
    // A version-2 settlement signature does not pass on the special-drug route, nor with another body.
    const headers = signHeadersV2(secret, "POST", url, body);
    const elsewhere = await app.inject({
      method: "POST",
      url: `${API}/special-drug-claims`,
      headers,
      payload: body,
    });
    expect(elsewhere.statusCode).toBe(401);
    const tampered = await app.inject({
      method: "POST",
      url,
      headers,
      payload: body.replace("P003", "P001"),
    });
    expect(tampered.statusCode).toBe(401);
  });

  it("needs no replay-binding row for a version-2 write; a version-1 write still gets one", async () => {
    const body = JSON.stringify({ reason: "结算有误" });
    const url = (setlId: string) => `${API}/settlements/${setlId}/revoke`;
    const before = await bindingRows();
    const v2 = await app.inject({
      method: "POST",
      url: url("S-V2-3"),
      headers: signHeadersV2(secret, "POST", url("S-V2-3"), body),
      payload: body,
    });
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json()).toMatchObject({ setl_id: "S-V2-3", state: "revoked" });
    expect(await bindingRows()).toBe(before);
    // The same version-2 signature cannot revoke another settlement.
    const ts = String(Date.now());
    const captured = signHeadersV2(secret, "POST", url("S-V2-4"), body, HOSPITAL, ts);
    const replay = await app.inject({ method: "POST", url: url("S-V2-2"), headers: captured, payload: body });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe("bad_signature");
    const v1 = await app.inject({
      method: "POST",
      url: url("S-V2-4"),
      headers: signHeaders(secret, body),
      payload: body,
    });
    expect(v1.statusCode, v1.body).toBe(200);
    expect(await bindingRows()).toBe(before + 1);
  });

  it("refuses an unknown signature version, and a version-2 signature made for another method", async () => {
    const url = settlementUrl("S-V2-1");
    const three = await get(url, { ...signedGet(fx, url), "x-hmb-signature-version": "3" });
    expect(three.statusCode).toBe(401);
    expect(three.json().error).toMatchObject({ code: "bad_signature", field: "X-Hmb-Signature-Version" });
    // Signed as a POST of an empty body to the same URL, sent as a GET.
    const ts = String(Date.now());
    const asPost = {
      "x-hmb-institution": HOSPITAL,
      "x-hmb-timestamp": ts,
      "x-hmb-signature-version": "2",
      "x-hmb-signature": createHmac("sha256", secret).update(`${ts}\nPOST ${url}\n`).digest("hex"),
    };
    expect((await get(url, asPost)).statusCode).toBe(401);
    expect((await get(url, signedGet(fx, url))).statusCode).toBe(200);
  });
});
