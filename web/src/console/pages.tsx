/**
 * The console's pages and who sees them: one registry drives the menu, the routes and the role checks, so a
 * page is added in one place. Roles follow DESIGN.md §1: bureau and regulator see aggregates only.
 */
import type { ReactNode } from "react";
import { Actuarial } from "./pages/actuarial.js";
import { AuditLog } from "./pages/audit-log.js";
import { Pools, Sponsored, SponsoredClaims } from "./pages/charity.js";
import { ClaimsReview } from "./pages/claims.js";
import { Ledger } from "./pages/ledger.js";
import { Beneficiaries, Disclosure, EnrollmentRate, LossRatio, Trends } from "./pages/oversight.js";
import { Overview } from "./pages/overview.js";
import { PolicyList } from "./pages/policies.js";
import { Products } from "./pages/products.js";
import { Programs } from "./pages/programs.js";
import { RosterImport } from "./pages/roster-import.js";

export type ConsoleRole = "admin" | "operator" | "co_insurer" | "bureau" | "regulator" | "charity";

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
      zh: "个人、家庭、单位、慈善投保记录与缴费状态。",
      en: "Individual, family, unit and charity enrollments with payment status.",
    },
    OPS,
    <PolicyList title={{ zh: "投保", en: "Enrollments" }} byEnrollment />,
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
      zh: "方案回放对比（赔付分布、赔付率与 70% 红线）与准备金（进展三角、进展因子、各起始期最终赔款与 IBNR）。",
      en: "Design replay (payout distribution, loss ratio vs the 70% floor) and the reserve (triangle, factors, ultimate and IBNR per origin).",
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
];

export function pagesFor(role: string): ConsolePage[] {
  return PAGES.filter((p) => (p.roles as readonly string[]).includes(role));
}
