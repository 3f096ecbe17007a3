/**
 * Claims test fixtures: program ws-2023 with paid policies, a registered hospital and pharmacy, and
 * helpers to build and sign settlement records the way an institution does.
 */

import { createHmac } from "node:crypto";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { decrypt } from "../../src/platform/crypto.js";
import { CLI_ACTOR, type PlatformContext } from "../../src/services/context.js";
import { createCharityPool, donate, enroll } from "../../src/services/enrollment.js";
import { addInstitution } from "../../src/services/institutions.js";
import { type RecordSpec, record } from "../fixtures.js";
import { PROGRAM, setupWenshan, type TestPerson } from "./roster.js";

export const HOSPITAL = "H53260100001";
export const OTHER_HOSPITAL = "H53260100002";
export const PHARMACY = "P53260100001";

/**
 * When the claims tests' institutions settle: in the coverage year (2023-09-01 – 2024-08-31), after every stay
 * the fixtures date (record() defaults to 2023-10-10). Tests enroll at NOW, in the enrollment window, then move
 * the business clock here, as an operator restarting with a later HMB_NOW would: a record settled after the
 * business clock is refused.
 */
export const SETTLE_NOW = "2023-12-31T10:00:00+08:00";

export interface ClaimsFixture {
  /** Institution code → its signing secret. */
  readonly secrets: Map<string, string>;
  /** psn_no → plaintext certno, read back from the roster. */
  certnoOf(psnNo: string): Promise<string>;
}

/**
 * setupWenshan plus: the given persons (default P001–P004) enrolled offline (paid at once), and the two
 * hospitals and one pharmacy registered with their secrets.
 */
export async function setupClaims(
  ctx: PlatformContext,
  options: { insured?: string[]; extra?: TestPerson[] } = {},
): Promise<ClaimsFixture> {
  await setupWenshan(ctx, options.extra ?? []);
  for (const psnNo of options.insured ?? ["P001", "P002", "P003", "P004"]) {
    await enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo, channel: "offline" });
  }
  const secrets = new Map<string, string>();
  for (const code of [HOSPITAL, OTHER_HOSPITAL, PHARMACY]) {
    const added = await addInstitution(ctx, CLI_ACTOR, { programId: PROGRAM, code, name: `机构 ${code}` });
    secrets.set(code, added.secret);
  }
  const cache = new Map<string, string>();
  return {
    secrets,
    async certnoOf(psnNo: string) {
      const hit = cache.get(psnNo);
      if (hit !== undefined) return hit;
      const rows = await ctx.db.query<{ certno_enc: Uint8Array }>(
        "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
        [PROGRAM, psnNo],
      );
      if (rows[0] === undefined) throw new Error(`no roster person ${psnNo}`);
      const certno = decrypt(ctx.keys, rows[0].certno_enc);
      cache.set(psnNo, certno);
      return certno;
    },
  };
}

/** A settlement record for a roster person, with their real certno. */
export async function recordFor(
  fixture: ClaimsFixture,
  spec: RecordSpec & { psnNo: string },
): Promise<Record<string, unknown>> {
  return { ...record(spec), certno: await fixture.certnoOf(spec.psnNo) };
}

export function signHeaders(
  secret: string,
  body: string,
  institution = HOSPITAL,
  timestamp = String(Date.now()),
): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-hmb-institution": institution,
    "x-hmb-timestamp": timestamp,
    "x-hmb-signature": createHmac("sha256", secret).update(`${timestamp}\n${body}`).digest("hex"),
  };
}

/**
 * Version-2 signing headers (docs/claims.md "Signing requests"): the signature covers method, request target
 * (path and query exactly as sent) and body, so it is good for this one request only. Reads must use it.
 */
export function signHeadersV2(
  secret: string,
  method: string,
  target: string,
  body = "",
  institution = HOSPITAL,
  timestamp = String(Date.now()),
): Record<string, string> {
  return {
    ...(body === "" ? {} : { "content-type": "application/json" }),
    "x-hmb-institution": institution,
    "x-hmb-timestamp": timestamp,
    "x-hmb-signature-version": "2",
    "x-hmb-signature": createHmac("sha256", secret)
      .update(`${timestamp}\n${method.toUpperCase()} ${target}\n${body}`)
      .digest("hex"),
  };
}

/** Version-2 headers for a signed GET of `target` by `institution`. */
export function signedGet(
  fixture: ClaimsFixture,
  target: string,
  institution = HOSPITAL,
): Record<string, string> {
  return signHeadersV2(fixture.secrets.get(institution) as string, "GET", target, "", institution);
}

export async function postSettlement(
  app: FastifyInstance,
  fixture: ClaimsFixture,
  body: string | Record<string, unknown>,
  institution = HOSPITAL,
): Promise<LightMyRequestResponse> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return app.inject({
    method: "POST",
    url: `/api/v1/programs/${PROGRAM}/settlements`,
    headers: signHeaders(fixture.secrets.get(institution) as string, text, institution),
    payload: text,
  });
}

export async function revokeSettlement(
  app: FastifyInstance,
  fixture: ClaimsFixture,
  setlId: string,
  institution = HOSPITAL,
): Promise<LightMyRequestResponse> {
  // Naming the setl_id in the body binds the signature to this settlement (see the replay test).
  const text = JSON.stringify({ reason: "结算有误", setl_id: setlId });
  return app.inject({
    method: "POST",
    url: `/api/v1/programs/${PROGRAM}/settlements/${setlId}/revoke`,
    headers: signHeaders(fixture.secrets.get(institution) as string, text, institution),
    payload: text,
  });
}

export const settlementUrl = (setlId: string) => `/api/v1/programs/${PROGRAM}/settlements/${setlId}`;

export async function getSettlement(
  app: FastifyInstance,
  setlId: string,
  headers: Record<string, string>,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: "GET", url: settlementUrl(setlId), headers });
}

/**
 * A charity pool `pool-a` with one donation of 1,000.00 yuan that sponsors `psnNo` (the console and contract
 * tours read the pool, its donations and the sponsored person's claims).
 */
export async function sponsorByCharity(ctx: PlatformContext, psnNo: string): Promise<void> {
  await createCharityPool(ctx, CLI_ACTOR, { programId: PROGRAM, poolId: "pool-a", name: "助保金 A" });
  await donate(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    poolId: "pool-a",
    amountFen: 100_000,
    donor: "慈善总会",
    ref: "d-1",
  });
  await enroll(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    kind: "charity",
    psnNos: [psnNo],
    channel: "charity:pool-a",
  });
}
