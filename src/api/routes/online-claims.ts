/**
 * Online claims (线上理赔, issue 4 item 2): the bureau's feed of settlement records, the resident's consent
 * to their use, the claimable list, the claim itself and the status trail.
 */
import type { FastifyPluginAsync } from "fastify";
import {
  CONSENT_SCOPES,
  type ConsentScope,
  grantConsent,
  listConsents,
  MAX_CONSENT_DAYS,
  revokeConsent,
} from "../../services/claims/consent.js";
import {
  claimableRecords,
  claimTrail,
  ingestBureauRecords,
  MAX_CLAIM_IDS,
  MAX_FEED_RECORDS,
  submitOnlineClaims,
} from "../../services/claims/online.js";
import type { PlatformContext } from "../../services/context.js";
import { requireActor } from "../auth.js";
import { errorResponses, programParams } from "./schemas.js";

const day = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" } as const;
/** Identifiers reach SQL as text: NUL is refused here rather than by PostgreSQL (a 500). */
const NO_NUL = "^[^\\u0000]+$";
const setlId = { type: "string", minLength: 1, maxLength: 64, pattern: NO_NUL } as const;
const psnQuery = {
  type: "object",
  additionalProperties: false,
  properties: { psn_no: { type: "string", minLength: 1, maxLength: 40, pattern: NO_NUL } },
} as const;

export const onlineClaimRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: { records: unknown[] } }>(
      "/programs/:program_id/medical-records",
      {
        // Each record stands alone: one with a NUL is refused by its index, the others are stored.
        config: { roles: ["bureau", "admin"], checksOwnText: true },
        schema: {
          tags: ["claims"],
          summary: `医保局共享结算记录（DESIGN.md §3 字段，每次 1–${MAX_FEED_RECORDS} 条）：逐条校验，无效记录按序号与字段报告且不保存；certno 须与名单一致；同 setl_id 不同内容报冲突`,
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["records"],
            properties: { records: { type: "array", minItems: 1, maxItems: MAX_FEED_RECORDS } },
          },
          response: errorResponses,
        },
      },
      async (request) =>
        ingestBureauRecords(ctx, requireActor(request), request.params.program_id, request.body.records),
    );

    app.post<{
      Params: { program_id: string };
      Body: { scope: ConsentScope; from: string; to: string; days_valid: number };
    }>(
      "/programs/:program_id/consents",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: `参保人授权平台使用本人结算记录（最小必要）：仅限 from…to（北京时间，含当日）结算的记录，有效 1–${MAX_CONSENT_DAYS} 天，可撤回`,
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["scope", "from", "to", "days_valid"],
            properties: {
              scope: { type: "string", enum: [...CONSENT_SCOPES] },
              from: day,
              to: day,
              days_valid: { type: "integer", minimum: 1, maximum: MAX_CONSENT_DAYS },
            },
          },
          response: errorResponses,
        },
      },
      async (request, reply) => {
        const b = request.body;
        const consent = await grantConsent(ctx, requireActor(request), request.params.program_id, {
          scope: b.scope,
          from: b.from,
          to: b.to,
          daysValid: b.days_valid,
        });
        return reply.status(201).send(consent);
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: { psn_no?: string } }>(
      "/programs/:program_id/consents",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["claims"],
          summary: "授权记录：参保人查看本人的；经办人员按 psn_no 查询（留痕）",
          params: programParams,
          querystring: psnQuery,
          response: errorResponses,
        },
      },
      async (request) =>
        listConsents(ctx, requireActor(request), request.params.program_id, request.query.psn_no),
    );

    app.post<{ Params: { program_id: string; consent_id: string } }>(
      "/programs/:program_id/consents/:consent_id/revoke",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: "撤回授权：立即失效，已完成的理赔不受影响；重复撤回返回首次撤回结果",
          params: {
            type: "object",
            properties: {
              program_id: programParams.properties.program_id,
              consent_id: { type: "string", minLength: 1, maxLength: 64, pattern: NO_NUL },
            },
            required: ["program_id", "consent_id"],
          },
          response: errorResponses,
        },
      },
      async (request) =>
        revokeConsent(ctx, requireActor(request), request.params.program_id, request.params.consent_id),
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/online-claims/claimable",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: "可申请线上理赔的本人结算记录（授权范围内、尚未理算）；无有效授权时 403 consent_required",
          params: programParams,
          response: errorResponses,
        },
      },
      async (request) => claimableRecords(ctx, requireActor(request), request.params.program_id),
    );

    app.post<{ Params: { program_id: string }; Body: { setl_ids: string[] } }>(
      "/programs/:program_id/online-claims",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: `线上理赔申请：选择 1–${MAX_CLAIM_IDS} 条本人已授权、未理算的结算记录，逐条理算，赔款付给参保人；已线上理算的记录返回原结果（replay）`,
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["setl_ids"],
            properties: { setl_ids: { type: "array", minItems: 1, maxItems: MAX_CLAIM_IDS, items: setlId } },
          },
          response: errorResponses,
        },
      },
      async (request) =>
        submitOnlineClaims(ctx, requireActor(request), request.params.program_id, request.body.setl_ids),
    );

    app.get<{ Params: { program_id: string }; Querystring: { psn_no?: string } }>(
      "/programs/:program_id/online-claims",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["claims"],
          summary: "理赔进度：本人各渠道理赔及其状态轨迹；经办人员按 psn_no 查询（留痕）",
          params: programParams,
          querystring: psnQuery,
          response: errorResponses,
        },
      },
      async (request) =>
        claimTrail(ctx, requireActor(request), request.params.program_id, request.query.psn_no),
    );
  };
