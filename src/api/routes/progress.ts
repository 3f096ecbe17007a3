/** Progress of a long action the same account started (imports): see api/progress.ts. */
import type { FastifyPluginAsync } from "fastify";
import { errors, reply, request } from "../../contract/json-schema.js";
import { ActionProgress, ProgressParams } from "../../contract/progress.js";
import { requireActor } from "../auth.js";
import type { ProgressBoard } from "../progress.js";

const PENDING: ActionProgress = {
  action: null,
  phase: "pending",
  read: 0,
  rejected: 0,
  total: null,
  started_at: null,
  updated_at: null,
};

export const progressRoutes =
  (board: ProgressBoard): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: ProgressParams }>(
      "/programs/:program_id/progress/:ref",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["roster"],
          summary:
            "长时间操作的进度（名单导入、单位投保名单）：已处理行数、被拒行数、总行数与阶段；只有发起的账号可以查看，完成后保留 10 分钟；未知的查询号答 pending（文件可能仍在接收）",
          params: request(ProgressParams),
          response: { 200: reply(ActionProgress), ...errors() },
        },
      },
      // Unknown is not an error: the page starts polling once the file is sent, which can be before the
      // server has read the whole body and started the import.
      async (request): Promise<ActionProgress> =>
        board.read(request.params.program_id, request.params.ref, requireActor(request)) ?? PENDING,
    );
  };
