/**
 * The product loader (src/products/load.ts, migrate.ts): schema versions, every problem as `path: 中文说明`,
 * bad JSON naming the file and the place, and `catalogRefs` resolved from src/catalogs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CURRENT_PRODUCT_SCHEMA_VERSION } from "../src/domain/product.js";
import { compilePlan } from "../src/engine/compile.js";
import {
  checkProductFile,
  checkProductJson,
  issueLine,
  loadProductFile,
  loadProductJson,
  ProductLoadError,
} from "../src/products/load.js";
import { CURRENT_SCHEMA_VERSION, migrateProductDocument } from "../src/products/migrate.js";
import { lineOf, personOn, Y } from "./fixtures.js";

const V1_WENSHAN = join(import.meta.dirname, "fixtures", "products-v1", "wenshan-2023.json");
const dir = mkdtempSync(join(tmpdir(), "hmb-products-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(content: string): string {
  const path = join(dir, `p${n++}.json`);
  writeFileSync(path, content);
  return path;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests edit a raw JSON document at any depth.
type Doc = Record<string, any>;

/** A fresh, mutable copy of the version 1 文山 file. */
function wenshan(): Doc {
  return JSON.parse(readFileSync(V1_WENSHAN, "utf8"));
}

const HAN = /[\u4e00-\u9fff]/;

describe("schema versions", () => {
  it("the current version is the domain's", () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(CURRENT_PRODUCT_SCHEMA_VERSION);
  });

  it("no schemaVersion = version 1, migrated; explicit 1 the same; the input object is not modified", () => {
    const doc = wenshan();
    const implicit = migrateProductDocument(doc);
    const explicit = migrateProductDocument({ ...wenshan(), schemaVersion: 1 });
    expect(implicit).toMatchObject({ ok: true, fromVersion: 1, toVersion: CURRENT_SCHEMA_VERSION });
    expect(explicit).toMatchObject({ ok: true, fromVersion: 1 });
    expect(doc).not.toHaveProperty("schemaVersion");
    if (!implicit.ok) throw new Error("unreachable");
    expect(Object.keys(implicit.document)[0]).toBe("schemaVersion");
    expect(implicit.document.schemaVersion).toBe(CURRENT_SCHEMA_VERSION);
  });

  it("a current-version file loads as is, and gives the same product as its version 1 original", () => {
    const v2 = loadProductJson({ ...wenshan(), schemaVersion: CURRENT_SCHEMA_VERSION });
    expect(v2).toEqual(loadProductJson(wenshan()));
  });

  it.each([
    [99, "高于本平台能读的最高版本"],
    [0, "应为正整数"],
    ["2", "应为正整数"],
    [1.5, "应为正整数"],
  ])("schemaVersion %j is refused: %s", (version, message) => {
    const r = checkProductJson({ ...wenshan(), schemaVersion: version });
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    expect(r.issues).toEqual([{ path: "schemaVersion", message: expect.stringContaining(message) }]);
  });

  it.each([[null], [[1, 2]], ["text"], [42]])(
    "a document that is not an object (%j) is one root problem",
    (doc) => {
      const r = checkProductJson(doc);
      expect(r).toEqual({ ok: false, issues: [{ path: "", message: "产品文件应为一个 JSON 对象 {…}" }] });
    },
  );
});

describe("every problem, in Chinese, with its path", () => {
  it("reports all problems at once, each as `path: 中文说明`", () => {
    const doc = wenshan();
    doc.plans[0].liabilities[0].cap = -5;
    doc.plans[0].liabilities[0].ratios[0].ratioPercent = "80";
    delete doc.name;
    doc.waitingPeriodDays = 1.5;
    doc.plans[0].tier = "gold";
    const r = checkProductJson(doc);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    const lines = r.issues.map(issueLine);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^plans\[0\]\.liabilities\[0\]\.cap: 不能小于 0$/),
        expect.stringMatching(
          /^plans\[0\]\.liabilities\[0\]\.ratios\[0\]\.ratioPercent: 应为数字，实际是文本/,
        ),
        expect.stringMatching(/^name: 缺少必填项（应为文本）$/),
        expect.stringMatching(/^waitingPeriodDays: 应为整数/),
        expect.stringMatching(/^plans\[0\]\.tier: 取值无效 "gold"：应为 "basic"、"upgraded" 之一$/),
      ]),
    );
    expect(r.issues.length).toBeGreaterThanOrEqual(5);
    // No English zod default leaks through: every message has Chinese in it.
    for (const issue of r.issues) expect(issue.message).toMatch(HAN);
  });

  it("a union (a liability's eligible base) lists its forms, or the problems inside the form meant", () => {
    const doc = wenshan();
    doc.schemaVersion = 2;
    doc.plans[0].liabilities[0].eligible = "inscope";
    doc.plans[0].liabilities[1].eligible = { catalog: 5 };
    doc.plans[0].liabilities[2].eligible = { feeItems: { categories: ["8"], portion: "self" } };
    doc.stayAcrossCoverageEnd = { kind: "prorata" };
    delete doc.refund.afterEffective;
    const r = checkProductJson(doc);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    const lines = r.issues.map(issueLine);
    expect(lines).toContain(
      'plans[0].liabilities[0].eligible: 应为以下写法之一："in_scope"、"out_of_scope"、{ "catalog": … }、{ "feeItems": … }、{ "diagnosis": … }',
    );
    expect(lines).toContain("plans[0].liabilities[1].eligible: catalog: 应为文本，实际是数字 5");
    expect(lines).toContain(
      'plans[0].liabilities[2].eligible: feeItems.categories[0]: 收费项目类别应为两位数字（如 08 卫生材料费）；feeItems.portion: 取值无效 "self"：应为 "self_pay"、"in_scope"、"total" 之一',
    );
    expect(lines).toContain(
      'stayAcrossCoverageEnd.kind: 取值无效 "prorata"：应为 "pro_rata_by_day"、"extension" 之一',
    );
    expect(lines).toContain(
      'refund.afterEffective: 缺少必填项（应为 "unearned_pro_rata_by_day"、"none" 之一）',
    );
  });

  it("the Chinese map is for this parse only: zod's global messages are untouched afterwards", async () => {
    checkProductJson({ ...wenshan(), name: 1 });
    const { z } = await import("zod");
    const r = z.string().safeParse(1);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).not.toMatch(HAN);
  });

  it("ProductLoadError carries the issues and a Chinese message naming the file", () => {
    const doc = wenshan();
    doc.version = 0;
    const path = write(JSON.stringify(doc));
    let error: unknown;
    try {
      loadProductFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProductLoadError);
    const e = error as ProductLoadError;
    expect(e.file).toBe(path);
    expect(e.issues).toEqual([{ path: "version", message: "不能小于 1" }]);
    expect(e.message).toBe(`产品文件 ${path} 有 1 处问题：\n  version: 不能小于 1`);
  });
});

describe("files", () => {
  it("bad JSON names the file and the line and column", () => {
    const path = write('{\n  "id": "x",\n}\n');
    const r = checkProductFile(path);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.message).toMatch(/^不是合法的 JSON（第 3 行第 1 列附近）/);
    expect(() => loadProductFile(path)).toThrow(`产品文件 ${path} 不是合法的 JSON（第 3 行第 1 列附近）`);
  });

  it("an empty file and a truncated file say so", () => {
    expect(() => loadProductFile(write(""))).toThrow(/不是合法的 JSON（文件是空的）/);
    expect(() => loadProductFile(write('{"id": "x"'))).toThrow(/不是合法的 JSON/);
  });

  it("a missing file is named", () => {
    const missing = join(dir, "nowhere.json");
    expect(() => loadProductFile(missing)).toThrow(
      `产品文件 ${missing} 有 1 处问题：\n  (根): 无法读取产品文件：文件不存在`,
    );
  });

  it("a UTF-8 byte order mark is not an error", () => {
    const path = write(`\ufeff${readFileSync(V1_WENSHAN, "utf8")}`);
    expect(loadProductFile(path).id).toBe("wenshan-2023");
  });
});

describe("catalogRefs", () => {
  /** 文山 with its coverage moved into 2026 and 责任二 paying on the national innovative-drug catalog. */
  function withInnovativeDrugs(): Doc {
    const doc = wenshan();
    doc.schemaVersion = 2;
    doc.coverage = { start: "2026-01-01 00:00", end: "2026-12-31 24:00" };
    doc.enrollment = { start: "2025-11-01 00:00", end: "2025-12-31 24:00" };
    doc.catalogRefs = [{ id: "nhsa-innovative-drugs", version: 1 }];
    doc.plans[0].liabilities[1].eligible = { catalog: "nhsa-innovative-drugs" };
    return doc;
  }

  it("resolve into catalogs: only the cited entries, with the version and effective date", () => {
    const product = loadProductJson(withInnovativeDrugs());
    const catalog = product.catalogs.find((c) => c.id === "nhsa-innovative-drugs");
    expect(catalog).toBeDefined();
    if (catalog === undefined) throw new Error("catalog missing");
    expect(catalog.name).toBe("商业健康保险创新药品目录（2025年）");
    expect(catalog.sample).toBe(false);
    expect(catalog.declaredItemCount).toBe(19);
    // 7 of the 19 could be cited; the 12 placeholders never reach a product.
    expect(catalog.items).toHaveLength(7);
    expect(catalog.items.map((i) => i.name)).toContain("阿基仑赛注射液");
    expect(catalog.items.some((i) => i.name.includes("待核实"))).toBe(false);
    expect(catalog.source).toContain("自 2026-01-01 起生效");
    expect(catalog.source).toContain("12 项未能核实");
    // The embedded catalogs keep working next to the referenced one.
    expect(product.catalogs.map((c) => c.id)).toEqual(["wenshan-special-drugs", "nhsa-innovative-drugs"]);
    expect(product.catalogRefs).toEqual([{ id: "nhsa-innovative-drugs", version: 1 }]);
  });

  it("coverage wholly inside the catalog's window: no warning", () => {
    const r = checkProductJson(withInnovativeDrugs());
    expect(r).toMatchObject({ ok: true, warnings: [] });
  });

  it("a catalog in force for part of the coverage only loads, with a warning saying so", () => {
    const doc = withInnovativeDrugs();
    doc.coverage = { start: "2025-07-01 00:00", end: "2026-06-30 24:00" };
    const r = checkProductJson(doc);
    expect(r.ok).toBe(true);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.path).toBe("catalogRefs[0]");
    expect(r.warnings[0]?.message).toContain("只覆盖部分保障期");
  });

  it("pays on a cited entry and never on a placeholder (文山 责任二 at 80%, no deductible)", () => {
    const p = personOn(compilePlan(loadProductJson(withInnovativeDrugs())));
    const when = { medType: "21", setlTime: "2026-03-01 10:00:00", begntime: "2026-02-20 10:00:00" };
    // 阿基仑赛注射液 (CAR-T) 1,200,000 × 80% = 960,000, within the 3,000,000 annual total.
    const cart = p.run({
      setlId: "S1",
      ...when,
      fullOwnPay: Y(1_200_000),
      items: [{ code: "NHSA-CI2025-01", amount: Y(1_200_000) }],
    });
    expect(lineOf(cart, "special_drug")).toMatchObject({
      eligible: Y(1_200_000),
      deductible: 0,
      payout: Y(960_000),
    });
    // A placeholder code matches nothing: 责任二 has no line; the amount stays 医保范围外 (责任三).
    const unknown = p.run({
      setlId: "S2",
      ...when,
      fullOwnPay: Y(100_000),
      items: [{ code: "NHSA-CI2025-08", amount: Y(100_000) }],
    });
    expect(unknown.lines.some((l) => l.liabilityId === "special_drug")).toBe(false);
  });

  it("an unknown catalog version is a problem naming the known ones", () => {
    const doc = withInnovativeDrugs();
    doc.catalogRefs = [{ id: "nhsa-innovative-drugs", version: 9 }];
    const r = checkProductJson(doc);
    expect(r).toEqual({
      ok: false,
      issues: [
        {
          path: "catalogRefs[0]",
          message: "未知的目录版本 nhsa-innovative-drugs@9；已有：nhsa-innovative-drugs@1",
        },
      ],
    });
  });

  it("a catalog never in force during coverage is refused (2023 coverage, catalog from 2026-01-01)", () => {
    const doc = withInnovativeDrugs();
    doc.coverage = { start: "2023-09-01 00:00", end: "2024-08-31 24:00" };
    const r = checkProductJson(doc);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    expect(r.issues).toHaveLength(1);
    expect(issueLine(r.issues[0] as never)).toMatch(
      /^catalogRefs\[0\]: .*自 2026-01-01 起.*与产品保障期没有交集/,
    );
  });

  it("coverage ending the moment the catalog starts is refused too (end exclusive)", () => {
    const doc = withInnovativeDrugs();
    doc.coverage = { start: "2025-01-01 00:00", end: "2025-12-31 24:00" };
    expect(checkProductJson(doc).ok).toBe(false);
  });

  it("a reference clashing with an embedded catalog id, or repeated, is refused", () => {
    const doc = withInnovativeDrugs();
    doc.catalogRefs = [
      { id: "nhsa-innovative-drugs", version: 1 },
      { id: "nhsa-innovative-drugs", version: 1 },
    ];
    const r = checkProductJson(doc);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    expect(r.issues.map((i) => i.path)).toEqual(["catalogRefs[1].id"]);
  });

  it("a badly shaped reference is reported by the schema with its path", () => {
    const doc = withInnovativeDrugs();
    doc.catalogRefs = [{ id: "nhsa-innovative-drugs" }];
    const r = checkProductJson(doc);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("expected a refusal");
    expect(r.issues.map(issueLine)).toContain("catalogRefs[0].version: 缺少必填项（应为数字）");
  });
});

describe("unknown fields", () => {
  it("are errors from schema v2 on: a typo must not silently change what a product pays", () => {
    const doc: Doc = { ...wenshan(), schemaVersion: 2, catalogRef: [{ id: "x", version: 1 }] };
    doc.plans[0].liabilities[0].deductiblePoool = "main";
    doc.plans[0].deductiblePools[0].varients = [];
    const r = checkProductJson(doc);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error("a v2 file with unknown fields loaded");
    expect(r.issues.map((i) => i.path).sort()).toEqual([
      "catalogRef",
      "plans[0].deductiblePools[0].varients",
      "plans[0].liabilities[0].deductiblePoool",
    ]);
    for (const i of r.issues) expect(i.message).toMatch(HAN);
  });

  it("are warnings in a v1 file, which keeps loading as its schema did (it stripped them)", () => {
    const doc = { ...wenshan(), notes: "内部备注" };
    const r = checkProductJson(doc);
    expect(r.ok).toBe(true);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.fromSchemaVersion).toBe(1);
    expect(r.warnings.map((w) => w.path)).toEqual(["notes"]);
    expect(r.warnings[0]?.message).toContain("已忽略");
  });

  it("leave the shipped v1 fixtures without warnings (nothing in them is unknown)", () => {
    const r = checkProductJson(wenshan());
    expect(r).toMatchObject({ ok: true, warnings: [] });
  });
});
