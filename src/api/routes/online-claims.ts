/**
 * Online claims (线上理赔, issue 4 item 2): the bureau's feed of settlement records, the resident's consent
 * to their use, the claimable list, the claim itself and the status trail.
 */
import type { FastifyPluginAsync } from "fastify";
import {
  ClaimableList,
  ClaimTrail,
  ConsentList,
  ConsentParams,
  ConsentView,
  consentBody,
  FeedOutcome,
  feedBody,
  feedBodyDoc,
  OnlineClaimResults,
  onlineClaimBody,
  PsnQuery,
} from "../../contract/claims.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, NO_BODY, parsedBody, reply, request } from "../../contract/json-schema.js";
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
import { presentClaimable } from "../present/claims.js";

// The bureau's feed: ajv checks the envelope (1–MAX_FEED_RECORDS records); each record is checked by
// domain/settlement.ts parseSettlement, so that one bad record is reported by index and the others stored.
const FeedBody = feedBody(MAX_FEED_RECORDS);
const FeedBodyDoc = feedBodyDoc(MAX_FEED_RECORDS);
const ConsentBody = consentBody(CONSENT_SCOPES, MAX_CONSENT_DAYS);
const OnlineClaimBody = onlineClaimBody(MAX_CLAIM_IDS);

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
          params: request(ProgramParams),
          body: request(FeedBody),
          ...parsedBody(FeedBodyDoc, "domain/settlement.ts parseSettlement (each record)"),
          response: { 200: reply(FeedOutcome), ...errors() },
        },
      },
      async (request): Promise<FeedOutcome> =>
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
          params: request(ProgramParams),
          body: request(ConsentBody),
          response: { 201: reply(ConsentView), ...errors() },
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
          params: request(ProgramParams),
          querystring: request(PsnQuery),
          response: { 200: reply(ConsentList), ...errors() },
        },
      },
      async (request): Promise<ConsentList> =>
        listConsents(ctx, requireActor(request), request.params.program_id, request.query.psn_no),
    );

    app.post<{ Params: { program_id: string; consent_id: string } }>(
      "/programs/:program_id/consents/:consent_id/revoke",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: "撤回授权：立即失效，已完成的理赔不受影响；重复撤回返回首次撤回结果",
          ...NO_BODY,
          params: request(ConsentParams),
          response: { 200: reply(ConsentView), ...errors() },
        },
      },
      async (request): Promise<ConsentView> =>
        revokeConsent(ctx, requireActor(request), request.params.program_id, request.params.consent_id),
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/online-claims/claimable",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: "可申请线上理赔的本人结算记录（授权范围内、尚未理算）；无有效授权时 403 consent_required",
          params: request(ProgramParams),
          response: { 200: reply(ClaimableList), ...errors() },
        },
      },
      async (request): Promise<ClaimableList> =>
        presentClaimable(await claimableRecords(ctx, requireActor(request), request.params.program_id)),
    );

    app.post<{ Params: { program_id: string }; Body: { setl_ids: string[] } }>(
      "/programs/:program_id/online-claims",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["claims"],
          summary: `线上理赔申请：选择 1–${MAX_CLAIM_IDS} 条本人已授权、未理算的结算记录，逐条理算，赔款付给参保人；已线上理算的记录返回原结果（replay）`,
          params: request(ProgramParams),
          body: request(OnlineClaimBody),
          response: { 200: reply(OnlineClaimResults), ...errors() },
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
          params: request(ProgramParams),
          querystring: request(PsnQuery),
          response: { 200: reply(ClaimTrail), ...errors() },
        },
      },
      async (request) =>
        claimTrail(ctx, requireActor(request), request.params.program_id, request.query.psn_no),
    );
  };
