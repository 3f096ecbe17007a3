/**
 * 产品管理: the product store (issue 12 §9). Published products and their versions, one version's Chinese
 * product sheet, the diff of two versions, uploading a file (validated first, every problem shown inline in
 * Chinese, then published), and a quote preview ("住院花了多少，赔多少") against any version. Products are no
 * one program's: these calls go to /api/v1/products, not under the program. Operators and admins publish;
 * bureau and regulator read.
 */
import { Alert, Button, Card, Checkbox, Input, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { api } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import type {
  BenefitQuote,
  DiffView,
  ProductList,
  ProductVersionView,
  PublishView,
  SheetView,
  ValidationView,
} from "../../shared/types.js";
import { errorOf, Loading, PageTitle, role, useLoad, useTr } from "./common.js";
import { VersionCompliance } from "./product-compliance.js";

const PRODUCTS = "/api/v1/products";

/** "wenshan-2023@1" ↔ the path of that version. */
const refOf = (v: { product_id: string; version: number }) => `${v.product_id}@${v.version}`;
function versionPath(ref: string): string {
  const at = ref.lastIndexOf("@");
  return `${PRODUCTS}/${encodeURIComponent(ref.slice(0, at))}/versions/${ref.slice(at + 1)}`;
}

export function Products() {
  const tr = useTr();
  const list = useLoad<ProductList>(PRODUCTS);
  const canWrite = role() === "admin" || role() === "operator";
  const versions: ProductVersionView[] = list.data?.products.flatMap((p) => p.versions) ?? [];
  const options = versions.map((v) => ({ value: refOf(v), label: `${refOf(v)}　${v.name}` }));
  const [sheetRef, setSheetRef] = useState<string | undefined>();
  return (
    <>
      <PageTitle>{tr({ zh: "产品管理", en: "Products" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>
              {tr({ zh: "已发布的产品", en: "Published products" })}
            </h3>
          }
        >
          <Loading
            state={list}
            isEmpty={(d) => d.products.length === 0}
            empty={tr({ zh: "尚未发布产品", en: "No products yet" })}
          >
            {() => (
              <Table<ProductVersionView>
                aria-label={tr({ zh: "产品版本列表", en: "Product versions" })}
                rowKey={refOf}
                size="small"
                pagination={{ pageSize: 20 }}
                dataSource={versions}
                columns={[
                  { title: tr({ zh: "产品编号", en: "Product" }), dataIndex: "product_id" },
                  { title: tr({ zh: "版本", en: "Version" }), dataIndex: "version", align: "right" },
                  { title: tr({ zh: "名称", en: "Name" }), dataIndex: "name" },
                  { title: tr({ zh: "地区", en: "Region" }), dataIndex: "region_code" },
                  { title: tr({ zh: "发布人", en: "Published by" }), dataIndex: "published_by" },
                  { title: tr({ zh: "发布时间", en: "Published at" }), dataIndex: "published_at" },
                  {
                    title: tr({ zh: "内容哈希", en: "Content hash" }),
                    dataIndex: "content_hash",
                    render: (h: string) => <code title={h}>{h.slice(0, 12)}</code>,
                  },
                  {
                    title: tr({ zh: "说明书", en: "Sheet" }),
                    key: "sheet",
                    render: (_: unknown, v) => (
                      <Button size="small" onClick={() => setSheetRef(refOf(v))}>
                        {tr({ zh: `查看 ${refOf(v)}`, en: `View ${refOf(v)}` })}
                      </Button>
                    ),
                  },
                ]}
              />
            )}
          </Loading>
        </Card>
        <Sheet options={options} selected={sheetRef} onSelect={setSheetRef} />
        {sheetRef === undefined ? null : <VersionCompliance path={versionPath(sheetRef)} />}
        <Diff options={options} />
        {canWrite ? <Upload onPublished={list.reload} /> : null}
        <Quote options={options} />
      </Space>
    </>
  );
}

type Options = { value: string; label: string }[];

function Sheet({
  options,
  selected,
  onSelect,
}: {
  options: Options;
  selected: string | undefined;
  onSelect: (ref: string) => void;
}) {
  const tr = useTr();
  const sheet = useLoad<SheetView>(selected === undefined ? null : `${versionPath(selected)}/sheet`);
  return (
    <Card
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "产品说明书", en: "Product sheet" })}</h3>}
      extra={
        <Select
          aria-label={tr({ zh: "选择说明书版本", en: "Version to read" })}
          placeholder={tr({ zh: "选择产品版本", en: "Choose a version" })}
          style={{ width: 320 }}
          value={selected}
          onChange={onSelect}
          options={options}
          showSearch
          optionFilterProp="label"
        />
      }
    >
      {selected === undefined ? (
        <Typography.Text type="secondary">
          {tr({ zh: "在上表点“查看”或在右上角选择版本。", en: "Choose a version above." })}
        </Typography.Text>
      ) : (
        <Loading state={sheet}>
          {(s) => (
            <section aria-label={tr({ zh: "产品说明书内容", en: "Sheet content" })}>
              <Typography.Title level={4}>{s.title}</Typography.Title>
              <Typography.Paragraph type="secondary">
                {`${s.product_id}@${s.version} · ${tr({ zh: "发布", en: "published" })} ${s.published_by} ${s.published_at}`}
              </Typography.Paragraph>
              {s.sections.map((sec) => (
                <div key={sec.heading} style={{ marginBottom: 12 }}>
                  <strong>{`【${sec.heading}】`}</strong>
                  <ul style={{ margin: "4px 0 0 0" }}>
                    {sec.lines.map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                </div>
              ))}
            </section>
          )}
        </Loading>
      )}
    </Card>
  );
}

function Diff({ options }: { options: Options }) {
  const tr = useTr();
  const [a, setA] = useState<string | undefined>();
  const [b, setB] = useState<string | undefined>();
  const [result, setResult] = useState<DiffView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const compare = async () => {
    if (a === undefined || b === undefined) return;
    setError(undefined);
    try {
      setResult(
        await api<DiffView>("GET", `${PRODUCTS}/diff?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`),
      );
    } catch (e) {
      setResult(undefined);
      setError(errorOf(e));
    }
  };
  return (
    <Card
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "版本比较", en: "Compare versions" })}</h3>}
    >
      <Space wrap>
        <Select
          aria-label={tr({ zh: "比较的一方", en: "From" })}
          placeholder={tr({ zh: "原版本", en: "From" })}
          style={{ width: 280 }}
          value={a}
          onChange={setA}
          options={options}
          showSearch
          optionFilterProp="label"
        />
        <span aria-hidden>→</span>
        <Select
          aria-label={tr({ zh: "比较的另一方", en: "To" })}
          placeholder={tr({ zh: "新版本", en: "To" })}
          style={{ width: 280 }}
          value={b}
          onChange={setB}
          options={options}
          showSearch
          optionFilterProp="label"
        />
        <Button type="primary" disabled={a === undefined || b === undefined} onClick={compare}>
          {tr({ zh: "比较", en: "Compare" })}
        </Button>
      </Space>
      {error === undefined ? null : (
        <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={error} />
      )}
      {result === undefined ? null : (
        <section aria-label={tr({ zh: "比较结果", en: "Differences" })} style={{ marginTop: 12 }}>
          <Typography.Paragraph>
            <strong>{`${result.a} → ${result.b}`}</strong>
            {result.same ? tr({ zh: "：条款相同", en: ": same terms" }) : ""}
          </Typography.Paragraph>
          <ul>
            {result.changes.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </section>
      )}
    </Card>
  );
}

function Upload({ onPublished }: { onPublished: () => void }) {
  const tr = useTr();
  const [file, setFile] = useState<{ name: string; json: unknown } | undefined>();
  const [check, setCheck] = useState<ValidationView | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [published, setPublished] = useState<PublishView | undefined>();
  const [busy, setBusy] = useState(false);

  const choose = async (picked: File | undefined) => {
    setFile(undefined);
    setCheck(undefined);
    setError(undefined);
    setPublished(undefined);
    if (picked === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(await picked.text());
    } catch {
      setError(`文件 ${picked.name} 不是合法的 JSON：请检查引号、逗号（最后一项后不能有逗号）和括号是否成对`);
      return;
    }
    setFile({ name: picked.name, json });
    setBusy(true);
    try {
      setCheck(await api<ValidationView>("POST", `${PRODUCTS}/validate`, json));
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };

  const publish = async () => {
    if (file === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      setPublished(await api<PublishView>("POST", PRODUCTS, file.json));
      onPublished();
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>
          {tr({ zh: "上传并发布产品文件", en: "Upload and publish" })}
        </h3>
      }
    >
      <Space orientation="vertical" style={{ width: "100%" }}>
        <label htmlFor="product-file">
          {tr({
            zh: "产品文件（JSON）：先校验，无误后发布为不可修改的版本",
            en: "Product file (JSON): validated, then published",
          })}
        </label>
        <input
          id="product-file"
          type="file"
          accept=".json,application/json"
          onChange={(e) => void choose(e.target.files?.[0])}
        />
        {error === undefined ? null : <Alert type="error" role="alert" showIcon title={error} />}
        {check === undefined ? null : check.valid ? (
          <Alert
            type="success"
            showIcon
            title={`校验通过：${check.product_id} 第 ${check.version} 版「${check.name}」`}
            action={
              <Button type="primary" loading={busy} onClick={publish}>
                {tr({ zh: "发布", en: "Publish" })}
              </Button>
            }
          />
        ) : (
          <Alert
            type="error"
            role="alert"
            showIcon
            title={`文件 ${file?.name ?? ""} 有 ${check.problems.length} 处问题，未发布：`}
            description={
              <ul aria-label={tr({ zh: "校验问题", en: "Problems" })} style={{ margin: 0 }}>
                {check.problems.map((p) => (
                  <li key={`${p.path}:${p.message}`}>
                    <code>{p.path === "" ? "（文件）" : p.path}</code>：{p.message}
                  </li>
                ))}
              </ul>
            }
          />
        )}
        {published === undefined ? null : (
          <Alert
            type={published.outcome === "published" ? "success" : "info"}
            role="status"
            showIcon
            title={published.message}
          />
        )}
      </Space>
    </Card>
  );
}

function Quote({ options }: { options: Options }) {
  const tr = useTr();
  const [ref, setRef] = useState<string | undefined>();
  const [total, setTotal] = useState("");
  const [paid, setPaid] = useState("");
  const [outOfScope, setOutOfScope] = useState("");
  const [preExisting, setPreExisting] = useState(false);
  const [quote, setQuote] = useState<BenefitQuote | undefined>();
  const [error, setError] = useState<string | undefined>();
  const run = async () => {
    if (ref === undefined) return;
    setError(undefined);
    try {
      setQuote(
        await api<BenefitQuote>("POST", `${versionPath(ref)}/quote`, {
          total,
          insurance_paid: paid,
          ...(outOfScope === "" ? {} : { out_of_scope: outOfScope }),
          pre_existing: preExisting,
        }),
      );
    } catch (e) {
      setQuote(undefined);
      setError(errorOf(e));
    }
  };
  return (
    <Card
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "赔付试算预览", en: "Quote preview" })}</h3>}
    >
      <Space wrap align="end">
        <Select
          aria-label={tr({ zh: "试算版本", en: "Version" })}
          placeholder={tr({ zh: "选择产品版本", en: "Choose a version" })}
          style={{ width: 280 }}
          value={ref}
          onChange={setRef}
          options={options}
          showSearch
          optionFilterProp="label"
        />
        <Input
          aria-label={tr({ zh: "住院总费用（元）", en: "Total cost (yuan)" })}
          placeholder={tr({ zh: "住院总费用（元）", en: "Total cost (yuan)" })}
          value={total}
          onChange={(e) => setTotal(e.target.value)}
          style={{ width: 160 }}
        />
        <Input
          aria-label={tr({ zh: "医保报销合计（元）", en: "Paid by insurance (yuan)" })}
          placeholder={tr({ zh: "医保报销合计（元）", en: "Paid by insurance (yuan)" })}
          value={paid}
          onChange={(e) => setPaid(e.target.value)}
          style={{ width: 170 }}
        />
        <Input
          aria-label={tr({ zh: "其中目录外自费（元）", en: "Out of catalog (yuan)" })}
          placeholder={tr({ zh: "其中目录外自费（元）", en: "Out of catalog (yuan)" })}
          value={outOfScope}
          onChange={(e) => setOutOfScope(e.target.value)}
          style={{ width: 170 }}
        />
        <Checkbox checked={preExisting} onChange={(e) => setPreExisting(e.target.checked)}>
          {tr({ zh: "有既往症", en: "Pre-existing condition" })}
        </Checkbox>
        <Button type="primary" disabled={ref === undefined} onClick={run}>
          {tr({ zh: "试算", en: "Quote" })}
        </Button>
      </Space>
      {error === undefined ? null : (
        <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={error} />
      )}
      {quote === undefined ? null : (
        <section aria-label={tr({ zh: "试算结果", en: "Quote" })} style={{ marginTop: 12 }}>
          <Typography.Paragraph>
            {tr({
              zh: `个人负担 ${yuan(quote.person_burden)} 元（医保范围内自付 ${yuan(quote.in_scope_self_pay)} 元，目录外自费 ${yuan(quote.out_of_scope)} 元）。${quote.assumptions}`,
              en: `Person's burden ${yuan(quote.person_burden)} yuan. ${quote.assumptions}`,
            })}
          </Typography.Paragraph>
          <Table
            aria-label={tr({ zh: "各方案试算", en: "Per plan" })}
            rowKey="plan"
            size="small"
            pagination={false}
            dataSource={quote.plans}
            columns={[
              { title: tr({ zh: "方案", en: "Plan" }), dataIndex: "plan_name" },
              {
                title: tr({ zh: "惠民保赔付（元）", en: "Payout (yuan)" }),
                dataIndex: "hmb_pay",
                align: "right",
                render: (v: string) => <span data-testid="quote-pay">{yuan(v)}</span>,
              },
              {
                title: tr({ zh: "个人仍需负担（元）", en: "Remaining (yuan)" }),
                dataIndex: "remaining",
                align: "right",
                render: yuan,
              },
              { title: tr({ zh: "计算说明", en: "Explanation" }), dataIndex: "summary" },
            ]}
          />
        </section>
      )}
    </Card>
  );
}
