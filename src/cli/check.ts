/**
 * `hmb check --product <id> | --product-file <file> --rules <rule-set> [--json]
 *   [--earned-premium <yuan> --incurred-claims <yuan>]`
 *
 * Output: a table, or with --json exactly {"findings":[{clause,rule,subject,status,value,limit}]}.
 * Money is a yuan string ("12000.00"), ratios a percent string ("20%"), years and counts numbers; a
 * not_applicable finding carries the reason in `value`.
 * Exit codes: 0 no finding fails, 1 some finding fails, 64 usage error (missing option, unknown product or
 * rule set, bad amount, a product file that cannot be loaded — its every problem on stderr).
 */
import type { Command } from "commander";
import { checkProduct, complianceExitCode } from "../compliance/check.js";
import { findRuleSet, listRuleSets } from "../compliance/rulesets/index.js";
import type { CheckContext, Finding, Rule, RuleSet, Status } from "../compliance/types.js";
import { parseYuan } from "../domain/money.js";
import type { Product } from "../domain/product.js";
import { listProducts } from "../products/index.js";
import { loadProductFile, ProductLoadError } from "../products/load.js";
import {
  EX_USAGE,
  looksLikeFile,
  type ProductSourceOptions,
  productSourceProblem,
} from "./product-source.js";
import { textTable } from "./text-table.js";

interface CheckOptions extends ProductSourceOptions {
  rules: string;
  json?: boolean;
  earnedPremium?: string;
  incurredClaims?: string;
}

class UsageError extends Error {}

export function runCheck(options: CheckOptions, out: (text: string) => void): number {
  const product = productOf(options);
  const ruleSet = findRuleSet(options.rules);
  if (ruleSet === undefined) {
    throw new UsageError(
      `unknown rule set ${options.rules}; known: ${listRuleSets()
        .map((r) => r.id)
        .join(", ")}`,
    );
  }
  const findings = checkProduct(product, ruleSet, operatingContext(options));
  out(options.json === true ? toJson(findings) : renderTable(product, ruleSet, findings));
  return complianceExitCode(findings);
}

function productOf(options: CheckOptions): Product {
  const problem = productSourceProblem(options);
  if (problem !== undefined) throw new UsageError(problem);
  if (options.productFile !== undefined) {
    try {
      return loadProductFile(options.productFile);
    } catch (e) {
      if (e instanceof ProductLoadError) throw new UsageError(e.message);
      throw e;
    }
  }
  const product = listProducts().find((p) => p.id === options.product);
  if (product === undefined && looksLikeFile(options.product ?? "")) {
    throw new UsageError(`--product 要的是产品编号；产品文件请用 --product-file ${options.product}`);
  }
  if (product === undefined) {
    throw new UsageError(
      `未知产品 ${options.product}（unknown product ${options.product}）；已有：${listProducts()
        .map((p) => p.id)
        .join(", ")}`,
    );
  }
  return product;
}

function operatingContext(options: CheckOptions): CheckContext {
  const { earnedPremium, incurredClaims } = options;
  if (earnedPremium === undefined && incurredClaims === undefined) return {};
  if (earnedPremium === undefined || incurredClaims === undefined) {
    throw new UsageError("--earned-premium and --incurred-claims go together");
  }
  return {
    operating: {
      earnedPremiumFen: fen("--earned-premium", earnedPremium),
      incurredClaimsFen: fen("--incurred-claims", incurredClaims),
    },
  };
}

function fen(flag: string, text: string): number {
  const parsed = parseYuan(text);
  if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.problem}`);
  return parsed.fen;
}

/** Exactly the six contract keys, in contract order; `note` is for people only. */
function toJson(findings: readonly Finding[]): string {
  const wire = findings.map(({ clause, rule, subject, status, value, limit }) => ({
    clause,
    rule,
    subject,
    status,
    value,
    limit,
  }));
  return `${JSON.stringify({ findings: wire })}\n`;
}

const STATUS_ZH: Record<Status, string> = { pass: "通过", fail: "不符合", not_applicable: "不适用" };

function renderTable(product: Product, ruleSet: RuleSet, findings: readonly Finding[]): string {
  const rules = new Map<string, Rule>(ruleSet.rules.map((r) => [r.id, r]));
  const header = ["条款", "结果", "规则", "对象", "实际值", "限值", "说明"];
  // A not_applicable finding's value is its reason: shown under 说明 so the value column stays narrow.
  const rows = findings.map((f) => {
    const rule = rules.get(f.rule);
    const na = f.status === "not_applicable";
    return [
      f.clause,
      STATUS_ZH[f.status],
      rule?.title.zh ?? f.rule,
      f.subject,
      na ? "—" : `${f.value}${unit(rule, f.value)}`,
      na ? String(f.limit) : `${comparator(rule)}${f.limit}${unit(rule, f.limit)}`,
      na ? String(f.value) : (f.note ?? ""),
    ];
  });
  const count = (s: Status) => findings.filter((f) => f.status === s).length;
  return [
    `${product.name} (${product.id} v${product.version}) · ${ruleSet.name.zh} (${ruleSet.id})`,
    "",
    ...textTable([header, ...rows]),
    "",
    `通过 ${count("pass")} · 不符合 ${count("fail")} · 不适用 ${count("not_applicable")}  (pass/fail/not applicable)`,
    "",
  ].join("\n");
}

/** Floors read "≥ 30%", ceilings "≤ 15000.00"; a required value is shown as is. */
function comparator(rule: Rule | undefined): string {
  switch (rule?.kind) {
    case "deductible_max":
    case "premium_max":
      return "≤ ";
    case "ratio_min":
    case "plan_cap_min":
    case "liability_cap_min":
    case "loss_ratio_min":
    case "service_commitment_min":
    case "rare_disease_coverage":
      return "≥ ";
    default:
      return "";
  }
}

/** Years and drug counts travel as bare numbers; the table names their unit. */
function unit(rule: Rule | undefined, measure: string | number): string {
  if (typeof measure !== "number") return "";
  if (rule?.kind === "service_commitment_min") return "年";
  if (rule?.kind === "rare_disease_coverage") return "种";
  return "";
}

export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description(
      "check a product version against a guidance rule set; exit 0 when nothing fails, 1 when a finding fails, 64 on usage errors",
    )
    .option("--product <id>", "shipped product id, e.g. wenshan-2023 (或用 --product-file)")
    .option("--product-file <file>", "产品文件（JSON，任一受支持的格式版本），代替 --product")
    .requiredOption(
      "--rules <id>",
      `rule set: ${listRuleSets()
        .map((r) => r.id)
        .join(" | ")}`,
    )
    .option("--json", 'print {"findings":[{clause,rule,subject,status,value,limit}]}')
    .option("--earned-premium <yuan>", "a policy year's earned premium (满期保费), for clause 十一")
    .option("--incurred-claims <yuan>", "the same year's incurred claims (已发生赔款), for clause 十一")
    .action((opts: CheckOptions) => {
      try {
        process.exitCode = runCheck(opts, (text) => process.stdout.write(text));
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`hmb check: ${e.message}\n`);
        process.exitCode = EX_USAGE;
      }
    });
}
