/**
 * Read routes for the console (issue 5 item 2): compliance findings of the program's product, audit log
 * search, policy lists, charity pools and their sponsored persons' claims. Thin: services/console.ts does the work, masks and audits.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import {
  AuditPage,
  AuditQuery,
  ComplianceQuery,
  ComplianceView,
  PolicyListQuery,
  PolicyPage,
  PoolList,
  SponsoredClaimPage,
  SponsoredClaimQuery,
} from "../../contract/console.js";
import { errors, reply, request } from "../../contract/json-schema.js";
import {
  listCharityPools,
  listPolicies,
  listSponsoredClaims,
  programCompliance,
  searchAudit,
} from "../../services/console.js";
import type { PlatformContext } from "../../services/context.js";
import { requireActor } from "../auth.js";
import { presentPolicyPage, presentPoolList, presentSponsoredClaimPage } from "../present/console.js";

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

export const consoleRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string }; Querystring: { rules?: string } }>(
      "/programs/:program_id/compliance",
      {
        config: { roles: ["operator", "admin", "bureau", "regulator"] },
        schema: {
          tags: ["programs"],
          summary:
            "合规检查：对本项目当前产品版本运行规则集（默认 yunnan-2023，云医保〔2023〕152号），逐条给出条款、实际值与限值（与 hmb check 相同）",
          params: request(ProgramParams),
          querystring: request(ComplianceQuery),
          response: { 200: reply(ComplianceView), ...errors() },
        },
      },
      async (request) =>
        programCompliance(ctx, request.params.program_id, request.query.rules ?? "yunnan-2023"),
    );

    app.get<{
      Params: { program_id: string };
      Querystring: {
        action?: string;
        actor?: string;
        subject?: string;
        from?: string;
        to?: string;
        limit?: string;
        offset?: string;
        page?: string;
        page_size?: string;
        order?: string;
      };
    }>(
      "/programs/:program_id/audit",
      {
        config: { roles: ["operator", "admin", "regulator"] },
        schema: {
          tags: ["audit"],
          summary:
            "审计日志检索（新在前）：action 精确匹配或以 . 结尾作前缀，actor、subject，from … to 北京时间日期（均含）；limit 1–200（默认 50）/offset，或 page/page_size（1–200）；order asc 旧在前；检索本身也记入审计；导出见 audit.xlsx",
          params: request(ProgramParams),
          querystring: request(AuditQuery),
          response: { 200: reply(AuditPage), ...errors() },
        },
      },
      async (request) => {
        const q = request.query;
        return searchAudit(ctx, requireActor(request), request.params.program_id, {
          action: q.action,
          actor: q.actor,
          subject: q.subject,
          from: q.from,
          to: q.to,
          limit: num(q.limit),
          offset: num(q.offset),
          page: num(q.page),
          pageSize: num(q.page_size),
          order: q.order,
        });
      },
    );

    app.get<{
      Params: { program_id: string };
      Querystring: {
        status?: string;
        kind?: string;
        pool?: string;
        policy_no?: string;
        psn_no?: string;
        name?: string;
        channel?: string;
        limit?: string;
        offset?: string;
      };
    }>(
      "/programs/:program_id/policies",
      {
        config: { roles: ["operator", "admin", "co_insurer", "charity"] },
        schema: {
          tags: ["policies"],
          summary:
            "保单列表（新在前）：按状态、投保方式（individual/family/unit/charity）、资金池、缴费渠道、保单号筛选，经办人员还可按人员编号或姓名查找；姓名一律脱敏，经办人员看到 psn_no，共保公司与慈善机构为脱敏；慈善机构只看资助的投保；limit 1–200 / offset；记入审计",
          params: request(ProgramParams),
          querystring: request(PolicyListQuery),
          response: { 200: reply(PolicyPage), ...errors() },
        },
      },
      async (request) => {
        const q = request.query;
        return listPolicies(ctx, requireActor(request), request.params.program_id, {
          status: q.status,
          kind: q.kind,
          pool: q.pool,
          policyNo: q.policy_no,
          psnNo: q.psn_no,
          name: q.name,
          channel: q.channel,
          limit: num(q.limit),
          offset: num(q.offset),
        }).then(presentPolicyPage);
      },
    );

    const CHARITY_READERS = ["operator", "admin", "charity", "co_insurer", "regulator"] as const;

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/charity-pools",
      {
        config: { roles: CHARITY_READERS },
        schema: {
          tags: ["charity"],
          summary: "慈善资金池列表：余额、捐款、资助支出、退回与资助人数（不含个人信息）",
          params: request(ProgramParams),
          response: { 200: reply(PoolList), ...errors() },
        },
      },
      async (request) =>
        presentPoolList(await listCharityPools(ctx, requireActor(request), request.params.program_id)),
    );

    app.get<{ Params: { program_id: string }; Querystring: Record<string, string | undefined> }>(
      "/programs/:program_id/charity-claims",
      {
        config: { roles: ["operator", "admin", "charity"] },
        schema: {
          tags: ["charity"],
          summary:
            "资助对象的理赔（新在前）：惠民保赔付与赔付后个人仍须负担的金额；psn_no 脱敏；按资金池 pool、理赔方式 kind、结算状态 state（settled/revoked）、结算日 from … to（北京时间，含）筛选；sort created_at/hmb_pay/remaining，order asc/desc；limit 1–200 / offset，或 page/page_size（1–200）；记入审计；导出见 charity-claims.xlsx",
          params: request(ProgramParams),
          querystring: request(SponsoredClaimQuery),
          response: { 200: reply(SponsoredClaimPage), ...errors() },
        },
      },
      async (request) => {
        const q = request.query;
        return listSponsoredClaims(ctx, requireActor(request), request.params.program_id, {
          pool: q.pool,
          kind: q.kind,
          state: q.state,
          from: q.from,
          to: q.to,
          sort: q.sort,
          order: q.order,
          limit: num(q.limit),
          offset: num(q.offset),
          page: num(q.page),
          pageSize: num(q.page_size),
        }).then(presentSponsoredClaimPage);
      },
    );
  };
