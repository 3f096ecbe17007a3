/**
 * `hmb reserve --triangle FILE.csv [--premium FILE.csv --prior-loss-ratio X] [--json]` — IBNR by chain ladder
 * (Mack standard error), B-F法 and 赔付率法, selected per 《健康保险管理办法》第四十九条. The computing is in
 * src/actuarial/reserve.ts; this file reads the files and prints. Formats and formulas: docs/reserving.md.
 *
 * --json prints exactly
 *   {"methods":{"chain_ladder":{"origins":[{"origin","paid","ultimate","ibnr","se"}],"ibnr","se"},
 *    "bornhuetter_ferguson":{"origins":[{"origin","paid","ultimate","ibnr"}],"ibnr"},
 *    "expected_loss_ratio":{…same…}},"selected":{"method","ibnr"}}
 * amounts as yuan strings with 2 decimals; B-F and 赔付率法 only when premiums and a prior loss ratio are given.
 * `--program ID --as-of DATE` instead of --triangle builds the monthly triangle from the program's claims
 * (services/reserve.ts; the database is loaded only then, so the file mode stays engine-only).
 * Exit codes: 0 done; 1 a file that cannot be read or whose content is refused (every problem on stderr, in
 * Chinese, with line and field), or a program with nothing paid yet; 2 an unknown program; 64 usage (neither
 * or both of --triangle / --program, --program without a valid --as-of, --premium without
 * --prior-loss-ratio or the other way round, a bad --prior-loss-ratio).
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  type ChainLadderResult,
  FLOOR_METHOD,
  type InputProblem,
  type MethodId,
  type MethodResult,
  parseLossRatio,
  parsePremiumCsv,
  parseTriangleCsv,
  ReserveError,
  type ReserveReport,
  reserve,
  type SelectedMethod,
  type Triangle,
  yuanText,
} from "../actuarial/reserve.js";
import { beijingDayStart } from "../domain/ledger.js";
import { formatYuan } from "../domain/money.js";
import { EX_USAGE } from "./product-source.js";
import { columnWidths, displayWidth } from "./text-table.js";

/** Content refused: exit 1, the problems on stderr. */
const EX_REFUSED = 1;
/** How many problems to list before "…and N more" — a wrong file can have thousands. */
const MAX_PROBLEMS_SHOWN = 20;
const FACTOR_DECIMALS = 4;

interface ReserveOptions {
  triangle?: string;
  program?: string;
  asOf?: string;
  premium?: string;
  priorLossRatio?: string;
  json?: boolean;
}

class Refused extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const METHOD_ZH: Record<SelectedMethod, string> = {
  chain_ladder: "链梯法",
  bornhuetter_ferguson: "B-F法",
  expected_loss_ratio: "赔付率法",
  [FLOOR_METHOD]: "不低于当年实际赔款支出的10%",
};

/** The whole command without process globals; `triangle` is the program's when --program built it. */
export function runReserve(
  options: ReserveOptions,
  triangle?: Triangle,
): { exitCode: number; stdout: string; stderr: string } {
  try {
    const report = compute(options, triangle);
    const stdout = options.json === true ? toJson(report) : renderTable(report);
    // The table says it in its selection section; with --json stdout stays the bare contract, so say it here.
    const stderr =
      options.json === true && report.selection.methodsCompared.length < 2
        ? "hmb reserve: 注意：只用了一种方法（链梯法）。《健康保险管理办法》第四十九条要求至少两种方法取最大值；请用 --premium 与 --prior-loss-ratio 同时给出 B-F法 与 赔付率法 所需的保费和预期赔付率。\n"
        : "";
    return { exitCode: 0, stdout, stderr };
  } catch (e) {
    if (e instanceof Refused)
      return { exitCode: e.exitCode, stdout: "", stderr: `hmb reserve: ${e.message}\n` };
    if (e instanceof ReserveError)
      return { exitCode: EX_REFUSED, stdout: "", stderr: `hmb reserve: ${e.message}\n` };
    throw e;
  }
}

/** Exactly one source: --triangle, or --program with --as-of. The Chinese usage message, or undefined. */
function sourceProblem(options: ReserveOptions): string | undefined {
  const byFile = options.triangle !== undefined;
  const byProgram = options.program !== undefined;
  if (byFile === byProgram)
    return "须给出 --triangle <文件> 或 --program <项目编号> --as-of <日期> 之一（不能都给）";
  if (byFile && options.asOf !== undefined) return "--as-of 只与 --program 一起使用";
  if (byProgram && options.asOf === undefined)
    return "--program 需要 --as-of <yyyy-mm-dd>（评估日，北京时间）";
  if (byProgram && beijingDayStart(options.asOf ?? "") === undefined)
    return `--as-of「${(options.asOf ?? "").slice(0, 20)}」无效：应为 yyyy-mm-dd 日期`;
  return undefined;
}

function compute(options: ReserveOptions, given: Triangle | undefined): ReserveReport {
  const byPremium = options.premium !== undefined;
  const byRatio = options.priorLossRatio !== undefined;
  if (byPremium !== byRatio)
    throw new Refused("--premium 与 --prior-loss-ratio 须同时给出（B-F法 与 赔付率法 两者都要）", EX_USAGE);
  let ratio: number | undefined;
  if (options.priorLossRatio !== undefined) {
    ratio = parseLossRatio(options.priorLossRatio);
    if (ratio === undefined)
      throw new Refused(
        `--prior-loss-ratio「${options.priorLossRatio.slice(0, 20)}」无效：应为小数（如 0.85）或百分数（如 85%），大于 0 且不超过 10`,
        EX_USAGE,
      );
  }
  const triangle = given ?? triangleFile(options.triangle ?? "");
  if (options.premium === undefined) return reserve(triangle);
  const premiums = parsePremiumCsv(readText(options.premium, "保费文件"), triangle);
  if (!premiums.ok)
    throw new Refused(problemsText("保费文件", options.premium, premiums.problems), EX_REFUSED);
  return reserve(triangle, { premiumFen: premiums.value, priorLossRatio: ratio });
}

function triangleFile(path: string): Triangle {
  const parsed = parseTriangleCsv(readText(path, "赔付三角文件"));
  if (!parsed.ok) throw new Refused(problemsText("赔付三角文件", path, parsed.problems), EX_REFUSED);
  return parsed.value;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "文件不存在" : code === "EISDIR" ? "这是目录，不是文件" : "无法读取";
    throw new Refused(`${what} ${path}：${why}`, EX_REFUSED);
  }
}

function problemsText(what: string, path: string, problems: readonly InputProblem[]): string {
  const lines = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => {
    const where = p.line > 0 ? `第 ${p.line} 行，` : "";
    return `  ${where}字段 ${p.field}：${p.message}`;
  });
  if (problems.length > MAX_PROBLEMS_SHOWN)
    lines.push(`  ……另有 ${problems.length - MAX_PROBLEMS_SHOWN} 处问题`);
  return `${what} ${path} 有 ${problems.length} 处问题，未作评估：\n${lines.join("\n")}`;
}

// ------------------------------------------------------------------------------------------------------
// --json
// ------------------------------------------------------------------------------------------------------

function toJson(report: ReserveReport): string {
  const cl = report.chainLadder;
  const methods: Record<string, unknown> = {
    chain_ladder: {
      origins: cl.origins.map((o) => ({
        origin: o.origin,
        paid: formatYuan(o.paidFen),
        ultimate: yuanText(o.ultimate),
        ibnr: yuanText(o.ibnr),
        se: yuanText(o.se ?? 0),
      })),
      ibnr: yuanText(cl.ibnr),
      se: yuanText(cl.se ?? 0),
    },
  };
  if (report.bornhuetterFerguson !== undefined)
    methods.bornhuetter_ferguson = plainMethod(report.bornhuetterFerguson);
  if (report.expectedLossRatio !== undefined)
    methods.expected_loss_ratio = plainMethod(report.expectedLossRatio);
  const selected = { method: report.selection.method, ibnr: formatYuan(report.selection.ibnrFen) };
  return `${JSON.stringify({ methods, selected })}\n`;
}

function plainMethod(m: MethodResult): unknown {
  return {
    origins: m.origins.map((o) => ({
      origin: o.origin,
      paid: formatYuan(o.paidFen),
      ultimate: yuanText(o.ultimate),
      ibnr: yuanText(o.ibnr),
    })),
    ibnr: yuanText(m.ibnr),
  };
}

// ------------------------------------------------------------------------------------------------------
// Table
// ------------------------------------------------------------------------------------------------------

function renderTable(report: ReserveReport): string {
  const { triangle, chainLadder: cl, selection } = report;
  const out: string[] = [];
  const grain = triangle.periodicity === "year" ? "按年" : "按月";
  out.push(
    `赔付三角：${triangle.origins.length} 个起始期（${grain}，${triangle.origins[0]} 至 ${triangle.origins[triangle.origins.length - 1]}），进展期 0 至 ${triangle.devPeriods - 1}；金额单位：元`,
    "",
  );
  out.push("进展因子（链梯法，按赔付额加权）", ...table(factorRows(triangle, cl)), "");
  out.push(`链梯法（Mack 1993 标准误）`, ...table(methodRows(cl, true)), "");
  if (report.bornhuetterFerguson !== undefined)
    out.push("B-F法", ...table(methodRows(report.bornhuetterFerguson, false)), "");
  if (report.expectedLossRatio !== undefined)
    out.push("赔付率法", ...table(methodRows(report.expectedLossRatio, false)), "");
  out.push("选定（《健康保险管理办法》第四十九条：至少两种方法，取最大值）");
  const compared: MethodId[] = [...selection.methodsCompared];
  const totals: Record<MethodId, MethodResult | undefined> = {
    chain_ladder: cl,
    bornhuetter_ferguson: report.bornhuetterFerguson,
    expected_loss_ratio: report.expectedLossRatio,
  };
  for (const m of compared) out.push(`  ${METHOD_ZH[m]}  IBNR ${yuanText((totals[m] as MethodResult).ibnr)}`);
  if (compared.length < 2)
    out.push("  注意：只有一种方法，未满足第四十九条“至少两种方法”；请提供保费与预期赔付率。");
  const years = Number.isInteger(selection.experienceYears)
    ? String(selection.experienceYears)
    : selection.experienceYears.toFixed(2);
  out.push(
    `  经验期 ${years} 年（起始期个数 ÷ 每年期数）${selection.floorApplies ? "，不足 3 年" : "，不少于 3 年，不适用 10% 下限"}`,
  );
  if (selection.floorApplies)
    out.push(
      `  下限：${selection.accountingYear} 会计年度实际赔款支出 ${formatYuan(selection.yearPaidFen)} × 10% = ${formatYuan(selection.floorFen)}`,
    );
  out.push(`  选定：${METHOD_ZH[selection.method]}  IBNR ${formatYuan(selection.ibnrFen)}`, "");
  return out.join("\n");
}

function factorRows(triangle: Triangle, cl: ChainLadderResult): string[][] {
  const header = ["进展期", ...cl.factors.map((_, k) => `${k}→${k + 1}`)];
  const factors = ["进展因子", ...cl.factors.map((f) => f.toFixed(FACTOR_DECIMALS))];
  const toUlt: number[] = [];
  let product = 1;
  for (let k = cl.factors.length - 1; k >= 0; k--) {
    product *= cl.factors[k] as number;
    toUlt[k] = product;
  }
  const cumulativeRow = ["至最终累计因子", ...toUlt.map((f) => f.toFixed(FACTOR_DECIMALS))];
  return triangle.devPeriods > 1 ? [header, factors, cumulativeRow] : [header];
}

function methodRows(m: MethodResult, withSe: boolean): string[][] {
  const header = ["起始期", "已付", "最终损失", "IBNR", ...(withSe ? ["标准误"] : [])];
  const rows = m.origins.map((o) => [
    o.origin,
    formatYuan(o.paidFen),
    yuanText(o.ultimate),
    yuanText(o.ibnr),
    ...(withSe ? [yuanText(o.se ?? 0)] : []),
  ]);
  const total = [
    "合计",
    formatYuan(m.paidFen),
    yuanText(m.ultimate),
    yuanText(m.ibnr),
    ...(withSe ? [yuanText(m.se ?? 0)] : []),
  ];
  return [header, ...rows, total];
}

/** Right-aligned numbers, left-aligned first column; CJK counts two columns. */
function table(rows: readonly string[][]): string[] {
  const widths = columnWidths(rows);
  const pad = (cell: string, i: number) => {
    const gap = " ".repeat((widths[i] ?? 0) - displayWidth(cell));
    return i === 0 ? cell + gap : gap + cell;
  };
  return rows.map((row) => `  ${row.map(pad).join("  ")}`.trimEnd());
}

export function registerReserveCommand(program: Command): void {
  program
    .command("reserve")
    .description("IBNR 评估：链梯法（Mack 标准误）、B-F法、赔付率法，按《健康保险管理办法》第四十九条选定")
    .option("--triangle <file>", "赔付三角 CSV：origin,dev,paid（增量已付，元；dev 从 0 起）")
    .option(
      "--program <id>",
      "改用项目自己的赔付：起始期 = 就诊月（begntime），进展期 = 到结算月（setl_time）的月数",
    )
    .option(
      "--as-of <date>",
      "与 --program 一起：评估日 yyyy-mm-dd（北京时间），只计该日结束前结算、未撤销的赔付",
    )
    .option(
      "--premium <file>",
      "保费 CSV：origin,premium（元）；与 --prior-loss-ratio 一起启用 B-F法 和 赔付率法",
    )
    .option("--prior-loss-ratio <ratio>", "预期赔付率，如 0.85 或 85%")
    .option("--json", "机器可读输出（固定格式，见 docs/reserving.md）")
    .action(async (opts: ReserveOptions) => {
      const problem = sourceProblem(opts);
      if (problem !== undefined) {
        process.stderr.write(`hmb reserve: ${problem}\n`);
        process.exitCode = EX_USAGE;
        return;
      }
      const emit = (result: ReturnType<typeof runReserve>) => {
        if (result.stdout !== "") process.stdout.write(result.stdout);
        if (result.stderr !== "") process.stderr.write(result.stderr);
        process.exitCode = result.exitCode;
      };
      const { program, asOf } = opts;
      if (program === undefined || asOf === undefined) {
        emit(runReserve(opts));
        return;
      }
      // Only --program needs the database: loaded here so the file mode stays engine-only and fast.
      const [{ withPlatform }, { programTriangle }] = await Promise.all([
        import("./platform-commands.js"),
        import("../services/reserve.js"),
      ]);
      await withPlatform(async (ctx) => {
        const triangle = await programTriangle(ctx, program, asOf);
        if (triangle === undefined) {
          process.stderr.write(`hmb reserve: 项目 ${program} 截至 ${asOf} 尚无赔付，无从评估\n`);
          process.exitCode = EX_REFUSED;
          return;
        }
        emit(runReserve(opts, triangle));
      });
    });
}
