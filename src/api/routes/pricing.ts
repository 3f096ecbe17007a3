/**
 * POST /programs/{id}/pricing (issue 13 item 4): the program's experience priced by rate group under a design,
 * for the operator, the 医保局 and the regulator. Aggregates only (services/pricing.ts defines every figure;
 * docs/pricing.md); nothing is written.
 */
import type { FastifyPluginAsync } from "fastify";
import { pricingWire } from "../../actuarial/price.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { PricingBody, PricingView } from "../../contract/pricing.js";
import type { PlatformContext, Role } from "../../services/context.js";
import { priceProgram } from "../../services/pricing.js";
import { requireActor } from "../auth.js";

const PRICERS: readonly Role[] = ["operator", "bureau", "regulator"];

export const pricingRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: PricingBody }>(
      "/programs/:program_id/pricing",
      {
        config: { roles: PRICERS },
        schema: {
          tags: ["actuarial"],
          summary:
            "费率表：本项目的经验按候选设计重算，按年龄段、性别、既往症分组求出险率、件均赔付、纯保费，Bühlmann–Straub 可信度加权，计趋势和 IBNR，按目标赔付率定各组保费（产品文件的 premium.variants 格式）",
          params: request(ProgramParams),
          body: request(PricingBody),
          response: { 200: reply(PricingView), ...errors() },
        },
      },
      async (req): Promise<PricingView> => {
        requireActor(req);
        const result = await priceProgram(ctx, req.params.program_id, req.body);
        return { program_id: req.params.program_id, ...pricingWire(result) };
      },
    );
  };
