import { Readable } from "node:stream";
import type { FastifyPluginAsync } from "fastify";
import { type PlatformContext, ServiceError } from "../../services/context.js";
import {
  csvRecords,
  importRoster,
  listRosterImports,
  readRosterPerson,
  rosterImportCounts,
  xlsxRecords,
} from "../../services/roster.js";
import { requireActor } from "../auth.js";
import { errorResponses, errorSchema, programParams } from "./schemas.js";

const IMPORT_BODY_LIMIT = 50 * 1024 * 1024;
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const importResult = {
  type: "object",
  properties: {
    import_id: { type: "string" },
    persons: { type: "integer", description: "名单总人数（本次导入后）" },
    read: { type: "integer" },
    imported: { type: "integer" },
    rejected: { type: "integer" },
    inserted: { type: "integer" },
    updated: { type: "integer" },
    unchanged: { type: "integer" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { line: { type: "integer" }, field: { type: "string" }, message: { type: "string" } },
      },
    },
    errors_truncated: { type: "boolean" },
  },
} as const;

const personView = {
  type: "object",
  properties: {
    psn_no: { type: "string" },
    psn_name: { type: "string" },
    certno: { type: "string", description: "脱敏身份证号" },
    gend: { type: "string" },
    brdy: { type: "string" },
    insutype: { type: "string" },
    admdvs: { type: "string" },
    unit_code: { type: ["string", "null"] },
    cohort: { type: ["string", "null"] },
  },
} as const;

/** Roster routes. The text/csv and XLSX body parsers are registered in this plugin only. */
export const rosterRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser(
      ["text/csv", "text/plain"],
      { parseAs: "string", bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );
    app.addContentTypeParser(
      XLSX_TYPE,
      { parseAs: "buffer", bodyLimit: IMPORT_BODY_LIMIT },
      (_request, body, done) => done(null, body),
    );

    app.post<{ Params: { program_id: string } }>(
      "/programs/:program_id/roster/imports",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["roster"],
          summary: "导入参保人员名单（text/csv 或 xlsx；与 hmb roster import 相同规则，可重复导入）",
          params: programParams,
          response: { 200: importResult, ...errorResponses, 413: errorSchema, 415: errorSchema },
        },
      },
      async (request) => {
        const body = request.body as unknown;
        let records: ReturnType<typeof csvRecords>;
        if (typeof body === "string") records = csvRecords(Readable.from([body]));
        else if (Buffer.isBuffer(body)) records = xlsxRecords(Readable.from([body]));
        else if (body === undefined || body === null)
          throw new ServiceError("invalid", "invalid_request", "请求体为空，应为名单 CSV 文本", "body");
        else
          throw new ServiceError(
            "invalid",
            "invalid_request",
            `请求体应为 text/csv 或 ${XLSX_TYPE}`,
            "content-type",
          );
        const result = await importRoster(ctx, requireActor(request), request.params.program_id, records, {
          maxErrors: 1000,
          source: "api",
        });
        return {
          import_id: result.importId,
          persons: result.persons,
          ...rosterImportCounts(result),
          errors: result.errors,
          errors_truncated: result.errorsTruncated,
        };
      },
    );

    const count = { type: ["integer", "null"] } as const;
    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/roster/imports",
      {
        config: { roles: ["admin", "operator", "bureau"] },
        schema: {
          tags: ["roster"],
          summary:
            "名单导入记录（最近 50 次，最新在前）：状态、起止时间、来源与各项计数；运行中的导入显示为 running",
          params: programParams,
          response: {
            200: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  import_id: { type: "string" },
                  status: { type: "string", enum: ["running", "done", "failed"] },
                  started_at: { type: "string" },
                  finished_at: { type: ["string", "null"] },
                  source: { type: ["string", "null"] },
                  read: count,
                  imported: count,
                  rejected: count,
                  inserted: count,
                  updated: count,
                  unchanged: count,
                  failure: { type: ["string", "null"] },
                },
              },
            },
            ...errorResponses,
          },
        },
      },
      async (request) => listRosterImports(ctx, request.params.program_id),
    );

    app.get<{ Params: { program_id: string; psn_no: string } }>(
      "/programs/:program_id/roster/:psn_no",
      {
        config: { roles: ["operator", "admin", "bureau"] },
        schema: {
          tags: ["roster"],
          summary: "查询名单中的参保人（身份证号脱敏；每次查询记入审计日志）",
          params: {
            type: "object",
            properties: {
              program_id: programParams.properties.program_id,
              psn_no: { type: "string", minLength: 1, maxLength: 32 },
            },
            required: ["program_id", "psn_no"],
          },
          response: { 200: personView, ...errorResponses },
        },
      },
      async (request) => {
        const p = await readRosterPerson(
          ctx,
          requireActor(request),
          request.params.program_id,
          request.params.psn_no,
        );
        return {
          psn_no: p.psnNo,
          psn_name: p.name,
          certno: p.certnoMasked,
          gend: p.gend,
          brdy: p.birthDate,
          insutype: p.insutype,
          admdvs: p.admdvs,
          unit_code: p.unitCode,
          cohort: p.cohort,
        };
      },
    );
  };
