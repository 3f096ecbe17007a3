/** The seed products shipped with the platform, parsed and validated once at load. */
import { type Product, parseProduct } from "../domain/product.js";
import chuxiong2023 from "./chuxiong-2023.json" with { type: "json" };
import wenshan2023 from "./wenshan-2023.json" with { type: "json" };

const SEED_PRODUCT_FILES: readonly unknown[] = [wenshan2023, chuxiong2023];

let registry: Map<string, Product> | undefined;

function seedRegistry(): Map<string, Product> {
  if (registry === undefined) {
    registry = new Map(SEED_PRODUCT_FILES.map((file) => parseProduct(file)).map((p) => [p.id, p]));
  }
  return registry;
}

export function listProducts(): Product[] {
  return [...seedRegistry().values()];
}

export function getProduct(id: string): Product {
  const product = seedRegistry().get(id);
  if (product === undefined) {
    throw new Error(`unknown product ${id}; known: ${[...seedRegistry().keys()].join(", ")}`);
  }
  return product;
}
