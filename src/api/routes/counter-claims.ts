/**
 * Counter (manual) claims (柜面理赔, issue 4 item 3): a resident's — or the counter's — case with its
 * scanned documents, the operators' review queue, decisions under the four-eyes rule, appeals, and the
 * program's review settings. The workflow lives in services/claims/counter/ (settings, case, submit, review, appeal).
 */
import type { FastifyPluginAsync } from "fastify";
import {
  AppealBody,
  AssignBody,
  CaseParams,
  CounterCaseView,
  CounterQueue,
  CounterSettingsBody,
  CounterSettingsView,
  CounterSubmitBody,
  CounterSubmitBodyDoc,
  CounterSubmitted,
  counterQueueQuery,
  DecisionBody,
  DecisionBodyDoc,
  documentParams,
  StoredDocument,
} from "../../contract/claims.js";
import { ProgramParams } from "../../contract/common.js";
import { errors, fileBody, fileReply, parsedBody, reply, request } from "../../contract/json-schema.js";
import { appealCounterClaim } from "../../services/claims/counter/appeal.js";
import {
  downloadCounterDocument,
  getCounterClaim,
  listCounterClaims,
  MAX_QUEUE,
  uploadCounterDocument,
} from "../../services/claims/counter/case.js";
import { assignCounterClaim, decideCounterClaim } from "../../services/claims/counter/review.js";
import { getCounterSettings, setCounterSettings } from "../../services/claims/counter/settings.js";
import { CASE_STATUSES, type CaseStatus, type Decision } from "../../services/claims/counter/shared.js";
import { submitCounterClaim } from "../../services/claims/counter/submit.js";
import {
  checkDocument,
  DOC_CONTENT_TYPES,
  DOC_KINDS,
  type DocKind,
  MAX_DOCUMENT_BYTES,
} from "../../services/claims/documents.js";
import type { PlatformContext } from "../../services/context.js";
import { requireActor } from "../auth.js";
import { errorBody } from "../errors.js";
import { presentCounterCase, presentCounterSettings, presentCounterSubmitted } from "../present/claims.js";

const DocParams = documentParams(DOC_KINDS);
const QueueQuery = counterQueueQuery(CASE_STATUSES);

const ROLES_CASE = ["resident", "operator", "admin"] as const;
const ROLES_STAFF = ["operator", "admin"] as const;

// Records inside these bodies (submit, decision) are checked by domain/settlement.ts parseSettlement (Chinese
// errors naming the field); ajv checks the envelope, the OpenAPI shows the record's national fields.

export const counterClaimRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: CounterSubmitBody }>(
      "/programs/:program_id/counter-claims",
      {
        config: { roles: ROLES_CASE },
        schema: {
          tags: ["claims"],
          summary:
            "柜面理赔申请：参保人本人或经办人员代为录入纸质结算单（DESIGN.md §3 字段）；certno 须与名单一致；为未成年子女（单位或慈善投保）申请时填 guardian（子女身份证号与关系，自述监护人，须上传监护关系证明待核验）；返回案件与试算赔付（审核批准前不入账）；同一记录重复提交返回原案件",
          params: request(ProgramParams),
          body: request(CounterSubmitBody),
          ...parsedBody(CounterSubmitBodyDoc, "domain/settlement.ts parseSettlement (record)"),
          response: { 200: reply(CounterSubmitted), 201: reply(CounterSubmitted), ...errors() },
        },
      },
      async (request, reply) => {
        const outcome = await submitCounterClaim(ctx, requireActor(request), request.params.program_id, {
          psnNo: request.body.psn_no,
          record: request.body.record,
          note: request.body.note,
          guardian: request.body.guardian,
        });
        return reply.status(outcome.created ? 201 : 200).send(presentCounterSubmitted(outcome));
      },
    );

    app.get<{
      Params: { program_id: string };
      Querystring: {
        status?: CaseStatus;
        assignee?: string;
        psn_no?: string;
        limit?: string;
        from?: string;
        to?: string;
        order?: string;
        page?: string;
        page_size?: string;
      };
    }>(
      "/programs/:program_id/counter-claims",
      {
        config: { roles: ROLES_CASE },
        schema: {
          tags: ["claims"],
          summary: `柜面理赔审核队列（先到先审）：经办人员按状态、经办人、参保人筛选；参保人只看到本人的案件；from … to 提交日（北京时间）；page、page_size（1–200）分页并返回 total，或 limit 最多 ${MAX_QUEUE} 件；order desc 新在前；导出见 counter-claims.xlsx`,
          params: request(ProgramParams),
          querystring: request(QueueQuery),
          response: { 200: reply(CounterQueue), ...errors() },
        },
      },
      async (request): Promise<CounterQueue> => {
        const q = request.query;
        return listCounterClaims(ctx, requireActor(request), request.params.program_id, {
          status: q.status,
          assignee: q.assignee,
          psnNo: q.psn_no,
          limit: q.limit === undefined ? undefined : Number(q.limit),
          from: q.from,
          to: q.to,
          order: q.order,
          page: q.page === undefined ? undefined : Number(q.page),
          pageSize: q.page_size === undefined ? undefined : Number(q.page_size),
        });
      },
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/counter-claims/settings",
      {
        config: { roles: ROLES_STAFF },
        schema: {
          tags: ["claims"],
          summary: "柜面理赔审核设置：四眼复核限额（赔付超过即须第二名经办人员批准）与申诉期限",
          params: request(ProgramParams),
          response: { 200: reply(CounterSettingsView), ...errors() },
        },
      },
      async (request): Promise<CounterSettingsView> =>
        presentCounterSettings(
          await getCounterSettings(ctx, requireActor(request), request.params.program_id),
        ),
    );

    app.put<{
      Params: { program_id: string };
      Body: { four_eyes_threshold?: string; appeal_window_days?: number };
    }>(
      "/programs/:program_id/counter-claims/settings",
      {
        config: { roles: ["admin"] },
        schema: {
          tags: ["claims"],
          summary:
            "修改柜面理赔审核设置（管理员）：four_eyes_threshold 为元（字符串，最多 2 位小数），appeal_window_days 1–366",
          params: request(ProgramParams),
          body: request(CounterSettingsBody),
          response: { 200: reply(CounterSettingsView), ...errors() },
        },
      },
      async (request): Promise<CounterSettingsView> =>
        presentCounterSettings(
          await setCounterSettings(ctx, requireActor(request), request.params.program_id, {
            fourEyesThreshold: request.body.four_eyes_threshold,
            appealWindowDays: request.body.appeal_window_days,
          }),
        ),
    );

    app.get<{ Params: CaseParams }>(
      "/programs/:program_id/counter-claims/:case_id",
      {
        config: { roles: ROLES_CASE },
        schema: {
          tags: ["claims"],
          summary:
            "一件柜面理赔案件：记录、单据（含 SHA-256）、决定、赔付、申诉与状态轨迹；参保人只能查看本人案件",
          params: request(CaseParams),
          response: { 200: reply(CounterCaseView), ...errors() },
        },
      },
      async (request): Promise<CounterCaseView> =>
        presentCounterCase(
          await getCounterClaim(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.case_id,
          ),
        ),
    );

    app.post<{ Params: CaseParams; Body: { assignee?: string } | undefined }>(
      "/programs/:program_id/counter-claims/:case_id/assign",
      {
        config: { roles: ROLES_STAFF },
        schema: {
          tags: ["claims"],
          summary: "分配审核人：默认分配给自己，或指定本项目的经办人员；申诉案件不能分配给原决定人",
          params: request(CaseParams),
          body: request(AssignBody),
          response: { 200: reply(CounterCaseView), ...errors() },
        },
      },
      async (request): Promise<CounterCaseView> =>
        presentCounterCase(
          await assignCounterClaim(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.case_id,
            request.body?.assignee,
          ),
        ),
    );

    app.post<{
      Params: CaseParams;
      Body: { decision: Decision; reason?: string; record?: unknown; guardianship_checked?: boolean };
    }>(
      "/programs/:program_id/counter-claims/:case_id/decision",
      {
        config: { roles: ROLES_STAFF },
        schema: {
          tags: ["claims"],
          summary:
            "审核决定：approve 按提交记录赔付；adjust 按更正记录赔付（record 为更正字段，须填 reason）；reject 拒付（须填 reason）。赔付超过四眼限额时首次批准进入待复核，须另一名经办人员 approve；申诉改判的重新结算若被中断（resettling），任何决定请求都会先把它完成；申请人自述为监护人的案件须上传监护关系证明，批准或调整时须 guardianship_checked: true（已核验）",
          params: request(CaseParams),
          body: request(DecisionBody),
          ...parsedBody(DecisionBodyDoc, "domain/settlement.ts parseSettlement (record)"),
          response: { 200: reply(CounterCaseView), ...errors() },
        },
      },
      async (request): Promise<CounterCaseView> =>
        presentCounterCase(
          await decideCounterClaim(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.case_id,
            {
              decision: request.body.decision,
              reason: request.body.reason,
              record: request.body.record,
              guardianshipChecked: request.body.guardianship_checked,
            },
          ),
        ),
    );

    app.post<{ Params: CaseParams; Body: { reason: string } }>(
      "/programs/:program_id/counter-claims/:case_id/appeal",
      {
        config: { roles: ROLES_CASE },
        schema: {
          tags: ["claims"],
          summary: "申诉：对拒付或调整的决定，在申诉期限内申诉一次；由原决定人以外的经办人员复审",
          params: request(CaseParams),
          body: request(AppealBody),
          response: { 200: reply(CounterCaseView), ...errors() },
        },
      },
      async (request): Promise<CounterCaseView> =>
        presentCounterCase(
          await appealCounterClaim(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.case_id,
            request.body.reason,
          ),
        ),
    );

    app.get<{ Params: CaseParams & { doc_kind: DocKind } }>(
      "/programs/:program_id/counter-claims/:case_id/documents/:doc_kind",
      {
        config: { roles: ROLES_CASE },
        schema: {
          tags: ["claims"],
          summary: "下载单据：返回原文件，X-Checksum-Sha256 为上传时记录的校验值（下载前已核对）",
          params: request(DocParams),
          response: {
            200: fileReply(
              DOC_CONTENT_TYPES,
              "单据原文（PDF、JPEG 或 PNG），X-Checksum-Sha256 为上传时的校验值",
            ),
            ...errors(),
          },
        },
      },
      async (request, reply) => {
        const p = request.params;
        const doc = await downloadCounterDocument(
          ctx,
          requireActor(request),
          p.program_id,
          p.case_id,
          p.doc_kind,
        );
        return reply
          .header("content-type", doc.meta.content_type)
          .header("x-checksum-sha256", doc.meta.sha256)
          .header("cache-control", "private, no-store")
          .header("content-disposition", `attachment; filename="${p.case_id}-${p.doc_kind}"`)
          .send(doc.bytes);
      },
    );

    // Uploads take raw bytes of any declared type up to the limit, only on this route: the handler answers
    // 415 naming content-type for anything but PDF, JPEG or PNG (and for bytes that are not what they claim).
    await app.register(async (uploads) => {
      uploads.addContentTypeParser(
        "*",
        { parseAs: "buffer", bodyLimit: MAX_DOCUMENT_BYTES },
        (_r, body, done) => done(null, body),
      );
      uploads.put<{ Params: CaseParams & { doc_kind: DocKind } }>(
        "/programs/:program_id/counter-claims/:case_id/documents/:doc_kind",
        {
          config: { roles: ROLES_CASE },
          bodyLimit: MAX_DOCUMENT_BYTES,
          schema: {
            tags: ["claims"],
            summary: `上传单据（发票 invoice、结算单 settlement_sheet、其他 other、申诉材料 appeal）：请求体为文件原文，Content-Type 为 ${DOC_CONTENT_TYPES.join(" / ")}，不超过 ${MAX_DOCUMENT_BYTES / 1024 / 1024} MB；按 SHA-256 存证，相同文件重复上传幂等`,
            params: request(DocParams),
            ...fileBody(DOC_CONTENT_TYPES, "单据文件原文", "services/claims/documents.ts checkDocument"),
            response: { 200: reply(StoredDocument), 201: reply(StoredDocument), ...errors(413, 415) },
          },
        },
        async (request, reply) => {
          const checked = checkDocument(request.headers["content-type"], request.body);
          if (!checked.ok)
            return reply.status(checked.status).send(errorBody(checked.code, checked.message, checked.field));
          const p = request.params;
          const stored = await uploadCounterDocument(ctx, requireActor(request), p.program_id, p.case_id, {
            kind: p.doc_kind,
            type: checked.type,
            bytes: checked.bytes,
          });
          return reply.status(stored.outcome === "same" ? 200 : 201).send(stored);
        },
      );
    });
  };
