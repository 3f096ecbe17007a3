/**
 * A program's IBNR reserve (issue 13 item 3): `GET /programs/{id}/reserve?as_of=yyyy-mm-dd`. Aggregates only
 * (monthly sums of paid claims), no personal data. Every figure is computed by src/actuarial/reserve.ts on the
 * triangle src/services/reserve.ts builds from the program's claims; docs/reserving.md gives the formulas.
 */
import { z } from "zod";
import { Day, Yuan } from "./common.js";

export const ReserveQuery = z.strictObject({
  as_of: Day.optional().describe("评估日（北京时间当日末，默认今天）"),
});
export type ReserveQuery = z.infer<typeof ReserveQuery>;

/** Method ids as the engine and `hmb reserve --json` name them. */
export const ReserveMethodId = z
  .enum(["chain_ladder", "bornhuetter_ferguson", "expected_loss_ratio"])
  .describe("评估方法：chain_ladder 链梯法，bornhuetter_ferguson B-F法，expected_loss_ratio 赔付率法");
export type ReserveMethodId = z.infer<typeof ReserveMethodId>;

export const ReserveSelectedMethod = z
  .enum([
    "chain_ladder",
    "bornhuetter_ferguson",
    "expected_loss_ratio",
    "minimum_10_percent_of_year_paid",
    "none",
  ])
  .describe(
    "选定方法；minimum_10_percent_of_year_paid = 经验不足 3 年时不低于当年实际赔款支出的 10%；none = 尚无赔付或数据不足以评估",
  );
export type ReserveSelectedMethod = z.infer<typeof ReserveSelectedMethod>;

const ReserveOrigin = z.object({
  origin: z.string().describe("起始期（就诊月份 yyyy-MM）"),
  paid: Yuan.describe("累计已付"),
  ultimate: Yuan.describe("最终赔款估计"),
  ibnr: Yuan.describe("IBNR（最终 − 已付）"),
  se: Yuan.nullable().describe("Mack 标准误（仅链梯法，其他方法为 null）"),
});

const ReserveMethodView = z.object({
  method: ReserveMethodId,
  method_name: z.string().describe("方法中文名"),
  origins: z.array(ReserveOrigin),
  paid: Yuan.describe("已付合计"),
  ultimate: Yuan.describe("最终赔款合计"),
  ibnr: Yuan.describe("IBNR 合计"),
  se: Yuan.nullable().describe("Mack 总标准误（仅链梯法）"),
});

export const ProgramReserveView = z.object({
  program_id: z.string(),
  as_of: z.string().describe("评估日"),
  valuation_month: z.string().nullable().describe("评估月份 yyyy-MM；尚无赔付时为 null"),
  /** null when nothing has been paid yet: no triangle, IBNR 0. */
  triangle: z
    .object({
      periodicity: z.literal("month").describe("起始期为自然月"),
      origins: z.array(z.string()).describe("起始期（就诊月份，最早在前）"),
      dev_periods: z.number().int().describe("进展期数（0 起，月）"),
      cumulative: z
        .array(z.array(Yuan))
        .describe("累计已付：行 = 起始期，列 = 进展期 0…；第 i 行只到最新对角线"),
    })
    .nullable(),
  development_factors: z
    .array(
      z.object({
        from: z.number().int().describe("进展期 k"),
        to: z.number().int().describe("进展期 k+1"),
        factor: z.string().describe("加权进展因子 f_k（小数，6 位）"),
      }),
    )
    .describe("链梯法进展因子（按已付加权）"),
  to_ultimate: z.array(z.string()).describe("每个起始期从最新进展期到最终的累计进展因子（小数，6 位）"),
  methods: z.array(ReserveMethodView).describe("参与比较的各方法"),
  selection: z.object({
    method: ReserveSelectedMethod,
    method_name: z.string().describe("选定方法中文名，如「链梯法（Mack）」"),
    ibnr: Yuan.describe("选定的 IBNR"),
    experience_years: z.string().describe("经验年数（起始期数 ÷ 12，小数 2 位）"),
    floor_applies: z.boolean().describe("经验不足 3 年，适用 10% 下限"),
    accounting_year: z.number().int().nullable().describe("会计年度"),
    year_paid: Yuan.describe("会计年度实际赔款支出"),
    floor: Yuan.describe("10% 下限金额"),
    methods_compared: z.array(ReserveMethodId).describe("参与比较的方法"),
    basis: z.string().describe("选定依据（《健康保险管理办法》第四十九条）"),
    note: z.string().nullable().describe("说明，如只用了一种方法、或数据不足无法用链梯法"),
  }),
});
export type ProgramReserveView = z.infer<typeof ProgramReserveView>;
