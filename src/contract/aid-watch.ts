/**
 * Wire types of the catastrophic-cost watch (因病致贫监测, issue 15 item 4) and the quarterly charity disclosure
 * (慈善信息披露, item 5). Amounts are yuan strings
 * on the way out; settings come in as yuan numbers (like aid program files) and are held as fen.
 */
import { z } from "zod";
import { COHORT_IDS, type Cohort } from "../domain/cohort.js";
import { MAX_FEN } from "../domain/money.js";
import { yuanAmount } from "../domain/units.js";
import { Instant, Yuan } from "./common.js";
import { Percent } from "./primitives.js";

const cohortId = z.enum(COHORT_IDS as [Cohort, ...Cohort[]]);

const FEN_PER_YUAN = 100;
/** Yuan (≤ 2 decimals) held as fen; bounded first, so an absurd number is refused, never converted. */
const money = z
  .number()
  .max(MAX_FEN / FEN_PER_YUAN)
  .pipe(yuanAmount);

/** The largest multiple of local disposable income a local line may use. */
export const MAX_LOCAL_MULTIPLE = 20;

/** The watch settings a bureau or the operator sets (PUT …/aid-watch/settings). */
export const WatchSettingsBody = z.strictObject({
  subsistence_per_person: money.describe(
    "生存线：当地低保标准（元/人·年）；支付能力 = 家庭收入 − 生存线 × 家庭人口",
  ),
  disposable_income_per_capita: money.describe("当地居民人均可支配收入（元/年），地方线以其倍数计"),
  local_multiple: z
    .number()
    .positive()
    .max(MAX_LOCAL_MULTIPLE)
    .refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-9, { message: "倍数最多两位小数" })
    .describe("地方线：自付超过人均可支配收入的几倍即提示（如 2）"),
  reference_income: z
    .partialRecord(cohortId, money)
    .default({})
    .describe("未报送家庭收入时各人群的参考人均收入（元/年）"),
  default_reference_income: money
    .optional()
    .describe("其他人未报送家庭收入时的参考人均收入（元/年）；不填则只监测已报送或有人群参考收入的人"),
});
export type WatchSettingsBody = z.input<typeof WatchSettingsBody>;
export type WatchSettingsParsed = z.output<typeof WatchSettingsBody>;

export const WatchSettingsView = z.object({
  subsistence_per_person: Yuan,
  disposable_income_per_capita: Yuan,
  local_multiple: z.number(),
  reference_income: z.partialRecord(cohortId, Yuan),
  default_reference_income: Yuan.nullable(),
  who_threshold: Percent.describe("世卫组织灾难性卫生支出标准：自付 ≥ 支付能力的 40%"),
  updated_at: Instant.nullable(),
});
export type WatchSettingsView = z.infer<typeof WatchSettingsView>;

export const WATCH_FLAGS = ["who", "local", "any"] as const;

export const WatchListQuery = z.strictObject({
  flag: z.enum(WATCH_FLAGS).default("any").describe("who 达到世卫 40% 标准、local 超过地方线、any 任一"),
  county: z
    .string()
    .regex(/^\d{6}$/)
    .optional()
    .describe("区县代码（6 位）"),
  cohort: cohortId.optional().describe("人群"),
});
export type WatchListQuery = z.input<typeof WatchListQuery>;

export const WatchFlag = z.object({
  code: z.enum(["who", "local"]),
  text: z.string().describe("提示原因（中文）"),
});

export const WatchHelp = z.object({
  aid_program: z.string().describe("救助项目版本（id@version）"),
  name: z.string(),
  sponsor: z.string().describe("发起方"),
  mode: z.string().describe("自动救助或申请审核"),
  budget_left: Yuan.describe("剩余额度（元）"),
  prefilled: z.boolean().describe("已为本人预填申请、待本人（或监护人）确认；确认前不支付"),
});

export const WatchPerson = z.object({
  subject: z.string().describe("本名单内的行号（受监测人-01…），不含人员编号"),
  name: z.string().describe("姓名（脱敏）"),
  psn_no: z.string().describe("人员编号（脱敏）"),
  county: z.string().nullable(),
  county_name: z.string().nullable(),
  cohort: z.string().nullable(),
  cohort_name: z.string().nullable(),
  income_source: z
    .enum(["bureau", "reference"])
    .describe("bureau 医保局报送的家庭收入；reference 人群参考收入"),
  household_size: z.number().int(),
  capacity_to_pay: Yuan.describe("支付能力 = 家庭收入 − 生存线 × 家庭人口（不低于 0）"),
  household_oop: Yuan.describe("家庭本年自付医疗支出（各层报销与救助之后）"),
  share: Percent.nullable().describe("自付占支付能力的比例；支付能力为 0 时为空"),
  flags: z.array(WatchFlag),
  could_help: z.array(WatchHelp).describe("仍可使用的救助项目（符合条件且有余额）"),
});
export type WatchPerson = z.infer<typeof WatchPerson>;

export const WatchList = z.object({
  configured: z.boolean().describe("是否已设置监测参数；未设置时名单为空"),
  who_threshold: Percent,
  local_line: Yuan.describe("地方线金额（元）"),
  watched: z.number().int().describe("有自付支出且可计算支付能力的人数"),
  persons: z.array(WatchPerson),
});
export type WatchList = z.infer<typeof WatchList>;

export const WatchAggregateRow = z.object({
  key: z.string().nullable(),
  name: z.string(),
  watched: z.number().int(),
  flagged_who: z.number().int(),
  flagged_local: z.number().int(),
  flagged_any: z.number().int(),
});

export const WatchSummary = z.object({
  configured: z.boolean().describe("是否已设置监测参数；未设置时各数为 0"),
  who_threshold: Percent,
  local_line: Yuan,
  totals: WatchAggregateRow,
  by_county: z.array(WatchAggregateRow),
  by_cohort: z.array(WatchAggregateRow),
});
export type WatchSummary = z.infer<typeof WatchSummary>;

export const HouseholdImportResult = z.object({
  persons: z.number().int().describe("导入的人数"),
  households: z.number().int().describe("家庭数"),
});
export type HouseholdImportResult = z.infer<typeof HouseholdImportResult>;

// ---------------------------------------------------------------------------------------------------------
// Charity disclosure.

export const CharityReportQuery = z.strictObject({
  fund: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
    .describe("资金（救助基金或慈善资金池）编号"),
  quarter: z
    .string()
    .regex(/^\d{4}Q[1-4]$/)
    .optional()
    .describe("季度，如 2026Q1（默认：今天所在的季度）"),
  format: z.enum(["pdf", "xlsx", "json"]).default("pdf").describe("pdf（默认）、xlsx 或 json"),
});

const CharityRow = z.object({ label: z.string(), count: z.number().int(), amount: Yuan });

export const CharityReportView = z.object({
  program_id: z.string(),
  program_name: z.string(),
  fund: z.string(),
  fund_name: z.string(),
  fund_kind: z.enum(["aid_fund", "charity_pool"]),
  quarter: z.string(),
  from: z.string(),
  to: z.string(),
  as_of: z.string(),
  opening_balance: Yuan,
  money_in: Yuan,
  money_out: Yuan,
  closing_balance: Yuan,
  donations: z.array(CharityRow).describe("捐赠（匿名捐赠合并为“匿名捐赠”）"),
  other_in: z.array(CharityRow),
  out_by_program: z.array(CharityRow),
  out_by_cohort: z.array(CharityRow),
  recipients: z.array(CharityRow).describe("受助人（匿名：受助人-01…）"),
  beneficiaries: z.number().int(),
  burden_before: Yuan.describe("受助人本季度受助前自付合计"),
  burden_reduction: Percent.nullable().describe("平均负担减轻比例"),
  average_per_beneficiary: Yuan,
});
export type CharityReportView = z.infer<typeof CharityReportView>;
