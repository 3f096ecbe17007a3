/**
 * `hmb product publish | list | show | diff`: the product store (services/products.ts) from the command line.
 *
 *   hmb product publish FILE            stores the file as an immutable version; the same content again is a
 *                                       no-op ("未改变"), other content under a published id+version exit 2
 *   hmb product list                    every published version
 *   hmb product show ID[@VERSION]       the Chinese product sheet (latest version without @); --json the file
 *   hmb product diff A B                what changed in the terms; A, B = ID@VERSION (stored) or a file path
 *
 * `product` is an engine-only command in main.ts (`hmb product validate` never opens a database), so the
 * database and service modules are imported inside the actions, only when one of these runs.
 */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import type { Product } from "../domain/product.js";
import { formatBusinessTime } from "../domain/time.js";
import type { PlatformContext } from "../services/context.js";

/** Exit codes: as `hmb product validate` for a bad file; as the other database commands for a refusal. */
const EXIT_INVALID_FILE = 1;
const EXIT_REFUSED = 2;

/** Digits of the content hash shown in lists (enough to tell versions apart at a glance). */
const SHORT_HASH = 12;

/** Opens the platform, runs `work`, and turns caller mistakes into a Chinese message and exit code 2. */
async function withStore(work: (ctx: PlatformContext) => Promise<void>): Promise<void> {
  const [{ openPlatform }, { ServiceError }] = await Promise.all([
    import("../services/platform.js"),
    import("../services/context.js"),
  ]);
  const ctx = await openPlatform();
  try {
    await work(ctx);
  } catch (e) {
    if (e instanceof ServiceError) {
      process.stderr.write(`hmb: ${e.message}${e.field === undefined ? "" : ` (${e.field})`}\n`);
      process.exitCode = EXIT_REFUSED;
      return;
    }
    throw e;
  } finally {
    await ctx.db.close();
  }
}

/** Reads a product file; on an unreadable, non-JSON file prints every problem and returns undefined (exit 1). */
async function readFileOrReport(file: string): Promise<unknown> {
  const { ProductLoadError, issueLine, readProductJsonFile } = await import("../products/load.js");
  try {
    return readProductJsonFile(file);
  } catch (e) {
    if (!(e instanceof ProductLoadError)) throw e;
    process.stderr.write(`产品文件 ${file} 有 ${e.issues.length} 处问题：\n`);
    for (const issue of e.issues) process.stderr.write(`${issueLine(issue)}\n`);
    process.exitCode = EXIT_INVALID_FILE;
    return undefined;
  }
}

/** A product named on the command line: a file path when one exists there, else ID[@VERSION] in the store. */
async function productArgument(ctx: PlatformContext, arg: string): Promise<Product | undefined> {
  const { loadFile, parseProductRef, resolveProduct } = await import("../services/products.js");
  if (existsSync(arg)) {
    const json = await readFileOrReport(arg);
    if (json === undefined) return undefined;
    const loaded = loadFile(json);
    if (loaded.ok) return loaded.file.product;
    process.stderr.write(`产品文件 ${arg} 有 ${loaded.problems.length} 处问题：\n`);
    for (const p of loaded.problems)
      process.stderr.write(`${p.path === "" ? "(根)" : p.path}: ${p.message}\n`);
    process.exitCode = EXIT_INVALID_FILE;
    return undefined;
  }
  const ref = parseProductRef(arg);
  return resolveProduct(ctx.db, ref.id, ref.version);
}

export function registerProductStoreCommands(product: Command): void {
  product
    .command("publish")
    .argument("<file>", "产品文件（JSON，任一受支持的格式版本）")
    .description(
      "发布产品文件为不可修改的版本（编号、版本、内容哈希、发布人、时间）；相同内容再次发布不做任何改变，同一编号和版本的不同内容被拒绝（退出码 2）",
    )
    .action(async (file: string) => {
      const json = await readFileOrReport(file);
      if (json === undefined) return;
      await withStore(async (ctx) => {
        const [{ publishProduct, validateProductFile }, { CLI_ACTOR }] = await Promise.all([
          import("../services/products.js"),
          import("../services/context.js"),
        ]);
        const problems = validateProductFile(json);
        if (problems.length > 0) {
          process.stderr.write(`产品文件 ${file} 有 ${problems.length} 处问题：\n`);
          for (const p of problems)
            process.stderr.write(`${p.path === "" ? "(根)" : p.path}: ${p.message}\n`);
          process.exitCode = EXIT_INVALID_FILE;
          return;
        }
        const r = await publishProduct(ctx, CLI_ACTOR, json);
        const v = r.version;
        process.stdout.write(
          r.outcome === "published"
            ? `已发布：${v.productId}@${v.version}「${v.name}」 sha256 ${v.contentHash}\n`
            : `未改变：${v.productId}@${v.version} 已以相同内容发布（${v.publishedBy}，${stamp(v.publishedAt)}），本次不做任何改变\n`,
        );
      });
    });

  product
    .command("list")
    .description("已发布的产品版本：编号@版本、名称、地区、发布人、发布时间、内容哈希")
    .action(async () =>
      withStore(async (ctx) => {
        const { listProductVersions } = await import("../services/products.js");
        const versions = await listProductVersions(ctx);
        if (versions.length === 0) {
          process.stdout.write("尚未发布任何产品\n");
          return;
        }
        for (const v of versions) {
          process.stdout.write(
            `${`${v.productId}@${v.version}`}\t${v.name}\t${v.regionCode}\t${v.publishedBy}\t${stamp(v.publishedAt)}\t${v.contentHash.slice(0, SHORT_HASH)}\n`,
          );
        }
      }),
    );

  product
    .command("show")
    .argument("<product>", "ID[@VERSION]：产品编号，可带 @版本号（缺省为最新发布版本）")
    .option("--json", "输出已发布的产品文件（JSON，当前格式版本）")
    .description("查看已发布的产品：中文产品说明书；--json 为发布的文件")
    .action(async (ref: string, opts: { json?: boolean }) =>
      withStore(async (ctx) => {
        const { parseProductRef, showProductVersion } = await import("../services/products.js");
        const r = parseProductRef(ref);
        const shown = await showProductVersion(ctx, r.id, r.version);
        if (opts.json === true) {
          process.stdout.write(`${JSON.stringify(shown.content, null, 2)}\n`);
          return;
        }
        const { productSheet, renderSheet } = await import("../products/sheet.js");
        process.stdout.write(
          `${shown.productId}@${shown.version}　发布：${shown.publishedBy}，${stamp(shown.publishedAt)}　sha256 ${shown.contentHash}\n\n`,
        );
        process.stdout.write(renderSheet(productSheet(shown.product)));
      }),
    );

  product
    .command("diff")
    .argument("<a>", "ID@VERSION（已发布）或产品文件路径")
    .argument("<b>", "ID@VERSION（已发布）或产品文件路径")
    .description("比较两个产品版本的条款，逐条中文说明（如“责任一免赔额 12000 → 10000”）")
    .action(async (a: string, b: string) =>
      withStore(async (ctx) => {
        const left = await productArgument(ctx, a);
        if (left === undefined) return;
        const right = await productArgument(ctx, b);
        if (right === undefined) return;
        const { diffText } = await import("../services/products.js");
        process.stdout.write(`${diffText(left, right)}\n`);
      }),
    );
}

/** A moment as the operator reads it: Beijing time, to the second. */
function stamp(at: Date): string {
  return formatBusinessTime(at.getTime());
}
