/**
 * Oversight dashboards (issue 5 item 3) for the 医保局, the regulator, the operator and co-insurers:
 * aggregates only, no personal data (services/oversight/summary.ts defines every figure).
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import {
  AsOfQuery,
  EnrollmentBreakdown,
  EnrollmentQuery,
  OversightSettings,
  OversightSettingsBody,
  OversightSummary,
  PayoutDistribution,
  Trends,
  TrendsQuery,
} from "../../contract/oversight.js";
import { ProgramReserveView, ReserveQuery } from "../../contract/reserve.js";
import type { PlatformContext, Role } from "../../services/context.js";
import { payoutDistribution } from "../../services/oversight/distribution.js";
import { enrollmentBreakdown } from "../../services/oversight/enrollment.js";
import { getOversightSettings, setOversightSettings } from "../../services/oversight/settings.js";
import { oversightSummary } from "../../services/oversight/summary.js";
import { oversightTrends } from "../../services/oversight/trends.js";
import { programReserve, todayOf } from "../../services/reserve.js";
import { requireActor } from "../auth.js";
import {
  presentEnrollmentBreakdown,
  presentOversightSummary,
  presentPayoutDistribution,
  presentTrends,
} from "../present/oversight.js";
import { presentProgramReserve } from "../present/reserve.js";

const READERS: readonly Role[] = ["bureau", "regulator", "operator", "admin", "co_insurer"];

export const oversightRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string }; Querystring: { as_of?: string } }>(
      "/programs/:program_id/oversight/summary",
      {
        config: { roles: READERS },
        schema: {
          tags: ["oversight"],
          summary:
            "监管汇总：参保率、保费（承保/满期）、赔款（已决/已发生）、满期赔付率及 70% 红线、全年预测与预警、受益人数、减负（截至 as_of 北京时间当日末，默认今天）",
          params: request(ProgramParams),
          querystring: request(AsOfQuery),
          response: { 200: reply(OversightSummary), ...errors() },
        },
      },
      async (request) =>
        presentOversightSummary(
          await oversightSummary(ctx, request.params.program_id, { asOf: request.query.as_of }),
        ),
    );

    app.get<{ Params: { program_id: string }; Querystring: { as_of?: string } }>(
      "/programs/:program_id/reserve",
      {
        config: { roles: READERS },
        schema: {
          tags: ["oversight"],
          summary:
            "准备金评估：按就诊月份与结算月份的已付赔款三角、进展因子、各起始期最终赔款/IBNR/Mack 标准误、各方法合计与第四十九条选定（截至 as_of 北京时间当日末，默认今天）",
          params: request(ProgramParams),
          querystring: request(ReserveQuery),
          response: { 200: reply(ProgramReserveView), ...errors() },
        },
      },
      async (request) =>
        presentProgramReserve(
          await programReserve(ctx, request.params.program_id, request.query.as_of ?? todayOf(ctx)),
        ),
    );

    app.get<{
      Params: { program_id: string };
      Querystring: { by?: string; limit?: string; offset?: string };
    }>(
      "/programs/:program_id/oversight/enrollment",
      {
        config: { roles: READERS },
        schema: {
          tags: ["oversight"],
          summary:
            "参保率：按区县（admdvs）、单位或人群，对照基本医保名单（当前状态）；分页 limit（1–1000，默认 100）/offset（单位按名单人数从多到少），合计覆盖全部",
          params: request(ProgramParams),
          querystring: request(EnrollmentQuery),
          response: { 200: reply(EnrollmentBreakdown), ...errors() },
        },
      },
      async (request) =>
        presentEnrollmentBreakdown(
          await enrollmentBreakdown(ctx, request.params.program_id, request.query.by ?? "county", {
            limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
            offset: request.query.offset === undefined ? undefined : Number(request.query.offset),
          }),
        ),
    );

    app.get<{ Params: { program_id: string }; Querystring: { from?: string; to?: string } }>(
      "/programs/:program_id/oversight/trends",
      {
        config: { roles: READERS },
        schema: {
          tags: ["oversight"],
          summary: "按 ISO 周的趋势：出单、退保、承保保费、结算、赔付、撤销（from … to 北京时间日期，均含）",
          params: request(ProgramParams),
          querystring: request(TrendsQuery),
          response: { 200: reply(Trends), ...errors() },
        },
      },
      async (request) =>
        presentTrends(
          await oversightTrends(ctx, request.params.program_id, {
            from: request.query.from,
            to: request.query.to,
          }),
        ),
    );

    app.get<{ Params: { program_id: string }; Querystring: { as_of?: string } }>(
      "/programs/:program_id/oversight/payout-distribution",
      {
        config: { roles: READERS },
        schema: {
          tags: ["oversight"],
          summary: "赔付分布：按每人累计赔付金额分档的人数与金额（截至 as_of）",
          params: request(ProgramParams),
          querystring: request(AsOfQuery),
          response: { 200: reply(PayoutDistribution), ...errors() },
        },
      },
      async (request) =>
        presentPayoutDistribution(
          await payoutDistribution(ctx, request.params.program_id, { asOf: request.query.as_of }),
        ),
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/oversight/settings",
      {
        config: { roles: READERS },
        schema: {
          tags: ["oversight"],
          summary: "监管口径设置：IBNR 比例（基点，默认 0）",
          params: request(ProgramParams),
          response: { 200: reply(OversightSettings), ...errors() },
        },
      },
      async (request) => getOversightSettings(ctx, request.params.program_id),
    );

    app.put<{ Params: { program_id: string }; Body: { ibnr_bps?: unknown } }>(
      "/programs/:program_id/oversight/settings",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["oversight"],
          summary:
            "人工设定 IBNR 比例（已发生未报告赔款 = 已决赔款 × ibnr_bps / 10000，代替准备金评估；null 取消设定）",
          params: request(ProgramParams),
          body: request(OversightSettingsBody),
          response: { 200: reply(OversightSettings), ...errors() },
        },
      },
      async (request) =>
        setOversightSettings(ctx, requireActor(request), request.params.program_id, {
          ibnrBps: request.body.ibnr_bps,
        }),
    );
  };
