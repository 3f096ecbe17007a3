/**
 * The product store over HTTP (issue 12 §2, §9): list, one version, the Chinese sheet, the diff, validate,
 * publish and the quote preview against any version; operators and admins write, bureau and regulator read,
 * nobody else. Both back ends.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import wenshanFile from "../src/products/wenshan-2023.json" with { type: "json" };
import { CLI_ACTOR } from "../src/services/context.js";
import { createUser } from "../src/services/users.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, setupWenshan } from "./support/roster.js";

const API = "/api/v1";

/** wenshan-2023 at `version` with 责任一's deductible (12000 元 in the shipped file) set to `yuan`. */
function wenshanWith(version: number, deductibleYuan: number): Record<string, unknown> {
  const file = structuredClone(wenshanFile) as Record<string, unknown> & {
    plans: { deductiblePools: { amount: number }[] }[];
  };
  (file.plans[0]?.deductiblePools[0] as { amount: number }).amount = deductibleYuan;
  return { ...file, version };
}

describe.each(BACKENDS)("product routes (%s)", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const as: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    await setupWenshan(platform.ctx);
    await createUser(platform.ctx, CLI_ACTOR, {
      programId: "*",
      username: "reg-all",
      role: "regulator",
      password: "reg-pass-12",
    });
    app = await testServer(platform);
    for (const u of ["admin", "op1", "bureau1", "ins1", "res1"]) as[u] = await authHeaders(app, u);
    const reg = await app.inject({
      method: "POST",
      url: `${API}/auth/login`,
      payload: { program_id: "*", username: "reg-all", password: "reg-pass-12" },
    });
    as.regulator = { authorization: `Bearer ${reg.json().token as string}` };
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  const get = (user: string, url: string) =>
    app.inject({ method: "GET", url: `${API}${url}`, headers: as[user] });
  const post = (user: string, url: string, payload: unknown) =>
    app.inject({ method: "POST", url: `${API}${url}`, headers: as[user], payload: payload as object });

  it("reads: operators, admins, bureau and regulator; co-insurers and residents are refused", async () => {
    for (const user of ["admin", "op1", "bureau1", "regulator"])
      expect((await get(user, "/products")).statusCode).toBe(200);
    for (const user of ["ins1", "res1"]) expect((await get(user, "/products")).statusCode).toBe(403);
    expect((await app.inject({ method: "GET", url: `${API}/products` })).statusCode).toBe(401);
  });

  it("writes: operators and admins only; bureau and regulator are refused and nothing is stored", async () => {
    for (const user of ["bureau1", "regulator", "ins1"]) {
      const r = await post(user, "/products", wenshanWith(5, 9_000));
      expect(r.statusCode).toBe(403);
    }
    const listed = (await get("admin", "/products")).json().products as {
      product_id: string;
      versions: unknown[];
    }[];
    expect(listed.find((p) => p.product_id === "wenshan-2023")?.versions).toHaveLength(1);
  });

  it("validate names every problem in Chinese and stores nothing; a valid file is described", async () => {
    const bad = wenshanWith(4, 12_000) as { plans: { liabilities: { cap: number }[] }[]; name?: string };
    (bad.plans[0]?.liabilities[0] as { cap: number }).cap = -1;
    delete (bad as { name?: string }).name;
    const r = await post("op1", "/products/validate", bad);
    expect(r.statusCode).toBe(200);
    const v = r.json();
    expect(v.valid).toBe(false);
    expect(v.problems.map((p: { path: string }) => p.path)).toEqual(
      expect.arrayContaining(["name", "plans[0].liabilities[0].cap"]),
    );
    for (const p of v.problems as { message: string }[]) expect(p.message).toMatch(/[\u4e00-\u9fff]/);
    const ok = (await post("op1", "/products/validate", wenshanWith(4, 12_000))).json();
    expect(ok).toEqual({
      valid: true,
      product_id: "wenshan-2023",
      version: 4,
      name: "2023年度文山惠民保",
      problems: [],
    });
    expect((await get("admin", "/products/wenshan-2023/versions/4")).statusCode).toBe(404);
  });

  it("publish: 201 stored, 200 unchanged on the same content, 409 on other content under the same version; 400 on a bad file", async () => {
    const first = await post("op1", "/products", wenshanWith(2, 10_000));
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      outcome: "published",
      version: { product_id: "wenshan-2023", version: 2, published_by: "op1" },
    });
    const again = await post("admin", "/products", wenshanWith(2, 10_000));
    expect(again.statusCode).toBe(200);
    expect(again.json().outcome).toBe("unchanged");
    expect(again.json().version.content_hash).toBe(first.json().version.content_hash);
    const changed = await post("admin", "/products", wenshanWith(2, 9_000));
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error).toMatchObject({ code: "product_version_exists", field: "version" });
    const bad = await post("admin", "/products", { id: "x" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/产品文件有 \d+ 处问题/);
  });

  it("one version with its file, the Chinese sheet, and the list by product", async () => {
    const one = await get("bureau1", "/products/wenshan-2023/versions/1");
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ product_id: "wenshan-2023", version: 1, published_by: "system" });
    expect(one.json().content.plans[0].deductiblePools[0].amount).toBe(12_000);
    const sheet = (await get("regulator", "/products/wenshan-2023/versions/2/sheet")).json();
    expect(sheet.title).toContain("文山惠民保");
    expect(sheet.sections.flatMap((s: { lines: string[] }) => s.lines).join("\n")).toContain("10000 元");
    const list = (await get("admin", "/products")).json().products as {
      product_id: string;
      latest_version: number;
      versions: { version: number }[];
    }[];
    const ws = list.find((p) => p.product_id === "wenshan-2023");
    expect(ws?.latest_version).toBe(2);
    expect(ws?.versions.map((v) => v.version)).toEqual([1, 2]);
    expect((await get("admin", "/products/wenshan-2023/versions/9")).statusCode).toBe(404);
  });

  it("diff of two versions in Chinese", async () => {
    const d = await get("bureau1", "/products/diff?a=wenshan-2023@1&b=wenshan-2023@2");
    expect(d.statusCode).toBe(200);
    expect(d.json()).toMatchObject({ a: "wenshan-2023@1", b: "wenshan-2023@2", same: false });
    expect(d.json().changes.join("\n")).toContain("12000 → 10000");
    const same = (await get("bureau1", "/products/diff?a=wenshan-2023@1&b=wenshan-2023@1")).json();
    expect(same).toMatchObject({ same: true, changes: [] });
    const bad = await get("bureau1", "/products/diff?a=wenshan-2023@x&b=wenshan-2023@1");
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("a");
  });

  it("compliance of any version, each rule set with its own findings", async () => {
    const url = "/products/beijing-puhui-2024/versions/1/compliance";
    const yunnan = await get("regulator", `${url}?rules=yunnan-2023`);
    expect(yunnan.statusCode).toBe(200);
    expect(yunnan.json()).toMatchObject({
      product_id: "beijing-puhui-2024",
      product_version: 1,
      rules: "yunnan-2023",
    });
    // 北京's 特定既往症 out-of-scope deductible (2万) is over clause 九's 1.5万 ceiling.
    expect(
      yunnan
        .json()
        .findings.some(
          (f: { rule: string; status: string; value: string }) =>
            f.rule === "deductible_max" && f.status === "fail" && f.value === "20000.00",
        ),
    ).toBe(true);
    const nfra = await get("regulator", `${url}?rules=nfra-2025`);
    expect(nfra.statusCode).toBe(200);
    expect(nfra.json().rules).toBe("nfra-2025");
    expect(nfra.json().passed + nfra.json().failed).toBeGreaterThan(0);
    const unknown = await get("regulator", `${url}?rules=nowhere`);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.field).toBe("rules");
    expect((await get("res1", `${url}?rules=nfra-2025`)).statusCode).toBe(403);
  });

  it("quote preview against any version: 住院 amounts → payout", async () => {
    // Burden 100,000 − 50,000 = 50,000, all in scope; 责任一 80 %:
    // @1 (50,000 − 12,000) × 80 % = 30,400; @2 (50,000 − 10,000) × 80 % = 32,000.
    const body = { total: "100000", insurance_paid: "50000" };
    const v1 = await post("regulator", "/products/wenshan-2023/versions/1/quote", body);
    expect(v1.statusCode).toBe(200);
    expect(v1.json().plans[0]).toMatchObject({
      plan: "standard",
      hmb_pay: "30400.00",
      remaining: "19600.00",
    });
    const v2 = await post("op1", "/products/wenshan-2023/versions/2/quote", body);
    expect(v2.json().plans[0].hmb_pay).toBe("32000.00");
    const bad = await post("op1", "/products/wenshan-2023/versions/2/quote", {
      total: "abc",
      insurance_paid: "1",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe("total");
  });
});
