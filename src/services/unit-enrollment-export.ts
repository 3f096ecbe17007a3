/**
 * 保单 export (issue 14): the console's filtered policy list as an Excel workbook, made on the server from the
 * same search (services/console.ts listPolicies — its filters and masking), every code in Chinese.
 */
import ExcelJS from "exceljs";
import { type Fen, formatYuan } from "../domain/money.js";
import { formatBusinessTime } from "../domain/time.js";
import {
  ENROLLMENT_KIND_LABELS,
  labelOf,
  PAYMENT_CHANNEL_LABELS,
  POLICY_STATUS_LABELS,
  RELATION_LABELS,
} from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { listPolicies, type PolicyListItem } from "./console.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { addTableSheet, type Cell } from "./reports/table.js";

/** The most rows one export holds; a larger list is refused with what to do (narrow the filters). */
export const POLICY_EXPORT_MAX_ROWS = 20_000;
/** The list's page size (its maximum) while collecting the rows. */
const PAGE = 200;
/** Column widths in points, as the report tables give them (addTableSheet turns them into characters). */
const WIDTHS = [150, 90, 70, 80, 70, 80, 80, 70, 70, 70, 120, 120];
const POINTS_PER_CHAR = 6;

export type PolicyExportQuery = Omit<Parameters<typeof listPolicies>[3], "limit" | "offset">;

const text = (value: string | null): Cell => ({ kind: "text", value });
// A yuan cell as the report tables write one (render.ts): the one formatter, a number in the workbook.
const yuan = (fen: Fen): Cell => ({ kind: "yuan", value: formatYuan(fen) });
const time = (iso: string | null) => (iso === null ? null : formatBusinessTime(new Date(iso).getTime()));

function rowOf(p: PolicyListItem): Cell[] {
  return [
    text(p.policy_no),
    text(p.psn_no),
    text(p.psn_name),
    text(p.plan_name),
    text(labelOf(ENROLLMENT_KIND_LABELS, p.enrollment_kind)),
    text(labelOf(RELATION_LABELS, p.relation)),
    text(p.unit_code ?? p.pool_id ?? "—"),
    yuan(p.premium_fen),
    text(labelOf(POLICY_STATUS_LABELS, p.status)),
    text(labelOf(PAYMENT_CHANNEL_LABELS, p.paid_channel)),
    text(time(p.issued_at)),
    text(time(p.cancelled_at)),
  ];
}

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
  const wb = new ExcelJS.Workbook();
  wb.creator = "hmb";
  addTableSheet(
    wb,
    {
      id: "保单清单",
      title: `保单清单（${rows.length} 件，导出于 ${formatBusinessTime(ctx.clock.now().getTime())}）`,
      headers: [
        "保单号",
        "人员编号",
        "姓名",
        "方案",
        "投保方式",
        "关系",
        "单位/资金池",
        "保费（元）",
        "状态",
        "缴费渠道",
        "出单时间",
        "退保时间",
      ],
      widths: WIDTHS,
      rows: rows.map(rowOf),
      note: "姓名已脱敏；共保公司与慈善机构导出的人员编号亦为脱敏。",
    },
    POINTS_PER_CHAR,
  );
  await audit(ctx.db, actor, programId, "policy.export", query.status ?? "*", {
    kind: query.kind ?? null,
    channel: query.channel ?? null,
    search: query.policyNo !== undefined || query.psnNo !== undefined || query.name !== undefined,
    count: rows.length,
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}
