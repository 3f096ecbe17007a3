/** Residents' notifications (站内通知): their own inbox; staff read a named person's, audited. */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { NotificationList, NotificationQuery } from "../../contract/notifications.js";
import type { PlatformContext } from "../../services/context.js";
import { listNotifications, MAX_NOTIFICATIONS } from "../../services/notifications.js";
import { requireActor } from "../auth.js";

export const notificationRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{
      Params: { program_id: string };
      Querystring: { psn_no?: string; subject?: string; limit?: string };
    }>(
      "/programs/:program_id/notifications",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["notifications"],
          summary: `通知（最新在前，最多 ${MAX_NOTIFICATIONS} 条）：参保人查看本人的；经办人员须指定 psn_no（留痕）；subject 可按案件号筛选`,
          params: request(ProgramParams),
          querystring: request(NotificationQuery),
          response: { 200: reply(NotificationList), ...errors() },
        },
      },
      async (request) => {
        const q = request.query;
        return listNotifications(ctx, requireActor(request), request.params.program_id, {
          psnNo: q.psn_no,
          subject: q.subject,
          limit: q.limit === undefined ? undefined : Number(q.limit),
        });
      },
    );
  };
