/**
 * `hmb aid match --program ID [--date yyyy-MM-dd]`: the nightly sweep of aid matching (services/aid/match.ts).
 * Every live claim settled up to the end of the day (default: now) is matched again: automatic aid a crash left
 * unpaid is paid (each exactly once), queued shortfalls are paid from topped-up funds, application programs get
 * their pre-filled applications, and every claim's layered burden is stored. Running it twice changes nothing.
 */
import type { Command } from "commander";
import { statementPeriod } from "../domain/ledger.js";
import { formatYuan } from "../domain/money.js";
import { CLI_ACTOR, ServiceError } from "../services/context.js";
import { withPlatform } from "./platform-commands.js";

const out = (text: string) => process.stdout.write(`${text}\n`);

export function registerAidMatchCommand(aid: Command): void {
  aid
    .command("match")
    .requiredOption("--program <id>", "惠民保项目编号")
    .option("--date <yyyy-MM-dd>", "匹配截至该日（北京时间，含当日）结算的记录；默认截至现在")
    .option("--json", "输出 JSON")
    .description(
      "救助匹配（年初至今）：补付自动救助、支付排队的救助、生成预填的救助申请、保存分层负担；可重复运行",
    )
    .action(async (opts: { program: string; date?: string; json?: boolean }) =>
      withPlatform(async (ctx) => {
        let until: Date | undefined;
        if (opts.date !== undefined) {
          const day = statementPeriod(opts.date, opts.date);
          if (!day.ok)
            throw new ServiceError(
              "invalid",
              "invalid_value",
              `--date 应为 yyyy-MM-dd 日期，收到 ${opts.date}`,
              "date",
            );
          until = day.end;
        }
        const { matchYearToDate } = await import("../services/aid/match.js");
        const s = await matchYearToDate(ctx, CLI_ACTOR, opts.program, until);
        if (opts.json === true) {
          // Counts only: the CLI's output is no place for a list of persons.
          const { personsPaid, personsProposed, ...rest } = s;
          out(
            JSON.stringify(
              { ...rest, personsPaid: personsPaid.length, personsProposed: personsProposed.length },
              null,
              2,
            ),
          );
          return;
        }
        out(`已匹配 ${s.claims} 笔结算：`);
        out(`  自动救助新支付 ${s.paid} 笔，合计 ${formatYuan(s.paidFen)} 元（${s.personsPaid.length} 人）`);
        out(
          `  额度不足排队 ${formatYuan(s.queuedFen)} 元；排队救助本次支付 ${formatYuan(s.queuePaidFen)} 元`,
        );
        out(
          `  新生成救助申请 ${s.proposed} 件，建议金额合计 ${formatYuan(s.proposedFen)} 元（${s.personsProposed.length} 人）`,
        );
      }),
    );
}
