/**
 * Product files on the command line, through the real binary: `hmb product validate FILE` (exit 0 with one
 * Chinese line, 1 with every problem as `path: 中文说明`), and `--product-file FILE` on `hmb adjudicate`,
 * `hmb check` and `hmb synth settlements` giving byte-for-byte the output of `--product ID` for the same terms;
 * exactly one of the two, else a Chinese usage error with exit 64.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonl, Y } from "./fixtures.js";
import { buildCli, runHmb } from "./support/cli.js";

const V1 = join(import.meta.dirname, "fixtures", "products-v1");
const WENSHAN_V1 = join(V1, "wenshan-2023.json");
const CHUXIONG_V1 = join(V1, "chuxiong-2023.json");
let dir = "";

beforeAll(() => {
  buildCli();
  dir = mkdtempSync(join(tmpdir(), "hmb-product-cli-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const hmb = (...args: string[]) => runHmb(args, {});
let n = 0;
function write(content: string, ext = "json"): string {
  const path = join(dir, `f${n++}.${ext}`);
  writeFileSync(path, content);
  return path;
}
const HAN = /[\u4e00-\u9fff]/;

describe("hmb product validate", () => {
  it("a valid version 1 file: exit 0, one Chinese line with id, version, plans and the migration", () => {
    const r = hmb("product", "validate", WENSHAN_V1);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      "产品文件有效：wenshan-2023 第 1 版「2023年度文山惠民保」，方案 standard（文山惠民保）（格式版本 1，已按 2 读取）\n",
    );
  });

  it("two plans are both named", () => {
    const r = hmb("product", "validate", CHUXIONG_V1);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("方案 basic（基础版）、plus（升级版）");
  });

  it("an invalid file: exit 1, every problem on its own line as `path: 中文说明`, nothing on stdout", () => {
    const doc = JSON.parse(readFileSync(WENSHAN_V1, "utf8"));
    doc.plans[0].liabilities[0].cap = -5;
    doc.plans[0].tier = "gold";
    delete doc.name;
    const path = write(JSON.stringify(doc));
    const r = hmb("product", "validate", path);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe(`产品文件 ${path} 有 3 处问题：`);
    expect(lines.slice(1).sort()).toEqual(
      [
        "name: 缺少必填项（应为文本）",
        "plans[0].liabilities[0].cap: 不能小于 0",
        'plans[0].tier: 取值无效 "gold"：应为 "basic"、"upgraded" 之一',
      ].sort(),
    );
  });

  it("bad JSON: exit 1 with a message naming the file and the place", () => {
    const path = write('{\n  "id": "x",,\n}');
    const r = hmb("product", "validate", path);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toMatch(/不是合法的 JSON（第 2 行第 \d+ 列附近）/);
  });

  it("a missing file: exit 1 naming it", () => {
    const r = hmb("product", "validate", join(dir, "absent.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("absent.json");
    expect(r.stderr).toContain("文件不存在");
  });

  it("no file: usage error, exit 64", () => {
    expect(hmb("product", "validate").status).toBe(64);
  });
});

const WENSHAN_LINES = [
  jsonl({ setlId: "S1", psnNo: "PA", inScope: Y(50_000) }),
  jsonl({ setlId: "S2", psnNo: "PB", inScope: Y(20_000), fullOwnPay: Y(30_000) }),
  '{"setl_id": "BAD"}',
].join("\n");

describe("hmb adjudicate --product-file", () => {
  it("gives exactly the output of --product for the same terms (exit 2: one invalid line)", () => {
    const input = write(`${WENSHAN_LINES}\n`, "jsonl");
    const byId = hmb("adjudicate", "--product", "wenshan-2023", "--input", input);
    const byFile = hmb("adjudicate", "--product-file", WENSHAN_V1, "--input", input);
    expect(byId.status).toBe(2);
    expect(byFile.status).toBe(byId.status);
    expect(byFile.stdout).toBe(byId.stdout);
    // 50,000 in scope: (50,000 − 12,000) × 80% = 30,400.
    expect(JSON.parse(byFile.stdout.split("\n")[0] as string).hmb_pay).toBe("30400.00");
  });

  it("a plan of a file: --plan works the same", () => {
    const input = write(`${jsonl({ setlId: "C1", inScope: Y(20_000), region: "532301" })}\n`, "jsonl");
    const byId = hmb("adjudicate", "--product", "chuxiong-2023", "--plan", "plus", "--input", input);
    const byFile = hmb("adjudicate", "--product-file", CHUXIONG_V1, "--plan", "plus", "--input", input);
    expect(byFile.status).toBe(0);
    expect(byFile.stdout).toBe(byId.stdout);
  });

  it.each([
    ["neither", [], "必须给出 --product <产品编号> 或 --product-file <产品文件> 之一"],
    [
      "both",
      ["--product", "wenshan-2023", "--product-file", WENSHAN_V1],
      "--product 与 --product-file 只能给一个",
    ],
    [
      "a path given to --product",
      ["--product", "./proposed.json"],
      "产品文件请用 --product-file ./proposed.json",
    ],
  ])("%s: Chinese usage error, exit 64, no output", (_, args, message) => {
    const r = hmb("adjudicate", ...(args as string[]), "--input", write("", "jsonl"));
    expect(r.status).toBe(64);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });

  it("an invalid product file: exit 1, its problems on stderr, no output", () => {
    const doc = JSON.parse(readFileSync(WENSHAN_V1, "utf8"));
    doc.plans[0].liabilities[0].cap = -5;
    const path = write(JSON.stringify(doc));
    const r = hmb("adjudicate", "--product-file", path, "--input", write(`${WENSHAN_LINES}\n`, "jsonl"));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`产品文件 ${path} 有 1 处问题：`);
    expect(r.stderr).toContain("plans[0].liabilities[0].cap: 不能小于 0");
  });
});

describe("hmb check --product-file", () => {
  it("gives exactly the findings of --product, table and JSON, with the same exit code", () => {
    for (const extra of [[], ["--json"]]) {
      const byId = hmb("check", "--product", "wenshan-2023", "--rules", "yunnan-2023", ...extra);
      const byFile = hmb("check", "--product-file", WENSHAN_V1, "--rules", "yunnan-2023", ...extra);
      expect(byFile.stdout).toBe(byId.stdout);
      expect(byFile.status).toBe(byId.status);
      expect(byFile.stdout).toMatch(extra.length > 0 ? /^\{"findings":\[/ : HAN);
    }
  });

  it("neither, both, or a bad file: exit 64 with a Chinese message", () => {
    const neither = hmb("check", "--rules", "yunnan-2023");
    expect(neither.status).toBe(64);
    expect(neither.stderr).toContain("必须给出 --product <产品编号> 或 --product-file <产品文件> 之一");
    const both = hmb(
      "check",
      "--product",
      "wenshan-2023",
      "--product-file",
      WENSHAN_V1,
      "--rules",
      "yunnan-2023",
    );
    expect(both.status).toBe(64);
    const bad = hmb("check", "--product-file", write("{"), "--rules", "yunnan-2023");
    expect(bad.status).toBe(64);
    expect(bad.stderr).toMatch(/不是合法的 JSON/);
    expect(bad.stdout).toBe("");
  });
});

describe("hmb synth settlements --product-file", () => {
  it("generates exactly the records of --product for the same seed", () => {
    const common = ["--persons", "20", "--seed", "7", "--no-progress"];
    const byId = hmb("synth", "settlements", "--product", "wenshan-2023", ...common);
    const byFile = hmb("synth", "settlements", "--product-file", WENSHAN_V1, ...common);
    expect(byId.status).toBe(0);
    expect(byFile.status).toBe(0);
    expect(byFile.stdout.length).toBeGreaterThan(0);
    expect(byFile.stdout).toBe(byId.stdout);
  });

  it("neither: exit 64 with the Chinese message", () => {
    const r = hmb("synth", "settlements", "--persons", "1", "--seed", "1");
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("必须给出 --product <产品编号> 或 --product-file <产品文件> 之一");
  });
});
