/**
 * GET /programs/{id}/anti-selection (issue 13 item 6): the anti-selection monitor over the program and the
 * programs it follows, for the operator, the 医保局 and the regulator. Aggregates only
 * (services/anti-selection.ts gathers, actuarial/anti-selection.ts computes); nothing is written.
 */
import type { FastifyPluginAsync } from "fastify";
import { antiSelectionWire } from "../../actuarial/anti-selection.js";
import { AntiSelectionView } from "../../contract/anti-selection.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { antiSelection } from "../../services/anti-selection.js";
import type { PlatformContext, Role } from "../../services/context.js";
import { requireActor } from "../auth.js";

const READERS: readonly Role[] = ["operator", "bureau", "regulator"];

export const antiSelectionRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/anti-selection",
      {
        config: { roles: READERS },
        schema: {
          tags: ["actuarial"],
          summary:
            "逆选择监测：本项目及其接续的往年项目逐年的参保率、按健康状况和年龄段的续保率、60岁以上与带病人群的赔付占比与保费占比、三年连续参保率，以及逆选择与“死亡螺旋”预警（仅汇总数据）",
          params: request(ProgramParams),
          response: { 200: reply(AntiSelectionView), ...errors() },
        },
      },
      async (req): Promise<AntiSelectionView> => {
        requireActor(req);
        const report = await antiSelection(ctx, req.params.program_id);
        return antiSelectionWire(req.params.program_id, report);
      },
    );
  };
