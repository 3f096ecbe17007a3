/**
 * `hmb product publish | list | show | diff` and `hmb program create --product ID@VERSION` / `hmb program amend`
 * as an operator types them (issue 12 §2), on a PGlite data directory of its own: the shipped products are
 * there on first open; publishing the same file again is "未改变"; other content under the same version exits 2;
 * a bad file exits 1 with every problem; the diff reads "责任一免赔额 12000 → 10000"; the pinned version cannot
 * change once the enrollment window has opened (HMB_NOW).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import wenshanFile from "../src/products/wenshan-2023.json" with { type: "json" };
import { buildCli, runHmb } from "./support/cli.js";

/** Before 文山's enrollment window (2023-07-03), and inside it. */
const BEFORE = "2023-06-01T10:00:00+08:00";
const OPEN = "2023-07-05T10:00:00+08:00";

function wenshanWith(version: number, deductibleYuan: number) {
  const file = structuredClone(wenshanFile) as Record<string, unknown> & {
    plans: { deductiblePools: { amount: number }[]; liabilities: { cap: number }[] }[];
  };
  (file.plans[0]?.deductiblePools[0] as { amount: number }).amount = deductibleYuan;
  return { ...file, version };
}

describe("hmb product and the pinned version", () => {
  const dir = mkdtempSync(join(tmpdir(), "hmb-cli-products-"));
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content, null, 2));
    return path;
  };
  const hmb = (args: string[], now = BEFORE) =>
    runHmb(args, { HMB_DATA_DIR: join(dir, "pgdata"), HMB_NOW: now }, { timeoutMs: 120_000 });

  beforeAll(() => buildCli(), 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("publish, list, show, diff", () => {
    const listed = hmb(["product", "list"]);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toMatch(/^wenshan-2023@1\t2023年度文山惠民保\t532600\tsystem\t/m);

    const same = hmb(["product", "publish", "src/products/wenshan-2023.json"]);
    expect(same.status).toBe(0);
    expect(same.stdout).toContain("未改变：wenshan-2023@1 已以相同内容发布");

    const changed = hmb(["product", "publish", file("changed.json", wenshanWith(1, 10_000))]);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toContain("已发布且内容不同");

    const bad = wenshanWith(2, 10_000);
    (bad.plans[0]?.liabilities[0] as { cap: number }).cap = -1;
    const invalid = hmb(["product", "publish", file("bad.json", bad)]);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/^plans\[0\]\.liabilities\[0\]\.cap: .*[\u4e00-\u9fff]/m);

    const v2 = hmb(["product", "publish", file("v2.json", wenshanWith(2, 10_000))]);
    expect(v2.status).toBe(0);
    expect(v2.stdout).toMatch(/^已发布：wenshan-2023@2「2023年度文山惠民保」 sha256 [0-9a-f]{64}$/m);

    const sheet = hmb(["product", "show", "wenshan-2023"]);
    expect(sheet.status).toBe(0);
    expect(sheet.stdout).toContain("wenshan-2023@2");
    expect(sheet.stdout).toContain("免赔额：10000 元");
    const json = hmb(["product", "show", "wenshan-2023@1", "--json"]);
    expect(JSON.parse(json.stdout).plans[0].deductiblePools[0].amount).toBe(12_000);

    const diff = hmb(["product", "diff", "wenshan-2023@1", "wenshan-2023@2"]);
    expect(diff.status).toBe(0);
    expect(diff.stdout).toContain("责任一免赔额 12000 → 10000");
    // A file on one side: the same terms as the stored version.
    expect(hmb(["product", "diff", join(dir, "v2.json"), "wenshan-2023@2"]).stdout).toContain("条款相同");
    expect(hmb(["product", "show", "wenshan-2023@9"]).status).toBe(2);
  }, 300_000);

  it("program create pins ID@VERSION; amend before the window, refused after", () => {
    const created = hmb(["program", "create", "--id", "ws-cli", "--product", "wenshan-2023@1"]);
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/^ws-cli\twenshan-2023 v1\t/);
    const amended = hmb(["program", "amend", "--id", "ws-cli", "--product", "wenshan-2023"]);
    expect(amended.status).toBe(0);
    expect(amended.stdout).toMatch(/^ws-cli\twenshan-2023 v2\t/);
    const frozen = hmb(["program", "amend", "--id", "ws-cli", "--product", "wenshan-2023@1"], OPEN);
    expect(frozen.status).toBe(2);
    expect(frozen.stderr).toContain("金办便函〔2025〕745号");
  }, 300_000);
});
