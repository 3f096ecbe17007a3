/**
 * 精算回溯 (issue 13 items 5 and 7): GET /programs/{id}/reports/retrospective?format=json — priced vs actual by
 * rate group, the reserve, anonymized large claims and next year's candidate designs (each replayed and
 * checked against the rule sets, the recommended one marked), with the PDF and Excel of the same report for
 * the bureau. Figures are the server's; nothing is computed here. No person is shown (large claims carry
 * sequential labels only).
 */
import { Alert, Button, Card, Input, Space, Table, Typography } from "antd";
import { useState } from "react";
import { formatPercent } from "../../../../src/domain/money.js";
import { yuan } from "../../shared/format.js";
import type { RetrospectiveView } from "../../shared/types.js";
import { DownloadButtons } from "../download.js";
import { yuanColumn } from "./columns.js";
import { base, Loading, Pill, useLoad, useTr } from "./common.js";

type Group = RetrospectiveView["groups"][number];
type LargeClaim = RetrospectiveView["large_claims"][number];
type Candidate = RetrospectiveView["proposal"]["candidates"][number];

const RATIO_SCALE = 10_000;

/** "0.8512" → "85.12%" exactly; null → "—". */
function percent(r: string | null | undefined): string {
  if (r === null || r === undefined) return "—";
  const [whole = "0", frac = ""] = r.split(".");
  return formatPercent(Number(whole) * RATIO_SCALE + Number(frac.padEnd(4, "0").slice(0, 4)));
}

export function Retrospective() {
  const tr = useTr();
  const [typed, setTyped] = useState("0.85");
  const [target, setTarget] = useState("0.85");
  const valid = /^\d(\.\d{1,4})?$/.test(typed) && Number(typed) > 0 && Number(typed) <= 2;
  const query = `target_loss_ratio=${encodeURIComponent(target)}`;
  const r = useLoad<RetrospectiveView>(`/reports/retrospective?format=json&${query}`);
  const href = (format: string) => `${base()}/reports/retrospective?format=${format}&${query}`;
  return (
    <Card
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "精算回溯", en: "Retrospective" })}</h3>}
      extra={
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) setTarget(typed);
          }}
        >
          <Space wrap>
            <label htmlFor="retro-target">{tr({ zh: "目标赔付率", en: "Target loss ratio" })}</label>
            <Input
              id="retro-target"
              value={typed}
              onChange={(e) => setTyped(e.target.value.trim())}
              style={{ width: 90 }}
              status={valid ? "" : "error"}
              aria-invalid={!valid}
            />
            <Button htmlType="submit" disabled={!valid}>
              {tr({ zh: "重新测算", en: "Recompute" })}
            </Button>
            <DownloadButtons
              path={href}
              name={tr({ zh: "精算回溯", en: "retrospective" })}
              formats={["pdf", "xlsx"]}
            />
          </Space>
        </form>
      }
    >
      <Loading state={r}>{(v) => <RetrospectiveBody v={v} />}</Loading>
    </Card>
  );
}

function RetrospectiveBody({ v }: { v: RetrospectiveView }) {
  const tr = useTr();
  const p = v.proposal;
  const best = p.recommended === null ? undefined : p.candidates[p.recommended];
  const groupRows = [...v.groups, { ...v.total, key: "__total" }];
  return (
    <Space orientation="vertical" size={16} style={{ width: "100%" }}>
      <Typography.Paragraph>
        {tr({
          zh: `${v.program_name}（${v.product_name}），保险期间 ${v.coverage_from} 至 ${v.coverage_to}，评估日 ${v.as_of}。依据云医保〔2023〕152号第十一条与金办便函〔2025〕745号：按费率组回溯定价与实际，测算下年度调整方案。`,
          en: `${v.program_name}, coverage ${v.coverage_from} – ${v.coverage_to}, as of ${v.as_of}.`,
        })}
      </Typography.Paragraph>
      <Table<Group>
        aria-label={tr({ zh: "分费率组定价与实际", en: "Priced vs actual by rate group" })}
        title={() => (
          <strong>{tr({ zh: "一、分费率组定价与实际", en: "1. Priced vs actual by rate group" })}</strong>
        )}
        rowKey="key"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={groupRows}
        columns={[
          { title: tr({ zh: "费率组", en: "Rate group" }), dataIndex: "label" },
          { title: tr({ zh: "参保人数", en: "Insured" }), dataIndex: "persons", align: "right" },
          { title: tr({ zh: "满期人年", en: "Exposure" }), dataIndex: "exposure_years", align: "right" },
          yuanColumn<Group>(tr({ zh: "实收保费（元）", en: "Premium" }), "premium"),
          yuanColumn<Group>(tr({ zh: "定价预期赔款（元）", en: "Expected claims" }), "expected_claims"),
          yuanColumn<Group>(tr({ zh: "实际赔款（元）", en: "Claims paid" }), "hmb_pay"),
          {
            title: tr({ zh: "赔付率", en: "Loss ratio" }),
            key: "lr",
            align: "right",
            render: (_: unknown, g: Group) => percent(g.loss_ratio),
          },
          {
            title: tr({ zh: "实际/预期", en: "A/E" }),
            key: "ae",
            align: "right",
            render: (_: unknown, g: Group) => percent(g.actual_to_expected),
          },
          { title: tr({ zh: "赔付件数", en: "Paid claims" }), dataIndex: "paid_claims", align: "right" },
          {
            title: tr({ zh: "千人赔付件数", en: "Frequency ‰" }),
            dataIndex: "frequency_per_mille",
            align: "right",
            render: (x: string | null) => x ?? "—",
          },
          yuanColumn<Group>(tr({ zh: "件均赔款（元）", en: "Severity" }), "severity"),
        ]}
      />
      <Alert
        type="info"
        showIcon
        title={tr({
          zh: `二、赔款进展与准备金：已付 ${yuan(v.reserve.paid)} 元，${v.reserve.method_name} IBNR ${yuan(v.reserve.ibnr)} 元，最终赔款估计 ${yuan(v.reserve.ultimate)} 元，最终赔付率 ${percent(v.reserve.ultimate_loss_ratio)}。`,
          en: `2. Reserve: paid ${yuan(v.reserve.paid)}, IBNR ${yuan(v.reserve.ibnr)}, ultimate ${yuan(v.reserve.ultimate)}, ultimate loss ratio ${percent(v.reserve.ultimate_loss_ratio)}.`,
        })}
        description={
          [
            v.reserve.factors.length === 0
              ? ""
              : tr({
                  zh: `链梯法逐月进展因子：${v.reserve.factors.join("、")}`,
                  en: `Factors: ${v.reserve.factors.join(", ")}`,
                }),
            v.reserve.note ?? "",
          ]
            .filter((x) => x !== "")
            .join(" ") || undefined
        }
      />
      <Table<LargeClaim>
        aria-label={tr({ zh: "大额赔付（匿名）", en: "Large claims (anonymized)" })}
        title={() => (
          <strong>{tr({ zh: "三、大额赔付（匿名，按人累计）", en: "3. Large claims (anonymized)" })}</strong>
        )}
        rowKey="label"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={v.large_claims}
        columns={[
          { title: tr({ zh: "编号", en: "Label" }), dataIndex: "label" },
          { title: tr({ zh: "费率组", en: "Rate group" }), dataIndex: "group" },
          { title: tr({ zh: "疾病类别", en: "Diagnosis" }), dataIndex: "diagnosis_category" },
          { title: tr({ zh: "赔付件数", en: "Claims" }), dataIndex: "claims", align: "right" },
          yuanColumn<LargeClaim>(tr({ zh: "医疗总费用（元）", en: "Medical cost" }), "medical_cost"),
          yuanColumn<LargeClaim>(tr({ zh: "赔前个人负担（元）", en: "Burden" }), "burden"),
          yuanColumn<LargeClaim>(tr({ zh: "惠民保赔付（元）", en: "Paid" }), "hmb_pay"),
          {
            title: tr({ zh: "负担减轻", en: "Reduction" }),
            key: "br",
            align: "right",
            render: (_: unknown, l: LargeClaim) => percent(l.burden_reduction),
          },
        ]}
      />
      <Alert
        type={best === undefined ? "warning" : "success"}
        showIcon
        title={
          best === undefined
            ? tr({ zh: "四、下年度方案：没有可推荐的方案", en: "4. Proposal: none to recommend" })
            : tr({ zh: `四、推荐下年度方案：${best.label}`, en: `4. Recommended: ${best.label}` })
        }
        description={p.reason}
      />
      <Table<Candidate & { index: number }>
        aria-label={tr({ zh: "下年度候选方案", en: "Candidate designs" })}
        title={() => (
          <strong>
            {tr({
              zh: `候选方案（以「${v.plan_name}」为基础逐一回放；目标赔付率 ${percent(p.target_loss_ratio)}，进展因子 ${p.development_factor}）`,
              en: `Candidates (target ${percent(p.target_loss_ratio)}, development factor ${p.development_factor})`,
            })}
          </strong>
        )}
        rowKey="index"
        size="small"
        pagination={{ pageSize: 15 }}
        scroll={{ x: true }}
        dataSource={p.candidates.map((c, index) => ({ ...c, index }))}
        columns={[
          {
            title: tr({ zh: "调整内容", en: "Change" }),
            key: "label",
            render: (_: unknown, c: Candidate & { index: number }) => (
              <Space size={4}>
                {c.label}
                {c.index === p.recommended ? (
                  <Pill tone="success">{tr({ zh: "推荐", en: "Recommended" })}</Pill>
                ) : null}
              </Space>
            ),
          },
          yuanColumn<Candidate & { index: number }>(tr({ zh: "惠民保赔付（元）", en: "Paid" }), "hmb_pay"),
          yuanColumn<Candidate & { index: number }>(tr({ zh: "保费（元）", en: "Premium" }), "premium"),
          {
            title: tr({ zh: "回放赔付率", en: "Replayed LR" }),
            key: "lr",
            align: "right",
            render: (_: unknown, c: Candidate) => percent(c.loss_ratio),
          },
          {
            title: tr({ zh: "预测赔付率", en: "Projected LR" }),
            key: "plr",
            align: "right",
            render: (_: unknown, c: Candidate) => percent(c.projected_loss_ratio),
          },
          {
            title: tr({ zh: "负担减轻", en: "Burden reduction" }),
            key: "br",
            align: "right",
            render: (_: unknown, c: Candidate) => percent(c.burden_reduction),
          },
          { title: tr({ zh: "受益人数", en: "Beneficiaries" }), dataIndex: "beneficiaries", align: "right" },
          {
            title: tr({ zh: "合规检查", en: "Compliance" }),
            key: "compliance",
            render: (_: unknown, c: Candidate) =>
              c.compliant ? (
                <Pill tone="success">{tr({ zh: "通过", en: "Pass" })}</Pill>
              ) : (
                <span>
                  <Pill tone="error">{tr({ zh: "不通过", en: "Fail" })}</Pill>
                  {c.compliance.flatMap((s) => s.new_failures).join("；")}
                </span>
              ),
          },
        ]}
      />
      {p.existing_failures.length === 0 ? null : (
        <Typography.Paragraph type="secondary">
          {tr({
            zh: `现行产品本身已有、与本次调整无关的不合规项（须另行整改）：${p.existing_failures.join("；")}`,
            en: `The current product's own findings: ${p.existing_failures.join("; ")}`,
          })}
        </Typography.Paragraph>
      )}
    </Space>
  );
}
