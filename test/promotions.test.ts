/**
 * Issue 14, distribution and promotion: a promotion code per co-insurer, agent, unit and community carries
 * its attribution through the H5's visit, the eligibility check, the order and the payment; the funnel counts
 * each stage per code, kind, county and co-insurer; a co-insurer sees and manages its own codes only; a code
 * holds no personal data; a disabled or malformed code is refused naming `promo_code` and changes nothing.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR } from "../src/services/context.js";
import { createProgram } from "../src/services/programs.js";
import { createUser } from "../src/services/users.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { addRosterPersons, authHeaders, NOW, PEOPLE, PROGRAM } from "./support/roster.js";

const LEAD = "picc-wenshan";
const OTHER = "cpic-wenshan";
const COUNTY = "532622"; // 砚山县

describe.each(BACKENDS)("promotion codes and the funnel on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const base = `/api/v1/programs/${PROGRAM}`;
  let op: Record<string, string>;
  let ins1: Record<string, string>;
  let ins2: Record<string, string>;
  let resident: Record<string, string>;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    const { ctx } = platform;
    await createProgram(ctx, CLI_ACTOR, {
      programId: PROGRAM,
      productId: "wenshan-2023",
      insurers: [
        { code: LEAD, name: "人保财险文山州分公司", shareBps: 6000, lead: true },
        { code: OTHER, name: "太平洋财险文山中心支公司", shareBps: 4000, lead: false },
      ],
    });
    await addRosterPersons(ctx, PROGRAM, PEOPLE);
    const users = [
      { username: "op1", role: "operator", password: "op-pass-12" },
      { username: "ins1", role: "co_insurer", password: "ins-pass-12", insurerCode: LEAD },
      { username: "ins2", role: "co_insurer", password: "ins-pass-22", insurerCode: OTHER },
      { username: "res1", role: "resident", password: "r1-pass-12", psnNo: "P001" },
    ] as const;
    for (const u of users) await createUser(ctx, CLI_ACTOR, { programId: PROGRAM, ...u });
    op = await authHeaders(app, "op1");
    ins1 = await authHeaders(app, "ins1");
    ins2 = await authHeaders(app, "ins2", "ins-pass-22");
    resident = await authHeaders(app, "res1");
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  const create = (headers: Record<string, string>, payload: Record<string, unknown>) =>
    app.inject({ method: "POST", url: `${base}/promotions`, headers, payload });

  async function funnel(headers: Record<string, string>, by: string) {
    const res = await app.inject({ method: "GET", url: `${base}/promotions/funnel?by=${by}`, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      rows: { key: string; label: string; visit: number; eligibility: number; order: number; paid: number }[];
      total: {
        visit: number;
        eligibility: number;
        order: number;
        paid: number;
        conversion_bps: number | null;
      };
    };
  }

  it("creates codes that hold no personal data; a co-insurer creates and sees its own only", async () => {
    const community = await create(op, {
      kind: "community",
      name: "砚山县江那镇社区",
      insurer_code: LEAD,
      county: COUNTY,
    });
    expect(community.statusCode, community.body).toBe(201);
    const c = community.json();
    expect(c.code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    expect(c.link).toBe(`/?program=${PROGRAM}&promo=${c.code}`);
    expect(c).toMatchObject({
      county_name: "砚山县",
      insurer_name: "人保财险文山州分公司",
      status: "active",
    });

    const agent = await create(ins2, { kind: "agent", name: "代理人工号 A103" });
    expect(agent.statusCode, agent.body).toBe(201);
    expect(agent.json().insurer_code).toBe(OTHER);
    // Not for another company, not an unknown one, not a county outside the program's region.
    expect((await create(ins2, { kind: "agent", name: "x", insurer_code: LEAD })).statusCode).toBe(403);
    const unknown = await create(op, { kind: "unit", name: "某单位", insurer_code: "nobody" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe("insurer_code");
    const county = await create(op, { kind: "unit", name: "某单位", insurer_code: LEAD, county: "110101" });
    expect(county.json().error.field).toBe("county");
    // Residents cannot create codes.
    expect((await create(resident, { kind: "agent", name: "x" })).statusCode).toBe(403);

    const own = await app.inject({ method: "GET", url: `${base}/promotions`, headers: ins2 });
    expect(own.json().promotions.map((p: { code: string }) => p.code)).toEqual([agent.json().code]);
    expect(own.json().insurers).toEqual([{ code: OTHER, name: "太平洋财险文山中心支公司" }]);
    const all = await app.inject({ method: "GET", url: `${base}/promotions`, headers: op });
    expect(all.json().promotions).toHaveLength(2);
    expect(all.json().counties).toContainEqual({ code: COUNTY, name: "砚山县" });
  });

  it("counts a visit, an eligibility check, an order and the persons paid against the code", async () => {
    const list = (await app.inject({ method: "GET", url: `${base}/promotions`, headers: op })).json();
    const code = list.promotions.find((p: { kind: string }) => p.kind === "community").code as string;

    // The landing: public, counted, answers with the program's name only.
    const visit = await app.inject({ method: "POST", url: `${base}/promotions/${code}/visits` });
    expect(visit.statusCode, visit.body).toBe(200);
    expect(visit.json()).toEqual({ program_id: PROGRAM, program_name: expect.any(String), promo_code: code });
    await app.inject({ method: "POST", url: `${base}/promotions/${code}/visits` });

    const certnoOf = async (psnNo: string) =>
      decrypt(
        platform.ctx.keys,
        (
          await platform.ctx.db.query<{ certno_enc: Uint8Array }>(
            "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
            [PROGRAM, psnNo],
          )
        )[0]?.certno_enc as Uint8Array,
      );
    const certno = await certnoOf("P001");
    const eligibility = await app.inject({
      method: "POST",
      url: `${base}/eligibility`,
      headers: resident,
      payload: { certno, promo_code: code },
    });
    expect(eligibility.statusCode, eligibility.body).toBe(200);

    const enrolled = await app.inject({
      method: "POST",
      url: `${base}/enrollments`,
      headers: resident,
      payload: {
        kind: "family",
        payer_psn_no: "P001",
        channel: "cash",
        promo_code: code,
        members: [
          { relation: "self" },
          { certno: await certnoOf("P003"), psn_name: "张小明", relation: "child" },
        ],
      },
    });
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    const stored = await platform.ctx.db.query<{ promo_code: string | null }>(
      "select promo_code from enrollments where program_id = $1 and enrollment_id = $2",
      [PROGRAM, enrolled.json().enrollment_id],
    );
    expect(stored).toEqual([{ promo_code: code }]);
    const before = await funnel(op, "code");
    expect(before.rows.find((r) => r.key === code)).toMatchObject({
      visit: 2,
      eligibility: 1,
      order: 1,
      paid: 0,
    });

    const paid = await app.inject({
      method: "POST",
      url: `/api/v1/sandbox/pay/${enrolled.json().payment.order_no}`,
    });
    expect(paid.statusCode, paid.body).toBe(200);
    const after = await funnel(op, "code");
    expect(after.rows.find((r) => r.key === code)).toMatchObject({
      visit: 2,
      eligibility: 1,
      order: 1,
      paid: 2,
    });
    expect(after.total).toMatchObject({ visit: 2, paid: 2, conversion_bps: 10_000 });

    // The same figures by county, kind and co-insurer; the other company's code has nothing yet.
    expect((await funnel(op, "county")).rows).toContainEqual(
      expect.objectContaining({ key: COUNTY, label: "砚山县", paid: 2 }),
    );
    expect((await funnel(op, "kind")).rows).toContainEqual(
      expect.objectContaining({ key: "community", label: "社区/村", order: 1 }),
    );
    const byInsurer = await funnel(op, "co_insurer");
    expect(byInsurer.rows.map((r) => [r.key, r.paid])).toEqual([
      [OTHER, 0],
      [LEAD, 2],
    ]);
    // Each co-insurer sees its own channel only.
    expect((await funnel(ins2, "code")).total.paid).toBe(0);
    expect((await funnel(ins1, "code")).total.paid).toBe(2);
  });

  it("refuses a disabled or malformed code naming promo_code, and changes nothing", async () => {
    const list = (await app.inject({ method: "GET", url: `${base}/promotions`, headers: ins2 })).json();
    const code = list.promotions[0].code as string;
    // Another company cannot disable it; its own can.
    const foreign = await app.inject({
      method: "POST",
      url: `${base}/promotions/${code}/status`,
      headers: ins1,
      payload: { status: "disabled" },
    });
    expect(foreign.statusCode).toBe(404);
    const disabled = await app.inject({
      method: "POST",
      url: `${base}/promotions/${code}/status`,
      headers: ins2,
      payload: { status: "disabled" },
    });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json().status).toBe("disabled");

    const enrollmentsBefore = await platform.ctx.db.query("select 1 from enrollments");
    for (const promo of [code, "not-a-code"]) {
      const refused = await app.inject({
        method: "POST",
        url: `${base}/enrollments`,
        headers: op,
        payload: { kind: "individual", psn_no: "P002", channel: "offline", promo_code: promo },
      });
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().error.field).toBe("promo_code");
    }
    expect(await platform.ctx.db.query("select 1 from enrollments")).toHaveLength(enrollmentsBefore.length);
    const visit = await app.inject({ method: "POST", url: `${base}/promotions/${code}/visits` });
    expect(visit.statusCode).toBe(400);
    expect((await funnel(ins2, "code")).total.visit).toBe(0);
  });
});
