/**
 * Payout batches (赔款划付) and the daily reconciliation per institution. Batches are staff work (operator,
 * admin; co-insurers read them); an institution, signing its request, reconciles its own account only.
 */
import type { FastifyPluginAsync } from "fastify";
import {
  BatchParams,
  CreatedPayoutBatch,
  PayoutBatchBody,
  PayoutBatchList,
  PayoutBatchListQuery,
  PayoutBatchView,
  Reconciliation,
  ReconciliationQuery,
} from "../../contract/claims.js";
import { ProgramParams, SignedHeaders } from "../../contract/common.js";
import { errors, jsonOrFileReply, parsedBody, reply, request } from "../../contract/json-schema.js";
import { XLSX_TYPE } from "../../contract/paging.js";
import { createPayoutBatch, getPayoutBatch, listPayoutBatches } from "../../services/claims/payouts.js";
import { reconcile, reconciliationCsv, reconciliationXlsx } from "../../services/claims/reconciliation.js";
import type { PlatformContext } from "../../services/context.js";
import { requireActor } from "../auth.js";
import {
  presentCreatedPayoutBatch,
  presentPayoutBatch,
  presentPayoutBatchList,
  presentReconciliation,
} from "../present/claims.js";

export const payoutRoutes =
  (ctx: PlatformContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Params: { program_id: string }; Body: { payee?: unknown; through?: unknown } | undefined }>(
      "/programs/:program_id/payout-batches",
      {
        config: { roles: ["operator", "admin"] },
        schema: {
          tags: ["claims"],
          summary:
            "生成赔款划付批次 { payee: resident|hospital, through: yyyy-mm-dd }：截至 through（北京时间，含当日）已结算、未划付的赔款，扣减已划付后撤销的应退款；记一笔 claim_disbursement",
          params: request(ProgramParams),
          // payee and through are checked by createPayoutBatch (Chinese errors naming the field).
          ...parsedBody(PayoutBatchBody, "services/claims/payouts.ts createPayoutBatch"),
          response: { 200: reply(CreatedPayoutBatch), ...errors(422) },
        },
      },
      async (request): Promise<CreatedPayoutBatch> => {
        const body = request.body;
        const input = body !== null && typeof body === "object" ? body : {};
        return presentCreatedPayoutBatch(
          await createPayoutBatch(ctx, requireActor(request), request.params.program_id, {
            payee: input.payee,
            through: input.through,
          }),
        );
      },
    );

    app.get<{ Params: { program_id: string }; Querystring: Record<string, string | undefined> }>(
      "/programs/:program_id/payout-batches",
      {
        config: { roles: ["operator", "admin", "co_insurer"] },
        schema: {
          tags: ["claims"],
          summary:
            "赔款划付批次列表（不含明细，按批次先后）：按收款方、生成日（北京时间）筛选；给出 page 或 page_size（1–200）时分页，否则返回全部；order desc 新在前；读取留痕；导出见 payout-batches.xlsx",
          params: request(ProgramParams),
          querystring: request(PayoutBatchListQuery),
          response: { 200: reply(PayoutBatchList), ...errors() },
        },
      },
      async (request): Promise<PayoutBatchList> => {
        const q = request.query;
        return presentPayoutBatchList(
          await listPayoutBatches(ctx, requireActor(request), request.params.program_id, {
            payee: q.payee,
            from: q.from,
            to: q.to,
            order: q.order,
            page: q.page === undefined ? undefined : Number(q.page),
            pageSize: q.page_size === undefined ? undefined : Number(q.page_size),
          }),
        );
      },
    );

    app.get<{ Params: { program_id: string; batch_id: string } }>(
      "/programs/:program_id/payout-batches/:batch_id",
      {
        config: { roles: ["operator", "admin", "co_insurer"] },
        schema: {
          tags: ["claims"],
          summary: "一个划付批次及其明细（按收款机构或参保人），读取留痕",
          params: request(BatchParams),
          response: { 200: reply(PayoutBatchView), ...errors() },
        },
      },
      async (request): Promise<PayoutBatchView> =>
        presentPayoutBatch(
          await getPayoutBatch(
            ctx,
            requireActor(request),
            request.params.program_id,
            request.params.batch_id,
          ),
        ),
    );

    app.get<{ Params: { program_id: string }; Querystring: ReconciliationQuery }>(
      "/programs/:program_id/reconciliation",
      {
        config: { roles: ["operator", "admin", "hospital"], signed: true },
        schema: {
          tags: ["claims"],
          summary:
            "按机构按日对账（北京时间）：结算笔数、赔付、撤销、应付净额、已划付，与总账同笔核对（matches 与不符的 setl_id）；format=csv 或 xlsx 下载；定点机构签名请求（第 2 版签名，签名串含请求方法、路径与查询串）只见本机构",
          params: request(ProgramParams),
          headers: request(SignedHeaders),
          querystring: request(ReconciliationQuery),
          response: {
            200: jsonOrFileReply(
              Reconciliation,
              ["text/csv", XLSX_TYPE],
              "对账结果；format=csv 时为 CSV 文件，format=xlsx 时为 Excel",
            ),
            ...errors(),
          },
        },
      },
      async (request, reply) => {
        const q = request.query;
        const report = await reconcile(ctx, requireActor(request), request.params.program_id, {
          date: q.date,
          institution: q.institution,
        });
        if (q.format === "csv") {
          return reply
            .header("content-type", "text/csv; charset=utf-8")
            .header(
              "content-disposition",
              `attachment; filename="reconciliation-${request.params.program_id}-${q.date}.csv"`,
            )
            .send(reconciliationCsv(report));
        }
        if (q.format === "xlsx") {
          return reply
            .header("content-type", XLSX_TYPE)
            .header(
              "content-disposition",
              `attachment; filename="reconciliation-${request.params.program_id}-${q.date}.xlsx"`,
            )
            .send(await reconciliationXlsx(ctx, report));
        }
        return presentReconciliation(report);
      },
    );
  };
