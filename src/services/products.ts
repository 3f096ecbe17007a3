/**
 * The product store (issue 12 §2): products as the operator's data, published as immutable versions.
 *
 * A version is the product file as published, migrated to the current schema on the way in, stored with the
 * sha-256 of its canonical JSON (product_versions, migration 017). Publishing the same content again changes
 * nothing; a different content under an id and version already published is refused — a program pins
 * (id, version) and its claims are paid on exactly those terms all year (金办便函〔2025〕745号), so a version
 * never changes once anyone may rely on it: a change is a new version.
 *
 * Reading: `storedProduct` answers from a process-wide cache keyed by id and version and, on a miss, from the
 * database — so a version another process published is used without a restart, and the claims path
 * (claims/coverage.ts) never reads the table twice for one version. The shipped products
 * (src/products/index.ts) are published on first start (`publishShippedProducts`, from openPlatform).
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { type Product, ProductValidationError, parseProduct } from "../domain/product.js";
import { diffProducts } from "../products/diff.js";
import { shippedProductFiles } from "../products/index.js";
import { checkProductJson } from "../products/load.js";
import { migrateProductDocument } from "../products/migrate.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";

/** Audit rows of the product store are no program's: they go under the platform-wide pseudo-program. */
const PLATFORM_WIDE = "*";

/** Who publishes the shipped products on first start. */
export const SYSTEM_ACTOR: Actor = { id: "system", role: "admin", programId: PLATFORM_WIDE };

/* ------------------------------------------------------------------------------------------------------------
 * Parsing a file
 * ---------------------------------------------------------------------------------------------------------- */

export interface ProductProblem {
  /** Where in the file, e.g. `plans[0].liabilities[1].cap`; empty for the whole file. */
  readonly path: string;
  /** What is wrong, in Chinese. */
  readonly message: string;
}

export interface LoadedFile {
  /**
   * The file migrated to the current schema with its catalogRefs resolved into `catalogs`: what is stored
   * and hashed, so a stored version is self-contained (a later catalog version never changes it).
   */
  readonly content: unknown;
  readonly product: Product;
}

/**
 * A product file (parsed JSON, any supported schema version) → its stored content and the validated product,
 * or every problem in Chinese — the same loader as `hmb product validate` (src/products/load.ts).
 */
export function loadFile(
  json: unknown,
): { ok: true; file: LoadedFile } | { ok: false; problems: ProductProblem[] } {
  const checked = checkProductJson(json);
  if (!checked.ok)
    return { ok: false, problems: checked.issues.map((i) => ({ path: i.path, message: i.message })) };
  return { ok: true, file: { content: checked.document, product: checked.product } };
}

/**
 * A stored version → its product. Its catalogs were resolved when it was published, so only a schema
 * migration (a platform newer than the version) stands between it and the schema.
 */
function loadStored(content: unknown): Product {
  const migrated = migrateProductDocument(content);
  if (!migrated.ok) throw new ProductValidationError(migrated.issues);
  return parseProduct(migrated.document);
}

/** The problems of a product file, storing nothing (`hmb product validate`'s answer over HTTP). */
export function validateProductFile(json: unknown): ProductProblem[] {
  const loaded = loadFile(json);
  return loaded.ok ? [] : loaded.problems;
}

function invalidFile(problems: readonly ProductProblem[]): ServiceError {
  const listed = problems.map((p) => `${p.path === "" ? "（文件）" : p.path}：${p.message}`).join("；");
  return new ServiceError(
    "invalid",
    "invalid_product",
    `产品文件有 ${problems.length} 处问题：${listed}`,
    problems[0]?.path || "product",
  );
}

/* ------------------------------------------------------------------------------------------------------------
 * Canonical JSON and its hash
 * ---------------------------------------------------------------------------------------------------------- */

/** JSON with object keys sorted at every level and no whitespace: the same content always gives one text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function contentHashOf(content: unknown): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

/* ------------------------------------------------------------------------------------------------------------
 * Reading versions
 * ---------------------------------------------------------------------------------------------------------- */

/** Versions never change, so a version once read is kept for the life of the process. */
const productCache = new Map<string, Product>();

const cacheKey = (id: string, version: number) => `${id}\u0000${version}`;

/** `wenshan-2023@2` → { id, version }; without `@` the version is undefined (the latest). */
export function parseProductRef(ref: string, field = "product"): { id: string; version: number | undefined } {
  const at = ref.lastIndexOf("@");
  if (at < 0) return { id: ref.trim(), version: undefined };
  const id = ref.slice(0, at).trim();
  const text = ref.slice(at + 1).trim();
  const version = Number(text);
  if (id === "" || !/^\d+$/.test(text) || !Number.isSafeInteger(version) || version < 1)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `产品应写作 产品编号 或 产品编号@版本号（如 wenshan-2023@1），而不是“${ref}”`,
      field,
    );
  return { id, version };
}

/** The product `id` at `version` as published: cached; read from product_versions on a miss. */
export async function storedProduct(q: Queryable, id: string, version: number): Promise<Product> {
  const key = cacheKey(id, version);
  const cached = productCache.get(key);
  if (cached !== undefined) return cached;
  const rows = await q.query<{ content: unknown }>(
    "select content from product_versions where product_id = $1 and version = $2",
    [id, version],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`产品 ${id} 第 ${version} 版`, "product");
  // A stored version passed validation when published; failing now would be a schema bug (it throws).
  const product = loadStored(row.content);
  productCache.set(key, product);
  return product;
}

/** The highest published version of `id`, or undefined when none is published. */
export async function latestVersion(q: Queryable, id: string): Promise<number | undefined> {
  const rows = await q.query<{ version: number | null }>(
    "select max(version) as version from product_versions where product_id = $1",
    [id],
  );
  const v = rows[0]?.version;
  return v === null || v === undefined ? undefined : Number(v);
}

/** `id` at `version`, or at its latest published version when `version` is undefined. */
export async function resolveProduct(
  q: Queryable,
  id: string,
  version: number | undefined,
  field = "product",
): Promise<Product> {
  const v = version ?? (await latestVersion(q, id));
  if (v === undefined) throw new ServiceError("not_found", "not_found", `产品 ${id} 尚未发布`, field);
  try {
    return await storedProduct(q, id, v);
  } catch (e) {
    if (e instanceof ServiceError && e.kind === "not_found")
      throw new ServiceError("not_found", "not_found", `产品 ${id} 没有第 ${v} 版`, field);
    throw e;
  }
}

export interface ProductVersionInfo {
  readonly productId: string;
  readonly version: number;
  readonly name: string;
  readonly regionCode: string;
  readonly contentHash: string;
  readonly publishedBy: string;
  readonly publishedAt: Date;
}

interface VersionRow {
  product_id: string;
  version: number;
  name: string;
  region_code: string;
  content_hash: string;
  published_by: string;
  published_at: Date;
}

const VERSION_COLUMNS = `product_id, version, content->>'name' as name, content->'region'->>'code' as region_code,
  content_hash, published_by, published_at`;

function infoOf(r: VersionRow): ProductVersionInfo {
  return {
    productId: r.product_id,
    version: Number(r.version),
    name: r.name,
    regionCode: r.region_code,
    contentHash: r.content_hash,
    publishedBy: r.published_by,
    publishedAt: new Date(r.published_at),
  };
}

/** Every published version, by product id then version. */
export async function listProductVersions(ctx: PlatformContext): Promise<ProductVersionInfo[]> {
  const rows = await ctx.db.query<VersionRow>(
    `select ${VERSION_COLUMNS} from product_versions order by product_id, version`,
  );
  return rows.map(infoOf);
}

export interface ProductVersionDetail extends ProductVersionInfo {
  /** The stored file (current schema). */
  readonly content: unknown;
  readonly product: Product;
}

/** One version (the latest when `version` is undefined), with its stored file. */
export async function showProductVersion(
  ctx: PlatformContext,
  id: string,
  version: number | undefined,
): Promise<ProductVersionDetail> {
  const v = version ?? (await latestVersion(ctx.db, id));
  if (v === undefined) throw new ServiceError("not_found", "not_found", `产品 ${id} 尚未发布`, "product_id");
  const rows = await ctx.db.query<VersionRow & { content: unknown }>(
    `select ${VERSION_COLUMNS}, content from product_versions where product_id = $1 and version = $2`,
    [id, v],
  );
  const row = rows[0];
  if (row === undefined)
    throw new ServiceError("not_found", "not_found", `产品 ${id} 没有第 ${v} 版`, "version");
  return { ...infoOf(row), content: row.content, product: await storedProduct(ctx.db, id, v) };
}

/* ------------------------------------------------------------------------------------------------------------
 * Publishing
 * ---------------------------------------------------------------------------------------------------------- */

export interface PublishOutcome {
  readonly version: ProductVersionInfo;
  /** `published`: stored now; `unchanged`: the same content was already published (nothing changed). */
  readonly outcome: "published" | "unchanged";
}

/**
 * Publishes a product file (parsed JSON): validated and migrated, then stored under its id and version.
 * The same content again is a no-op (`unchanged`); a different content under a published id and version is
 * refused (conflict) — publish it as a new version.
 */
export async function publishProduct(
  ctx: PlatformContext,
  actor: Actor,
  json: unknown,
): Promise<PublishOutcome> {
  const loaded = loadFile(json);
  if (!loaded.ok) throw invalidFile(loaded.problems);
  const { content, product } = loaded.file;
  const hash = contentHashOf(content);
  return ctx.db.transaction(async (tx) => {
    const inserted = await tx.query<VersionRow>(
      `insert into product_versions (product_id, version, content, content_hash, published_by, published_at)
       values ($1, $2, $3, $4, $5, $6) on conflict do nothing
       returning ${VERSION_COLUMNS}`,
      [product.id, product.version, canonicalJson(content), hash, actor.id, ctx.clock.now()],
    );
    const created = inserted[0];
    if (created !== undefined) {
      await audit(tx, actor, PLATFORM_WIDE, "product.publish", `${product.id}@${product.version}`, {
        content_hash: hash,
      });
      return { version: infoOf(created), outcome: "published" as const };
    }
    const existing = (
      await tx.query<VersionRow>(
        `select ${VERSION_COLUMNS} from product_versions where product_id = $1 and version = $2`,
        [product.id, product.version],
      )
    )[0];
    if (existing === undefined) throw new Error(`product ${product.id}@${product.version} vanished`);
    if (existing.content_hash !== hash)
      throw new ServiceError(
        "conflict",
        "product_version_exists",
        `产品 ${product.id} 第 ${product.version} 版已发布且内容不同：已发布的版本不可修改，请把 version 改为新的版本号后发布`,
        "version",
      );
    return { version: infoOf(existing), outcome: "unchanged" as const };
  });
}

/**
 * Publishes the products shipped with the platform (first start; idempotent: each is `unchanged` after).
 * A shipped file whose id and version are already published with other content keeps the stored version
 * (programs may be paying on it) and is reported in `conflicts`, not thrown: it must not stop a start.
 */
export async function publishShippedProducts(
  ctx: PlatformContext,
): Promise<{ published: string[]; conflicts: string[] }> {
  const files = shippedProductFiles();
  const published: string[] = [];
  const conflicts: string[] = [];
  const known = new Set(
    (
      await ctx.db.query<{ product_id: string; version: number; content_hash: string }>(
        "select product_id, version, content_hash from product_versions",
      )
    ).map((r) => `${r.product_id}@${r.version}@${r.content_hash}`),
  );
  for (const file of files) {
    const loaded = loadFile(file);
    if (!loaded.ok) throw invalidFile(loaded.problems);
    const { product, content } = loaded.file;
    // The common case on every start after the first: already there, not one write.
    if (known.has(`${product.id}@${product.version}@${contentHashOf(content)}`)) continue;
    try {
      const r = await publishProduct(ctx, SYSTEM_ACTOR, file);
      if (r.outcome === "published") published.push(`${product.id}@${product.version}`);
    } catch (e) {
      if (e instanceof ServiceError && e.kind === "conflict")
        conflicts.push(`${product.id}@${product.version}`);
      else throw e;
    }
  }
  return { published, conflicts };
}

/* ------------------------------------------------------------------------------------------------------------
 * Comparing two versions
 * ---------------------------------------------------------------------------------------------------------- */

/** What changed from `a` to `b`, one Chinese line per change (products/diff.ts); empty when the same terms. */
export function diffLines(a: Product, b: Product): string[] {
  return diffProducts(a, b);
}

/** The diff as the CLI prints it. */
export function diffText(a: Product, b: Product): string {
  const lines = diffLines(a, b);
  const head = `${a.id}@${a.version} → ${b.id}@${b.version}`;
  return lines.length === 0 ? `${head}：条款相同` : [head, ...lines.map((l) => `  ${l}`)].join("\n");
}
