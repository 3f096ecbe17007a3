/**
 * `hmb adjudicate --product <id> | --product-file <file> [--plan <plan>] [--input <file.jsonl>|-]` — fixed
 * contract, see README; the same output whichever way the product is named.
 */
import type { Command } from "commander";
import { AdjudicationBatch } from "../engine/batch.js";
import { compilePlan } from "../engine/compile.js";
import { toWireError, toWireResult } from "../engine/wire.js";
import { ChunkedWriter, forEachLine, openInput } from "./lines.js";
import {
  addProductSourceOptions,
  type ProductSourceOptions,
  requireProductSource,
  resolveProduct,
} from "./product-source.js";

export async function runAdjudicate(
  options: ProductSourceOptions & {
    plan?: string;
    input?: string;
  },
): Promise<number> {
  const plan = compilePlan(resolveProduct(options), options.plan);
  const batch = new AdjudicationBatch(plan);
  await forEachLine(openInput(options.input), (line) => batch.add(line));
  const writer = new ChunkedWriter();
  let errors = 0;
  for (const entry of batch.drain()) {
    let text: string;
    if (entry.kind === "error") {
      errors++;
      text = `${JSON.stringify(toWireError(entry.setlId, entry.psnNo, entry.error))}\n`;
    } else {
      text = `${JSON.stringify(toWireResult(entry.adjudication))}\n`;
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
    .action(async (opts: ProductSourceOptions & { plan?: string; input?: string }) => {
      requireProductSource(command, opts);
      process.exitCode = await runAdjudicate(opts);
    });
}
