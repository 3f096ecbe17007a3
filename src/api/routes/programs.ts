import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { CreateProgramBody, ProgramView } from "../../contract/programs.js";
import { type Actor, type PlatformContext, ServiceError } from "../../services/context.js";
import { createProgram, loadProgram, type ProgramRecord } from "../../services/programs.js";
import { requireActor } from "../auth.js";

export function programView(p: ProgramRecord): ProgramView {
  return {
    program_id: p.programId,
    product_id: p.productId,
    product_version: p.productVersion,
    name: p.name,
    region_code: p.regionCode,
    insurers: p.insurers.map((i) => ({
      code: i.code,
      name: i.name,
      share: i.shareBps / 10_000,
      lead: i.lead,
    })),
  };
}

function assertPlatformWide(actor: Actor): void {
  if (actor.programId !== "*") throw new ServiceError("forbidden", "forbidden", "只有平台管理员可以创建项目");
}

export const programRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Body: CreateProgramBody }>(
      "/programs",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["programs"],
          summary: "创建项目（hmb program create）",
          body: request(CreateProgramBody),
          response: { 201: reply(ProgramView), ...errors() },
        },
      },
      async (request, reply) => {
        const actor = requireActor(request);
        assertPlatformWide(actor);
        const program = await createProgram(ctx, actor, {
          programId: request.body.program_id,
          productId: request.body.product_id,
        });
        return reply.status(201).send(programView(program));
      },
    );
    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id",
      {
        config: {
          roles: [
            "admin",
            "operator",
            "co_insurer",
            "bureau",
            "regulator",
            "charity",
            "resident",
            "hospital",
          ],
        },
        schema: {
          tags: ["programs"],
          summary: "项目信息：产品、版本、地区与共保体",
          params: request(ProgramParams),
          response: { 200: reply(ProgramView), ...errors() },
        },
      },
      async (request) => programView(await loadProgram(ctx, request.params.program_id)),
    );
  };
