/**
 * The resident's own reads for the H5: eligibility of a person by ID number (to enroll self and family) and
 * "my policies" with the open payment order of an unpaid enrollment.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { Eligibility, EligibilityBody, ResidentOverview } from "../../contract/product.js";
import type { PlatformContext } from "../../services/context.js";
import { checkEligibility, residentOverview } from "../../services/resident.js";
import { requireActor } from "../auth.js";
import { presentEligibility, presentResidentOverview } from "../present/resident.js";

export const residentRoutes =
  (ctx: PlatformContext, limits: { publicRateLimit: number }): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: EligibilityBody }>(
      "/programs/:program_id/eligibility",
      {
        // Rate-limited: an ID number is guessable, the roster must not be enumerable through this route.
        config: {
          roles: ["resident", "operator", "admin"],
          rateLimit: { max: Math.max(5, Math.floor(limits.publicRateLimit / 4)), timeWindow: "1 minute" },
        },
        schema: {
          tags: ["enrollment"],
          summary:
            "投保资格查询：按身份证号查是否在基本医保参保名单中（返回 psn_no 供投保、脱敏姓名、各方案保费）",
          params: request(ProgramParams),
          body: request(EligibilityBody),
          response: { 200: reply(Eligibility), ...errors(429) },
        },
      },
      async (request): Promise<Eligibility> =>
        presentEligibility(
          await checkEligibility(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.body.certno,
            request.body.promo_code,
          ),
        ),
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/me",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["policies"],
          summary: "我的保单：本人被保险的和本人作为投保人缴费的保单，未支付的附支付订单",
          params: request(ProgramParams),
          response: { 200: reply(ResidentOverview), ...errors() },
        },
      },
      async (request): Promise<ResidentOverview> =>
        presentResidentOverview(
          await residentOverview(ctx, requireActor(request), request.params.program_id),
        ),
    );
  };
