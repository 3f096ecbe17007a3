/**
 * Ledger routes. Statements (one co-insurer's share of every transfer) for operator, admin and co-insurers —
 * a co-insurer only its own; aggregates without refs or persons for oversight (bureau, regulator).
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, jsonOrFileReply, reply, request } from "../../contract/json-schema.js";
import { LedgerSummary, Statement, StatementQuery } from "../../contract/ledger.js";
import type { PlatformContext } from "../../services/context.js";
import { ledgerStatementForDays, ledgerSummary, statementCsv } from "../../services/ledger.js";
import { requireActor } from "../auth.js";
import { presentLedgerSummary, presentStatement } from "../present/ledger.js";

export const ledgerRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string }; Querystring: StatementQuery }>(
      "/programs/:program_id/ledger/statement",
      {
        config: { roles: ["operator", "admin", "co_insurer"] },
        schema: {
          tags: ["ledger"],
          summary:
            "共保公司对账单：from … to 为北京时间日期，均含当日（hmb ledger statement）；共保公司只能查看本公司",
          params: request(ProgramParams),
          querystring: request(StatementQuery),
          response: {
            200: jsonOrFileReply(Statement, ["text/csv"], "对账单：JSON，或 format=csv 时为 CSV（北京时间）"),
            ...errors(),
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const statement = await ledgerStatementForDays(
          ctx,
          requireActor(request),
          request.params.program_id,
          q.insurer,
          q.from,
          q.to,
        );
        if (q.format === "csv") {
          return reply
            .header("content-type", "text/csv; charset=utf-8")
            .header(
              "content-disposition",
              `attachment; filename="statement-${request.params.program_id}-${encodeURIComponent(q.insurer)}-${q.from}-${q.to}.csv"`,
            )
            .send(statementCsv(statement));
        }
        return presentStatement(statement);
      },
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/ledger/summary",
      {
        config: { roles: ["operator", "admin", "co_insurer", "bureau", "regulator"] },
        schema: {
          tags: ["ledger"],
          summary: "分账汇总：各科目、各共保公司合计（不含个人信息）；共保公司只见本公司的科目净额",
          params: request(ProgramParams),
          response: { 200: reply(LedgerSummary), ...errors() },
        },
      },
      async (request) =>
        presentLedgerSummary(await ledgerSummary(ctx, requireActor(request), request.params.program_id)),
    );
  };
