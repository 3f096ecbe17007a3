/**
 * Server-side tables (issue 14): the console lists that page, filter, sort and export on the server
 * (contract/paging.ts, services/paging.ts) and whose routes live nowhere else — the 理赔 list and its Excel, and
 * the Excel exports of the audit log, the sponsored persons' claims and the counter-claim queue (their pages
 * stay in console.ts and counter-claims.ts). Thin: the services check, mask and audit.
 */
import type { FastifyPluginAsync } from "fastify";
import { ClaimExportQuery, ClaimListPage, ClaimListQuery } from "../../contract/claim-list.js";
import { counterQueueQuery, PayoutBatchExportQuery } from "../../contract/claims.js";
import { ProgramParams } from "../../contract/common.js";
import { AuditExportQuery, SponsoredClaimExportQuery } from "../../contract/console.js";
import { errors, fileReply, reply, request } from "../../contract/json-schema.js";
import { EXPORT_MAX_ROWS, XLSX_TYPE } from "../../contract/paging.js";
import { counterClaimsXlsx } from "../../services/claims/counter/case.js";
import { CASE_STATUSES, type CaseStatus } from "../../services/claims/counter/shared.js";
import {
  claimsXlsx,
  listClaims,
  type ClaimListQuery as ServiceClaimQuery,
} from "../../services/claims/list.js";
import { payoutBatchesXlsx } from "../../services/claims/payouts.js";
import { auditXlsx, sponsoredClaimsXlsx } from "../../services/console.js";
import type { PlatformContext } from "../../services/context.js";
import { requireActor } from "../auth.js";
import { presentClaimListPage } from "../present/claim-list.js";

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));
type Query = Record<string, string | undefined>;

const claimQuery = (q: Query): ServiceClaimQuery => ({
  kind: q.kind,
  status: q.status,
  state: q.state,
  institution: q.institution,
  from: q.from,
  to: q.to,
  q: q.q,
  sort: q.sort,
  order: q.order,
  page: num(q.page),
  pageSize: num(q.page_size),
});

const CounterExportQuery = counterQueueQuery(CASE_STATUSES).omit({
  limit: true,
  page: true,
  page_size: true,
});

const CLAIM_READERS = ["operator", "admin", "co_insurer", "bureau"] as const;

/** Sends a workbook under an ASCII file name (the console saves it under its Chinese one). */
const xlsx = (name: string) => ({
  "content-type": XLSX_TYPE,
  "content-disposition": `attachment; filename="${name}.xlsx"`,
});

export const tableRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { program_id: string }; Querystring: Query }>(
      "/programs/:program_id/claims",
      {
        config: { roles: CLAIM_READERS },
        schema: {
          tags: ["claims"],
          summary:
            "理赔清单（一站式结算、线上、柜面、特药；新在前）：按理赔方式、赔付结果、结算状态、定点机构、结算日（北京时间）筛选，q 查结算编号（经办人员还可查人员编号、保单号）；sort created_at/hmb_pay/psn_part_amt，order asc/desc；page、page_size 1–200；共保公司与医保局看到脱敏的人员编号；记入审计",
          params: request(ProgramParams),
          querystring: request(ClaimListQuery),
          response: { 200: reply(ClaimListPage), ...errors() },
        },
      },
      async (request) =>
        presentClaimListPage(
          await listClaims(ctx, requireActor(request), request.params.program_id, claimQuery(request.query)),
        ),
    );

    app.get<{ Params: { program_id: string }; Querystring: Query }>(
      "/programs/:program_id/claims.xlsx",
      {
        config: { roles: CLAIM_READERS },
        schema: {
          tags: ["claims"],
          summary: `理赔清单导出（Excel）：与理赔清单相同的筛选、排序、脱敏与权限，最多 ${EXPORT_MAX_ROWS} 条；导出记入审计`,
          params: request(ProgramParams),
          querystring: request(ClaimExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "理赔清单（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const { page: _p, pageSize: _s, ...q } = claimQuery(request.query);
        const body = await claimsXlsx(ctx, requireActor(request), request.params.program_id, q);
        return reply.headers(xlsx(`claims-${request.params.program_id}`)).send(body);
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Query }>(
      "/programs/:program_id/audit.xlsx",
      {
        config: { roles: ["operator", "admin", "regulator"] },
        schema: {
          tags: ["audit"],
          summary: `审计日志导出（Excel）：与审计检索相同的条件（action、actor、subject、from … to），新在前，最多 ${EXPORT_MAX_ROWS} 条；导出本身也记入审计`,
          params: request(ProgramParams),
          querystring: request(AuditExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "审计日志（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const body = await auditXlsx(ctx, requireActor(request), request.params.program_id, {
          action: q.action,
          actor: q.actor,
          subject: q.subject,
          from: q.from,
          to: q.to,
        });
        return reply.headers(xlsx(`audit-${request.params.program_id}`)).send(body);
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Query }>(
      "/programs/:program_id/charity-claims.xlsx",
      {
        config: { roles: ["operator", "admin", "charity"] },
        schema: {
          tags: ["charity"],
          summary: `资助对象的理赔导出（Excel）：与资助对象理赔列表相同的筛选（资金池、理赔方式、结算状态、结算日）与排序，人员编号脱敏，资金池与理赔方式以中文名称显示，金额以元计，最多 ${EXPORT_MAX_ROWS} 条；导出记入审计`,
          params: request(ProgramParams),
          querystring: request(SponsoredClaimExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "资助对象的理赔（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const body = await sponsoredClaimsXlsx(ctx, requireActor(request), request.params.program_id, {
          pool: q.pool,
          kind: q.kind,
          state: q.state,
          from: q.from,
          to: q.to,
          sort: q.sort,
          order: q.order,
        });
        return reply.headers(xlsx(`charity-claims-${request.params.program_id}`)).send(body);
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Query }>(
      "/programs/:program_id/counter-claims.xlsx",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["claims"],
          summary: `柜面理赔审核队列导出（Excel）：与队列相同的筛选（状态、审核人、参保人、提交日）与顺序，最多 ${EXPORT_MAX_ROWS} 件；经办人员；导出记入审计`,
          params: request(ProgramParams),
          querystring: request(CounterExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "柜面理赔案件（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const body = await counterClaimsXlsx(ctx, requireActor(request), request.params.program_id, {
          status: q.status as CaseStatus | undefined,
          assignee: q.assignee,
          psnNo: q.psn_no,
          from: q.from,
          to: q.to,
          order: q.order,
        });
        return reply.headers(xlsx(`counter-claims-${request.params.program_id}`)).send(body);
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Query }>(
      "/programs/:program_id/payout-batches.xlsx",
      {
        config: { roles: ["operator", "admin", "co_insurer"] },
        schema: {
          tags: ["claims"],
          summary: `赔款划付批次导出（Excel）：与批次列表相同的筛选与顺序（不含明细），最多 ${EXPORT_MAX_ROWS} 个；导出记入审计`,
          params: request(ProgramParams),
          querystring: request(PayoutBatchExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "划付批次（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const body = await payoutBatchesXlsx(ctx, requireActor(request), request.params.program_id, {
          payee: q.payee,
          from: q.from,
          to: q.to,
          order: q.order,
        });
        return reply.headers(xlsx(`payout-batches-${request.params.program_id}`)).send(body);
      },
    );
  };
