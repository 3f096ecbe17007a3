/**
 * `hmb price --experience (ID | FILE.jsonl) --design ID:PLAN --groups age,sex,health [--target-loss-ratio 0.85]
 * [--expense 0.10] [--json]` — fixed contract (issue 13 item 4; docs/pricing.md): premium per rate group from a
 * year's experience replayed under the design (src/actuarial/price.ts).
 *
 * Experience: a JSONL file of settlements (national field names; a value ending in .jsonl, containing "/", or
 * "-" for stdin) or a stored program's id (its enrolled persons and their records; loads the database). A file
 * holds only the persons who had a record, so it needs the insured: `--population FILE.csv` (a census,
 * age,sex,pre_existing,count) or `--insured N` (a total; the others spread like the claimants, flagged).
 * Extra flags: --trend (annual, default 0.05), --trend-years (default 1), --ibnr-factor (default 0 for a file,
 * the program's reserve (src/services/reserve.ts) for a program), --as-of (reserve date, program only),
 * --age-bands, --out FILE.json (the product-file premium block).
 * Exit codes: 0 done; 2 any error (named flag or line, Chinese, on stderr; nothing on stdout, nothing written).
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  checkAssumptions,
  DEFAULT_EXPENSE_RATE,
  DEFAULT_TARGET_LOSS_RATIO,
  DEFAULT_TREND,
  DEFAULT_TREND_YEARS,
  type GroupPrice,
  Pricing,
  PricingInputError,
  type PricingOptions,
  type PricingOutcome,
  type PricingPopulation,
  type PricingResult,
  parsePopulationCsv,
  pricingWire,
} from "../actuarial/price.js";
import { type AgeBand, parseAgeBands, parseRateDimensions } from "../actuarial/rate-groups.js";
import type { ReplayDesign } from "../actuarial/replay.js";
import { formatYuan } from "../domain/money.js";
import { forEachLine, openInput } from "./lines.js";
import { parseDesign } from "./replay.js";
import { textTable } from "./text-table.js";

/** Every refusal of `hmb price`: the flag named, nothing written. */
export const EX_PRICE_ERROR = 2;

export interface PriceOptions {
  experience?: string;
  design?: string;
  groups?: string;
  targetLossRatio?: string;
  expense?: string;
  trend?: string;
  trendYears?: string;
  ibnrFactor?: string;
  insured?: string;
  population?: string;
  asOf?: string;
  ageBands?: string;
  out?: string;
  json?: boolean;
}

class PriceUsageError extends Error {}

/** A stored program's pricing (services/pricing.ts), given by the caller so this module stays engine-only. */
export type ProgramPricingSource = (
  programId: string,
  design: ReplayDesign,
  options: PricingOptions,
  asOf: string | undefined,
) => Promise<PricingResult>;

function decimal(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new PriceUsageError(`${flag} ${text}：应为小数，例如 0.85`);
  return Number(text);
}

function looksLikeExperienceFile(value: string): boolean {
  return value === "-" || value.includes("/") || value.endsWith(".jsonl") || value.endsWith(".json");
}

export async function runPrice(
  options: PriceOptions,
  fromProgram?: ProgramPricingSource,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const fail = (message: string) => ({
    exitCode: EX_PRICE_ERROR,
    stdout: "",
    stderr: `hmb price: ${message}\n`,
  });
  let design: ReplayDesign;
  let pricingOptions: PricingOptions;
  let population: PricingPopulation | undefined;
  let programMode: boolean;
  try {
    if (options.experience === undefined)
      throw new PriceUsageError("缺少 --experience：给出结算记录 JSONL 文件或已存项目编号");
    if (options.design === undefined)
      throw new PriceUsageError("缺少 --design 产品编号:方案 或 产品文件.json:方案");
    if (options.groups === undefined)
      throw new PriceUsageError("缺少 --groups：费率分组维度，例如 age,sex,health");
    const dims = parseRateDimensions(options.groups);
    if (!dims.ok) throw new PriceUsageError(dims.message);
    let bands: AgeBand[] | undefined;
    if (options.ageBands !== undefined) {
      const parsed = parseAgeBands(options.ageBands);
      if (!parsed.ok) throw new PriceUsageError(parsed.message);
      bands = parsed.value;
    }
    try {
      design = parseDesign(options.design);
    } catch (e) {
      throw new PriceUsageError(e instanceof Error ? e.message : String(e));
    }
    programMode = !looksLikeExperienceFile(options.experience);
    const ibnrGiven = options.ibnrFactor !== undefined;
    pricingOptions = {
      dims: dims.value,
      ...(bands !== undefined ? { bands } : {}),
      targetLossRatio: decimal("--target-loss-ratio", options.targetLossRatio, DEFAULT_TARGET_LOSS_RATIO),
      expenseRate: decimal("--expense", options.expense, DEFAULT_EXPENSE_RATE),
      trend: decimal("--trend", options.trend, DEFAULT_TREND),
      trendYears: decimal("--trend-years", options.trendYears, DEFAULT_TREND_YEARS),
      ...(ibnrGiven ? { ibnrFactor: decimal("--ibnr-factor", options.ibnrFactor, 0) } : {}),
    };
    if (programMode) {
      if (options.insured !== undefined || options.population !== undefined)
        throw new PriceUsageError(
          "--experience 为项目编号时参保人取自项目的有效保单，不能再给 --insured 或 --population",
        );
      if (options.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.asOf))
        throw new PriceUsageError(`--as-of ${options.asOf}：应为 yyyy-MM-dd`);
    } else {
      if (options.asOf !== undefined) throw new PriceUsageError("--as-of 只用于项目（按项目准备金取 IBNR）");
      if ((options.insured === undefined) === (options.population === undefined))
        throw new PriceUsageError(
          "经验为文件时必须且只能给一个：--population 参保人口.csv（age,sex,pre_existing,count）或 --insured 参保人数",
        );
      if (options.insured !== undefined) {
        if (!/^\d{1,9}$/.test(options.insured) || Number(options.insured) === 0)
          throw new PriceUsageError(`--insured ${options.insured}：参保人数应为正整数`);
        population = { kind: "insured", count: Number(options.insured) };
      } else {
        let text: string;
        try {
          text = readFileSync(options.population as string, "utf8");
        } catch {
          throw new PriceUsageError(`--population：读不到文件 ${options.population}`);
        }
        population = parsePopulationCsv(text);
      }
    }
    // The assumptions are checked before any claim is read.
    checkAssumptions(pricingOptions);
  } catch (e) {
    if (e instanceof PriceUsageError) return fail(e.message);
    if (e instanceof PricingInputError) return fail(flagMessage(e));
    throw e;
  }

  let result: PricingResult;
  try {
    if (programMode) {
      if (fromProgram === undefined) throw new Error("price: a program experience needs the platform");
      result = await fromProgram(options.experience, design, pricingOptions, options.asOf);
    } else {
      const input = options.experience;
      if (input !== "-") {
        try {
          if (!statSync(input).isFile()) throw new Error("not a file");
        } catch {
          return fail(`--experience：读不到结算记录文件 ${input}`);
        }
      }
      const pricing = new Pricing(design);
      await forEachLine(openInput(input), (line) => pricing.add(line));
      const outcome: PricingOutcome = pricing.finish(population as PricingPopulation, pricingOptions);
      if (!outcome.ok) {
        const lines = outcome.errors.map(
          ({ line, error }) =>
            `  第 ${line} 行${error.field === "" ? "" : `，字段 ${error.field}`}：${error.message}（${error.code}）`,
        );
        return fail(
          [`--experience ${input} 有 ${outcome.errorCount} 行不是有效的结算记录，未定价：`, ...lines].join(
            "\n",
          ),
        );
      }
      result = outcome.result;
    }
  } catch (e) {
    if (e instanceof PricingInputError) return fail(flagMessage(e));
    throw e;
  }
  if (options.out !== undefined) {
    try {
      writeFileSync(options.out, `${JSON.stringify({ premium: pricingWire(result).premium }, null, 2)}\n`);
    } catch {
      return fail(`--out：无法写入 ${options.out}`);
    }
  }
  const stdout = options.json === true ? `${JSON.stringify(pricingWire(result))}\n` : renderTable(result);
  return { exitCode: 0, stdout, stderr: "" };
}

const FIELD_FLAGS: Record<string, string> = {
  target_loss_ratio: "--target-loss-ratio",
  expense: "--expense",
  trend: "--trend",
  trend_years: "--trend-years",
  ibnr_factor: "--ibnr-factor",
  insured: "--insured",
  population: "--population",
};

function flagMessage(e: PricingInputError): string {
  const flag = FIELD_FLAGS[e.field];
  return flag === undefined || e.message.startsWith(flag) ? e.message : `${flag}：${e.message}`;
}

const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

function renderTable(r: PricingResult): string {
  const a = r.assumptions;
  const head = [
    "费率组",
    "参保人数",
    "出险人数",
    "出险率",
    "件均赔付（元）",
    "纯保费（元/人）",
    "可信度Z",
    "可信成本（元/人）",
    "预测成本（元/人）",
    "保费（元/人）",
  ];
  const row = (g: GroupPrice): string[] => [
    g.group.label,
    String(g.exposure),
    String(g.claimants),
    percent(g.frequency),
    formatYuan(g.severity),
    formatYuan(g.purePremium),
    g.credibility.toFixed(4),
    formatYuan(g.credibleCost),
    formatYuan(g.projectedCost),
    formatYuan(g.premium),
  ];
  const p = r.pool;
  const rows = [
    head,
    ...r.groups.map(row),
    [
      "全体",
      String(p.exposure),
      String(p.claimants),
      percent(p.frequency),
      formatYuan(p.severity),
      formatYuan(p.purePremium),
      "—",
      formatYuan(p.credibleCost),
      formatYuan(p.projectedCost),
      formatYuan(p.premium),
    ],
  ];
  const k = r.structure.k;
  const explain = [
    "各项说明：",
    "  参保人数：该组的参保人（每人一个保单年度），即暴露数。",
    "  出险人数：该组在本设计下全年惠民保赔付大于 0 的人数（按本设计重算经验年度的结算记录）。",
    "  出险率 = 出险人数 ÷ 参保人数。",
    "  件均赔付 = 该组赔付合计 ÷ 出险人数（每位出险者的全年赔付）。",
    "  纯保费 = 该组赔付合计 ÷ 参保人数 = 出险率 × 件均赔付（每位参保人的期望赔付成本）。",
    `  可信度Z：Bühlmann–Straub 可信度，Z = 参保人数 ÷ (参保人数 + k)，k = 组内方差 ÷ 组间方差${k === undefined ? "（本次组间方差 ≤ 0，Z 全为 0）" : ` = ${k.toFixed(2)}`}；人数越多、各组差异越大，越相信本组经验。`,
    `  可信成本 = Z × 本组纯保费 + (1 − Z) × 全体加权平均成本（${formatYuan(r.structure.collectiveMean)} 元）；合计与经验总赔付一致。`,
    `  预测成本 = 可信成本 × (1 + IBNR 系数 ${a.ibnrFactor}) × (1 + 年趋势 ${a.trend})^${a.trendYears}：补上已发生未报告赔案，并按医疗费用趋势推到定价年度。`,
    `  保费 = 预测成本 ÷ 目标赔付率 ${a.targetLossRatio}，向上取整到元（公布的费率表以元为单位；向下取整会使赔付率高于目标）。`,
    `  保费构成：赔付 ${percent(a.targetLossRatio)}，费用 ${percent(a.expenseRate)}，余量 ${percent(a.marginRate)}。`,
    "  年龄或性别不详者不单列费率，按基准保费（全体）收取。",
  ];
  const variants = [
    `产品文件保费（premium）：基准 ${formatYuan(r.premium.base)} 元；分组 ${r.premium.variants.length} 档（先匹配者优先）：`,
    ...r.premium.variants.map((v) => `  ${v.label}  ${formatYuan(v.amount)} 元`),
  ];
  return `${[
    `按费率组定价：${r.design}`,
    "",
    ...textTable(rows),
    "",
    ...explain,
    "",
    ...variants,
    ...(r.warnings.length > 0 ? ["", "提示：", ...r.warnings.map((w) => `  ${w}`)] : []),
  ].join("\n")}\n`;
}

export function registerPriceCommand(program: Command): void {
  program
    .command("price")
    .description(
      "price by rate group (age, sex, health) from experience replayed under a design; credibility, trend, IBNR",
    )
    .option("--experience <source>", "经验数据：结算记录 JSONL 文件（或 - 表示标准输入），或已存项目编号")
    .option("--design <design>", "产品编号:方案 或 产品文件.json:方案")
    .option("--groups <dims>", "费率分组维度：age,sex,health 中的一个或几个")
    .option("--target-loss-ratio <r>", "目标赔付率（默认 0.85）")
    .option("--expense <r>", "费用率（默认 0.10；目标赔付率 + 费用率 ≤ 1）")
    .option("--trend <r>", "年医疗费用趋势（默认 0.05）")
    .option("--trend-years <n>", "从经验年度到定价年度的年数（默认 1）")
    .option("--ibnr-factor <r>", "IBNR 系数：未报告赔案占已付赔款的比例（文件默认 0；项目默认取项目准备金）")
    .option("--insured <n>", "参保总人数（经验为文件时，与 --population 二选一）")
    .option("--population <file>", "参保人口 CSV：age,sex,pre_existing,count（经验为文件时）")
    .option("--as-of <date>", "项目准备金评估日 yyyy-MM-dd（默认今天；仅项目）")
    .option("--age-bands <bands>", "年龄分段，例如 0-17,18-39,40-59,60-69,70+（默认即此）")
    .option("--out <file>", "把产品文件格式的保费（premium）写入此 JSON 文件")
    .option("--json", "机器可读输出（固定格式，见 docs/pricing.md）")
    .action(async (opts: PriceOptions) => {
      const emit = (result: Awaited<ReturnType<typeof runPrice>>) => {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.exitCode = result.exitCode;
      };
      if (opts.experience === undefined || looksLikeExperienceFile(opts.experience)) {
        emit(await runPrice(opts));
        return;
      }
      // Only a program needs the database: loaded here so the file mode stays engine-only and fast.
      const [{ withPlatform }, { programPricing }] = await Promise.all([
        import("./platform-commands.js"),
        import("../services/pricing.js"),
      ]);
      await withPlatform(async (ctx) => {
        emit(
          await runPrice(opts, (id, design, options, asOf) => programPricing(ctx, id, design, options, asOf)),
        );
      });
    });
}
