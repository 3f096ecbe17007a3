/**
 * The seed products shipped with the platform, loaded once (migrated to the current schema version, catalogRefs
 * resolved, validated — src/products/load.ts). A new product: its JSON file in src/products/, one import and one
 * entry in SEED_PRODUCT_FILES.
 */
import type { Product } from "../domain/product.js";
import anyangPuhui2022 from "./anyang-puhui-2022.json" with { type: "json" };
import beijingPuhui2024 from "./beijing-puhui-2024.json" with { type: "json" };
import chengduHuirongbao2022 from "./chengdu-huirongbao-2022.json" with { type: "json" };
import chuxiong2023 from "./chuxiong-2023.json" with { type: "json" };
import { loadProductJson } from "./load.js";
import shenzhenHmb2023 from "./shenzhen-hmb-2023.json" with { type: "json" };
import shenzhenHmb2024 from "./shenzhen-hmb-2024.json" with { type: "json" };
import wenshan2023 from "./wenshan-2023.json" with { type: "json" };
import wenshan2024Draft from "./wenshan-2024-draft.json" with { type: "json" };

const SEED_PRODUCT_FILES: readonly unknown[] = [
  wenshan2023,
  chuxiong2023,
  // The library of real products (issue 12, docs/products/SOURCES.md): schema v2, one plan each.
  beijingPuhui2024,
  shenzhenHmb2024,
  shenzhenHmb2023,
  chengduHuirongbao2022,
  anyangPuhui2022,
  // An illustrative design proposal, not a published product (docs/products/SOURCES.md §8).
  wenshan2024Draft,
];

let registry: Map<string, Product> | undefined;

function seedRegistry(): Map<string, Product> {
  if (registry === undefined) {
    registry = new Map(SEED_PRODUCT_FILES.map((file) => loadProductJson(file)).map((p) => [p.id, p]));
  }
  return registry;
}

/** The shipped product files as written (published to the database on first start, services/products.ts). */
export function shippedProductFiles(): readonly unknown[] {
  return SEED_PRODUCT_FILES;
}

export function listProducts(): Product[] {
  return [...seedRegistry().values()];
}

export function getProduct(id: string): Product {
  const product = seedRegistry().get(id);
  if (product === undefined) {
    throw new Error(
      `未知产品 ${id}（unknown product ${id}）；已有：${[...seedRegistry().keys()].join(", ")}`,
    );
  }
  return product;
}
