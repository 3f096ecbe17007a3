/**
 * Aid on claims over HTTP (issue 15; services/aid/burden.ts and applications.ts): the layered bill a hospital
 * reads at discharge (signed like settlements), the resident's "我可申请的救助" and one-tap confirmation, and
 * the programs' review of 一事一议 applications (the operator, or the charity keeping the program's fund).
 */
import type { FastifyPluginAsync } from "fastify";
import {
  AidApplicationDetail,
  AidApplicationList,
  AidApplicationParams,
  AidApplicationsExportQuery,
  AidApplicationsQuery,
  AidApplicationView,
  AidDecisionBody,
  BurdenParams,
  ConfirmAidApplicationBody,
  LayeredBill,
  ResidentAidView,
} from "../../contract/aid-claims.js";
import { ProgramParams, SignedHeaders } from "../../contract/common.js";
import { errors, fileReply, reply, request } from "../../contract/json-schema.js";
import { EXPORT_MAX_ROWS, XLSX_TYPE } from "../../contract/paging.js";
import { formatYuan, parseYuan } from "../../domain/money.js";
import {
  type ApplicationDetail,
  type ApplicationQuery,
  type ApplicationView,
  applicationsXlsx,
  confirmApplication,
  type Decision,
  decideApplication,
  getApplication,
  listApplications,
  type ResidentAid,
  residentAid,
} from "../../services/aid/applications.js";
import { type LayeredBill as Bill, claimBurden, type PersonYearBurden } from "../../services/aid/burden.js";
import { maskPsnNo } from "../../services/console.js";
import { type Actor, type PlatformContext, type Role, ServiceError } from "../../services/context.js";
import { requireActor } from "../auth.js";

/** Who reviews applications: the operator, and a charity for the aid programs whose fund it keeps. */
const REVIEWERS: readonly Role[] = ["operator", "admin", "charity", "civil_affairs"];

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function presentBill(b: Bill): LayeredBill {
  return {
    setl_id: b.setlId,
    state: b.state,
    settled_at: b.settledAt.toISOString(),
    total_cost: formatYuan(b.totalCost),
    basic: formatYuan(b.layers.basic),
    critical_illness: formatYuan(b.layers.criticalIllness),
    medical_assistance: formatYuan(b.layers.medicalAssistance),
    person_burden: formatYuan(b.personBurden),
    out_of_scope: formatYuan(b.outOfScope),
    hmb: formatYuan(b.layers.hmb),
    aid: b.aid.map((a) => ({
      aid_program_id: a.aidProgramId,
      version: a.version,
      name: a.name,
      sponsor_name: a.sponsorName,
      mode: a.mode,
      amount: formatYuan(a.amount),
      queued: formatYuan(a.queued),
      state: a.state,
    })),
    aid_total: formatYuan(b.aidTotal),
    final_burden: formatYuan(b.finalBurden),
  };
}

function presentYear(y: PersonYearBurden) {
  return {
    claims: y.claims,
    total_cost: formatYuan(y.totalCost),
    basic: formatYuan(y.basic),
    critical_illness: formatYuan(y.criticalIllness),
    medical_assistance: formatYuan(y.medicalAssistance),
    person_burden: formatYuan(y.personBurden),
    hmb: formatYuan(y.hmb),
    aid: formatYuan(y.aid),
    final_burden: formatYuan(y.finalBurden),
  };
}

/** The person's number in the clear for the person (or guardian) only; reviewers see it masked. */
function presentApplication(a: ApplicationView, actor: Actor): AidApplicationView {
  return {
    application_id: a.applicationId,
    setl_id: a.setlId,
    psn_no: actor.role === "resident" ? a.psnNo : maskPsnNo(a.psnNo),
    aid_program_id: a.aidProgramId,
    version: a.version,
    program_name: a.programName,
    sponsor_name: a.sponsorName,
    proposed: formatYuan(a.proposed),
    approved: a.approved === null ? null : formatYuan(a.approved),
    documents_required: [...a.documentsRequired],
    documents: [...a.documents],
    committee_required: a.committeeRequired,
    state: a.state,
    consent_relation: a.consentRelation,
    consent_at: iso(a.consentAt),
    review_note: a.reviewNote,
    decided_at: iso(a.decidedAt),
    committee:
      a.committee === null
        ? null
        : { members: a.committee.members, minutes: a.committee.minutes, at: a.committee.at.toISOString() },
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

function presentDetail(d: ApplicationDetail, actor: Actor): AidApplicationDetail {
  return {
    application: presentApplication(d.application, actor),
    bill: d.bill === undefined ? null : presentBill(d.bill),
    events: d.events.map((e) => ({
      event: e.event,
      at: e.at.toISOString(),
      data: (e.data ?? {}) as Record<string, unknown>,
    })),
    age: d.age ?? null,
  };
}

function presentResident(r: ResidentAid, actor: Actor): ResidentAidView {
  return {
    psn_no: r.psnNo,
    matched: r.matched.map((m) => ({
      aid_program_id: m.aidProgramId,
      name: m.name,
      sponsor_name: m.sponsorName,
      mode: m.mode,
      description: m.description,
      paid: formatYuan(m.paid),
    })),
    applications: r.applications.map((a) => presentApplication(a, actor)),
    bills: r.bills.map(presentBill),
    year: presentYear(r.year),
  };
}

/** The wire decision → the service's (the amount parsed from yuan, refused naming the field). */
function decisionOf(body: AidDecisionBody): Decision {
  if (body.action !== "approve") return body;
  const parsed = parseYuan(body.amount);
  if (!parsed.ok || parsed.fen <= 0)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      parsed.ok ? "批准金额必须大于 0" : parsed.problem,
      "amount",
    );
  return { action: "approve", amount: parsed.fen, note: body.note, committee: body.committee };
}

/** The wire query of the review queue → the service's (the list's and the export's). */
function applicationQuery(q: Partial<Record<keyof AidApplicationsQuery, string>>): ApplicationQuery {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  return {
    state: q.state,
    aidProgram: q.aid_program,
    submittedFrom: q.submitted_from,
    submittedTo: q.submitted_to,
    updatedFrom: q.updated_from,
    updatedTo: q.updated_to,
    sort: q.sort,
    order: q.order,
    page: num(q.page),
    pageSize: num(q.page_size),
  };
}

export const aidClaimRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: BurdenParams }>(
      "/programs/:program_id/settlements/:setl_id/burden",
      {
        config: { roles: ["hospital", "operator", "admin", "resident"], signed: true },
        schema: {
          tags: ["aid"],
          summary:
            "一笔结算的分层负担：基本医保、大病保险、医疗救助、惠民保、各救助项目（含出院时自动给付的救助）与个人最终负担；提交机构（第 2 版签名）、经办人员、参保人本人可见；每次读取留痕",
          params: request(BurdenParams),
          headers: request(SignedHeaders),
          response: { 200: reply(LayeredBill), ...errors() },
        },
      },
      async (request) =>
        presentBill(
          await claimBurden(ctx, requireActor(request), request.params.program_id, request.params.setl_id),
        ),
    );

    app.get<{ Params: ProgramParams }>(
      "/programs/:program_id/me/aid",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["aid"],
          summary:
            "我可申请的救助：已匹配的救助项目、本人及所监护未成年人的救助申请、本人各次结算的分层负担与年度合计",
          params: request(ProgramParams),
          response: { 200: reply(ResidentAidView), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        return presentResident(await residentAid(ctx, actor, request.params.program_id), actor);
      },
    );

    app.post<{ Params: AidApplicationParams; Body: ConfirmAidApplicationBody }>(
      "/programs/:program_id/aid-applications/:application_id/confirm",
      {
        config: { roles: ["resident"] },
        schema: {
          tags: ["aid"],
          summary:
            "确认提交预填的救助申请（本人，或为未成年子女投保的监护人）：须同意授权 consent=true；补充材料后再次提交同样用此接口",
          params: request(AidApplicationParams),
          body: request(ConfirmAidApplicationBody),
          response: { 200: reply(AidApplicationView), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        return presentApplication(
          await confirmApplication(ctx, actor, request.params.program_id, request.params.application_id, {
            consent: request.body.consent,
            documents: request.body.documents,
          }),
          actor,
        );
      },
    );

    app.get<{ Params: ProgramParams; Querystring: AidApplicationsQuery }>(
      "/programs/:program_id/aid-applications",
      {
        config: { roles: REVIEWERS },
        schema: {
          tags: ["aid"],
          summary:
            "救助申请审核队列（经办人员；慈善组织只见其管理基金的项目，民政只见医疗救助线基金的项目），最近变动在前：按状态 state、救助项目 aid_program、提交日 submitted_from … submitted_to、更新日 updated_from … updated_to（北京时间，含）筛选；sort updated_at/created_at/submitted_at/proposed，order asc/desc；给出 page 或 page_size（1–200）时分页，否则返回最近 500 件；答复含 total；参保人编号脱敏；读取留痕；导出见 aid-applications.xlsx",
          params: request(ProgramParams),
          querystring: request(AidApplicationsQuery),
          response: { 200: reply(AidApplicationList), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        const { applications, ...page } = await listApplications(
          ctx,
          actor,
          request.params.program_id,
          applicationQuery(request.query),
        );
        return { applications: applications.map((a) => presentApplication(a, actor)), ...page };
      },
    );

    app.get<{ Params: ProgramParams; Querystring: AidApplicationsQuery }>(
      "/programs/:program_id/aid-applications.xlsx",
      {
        config: { roles: REVIEWERS },
        schema: {
          tags: ["aid"],
          summary: `救助申请审核队列导出（Excel）：与审核队列相同的范围、筛选与顺序，参保人编号脱敏，最多 ${EXPORT_MAX_ROWS} 件；导出记入审计`,
          params: request(ProgramParams),
          querystring: request(AidApplicationsExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "救助申请（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        const { page: _p, pageSize: _s, ...q } = applicationQuery(request.query);
        const body = await applicationsXlsx(ctx, requireActor(request), request.params.program_id, q);
        return reply
          .headers({
            "content-type": XLSX_TYPE,
            "content-disposition": `attachment; filename="aid-applications-${request.params.program_id}.xlsx"`,
          })
          .send(body);
      },
    );

    app.get<{ Params: AidApplicationParams }>(
      "/programs/:program_id/aid-applications/:application_id",
      {
        config: { roles: [...REVIEWERS, "resident"] },
        schema: {
          tags: ["aid"],
          summary: "一件救助申请：申请内容、所涉结算的分层负担、材料与处理轨迹；读取留痕",
          params: request(AidApplicationParams),
          response: { 200: reply(AidApplicationDetail), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        return presentDetail(
          await getApplication(ctx, actor, request.params.program_id, request.params.application_id),
          actor,
        );
      },
    );

    app.post<{ Params: AidApplicationParams; Body: AidDecisionBody }>(
      "/programs/:program_id/aid-applications/:application_id/decision",
      {
        config: { roles: REVIEWERS },
        schema: {
          tags: ["aid"],
          summary:
            "审核救助申请：request_documents 要求补充材料；approve 按金额批准并从项目专户支付（仅一次；项目要求时须附评审委员会成员与纪要）；reject 附理由不予救助",
          params: request(AidApplicationParams),
          body: request(AidDecisionBody),
          response: { 200: reply(AidApplicationView), ...errors() },
        },
      },
      async (request) => {
        const actor = requireActor(request);
        return presentApplication(
          await decideApplication(
            ctx,
            actor,
            request.params.program_id,
            request.params.application_id,
            decisionOf(request.body),
          ),
          actor,
        );
      },
    );
  };
