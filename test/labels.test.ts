/**
 * Issue 14, finding 4: no English and no raw code on Chinese screens and papers — the closed vocabularies
 * have their Chinese labels in one place (src/domain/vocabulary.ts), the e-policy shows 本人 and the plan's
 * name, the cancellation quote is Chinese.
 */
import { describe, expect, it } from "vitest";
import { refundQuote } from "../src/domain/refund.js";
import { mustParseBusinessTime } from "../src/domain/time.js";
import {
  AUDIT_ACTION_LABELS,
  CLAIM_EVENT_LABELS,
  ENROLLMENT_KIND_LABELS,
  ENROLLMENT_KINDS,
  labelOf,
  PAYMENT_CHANNEL_LABELS,
  POLICY_STATUS_LABELS,
  POLICY_STATUSES,
  RELATION_LABELS,
  ROLE_LABELS,
} from "../src/domain/vocabulary.js";
import { certificateHtml } from "../src/services/epolicy.js";
import type { PolicyView } from "../src/services/policies.js";

const CHINESE = /[\u4e00-\u9fff]/;
const LATIN_WORD = /[A-Za-z]{3,}/;

describe("vocabulary labels", () => {
  it("label every code of every closed vocabulary in Chinese (and English)", () => {
    for (const s of POLICY_STATUSES) expect(POLICY_STATUS_LABELS[s].zh).toMatch(CHINESE);
    for (const k of ENROLLMENT_KINDS) expect(ENROLLMENT_KIND_LABELS[k].zh).toMatch(CHINESE);
    for (const labels of [
      RELATION_LABELS,
      PAYMENT_CHANNEL_LABELS,
      CLAIM_EVENT_LABELS,
      ROLE_LABELS,
      AUDIT_ACTION_LABELS,
    ]) {
      for (const [code, l] of Object.entries(labels)) {
        expect(l.zh, code).toMatch(CHINESE);
        expect(l.zh, code).not.toMatch(LATIN_WORD);
        expect(l.en, code).not.toMatch(CHINESE);
      }
    }
    expect(labelOf(RELATION_LABELS, "self")).toBe("本人");
    expect(labelOf(RELATION_LABELS, "self", "en")).toBe("Self");
    expect(labelOf(PAYMENT_CHANNEL_LABELS, "cash")).toBe("在线支付");
    expect(labelOf(CLAIM_EVENT_LABELS, "counter_submitted")).toBe("柜面受理");
    expect(labelOf(RELATION_LABELS, null)).toBe("—");
  });

  it("the claim events the services write all have labels", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const dir = "src/services/claims/counter";
    const sources = [
      ...readdirSync(dir).map((f) => readFileSync(`${dir}/${f}`, "utf8")),
      readFileSync("src/services/claims/online.ts", "utf8"),
      readFileSync("src/services/claims/settle.ts", "utf8"),
    ].join("\n");
    const written = new Set(
      [...sources.matchAll(/"((?:counter_)[a-z_]+|revoked|consent_used)"/g)].map((m) => m[1]),
    );
    // counter_${status}: approved and adjusted.
    written.add("counter_approved");
    written.add("counter_adjusted");
    written.add("settled");
    for (const event of written) {
      if (!event?.startsWith("counter_") && !["revoked", "consent_used", "settled"].includes(event as string))
        continue;
      if (["counter_claim", "counter_case"].some((p) => event?.startsWith(p))) continue;
      expect(CLAIM_EVENT_LABELS[event as string], event).toBeDefined();
    }
  });
});

describe("the audit log in words", () => {
  it("every action an audit call in src/ writes has a label", async () => {
    const { readFileSync, readdirSync } = await import("node:fs");
    const files = readdirSync("src", { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const written = new Set<string>();
    for (const f of files) {
      const text = readFileSync(`src/${f}`, "utf8");
      // audit(q, actor, program, "x.y", …): the fourth argument, across line breaks.
      for (const m of text.matchAll(/\baudit\(\s*[^,]+,\s*[^,]+,\s*[^,]+,\s*"([a-z_]+(?:\.[a-z_]+)+)"/g))
        written.add(m[1] as string);
    }
    expect(written.size).toBeGreaterThan(40);
    const missing = [...written].filter((a) => AUDIT_ACTION_LABELS[a] === undefined);
    expect(missing).toEqual([]);
  });
});

describe("papers in Chinese", () => {
  const policy: PolicyView = {
    program_id: "ws-2023",
    policy_no: "HMB-1",
    status: "pending_effective",
    plan: "standard",
    plan_name: "基础版",
    product_name: "2023年度文山惠民保",
    psn_no: "P001",
    psn_name: "张三",
    certno: "5326**********1234",
    relation: "self",
    enrollment_kind: "individual",
    payer_psn_no: "P001",
    unit_code: null,
    charity_pool: null,
    premium_fen: 6900,
    premium_rule: "base",
    coverage_start: "2023-09-01 00:00:00",
    coverage_end: "2024-08-31 24:00:00",
    paid_channel: "cash",
    issued_at: "2023-08-01 10:00:00",
    cancelled_at: null,
    refund_fen: null,
    verification_code: "ABCD",
  };

  it("the e-policy says 本人 and the plan's name, not self / standard", () => {
    const html = certificateHtml(policy, "https://example.test/verify/ABCD");
    expect(html).toContain("<th>与投保人关系</th><td>本人</td>");
    expect(html).toContain("<th>保障方案</th><td>基础版</td>");
    expect(html).toContain("<th>状态</th><td>待生效</td>");
    expect(html).not.toMatch(/>(self|standard|pending_effective)</);
  });

  it("the cancellation quote explains itself in Chinese only", () => {
    const coverage = {
      start: mustParseBusinessTime("2023-09-01 00:00"),
      end: mustParseBusinessTime("2024-08-31 24:00"),
    };
    const before = refundQuote(6900, coverage, coverage.start - 1, "unearned_pro_rata_by_day");
    expect(before.explanation).toBe("生效前全额退保：退还保费 69.00 元");
    // 6900 × 365 / 366 = 6881.1 → 6881 fen (the day of cancellation, 2023-09-01, is earned).
    const after = refundQuote(6900, coverage, coverage.start + 3600_000, "unearned_pro_rata_by_day");
    expect(after.explanation).toBe("按日计算未到期保费：69.00 元 × 剩余 365 天 ÷ 366 天 = 68.81 元");
    for (const q of [before, after, refundQuote(6900, coverage, coverage.end, "none")])
      expect(q.explanation).not.toMatch(LATIN_WORD);
  });
});
