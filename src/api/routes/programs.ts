import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { AmendProgramBody, CreateProgramBody, ProgramView } from "../../contract/programs.js";
import { type Actor, type PlatformContext, ServiceError } from "../../services/context.js";
import {
  amendProgramProduct,
  createProgram,
  loadProgram,
  type ProgramRecord,
} from "../../services/programs.js";
import { requireActor } from "../auth.js";

export function programView(p: ProgramRecord): ProgramView {
  return {
    program_id: p.programId,
    product_id: p.productId,
    product_version: p.productVersion,
    name: p.name,
    region_code: p.regionCode,
    follows_program_id: p.followsProgramId,
    insurers: p.insurers.map((i) => ({
      code: i.code,
      name: i.name,
      share: i.shareBps / 10_000,
      share_bps: i.shareBps,
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
          productVersion: request.body.product_version,
          follows: request.body.follows_program_id,
          insurers: request.body.insurers?.map((i, n, all) => ({
            code: i.code,
            name: i.name,
            shareBps: i.share_bps,
            lead: i.lead ?? (n === 0 && !all.some((x) => x.lead === true)),
          })),
        });
        return reply.status(201).send(programView(program));
      },
    );
    app.patch<{ Params: { program_id: string }; Body: AmendProgramBody }>(
      "/programs/:program_id",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["programs"],
          summary:
            "修改项目锁定的产品版本（hmb program amend）：仅在投保开始前（投保期未到且无保单、无订单）；之后 409（金办便函〔2025〕745号：已签合同的赔付条款年度内不变）。留审计记录",
          params: request(ProgramParams),
          body: request(AmendProgramBody),
          response: { 200: reply(ProgramView), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        assertPlatformWide(actor);
        const b = request.body;
        const ref =
          b.product_version === undefined || b.product_id.includes("@")
            ? b.product_id
            : `${b.product_id}@${b.product_version}`;
        return programView(await amendProgramProduct(ctx, actor, request.params.program_id, ref));
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
            "civil_affairs",
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
