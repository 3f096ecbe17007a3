/**
 * Special-drug claims (特药): a designated pharmacy, HMAC-signed like the one-stop contract, sends the
 * dispensing's settlement record (med_type 41, feedetail) with the prescription behind it; the answer is the
 * same adjudication one-stop settlement gives, plus rx_no.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams, SignedHeaders } from "../../contract/common.js";
import { errors, parsedBody, reply, request } from "../../contract/json-schema.js";
import { SpecialDrugClaimBody, SpecialDrugResponse } from "../../contract/settlement.js";
import { settleSpecialDrugClaim } from "../../services/claims/special-drugs.js";
import type { PlatformContext } from "../../services/context.js";
import { requireActor } from "../auth.js";
import { SETTLEMENT_BODY_LIMIT } from "./settlements.js";

export const specialDrugRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string } }>(
      "/programs/:program_id/special-drug-claims",
      {
        // One record and its prescription: the settlement route's limit.
        bodyLimit: SETTLEMENT_BODY_LIMIT,
        config: { roles: ["hospital"], signed: true },
        schema: {
          tags: ["claims"],
          summary:
            "特药理赔：指定药店提交购药结算记录（med_type 41，feedetail 列明药品）及处方 { rx_no, prescriber_fixmedins_code, diagnosis_code, issued_at, drugs }；校验目录、指定机构、处方、适应症与处方时效，不符 422（code 为规则，field 为字段）；同一 setl_id 同内容幂等",
          params: request(ProgramParams),
          headers: request(SignedHeaders),
          // The record is validated by domain/settlement.ts parseSettlement, the prescription by
          // engine/special-drugs.ts parsePrescription (Chinese errors naming the field): documented, not ajv's.
          ...parsedBody(
            SpecialDrugClaimBody,
            "domain/settlement.ts parseSettlement, engine/special-drugs.ts parsePrescription",
          ),
          response: { 200: reply(SpecialDrugResponse), ...errors(413, 422) },
        },
      },
      async (request) =>
        settleSpecialDrugClaim(ctx, requireActor(request), request.params.program_id, request.body),
    );
  };
