/**
 * Public disclosure report (guidance clause 十四) as PDF or Excel, for the bureau, the regulator and the
 * operator (who publishes it). Same content as `hmb report disclosure`.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, fileReply, jsonOrFileReply, request } from "../../contract/json-schema.js";
import { DisclosureQuery, DISCLOSURE_XLSX_TYPE as XLSX } from "../../contract/reports.js";
import { RetrospectiveQuery, RetrospectiveView } from "../../contract/retrospective.js";
import type { PlatformContext } from "../../services/context.js";
import { disclosureReport } from "../../services/reports/disclosure.js";
import { disclosurePdf, disclosureXlsx } from "../../services/reports/render.js";
import {
  retrospectiveJson,
  retrospectivePdf,
  retrospectiveXlsx,
} from "../../services/reports/retrospective.js";
import { retrospectiveReport } from "../../services/retrospective.js";
import { requireActor } from "../auth.js";

export const reportRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string }; Querystring: { period: string; format?: "pdf" | "xlsx" } }>(
      "/programs/:program_id/reports/disclosure",
      {
        config: { roles: ["bureau", "regulator", "operator", "admin"] },
        schema: {
          tags: ["oversight"],
          summary:
            "信息披露报告（第十四条）：参保、保费、分责任赔付、满期赔付率、受益人、赔付分布、匿名大额赔付；period 为 yyyy-mm 或 yyyy",
          params: request(ProgramParams),
          querystring: request(DisclosureQuery),
          response: {
            200: fileReply(["application/pdf", XLSX], "信息披露报告：PDF（默认）或 format=xlsx 时为 Excel"),
            ...errors(),
          },
        },
      },
      async (request, reply) => {
        const { program_id: programId } = request.params;
        const report = await disclosureReport(ctx, requireActor(request), programId, request.query.period);
        const xlsx = request.query.format === "xlsx";
        const body = xlsx ? await disclosureXlsx(report) : await disclosurePdf(report);
        return reply
          .header("content-type", xlsx ? XLSX : "application/pdf")
          .header(
            "content-disposition",
            `attachment; filename="disclosure-${programId}-${report.period}.${xlsx ? "xlsx" : "pdf"}"`,
          )
          .send(body);
      },
    );

    app.get<{
      Params: { program_id: string };
      Querystring: { format?: "pdf" | "xlsx" | "json"; as_of?: string; target_loss_ratio?: string };
    }>(
      "/programs/:program_id/reports/retrospective",
      {
        // Who designs next year's product with the program's actuary (the replay's audience, issue 13).
        config: { roles: ["operator", "bureau", "regulator"] },
        schema: {
          tags: ["actuarial"],
          summary:
            "精算回溯报告（第十一条）：分费率组定价与实际、赔款进展与准备金、匿名大额赔付、下年度调整方案（逐一回放并合规检查）",
          params: request(ProgramParams),
          querystring: request(RetrospectiveQuery),
          response: {
            200: jsonOrFileReply(
              RetrospectiveView,
              ["application/pdf", XLSX],
              "精算回溯报告：PDF（默认）、format=xlsx 时为 Excel、format=json 时为 JSON",
            ),
            ...errors(),
          },
        },
      },
      async (request, reply) => {
        const { program_id: programId } = request.params;
        const { format = "pdf", as_of: asOf, target_loss_ratio: target } = request.query;
        const report = await retrospectiveReport(ctx, requireActor(request), programId, {
          asOf,
          targetLossRatio: target,
        });
        if (format === "json") return reply.send(retrospectiveJson(report));
        const xlsx = format === "xlsx";
        const body = xlsx ? await retrospectiveXlsx(report) : await retrospectivePdf(report);
        return reply
          .header("content-type", xlsx ? XLSX : "application/pdf")
          .header(
            "content-disposition",
            `attachment; filename="retrospective-${programId}-${report.asOf}.${xlsx ? "xlsx" : "pdf"}"`,
          )
          .send(body);
      },
    );
  };
