import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import {
  AddInstitutionBody,
  InstitutionCredentials,
  InstitutionExportQuery,
  InstitutionList,
  InstitutionListQuery,
  InstitutionParams,
  InstitutionStatusBody,
  InstitutionView,
} from "../../contract/institutions.js";
import { errors, fileReply, NO_BODY, reply, request } from "../../contract/json-schema.js";
import { EXPORT_MAX_ROWS, XLSX_TYPE } from "../../contract/paging.js";
import type { PlatformContext } from "../../services/context.js";
import {
  addInstitution,
  institutionsXlsx,
  listInstitutions,
  rotateInstitutionSecret,
  searchInstitutions,
  setInstitutionStatus,
} from "../../services/institutions.js";
import { requireActor } from "../auth.js";
import { presentInstitution, presentInstitutionList } from "../present/institutions.js";

export const institutionRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: AddInstitutionBody }>(
      "/programs/:program_id/institutions",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["institutions"],
          summary: "登记定点医药机构，返回一次性签名密钥（hmb institution add）",
          params: request(ProgramParams),
          body: request(AddInstitutionBody),
          response: { 201: reply(InstitutionCredentials), ...errors() },
        },
      },
      async (request, reply) => {
        const result = await addInstitution(ctx, requireActor(request), {
          programId: request.params.program_id,
          code: request.body.fixmedins_code,
          name: request.body.name,
          level: request.body.level,
          kind: request.body.kind,
        });
        return reply.status(201).send({ fixmedins_code: result.code, secret: result.secret });
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Record<string, string | undefined> }>(
      "/programs/:program_id/institutions",
      {
        config: { roles: ["admin", "operator", "co_insurer"] },
        schema: {
          tags: ["institutions"],
          summary:
            "本项目登记的定点医药机构：名称、等级、状态、密钥更换时间（不含密钥）。不带参数时返回全部（按编码）；带 status、level、kind、q（编码或名称开头）、sort（code/name/created_at）、order、page、page_size（1–200）任一参数时在服务端筛选分页并返回 total；导出见 institutions.xlsx",
          params: request(ProgramParams),
          querystring: request(InstitutionListQuery),
          response: { 200: reply(InstitutionList), ...errors() },
        },
      },
      async (request): Promise<InstitutionList> => {
        requireActor(request);
        const q = request.query;
        if (Object.values(q).every((v) => v === undefined))
          return presentInstitutionList(await listInstitutions(ctx, request.params.program_id));
        const page = await searchInstitutions(ctx, request.params.program_id, {
          status: q.status,
          level: q.level,
          kind: q.kind,
          q: q.q,
          sort: q.sort,
          order: q.order,
          page: q.page === undefined ? undefined : Number(q.page),
          pageSize: q.page_size === undefined ? undefined : Number(q.page_size),
        });
        return {
          ...presentInstitutionList(page.institutions),
          total: page.total,
          page: page.page,
          page_size: page.page_size,
        };
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Record<string, string | undefined> }>(
      "/programs/:program_id/institutions.xlsx",
      {
        config: { roles: ["admin", "operator", "co_insurer"] },
        schema: {
          tags: ["institutions"],
          summary: `定点医药机构导出（Excel）：与机构列表相同的筛选与排序（不含密钥），最多 ${EXPORT_MAX_ROWS} 家`,
          params: request(ProgramParams),
          querystring: request(InstitutionExportQuery),
          response: { 200: fileReply([XLSX_TYPE], "定点机构（xlsx）"), ...errors(422) },
        },
      },
      async (request, reply) => {
        requireActor(request);
        const q = request.query;
        const body = await institutionsXlsx(ctx, request.params.program_id, {
          status: q.status,
          level: q.level,
          kind: q.kind,
          q: q.q,
          sort: q.sort,
          order: q.order,
        });
        return reply
          .header("content-type", XLSX_TYPE)
          .header(
            "content-disposition",
            `attachment; filename="institutions-${request.params.program_id}.xlsx"`,
          )
          .send(body);
      },
    );

    app.post<{ Params: InstitutionParams }>(
      "/programs/:program_id/institutions/:fixmedins_code/secret",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["institutions"],
          summary: "更换定点医药机构的签名密钥：新密钥只返回这一次，旧密钥立即失效；留痕（不含密钥）",
          ...NO_BODY,
          params: request(InstitutionParams),
          response: { 200: reply(InstitutionCredentials), ...errors() },
        },
      },
      async (request): Promise<InstitutionCredentials> => {
        const result = await rotateInstitutionSecret(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.params.fixmedins_code,
        );
        return { fixmedins_code: result.code, secret: result.secret };
      },
    );

    app.post<{ Params: InstitutionParams; Body: InstitutionStatusBody }>(
      "/programs/:program_id/institutions/:fixmedins_code/status",
      {
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["institutions"],
          summary: "停用或启用定点医药机构 { status: disabled|active }：停用后其签名请求一律拒绝；留痕",
          params: request(InstitutionParams),
          body: request(InstitutionStatusBody),
          response: { 200: reply(InstitutionView), ...errors() },
        },
      },
      async (request): Promise<InstitutionView> =>
        presentInstitution(
          await setInstitutionStatus(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.fixmedins_code,
            request.body.status,
          ),
        ),
    );
  };
