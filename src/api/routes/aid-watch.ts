/**
 * The catastrophic-cost watch (因病致贫监测) and the charity disclosure (慈善信息披露), issue 15 items 4–5.
 * Thin: services/aid/watch.ts and services/reports/charity.ts do the work, mask and audit; this file parses
 * once and words the answer (yuan strings, reasons in Chinese).
 */
import type { FastifyPluginAsync } from "fastify";
import {
  CharityReportQuery,
  CharityReportView,
  HouseholdImportResult,
  WatchList,
  WatchListQuery,
  WatchSettingsBody,
  WatchSettingsView,
  WatchSummary,
} from "../../contract/aid-watch.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, fileBody, jsonOrFileReply, reply, request } from "../../contract/json-schema.js";
import { DISCLOSURE_XLSX_TYPE as XLSX } from "../../contract/reports.js";
import {
  catastrophicList,
  catastrophicSummary,
  importHouseholdIncomes,
  settingsFromWire,
  setWatchSettings,
  WATCH_LIST_READERS,
  WATCH_WRITERS,
  watchSettings,
} from "../../services/aid/watch.js";
import { type PlatformContext, ServiceError } from "../../services/context.js";
import { watchListWire, watchSettingsWire, watchSummaryWire } from "../../services/reports/catastrophic.js";
import { charityJson, charityPdf, charityReport, charityXlsx } from "../../services/reports/charity.js";
import { requireActor } from "../auth.js";

const HOUSEHOLD_BODY_LIMIT = 10 * 1024 * 1024;

export const aidWatchRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser(
      ["text/csv", "text/plain"],
      { parseAs: "string", bodyLimit: HOUSEHOLD_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/aid-watch/settings",
      {
        config: { roles: ["bureau", "operator", "admin", "regulator"] },
        schema: {
          tags: ["aid"],
          summary: "因病致贫监测参数：低保标准、人均可支配收入、地方线倍数、各人群参考收入（未设置时为 404）",
          params: request(ProgramParams),
          response: { 200: reply(WatchSettingsView), ...errors() },
        },
      },
      async (request): Promise<WatchSettingsView> => {
        requireActor(request);
        const found = await watchSettings(ctx, request.params.program_id);
        if (found === null)
          throw new ServiceError("not_found", "not_found", "尚未设置因病致贫监测参数", "settings");
        return watchSettingsWire(found.settings, found.updatedAt);
      },
    );

    app.put<{ Params: ProgramParams; Body: WatchSettingsBody }>(
      "/programs/:program_id/aid-watch/settings",
      {
        config: { roles: [...WATCH_WRITERS] },
        schema: {
          tags: ["aid"],
          summary: "设置因病致贫监测参数（金额为元；留痕）",
          params: request(ProgramParams),
          body: request(WatchSettingsBody),
          response: { 200: reply(WatchSettingsView), ...errors() },
        },
      },
      async (request): Promise<WatchSettingsView> => {
        const parsed = WatchSettingsBody.safeParse(request.body);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join(".") || "body";
          throw new ServiceError(
            "invalid",
            "invalid_value",
            `${field}：${issue?.message ?? "取值无效"}`,
            field,
          );
        }
        const settings = settingsFromWire(parsed.data);
        const at = await setWatchSettings(ctx, requireActor(request), request.params.program_id, settings);
        return watchSettingsWire(settings, at);
      },
    );

    app.post<{ Params: ProgramParams }>(
      "/programs/:program_id/aid-watch/household-incomes",
      {
        bodyLimit: HOUSEHOLD_BODY_LIMIT,
        config: { roles: [...WATCH_WRITERS] },
        schema: {
          tags: ["aid"],
          summary:
            "上传医保局报送的家庭收入（CSV：psn_no,household_id,income,household_size；收入为元/年）：整份替换，任一行有误则不导入并指明行与列",
          params: request(ProgramParams),
          ...fileBody(
            ["text/csv"],
            "家庭收入 CSV",
            "services/aid/watch.ts parseHouseholdCsv（逐行校验，错误指明行与列）",
          ),
          response: { 200: reply(HouseholdImportResult), ...errors(413, 415) },
        },
      },
      async (request): Promise<HouseholdImportResult> => {
        const body = request.body as unknown;
        if (typeof body !== "string" || body === "")
          throw new ServiceError("invalid", "invalid_request", "请求体应为家庭收入 CSV 文本", "body");
        return importHouseholdIncomes(ctx, requireActor(request), request.params.program_id, body);
      },
    );

    app.get<{ Params: ProgramParams; Querystring: WatchListQuery }>(
      "/programs/:program_id/aid-watch/persons",
      {
        config: { roles: [...WATCH_LIST_READERS] },
        schema: {
          tags: ["aid"],
          summary:
            "因病致贫监测名单（姓名与人员编号脱敏）：各层报销与救助后的年度自付、支付能力、提示原因与仍可使用的救助项目；记入审计",
          params: request(ProgramParams),
          querystring: request(WatchListQuery),
          response: { 200: reply(WatchList), ...errors() },
        },
      },
      async (request): Promise<WatchList> => {
        const q = request.query;
        return watchListWire(
          await catastrophicList(ctx, requireActor(request), request.params.program_id, {
            flag: q.flag ?? "any",
            county: q.county,
            cohort: q.cohort,
          }),
        );
      },
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/aid-watch/summary",
      {
        config: { roles: ["regulator", "bureau", "civil_affairs", "operator", "admin"] },
        schema: {
          tags: ["aid"],
          summary: "因病致贫监测汇总：按区县、按人群的监测人数与提示人数（不含任何个人）",
          params: request(ProgramParams),
          response: { 200: reply(WatchSummary), ...errors() },
        },
      },
      async (request): Promise<WatchSummary> => {
        return watchSummaryWire(
          await catastrophicSummary(ctx, requireActor(request), request.params.program_id),
        );
      },
    );

    app.get<{
      Params: ProgramParams;
      Querystring: { fund: string; quarter?: string; format?: "pdf" | "xlsx" | "json" };
    }>(
      "/programs/:program_id/reports/charity",
      {
        config: { roles: ["charity", "operator", "admin", "bureau", "regulator"] },
        schema: {
          tags: ["charity"],
          summary:
            "慈善信息披露（季度，按资金）：收入（按捐赠方，匿名合并）、支出（按项目、按人群，受助人匿名）、余额、受助人数、平均负担减轻",
          params: request(ProgramParams),
          querystring: request(CharityReportQuery),
          response: {
            200: jsonOrFileReply(
              CharityReportView,
              ["application/pdf", XLSX],
              "慈善信息披露：PDF（默认）、format=xlsx 时为 Excel、format=json 时为 JSON",
            ),
            ...errors(),
          },
        },
      },
      async (request, reply) => {
        const { program_id: programId } = request.params;
        const { fund, quarter, format = "pdf" } = request.query;
        const report = await charityReport(ctx, requireActor(request), programId, fund, quarter);
        if (format === "json") return reply.send(charityJson(report));
        const xlsx = format === "xlsx";
        const body = xlsx ? await charityXlsx(report) : await charityPdf(report);
        return reply
          .header("content-type", xlsx ? XLSX : "application/pdf")
          .header(
            "content-disposition",
            `attachment; filename="charity-${programId}-${fund}-${report.quarter}.${xlsx ? "xlsx" : "pdf"}"`,
          )
          .send(body);
      },
    );
  };
