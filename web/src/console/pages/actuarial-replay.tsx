/**
 * 方案回放对比 (issue 13 items 1 and 7): up to three candidate designs (a published product and one of its
 * plans; the program's own preselected) replayed over the program's stored claims by
 * POST /programs/{id}/replays; the answer is shown side by side (actuarial-replay-view.tsx).
 */
import { Alert, Button, Card, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { api } from "../../shared/api.js";
import type {
  ProductList,
  ProductSheet,
  ProductVersionDetail,
  ReplayBody,
  ReplayView,
} from "../../shared/types.js";
import { ReplayResult } from "./actuarial-replay-view.js";
import { base, Loading, useAction, useLoad, useTr } from "./common.js";

/** The console compares at most three designs: a table wider than that stops being readable side by side. */
const MAX_DESIGNS = 3;

interface Design {
  productId: string | undefined;
  plan: string | undefined;
}

type Products = ProductList["products"];

/** The plans of a published version's product file, as {id, name} (the file is untyped on the wire). */
function plansOf(detail: ProductVersionDetail | undefined): { id: string; name: string }[] {
  const plans = detail?.content.plans;
  if (!Array.isArray(plans)) return [];
  return plans.flatMap((p: unknown) => {
    const { id, name } = (p ?? {}) as { id?: unknown; name?: unknown };
    return typeof id === "string" ? [{ id, name: typeof name === "string" ? name : id }] : [];
  });
}

function DesignPicker({
  index,
  design,
  products,
  onChange,
  onRemove,
  onLabel,
}: {
  index: number;
  design: Design;
  products: Products;
  onChange: (d: Design) => void;
  onRemove: (() => void) | undefined;
  onLabel: (label: string | undefined) => void;
}) {
  const tr = useTr();
  const product = products.find((p) => p.product_id === design.productId);
  const detail = useLoad<ProductVersionDetail>(
    product === undefined
      ? null
      : `/api/v1/products/${encodeURIComponent(product.product_id)}/versions/${product.latest_version}`,
  );
  const plans = product === undefined ? [] : plansOf(detail.data);
  const planName = plans.find((p) => p.id === design.plan)?.name;
  // The column header is the product's and plan's Chinese names, never the raw ids.
  const label = product === undefined || planName === undefined ? undefined : `${product.name}·${planName}`;
  useEffect(() => onLabel(label), [label, onLabel]);
  const n = index + 1;
  return (
    <Space wrap>
      <strong>{tr({ zh: `设计 ${n}`, en: `Design ${n}` })}</strong>
      <Select
        aria-label={tr({ zh: `设计 ${n} 的产品`, en: `Product of design ${n}` })}
        placeholder={tr({ zh: "选择产品", en: "Choose a product" })}
        style={{ width: 280 }}
        value={design.productId}
        showSearch
        optionFilterProp="label"
        onChange={(v: string) => onChange({ productId: v, plan: undefined })}
        options={products.map((p) => ({ value: p.product_id, label: p.name }))}
      />
      <Select
        aria-label={tr({ zh: `设计 ${n} 的方案`, en: `Plan of design ${n}` })}
        placeholder={tr({ zh: "选择方案", en: "Choose a plan" })}
        style={{ width: 220 }}
        // Until the product's plans have loaded, a plan id would show as itself: show nothing instead.
        value={plans.length === 0 ? undefined : design.plan}
        disabled={plans.length === 0}
        onChange={(v: string) => onChange({ ...design, plan: v })}
        options={plans.map((p) => ({ value: p.id, label: p.name }))}
      />
      {onRemove === undefined ? null : (
        <Button onClick={onRemove}>{tr({ zh: `移除设计 ${n}`, en: `Remove design ${n}` })}</Button>
      )}
    </Space>
  );
}

export function ReplayCompare() {
  const tr = useTr();
  const own = useLoad<ProductSheet>("/product");
  const list = useLoad<ProductList>("/api/v1/products");
  const [designs, setDesigns] = useState<Design[]>([]);
  const [labels, setLabels] = useState<(string | undefined)[]>([]);
  const [result, setResult] = useState<ReplayView | undefined>();
  const action = useAction();

  // The program's own product and first plan are the baseline every candidate is compared with.
  useEffect(() => {
    if (own.data !== undefined && designs.length === 0)
      setDesigns([{ productId: own.data.product_id, plan: own.data.plans[0]?.id }]);
  }, [own.data, designs.length]);

  const ready = designs.length > 0 && designs.every((d) => d.productId !== undefined && d.plan !== undefined);

  async function run() {
    const seen = new Map<string, number>();
    const body: ReplayBody = {
      designs: designs.map((d, i) => {
        // Two columns of the same design still need headers that tell them apart.
        const name = labels[i] ?? `${d.productId}:${d.plan}`;
        const times = (seen.get(name) ?? 0) + 1;
        seen.set(name, times);
        return {
          product_id: d.productId as string,
          plan: d.plan as string,
          label: times === 1 ? name : `${name}（${times}）`,
        };
      }),
    };
    await action.run(
      async () => {
        setResult(await api<ReplayView>("POST", `${base()}/replays`, body));
      },
      () => setResult(undefined),
    );
  }

  return (
    <Card
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "方案回放对比", en: "Design replay" })}</h3>}
    >
      <Typography.Paragraph>
        {tr({
          zh: "把本项目已存的结算记录按候选设计（产品 + 方案）逐一重算：各设计的赔付、赔付率、减负率、赔付分布与合规检查并列对比，供设计下一年度产品（云医保〔2023〕152号第十一条、金办便函〔2025〕745号）。只读，不改变任何数据。",
          en: "Replays the program's stored claims under each candidate design (product + plan): payout, loss ratio, burden reduction, payout distribution and compliance side by side. Read-only.",
        })}
      </Typography.Paragraph>
      <Loading state={list}>
        {(l) => (
          <Space orientation="vertical" size={12} style={{ width: "100%" }}>
            {designs.map((d, i) => (
              <DesignPicker
                // biome-ignore lint/suspicious/noArrayIndexKey: designs are positional columns
                key={i}
                index={i}
                design={d}
                products={l.products}
                onChange={(next) => {
                  setDesigns(designs.map((x, j) => (j === i ? next : x)));
                }}
                onLabel={(label) =>
                  setLabels((ls) => {
                    if (ls[i] === label) return ls;
                    const copy = [...ls];
                    copy[i] = label;
                    return copy;
                  })
                }
                onRemove={
                  designs.length > 1
                    ? () => {
                        setDesigns(designs.filter((_, j) => j !== i));
                        setLabels(labels.filter((_, j) => j !== i));
                      }
                    : undefined
                }
              />
            ))}
            <Space>
              <Button
                disabled={designs.length >= MAX_DESIGNS}
                onClick={() => setDesigns([...designs, { productId: undefined, plan: undefined }])}
              >
                {tr({ zh: "添加设计", en: "Add a design" })}
              </Button>
              <Button type="primary" disabled={!ready} loading={action.busy} onClick={() => void run()}>
                {tr({ zh: "开始回放", en: "Run the replay" })}
              </Button>
              <Typography.Text type="secondary">
                {tr({ zh: `最多 ${MAX_DESIGNS} 个设计`, en: `Up to ${MAX_DESIGNS} designs` })}
              </Typography.Text>
            </Space>
          </Space>
        )}
      </Loading>
      {action.error === undefined ? null : (
        <Alert type="error" role="alert" showIcon title={action.error} style={{ marginTop: 12 }} />
      )}
      {result === undefined ? null : <ReplayResult view={result} />}
    </Card>
  );
}
