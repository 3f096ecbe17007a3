/**
 * `--product <id>` (a shipped product) or `--product-file <file>` (the operator's own file, any supported schema
 * version): exactly one of the two, for every engine command that works on a product. Same output contracts
 * either way — the file is loaded, migrated and validated like the shipped products.
 */
import type { Command } from "commander";
import type { Product } from "../domain/product.js";
import { getProduct } from "../products/index.js";
import { loadProductFile } from "../products/load.js";

/** sysexits EX_USAGE, what `hmb` returns for every usage error. */
export const EX_USAGE = 64;

export interface ProductSourceOptions {
  product?: string;
  productFile?: string;
}

/** Neither or both of --product and --product-file: a usage error (exit 64). */
export class ProductSourceUsageError extends Error {}

export function addProductSourceOptions(command: Command): Command {
  return command
    .option("--product <id>", "shipped product id, e.g. wenshan-2023 (或用 --product-file)")
    .option("--product-file <file>", "产品文件（JSON，任一受支持的格式版本），代替 --product");
}

/** The Chinese usage message when not exactly one source is given; undefined when the options are fine. */
export function productSourceProblem(options: ProductSourceOptions): string | undefined {
  const byId = options.product !== undefined;
  const byFile = options.productFile !== undefined;
  if (byId && byFile) return "--product 与 --product-file 只能给一个";
  if (!byId && !byFile) return "必须给出 --product <产品编号> 或 --product-file <产品文件> 之一";
  return undefined;
}

/**
 * The product named by the options. Throws ProductSourceUsageError when not exactly one source is given,
 * the registry's error for an unknown id, and ProductLoadError (every problem, Chinese) for a bad file.
 */
export function resolveProduct(options: ProductSourceOptions): Product {
  const problem = productSourceProblem(options);
  if (problem !== undefined) throw new ProductSourceUsageError(problem);
  if (options.productFile !== undefined) return loadProductFile(options.productFile);
  const id = options.product as string;
  if (looksLikeFile(id))
    throw new ProductSourceUsageError(`--product 要的是产品编号；产品文件 ${id} 请用 --product-file ${id}`);
  return getProduct(id);
}

/** `--product ./proposed.json`: what a new user tries first. */
export function looksLikeFile(id: string): boolean {
  return id.includes("/") || id.includes("\\") || id.toLowerCase().endsWith(".json");
}

/** In a commander action: a usage error goes through `command.error` (exit 64, help shown, as for any option). */
export function requireProductSource(command: Command, options: ProductSourceOptions): void {
  const problem =
    productSourceProblem(options) ??
    (options.product !== undefined && looksLikeFile(options.product)
      ? `--product 要的是产品编号；产品文件请用 --product-file ${options.product}`
      : undefined);
  if (problem !== undefined)
    command.error(`error: ${problem}`, { exitCode: EX_USAGE, code: "hmb.productSource" });
}
