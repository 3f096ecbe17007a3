import type { FastifyPluginAsync } from "fastify";
import type { PlatformContext } from "../../services/context.js";
import { addInstitution } from "../../services/institutions.js";
import { requireActor } from "../auth.js";
import { errorResponses, programParams } from "./schemas.js";

export const institutionRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: { fixmedins_code: string; name: string } }>(
      "/programs/:program_id/institutions",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["institutions"],
          summary: "登记定点医药机构，返回一次性签名密钥（hmb institution add）",
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["fixmedins_code", "name"],
            properties: {
              fixmedins_code: { type: "string", maxLength: 32 },
              name: { type: "string", maxLength: 128 },
            },
          },
          response: errorResponses,
        },
      },
      async (request, reply) => {
        const result = await addInstitution(ctx, requireActor(request), {
          programId: request.params.program_id,
          code: request.body.fixmedins_code,
          name: request.body.name,
        });
        return reply.status(201).send({ fixmedins_code: result.code, secret: result.secret });
      },
    );
  };
