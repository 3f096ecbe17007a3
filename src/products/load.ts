/**
 * The one way a product file becomes a `Product`: read → JSON → migrate to the current schema version
 * (migrate.ts) → resolve `catalogRefs` into embedded `catalogs` (src/catalogs) → validate (parseProduct).
 * Every problem comes back as `path: 中文说明`, all of them at once, so an operator fixes a file in one pass.
 *
 * Catalog effective dates: a referenced catalog version whose window [effectiveFrom, effectiveTo] never meets
 * the product's coverage is refused here. Within coverage, the window travels with the resolved catalog
 * (`effectiveFrom` / `effectiveTo`, Beijing days) and the engine pays an item only on a record admitted inside
 * it; a catalog in force for part of the coverage is worth a warning (`hmb product validate` prints it).
 *
 * Unknown fields: zod drops keys it does not know, so a typo (`catalogRef`, `deductiblePoool`) would silently
 * change what a product pays. From schema v2 on they are errors; a v1 file keeps loading as it always did (its
 * schema stripped them), with a warning per unknown field.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { findCatalog, listCatalogs } from "../catalogs/index.js";
import { type CatalogFile, catalogKey, effectiveWindow } from "../domain/catalog.js";
import { zhIssueMessage } from "../domain/issues-zh.js";
import {
  formatPath,
  type Product,
  type ProductIssue,
  ProductValidationError,
  parseProduct,
} from "../domain/product.js";
import { parseBusinessTime } from "../domain/time.js";
import { migrateProductDocument } from "./migrate.js";

/** A product that could not be loaded; `issues` are `{ path, message }` in Chinese, `file` when read from one. */
export class ProductLoadError extends ProductValidationError {
  constructor(
    issues: readonly ProductIssue[],
    readonly file?: string,
  ) {
    super(issues);
    this.message = describeProblems(issues, file);
  }
}

/** "plans[0].cap: 不能小于 0" — the one-problem-per-line form the CLI prints. */
export function issueLine(issue: ProductIssue): string {
  return `${issue.path === "" ? "(根)" : issue.path}: ${issue.message}`;
}

function describeProblems(issues: readonly ProductIssue[], file?: string): string {
  const what = file === undefined ? "产品" : `产品文件 ${file}`;
  return [`${what} 有 ${issues.length} 处问题：`, ...issues.map((i) => `  ${issueLine(i)}`)].join("\n");
}

export interface LoadOptions {
  /** Where `catalogRefs` are looked up; default the shipped catalogs (src/catalogs). */
  readonly findCatalog?: (id: string, version: number) => CatalogFile | undefined;
}

export interface LoadedProduct {
  readonly product: Product;
  /** The schema version the file was written in (1 when it had no `schemaVersion`). */
  readonly fromSchemaVersion: number;
  /** The migrated document with catalogs resolved, as validated (what a store may keep next to the original). */
  readonly document: Record<string, unknown>;
}

export type ProductCheck =
  | ({ ok: true; warnings: ProductIssue[] } & LoadedProduct)
  | { ok: false; issues: ProductIssue[] };

/** Migrates, resolves catalogs and validates; never throws on a bad product. */
export function checkProductJson(input: unknown, options: LoadOptions = {}): ProductCheck {
  const migrated = migrateProductDocument(input);
  if (!migrated.ok) return migrated;
  const resolved = resolveCatalogRefs(migrated.document, options.findCatalog ?? findCatalog);
  if (resolved.issues.length > 0) return { ok: false, issues: resolved.issues };
  try {
    const product = withChineseMessages(() => parseProduct(resolved.document));
    const unknown = unknownFields(resolved.document, product).map((path) => ({
      path,
      message:
        migrated.fromVersion < STRICT_FROM_SCHEMA_VERSION
          ? "不认识的字段，已忽略（格式版本 1 的文件照旧读取；改为版本 2 时请删除或改正）"
          : "不认识的字段：请检查拼写，或删除该字段",
    }));
    if (unknown.length > 0 && migrated.fromVersion >= STRICT_FROM_SCHEMA_VERSION)
      return { ok: false, issues: unknown };
    return {
      ok: true,
      product,
      fromSchemaVersion: migrated.fromVersion,
      document: resolved.document,
      warnings: [...resolved.warnings, ...unknown],
    };
  } catch (e) {
    if (e instanceof ProductValidationError) return { ok: false, issues: [...e.issues] };
    throw e;
  }
}

/** A product from parsed JSON (any supported schema version); throws ProductLoadError. */
export function loadProductJson(input: unknown, options: LoadOptions = {}): Product {
  const result = checkProductJson(input, options);
  if (!result.ok) throw new ProductLoadError(result.issues);
  return result.product;
}

/** Reads and parses a JSON file; throws ProductLoadError naming the file when unreadable or not JSON. */
export function readProductJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "文件不存在"
        : code === "EISDIR"
          ? "这是一个目录"
          : code === "EACCES"
            ? "没有读取权限"
            : "无法读取";
    throw new ProductLoadError([{ path: "", message: `无法读取产品文件：${why}` }], path);
  }
  return parseJsonText(text, path);
}

/** JSON.parse with a Chinese message naming the file and the line and column of the mistake. */
export function parseJsonText(text: string, file: string): unknown {
  // A UTF-8 byte order mark (Windows editors) is not a mistake of the author.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const at = /position (\d+)/.exec(message);
    let where = "";
    if (at !== null) {
      const before = body.slice(0, Number(at[1]));
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      where = `（第 ${line} 行第 ${column} 列附近）`;
    } else if (body.trim() === "") {
      where = "（文件是空的）";
    } else {
      where = "（文件在结构完整之前就结束了）";
    }
    const error = new ProductLoadError(
      [
        {
          path: "",
          message: `不是合法的 JSON${where}：检查引号、逗号（最后一项后不能有逗号）和括号是否成对`,
        },
      ],
      file,
    );
    error.message = `产品文件 ${file} 不是合法的 JSON${where}`;
    throw error;
  }
}

/** Checks a product file on disk: unreadable, not JSON and invalid all come back as issues. */
export function checkProductFile(path: string, options: LoadOptions = {}): ProductCheck {
  let input: unknown;
  try {
    input = readProductJsonFile(path);
  } catch (e) {
    if (e instanceof ProductLoadError) return { ok: false, issues: [...e.issues] };
    throw e;
  }
  return checkProductJson(input, options);
}

/** `--product-file FILE`: a product from a file of any supported schema version; throws ProductLoadError. */
export function loadProductFile(path: string, options: LoadOptions = {}): Product {
  const result = checkProductJson(readProductJsonFile(path), options);
  if (!result.ok) throw new ProductLoadError(result.issues, path);
  return result.product;
}

/** The first schema version whose files may not carry fields the schema does not know. */
const STRICT_FROM_SCHEMA_VERSION = 2;

/**
 * Paths of the input's object keys that validation dropped: a key of an input object whose parsed
 * counterpart is an object without it. Parsing keeps every known key (transforms change values, not keys;
 * defaults only add), so what is missing was not understood. Arrays are walked index by index.
 */
export function unknownFields(input: unknown, parsed: unknown, path: (string | number)[] = []): string[] {
  if (Array.isArray(input) && Array.isArray(parsed)) {
    return input.flatMap((item, i) => unknownFields(item, parsed[i], [...path, i]));
  }
  if (!isPlainObject(input) || !isPlainObject(parsed)) return [];
  return Object.keys(input).flatMap((key) =>
    key in parsed ? unknownFields(input[key], parsed[key], [...path, key]) : [formatPath([...path, key])],
  );
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * zod's built-in messages in Chinese for this parse only. parseProduct takes no parse options, so the
 * fallback map is set around the (synchronous) call and restored; messages the schema states itself win.
 */
function withChineseMessages<T>(parse: () => T): T {
  const config = z.config();
  const previous = config.customError;
  z.config({ customError: zhIssueMessage });
  try {
    return parse();
  } finally {
    z.config({ customError: previous });
  }
}

interface Resolution {
  document: Record<string, unknown>;
  issues: ProductIssue[];
  /** Valid but worth the operator's attention (a catalog in force for part of the coverage only). */
  warnings: ProductIssue[];
}

/**
 * `catalogRefs: [{ id, version }]` → the catalog versions appended to `catalogs`, in the embedded catalog shape
 * (only entries marked known; placeholders are never paid). Shape errors of `catalogRefs` itself are left to
 * the schema, which reports them with their paths.
 */
function resolveCatalogRefs(
  doc: Record<string, unknown>,
  lookup: (id: string, version: number) => CatalogFile | undefined,
): Resolution {
  const refs = doc.catalogRefs;
  if (!Array.isArray(refs) || refs.length === 0) return { document: doc, issues: [], warnings: [] };
  const embedded = Array.isArray(doc.catalogs) ? (doc.catalogs as unknown[]) : [];
  const embeddedIds = new Set(
    embedded.flatMap((c) => (typeof c === "object" && c !== null && "id" in c ? [String(c.id)] : [])),
  );
  const coverage = coverageWindow(doc.coverage);
  const issues: ProductIssue[] = [];
  const warnings: ProductIssue[] = [];
  const resolved: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  refs.forEach((ref, i) => {
    if (typeof ref !== "object" || ref === null) return;
    const { id, version } = ref as { id?: unknown; version?: unknown };
    if (typeof id !== "string" || typeof version !== "number") return;
    const path = `catalogRefs[${i}]`;
    const catalog = lookup(id, version);
    if (catalog === undefined) {
      const known = listCatalogs().map((c) => catalogKey(c.id, c.version));
      issues.push({
        path,
        message: `未知的目录版本 ${catalogKey(id, version)}；已有：${known.length === 0 ? "无" : known.join("、")}`,
      });
      return;
    }
    if (embeddedIds.has(id) || seen.has(id)) {
      issues.push({
        path: `${path}.id`,
        message: `目录 ${id} 已在 catalogs 中或被重复引用，一个产品只能用它的一个版本`,
      });
      return;
    }
    seen.add(id);
    const window = effectiveWindow(catalog);
    if (coverage !== undefined && (window.to <= coverage.start || window.from >= coverage.end)) {
      issues.push({
        path,
        message: `目录 ${catalog.name}（${catalogKey(id, version)}）的有效期 ${describeWindow(catalog)} 与产品保障期没有交集，在保障期内从不生效`,
      });
      return;
    }
    if (coverage !== undefined && (window.from > coverage.start || window.to < coverage.end)) {
      warnings.push({
        path,
        message: `目录 ${catalog.name}（${catalogKey(id, version)}）${describeWindow(catalog)}有效，只覆盖部分保障期：入院日期在有效期外的药品按普通费用处理，不按该目录赔付`,
      });
    }
    resolved.push(embeddedCatalog(catalog));
  });
  if (issues.length > 0) return { document: doc, issues, warnings };
  return { document: { ...doc, catalogs: [...embedded, ...resolved] }, issues, warnings };
}

export function describeWindow(c: Pick<CatalogFile, "effectiveFrom" | "effectiveTo">): string {
  return c.effectiveTo === undefined ? `自 ${c.effectiveFrom} 起` : `${c.effectiveFrom} 至 ${c.effectiveTo}`;
}

function coverageWindow(coverage: unknown): { start: number; end: number } | undefined {
  if (typeof coverage !== "object" || coverage === null) return undefined;
  const { start, end } = coverage as { start?: unknown; end?: unknown };
  if (typeof start !== "string" || typeof end !== "string") return undefined;
  const s = parseBusinessTime(start);
  const e = parseBusinessTime(end);
  return s === undefined || e === undefined ? undefined : { start: s, end: e };
}

/** A catalog version in the embedded shape of product files (money stays in yuan, as files write it). */
function embeddedCatalog(c: CatalogFile): Record<string, unknown> {
  const items = c.items
    .filter((it) => it.known)
    .map((it) => ({
      code: it.code,
      name: it.name,
      kind: it.kind,
      ...(it.indication === undefined ? {} : { indication: it.indication }),
      ...(it.indicationIcd10 === undefined ? {} : { indicationIcd10: it.indicationIcd10 }),
      ...(it.cap === undefined ? {} : { cap: it.cap }),
    }));
  const unknown = c.items.length - items.length;
  return {
    id: c.id,
    name: c.name,
    sample: false,
    source: [
      `${catalogKey(c.id, c.version)}（src/catalogs），${describeWindow(c)}生效`,
      ...(unknown > 0 ? [`${unknown} 项未能核实，未列入`] : []),
      ...c.sources,
    ].join("；"),
    ...(c.declaredItemCount === undefined ? {} : { declaredItemCount: c.declaredItemCount }),
    ...(c.designatedInstitutions === undefined ? {} : { designatedInstitutions: c.designatedInstitutions }),
    // Read by the engine once it checks catalog effective dates (see the module comment).
    version: c.version,
    effectiveFrom: c.effectiveFrom,
    ...(c.effectiveTo === undefined ? {} : { effectiveTo: c.effectiveTo }),
    items,
  };
}
