/**
 * Oversight fixtures: a 文山 program whose business clock moves forward through enrollments (several days,
 * counties, units, cohorts), cancellations before and after the effective date, settlements, a revocation and
 * a corrected re-settlement — and the same figures computed directly from the base tables, the reference the
 * rollups must match.
 */
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import { buildServer } from "../../src/api/server.js";
import { beijingDayStart } from "../../src/domain/ledger.js";
import { CLI_ACTOR, type PlatformContext } from "../../src/services/context.js";
import { enroll } from "../../src/services/enrollment.js";
import { payoutBucket } from "../../src/services/oversight/buckets.js";
import { cancelPolicy } from "../../src/services/policies.js";
import { createUser } from "../../src/services/users.js";
import { type ClaimsFixture, postSettlement, recordFor, revokeSettlement, setupClaims } from "./claims.js";
import type { TestPlatform } from "./platform.js";
import { PROGRAM, type TestPerson } from "./roster.js";

const Y = (yuan: number) => yuan * 100;
const DAY = 86_400_000;

export interface MovableClock {
  now(): Date;
  set(iso: string): void;
}

export function movableClock(iso: string): MovableClock {
  let t = Date.parse(iso);
  return {
    now: () => new Date(t),
    set(next: string) {
      const n = Date.parse(next);
      if (n < t) throw new Error(`the business clock only moves forward: ${next}`);
      t = n;
    },
  };
}

export const EXTRA: TestPerson[] = [
  { psnNo: "P009", name: "周九", brdy: "1960-02-02", cohort: "dibao" },
  { psnNo: "P010", name: "吴十", brdy: "1985-03-03", unitCode: "U2" },
  { psnNo: "P011", name: "郑十一", brdy: "1999-04-04", unitCode: "U2" },
  { psnNo: "P012", name: "冯十二", brdy: "2001-05-05" },
];

/** Everything a response must never contain: names, psn_no, ID numbers, settlement ids. */
export interface Secrets {
  readonly strings: string[];
}

export interface OversightScenario {
  readonly ctx: PlatformContext;
  readonly clock: MovableClock;
  readonly app: FastifyInstance;
  readonly fx: ClaimsFixture;
  readonly secrets: string[];
  /** The days the scenario's events happened on, for as-of checks. */
  readonly days: string[];
}

/** Runs the whole scenario on a fresh test platform; the returned app runs on the movable clock. */
export async function runOversightScenario(platform: TestPlatform): Promise<OversightScenario> {
  const clock = movableClock("2023-07-20T09:00:00+08:00");
  const ctx: PlatformContext = { ...platform.ctx, clock };
  const app = await buildServer(ctx, { publicRateLimit: 10_000 });
  const fx = await setupClaims(ctx, { insured: ["P001", "P002"], extra: EXTRA });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "reg1",
    role: "regulator",
    password: "reg-pass-12",
  });
  // Counties: the roster fixture puts everyone in 532621 (文山市's former code); move some to 砚山县 and
  // 丘北县, one of them (P002) already insured — the roster trigger must move the insured count too.
  await ctx.db.query(
    "update roster_persons set admdvs = '532622' where program_id = $1 and psn_no in ('P003', 'P005', 'P009', 'P002')",
    [PROGRAM],
  );
  await ctx.db.query(
    "update roster_persons set admdvs = '532626' where program_id = $1 and psn_no = 'P010'",
    [PROGRAM],
  );

  clock.set("2023-08-10T11:00:00+08:00");
  const individual = async (psnNo: string) =>
    enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo, channel: "offline" });
  await individual("P003");
  await individual("P004");
  await enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "unit", unitCode: "U1", channel: "offline" });

  clock.set("2023-08-21T15:00:00+08:00");
  await individual("P007");
  await individual("P009");
  await enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "unit", unitCode: "U2", channel: "offline" });

  clock.set("2023-08-25T10:00:00+08:00");
  const policyOf = async (psnNo: string) =>
    (
      await ctx.db.query<{ policy_no: string }>(
        "select policy_no from policies where program_id = $1 and psn_no = $2",
        [PROGRAM, psnNo],
      )
    )[0]?.policy_no as string;
  // Before the effective date: full refund, nothing earned.
  await cancelPolicy(ctx, CLI_ACTOR, PROGRAM, await policyOf("P004"), { reason: "test" });

  clock.set("2023-10-10T16:00:00+08:00");
  const settle = async (
    setlId: string,
    psnNo: string,
    inScope: number,
    extra: Record<string, number> = {},
  ) => {
    const res = await postSettlement(app, fx, await recordFor(fx, { setlId, psnNo, inScope, ...extra }));
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  await settle("S-OV-1", "P001", Y(20_000)); // (20,000 − 12,000) × 80 % = 6,400
  await settle("S-OV-2", "P002", Y(5_000)); // below the deductible: covered, zero
  await settle("S-OV-3", "P003", Y(100_000)); // 70,400
  await settle("S-OV-4", "P005", Y(40_000), { fullOwnPay: Y(30_000) }); // two liabilities
  await settle("S-OV-5", "P008", Y(30_000)); // no policy: not covered

  clock.set("2023-10-20T09:30:00+08:00");
  const revoked = await revokeSettlement(app, fx, "S-OV-3");
  expect(revoked.statusCode, revoked.body).toBe(200);
  await settle("S-OV-3C", "P003", Y(90_000)); // the corrected record: 62,400
  await settle("S-OV-6", "P001", Y(700_000)); // P001 moves up the payout buckets

  clock.set("2023-11-15T14:00:00+08:00");
  // After the effective date: refund by cash value (unearned days).
  await cancelPolicy(ctx, CLI_ACTOR, PROGRAM, await policyOf("P006"), { reason: "test" });

  clock.set("2023-11-20T10:00:00+08:00");
  await settle("S-OV-7", "P009", Y(13_000));

  const secrets = [
    ...["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P008", "P009", "P010", "P011", "P012"],
    ...["张三", "李四", "张小明", "张老汉", "王五", "赵六", "钱七", "孙八", "周九", "吴十"],
    ...["S-OV-1", "S-OV-2", "S-OV-3", "S-OV-4", "S-OV-5", "S-OV-6", "S-OV-7"],
  ];
  for (const p of ["P001", "P003", "P005", "P009"]) secrets.push(await fx.certnoOf(p));
  return {
    ctx,
    clock,
    app,
    fx,
    secrets,
    days: [
      "2023-08-09",
      "2023-08-10",
      "2023-08-25",
      "2023-09-01",
      "2023-10-10",
      "2023-10-20",
      "2023-11-15",
      "2023-11-20",
    ],
  };
}

/** End of a Beijing day as an instant. */
export function endOfDay(day: string): number {
  return (beijingDayStart(day) as Date).getTime() + DAY;
}

export interface DirectFigures {
  insured: number;
  issued: number;
  cancelled: number;
  writtenFen: number;
  refundFen: number;
  earnedFen: number;
  settled: number;
  revoked: number;
  covered: number;
  coveredPartFen: number;
  paidClaims: number;
  paidFen: number;
  paidPartFen: number;
  beneficiaries: number;
  buckets: number[];
  bucketPaid: number[];
}

/**
 * The oversight figures as of the end of `day`, computed straight from policies and claims, row by row —
 * no rollup involved.
 */
export async function directFigures(ctx: PlatformContext, day: string): Promise<DirectFigures> {
  const end = endOfDay(day);
  const policies = await ctx.db.query<{
    plan_id: string;
    premium_fen: number;
    status: string;
    coverage_start: Date;
    coverage_end: Date;
    issued_at: Date | null;
    cancelled_at: Date | null;
    refund_fen: number | null;
  }>(
    `select plan_id, premium_fen, status, coverage_start, coverage_end, issued_at, cancelled_at, refund_fen
       from policies where program_id = $1`,
    [PROGRAM],
  );
  const f: DirectFigures = {
    insured: 0,
    issued: 0,
    cancelled: 0,
    writtenFen: 0,
    refundFen: 0,
    earnedFen: 0,
    settled: 0,
    revoked: 0,
    covered: 0,
    coveredPartFen: 0,
    paidClaims: 0,
    paidFen: 0,
    paidPartFen: 0,
    beneficiaries: 0,
    buckets: Array(9).fill(0),
    bucketPaid: Array(9).fill(0),
  };
  const inForce = new Map<string, { premium: number; start: number; end: number }>();
  for (const p of policies) {
    if (p.issued_at === null || new Date(p.issued_at).getTime() >= end) continue;
    const premium = Number(p.premium_fen);
    f.issued++;
    f.writtenFen += premium;
    const cancelled =
      p.status === "cancelled" && p.cancelled_at !== null && new Date(p.cancelled_at).getTime() < end;
    if (cancelled) {
      f.cancelled++;
      f.refundFen += Number(p.refund_fen ?? 0);
      f.earnedFen += premium - Number(p.refund_fen ?? 0);
      continue;
    }
    f.insured++;
    const start = new Date(p.coverage_start).getTime();
    const stop = new Date(p.coverage_end).getTime();
    const key = `${p.plan_id}|${start}|${stop}`;
    const g = inForce.get(key) ?? { premium: 0, start, end: stop };
    g.premium += premium;
    inForce.set(key, g);
  }
  for (const g of inForce.values()) {
    const total = Math.round((g.end - g.start) / DAY);
    const elapsed = Math.min(total, Math.max(0, Math.floor((end - g.start) / DAY)));
    f.earnedFen += Math.floor((g.premium * elapsed) / total);
  }
  const claims = await ctx.db.query<{
    psn_no: string;
    status: string;
    hmb_pay_fen: number;
    psn_part_amt_fen: number;
    created_at: Date;
    revoked_at: Date | null;
  }>(
    "select psn_no, status, hmb_pay_fen, psn_part_amt_fen, created_at, revoked_at from claims where program_id = $1",
    [PROGRAM],
  );
  const perPerson = new Map<string, number>();
  for (const c of claims) {
    if (new Date(c.created_at).getTime() >= end) continue;
    if (c.revoked_at !== null && new Date(c.revoked_at).getTime() < end) {
      f.revoked++;
      continue;
    }
    const pay = Number(c.hmb_pay_fen);
    const part = Number(c.psn_part_amt_fen);
    f.settled++;
    if (c.status !== "not_covered") {
      f.covered++;
      f.coveredPartFen += part;
    }
    if (pay > 0) {
      f.paidClaims++;
      f.paidFen += pay;
      f.paidPartFen += part;
      perPerson.set(c.psn_no, (perPerson.get(c.psn_no) ?? 0) + pay);
    }
  }
  for (const total of perPerson.values()) {
    f.beneficiaries++;
    const b = payoutBucket(total);
    f.buckets[b] = (f.buckets[b] ?? 0) + 1;
    f.bucketPaid[b] = (f.bucketPaid[b] ?? 0) + total;
  }
  return f;
}
