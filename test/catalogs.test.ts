/**
 * Catalogs as versioned data (issue 12 item 7): the shipped catalog files validate, the national
 * 《商业健康保险创新药品目录（2025年）》 lists only entries it can cite (19 declared: 7 cited incl. the 5 CAR-T,
 * 12 placeholders), and the catalog file schema refuses what would make a catalog lie.
 */
import { describe, expect, it } from "vitest";
import { findCatalog, listCatalogs } from "../src/catalogs/index.js";
import { catalogFileSchema, effectiveWindow } from "../src/domain/catalog.js";
import { parseBusinessTime } from "../src/domain/time.js";

const FIVE_CAR_T = [
  "阿基仑赛注射液",
  "瑞基奥仑赛注射液",
  "纳基奥仑赛注射液",
  "伊基奥仑赛注射液",
  "泽沃基奥仑赛注射液",
];

describe("the national innovative-drug catalog, 2025 edition (nhsa-innovative-drugs@1)", () => {
  const catalog = findCatalog("nhsa-innovative-drugs", 1);

  it("is registered, with 19 declared entries, effective 2026-01-01 with no end", () => {
    expect(catalog).toBeDefined();
    expect(catalog?.name).toBe("商业健康保险创新药品目录（2025年）");
    expect(catalog?.declaredItemCount).toBe(19);
    expect(catalog?.items).toHaveLength(19);
    expect(catalog?.effectiveFrom).toBe("2026-01-01");
    expect(catalog?.effectiveTo).toBeUndefined();
  });

  it("lists the 5 CAR-T products by name, each with the page it is cited from", () => {
    const known = catalog?.items.filter((i) => i.known) ?? [];
    for (const name of FIVE_CAR_T) {
      const item = known.find((i) => i.name === name);
      expect(item, name).toBeDefined();
      expect(item?.source).toMatch(/^https?:\/\//);
    }
  });

  it("every cited entry names a source; every other entry is an explicit unknown placeholder", () => {
    for (const item of catalog?.items ?? []) {
      if (item.known) {
        expect(item.source ?? "").toMatch(/^https?:\/\//);
        expect(item.name).not.toMatch(/待核实/);
      } else {
        expect(item.name).toBe("未公开/待核实");
        expect(item.indication).toBeUndefined();
      }
    }
    expect(catalog?.items.filter((i) => i.known)).toHaveLength(7);
    expect(catalog?.sources.every((s) => /https?:\/\//.test(s))).toBe(true);
  });

  it("its window starts at 2026-01-01 00:00 Beijing time and never ends", () => {
    if (catalog === undefined) throw new Error("missing");
    const window = effectiveWindow(catalog);
    expect(window.from).toBe(parseBusinessTime("2026-01-01 00:00"));
    expect(window.to).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("the registry", () => {
  it("lists every catalog version once, ordered by id and version", () => {
    const keys = listCatalogs().map((c) => `${c.id}@${c.version}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toContain("nhsa-innovative-drugs@1");
  });

  it("an unknown id or version is undefined", () => {
    expect(findCatalog("nhsa-innovative-drugs", 99)).toBeUndefined();
    expect(findCatalog("nowhere", 1)).toBeUndefined();
  });
});

describe("catalog file schema", () => {
  const good = {
    id: "test-catalog",
    version: 1,
    name: "测试目录",
    sources: ["https://example.org/notice"],
    effectiveFrom: "2026-01-01",
    effectiveTo: "2026-12-31",
    items: [{ code: "T1", name: "测试药", kind: "drug" }],
  };

  it("accepts a minimal file; known defaults to true", () => {
    const r = catalogFileSchema.safeParse(good);
    expect(r.success).toBe(true);
    expect(r.data?.items[0]?.known).toBe(true);
    const window = effectiveWindow(r.data as never);
    // effectiveTo is inclusive: the window ends at the end of 2026-12-31, i.e. 2027-01-01 00:00.
    expect(window.to).toBe(parseBusinessTime("2027-01-01 00:00"));
  });

  it.each([
    ["an end before the start", { effectiveTo: "2025-12-31" }, "effectiveTo", "失效日期不能早于生效日期"],
    ["an impossible date", { effectiveFrom: "2026-02-30" }, "effectiveFrom", "不是有效日期"],
    [
      "a date in another format",
      { effectiveFrom: "2026/01/01" },
      "effectiveFrom",
      "日期格式应为 yyyy-MM-dd（北京时间）",
    ],
    [
      "a declared count that the items do not match",
      { declaredItemCount: 2 },
      "declaredItemCount",
      "声明 2 项",
    ],
    [
      "only placeholders",
      { items: [{ code: "T1", name: "未公开/待核实", kind: "drug", known: false }] },
      "items",
      "至少要有一项已核实的条目",
    ],
    [
      "a repeated code",
      {
        items: [
          { code: "T1", name: "甲", kind: "drug" },
          { code: "T1", name: "乙", kind: "drug" },
        ],
      },
      "items.1.code",
      "目录内编码重复",
    ],
  ])("refuses %s", (_, change, path, message) => {
    const r = catalogFileSchema.safeParse({ ...good, ...change });
    expect(r.success).toBe(false);
    const issue = r.error?.issues.find((i) => i.path.join(".") === path);
    expect(issue?.message).toContain(message);
  });
});
