/**
 * Compatibility, forever (issue 12 item 1): the two product files shipped at the start of issue 12 — schema
 * version 1, no `schemaVersion` field — are kept byte for byte in test/fixtures/products-v1/ and must keep
 * loading through the loader (migrated to the current schema version) and adjudicating exactly as they did.
 * Never edit the fixtures: a schema change that breaks them needs a migration step in src/products/migrate.ts.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CURRENT_PRODUCT_SCHEMA_VERSION } from "../src/domain/product.js";
import { compilePlan } from "../src/engine/compile.js";
import { getProduct } from "../src/products/index.js";
import { checkProductFile, loadProductFile } from "../src/products/load.js";
import { migrateProductDocument } from "../src/products/migrate.js";
import { CX_LOCAL, lineOf, personOn, WS_PHARMACY, Y } from "./fixtures.js";

const DIR = join(import.meta.dirname, "fixtures", "products-v1");
const WENSHAN = join(DIR, "wenshan-2023.json");
const CHUXIONG = join(DIR, "chuxiong-2023.json");

/** sha256 of the files as shipped at commit c2e849d: the fixtures are those bytes, not a re-formatted copy. */
const SHIPPED_SHA256: Record<string, string> = {
  [WENSHAN]: "cefbe994e59d23489cffea2b2f2b5cd83d9e23d5f2977c35c2ce4d4bf0b83704",
  [CHUXIONG]: "7ce3bd4a814a4021a61962d3b1f09826105607950ad6be23afb7bb2c8d735a03",
};

describe("schema version 1 product files (fixtures, byte for byte)", () => {
  it.each([WENSHAN, CHUXIONG])("%s is the shipped file unchanged and has no schemaVersion", (path) => {
    const bytes = readFileSync(path);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(SHIPPED_SHA256[path]);
    expect(JSON.parse(bytes.toString("utf8"))).not.toHaveProperty("schemaVersion");
  });

  it.each([WENSHAN, CHUXIONG])("%s migrates from version 1 to the current version and validates", (path) => {
    const result = checkProductFile(path);
    if (!result.ok) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join("\n"));
    expect(result.fromSchemaVersion).toBe(1);
    expect(result.document.schemaVersion).toBe(CURRENT_PRODUCT_SCHEMA_VERSION);
    const migrated = migrateProductDocument(JSON.parse(readFileSync(path, "utf8")));
    expect(migrated).toMatchObject({ ok: true, fromVersion: 1, toVersion: CURRENT_PRODUCT_SCHEMA_VERSION });
  });

  it("each plan compiles to exactly the plan of the shipped product of the same id and version", () => {
    for (const path of [WENSHAN, CHUXIONG]) {
      const fromFixture = loadProductFile(path);
      const shipped = getProduct(fromFixture.id);
      // Products are versioned: if the shipped file moved on to a new version, the old one is not comparable.
      if (shipped.version !== fromFixture.version) continue;
      for (const plan of fromFixture.plans) {
        expect(compilePlan(fromFixture, plan.id)).toEqual(compilePlan(shipped, plan.id));
      }
    }
  });
});

describe("the version 1 files adjudicate as they always did (amounts by hand)", () => {
  it("文山 责任一: 50,000 in scope → (50,000 − 12,000) × 80% = 30,400", () => {
    const p = personOn(compilePlan(loadProductFile(WENSHAN)));
    const a = p.run({ setlId: "S1", inScope: Y(50_000) });
    expect(lineOf(a, "inpatient_in_scope")).toMatchObject({ deductible: Y(12_000), payout: Y(30_400) });
    expect(a.hmbPay).toBe(Y(30_400));
  });

  it("文山 责任二: a catalog drug bought at a designated pharmacy, 100,000 × 80% = 80,000, no deductible", () => {
    const p = personOn(compilePlan(loadProductFile(WENSHAN)));
    const a = p.run({
      setlId: "S1",
      medType: "41",
      institution: WS_PHARMACY,
      fullOwnPay: Y(100_000),
      items: [{ code: "SAMPLE-WS-D01", amount: Y(100_000) }],
    });
    expect(lineOf(a, "special_drug")).toMatchObject({
      eligible: Y(100_000),
      deductible: 0,
      payout: Y(80_000),
    });
  });

  it("文山 责任三: 30,000 全自费 → (30,000 − 12,000) × 20% = 3,600", () => {
    const p = personOn(compilePlan(loadProductFile(WENSHAN)));
    const a = p.run({ setlId: "S1", fullOwnPay: Y(30_000) });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(12_000), payout: Y(3_600) });
  });

  it("楚雄 basic, shared pool 13,000: 8,000 in + 20,000 out → ① deducts 8,000, ② (20,000 − 5,000) × 20% = 3,000", () => {
    const p = personOn(compilePlan(loadProductFile(CHUXIONG), "basic"));
    const a = p.run({ setlId: "S1", inScope: Y(8_000), fullOwnPay: Y(20_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_in_scope")).toMatchObject({ deductible: Y(8_000), payout: 0 });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(5_000), payout: Y(3_000) });
  });

  it("楚雄 plus, shared pool 10,000: ② (20,000 − 2,000) × 20% = 3,600", () => {
    const p = personOn(compilePlan(loadProductFile(CHUXIONG), "plus"));
    const a = p.run({ setlId: "S1", inScope: Y(8_000), fullOwnPay: Y(20_000), region: CX_LOCAL });
    expect(lineOf(a, "inpatient_out_of_scope")).toMatchObject({ deductible: Y(2_000), payout: Y(3_600) });
  });
});
