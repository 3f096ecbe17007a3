/**
 * Public disclosure report (guidance clause 十四) as PDF or Excel, for the bureau, the regulator and the
 * operator (who publishes it). Same content as `hmb report disclosure`.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, fileReply, request } from "../../contract/json-schema.js";
import { DisclosureQuery, DISCLOSURE_XLSX_TYPE as XLSX } from "../../contract/reports.js";
import type { PlatformContext } from "../../services/context.js";
import { disclosureReport } from "../../services/reports/disclosure.js";
import { disclosurePdf, disclosureXlsx } from "../../services/reports/render.js";
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
  };
