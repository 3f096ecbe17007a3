/**
 * Ledger routes. Statements (one co-insurer's share of every transfer) for operator, admin and co-insurers —
 * a co-insurer only its own; aggregates without refs or persons for oversight (bureau, regulator).
 */
import type { FastifyPluginAsync } from "fastify";
import type { PlatformContext } from "../../services/context.js";
import { ledgerStatementForDays, ledgerSummary, statementCsv } from "../../services/ledger.js";
import { requireActor } from "../auth.js";
import { errorResponses, programParams } from "./schemas.js";

interface StatementQuery {
  insurer: string;
  from: string;
  to: string;
  format?: "csv" | "json";
}

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
          params: programParams,
          querystring: {
            type: "object",
            additionalProperties: false,
            required: ["insurer", "from", "to"],
            properties: {
              insurer: { type: "string", minLength: 1, maxLength: 64 },
              from: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
              to: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
              format: { type: "string", enum: ["csv", "json"], default: "json" },
            },
          },
          response: errorResponses,
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
        return statement;
      },
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/ledger/summary",
      {
        config: { roles: ["operator", "admin", "co_insurer", "bureau", "regulator"] },
        schema: {
          tags: ["ledger"],
          summary: "分账汇总：各科目、各共保公司合计（不含个人信息）",
          params: programParams,
          response: errorResponses,
        },
      },
      async (request) => ledgerSummary(ctx, requireActor(request), request.params.program_id),
    );
  };
