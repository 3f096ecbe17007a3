import type { FastifyPluginAsync } from "fastify";
import { parseYuan } from "../../domain/money.js";
import { audit } from "../../services/audit.js";
import type { PlatformContext } from "../../services/context.js";
import { ServiceError } from "../../services/context.js";
import {
  createCharityPool,
  donate,
  type EnrollmentKind,
  enroll,
  getCharityPool,
  preauthorizePersonalAccount,
  type Relation,
} from "../../services/enrollment.js";
import { requireActor } from "../auth.js";
import { errorResponses, programParams } from "./schemas.js";

const psnNo = { type: "string", minLength: 1, maxLength: 40 } as const;

/**
 * A family member: `psn_no` (staff), or `certno` + `psn_name` (what a resident gives: ID number and name,
 * matched against the roster). A resident's own entry is `{relation: "self"}` (psn_no optional).
 */
interface MemberBody {
  psn_no?: string;
  certno?: string;
  psn_name?: string;
  relation: Relation;
}

interface EnrollBody {
  kind: EnrollmentKind;
  plan?: string;
  psn_no?: string;
  payer_psn_no?: string;
  members?: MemberBody[];
  unit_code?: string;
  psn_nos?: string[];
  cohort?: string;
  channel: string;
}

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
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["kind", "channel"],
            properties: {
              kind: { type: "string", enum: ["individual", "family", "unit", "charity"] },
              plan: { type: "string", maxLength: 64 },
              psn_no: psnNo,
              payer_psn_no: psnNo,
              members: {
                type: "array",
                minItems: 1,
                maxItems: 20,
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["relation"],
                  properties: {
                    psn_no: psnNo,
                    certno: { type: "string", minLength: 1, maxLength: 32 },
                    psn_name: { type: "string", minLength: 1, maxLength: 50 },
                    relation: { type: "string", enum: ["self", "spouse", "child", "parent"] },
                  },
                },
              },
              unit_code: { type: "string", minLength: 1, maxLength: 64 },
              psn_nos: { type: "array", minItems: 1, maxItems: 10000, items: psnNo },
              cohort: { type: "string", maxLength: 64 },
              channel: { type: "string", minLength: 1, maxLength: 80 },
            },
          },
          response: errorResponses,
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
        });
        return reply.status(201).send(result);
      },
    );

    app.post<{ Params: { program_id: string }; Body: { payer_psn_no: string; psn_nos: string[] } }>(
      "/programs/:program_id/payments/personal-account/preauth",
      {
        config: { roles: ["resident", "operator", "admin"] },
        schema: {
          tags: ["payments"],
          summary: "医保个人账户预约缴费（划扣成功后其他渠道已付金额原路退回）",
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["payer_psn_no", "psn_nos"],
            properties: {
              payer_psn_no: psnNo,
              psn_nos: { type: "array", minItems: 1, maxItems: 20, items: psnNo },
            },
          },
          response: errorResponses,
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

    app.post<{ Params: { program_id: string }; Body: { pool_id: string; name: string } }>(
      "/programs/:program_id/charity-pools",
      {
        config: { roles: ["operator", "admin", "charity"] },
        schema: {
          tags: ["charity"],
          summary: "创建慈善资金池",
          params: programParams,
          body: {
            type: "object",
            additionalProperties: false,
            required: ["pool_id", "name"],
            properties: {
              pool_id: { type: "string", pattern: "^[a-z0-9][a-z0-9_-]{0,63}$" },
              name: { type: "string", minLength: 1, maxLength: 200 },
            },
          },
          response: errorResponses,
        },
      },
      async (request, reply) => {
        const r = await createCharityPool(ctx, requireActor(request), {
          programId: request.params.program_id,
          poolId: request.body.pool_id,
          name: request.body.name,
        });
        return reply.status(201).send(r);
      },
    );

    app.post<{
      Params: { program_id: string; pool_id: string };
      Body: { amount: string | number; donor: string; ref: string };
    }>(
      "/programs/:program_id/charity-pools/:pool_id/donations",
      {
        config: { roles: ["operator", "admin", "charity"] },
        schema: {
          tags: ["charity"],
          summary: "向资金池捐款（ref 为幂等键）",
          params: {
            type: "object",
            properties: { ...programParams.properties, pool_id: { type: "string", maxLength: 64 } },
            required: ["program_id", "pool_id"],
          },
          body: {
            type: "object",
            additionalProperties: false,
            required: ["amount", "donor", "ref"],
            properties: {
              amount: { anyOf: [{ type: "string" }, { type: "number" }] },
              donor: { type: "string", minLength: 1, maxLength: 200 },
              ref: { type: "string", minLength: 1, maxLength: 100 },
            },
          },
          response: errorResponses,
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
        schema: { tags: ["charity"], summary: "资金池余额", response: errorResponses },
      },
      async (request) => {
        const r = await getCharityPool(ctx, request.params.program_id, request.params.pool_id);
        await audit(
          ctx.db,
          requireActor(request),
          request.params.program_id,
          "charity_pool.read",
          request.params.pool_id,
        );
        return r;
      },
    );
  };
