import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { AddInstitutionBody, InstitutionCredentials } from "../../contract/institutions.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import type { PlatformContext } from "../../services/context.js";
import { addInstitution } from "../../services/institutions.js";
import { requireActor } from "../auth.js";

export const institutionRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: AddInstitutionBody }>(
      "/programs/:program_id/institutions",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["institutions"],
          summary: "登记定点医药机构，返回一次性签名密钥（hmb institution add）",
          params: request(ProgramParams),
          body: request(AddInstitutionBody),
          response: { 201: reply(InstitutionCredentials), ...errors() },
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
