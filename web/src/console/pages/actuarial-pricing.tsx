/**
 * 费率表 (issue 13 items 4 and 7): the program's experience priced by rate group under its own design
 * (POST /programs/{id}/pricing; docs/pricing.md) — per group exposure, claimants, frequency, severity, pure
 * premium, credibility, credible and projected cost and the premium, then the premium variants in the
 * product-file form. Aggregates only: no person is shown.
 */
import { Alert, Button, Card, Checkbox, InputNumber, Select, Space, Table, Typography } from "antd";
import { useEffect, useState } from "react";
import { api } from "../../shared/api.js";
import type { PricingBody, PricingView, ProductSheet } from "../../shared/types.js";
import { base, Loading, useAction, useLoad, useTr } from "./common.js";

type Dim = "age" | "sex" | "health";
type GroupRow = PricingView["groups"][number];

const DEFAULT_DIMS: Dim[] = ["age", "sex", "health"];
const DEFAULT_TARGET_LOSS_RATIO = 0.85;
const DEFAULT_EXPENSE = 0.1;
const DEFAULT_TREND = 0.05;

const percent = (rate: string) => `${(Number(rate) * 100).toFixed(2)}%`;

export function Pricing() {
  const tr = useTr();
  const own = useLoad<ProductSheet>("/product");
  const [plan, setPlan] = useState<string | undefined>();
  const [dims, setDims] = useState<Dim[]>(DEFAULT_DIMS);
  const [targetLossRatio, setTargetLossRatio] = useState<number>(DEFAULT_TARGET_LOSS_RATIO);
  const [expense, setExpense] = useState<number>(DEFAULT_EXPENSE);
  const [trend, setTrend] = useState<number>(DEFAULT_TREND);
  const [result, setResult] = useState<PricingView | undefined>();
  const action = useAction();

  useEffect(() => {
    if (own.data !== undefined && plan === undefined) setPlan(own.data.plans[0]?.id);
  }, [own.data, plan]);

  async function run(productId: string) {
    const body: PricingBody = {
      product_id: productId,
      plan: plan as string,
      groups: dims.join(","),
      target_loss_ratio: targetLossRatio,
      expense,
      trend,
    };
    await action.run(
      async () => {
        setResult(await api<PricingView>("POST", `${base()}/pricing`, body));
      },
      () => setResult(undefined),
    );
  }

  const dimOptions = [
    { value: "age", label: tr({ zh: "年龄段", en: "Age band" }) },
    { value: "sex", label: tr({ zh: "性别", en: "Sex" }) },
    { value: "health", label: tr({ zh: "既往症", en: "Pre-existing" }) },
  ];

  return (
    <Card title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "费率表", en: "Rate table" })}</h3>}>
      <Typography.Paragraph>
        {tr({
          zh: "按年龄段、性别、既往症分组，用本项目的经验（按所选方案重算）求各组出险率、件均赔付和纯保费，以 Bühlmann–Straub 可信度向全体平均加权，计入医疗费用趋势和 IBNR，再按目标赔付率定出各组保费（金办便函〔2025〕745号：费率按年龄、性别、健康状况分组）。只读，不改变任何数据。",
          en: "Groups by age band, sex and pre-existing status; frequency, severity and pure premium from the program's experience replayed under the plan, Bühlmann–Straub credibility toward the pool, trend and IBNR, premium per group at the target loss ratio. Read-only.",
        })}
      </Typography.Paragraph>
      <Loading state={own}>
        {(sheet) => (
          <Space wrap>
            <Select
              aria-label={tr({ zh: "方案", en: "Plan" })}
              style={{ width: 220 }}
              value={plan}
              onChange={(v: string) => setPlan(v)}
              options={sheet.plans.map((p) => ({ value: p.id, label: p.name }))}
            />
            <Checkbox.Group
              aria-label={tr({ zh: "分组维度", en: "Dimensions" })}
              value={dims}
              onChange={(v) => setDims(v as Dim[])}
              options={dimOptions}
            />
            <span>{tr({ zh: "目标赔付率", en: "Target loss ratio" })}</span>
            <InputNumber
              aria-label={tr({ zh: "目标赔付率", en: "Target loss ratio" })}
              min={0.01}
              max={1}
              step={0.01}
              value={targetLossRatio}
              onChange={(v) => setTargetLossRatio(v ?? DEFAULT_TARGET_LOSS_RATIO)}
            />
            <span>{tr({ zh: "费用率", en: "Expense rate" })}</span>
            <InputNumber
              aria-label={tr({ zh: "费用率", en: "Expense rate" })}
              min={0}
              max={0.99}
              step={0.01}
              value={expense}
              onChange={(v) => setExpense(v ?? DEFAULT_EXPENSE)}
            />
            <span>{tr({ zh: "年趋势", en: "Annual trend" })}</span>
            <InputNumber
              aria-label={tr({ zh: "年趋势", en: "Annual trend" })}
              min={-0.5}
              max={0.5}
              step={0.01}
              value={trend}
              onChange={(v) => setTrend(v ?? DEFAULT_TREND)}
            />
            <Button
              type="primary"
              disabled={plan === undefined}
              loading={action.busy}
              onClick={() => void run(sheet.product_id)}
            >
              {tr({ zh: "计算费率表", en: "Price" })}
            </Button>
          </Space>
        )}
      </Loading>
      {action.error === undefined ? null : (
        <Alert type="error" role="alert" showIcon title={action.error} style={{ marginTop: 12 }} />
      )}
      {result === undefined ? null : <PricingResult view={result} />}
    </Card>
  );
}

function PricingResult({ view }: { view: PricingView }) {
  const tr = useTr();
  const yuan = (s: string) => `${s} ${tr({ zh: "元", en: "yuan" })}`;
  const columns = [
    { title: tr({ zh: "费率组", en: "Rate group" }), dataIndex: "label", key: "label" },
    { title: tr({ zh: "参保人数", en: "Insured" }), dataIndex: "exposure", key: "exposure" },
    { title: tr({ zh: "出险人数", en: "Claimants" }), dataIndex: "claimants", key: "claimants" },
    {
      title: tr({ zh: "出险率", en: "Frequency" }),
      key: "frequency",
      render: (_: unknown, g: GroupRow) => percent(g.frequency),
    },
    { title: tr({ zh: "件均赔付（元）", en: "Severity" }), dataIndex: "severity", key: "severity" },
    { title: tr({ zh: "纯保费（元/人）", en: "Pure premium" }), dataIndex: "pure_premium", key: "pure" },
    { title: tr({ zh: "可信度 Z", en: "Credibility Z" }), dataIndex: "credibility", key: "z" },
    { title: tr({ zh: "可信成本（元/人）", en: "Credible cost" }), dataIndex: "credible_cost", key: "cred" },
    {
      title: tr({ zh: "预测成本（元/人）", en: "Projected cost" }),
      dataIndex: "projected_cost",
      key: "proj",
    },
    { title: tr({ zh: "保费（元/人）", en: "Premium" }), dataIndex: "premium", key: "premium" },
  ];
  const a = view.assumptions;
  return (
    <Space orientation="vertical" size={12} style={{ width: "100%", marginTop: 16 }}>
      <Table<GroupRow>
        aria-label={tr({ zh: "费率组", en: "Rate groups" })}
        size="small"
        pagination={false}
        rowKey="key"
        columns={columns}
        dataSource={view.groups}
        summary={() => (
          <Table.Summary.Row>
            <Table.Summary.Cell index={0}>{tr({ zh: "全体", en: "Pool" })}</Table.Summary.Cell>
            <Table.Summary.Cell index={1}>{view.pool.exposure}</Table.Summary.Cell>
            <Table.Summary.Cell index={2}>{view.pool.claimants}</Table.Summary.Cell>
            <Table.Summary.Cell index={3}>{percent(view.pool.frequency)}</Table.Summary.Cell>
            <Table.Summary.Cell index={4}>{view.pool.severity}</Table.Summary.Cell>
            <Table.Summary.Cell index={5}>{view.pool.pure_premium}</Table.Summary.Cell>
            <Table.Summary.Cell index={6}>—</Table.Summary.Cell>
            <Table.Summary.Cell index={7}>{view.structure.collective_mean}</Table.Summary.Cell>
            <Table.Summary.Cell index={8}>{view.pool.projected_cost}</Table.Summary.Cell>
            <Table.Summary.Cell index={9}>{view.pool.premium}</Table.Summary.Cell>
          </Table.Summary.Row>
        )}
      />
      <Typography.Paragraph>
        <strong>{tr({ zh: "各项说明", en: "What each figure is" })}</strong>
        <br />
        {tr({
          zh: `出险率 = 出险人数 ÷ 参保人数；件均赔付 = 赔付合计 ÷ 出险人数；纯保费 = 赔付合计 ÷ 参保人数。可信度 Z = 参保人数 ÷ (参保人数 + k)，k = 组内方差 ÷ 组间方差${view.structure.k === null ? "（组间差异不显著，Z 全为 0）" : ` = ${view.structure.k}`}；可信成本 = Z × 纯保费 + (1 − Z) × 全体平均 ${yuan(view.structure.collective_mean)}。预测成本 = 可信成本 × (1 + IBNR ${a.ibnr_factor}) × (1 + 趋势 ${a.trend})^${a.trend_years}。保费 = 预测成本 ÷ 目标赔付率 ${a.target_loss_ratio}，向上取整到元；其中费用 ${percent(a.expense)}，余量 ${percent(a.margin)}。`,
          en: `Frequency = claimants ÷ insured; severity = paid ÷ claimants; pure premium = paid ÷ insured. Z = insured ÷ (insured + k); credible cost = Z × own + (1 − Z) × pool. Projected = credible × (1 + IBNR ${a.ibnr_factor}) × (1 + trend ${a.trend})^${a.trend_years}. Premium = projected ÷ target loss ratio ${a.target_loss_ratio}, rounded up to the yuan.`,
        })}
      </Typography.Paragraph>
      <Card size="small" title={tr({ zh: "产品文件保费（premium）", en: "Premium block (product file)" })}>
        <Typography.Paragraph>
          {tr({ zh: "基准保费", en: "Base premium" })}：{view.premium.base} {tr({ zh: "元", en: "yuan" })}
          {tr({ zh: "（年龄或性别不详者按此收取）", en: " (persons of unknown age or sex)" })}
        </Typography.Paragraph>
        <ul aria-label={tr({ zh: "保费分档", en: "Premium variants" })}>
          {view.premium.variants.map((v) => (
            <li key={v.label}>
              {v.label}：{v.amount} {tr({ zh: "元", en: "yuan" })}
            </li>
          ))}
        </ul>
        <pre style={{ fontSize: 12, whiteSpace: "pre-wrap" }}>
          {JSON.stringify({ premium: view.premium }, null, 2)}
        </pre>
      </Card>
      {view.warnings.map((w) => (
        <Alert key={w} type="warning" showIcon title={w} />
      ))}
    </Space>
  );
}
