/**
 * Issue 14, finding 5: a schema-validation refusal is Chinese and names the field by its Chinese label (the
 * contract's `.describe()`), English only when the client asks for English; `error.field` is unchanged.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageLang } from "../src/api/validation-messages.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { authHeaders, NOW, PROGRAM, setupWenshan } from "./support/roster.js";

const CHINESE = /[\u4e00-\u9fff]/;

describe("messageLang (pure)", () => {
  it("is English only when English is the first choice", () => {
    expect(messageLang(undefined)).toBe("zh");
    expect(messageLang("zh-CN,zh;q=0.9,en;q=0.8")).toBe("zh");
    expect(messageLang("en-US,en;q=0.9")).toBe("en");
    expect(messageLang("EN")).toBe("en");
  });
});

describe.each(BACKENDS)("validation messages on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let headers: Record<string, string>;
  const url = `/api/v1/programs/${PROGRAM}/enrollments`;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    await setupWenshan(platform.ctx);
    headers = await authHeaders(app, "op1");
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  async function refusal(payload: unknown, extra: Record<string, string> = {}) {
    const res = await app.inject({
      method: "POST",
      url,
      headers: { ...headers, ...extra },
      payload: payload as object,
    });
    expect(res.statusCode).toBe(400);
    return res.json().error as { code: string; message: string; field: string | null };
  }

  it("names a missing field by its Chinese label; English on request", async () => {
    // Before: "body must have required property 'channel'".
    const zh = await refusal({ kind: "individual", psn_no: "P001" });
    expect(zh).toEqual({ code: "invalid_request", message: "缺少必填项「缴费渠道」", field: "channel" });
    const en = await refusal({ kind: "individual", psn_no: "P001" }, { "accept-language": "en-US,en;q=0.9" });
    expect(en.field).toBe("channel");
    expect(en.message).toContain("required property 'channel'");
  });

  it("says what is wrong with a value, in Chinese, for each keyword a person can meet", async () => {
    const cases: [unknown, string, string][] = [
      [{ kind: "lottery", channel: "cash" }, "kind", "「投保方式」的取值不在允许范围内"],
      [{ kind: "individual", channel: 5 }, "channel", "「缴费渠道」应为文本"],
      [{ kind: "individual", channel: "" }, "channel", "「缴费渠道」不能为空"],
      [{ kind: "individual", channel: "x".repeat(81) }, "channel", "「缴费渠道」最多 80 个字符"],
      // A leading case code is skipped: "individual：被保险人" labels psn_no 被保险人.
      [{ kind: "individual", channel: "cash", psn_no: 7 }, "psn_no", "「被保险人」应为文本"],
      [{ kind: "family", channel: "cash", members: [] }, "members", "「家庭成员」至少 1 项"],
      [{ kind: "individual", channel: "cash", colour: "red" }, "colour", "不认识的字段「colour」"],
    ];
    for (const [payload, field, message] of cases) {
      const e = await refusal(payload);
      expect(e.field).toBe(field);
      expect(e.message).toContain(message);
      expect(e.message).not.toMatch(/\bmust\b/);
    }
  });

  it("a body that is not JSON, or of the wrong type, is refused in Chinese", async () => {
    const notJson = await app.inject({
      method: "POST",
      url,
      headers: { ...headers, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.message).toMatch(CHINESE);
    const wrongType = await app.inject({
      method: "POST",
      url,
      headers: { ...headers, "content-type": "text/plain" },
      payload: "hello",
    });
    expect([400, 415]).toContain(wrongType.statusCode);
    expect(wrongType.json().error.message).toMatch(CHINESE);
  });
});
