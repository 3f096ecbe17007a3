/**
 * Renewal (续保): the resident's one-tap renewal from last year's program and their 自动续保授权 (grant,
 * revoke), and the operator's run of the renewal job (the same as `hmb program renew --id X`).
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { EnrollmentResult } from "../../contract/enrollment.js";
import { errors, NO_BODY, reply, request } from "../../contract/json-schema.js";
import { RenewalAuthorization, RenewalOffer, RenewalRun, RenewBody } from "../../contract/renewal.js";
import type { PlatformContext } from "../../services/context.js";
import {
  getRenewalAuthorization,
  grantRenewalAuthorization,
  renew,
  renewalOffer,
  renewProgram,
  revokeRenewalAuthorization,
} from "../../services/renewal.js";
import { requireActor } from "../auth.js";
import { presentEnrollment } from "../present/enrollment.js";
import { presentRenewalAuthorization, presentRenewalOffer, presentRenewalRun } from "../present/renewal.js";

type ProgramRequest = { Params: { program_id: string } };

export const renewalRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<ProgramRequest>(
      "/programs/:program_id/renewal",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["enrollment"],
          summary: "一键续保：上一年度您投保的方案和成员，本年度的保费，能否续保及原因",
          params: request(ProgramParams),
          response: { 200: reply(RenewalOffer), ...errors() },
        },
      },
      async (req): Promise<RenewalOffer> =>
        presentRenewalOffer(await renewalOffer(ctx, requireActor(req), req.params.program_id)),
    );

    app.post<ProgramRequest & { Body: RenewBody }>(
      "/programs/:program_id/renewal",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["enrollment"],
          summary: "一键续保：以上一年度的方案和成员投保本年度，按所选渠道缴费（同投保的答复）",
          params: request(ProgramParams),
          body: request(RenewBody),
          response: { 201: reply(EnrollmentResult), ...errors(422) },
        },
      },
      async (req, res) => {
        const result = await renew(ctx, requireActor(req), req.params.program_id, req.body.channel);
        return res.status(201).send(presentEnrollment(result));
      },
    );

    app.get<ProgramRequest>(
      "/programs/:program_id/renewal/authorization",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["enrollment"],
          summary: "自动续保授权：本人在本项目的授权状态（下一年度投保期开始时自动续保并从医保个人账户扣费）",
          params: request(ProgramParams),
          response: { 200: reply(RenewalAuthorization), ...errors() },
        },
      },
      async (req): Promise<RenewalAuthorization> =>
        presentRenewalAuthorization(
          await getRenewalAuthorization(ctx, requireActor(req), req.params.program_id),
        ),
    );

    app.post<ProgramRequest>(
      "/programs/:program_id/renewal/authorization",
      {
        config: { roles: ["resident"] },
        schema: {
          ...NO_BODY,
          tags: ["enrollment"],
          summary: "开通自动续保授权（须已有本项目生效保单；可随时撤销；留痕审计）",
          params: request(ProgramParams),
          response: { 200: reply(RenewalAuthorization), ...errors(422) },
        },
      },
      async (req): Promise<RenewalAuthorization> =>
        presentRenewalAuthorization(
          await grantRenewalAuthorization(ctx, requireActor(req), req.params.program_id),
        ),
    );

    app.post<ProgramRequest>(
      "/programs/:program_id/renewal/authorization/revoke",
      {
        config: { roles: ["resident"] },
        schema: {
          ...NO_BODY,
          tags: ["enrollment"],
          summary: "撤销自动续保授权（已完成的续保不受影响，可退保）",
          params: request(ProgramParams),
          response: { 200: reply(RenewalAuthorization), ...errors() },
        },
      },
      async (req): Promise<RenewalAuthorization> =>
        presentRenewalAuthorization(
          await revokeRenewalAuthorization(ctx, requireActor(req), req.params.program_id),
        ),
    );

    app.post<ProgramRequest>(
      "/programs/:program_id/renewal/run",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          ...NO_BODY,
          tags: ["enrollment"],
          summary:
            "执行自动续保（hmb program renew）：为上一年度开通授权的参保人投保本项目并预约医保个人账户扣费；可重复执行",
          params: request(ProgramParams),
          response: { 200: reply(RenewalRun), ...errors(422) },
        },
      },
      async (req): Promise<RenewalRun> =>
        presentRenewalRun(await renewProgram(ctx, requireActor(req), req.params.program_id)),
    );
  };
