/**
 * 保单 export (issue 14): the console's filtered policy list as an Excel workbook, made on the server from the
 * same search (services/console.ts listPolicies — its filters and masking), every code in Chinese.
 */
import { EXPORT_MAX_ROWS, PAGE_SIZE_MAX } from "../contract/paging.js";
import {
  ENROLLMENT_KIND_LABELS,
  PAYMENT_CHANNEL_LABELS,
  POLICY_STATUS_LABELS,
  RELATION_LABELS,
} from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { listPolicies, type PolicyListItem } from "./console.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { cells, type ExportColumn, tableXlsx } from "./table-export.js";

/** The most rows one export holds; a larger list is refused with what to do (narrow the filters). */
export const POLICY_EXPORT_MAX_ROWS = EXPORT_MAX_ROWS;
/** The list's page size (its maximum) while collecting the rows. */
const PAGE = PAGE_SIZE_MAX;

export type PolicyExportQuery = Omit<Parameters<typeof listPolicies>[3], "limit" | "offset">;

const POLICY_EXPORT: readonly ExportColumn<PolicyListItem>[] = [
  { header: "保单号", width: 150, cell: (p) => cells.text(p.policy_no) },
  { header: "人员编号", width: 90, cell: (p) => cells.text(p.psn_no) },
  { header: "姓名", width: 70, cell: (p) => cells.text(p.psn_name) },
  { header: "方案", width: 80, cell: (p) => cells.text(p.plan_name) },
  { header: "投保方式", width: 70, cell: (p) => cells.label(ENROLLMENT_KIND_LABELS, p.enrollment_kind) },
  { header: "关系", width: 80, cell: (p) => cells.label(RELATION_LABELS, p.relation) },
  { header: "单位/资金池", width: 80, cell: (p) => cells.text(p.unit_code ?? p.pool_id ?? "—") },
  { header: "保费（元）", width: 70, cell: (p) => cells.fen(p.premium_fen) },
  { header: "状态", width: 70, cell: (p) => cells.label(POLICY_STATUS_LABELS, p.status) },
  { header: "缴费渠道", width: 70, cell: (p) => cells.label(PAYMENT_CHANNEL_LABELS, p.paid_channel) },
  { header: "出单时间", width: 120, cell: (p) => cells.time(p.issued_at) },
  { header: "退保时间", width: 120, cell: (p) => cells.time(p.cancelled_at) },
];

/** The filtered policies as an .xlsx workbook; audited once, as the export (not page by page). */
export async function policiesXlsx(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  query: PolicyExportQuery,
): Promise<Buffer> {
  const rows: PolicyListItem[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await listPolicies(
      ctx,
      actor,
      programId,
      { ...query, limit: PAGE, offset },
      { audited: false },
    );
    if (page.total > POLICY_EXPORT_MAX_ROWS) {
      throw new ServiceError(
        "unprocessable",
        "export_too_large",
        `符合条件的保单有 ${page.total} 件，超过一次导出的上限 ${POLICY_EXPORT_MAX_ROWS} 件：请增加筛选条件后再导出`,
        "status",
      );
    }
    rows.push(...page.policies);
    if (page.policies.length < PAGE || rows.length >= page.total) break;
  }
  await audit(ctx.db, actor, programId, "policy.export", query.status ?? "*", {
    kind: query.kind ?? null,
    channel: query.channel ?? null,
    search: query.policyNo !== undefined || query.psnNo !== undefined || query.name !== undefined,
    count: rows.length,
  });
  return tableXlsx({
    sheet: "保单清单",
    columns: POLICY_EXPORT,
    rows,
    now: ctx.clock.now(),
    note: "姓名已脱敏；共保公司与慈善机构导出的人员编号亦为脱敏。",
  });
}
