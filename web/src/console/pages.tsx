/**
 * The console's pages and who sees them: one registry drives the menu, the routes and the role checks, so a
 * page is added in one place. Roles follow DESIGN.md §1: bureau and regulator see aggregates only.
 */
import type { ReactNode } from "react";
import { Actuarial } from "./pages/actuarial.js";
import { AidApplications } from "./pages/aid-applications.js";
import { AidFunds } from "./pages/aid-funds.js";
import { AidPrograms } from "./pages/aid-programs.js";
import { AuditLog } from "./pages/audit-log.js";
import { Catastrophic } from "./pages/catastrophic.js";
import { Pools, Sponsored, SponsoredClaims } from "./pages/charity.js";
import { CharityReport } from "./pages/charity-report.js";
import { ClaimsReview } from "./pages/claims.js";
import { CoInsurers } from "./pages/coinsurers.js";
import { EnrollmentDesk } from "./pages/enrollment.js";
import { HealthServices } from "./pages/health-services.js";
import { Institutions } from "./pages/institutions.js";
import { Ledger } from "./pages/ledger.js";
import { Beneficiaries, Disclosure, EnrollmentRate, LossRatio, Trends } from "./pages/oversight.js";
import { Overview } from "./pages/overview.js";
import { Payouts } from "./pages/payouts.js";
import { PolicyList } from "./pages/policies.js";
import { Products } from "./pages/products.js";
import { Programs } from "./pages/programs.js";
import { Promotions } from "./pages/promotions.js";
import { Reconciliation } from "./pages/reconciliation.js";
import { RosterImport } from "./pages/roster-import.js";
import { Turnaround } from "./pages/turnaround.js";

export type ConsoleRole =
  | "admin"
  | "operator"
  | "co_insurer"
  | "bureau"
  | "regulator"
  | "charity"
  | "civil_affairs";

export interface ConsolePage {
  /** Path under /console ("" = the start page). */
  path: string;
  zh: string;
  en: string;
  /** Menu group (zh / en), if any. */
  group?: { zh: string; en: string };
  roles: readonly ConsoleRole[];
  element: ReactNode;
}

const STAFF: readonly ConsoleRole[] = ["admin", "operator"];
const OVERSIGHT: readonly ConsoleRole[] = ["admin", "operator", "bureau", "regulator"];
/** The audit route's readers (api/routes/console.ts): the regulator inspects who read and did what. */
const AUDIT_READERS: readonly ConsoleRole[] = ["admin", "operator", "regulator"];
/** The replay route's callers (api/routes/replays.ts): the operator, the 医保局 and the regulator. */
const ACTUARIES: readonly ConsoleRole[] = ["operator", "bureau", "regulator"];
const OPS = { zh: "运营", en: "Operations" };
const WATCH = { zh: "监测", en: "Oversight" };
const CHARITY = { zh: "慈善", en: "Charity" };
/** Aid after the payout (issue 15): the aid programs and their ring-fenced funds. */
const AID_GROUP = { zh: "救助", en: "Aid" };
const AID_READERS: readonly ConsoleRole[] = ["admin", "operator", "charity", "bureau", "regulator"];

const page = (
  path: string,
  zh: string,
  en: string,
  roles: readonly ConsoleRole[],
  /** What the page shows (documentation of the registry; the page says it in its own words). */
  _what: { zh: string; en: string },
  group: { zh: string; en: string } | undefined,
  element: ReactNode,
): ConsolePage => ({
  path,
  zh,
  en,
  roles,
  ...(group === undefined ? {} : { group }),
  element,
});

export const PAGES: ConsolePage[] = [
  page(
    "",
    "概览",
    "Overview",
    ["admin", "operator", "co_insurer", "bureau", "regulator", "charity"],
    {
      zh: "本项目的关键数字与待办。",
      en: "Key figures and to-dos of this program.",
    },
    undefined,
    <Overview />,
  ),
  page(
    "programs",
    "项目与产品",
    "Programs and products",
    STAFF,
    {
      zh: "项目、产品版本、保障责任表与合规检查结果（逐条引用条款）。",
      en: "Programs, product versions, the benefit table and compliance findings (each citing its clause).",
    },
    OPS,
    <Programs />,
  ),
  page(
    "products",
    "产品管理",
    "Products",
    OVERSIGHT,
    {
      zh: "已发布的产品与版本、中文产品说明书、版本比较、上传校验与发布、赔付试算预览。",
      en: "Published products and versions, the Chinese product sheet, version diff, upload, validate and publish, quote preview.",
    },
    OPS,
    <Products />,
  ),
  page(
    "roster",
    "参保名单导入",
    "Roster import",
    STAFF,
    {
      zh: "导入医保局参保名单（CSV / Excel），显示进度与逐行错误。",
      en: "Import the bureau's roster (CSV / Excel) with progress and per-line errors.",
    },
    OPS,
    <RosterImport />,
  ),
  page(
    "enrollments",
    "投保",
    "Enrollments",
    STAFF,
    {
      zh: "个人、家庭、单位（Excel 名单）、慈善投保，投保记录与缴费状态、订单过期时间。",
      en: "Individual, family, unit (Excel list) and charity enrollment; enrollments with payment status and order expiry.",
    },
    OPS,
    <EnrollmentDesk />,
  ),
  page(
    "policies",
    "保单",
    "Policies",
    ["admin", "operator", "co_insurer"],
    {
      zh: "保单查询、电子保单、退保。",
      en: "Policy search, e-policies, cancellations.",
    },
    OPS,
    <PolicyList title={{ zh: "保单", en: "Policies" }} />,
  ),
  page(
    "claims",
    "理赔审核",
    "Claims review",
    STAFF,
    {
      zh: "柜面理赔审核队列、线上理赔、一站式结算记录及计算说明。",
      en: "Counter-claim review queue, online claims, one-stop settlements and their explanations.",
    },
    OPS,
    <ClaimsReview />,
  ),
  page(
    "institutions",
    "定点机构",
    "Institutions",
    STAFF,
    {
      zh: "定点医药机构的名称、等级与状态；登记、更换签名密钥（只显示一次）、停用与启用。",
      en: "Institutions with name, level and status; register, rotate the secret (shown once), disable and enable.",
    },
    OPS,
    <Institutions />,
  ),
  page(
    "health-services",
    "增值服务",
    "Health services",
    ["admin", "operator", "co_insurer", "bureau", "regulator"],
    {
      zh: "健康服务目录、服务机构、服务券核销记录（脱敏）与按服务和机构的使用情况；发布目录、发放服务券。",
      en: "Health-service catalog, providers, voucher redemptions (masked) and usage by service and provider; publish, issue.",
    },
    OPS,
    <HealthServices />,
  ),
  page(
    "promotions",
    "推广渠道",
    "Promotion channels",
    ["admin", "operator", "co_insurer", "bureau"],
    {
      zh: "共保公司、代理人、单位、社区/村的推广二维码与链接；访问→资格查询→下单→缴费的推广漏斗。",
      en: "QR codes and links per co-insurer, agent, unit and community; the visit → eligibility → order → paid funnel.",
    },
    OPS,
    <Promotions />,
  ),
  page(
    "payouts",
    "赔款划付",
    "Payouts",
    ["admin", "operator", "co_insurer"],
    {
      zh: "生成划付批次（定点机构或参保人），批次明细与状态。",
      en: "Payout batches (institutions or residents), their lines and status.",
    },
    OPS,
    <Payouts />,
  ),
  page(
    "reconciliation",
    "对账",
    "Reconciliation",
    STAFF,
    {
      zh: "按机构按日与总账逐笔对账，不一致的机构与结算单标红。",
      en: "Daily reconciliation per institution against the ledger, mismatches highlighted.",
    },
    OPS,
    <Reconciliation />,
  ),
  page(
    "coinsurers",
    "共保",
    "Co-insurance",
    ["admin", "operator", "co_insurer"],
    {
      zh: "各共保公司的份额、科目净额与对账单；共保公司只见本公司。",
      en: "Each co-insurer's share, net per account and statement; a co-insurer sees its own only.",
    },
    OPS,
    <CoInsurers />,
  ),
  page(
    "ledger",
    "账本与对账单",
    "Ledger and statements",
    ["admin", "operator", "co_insurer"],
    {
      zh: "双录账本汇总、共保公司对账单（CSV 下载）。",
      en: "Double-entry ledger summary and co-insurer statements (CSV).",
    },
    OPS,
    <Ledger />,
  ),
  page(
    "audit",
    "审计日志",
    "Audit log",
    AUDIT_READERS,
    {
      zh: "按人员、对象、时间检索个人信息访问与操作记录。",
      en: "Search reads of personal data and privileged actions by actor, subject and time.",
    },
    OPS,
    <AuditLog />,
  ),
  page(
    "oversight/enrollment",
    "参保率",
    "Enrollment rate",
    OVERSIGHT,
    {
      zh: "按区县、单位、人群对照名单的参保率（仅汇总数据）。",
      en: "Enrollment rate by county, unit and cohort against the roster (aggregates only).",
    },
    WATCH,
    <EnrollmentRate />,
  ),
  page(
    "oversight/loss-ratio",
    "保费与赔付率",
    "Premiums and loss ratio",
    OVERSIGHT,
    {
      zh: "签单保费与满期保费、已决与已发生赔款、满期赔付率与 70% 红线，全年预测低于 70% 时预警。",
      en: "Written vs earned premium, paid and incurred claims, earned loss ratio against the 70% line, alert on the projected full-year ratio.",
    },
    WATCH,
    <LossRatio />,
  ),
  page(
    "oversight/beneficiaries",
    "受益与减负",
    "Beneficiaries and relief",
    OVERSIGHT,
    {
      zh: "受益人数、赔款分布、人均减负。",
      en: "Beneficiaries, payout distribution, per-capita burden reduction.",
    },
    WATCH,
    <Beneficiaries />,
  ),
  page(
    "turnaround",
    "理赔时效",
    "Claim turnaround",
    ["admin", "operator", "co_insurer", "bureau", "regulator"],
    {
      zh: "按渠道、定点机构、月份的当日 / 3 日内 / 10 日内审结与赔付占比及用时中位数（仅汇总数据）。",
      en: "Share decided and paid the same day, within 3 and 10 days, and median hours, by channel, institution and month (aggregates only).",
    },
    WATCH,
    <Turnaround />,
  ),
  page(
    "oversight/trends",
    "周趋势",
    "Weekly trends",
    OVERSIGHT,
    {
      zh: "投保、保费、赔款按周趋势。",
      en: "Enrollments, premiums and payouts by week.",
    },
    WATCH,
    <Trends />,
  ),
  page(
    "actuarial",
    "精算",
    "Actuarial",
    ACTUARIES,
    {
      zh: "方案回放对比（赔付分布、赔付率与 70% 红线）、准备金（进展三角、进展因子、各起始期最终赔款与 IBNR）与精算回溯（分组定价与实际、匿名大额赔付、下年度调整方案）。",
      en: "Design replay (payout distribution, loss ratio vs the 70% floor), the reserve (triangle, factors, ultimate and IBNR per origin) and the retrospective (priced vs actual by rate group, large claims, next year's proposal).",
    },
    WATCH,
    <Actuarial />,
  ),
  page(
    "disclosure",
    "信息披露",
    "Disclosure",
    ["admin", "operator", "bureau", "regulator"],
    {
      zh: "按月或按年生成信息披露报告（PDF / Excel）。",
      en: "Monthly or yearly disclosure reports (PDF / Excel).",
    },
    WATCH,
    <Disclosure />,
  ),
  page(
    "catastrophic",
    "因病致贫监测",
    "Catastrophic-cost watch",
    ["admin", "operator", "bureau", "regulator", "civil_affairs"],
    {
      zh: "各层报销与救助后仍处于灾难性卫生支出的人员（脱敏）、提示原因与仍可使用的救助；监管方只看汇总。",
      en: "Persons still at catastrophic cost after every layer (masked), why, and what could help; aggregates for the regulator.",
    },
    WATCH,
    <Catastrophic />,
  ),
  page(
    "charity/pools",
    "资金池",
    "Pools",
    ["admin", "operator", "charity"],
    {
      zh: "慈善资金池余额、捐款与支出。",
      en: "Charity pool balances, donations and spending.",
    },
    CHARITY,
    <Pools />,
  ),
  page(
    "charity/sponsored",
    "资助投保",
    "Sponsored enrollments",
    ["admin", "operator", "charity"],
    {
      zh: "资金池资助的投保人员（脱敏）与人群。",
      en: "Persons (masked) and cohorts enrolled with pool funds.",
    },
    CHARITY,
    <Sponsored />,
  ),
  page(
    "charity/claims",
    "资助对象理赔",
    "Their claims",
    ["admin", "operator", "charity"],
    {
      zh: "资助对象的理赔与剩余负担。",
      en: "Claims of sponsored persons and their remaining burden.",
    },
    CHARITY,
    <SponsoredClaims />,
  ),
  page(
    "charity/report",
    "慈善信息披露",
    "Charity disclosure",
    ["admin", "operator", "charity"],
    {
      zh: "按季度生成一项资金的收入、支出、余额与受助情况（受助人匿名），下载 PDF / Excel。",
      en: "A fund's quarter: in, out, balance, beneficiaries (anonymized); PDF / Excel.",
    },
    CHARITY,
    <CharityReport />,
  ),
  page(
    "aid/programs",
    "救助项目",
    "Aid programs",
    [...AID_READERS, "civil_affairs"],
    {
      zh: "惠民保之后的救助项目：救助对象、范围、标准、预算与方式（中文），版本历史；上传发布新版本、撤回。",
      en: "Aid programs after Huiminbao: who, what, how much, budget and how, in words; versions; publish from a file, withdraw.",
    },
    AID_GROUP,
    <AidPrograms />,
  ),
  page(
    "aid/funds",
    "救助基金",
    "Aid funds",
    AID_READERS,
    {
      zh: "救助基金专户：余额、逐笔明细与对账，记录捐赠（可匿名）与注资，开设基金；慈善机构只见自己管理的基金。",
      en: "Ring-fenced aid funds: balance, ledger and reconciliation, donations (may be anonymous) and top-ups, opening a fund; a charity sees its own only.",
    },
    AID_GROUP,
    <AidFunds />,
  ),
  page(
    "aid/applications",
    "救助申请",
    "Aid applications",
    ["admin", "operator", "charity", "civil_affairs"],
    {
      zh: "一事一议的救助申请：审核队列、所涉结算的分层负担与材料、要求补充材料、按金额批准（须评审的记录委员会决定）或附理由不予救助。",
      en: "Case-by-case aid applications: the queue, the claim's layers and documents, asking for documents, approving with an amount (committee decision where required) or rejecting with a reason.",
    },
    AID_GROUP,
    <AidApplications />,
  ),
];

export function pagesFor(role: string): ConsolePage[] {
  return PAGES.filter((p) => (p.roles as readonly string[]).includes(role));
}
