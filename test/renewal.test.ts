/**
 * Renewal (issue 12 §4), on both back ends, through the API a resident's H5 uses:
 *  - one-tap renewal: a resident insured last year sees last year's plan and members with this year's
 *    premiums, and renews them with one POST; someone not insured last year is told to enroll instead;
 *  - 自动续保授权: granted and revoked by the resident (audited), carried out by the renewal job when this
 *    year's window opens — enrolled on last year's plan and members, the premium pre-authorized on the
 *    payer's 医保个人账户, the deduction then paying the policies; the job does nothing before the window and
 *    nothing twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertno, maskCertno } from "../src/domain/certno.js";
import { blindIndex, encrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { createProgram } from "../src/services/programs.js";
import { renewDuePrograms, renewProgram } from "../src/services/renewal.js";
import { createUser } from "../src/services/users.js";
import { buildCli, runHmb } from "./support/cli.js";
import {
  BACKENDS,
  openTestPlatform,
  TEST_DATA_KEY,
  type TestPlatform,
  testServer,
} from "./support/platform.js";

const DATABASE_TEST_MS = 300_000;

/** Two consecutive programs on the 文山 product (69 元, personal-account payment, family enrollment). */
const LAST = "ws-last";
const THIS = "ws-this";
/** 文山 2023 enrollment window: 2023-07-03 – 2023-08-31. */
const BEFORE_WINDOW = "2023-07-01T10:00:00+08:00";
const IN_WINDOW = "2023-08-01T10:00:00+08:00";
const PREMIUM_YUAN = 69;
const REGION = "532621";
const PASSWORD = "renew-pass-1";

interface Person {
  readonly key: string;
  readonly name: string;
  readonly brdy: string;
}
const PEOPLE: Person[] = [
  { key: "1", name: "张三", brdy: "1980-05-01" }, // payer of a family: self + child
  { key: "2", name: "张小明", brdy: "2015-09-10" }, // child
  { key: "3", name: "李四", brdy: "1982-03-02" }, // insured alone; renews with one tap
  { key: "4", name: "王五", brdy: "1990-01-01" }, // not insured last year
  { key: "5", name: "赵六", brdy: "1975-01-01" }, // grants, then revokes
];
const lastPsn = (key: string) => `L00${key}`;
const thisPsn = (key: string) => `T00${key}`;

async function addRoster(ctx: PlatformContext): Promise<void> {
  for (const [i, p] of PEOPLE.entries()) {
    const certno = makeCertno(REGION, p.brdy.replaceAll("-", ""), 700 + i);
    for (const [program, psnNo] of [
      [LAST, lastPsn(p.key)],
      [THIS, thisPsn(p.key)],
    ] as const) {
      await ctx.db.query(
        `insert into roster_persons (program_id, psn_no, certno_enc, certno_bidx, certno_masked, psn_name, gend, brdy,
           insutype, admdvs) values ($1,$2,$3,$4,$5,$6,'1',$7,'390',$8)`,
        [
          program,
          psnNo,
          encrypt(ctx.keys, certno),
          blindIndex(ctx.keys, certno),
          maskCertno(certno),
          p.name,
          p.brdy,
          REGION,
        ],
      );
    }
  }
}

describe.each(BACKENDS)("renewal (%s)", (backend) => {
  let tp: TestPlatform;
  let app: FastifyInstance;

  const login = async (program: string, key: string): Promise<Record<string, string>> => {
    const res = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { program_id: program, username: `r${key}-${program}`, password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    return { authorization: `Bearer ${res.json().token as string}` };
  };

  beforeAll(async () => {
    tp = await openTestPlatform(backend, { now: IN_WINDOW });
    const { ctx } = tp;
    await createProgram(ctx, CLI_ACTOR, { programId: LAST, productId: "wenshan-2023" });
    await createProgram(ctx, CLI_ACTOR, { programId: THIS, productId: "wenshan-2023", follows: LAST });
    await addRoster(ctx);
    for (const p of PEOPLE) {
      for (const [program, psnNo] of [
        [LAST, lastPsn(p.key)],
        [THIS, thisPsn(p.key)],
      ] as const) {
        await createUser(ctx, CLI_ACTOR, {
          programId: program,
          username: `r${p.key}-${program}`,
          role: "resident",
          password: PASSWORD,
          psnNo,
        });
      }
    }
    // Last year: 1 insured themself and their child; 3 and 5 insured alone (all paid offline at once).
    await enroll(ctx, CLI_ACTOR, {
      programId: LAST,
      kind: "family",
      payerPsnNo: lastPsn("1"),
      members: [
        { psnNo: lastPsn("1"), relation: "self" },
        { psnNo: lastPsn("2"), relation: "child" },
      ],
      channel: "offline",
    });
    for (const key of ["3", "5"])
      await enroll(ctx, CLI_ACTOR, {
        programId: LAST,
        kind: "individual",
        psnNo: lastPsn(key),
        channel: "offline",
      });
    app = await testServer(tp);
  }, DATABASE_TEST_MS);

  afterAll(async () => {
    await app?.close();
    await tp?.close();
  });

  it("grants and revokes 自动续保授权, audited; refuses someone with no policy this year", async () => {
    const { ctx } = tp;
    const url = `/api/v1/programs/${LAST}/renewal/authorization`;
    const h1 = await login(LAST, "1");
    expect((await app.inject({ method: "GET", url, headers: h1 })).json().status).toBe("none");
    const granted = await app.inject({ method: "POST", url, headers: h1 });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({ status: "granted", psn_no: lastPsn("1"), revoked_at: null });
    // Granting again changes nothing (one audit row).
    expect((await app.inject({ method: "POST", url, headers: h1 })).json().status).toBe("granted");

    const h5 = await login(LAST, "5");
    expect((await app.inject({ method: "POST", url, headers: h5 })).json().status).toBe("granted");
    const revoked = await app.inject({ method: "POST", url: `${url}/revoke`, headers: h5 });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json().status).toBe("revoked");
    expect(revoked.json().revoked_at).not.toBeNull();

    // 4 holds no policy last year: nothing to renew, refused in Chinese, nothing stored.
    const h4 = await login(LAST, "4");
    const refused = await app.inject({ method: "POST", url, headers: h4 });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.message).toContain("还没有已生效的保单");

    const audit = await ctx.db.query<{ subject: string; action: string }>(
      "select subject, action from audit_log where program_id = $1 and action in ('renewal.authorize', 'renewal.revoke') order by audit_id",
      [LAST],
    );
    expect(audit).toEqual([
      { subject: lastPsn("1"), action: "renewal.authorize" },
      { subject: lastPsn("5"), action: "renewal.authorize" },
      { subject: lastPsn("5"), action: "renewal.revoke" },
    ]);
    // Reading one's own authorization is a read of personal data: audited too.
    const reads = await ctx.db.query<{ n: number }>(
      "select count(*)::int as n from audit_log where program_id = $1 and action = 'renewal.authorization.read'",
      [LAST],
    );
    expect(Number(reads[0]?.n)).toBeGreaterThan(0);
    const rows = await ctx.db.query(
      "select 1 from renewal_authorizations where program_id = $1 and psn_no = $2",
      [LAST, lastPsn("4")],
    );
    expect(rows).toHaveLength(0);
    // Without a valid session: refused before anything is read.
    const staff = await app.inject({ method: "POST", url, headers: { authorization: "Bearer nope" } });
    expect(staff.statusCode).toBe(401);
  });

  it("shows last year's household with this year's premiums; one not insured last year is told to enroll", async () => {
    const h1 = await login(THIS, "1");
    const offer = await app.inject({ method: "GET", url: `/api/v1/programs/${THIS}/renewal`, headers: h1 });
    expect(offer.statusCode).toBe(200);
    expect(offer.json()).toMatchObject({
      follows_program_id: LAST,
      available: true,
      reason: null,
      plan: "standard",
      // Two members at 69 元.
      total: (2 * PREMIUM_YUAN).toFixed(2),
      personal_account: true,
    });
    expect(
      offer
        .json()
        .members.map((m: { psn_no: string; relation: string; status: string; insured_years: number }) => [
          m.psn_no,
          m.relation,
          m.status,
          m.insured_years,
        ]),
    ).toEqual([
      [thisPsn("1"), "self", "to_renew", 2],
      [thisPsn("2"), "child", "to_renew", 2],
    ]);
    const h4 = await login(THIS, "4");
    const none = await app.inject({ method: "GET", url: `/api/v1/programs/${THIS}/renewal`, headers: h4 });
    expect(none.json()).toMatchObject({ available: false, members: [] });
    expect(none.json().reason).toContain("上一年度没有您投保的保单");
    const post = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${THIS}/renewal`,
      headers: h4,
      payload: { channel: "cash" },
    });
    expect(post.statusCode).toBe(422);
  });

  it("renews with one tap: the policy is this year's second insured year", async () => {
    const { ctx } = tp;
    const h3 = await login(THIS, "3");
    const bad = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${THIS}/renewal`,
      headers: h3,
      payload: { channel: "wechat" },
    });
    expect(bad.statusCode).toBe(400);
    const res = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${THIS}/renewal`,
      headers: h3,
      payload: { channel: "cash" },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().policies).toMatchObject([{ psn_no: thisPsn("3"), premium: PREMIUM_YUAN.toFixed(2) }]);
    const policy = await ctx.db.query<{ insured_years: number; claim_free_years: number }>(
      "select insured_years, claim_free_years from policies where program_id = $1 and psn_no = $2",
      [THIS, thisPsn("3")],
    );
    expect(policy.map((p) => [Number(p.insured_years), Number(p.claim_free_years)])).toEqual([[2, 1]]);
    // Paid: the offer now says there is nothing left to renew.
    const order = res.json().payment.order_no as string;
    expect((await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${order}` })).statusCode).toBe(200);
    const after = await app.inject({ method: "GET", url: `/api/v1/programs/${THIS}/renewal`, headers: h3 });
    expect(after.json()).toMatchObject({ available: false, total: "0.00" });
    expect(after.json().members[0].status).toBe("already_enrolled");
  });

  it("the job: nothing before the window; then enrolls and pre-authorizes the personal account, once", async () => {
    const { ctx } = tp;
    tp.clock.set(BEFORE_WINDOW);
    const early = await renewProgram(ctx, CLI_ACTOR, THIS);
    expect(early).toMatchObject({ windowOpen: false, authorizations: 1, renewed: [] });
    expect(
      await ctx.db.query("select 1 from policies where program_id = $1 and psn_no = $2", [
        THIS,
        thisPsn("1"),
      ]),
    ).toHaveLength(0);

    // The server's sweep skips a program whose window is not open (and one that follows none).
    expect(await renewDuePrograms(ctx)).toEqual([]);

    tp.clock.set(IN_WINDOW);
    // The server's sweep (hmb serve runs it on a timer) carries the authorizations out by itself.
    const runs = await renewDuePrograms(ctx);
    expect(runs.map((r) => r.programId)).toEqual([THIS]);
    const run = runs[0] as (typeof runs)[number];
    // Only 1's authorization: 5 revoked, 3 never granted.
    expect(run.windowOpen).toBe(true);
    expect(run.renewed).toEqual([{ psnNo: lastPsn("1"), enrollmentId: expect.any(String), persons: 2 }]);
    expect(run.failed).toEqual([]);
    const orders = await ctx.db.query<{
      order_no: string;
      channel: string;
      status: string;
      amount_fen: number;
    }>(
      `select order_no, channel, status, amount_fen from payment_orders where program_id = $1 and enrollment_id = $2`,
      [THIS, run.renewed[0]?.enrollmentId ?? ""],
    );
    // 2 × 69 元, pre-authorized on the payer's 医保个人账户.
    expect(orders.map((o) => [o.channel, o.status, Number(o.amount_fen)])).toEqual([
      ["personal_account", "preauthorized", 2 * PREMIUM_YUAN * 100],
    ]);
    const policies = await ctx.db.query<{ psn_no: string; relation: string; insured_years: number }>(
      "select psn_no, relation, insured_years from policies where program_id = $1 and enrollment_id = $2 order by psn_no",
      [THIS, run.renewed[0]?.enrollmentId ?? ""],
    );
    expect(policies.map((p) => [p.psn_no, p.relation, Number(p.insured_years)])).toEqual([
      [thisPsn("1"), "self", 2],
      [thisPsn("2"), "child", 2],
    ]);

    const sweepAudit = await ctx.db.query<{ actor: string }>(
      "select actor from audit_log where program_id = $1 and action = 'renewal.auto'",
      [THIS],
    );
    expect(sweepAudit.map((a) => a.actor)).toEqual(["renewal-sweep"]);

    // Again: nothing twice.
    const again = await renewProgram(ctx, CLI_ACTOR, THIS);
    expect(again).toMatchObject({ authorizations: 0, renewed: [], failed: [] });
    const count = await ctx.db.query("select 1 from policies where program_id = $1 and psn_no = $2", [
      THIS,
      thisPsn("1"),
    ]);
    expect(count).toHaveLength(1);

    // The deduction succeeds: the policies are paid through the personal account.
    const paid = await app.inject({ method: "POST", url: `/api/v1/sandbox/pay/${orders[0]?.order_no}` });
    expect(paid.statusCode).toBe(200);
    const issued = await ctx.db.query<{ paid_channel: string }>(
      "select paid_channel from policies where program_id = $1 and enrollment_id = $2",
      [THIS, run.renewed[0]?.enrollmentId ?? ""],
    );
    expect(issued.map((p) => p.paid_channel)).toEqual(["personal_account", "personal_account"]);

    // The resident sees it carried out.
    const h1 = await login(LAST, "1");
    const auth = await app.inject({
      method: "GET",
      url: `/api/v1/programs/${LAST}/renewal/authorization`,
      headers: h1,
    });
    expect(auth.json()).toMatchObject({
      status: "granted",
      renewed_into: THIS,
      enrollment_id: run.renewed[0]?.enrollmentId,
    });

    // The operator's route runs the same job; a resident may not.
    const staffRun = await app.inject({
      method: "POST",
      url: `/api/v1/programs/${THIS}/renewal/run`,
      headers: await login(THIS, "1"),
    });
    expect(staffRun.statusCode).toBe(403);
  });

  it("refuses the job for a program that follows none", async () => {
    await expect(renewProgram(tp.ctx, CLI_ACTOR, LAST)).rejects.toMatchObject({ field: "program_id" });
  });
});

describe("hmb program create --follows, hmb program renew (CLI)", () => {
  let dir: string;

  beforeAll(() => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), "hmb-renew-"));
  }, DATABASE_TEST_MS);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it(
    "creates a program that follows another, and runs the renewal job idempotently",
    () => {
      const env = (now: string) => ({
        HMB_DATA_DIR: join(dir, "pg"),
        HMB_DATA_KEY: TEST_DATA_KEY,
        HMB_NOW: now,
      });
      expect(runHmb(["program", "create", "--id", LAST, "--product", "wenshan-2023"], env("")).status).toBe(
        0,
      );
      const bad = runHmb(
        ["program", "create", "--id", THIS, "--product", "wenshan-2023", "--follows", "ws-none"],
        env(""),
      );
      expect(bad.status).toBe(2);
      expect(bad.stderr).toContain("接续的上一年度项目 ws-none 不存在");
      const ok = runHmb(
        ["program", "create", "--id", THIS, "--product", "wenshan-2023", "--follows", LAST],
        env(""),
      );
      expect(ok.status).toBe(0);
      const early = runHmb(["program", "renew", "--id", THIS], env(BEFORE_WINDOW));
      expect(early.status).toBe(0);
      expect(early.stdout).toContain("投保期尚未开始，未处理");
      for (let run = 0; run < 2; run++) {
        const open = runHmb(["program", "renew", "--id", THIS], env(IN_WINDOW));
        expect(open.status).toBe(0);
        expect(open.stdout).toContain(`${THIS} ← ${LAST}: 授权 0 份，续保 0 份`);
      }
      const none = runHmb(["program", "renew", "--id", LAST], env(IN_WINDOW));
      expect(none.status).toBe(2);
      expect(none.stderr).toContain("没有接续的上一年度项目");
    },
    DATABASE_TEST_MS,
  );
});
