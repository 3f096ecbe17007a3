/**
 * 投保管理 and 保单 in the console (issue 14): a unit's Excel list uploaded and enrolled, the enrollments with
 * their payment status and order expiry, and the filtered policy list as Excel. Thin: the services check,
 * enroll, mask and audit.
 */
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { PolicyListQuery } from "../../contract/console.js";
import { errors, fileBody, fileReply, reply, request } from "../../contract/json-schema.js";
import { EXPORT_MAX_ROWS, XLSX_TYPE } from "../../contract/paging.js";
import {
  EnrollmentExportQuery,
  EnrollmentListQuery,
  EnrollmentPage,
  UNIT_LIST_FILE,
  UNIT_LIST_XLSX_TYPE,
  UnitUploadQuery,
  UnitUploadReport,
} from "../../contract/unit-enrollment.js";
import { formatYuan } from "../../domain/money.js";
import { type PlatformContext, ServiceError } from "../../services/context.js";
import { UNIT_LIST_MAX_BYTES, uploadUnitList } from "../../services/unit-enrollment.js";
import { policiesXlsx } from "../../services/unit-enrollment-export.js";
import { enrollmentsXlsx, listEnrollments } from "../../services/unit-enrollment-list.js";
import { requireActor } from "../auth.js";
import { presentEnrollment } from "../present/enrollment.js";
import type { ProgressBoard } from "../progress.js";

const STAFF = ["operator", "admin"] as const;
const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

type EnrollmentQuerystring = Partial<
  Record<
    | "kind"
    | "pay_status"
    | "from"
    | "to"
    | "q"
    | "sort"
    | "order"
    | "limit"
    | "offset"
    | "page"
    | "page_size",
    string
  >
>;
/** The list's filters and order as the service names them (the list and its export share them). */
const enrollmentQuery = (q: EnrollmentQuerystring) => ({
  kind: q.kind,
  payStatus: q.pay_status,
  from: q.from,
  to: q.to,
  q: q.q,
  sort: q.sort,
  order: q.order,
});

export const unitEnrollmentRoutes =
  (ctx: PlatformContext, board: ProgressBoard): FastifyPluginAsync =>
  async (app) => {
    // The .xlsx body parser, in this plugin only (as the roster import's).
    app.addContentTypeParser(
      UNIT_LIST_XLSX_TYPE,
      { parseAs: "buffer", bodyLimit: UNIT_LIST_MAX_BYTES },
      (_request, body, done) => done(null, body),
    );

    app.post<{ Params: { program_id: string }; Querystring: UnitUploadQuery }>(
      "/programs/:program_id/unit-enrollments",
      {
        bodyLimit: UNIT_LIST_MAX_BYTES,
        config: { roles: STAFF },
        schema: {
          tags: ["enrollment"],
          summary:
            "单位投保：上传单位名单（xlsx），逐行校验（被拒的行给出行号、列与原因），校验通过的人员一次单位投保；同一文件（或同一 ref）重复上传返回第一次的结果，不重复投保；整份无效时不做任何改动；dry_run=true 只校验",
          params: request(ProgramParams),
          querystring: request(UnitUploadQuery),
          ...fileBody([UNIT_LIST_XLSX_TYPE], UNIT_LIST_FILE, "services/unit-enrollment.ts uploadUnitList"),
          response: { 200: reply(UnitUploadReport), ...errors(409, 413, 415, 422) },
        },
      },
      async (request) => {
        const body = request.body as unknown;
        if (!Buffer.isBuffer(body))
          throw new ServiceError(
            "invalid",
            "invalid_request",
            `请上传 Excel 名单文件（${UNIT_LIST_XLSX_TYPE}）`,
            "file",
          );
        const q = request.query;
        const actor = requireActor(request);
        const r = await board.run(
          { programId: request.params.program_id, ref: q.progress, actor, action: "unit_upload" },
          (progress) =>
            uploadUnitList(ctx, actor, {
              programId: request.params.program_id,
              unitCode: q.unit_code,
              channel: q.channel ?? "offline",
              plan: q.plan,
              ref: q.ref,
              dryRun: q.dry_run === "true",
              file: body,
              onProgress: (p) =>
                p.phase === "checking"
                  ? progress.counts(p.checked, p.rejected, p.total)
                  : progress.phase(p.phase),
            }),
          (done) => ({ read: done.read, rejected: done.rejected, total: done.read }),
        );
        return { ...r, enrollment: r.enrollment === null ? null : presentEnrollment(r.enrollment) };
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: EnrollmentQuerystring }>(
      "/programs/:program_id/enrollments",
      {
        config: { roles: STAFF },
        schema: {
          tags: ["enrollment"],
          summary:
            "投保记录（新在前）：人数、保费合计、最近缴费订单的状态与过期时间；按投保方式、缴费状态、投保日（北京时间）筛选，q 查投保单号或单位编码开头；sort created_at/premium/persons，order asc/desc；page、page_size 1–200（或 limit / offset）；导出见 enrollments.xlsx；记入审计",
          params: request(ProgramParams),
          querystring: request(EnrollmentListQuery),
          response: { 200: reply(EnrollmentPage), ...errors() },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await listEnrollments(ctx, requireActor(request), request.params.program_id, {
          ...enrollmentQuery(q),
          limit: num(q.limit),
          offset: num(q.offset),
          page: num(q.page),
          pageSize: num(q.page_size),
        });
        return {
          ...page,
          enrollments: page.enrollments.map(({ premium_fen, ...e }) => ({
            ...e,
            premium: formatYuan(premium_fen),
          })),
        };
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: EnrollmentQuerystring }>(
      "/programs/:program_id/enrollments.xlsx",
      {
        config: { roles: STAFF },
        schema: {
          tags: ["enrollment"],
          summary: `投保记录导出（Excel）：与投保记录相同的筛选与排序，最多 ${EXPORT_MAX_ROWS} 条；经办人员；导出记入审计`,
          params: request(ProgramParams),
          querystring: request(EnrollmentExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "投保记录（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const body = await enrollmentsXlsx(
          ctx,
          requireActor(request),
          request.params.program_id,
          enrollmentQuery(request.query),
        );
        return reply
          .header("content-type", XLSX_TYPE)
          .header(
            "content-disposition",
            `attachment; filename="enrollments-${request.params.program_id}.xlsx"`,
          )
          .send(body);
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
      };
    }>(
      "/programs/:program_id/policies.xlsx",
      {
        config: { roles: ["operator", "admin", "co_insurer"] },
        schema: {
          tags: ["policies"],
          summary: "保单清单导出（Excel）：与保单列表相同的筛选、脱敏与权限，最多 20000 件；记入审计",
          params: request(ProgramParams),
          querystring: request(PolicyListQuery.omit({ limit: true, offset: true })),
          response: { 200: fileReply([UNIT_LIST_XLSX_TYPE], "保单清单（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const body = await policiesXlsx(ctx, requireActor(request), request.params.program_id, {
          status: q.status,
          kind: q.kind,
          pool: q.pool,
          policyNo: q.policy_no,
          psnNo: q.psn_no,
          name: q.name,
          channel: q.channel,
        });
        return reply
          .header("content-type", UNIT_LIST_XLSX_TYPE)
          .header("content-disposition", `attachment; filename="policies-${request.params.program_id}.xlsx"`)
          .send(body);
      },
    );
  };
