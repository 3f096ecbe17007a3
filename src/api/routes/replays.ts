/**
 * POST /programs/{id}/replays (issue 13 item 1): the program's stored claims replayed under candidate designs,
 * for the operator, the 医保局 and the regulator. Aggregates only (services/replay.ts defines every figure);
 * nothing is written.
 */
import type { FastifyPluginAsync } from "fastify";
import { replayWire } from "../../actuarial/replay.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { ReplayBody, ReplayView } from "../../contract/replay.js";
import type { PlatformContext, Role } from "../../services/context.js";
import { replayProgram } from "../../services/replay.js";
import { requireActor } from "../auth.js";

const REPLAYERS: readonly Role[] = ["operator", "bureau", "regulator"];

export const replayRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: ReplayBody }>(
      "/programs/:program_id/replays",
      {
        config: { roles: REPLAYERS },
        schema: {
          tags: ["actuarial"],
          summary:
            "精算回放：本项目已存的结算记录按候选设计（产品库编号或产品文件 + 方案）逐一重算，参保人按各方案计保费；并列给出赔付、赔付率、减负率、赔付分布和合规检查",
          params: request(ProgramParams),
          body: request(ReplayBody),
          response: { 200: reply(ReplayView), ...errors() },
        },
      },
      async (req): Promise<ReplayView> => {
        requireActor(req);
        const { insured, designs } = await replayProgram(ctx, req.params.program_id, req.body.designs);
        return { program_id: req.params.program_id, insured, designs: designs.map(replayWire) };
      },
    );
  };
