/**
 * `hmb replay --input FILE.jsonl --design ID:PLAN --design PATH.json:PLAN [...] [--insured N] [--json]` — fixed
 * contract: one year of settlements replayed under every design at once (src/actuarial/replay.ts; docs/replay.md).
 * A design is a shipped product id or a product file (a value containing "/" or ending in .json), then `:PLAN`.
 *
 * --json prints exactly
 *   {"designs":[{"design","claims","paid_claims","hmb_pay","beneficiaries","premium","loss_ratio",
 *     "burden_reduction","payout_distribution":[{"band","persons","hmb_pay"}],"compliance":{id:{"pass","fail"}}}]}
 * amounts as yuan strings with 2 decimals, ratios as 4-place decimal strings (null when the divisor is 0).
 * Without --json, a Chinese side-by-side table, one column per design.
 * `--program ID` instead of --input (and --insured): the program's stored claims, its enrolled persons and
 * their premiums under each design (services/replay.ts; the database is loaded only then).
 * Exit codes: 0 done; 1 the input cannot be read or has bad lines (each named by line and field, on stderr,
 * nothing on stdout); 2 an unknown program; 64 usage (neither or both of --input / --program, no --design, a
 * malformed design, unknown product or plan, a product file that cannot be loaded, a bad --insured, --insured
 * with --program).
 */
import { statSync } from "node:fs";
import type { Command } from "commander";
import {
  type DesignReplay,
  type PayoutBand,
  planProblem,
  Replay,
  type ReplayDesign,
  type ReplayLineError,
  type ReplayResult,
  replayWire,
} from "../actuarial/replay.js";
import { formatYuan } from "../domain/money.js";
import type { Product } from "../domain/product.js";
import { getProduct } from "../products/index.js";
import { loadProductFile, ProductLoadError } from "../products/load.js";
import { forEachLine, openInput } from "./lines.js";
import { ParallelFallback, parseThreads, replayParallel, threadCount } from "./parallel.js";
import { EX_USAGE, looksLikeFile } from "./product-source.js";
import { textTable } from "./text-table.js";

/** Input that cannot be read or has bad lines: exit 1, as `hmb reserve` refuses a bad file. */
const EX_REFUSED = 1;

interface ReplayOptions {
  input?: string;
  program?: string;
  design: string[];
  insured?: string;
  json?: boolean;
  /**
   * --threads: worker threads (1: single-threaded); default for --input threadCount's choice, for --program
   * services/replay.ts's (every core up to 4 for a program of 100,000 records or more).
   */
  threads?: string;
}

class UsageError extends Error {}

/** "wenshan-2023:standard" / "./proposed.json:standard" → the design; usage error when it cannot be. */
export function parseDesign(value: string): ReplayDesign {
  const colon = value.lastIndexOf(":");
  const source = colon < 0 ? value : value.slice(0, colon);
  const planId = colon < 0 ? "" : value.slice(colon + 1);
  if (source === "" || planId === "") {
    throw new UsageError(
      `--design ${value}：应写成 产品编号:方案 或 产品文件.json:方案（例如 wenshan-2023:standard）`,
    );
  }
  const product = looksLikeFile(source) ? productFromFile(source) : productById(source);
  const problem = planProblem(product, planId);
  if (problem !== undefined) throw new UsageError(`--design ${value}：${problem}`);
  return { label: value, product, planId };
}

function productById(id: string): Product {
  try {
    return getProduct(id);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
}

function productFromFile(path: string): Product {
  try {
    return loadProductFile(path);
  } catch (e) {
    // Every problem of the file, in Chinese, naming the file (unreadable, not JSON, invalid fields).
    if (e instanceof ProductLoadError) throw new UsageError(e.message);
    throw e;
  }
}

/** --insured: a whole number of persons, 0 or more. */
function insuredOf(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,9}$/.test(text)) throw new UsageError(`--insured ${text}：参保人数应为非负整数`);
  return Number(text);
}

/** The whole command without process globals. */
/** A stored program's replay (services/replay.ts), given by the caller so this module stays engine-only. */
export type ProgramReplaySource = (
  programId: string,
  designs: readonly ReplayDesign[],
  /** --threads when given. */
  threads: number | undefined,
) => Promise<{ insured: number; result: ReplayResult }>;

/** The whole command without process globals; `fromProgram` serves --program. */
export async function runReplay(
  options: ReplayOptions,
  fromProgram?: ProgramReplaySource,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let designs: ReplayDesign[];
  let insured: number;
  let threads: number | undefined;
  try {
    if ((options.input === undefined) === (options.program === undefined))
      throw new UsageError("--input <结算记录.jsonl> 与 --program <项目编号> 必须且只能给一个");
    if (options.program !== undefined && options.insured !== undefined)
      throw new UsageError("--program 按项目的参保人和保费计算，不能再给 --insured");
    if (options.design.length === 0)
      throw new UsageError("至少给出一个 --design 产品编号:方案 或 产品文件.json:方案");
    insured = insuredOf(options.insured);
    designs = options.design.map(parseDesign);
    threads = parseThreads(options.threads);
    if (threads !== undefined && Number.isNaN(threads))
      throw new UsageError(`--threads ${options.threads}：线程数应为 1–64 的整数`);
  } catch (e) {
    if (e instanceof UsageError)
      return { exitCode: EX_USAGE, stdout: "", stderr: `hmb replay: ${e.message}\n` };
    throw e;
  }
  let result: ReplayResult;
  let source: string;
  if (options.program !== undefined) {
    if (fromProgram === undefined) throw new Error("replay: --program needs the platform");
    source = `项目 ${options.program} 的结算记录`;
    ({ insured, result } = await fromProgram(options.program, designs, threads));
  } else {
    const input = options.input as string;
    source = input;
    if (input !== "-") {
      try {
        if (!statSync(input).isFile()) throw new Error("not a file");
      } catch {
        return { exitCode: EX_REFUSED, stdout: "", stderr: `hmb replay: 读不到结算记录文件 ${input}\n` };
      }
    }
    result = await replayFile(input, designs, insured, threadCount(threads, input));
  }
  if (!result.ok) {
    return { exitCode: EX_REFUSED, stdout: "", stderr: lineErrors(source, result.errors, result.errorCount) };
  }
  const stdout = options.json === true ? toJson(result.designs) : renderTable(result.designs, insured);
  return { exitCode: 0, stdout, stderr: "" };
}

/** The file on `threads` worker threads (src/cli/parallel.ts), or on this one; the same result either way. */
async function replayFile(
  input: string,
  designs: readonly ReplayDesign[],
  insured: number,
  threads: number,
): Promise<ReplayResult> {
  if (threads > 1) {
    try {
      return await replayParallel(input, designs, threads, insured);
    } catch (e) {
      // Families that cannot be split over workers: read the file again on one thread.
      if (!(e instanceof ParallelFallback)) throw e;
    }
  }
  const replay = new Replay(designs, insured);
  await forEachLine(openInput(input), (line) => replay.add(line));
  return replay.finish();
}

function lineErrors(input: string, errors: readonly ReplayLineError[], count: number): string {
  const lines = errors.map(
    ({ line, error }) =>
      `  第 ${line} 行${error.field === "" ? "" : `，字段 ${error.field}`}：${error.message}（${error.code}）`,
  );
  const more = count > errors.length ? [`  …另有 ${count - errors.length} 行有误`] : [];
  return `${[`hmb replay: ${input} 有 ${count} 行不是有效的结算记录，未回放：`, ...lines, ...more].join("\n")}\n`;
}

/** Exactly the contract's keys, in contract order (src/actuarial/replay.ts replayWire). */
function toJson(designs: readonly DesignReplay[]): string {
  return `${JSON.stringify({ designs: designs.map(replayWire) })}\n`;
}

/** Band label for people: 0元, 0–1万元, …, 50万元以上. */
function bandZh(b: PayoutBand): string {
  const wan = (fen: number) => (fen === 0 ? "0" : `${fen / 1_000_000}万`);
  if (b.fromFen === undefined) return "赔付0元";
  if (b.toFen === undefined) return `赔付${wan(b.fromFen)}元以上`;
  return `赔付${wan(b.fromFen)}–${wan(b.toFen)}元`;
}

function renderTable(designs: readonly DesignReplay[], insured: number): string {
  const first = designs[0] as DesignReplay;
  const rows: string[][] = [
    ["指标", ...designs.map((d) => d.design)],
    ["结算记录数", ...designs.map((d) => String(d.claims))],
    ["赔付件数", ...designs.map((d) => String(d.paidClaims))],
    ["惠民保赔付（元）", ...designs.map((d) => formatYuan(d.hmbPay))],
    ["受益人数", ...designs.map((d) => String(d.beneficiaries))],
    [`保费（元，${insured} 人）`, ...designs.map((d) => formatYuan(d.premium))],
    ["赔付率", ...designs.map((d) => d.lossRatio ?? "—")],
    ["减负率（赔付÷个人负担）", ...designs.map((d) => d.burdenReduction ?? "—")],
    ...first.payoutDistribution.map((b, i) => [
      `${bandZh(b)}（人/元）`,
      ...designs.map((d) => {
        const band = d.payoutDistribution[i] as PayoutBand;
        return `${band.persons} / ${formatYuan(band.hmbPay)}`;
      }),
    ]),
    ...Object.keys(first.compliance).map((id) => [
      `合规 ${id}（通过/不符合）`,
      ...designs.map((d) => `${d.compliance[id]?.pass ?? 0} / ${d.compliance[id]?.fail ?? 0}`),
    ]),
  ];
  const notes = [
    insured === 0 ? "未给 --insured：保费为 0，赔付率不计（—）。" : "",
    "赔付分布按每人全年赔付分档（含上限）；合规为各规则集检查结果的条数。",
  ].filter((n) => n !== "");
  return `${["精算回放（各设计并列）", "", ...textTable(rows), "", ...notes].join("\n")}\n`;
}

export function registerReplayCommand(program: Command): void {
  program
    .command("replay")
    .description(
      "replay a year of settlements (JSONL) under several designs at once; side-by-side payout, loss ratio, compliance",
    )
    .option("--input <file>", "结算记录 JSONL 文件（国家医保字段名），或 - 表示标准输入")
    .option(
      "--design <design>",
      "产品编号:方案 或 产品文件.json:方案，可重复（每个一列）",
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      "--program <id>",
      "改用已存项目的结算记录，参保人和保费取自项目的有效保单（代替 --input 和 --insured）",
    )
    .option("--insured <n>", "参保人数：保费 = 人数 × 方案基准保费（不给则保费为 0）")
    .option("--json", "机器可读输出（固定格式，见 docs/replay.md）")
    .option(
      "--threads <n>",
      "工作线程数（默认：16 MiB 以上的 --input 文件、10 万条以上结算记录的 --program 用全部核心，最多 4 个；1 = 单线程）；结果相同",
    )
    .action(async (opts: ReplayOptions) => {
      const emit = (result: Awaited<ReturnType<typeof runReplay>>) => {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.exitCode = result.exitCode;
      };
      if (opts.program === undefined) {
        emit(await runReplay(opts));
        return;
      }
      // Only --program needs the database: loaded here so the file mode stays engine-only and fast.
      const [{ withPlatform }, { programReplay }] = await Promise.all([
        import("./platform-commands.js"),
        import("../services/replay.js"),
      ]);
      await withPlatform(async (ctx) => {
        emit(
          await runReplay(opts, (id, designs, threads) =>
            programReplay(ctx, id, designs, undefined, { threads }),
          ),
        );
      });
    });
}
