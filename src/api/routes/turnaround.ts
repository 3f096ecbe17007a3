/**
 * 理赔时效 (claim turnaround): the program's figures per channel, institution and month for the operator,
 * the 医保局, the regulator and co-insurers (aggregates only), and one person's claims as a timeline for the
 * resident (staff name the person). services/claims/turnaround.ts defines every figure.
 */
import type { FastifyPluginAsync } from "fastify";
import { PsnQuery } from "../../contract/claims.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { ClaimTimeline, TurnaroundQuery, TurnaroundReport } from "../../contract/turnaround.js";
import { claimTimeline, claimTurnaround } from "../../services/claims/turnaround.js";
import type { PlatformContext, Role } from "../../services/context.js";
import { requireActor } from "../auth.js";

const READERS: readonly Role[] = ["operator", "admin", "bureau", "regulator", "co_insurer"];

export const turnaroundRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string }; Querystring: TurnaroundQuery }>(
      "/programs/:program_id/claims/turnaround",
      {
        config: { roles: READERS },
        schema: {
          tags: ["claims"],
          summary:
            "理赔时效：按渠道、定点机构、提交月份，提交 → 审核、提交 → 赔付的当日 / 3 天内 / 10 天内占比与用时中位数（提交日期 from … to，北京时间，均含；仅汇总数据，读取留痕）",
          params: request(ProgramParams),
          querystring: request(TurnaroundQuery),
          response: { 200: reply(TurnaroundReport), ...errors() },
        },
      },
      async (request): Promise<TurnaroundReport> =>
        claimTurnaround(ctx, requireActor(request), request.params.program_id, {
          from: request.query.from,
          to: request.query.to,
        }),
    );

    app.get<{ Params: { program_id: string }; Querystring: { psn_no?: string } }>(
      "/programs/:program_id/claims/timeline",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["claims"],
          summary:
            "理赔进度时间线：本人各渠道理赔的提交、审核、赔付时间与当前进度；经办人员按 psn_no 查询（留痕）",
          params: request(ProgramParams),
          querystring: request(PsnQuery),
          response: { 200: reply(ClaimTimeline), ...errors() },
        },
      },
      async (request): Promise<ClaimTimeline> =>
        claimTimeline(ctx, requireActor(request), request.params.program_id, request.query.psn_no),
    );
  };
