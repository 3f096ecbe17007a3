/** The double-entry ledger: a co-insurer's statement and the oversight summary. */
import { z } from "zod";
import { Day, Instant, Yuan } from "./common.js";

export const StatementQuery = z.strictObject({
  insurer: z.string().min(1).max(64).describe("承保公司代码"),
  from: Day.describe("起始日期（北京时间，含）"),
  to: Day.describe("截止日期（北京时间，含）"),
  format: z.enum(["csv", "json"]).default("json").describe("json（默认）或 csv"),
});
/** As the handler sees it: ajv has filled in the default format. */
export type StatementQuery = z.infer<typeof StatementQuery>;

export const StatementLine = z.object({
  at: Instant,
  journal_id: z.string().describe("凭证号"),
  leg: z.number().int().describe("分录序号"),
  kind: z.string().describe("业务类型：premium、refund、payout …"),
  ref: z.string().describe("业务单号"),
  debit_account: z.string().describe("借方科目"),
  credit_account: z.string().describe("贷方科目"),
  amount: Yuan.describe("本公司份额（元）"),
  leg_amount: Yuan.describe("分录全额（共保拆分前）"),
});

export const StatementBalance = z.object({
  account: z.string(),
  name: z.string().describe("科目名称"),
  opening_net: Yuan.describe("期初净额（借 − 贷）"),
  debits: Yuan,
  credits: Yuan,
  net: Yuan.describe("本期净发生额"),
  closing_net: Yuan.describe("期末净额"),
});

export const Statement = z.object({
  program_id: z.string(),
  insurer_code: z.string(),
  insurer_name: z.string(),
  share: z.number().describe("共保份额（0–1）"),
  share_bps: z.number().int().describe("共保份额，万分之一（10000 = 100%）"),
  lead: z.boolean().describe("是否首席承保人"),
  from: Instant.describe("期间起（含）"),
  to: Instant.describe("期间止（不含）"),
  period: z
    .object({
      from: z.string(),
      to: z.string(),
      to_inclusive: z.literal(true),
      timezone: z.literal("Asia/Shanghai"),
    })
    .optional()
    .describe("按北京时间日期给出的期间（均含）"),
  lines: z.array(StatementLine),
  balances: z.array(StatementBalance),
  totals: z.object({ debits: Yuan, credits: Yuan }),
});
export type Statement = z.infer<typeof Statement>;

export const LedgerSummary = z.object({
  program_id: z.string(),
  balanced: z.boolean().describe("账是否平"),
  journals: z.array(z.object({ kind: z.string(), count: z.number().int() })).describe("各业务类型凭证数"),
  accounts: z
    .array(z.object({ account: z.string(), name: z.string(), debits: Yuan, credits: Yuan, net: Yuan }))
    .describe("各科目合计"),
  insurers: z
    .array(
      z.object({
        code: z.string(),
        name: z.string(),
        share: z.number().describe("共保份额（0–1）"),
        share_bps: z.number().int().describe("共保份额，万分之一（10000 = 100%）"),
        lead: z.boolean(),
        accounts: z.array(z.object({ account: z.string(), net: Yuan })),
      }),
    )
    .describe("各共保公司的科目净额"),
});
export type LedgerSummary = z.infer<typeof LedgerSummary>;
