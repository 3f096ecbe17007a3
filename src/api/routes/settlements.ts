/**
 * One-stop settlement (一站式结算), the hospitals' fixed contract (issue 4): HMAC-signed by the institution,
 * one settlement record per request, answered with the adjudication the counter nets off the bill.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams, SignedHeaders } from "../../contract/common.js";
import { errors, parsedBody, reply, request } from "../../contract/json-schema.js";
import {
  ClaimView,
  RevokeBody,
  RevokeOutcome,
  SetlParams,
  SettlementRecord,
  SettlementResponse,
} from "../../contract/settlement.js";
import { getClaim, revokeClaim, settleClaim } from "../../services/claims/settle.js";
import { type PlatformContext, ServiceError } from "../../services/context.js";
import { requireActor } from "../auth.js";
import { presentRevoked } from "../present/claims.js";

/**
 * One settlement record is a few KB (a full feedetail of 500 items stays well under this): a body larger is
 * refused with 413 before it is read further, so a sender cannot make the platform parse and hash megabytes.
 */
export const SETTLEMENT_BODY_LIMIT = 64 * 1024;

export const settlementRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string } }>(
      "/programs/:program_id/settlements",
      {
        bodyLimit: SETTLEMENT_BODY_LIMIT,
        config: { roles: ["hospital"], signed: true, bodyNamesResource: () => true },
        schema: {
          tags: ["claims"],
          summary:
            "一站式结算：定点医疗机构提交一条结算记录（DESIGN.md §3 字段；其他字段不保存；请求体不超过 64 KB），返回惠民保赔付与个人剩余负担；同一 setl_id 同内容幂等，不同内容 409",
          params: request(ProgramParams),
          headers: request(SignedHeaders),
          // The record is validated by domain/settlement.ts parseSettlement (Chinese errors naming the field,
          // the amount identities), not by ajv: the schema documents it.
          ...parsedBody(SettlementRecord, "domain/settlement.ts parseSettlement"),
          response: { 200: reply(SettlementResponse), ...errors(413) },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const outcome = await settleClaim(ctx, actor, {
          programId: request.params.program_id,
          record: request.body,
          kind: "one_stop",
          payee: "hospital",
          source: "one_stop",
          institution: actor.id,
        });
        return outcome.response;
      },
    );

    app.post<{ Params: { program_id: string; setl_id: string }; Body: { reason?: string } | undefined }>(
      "/programs/:program_id/settlements/:setl_id/revoke",
      {
        config: {
          roles: ["hospital", "operator", "admin"],
          signed: true,
          // A body naming its setl_id cannot be replayed against another settlement.
          bodyNamesResource: (request) =>
            (request.body as { setl_id?: unknown } | undefined)?.setl_id ===
            (request.params as { setl_id?: string }).setl_id,
        },
        schema: {
          tags: ["claims"],
          summary:
            "结算撤销：冲回赔付与年度累计；之后可用新的 setl_id 提交更正后的记录。请求体 { reason?, setl_id? }：带上与路径一致的 setl_id，签名即绑定这笔结算",
          params: request(SetlParams),
          headers: request(SignedHeaders),
          // Checked by the handler below (Chinese errors naming the field); documented here.
          ...parsedBody(RevokeBody, "api/routes/settlements.ts (handler)"),
          response: { 200: reply(RevokeOutcome), ...errors() },
        },
      },
      async (request): Promise<RevokeOutcome> => {
        const body = request.body as unknown;
        if (body !== undefined && body !== null && (typeof body !== "object" || Array.isArray(body)))
          throw new ServiceError("invalid", "invalid_request", "请求体应为 JSON 对象或为空");
        // Only `reason` and `setl_id`: a body meant for another route (a settlement's, say) must not pass as
        // a revocation.
        const fields = (body ?? {}) as Record<string, unknown>;
        const extra = Object.keys(fields).find((k) => k !== "reason" && k !== "setl_id");
        if (extra !== undefined)
          throw new ServiceError(
            "invalid",
            "invalid_request",
            `撤销请求体只接受 reason、setl_id，不接受 ${extra}`,
            extra,
          );
        if (fields.setl_id !== undefined && fields.setl_id !== request.params.setl_id)
          throw new ServiceError("invalid", "invalid_value", "请求体中的 setl_id 与路径不一致", "setl_id");
        const reason = (body as { reason?: unknown } | null | undefined)?.reason;
        if (reason !== undefined && (typeof reason !== "string" || reason.length > 200))
          throw new ServiceError("invalid", "invalid_value", "reason 应为不超过 200 字的文字", "reason");
        return presentRevoked(
          await revokeClaim(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.setl_id,
            reason,
          ),
        );
      },
    );

    app.get<{ Params: { program_id: string; setl_id: string } }>(
      "/programs/:program_id/settlements/:setl_id",
      {
        config: { roles: ["hospital", "operator", "admin", "resident"], signed: true },
        schema: {
          tags: ["claims"],
          summary:
            "查询一笔结算：提交机构（第 2 版签名，签名串含请求方法与路径）、经办人员、参保人本人可见；含状态轨迹；每次读取留痕",
          params: request(SetlParams),
          headers: request(SignedHeaders),
          response: { 200: reply(ClaimView), ...errors() },
        },
      },
      async (request) =>
        getClaim(ctx, requireActor(request), request.params.program_id, request.params.setl_id),
    );
  };
