/**
 * Product files carry `schemaVersion`; a file without it was written for version 1 (the shipped products at the
 * start of issue 12). Every older version is migrated step by step to the current one on load, so a file that
 * was valid once keeps loading unchanged, forever (test/products.compat.test.ts loads the version-1 files byte
 * for byte). A new schema version adds one step here: STEPS[n] turns a version-n document into version n+1.
 *
 * Migration works on the raw JSON document, before validation: it never invents terms, it only rewrites the
 * shape. Problems are reported like validation problems (`path: 中文说明`).
 */
import { CURRENT_PRODUCT_SCHEMA_VERSION, type ProductIssue } from "../domain/product.js";

/** The schema version this platform writes and reads natively. */
export const CURRENT_SCHEMA_VERSION: number = CURRENT_PRODUCT_SCHEMA_VERSION;

/** A file without `schemaVersion` is version 1. */
export const IMPLICIT_SCHEMA_VERSION = 1;

type Doc = Record<string, unknown>;

/**
 * STEPS[n]: version n → n+1.
 * 1 → 2: version 2 is a superset of version 1 (person conditions, fee-item bases, catalogRefs … are all
 * optional with defaults that mean "as in version 1"), so only the version number changes.
 */
const STEPS: Readonly<Record<number, (doc: Doc) => Doc>> = {
  1: (doc) => {
    const { schemaVersion: _old, ...rest } = doc;
    // schemaVersion first: it is what a reader needs before anything else.
    return { schemaVersion: 2, ...rest };
  },
};

export type MigrationResult =
  | { ok: true; document: Doc; fromVersion: number; toVersion: number }
  | { ok: false; issues: ProductIssue[] };

/** Migrates a parsed product JSON document to CURRENT_SCHEMA_VERSION; the input is not modified. */
export function migrateProductDocument(input: unknown): MigrationResult {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ path: "", message: "产品文件应为一个 JSON 对象 {…}" }] };
  }
  let doc = input as Doc;
  const declared = doc.schemaVersion;
  const fromVersion = declared === undefined ? IMPLICIT_SCHEMA_VERSION : declared;
  if (typeof fromVersion !== "number" || !Number.isInteger(fromVersion) || fromVersion < 1) {
    return {
      ok: false,
      issues: [
        {
          path: "schemaVersion",
          message: `应为正整数（如 ${CURRENT_SCHEMA_VERSION}），实际是 ${JSON.stringify(declared)}`,
        },
      ],
    };
  }
  if (fromVersion > CURRENT_SCHEMA_VERSION) {
    return {
      ok: false,
      issues: [
        {
          path: "schemaVersion",
          message: `产品格式版本 ${fromVersion} 高于本平台能读的最高版本 ${CURRENT_SCHEMA_VERSION}，请先升级平台`,
        },
      ],
    };
  }
  for (let v = fromVersion; v < CURRENT_SCHEMA_VERSION; v++) {
    const step = STEPS[v];
    if (step === undefined) {
      // A missing step is a bug in this file, not in the product file.
      throw new Error(`缺少产品格式迁移步骤 ${v} → ${v + 1}`);
    }
    doc = step(doc);
  }
  return { ok: true, document: doc, fromVersion, toVersion: CURRENT_SCHEMA_VERSION };
}
