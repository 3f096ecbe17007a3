import { Readable } from "node:stream";
import type { FastifyPluginAsync } from "fastify";
import { ProgramParams } from "../../contract/common.js";
import { errors, fileBody, reply, request } from "../../contract/json-schema.js";
import { ProgressQuery } from "../../contract/progress.js";
import {
  ROSTER_CSV_TYPE,
  ROSTER_FILE,
  RosterImportList,
  RosterImportResult,
  RosterPersonParams,
  RosterPersonView,
  ROSTER_XLSX_TYPE as XLSX_TYPE,
} from "../../contract/roster.js";
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
import type { ProgressBoard } from "../progress.js";

const IMPORT_BODY_LIMIT = 50 * 1024 * 1024;

/** Roster routes. The text/csv and XLSX body parsers are registered in this plugin only. */
export const rosterRoutes =
  (ctx: PlatformContext, board: ProgressBoard): FastifyPluginAsync =>
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

    app.post<{ Params: { program_id: string }; Querystring: ProgressQuery }>(
      "/programs/:program_id/roster/imports",
      {
        bodyLimit: IMPORT_BODY_LIMIT,
        config: { roles: ["admin", "operator"] },
        schema: {
          tags: ["roster"],
          summary:
            "导入参保人员名单（text/csv 或 xlsx；与 hmb roster import 相同规则，可重复导入）；带 progress= 时，导入过程中可按 GET /programs/{program_id}/progress/{ref} 查看已处理与被拒行数",
          params: request(ProgramParams),
          querystring: request(ProgressQuery),
          ...fileBody(
            [ROSTER_CSV_TYPE, XLSX_TYPE],
            ROSTER_FILE,
            "services/roster csvRecords / xlsxRecords（逐行校验，错误指明行与列）",
          ),
          response: { 200: reply(RosterImportResult), ...errors(413, 415) },
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
        const actor = requireActor(request);
        const programId = request.params.program_id;
        const result = await board.run(
          { programId, ref: request.query.progress, actor, action: "roster_import" },
          (progress) =>
            importRoster(ctx, actor, programId, records, {
              maxErrors: 1000,
              source: "api",
              onProgress: (read, rejected) => progress.counts(read, rejected),
            }),
          (r) => ({ read: r.read, rejected: r.rejected, total: r.read }),
        );
        return {
          import_id: result.importId,
          persons: result.persons,
          ...rosterImportCounts(result),
          errors: result.errors,
          errors_truncated: result.errorsTruncated,
        };
      },
    );

    app.get<{ Params: { program_id: string } }>(
      "/programs/:program_id/roster/imports",
      {
        config: { roles: ["admin", "operator", "bureau"] },
        schema: {
          tags: ["roster"],
          summary:
            "名单导入记录（最近 50 次，最新在前）：状态、起止时间、来源与各项计数；运行中的导入显示为 running",
          params: request(ProgramParams),
          response: { 200: reply(RosterImportList), ...errors() },
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
          params: request(RosterPersonParams),
          response: { 200: reply(RosterPersonView), ...errors() },
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
