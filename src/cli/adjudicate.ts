/**
 * `hmb adjudicate --product <id> | --product-file <file> [--plan <plan>] [--input <file.jsonl>|-]` — fixed
 * contract, see README; the same output whichever way the product is named.
 */
import type { Command } from "commander";
import { AdjudicationBatch } from "../engine/batch.js";
import { compilePlan } from "../engine/compile.js";
import { toWireError, wireResultJson } from "../engine/wire.js";
import { ChunkedWriter, forEachLineBytes, openInput } from "./lines.js";
import { adjudicateParallel, ParallelFallback, parseThreads, threadCount } from "./parallel.js";
import {
  addProductSourceOptions,
  type ProductSourceOptions,
  requireProductSource,
  resolveProduct,
} from "./product-source.js";
import { scanSettlementLine } from "./settlement-scan.js";

export async function runAdjudicate(
  options: ProductSourceOptions & {
    plan?: string;
    input?: string;
    /** Worker threads (1: single-threaded); default: threadCount's choice for the input. */
    threads?: number;
  },
): Promise<number> {
  const product = resolveProduct(options);
  const plan = compilePlan(product, options.plan);
  const threads = threadCount(options.threads, options.input);
  if (threads > 1) {
    try {
      const design = { label: "", product, planId: plan.planId };
      const errors = await adjudicateParallel(options.input as string, design, threads);
      return errors > 0 ? 2 : 0;
    } catch (e) {
      // Families that cannot be split over workers: the file is read again on one thread, nothing written yet.
      if (!(e instanceof ParallelFallback)) throw e;
    }
  }
  const batch = new AdjudicationBatch(plan);
  await forEachLineBytes(openInput(options.input), (buf, start, end) => {
    // The common valid record straight from the bytes (as the workers do); anything else decoded and parsed.
    const settlement = scanSettlementLine(buf, start, end);
    if (settlement !== undefined) batch.addParsed("", { ok: true, settlement });
    else batch.add(buf.toString("utf8", start, end));
  });
  const writer = new ChunkedWriter();
  let errors = 0;
  for (const entry of batch.drain()) {
    let text: string;
    if (entry.kind === "error") {
      errors++;
      text = `${JSON.stringify(toWireError(entry.setlId, entry.psnNo, entry.error))}\n`;
    } else {
      text = `${wireResultJson(entry.adjudication)}\n`;
    }
    if (!writer.tryWrite(text)) await writer.write(text);
  }
  await writer.flush();
  return errors > 0 ? 2 : 0;
}

export function registerAdjudicateCommand(program: Command): void {
  const command = program
    .command("adjudicate")
    .description(
      "adjudicate settlement records (JSONL, national field names) under a product; one JSON result per line",
    );
  addProductSourceOptions(command)
    .option("--plan <plan>", "plan id (default: the product's first plan)")
    .option("--input <file>", "JSONL file, or - for standard input", "-")
    .option(
      "--threads <n>",
      "worker threads (default: every core, up to 4, for a file of 16 MiB or more; 1 = single-threaded); same output",
    )
    .action(async (opts: ProductSourceOptions & { plan?: string; input?: string; threads?: string }) => {
      requireProductSource(command, opts);
      const threads = parseThreads(opts.threads);
      if (threads !== undefined && Number.isNaN(threads)) command.error("--threads 应为 1–64 的整数");
      process.exitCode = await runAdjudicate({ ...opts, threads });
    });
}
