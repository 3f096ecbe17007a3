/**
 * Test helpers: roster rows inserted directly (until services/roster.ts lands) and the ledger checks every
 * enrollment/payment scenario ends with.
 */
import { expect } from "vitest";
import { makeCertno, maskCertno } from "../../src/domain/certno.js";
import { blindIndex, encrypt } from "../../src/platform/crypto.js";
import type { PlatformContext } from "../../src/services/context.js";
import { checkLedger } from "../../src/services/ledger.js";

export interface TestPerson {
  psnNo: string;
  name: string;
  brdy: string;
  cohort?: string;
  unitCode?: string;
  region?: string;
}

let seq = 1;

export async function addRosterPersons(
  ctx: PlatformContext,
  programId: string,
  persons: TestPerson[],
): Promise<void> {
  for (const p of persons) {
    const certno = makeCertno(p.region ?? "532621", p.brdy.replaceAll("-", ""), seq++);
    await ctx.db.query(
      `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
         insutype, admdvs, unit_code, cohort) values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
      [
        programId,
        p.psnNo,
        encrypt(ctx.keys, certno),
        blindIndex(ctx.keys, certno),
        maskCertno(certno),
        p.name,
        "1",
        p.brdy,
        "390",
        "532621",
        p.unitCode ?? null,
        p.cohort ?? null,
      ],
    );
  }
}

/** income:premium net (credits − debits) from ledger_transfers. */
export async function premiumIncome(ctx: PlatformContext, programId: string): Promise<number> {
  const rows = await ctx.db.query<{ net: number }>(
    `select coalesce(sum(case when credit_account = 'income:premium' then amount_fen else 0 end), 0)::bigint
          - coalesce(sum(case when debit_account = 'income:premium' then amount_fen else 0 end), 0)::bigint as net
       from ledger_transfers where program_id = $1`,
    [programId],
  );
  return Number(rows[0]?.net ?? 0);
}

/** The ledger balances and premium income equals premiums of paid policies minus cancellation refunds. */
export async function expectLedgerConsistent(ctx: PlatformContext, programId: string): Promise<void> {
  const check = await checkLedger(ctx.db, programId);
  expect(check.problems).toEqual([]);
  expect(check.ok).toBe(true);
  const expected = await ctx.db.query<{ v: number }>(
    `select coalesce(sum(premium_fen), 0)::bigint - coalesce(sum(case when status = 'cancelled' then refund_fen else 0 end), 0)::bigint as v
       from policies where program_id = $1 and paid_order_no is not null`,
    [programId],
  );
  expect(await premiumIncome(ctx, programId)).toBe(Number(expected[0]?.v ?? 0));
  const pending = await ctx.db.query("select 1 from refunds where program_id = $1 and status <> 'paid'", [
    programId,
  ]);
  expect(pending).toHaveLength(0);
}

import type { FastifyInstance } from "fastify";
import { CLI_ACTOR } from "../../src/services/context.js";
import { createProgram } from "../../src/services/programs.js";
import { createUser } from "../../src/services/users.js";

export const NOW = "2023-08-01T10:00:00+08:00";
export const PROGRAM = "ws-2023";

export const PEOPLE: TestPerson[] = [
  { psnNo: "P001", name: "张三", brdy: "1980-05-01" },
  { psnNo: "P002", name: "李四", brdy: "1982-03-02" },
  { psnNo: "P003", name: "张小明", brdy: "2015-09-10" },
  { psnNo: "P004", name: "张老汉", brdy: "1950-01-01" },
  { psnNo: "P005", name: "王五", brdy: "1990-01-01", unitCode: "U1" },
  { psnNo: "P006", name: "赵六", brdy: "1991-01-01", unitCode: "U1" },
  { psnNo: "P007", name: "钱七", brdy: "1970-01-01", cohort: "tuopin" },
  { psnNo: "P008", name: "孙八", brdy: "1971-01-01", cohort: "tuopin" },
];

/** Program ws-2023 (wenshan-2023), roster PEOPLE + extra, users admin/op1/bureau1/ins1 and resident r1 (P001). */
export async function setupWenshan(ctx: PlatformContext, extra: TestPerson[] = []): Promise<void> {
  await createProgram(ctx, CLI_ACTOR, { programId: PROGRAM, productId: "wenshan-2023" });
  await addRosterPersons(ctx, PROGRAM, [...PEOPLE, ...extra]);
  await createUser(ctx, CLI_ACTOR, {
    programId: "*",
    username: "admin",
    role: "admin",
    password: "admin-pass-1",
  });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "op1",
    role: "operator",
    password: "op-pass-12",
  });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "bureau1",
    role: "bureau",
    password: "bu-pass-12",
  });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "ins1",
    role: "co_insurer",
    password: "ins-pass-12",
    insurerCode: "picc-wenshan",
  });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "res1",
    role: "resident",
    password: "r1-pass-12",
    psnNo: "P001",
  });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "res5",
    role: "resident",
    password: "r5-pass-12",
    psnNo: "P005",
  });
  await createUser(ctx, CLI_ACTOR, {
    programId: PROGRAM,
    username: "ch1",
    role: "charity",
    password: "ch-pass-12",
  });
}

const PASSWORDS: Record<string, string> = {
  admin: "admin-pass-1",
  op1: "op-pass-12",
  bureau1: "bu-pass-12",
  ins1: "ins-pass-12",
  res1: "r1-pass-12",
  res5: "r5-pass-12",
  ch1: "ch-pass-12",
};

export async function authHeaders(
  app: FastifyInstance,
  username: string,
  password = PASSWORDS[username],
): Promise<Record<string, string>> {
  const res = await app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { program_id: username === "admin" ? "*" : PROGRAM, username, password },
  });
  expect(res.statusCode).toBe(200);
  return { authorization: `Bearer ${res.json().token as string}` };
}
