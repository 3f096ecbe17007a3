/** Aid test fixtures: aid program files with defaults, funds opened and topped up, claims settled by the hospital. */

import { contributeToFund, createAidFund } from "../../src/services/aid/funds.js";
import { settleClaim } from "../../src/services/claims/settle.js";
import type { Actor, PlatformContext } from "../../src/services/context.js";
import { CLI_ACTOR } from "../../src/services/context.js";
import { Y } from "../fixtures.js";
import { type ClaimsFixture, HOSPITAL, recordFor } from "./claims.js";
import { PROGRAM } from "./roster.js";

export const HOSPITAL_ACTOR: Actor = { id: HOSPITAL, role: "hospital", programId: PROGRAM };
export const PERIOD = { start: "2023-09-01 00:00:00", end: "2024-09-01 00:00:00" };

/** An aid program file (yuan, percent) with the test's defaults. */
export function aidFile(over: Record<string, unknown>): Record<string, unknown> {
  return {
    schemaVersion: 1,
    version: 1,
    sponsor: { kind: "charity", name: "测试基金会" },
    priority: 10,
    period: PERIOD,
    eligibility: { cohorts: ["dibao"] },
    covers: { kind: "residual", after: ["hmb"] },
    mode: { kind: "automatic" },
    ...over,
  };
}

export async function openFund(ctx: PlatformContext, fundId: string, yuan: number, keeper?: string) {
  await createAidFund(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    fundId,
    name: `${fundId} 专户`,
    sponsorKind: "charity",
    sponsorName: "测试基金会",
    keeper,
  });
  if (yuan > 0) await topUp(ctx, fundId, yuan, `${fundId}-init`);
}

export async function topUp(ctx: PlatformContext, fundId: string, yuan: number, ref: string) {
  await contributeToFund(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    fundId,
    kind: "top_up",
    amount: Y(yuan),
    ref,
  });
}

export async function settle(
  ctx: PlatformContext,
  fx: ClaimsFixture,
  setlId: string,
  psnNo: string,
  spec: {
    inScope: number;
    fullOwnPay?: number;
    diagnosis?: string;
    items?: { code: string; amount: number }[];
  },
) {
  return settleClaim(ctx, HOSPITAL_ACTOR, {
    programId: PROGRAM,
    record: await recordFor(fx, { setlId, psnNo, ...spec }),
    kind: "one_stop",
    payee: "hospital",
    source: "one_stop",
    institution: HOSPITAL,
  });
}
