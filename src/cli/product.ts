/**
 * `hmb product …`: products as the operator's files.
 *
 *   hmb product validate FILE   exit 0 with one line "产品文件有效：…", or 1 with every problem as `path: 中文说明`
 *                               (one per line, on standard error); unreadable or not-JSON files exit 1 naming the file.
 *
 * More subcommands (publish / list / show / diff) register on the same `product` command: add them in
 * registerProductCommand below, importing database modules inside their actions — `product` is an engine-only
 * command in main.ts, so `hmb product validate` never loads Fastify or PGlite.
 */
import type { Command } from "commander";
import type { Product } from "../domain/product.js";
import { checkProductFile, issueLine } from "../products/load.js";
import { registerProductStoreCommands } from "./product-store.js";

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;

export interface ValidateOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** One line: what the file is, so the operator sees at a glance that it is the file they meant. */
export function describeValidProduct(product: Product, fromSchemaVersion: number): string {
  const plans = product.plans.map((p) => `${p.id}（${p.name}）`).join("、");
  const migrated =
    fromSchemaVersion === product.schemaVersion
      ? `格式版本 ${product.schemaVersion}`
      : `格式版本 ${fromSchemaVersion}，已按 ${product.schemaVersion} 读取`;
  return `产品文件有效：${product.id} 第 ${product.version} 版「${product.name}」，方案 ${plans}（${migrated}）`;
}

export function runProductValidate(file: string, io: ValidateOutput): number {
  const result = checkProductFile(file);
  if (result.ok) {
    io.out(`${describeValidProduct(result.product, result.fromSchemaVersion)}\n`);
    // Warnings go to stderr so that stdout stays the one OK line scripts read.
    for (const w of result.warnings) io.err(`注意：${issueLine(w)}\n`);
    return EXIT_OK;
  }
  io.err(`产品文件 ${file} 有 ${result.issues.length} 处问题：\n`);
  for (const issue of result.issues) io.err(`${issueLine(issue)}\n`);
  return EXIT_INVALID;
}

/** Creates `hmb product` with `validate`; returns the `product` command for further subcommands. */
export function registerProductCommand(program: Command): Command {
  const product = program
    .command("product")
    .description("产品文件：校验 validate（发布、列表、查看、比较见各子命令）");
  product
    .command("validate")
    .argument("<file>", "产品文件（JSON）")
    .description("校验产品文件：有效则退出码 0 并打印一行摘要；无效则退出码 1，每个问题一行：`路径: 说明`")
    .action((file: string) => {
      process.exitCode = runProductValidate(file, {
        out: (text) => process.stdout.write(text),
        err: (text) => process.stderr.write(text),
      });
    });
  // publish / list / show / diff: the product store; database modules load inside their actions only.
  registerProductStoreCommands(product);
  return product;
}

/** The `product` command registered on `program` (for modules that add subcommands to it). */
export function productCommand(program: Command): Command {
  const found = program.commands.find((c) => c.name() === "product");
  return found ?? registerProductCommand(program);
}
