/**
 * The catalog versions shipped with the platform (src/catalogs/*.json), validated once on first use. A product
 * names one by `catalogRefs: [{ id, version }]`; a new version is a new file and a new line below — old versions
 * stay, so a product pinned to them keeps loading unchanged.
 */
import { type CatalogFile, catalogFileSchema, catalogKey } from "../domain/catalog.js";
import { formatPath } from "../domain/product.js";
import nhsaInnovativeDrugsV1 from "./nhsa-innovative-drugs.v1.json" with { type: "json" };

const CATALOG_FILES: readonly unknown[] = [nhsaInnovativeDrugsV1];

let registry: Map<string, CatalogFile> | undefined;

function catalogRegistry(): Map<string, CatalogFile> {
  if (registry === undefined) {
    const map = new Map<string, CatalogFile>();
    for (const file of CATALOG_FILES) {
      const parsed = catalogFileSchema.safeParse(file);
      if (!parsed.success) {
        // A shipped file is code: a broken one is a bug to fail loudly on, not a user error.
        const problems = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
        throw new Error(`内置目录文件无效：${problems}`);
      }
      const key = catalogKey(parsed.data.id, parsed.data.version);
      if (map.has(key)) throw new Error(`内置目录重复：${key}`);
      map.set(key, parsed.data);
    }
    registry = map;
  }
  return registry;
}

/** Every shipped catalog version, ordered by id then version. */
export function listCatalogs(): CatalogFile[] {
  return [...catalogRegistry().values()].sort((a, b) =>
    a.id === b.id ? a.version - b.version : a.id < b.id ? -1 : 1,
  );
}

/** One catalog version, or undefined. */
export function findCatalog(id: string, version: number): CatalogFile | undefined {
  return catalogRegistry().get(catalogKey(id, version));
}
