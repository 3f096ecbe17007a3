/**
 * `hmb aid …`: aid programs (救助项目) and their ring-fenced funds (救助专户) from the command line.
 *
 *   hmb aid publish FILE --program ID          publish a version; same content again: "未改变"; a bad file exits 1
 *                                              with every problem as `路径: 说明`; a refusal (version already
 *                                              published with other content, fund missing) exits 2
 *   hmb aid list --program ID [--json]         each aid program's current version (and how many versions)
 *   hmb aid show ID[@VERSION] --program ID [--json]   the terms in words and the versions
 *   hmb aid withdraw ID --program ID           withdraw the current version
 *   hmb aid fund create FUND --program ID --name N --sponsor-kind K --sponsor-name S [--keeper USER]
 *   hmb aid fund list --program ID [--json]
 *   hmb aid fund donate FUND --program ID --amount YUAN --ref REF [--donor NAME] [--top-up]
 *                                              no --donor: an anonymous donation; --top-up: the sponsor's own money
 *   hmb aid fund statement FUND --program ID [--json]   every movement with the running balance, and the
 *                                              reconciliation (exit 1 when the fund does not reconcile)
 *
 * --json prints the API's answer (contract/aid.ts). Other aid subcommands (`hmb aid match`) register on the
 * command `aidCommand` returns.
 */
import type { Command } from "commander";
import { presentAidFund, presentAidProgram, presentFundLedger } from "../api/routes/aid-programs.js";
import type { AidProgramView } from "../contract/aid.js";
import { COHORTS } from "../domain/cohort.js";
import { formatYuan, parseYuan } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import {
  AID_BUDGET_EXHAUSTION_LABELS,
  AID_FUND_JOURNAL_KIND_LABELS,
  AID_LAYER_LABELS,
  AID_PROGRAM_STATUS_LABELS,
  AID_SPONSOR_KIND_LABELS,
  labelOf,
} from "../domain/vocabulary.js";
import {
  contributeToFund,
  createAidFund,
  fundStatement,
  listAidFunds,
  reconcileFund,
} from "../services/aid/funds.js";
import {
  getAidProgram,
  listAidPrograms,
  parseAidProgramRef,
  publishAidProgram,
  validateAidProgramFile,
  withdrawAidProgram,
} from "../services/aid/programs.js";
import { CLI_ACTOR, type PlatformContext, ServiceError } from "../services/context.js";
import { withPlatform } from "./platform-commands.js";

const EXIT_INVALID_FILE = 1;
const EXIT_NOT_RECONCILED = 1;

const out = (text: string) => {
  process.stdout.write(`${text}\n`);
};

/** Reads a JSON file; on an unreadable or non-JSON file prints why (naming the file) and returns undefined. */
async function readJson(file: string): Promise<unknown> {
  const { ProductLoadError, issueLine, readProductJsonFile } = await import("../products/load.js");
  try {
    return readProductJsonFile(file);
  } catch (e) {
    if (!(e instanceof ProductLoadError)) throw e;
    process.stderr.write(`救助项目文件 ${file} 有误：\n`);
    for (const issue of e.issues) process.stderr.write(`${issueLine(issue).replace("产品文件", "文件")}\n`);
    process.exitCode = EXIT_INVALID_FILE;
    return undefined;
  }
}

/** The terms of an aid program version in words (the console's 救助项目 page says the same). */
export function describeAidProgram(v: AidProgramView): string[] {
  const e = v.eligibility;
  const who: string[] = [];
  if (e.cohorts.length > 0)
    who.push(`人群：${e.cohorts.map((c) => COHORTS[c as keyof typeof COHORTS] ?? c).join("、")}`);
  if (e.min_age !== null || e.max_age !== null)
    who.push(
      `年龄：${e.min_age === null ? "" : `${e.min_age} 周岁起`}${e.max_age === null ? "" : `至 ${e.max_age} 周岁`}`,
    );
  if (e.icd10.length > 0)
    who.push(`主诊断：${e.icd10.map((r) => (r.from === r.to ? r.from : `${r.from}–${r.to}`)).join("、")}`);
  if (e.drugs.length > 0) who.push(`使用药品：${e.drugs.length} 种（目录编码见文件）`);
  if (e.regions.length > 0) who.push(`参保地：区划 ${e.regions.join("、")} 开头`);
  const after = v.covers.after.map((a) => labelOf(AID_LAYER_LABELS, a)).join("、");
  const covers =
    v.covers.kind === "residual"
      ? `在${after}之后个人仍需负担的${v.covers.in_scope_only ? "医保范围内" : ""}费用`
      : v.covers.kind === "drug_cost"
        ? "所列药品的个人负担部分"
        : "资助参保保费";
  const b = v.benefit;
  const benefit =
    b.kind === "fixed"
      ? `每次定额 ${b.amount} 元（不超过可救助金额）`
      : `超过起付线 ${b.threshold} 元（${b.threshold_per === "year" ? "每年" : "每次"}）的部分按 ${b.ratio} 救助`;
  const caps = [
    v.caps.per_case === null ? null : `单次最高 ${v.caps.per_case} 元`,
    v.caps.per_year === null ? null : `年度最高 ${v.caps.per_year} 元`,
  ].filter((c) => c !== null);
  return [
    `${v.name}（${v.aid_program_id} 第 ${v.version} 版，${labelOf(AID_PROGRAM_STATUS_LABELS, v.status)}）`,
    `出资方：${v.sponsor_name}（${labelOf(AID_SPONSOR_KIND_LABELS, v.sponsor_kind)}），从救助基金「${v.fund_name}」支付`,
    `有效期：${v.period_start} 至 ${v.period_end}（不含）`,
    `救助对象：${who.length === 0 ? "不限" : who.join("；")}`,
    `救助范围：${covers}`,
    `救助标准：${benefit}${caps.length === 0 ? "" : `；${caps.join("，")}`}`,
    `预算：${v.budget.amount} 元，${labelOf(AID_BUDGET_EXHAUSTION_LABELS, v.budget.when_exhausted)}`,
    v.mode.kind === "automatic"
      ? "方式：结算后自动救助，无需申请"
      : `方式：申请审核${v.mode.committee ? "（经评审委员会决定）" : ""}${v.mode.documents.length === 0 ? "" : `，须附：${v.mode.documents.join("、")}`}`,
    ...(v.description === null ? [] : [`说明：${v.description}`]),
  ];
}

/** Where a command writes its lines (stdout in the binary, an array in tests). */
export type Lines = (line: string) => void;

/** `hmb aid publish` once the file has been read and validated. */
export async function aidPublish(
  ctx: PlatformContext,
  programId: string,
  json: unknown,
  out: Lines,
): Promise<void> {
  const r = await publishAidProgram(ctx, CLI_ACTOR, programId, json);
  const c = r.published.current;
  out(
    r.created
      ? `已发布：${c.aidProgramId}@${c.version}「${c.program.name}」，从救助基金「${c.fundName}」支付`
      : `未改变：${c.aidProgramId}@${c.version} 已以相同内容发布，本次不做任何改变`,
  );
}

export async function aidList(
  ctx: PlatformContext,
  programId: string,
  json: boolean,
  out: Lines,
): Promise<void> {
  const list = (await listAidPrograms(ctx.db, programId)).map(presentAidProgram);
  if (json) return out(JSON.stringify({ aid_programs: list }, null, 2));
  if (list.length === 0) return out("尚未发布救助项目");
  for (const v of list)
    out(
      [
        `${v.aid_program_id}@${v.version}`,
        v.name,
        labelOf(AID_PROGRAM_STATUS_LABELS, v.status),
        v.sponsor_name,
        v.fund_name,
        `共 ${v.versions.length} 版`,
      ].join("\t"),
    );
}

export async function aidShow(
  ctx: PlatformContext,
  programId: string,
  ref: string,
  json: boolean,
  out: Lines,
): Promise<void> {
  const r = parseAidProgramRef(ref);
  const v = presentAidProgram(await getAidProgram(ctx.db, programId, r.id, r.version));
  if (json) return out(JSON.stringify(v, null, 2));
  for (const line of describeAidProgram(v)) out(line);
  out("版本：");
  for (const h of v.versions)
    out(
      `  第 ${h.version} 版\t${labelOf(AID_PROGRAM_STATUS_LABELS, h.status)}\t发布 ${stamp(h.published_at)}${h.withdrawn_at === null ? "" : `\t撤回 ${stamp(h.withdrawn_at)}`}`,
    );
}

export async function aidWithdraw(
  ctx: PlatformContext,
  programId: string,
  id: string,
  out: Lines,
): Promise<void> {
  const h = await withdrawAidProgram(ctx, CLI_ACTOR, programId, id);
  out(`已撤回：${h.current.aidProgramId}@${h.current.version}「${h.current.program.name}」`);
}

export interface FundCreateOptions {
  program: string;
  name: string;
  sponsorKind: string;
  sponsorName: string;
  keeper?: string | undefined;
}

export async function aidFundCreate(
  ctx: PlatformContext,
  fundId: string,
  opts: FundCreateOptions,
  out: Lines,
): Promise<void> {
  const r = await createAidFund(ctx, CLI_ACTOR, {
    programId: opts.program,
    fundId,
    name: opts.name,
    sponsorKind: opts.sponsorKind,
    sponsorName: opts.sponsorName,
    keeper: opts.keeper,
  });
  out(
    r.created ? `已开设救助基金「${r.fund.name}」（${r.fund.fundId}）` : `未改变：救助基金 ${fundId} 已存在`,
  );
}

export async function aidFundList(
  ctx: PlatformContext,
  programId: string,
  json: boolean,
  out: Lines,
): Promise<void> {
  const funds = (await listAidFunds(ctx, CLI_ACTOR, programId)).map(presentAidFund);
  if (json) return out(JSON.stringify({ funds }, null, 2));
  if (funds.length === 0) return out("尚未开设救助基金");
  for (const f of funds)
    out(
      [
        f.fund_id,
        f.name,
        f.sponsor_name,
        labelOf(AID_SPONSOR_KIND_LABELS, f.sponsor_kind),
        `余额 ${f.balance} 元`,
      ].join("\t"),
    );
}

export interface DonateOptions {
  program: string;
  amount: string;
  ref: string;
  donor?: string | undefined;
  topUp?: boolean | undefined;
}

export async function aidFundDonate(
  ctx: PlatformContext,
  fundId: string,
  opts: DonateOptions,
  out: Lines,
): Promise<void> {
  const parsed = parseYuan(opts.amount);
  if (!parsed.ok || parsed.fen <= 0)
    throw new ServiceError("invalid", "invalid_value", parsed.ok ? "金额必须为正" : parsed.problem, "amount");
  const r = await contributeToFund(ctx, CLI_ACTOR, {
    programId: opts.program,
    fundId,
    kind: opts.topUp === true ? "top_up" : "donation",
    amount: parsed.fen,
    donor: opts.donor,
    ref: opts.ref,
  });
  out(
    r.posted
      ? `已入账：${formatYuan(parsed.fen)} 元，余额 ${formatYuan(r.balance)} 元`
      : `未改变：凭证 ${opts.ref} 此前已入账，余额 ${formatYuan(r.balance)} 元`,
  );
}

/** The fund's statement; resolves to false when the fund does not reconcile (exit 1). */
export async function aidFundStatement(
  ctx: PlatformContext,
  programId: string,
  fundId: string,
  json: boolean,
  out: Lines,
): Promise<boolean> {
  const statement = await fundStatement(ctx, CLI_ACTOR, programId, fundId);
  const names = new Map(
    (await listAidPrograms(ctx.db, programId)).map((p) => [p.current.aidProgramId, p.current.program.name]),
  );
  const reconciled = (await reconcileFund(ctx.db, programId, fundId)).ok;
  const ledger = presentFundLedger(statement, names, reconciled);
  if (json) {
    out(JSON.stringify(ledger, null, 2));
    return reconciled;
  }
  out(`${ledger.fund.name}（${ledger.fund.sponsor_name}）余额 ${ledger.fund.balance} 元`);
  for (const l of ledger.lines) {
    const who =
      l.kind === "donation"
        ? (l.donor ?? "匿名")
        : l.aid_program_id === null
          ? ""
          : `${l.aid_program_name ?? l.aid_program_id} 第 ${l.version} 版`;
    out(
      [
        stamp(l.at),
        labelOf(AID_FUND_JOURNAL_KIND_LABELS, l.kind),
        `${l.amount} 元`,
        `余额 ${l.balance_after} 元`,
        who,
        l.ref,
      ].join("\t"),
    );
  }
  out(
    `累计捐赠与注资 ${ledger.contributions} 元，救助支出 ${ledger.aid_paid} 元，冲回 ${ledger.aid_reversed} 元；${reconciled ? "专户对账平衡" : "专户对账不平！"}`,
  );
  return reconciled;
}

const PROGRAM_OPTION = ["--program <id>", "惠民保项目编号"] as const;
const JSON_OPTION = ["--json", "输出 JSON（与 API 相同）"] as const;

export function registerAidCommand(program: Command): Command {
  const aid = program
    .command("aid")
    .description("救助项目与救助基金专户：发布、查看、撤回；开设基金、捐赠、明细");

  aid
    .command("publish")
    .argument("<file>", "救助项目文件（JSON）")
    .requiredOption(...PROGRAM_OPTION)
    .description(
      "发布救助项目文件为不可修改的版本；相同内容再次发布不做改变；文件有误退出码 1，被拒绝退出码 2",
    )
    .action(async (file: string, opts: { program: string }) => {
      const json = await readJson(file);
      if (json === undefined) return;
      const problems = validateAidProgramFile(json);
      if (problems.length > 0) {
        process.stderr.write(`救助项目文件 ${file} 有 ${problems.length} 处问题：\n`);
        for (const p of problems) process.stderr.write(`${p.path === "" ? "(根)" : p.path}: ${p.message}\n`);
        process.exitCode = EXIT_INVALID_FILE;
        return;
      }
      await withPlatform((ctx) => aidPublish(ctx, opts.program, json, out));
    });

  aid
    .command("list")
    .requiredOption(...PROGRAM_OPTION)
    .option(...JSON_OPTION)
    .description("本项目的救助项目：当前版本、状态、出资方、基金与版本数")
    .action(async (opts: { program: string; json?: boolean }) =>
      withPlatform((ctx) => aidList(ctx, opts.program, opts.json === true, out)),
    );

  aid
    .command("show")
    .argument("<ref>", "ID[@VERSION]：救助项目编号，可带 @版本号（缺省为当前版本）")
    .requiredOption(...PROGRAM_OPTION)
    .option(...JSON_OPTION)
    .description("查看救助项目：条件、范围、标准、预算与方式（中文），以及全部版本")
    .action(async (ref: string, opts: { program: string; json?: boolean }) =>
      withPlatform((ctx) => aidShow(ctx, opts.program, ref, opts.json === true, out)),
    );

  aid
    .command("withdraw")
    .argument("<id>", "救助项目编号")
    .requiredOption(...PROGRAM_OPTION)
    .description("撤回救助项目的当前版本：不再匹配新的救助，已付救助不受影响")
    .action(async (id: string, opts: { program: string }) =>
      withPlatform((ctx) => aidWithdraw(ctx, opts.program, id, out)),
    );

  const fund = aid.command("fund").description("救助基金专户：开设、列表、捐赠或注资、明细与对账");

  fund
    .command("create")
    .argument("<fund>", "基金编号（小写字母、数字、_ 与 -）")
    .requiredOption(...PROGRAM_OPTION)
    .requiredOption("--name <name>", "基金名称")
    .requiredOption(
      "--sponsor-kind <kind>",
      "出资方类型：charity 慈善组织 | pharma 药企 | union 工会 | civil_affairs 民政 | medical_assistance 医疗救助",
    )
    .requiredOption("--sponsor-name <name>", "出资方名称")
    .option("--keeper <username>", "管理该基金的慈善机构账号（登录名）")
    .description("开设救助基金（专户）；同一编号、相同内容再次开设不做改变")
    .action(async (fundId: string, opts: FundCreateOptions) =>
      withPlatform((ctx) => aidFundCreate(ctx, fundId, opts, out)),
    );

  fund
    .command("list")
    .requiredOption(...PROGRAM_OPTION)
    .option(...JSON_OPTION)
    .description("救助基金及余额")
    .action(async (opts: { program: string; json?: boolean }) =>
      withPlatform((ctx) => aidFundList(ctx, opts.program, opts.json === true, out)),
    );

  fund
    .command("donate")
    .argument("<fund>", "基金编号")
    .requiredOption(...PROGRAM_OPTION)
    .requiredOption("--amount <yuan>", "金额（元，正数，最多两位小数）")
    .requiredOption("--ref <ref>", "凭证号（同一凭证号只入账一次）")
    .option("--donor <name>", "捐款人名称（缺省为匿名）")
    .option("--top-up", "出资方注资（而非社会捐赠）")
    .description("向救助基金捐赠或注资；同一凭证号重复提交只入账一次")
    .action(async (fundId: string, opts: DonateOptions) =>
      withPlatform((ctx) => aidFundDonate(ctx, fundId, opts, out)),
    );

  fund
    .command("statement")
    .argument("<fund>", "基金编号")
    .requiredOption(...PROGRAM_OPTION)
    .option(...JSON_OPTION)
    .description("救助基金专户明细：逐笔捐赠、注资、救助支出与冲回及余额，并对账（不平则退出码 1）")
    .action(async (fundId: string, opts: { program: string; json?: boolean }) =>
      withPlatform(async (ctx) => {
        if (!(await aidFundStatement(ctx, opts.program, fundId, opts.json === true, out)))
          process.exitCode = EXIT_NOT_RECONCILED;
      }),
    );

  return aid;
}

/** The `aid` command registered on `program` (for modules that add subcommands to it, e.g. `hmb aid match`). */
export function aidCommand(program: Command): Command {
  return program.commands.find((c) => c.name() === "aid") ?? registerAidCommand(program);
}

/** An ISO instant as the operator reads it: Beijing time, to the minute. */
function stamp(iso: string): string {
  return formatBusinessTime(Date.parse(iso)).slice(0, 16);
}
