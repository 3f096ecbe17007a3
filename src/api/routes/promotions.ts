/**
 * 推广渠道: promotion codes (co-insurer, agent, unit, community), the public visit beacon of the H5 landing,
 * and the funnel. A co-insurer's account sees and manages its own codes only (services/promotions.ts).
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, NO_BODY, reply, request } from "../../contract/json-schema.js";
import {
  CreatePromotionBody,
  FunnelQuery,
  PromotionFunnel,
  PromotionList,
  PromotionParams,
  PromotionStatusBody,
  PromotionView,
  PromotionVisit,
} from "../../contract/promotions.js";
import type { PlatformContext } from "../../services/context.js";
import {
  createPromotion,
  listPromotions,
  promotionChoices,
  promotionFunnel,
  recordVisit,
  setPromotionStatus,
} from "../../services/promotions.js";
import { requireActor } from "../auth.js";
import { presentFunnel, presentPromotion } from "../present/promotions.js";

const MANAGERS = ["admin", "operator", "co_insurer"] as const;

export const promotionRoutes =
  (ctx: PlatformContext, limits: { publicRateLimit: number }): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: ProgramParams; Body: CreatePromotionBody }>(
      "/programs/:program_id/promotions",
      {
        config: { roles: MANAGERS },
        schema: {
          tags: ["promotions"],
          summary: "创建推广码（共保公司、代理人、单位、社区/村）：返回推广码与落地链接，二维码即此链接",
          params: request(ProgramParams),
          body: request(CreatePromotionBody),
          response: { 201: reply(PromotionView), ...errors() },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const created = await createPromotion(ctx, requireActor(request), {
          programId: request.params.program_id,
          kind: b.kind,
          name: b.name,
          insurerCode: b.insurer_code,
          county: b.county,
        });
        return reply.status(201).send(presentPromotion(request.params.program_id, created));
      },
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/promotions",
      {
        config: { roles: [...MANAGERS, "bureau"] },
        schema: {
          tags: ["promotions"],
          summary: "推广码列表（共保公司只见本公司的）",
          params: request(ProgramParams),
          response: { 200: reply(PromotionList), ...errors() },
        },
      },
      async (request): Promise<PromotionList> => {
        const actor = requireActor(request);
        const list = await listPromotions(ctx, actor, request.params.program_id);
        const choices = await promotionChoices(ctx, actor, request.params.program_id);
        return { promotions: list.map((p) => presentPromotion(request.params.program_id, p)), ...choices };
      },
    );

    app.post<{ Params: PromotionParams; Body: PromotionStatusBody }>(
      "/programs/:program_id/promotions/:code/status",
      {
        config: { roles: MANAGERS },
        schema: {
          tags: ["promotions"],
          summary: "停用或启用推广码：停用后扫码的居民被提示重新获取，已有的统计保留",
          params: request(PromotionParams),
          body: request(PromotionStatusBody),
          response: { 200: reply(PromotionView), ...errors() },
        },
      },
      async (request): Promise<PromotionView> =>
        presentPromotion(
          request.params.program_id,
          await setPromotionStatus(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.code,
            request.body.status,
          ),
        ),
    );

    app.post<{ Params: PromotionParams }>(
      "/programs/:program_id/promotions/:code/visits",
      {
        // Public like the product sheet: the H5 landing counts a visit before anyone logs in. Rate-limited;
        // the answer names the program only.
        config: { rateLimit: { max: limits.publicRateLimit, timeWindow: "1 minute" } },
        schema: {
          tags: ["promotions"],
          summary: "居民端从推广码进入时记一次访问（公开，限流）：返回项目名称",
          ...NO_BODY,
          params: request(PromotionParams),
          response: { 200: reply(PromotionVisit), ...errors(429) },
        },
      },
      async (request): Promise<PromotionVisit> => {
        const visit = await recordVisit(ctx, request.params.program_id, request.params.code);
        return {
          program_id: visit.programId,
          program_name: visit.programName,
          promo_code: request.params.code,
        };
      },
    );

    app.get<{ Params: ProgramParams; Querystring: FunnelQuery }>(
      "/programs/:program_id/promotions/funnel",
      {
        config: { roles: [...MANAGERS, "bureau"] },
        schema: {
          tags: ["promotions"],
          summary: "推广漏斗：访问 → 资格查询 → 下单 → 缴费成功（人），按推广码、类型、区县或共保公司分组",
          params: request(ProgramParams),
          querystring: request(FunnelQuery),
          response: { 200: reply(PromotionFunnel), ...errors() },
        },
      },
      async (request): Promise<PromotionFunnel> =>
        presentFunnel(
          await promotionFunnel(ctx, requireActor(request), request.params.program_id, request.query),
        ),
    );
  };
