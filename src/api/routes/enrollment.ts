import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import {
  CreatePoolBody,
  DonationBody,
  DonationResult,
  EnrollBody,
  EnrollmentResult,
  PoolBalance,
  PoolCreated,
  PoolKeeper,
  PoolKeeperBody,
  PoolParams,
  PreauthBody,
  PreauthResult,
} from "../../contract/enrollment.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import { parseYuan } from "../../domain/money.js";
import { audit } from "../../services/audit.js";
import type { PlatformContext } from "../../services/context.js";
import { ServiceError } from "../../services/context.js";
import {
  assignPoolKeeper,
  createCharityPool,
  donate,
  enroll,
  getCharityPool,
  preauthorizePersonalAccount,
} from "../../services/enrollment.js";
import { requireActor } from "../auth.js";
import { presentCharityPool, presentEnrollment } from "../present/enrollment.js";

export const enrollmentRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: EnrollBody }>(
      "/programs/:program_id/enrollments",
      {
        config: { roles: ["resident", "operator", "admin", "charity"] },
        schema: {
          tags: ["enrollment"],
          summary:
            "投保：个人、家庭、单位、慈善捐购（resident 只能作为投保人为本人/家庭投保，家庭成员以身份证号 certno + 姓名 psn_name 指定；未支付订单不占名额，到 expires_at 过期）",
          params: request(ProgramParams),
          body: request(EnrollBody),
          response: { 201: reply(EnrollmentResult), ...errors(422) },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const result = await enroll(ctx, requireActor(request), {
          programId: request.params.program_id,
          kind: b.kind,
          plan: b.plan,
          psnNo: b.psn_no,
          payerPsnNo: b.payer_psn_no,
          members: b.members?.map((m) => ({
            psnNo: m.psn_no,
            certno: m.certno,
            psnName: m.psn_name,
            relation: m.relation,
          })),
          unitCode: b.unit_code,
          psnNos: b.psn_nos,
          cohort: b.cohort,
          channel: b.channel,
          promoCode: b.promo_code,
        });
        return reply.status(201).send(presentEnrollment(result));
      },
    );

    app.post<{ Params: { program_id: string }; Body: PreauthBody }>(
      "/programs/:program_id/payments/personal-account/preauth",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["payments"],
          summary: "医保个人账户预约缴费（划扣成功后其他渠道已付金额原路退回）",
          params: request(ProgramParams),
          body: request(PreauthBody),
          response: { 201: reply(PreauthResult), ...errors(422) },
        },
      },
      async (request, reply) => {
        const r = await preauthorizePersonalAccount(ctx, requireActor(request), {
          programId: request.params.program_id,
          payerPsnNo: request.body.payer_psn_no,
          psnNos: request.body.psn_nos,
        });
        return reply.status(201).send(r);
      },
    );

    app.post<{ Params: { program_id: string }; Body: CreatePoolBody }>(
      "/programs/:program_id/charity-pools",
      {
        config: { roles: ["operator", "admin", "charity"] },
        schema: {
          tags: ["charity"],
          summary: "创建慈善资金池",
          params: request(ProgramParams),
          body: request(CreatePoolBody),
          response: { 201: reply(PoolCreated), ...errors() },
        },
      },
      async (request, reply) => {
        const r = await createCharityPool(ctx, requireActor(request), {
          programId: request.params.program_id,
          poolId: request.body.pool_id,
          name: request.body.name,
          keeper: request.body.keeper,
        });
        return reply.status(201).send(r);
      },
    );

    app.put<{ Params: { program_id: string; pool_id: string }; Body: PoolKeeperBody }>(
      "/programs/:program_id/charity-pools/:pool_id/keeper",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["charity"],
          summary:
            "更换资金池的管理机构：交给本项目的一个慈善机构账号，或交回项目（keeper 为 null，公共资金池）；此后资金池的余额、捐款、资助对象及其理赔随之归新的管理机构查看",
          params: request(PoolParams),
          body: request(PoolKeeperBody),
          response: { 200: reply(PoolKeeper), ...errors() },
        },
      },
      async (request) =>
        assignPoolKeeper(ctx, requireActor(request), {
          programId: request.params.program_id,
          poolId: request.params.pool_id,
          keeper: request.body.keeper,
        }),
    );

    app.post<{
      Params: { program_id: string; pool_id: string };
      Body: DonationBody;
    }>(
      "/programs/:program_id/charity-pools/:pool_id/donations",
      {
        config: { roles: ["operator", "admin", "charity"] },
        schema: {
          tags: ["charity"],
          summary: "向资金池捐款（ref 为幂等键）",
          params: request(PoolParams),
          body: request(DonationBody),
          response: { 201: reply(DonationResult), ...errors() },
        },
      },
      async (request, reply) => {
        const parsed = parseYuan(request.body.amount);
        if (!parsed.ok || parsed.fen <= 0) {
          throw new ServiceError(
            "invalid",
            "invalid_value",
            parsed.ok ? "金额必须为正" : parsed.problem,
            "amount",
          );
        }
        const r = await donate(ctx, requireActor(request), {
          programId: request.params.program_id,
          poolId: request.params.pool_id,
          amountFen: parsed.fen,
          donor: request.body.donor,
          ref: request.body.ref,
        });
        return reply.status(201).send(r);
      },
    );

    app.get<{ Params: { program_id: string; pool_id: string } }>(
      "/programs/:program_id/charity-pools/:pool_id",
      {
        config: { roles: ["operator", "admin", "charity", "co_insurer", "regulator"] },
        schema: {
          tags: ["charity"],
          summary: "资金池余额",
          params: request(PoolParams),
          response: { 200: reply(PoolBalance), ...errors() },
        },
      },
      async (request) => {
        const r = await getCharityPool(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.params.pool_id,
        );
        await audit(
          ctx.db,
          requireActor(request),
          request.params.program_id,
          "charity_pool.read",
          request.params.pool_id,
        );
        return presentCharityPool(r);
      },
    );
  };
