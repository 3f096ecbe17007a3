/**
 * One rule set's findings on a product: the summary line and the table, as `hmb check` prints them. Used by
 * 项目与产品 (the program's pinned version) and 产品管理 (any published version, every rule set side by side:
 * where two rule sets disagree — yunnan-2023's 70 % floor against nfra-2025's "no pre-set ratio" — each shows
 * its own finding).
 */
import { Alert, Table, Typography } from "antd";
import type { ProductComplianceView } from "../../shared/types.js";
import { Pill, useTr } from "./common.js";

const STATUS_TAG: Record<string, { zh: string; en: string; color: string }> = {
  pass: { zh: "通过", en: "Pass", color: "success" },
  fail: { zh: "不符合", en: "Fail", color: "error" },
  not_applicable: { zh: "不适用", en: "N/A", color: "default" },
};

/** The rule sets a console user picks from, in the order the guidance appeared. */
export const RULE_SET_OPTIONS = [
  { value: "yunnan-2023", label: "云南 2023（云医保〔2023〕152号）" },
  { value: "shandong-rare-disease", label: "山东罕见病" },
  { value: "nfra-2025", label: "金融监管总局 2025（金办便函〔2025〕745号）" },
];

export function ComplianceFindings({ view, label }: { view: ProductComplianceView; label?: string }) {
  const tr = useTr();
  return (
    <>
      <Alert
        style={{ marginBottom: 12 }}
        type={view.failed > 0 ? "error" : "success"}
        showIcon
        title={tr({
          zh:
            view.failed > 0
              ? `${view.failed} 项不符合《${view.rules_name}》：请按下表修改产品后重新提交备案。`
              : `全部 ${view.passed} 项检查通过（${view.rules_name}）。`,
          en:
            view.failed > 0
              ? `${view.failed} findings fail ${view.rules_name}.`
              : `All ${view.passed} checks pass (${view.rules_name}).`,
        })}
      />
      <Table
        rowKey={(f) => `${f.rule}:${f.subject}:${f.note ?? ""}:${String(f.value)}`}
        size="small"
        aria-label={label ?? tr({ zh: "合规检查结果", en: "Compliance findings" })}
        pagination={{ pageSize: 30 }}
        dataSource={view.findings}
        columns={[
          { title: tr({ zh: "条款", en: "Clause" }), dataIndex: "clause", width: 72 },
          {
            title: tr({ zh: "结果", en: "Result" }),
            dataIndex: "status",
            render: (s: string) => (
              <Pill tone={STATUS_TAG[s]?.color}>{tr(STATUS_TAG[s] ?? { zh: s, en: s })}</Pill>
            ),
          },
          {
            title: tr({ zh: "规则", en: "Rule" }),
            key: "t",
            render: (_: unknown, f) => f.title ?? f.rule,
          },
          { title: tr({ zh: "对象", en: "Subject" }), dataIndex: "subject_name" },
          { title: tr({ zh: "实际值", en: "Value" }), dataIndex: "value_text" },
          { title: tr({ zh: "限值", en: "Limit" }), dataIndex: "limit_text" },
        ]}
      />
      <Typography.Paragraph type="secondary">{view.source}</Typography.Paragraph>
    </>
  );
}
