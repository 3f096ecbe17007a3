/**
 * Operations pages: the program's product (benefit table) and its compliance findings, roster import with
 * progress, enrollments and policies, the ledger with co-insurer statements, and audit log search.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  DatePicker,
  Form,
  Input,
  Progress,
  Row,
  Select,
  Space,
  Table,
  Typography,
} from "antd";
import { useState } from "react";
import { api, loadSession } from "../../shared/api.js";
import { beijing, day, endDay, yuan } from "../../shared/format.js";
import {
  base,
  errorOf,
  Figure,
  Loading,
  PageTitle,
  Pill,
  programId,
  role,
  useLoad,
  useTr,
} from "./common.js";

interface Liability {
  id: string;
  name: string;
  deductible: { name: string; amount: string } | null;
  ratios: { ratio_percent: number; label: string | null }[];
  cap: string | null;
  pre_existing_excluded: boolean;
}
interface Plan {
  id: string;
  name: string;
  premium: string;
  annual_total: string | null;
  liabilities: Liability[];
}
interface ProductSheet {
  program_id: string;
  product_id: string;
  product_version: number;
  name: string;
  coverage_start: string;
  coverage_end: string;
  enrollment_start: string;
  enrollment_end: string;
  waiting_period_days: number;
  insurers: { code: string; name: string; lead: boolean }[];
  plans: Plan[];
}
interface Compliance {
  rules: string;
  rules_name: string;
  source: string;
  passed: number;
  failed: number;
  findings: {
    clause: string;
    rule: string;
    title: string | null;
    subject: string;
    status: string;
    value: string | number;
    limit: string | number;
    note: string | null;
  }[];
}

const STATUS_TAG: Record<string, { zh: string; en: string; color: string }> = {
  pass: { zh: "通过", en: "Pass", color: "success" },
  fail: { zh: "不符合", en: "Fail", color: "error" },
  not_applicable: { zh: "不适用", en: "N/A", color: "default" },
};

export function Programs() {
  const tr = useTr();
  const product = useLoad<ProductSheet>("/product");
  const [rules, setRules] = useState("yunnan-2023");
  const compliance = useLoad<Compliance>(`/compliance?rules=${rules}`);
  return (
    <>
      <PageTitle>{tr({ zh: "项目与产品", en: "Programs and products" })}</PageTitle>
      <Space direction="vertical" size={16} style={{ width: "100%" }}>
        <Loading state={product}>
          {(p) => (
            <Card
              title={
                <h3
                  style={{ margin: 0, fontSize: 16 }}
                >{`${p.name}（${p.product_id} v${p.product_version}）`}</h3>
              }
            >
              <Typography.Paragraph>
                {tr({
                  zh: `项目 ${p.program_id}；投保期 ${day(p.enrollment_start)} 至 ${endDay(p.enrollment_end)}；保险期间 ${day(p.coverage_start)} 至 ${endDay(p.coverage_end)}；等待期 ${p.waiting_period_days} 天；共保：${p.insurers.map((i) => `${i.name}${i.lead ? "（首席）" : ""}`).join("、")}`,
                  en: `Program ${p.program_id}; enrollment ${day(p.enrollment_start)}–${endDay(p.enrollment_end)}; cover ${day(p.coverage_start)}–${endDay(p.coverage_end)}; waiting period ${p.waiting_period_days} days`,
                })}
              </Typography.Paragraph>
              {p.plans.map((plan) => (
                <Table<Liability>
                  key={plan.id}
                  aria-label={`${tr({ zh: "保障责任表", en: "Benefit table" })} ${plan.name}`}
                  title={() => (
                    <strong>{`${plan.name} · ${tr({ zh: "保费", en: "premium" })} ${yuan(plan.premium)} ${tr({ zh: "元", en: "yuan" })} · ${tr({ zh: "年度总限额", en: "annual total" })} ${yuan(plan.annual_total)}`}</strong>
                  )}
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={plan.liabilities}
                  columns={[
                    { title: tr({ zh: "保障责任", en: "Liability" }), dataIndex: "name" },
                    {
                      title: tr({ zh: "免赔额（元）", en: "Deductible (yuan)" }),
                      key: "d",
                      render: (_: unknown, l) => (l.deductible === null ? "—" : yuan(l.deductible.amount)),
                    },
                    {
                      title: tr({ zh: "赔付比例", en: "Ratio" }),
                      key: "r",
                      render: (_: unknown, l) =>
                        l.ratios
                          .map((r) => `${r.label === null ? "" : `${r.label} `}${r.ratio_percent}%`)
                          .join("；"),
                    },
                    {
                      title: tr({ zh: "限额（元）", en: "Cap (yuan)" }),
                      dataIndex: "cap",
                      render: (c: string | null) =>
                        c === null ? tr({ zh: "共用年度限额", en: "shared" }) : yuan(c),
                    },
                    {
                      title: tr({ zh: "既往症", en: "Pre-existing" }),
                      dataIndex: "pre_existing_excluded",
                      render: (x: boolean) =>
                        x ? tr({ zh: "不赔", en: "excluded" }) : tr({ zh: "可赔", en: "covered" }),
                    },
                  ]}
                />
              ))}
            </Card>
          )}
        </Loading>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "合规检查", en: "Compliance check" })}</h3>
          }
          extra={
            <Space>
              <label htmlFor="ruleset">{tr({ zh: "规则集", en: "Rule set" })}</label>
              <Select
                id="ruleset"
                value={rules}
                onChange={setRules}
                style={{ width: 220 }}
                options={[
                  { value: "yunnan-2023", label: "云南 2023（云医保〔2023〕152号）" },
                  { value: "shandong-rare-disease", label: "山东罕见病" },
                ]}
              />
            </Space>
          }
        >
          <Loading state={compliance}>
            {(c) => (
              <>
                <Alert
                  style={{ marginBottom: 12 }}
                  type={c.failed > 0 ? "error" : "success"}
                  showIcon
                  title={tr({
                    zh:
                      c.failed > 0
                        ? `${c.failed} 项不符合《${c.rules_name}》：请按下表修改产品后重新提交备案。`
                        : `全部 ${c.passed} 项检查通过（${c.rules_name}）。`,
                    en:
                      c.failed > 0
                        ? `${c.failed} findings fail ${c.rules_name}.`
                        : `All ${c.passed} checks pass (${c.rules_name}).`,
                  })}
                />
                <Table
                  rowKey={(f) => `${f.rule}:${f.subject}`}
                  size="small"
                  aria-label={tr({ zh: "合规检查结果", en: "Compliance findings" })}
                  pagination={{ pageSize: 30 }}
                  dataSource={c.findings}
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
                    { title: tr({ zh: "对象", en: "Subject" }), dataIndex: "subject" },
                    { title: tr({ zh: "实际值", en: "Value" }), dataIndex: "value" },
                    { title: tr({ zh: "限值", en: "Limit" }), dataIndex: "limit" },
                  ]}
                />
                <Typography.Paragraph type="secondary">{c.source}</Typography.Paragraph>
              </>
            )}
          </Loading>
        </Card>
      </Space>
    </>
  );
}

interface ImportResult {
  read: number;
  imported: number;
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  errors: { line: number; field: string; message: string }[];
  errors_truncated: boolean;
}

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** One row of GET /roster/imports (services/roster/import.ts RosterImportRecord). */
interface RosterImportRecord {
  import_id: string;
  status: "running" | "done" | "failed";
  started_at: string;
  finished_at: string | null;
  source: string | null;
  read: number | null;
  inserted: number | null;
  updated: number | null;
  unchanged: number | null;
  rejected: number | null;
}

const IMPORT_STATUS: Record<RosterImportRecord["status"], { zh: string; en: string }> = {
  running: { zh: "导入中", en: "Running" },
  done: { zh: "已完成", en: "Done" },
  failed: { zh: "失败", en: "Failed" },
};

export function RosterImport() {
  const tr = useTr();
  const history = useLoad<RosterImportRecord[]>("/roster/imports");
  const [file, setFile] = useState<File | undefined>();
  const [sent, setSent] = useState<number | undefined>();
  const [phase, setPhase] = useState<"idle" | "uploading" | "processing" | "done">("idle");
  const [result, setResult] = useState<ImportResult | undefined>();
  const [error, setError] = useState<string | undefined>();

  function upload() {
    if (file === undefined) {
      setError(tr({ zh: "请先选择名单文件（CSV 或 Excel）。", en: "Choose a roster file first." }));
      return;
    }
    setError(undefined);
    setResult(undefined);
    setPhase("uploading");
    setSent(0);
    // XMLHttpRequest, not fetch: it reports upload progress. The import itself runs in one request.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${base()}/roster/imports`);
    const token = loadSession()?.token;
    if (token !== undefined) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.setRequestHeader("content-type", file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) setSent(Math.round((e.loaded / e.total) * 100));
    };
    xhr.upload.onload = () => setPhase("processing");
    xhr.onload = () => {
      setPhase("done");
      history.reload();
      try {
        const body = JSON.parse(xhr.responseText) as ImportResult & { error?: { message: string } };
        if (xhr.status >= 200 && xhr.status < 300) setResult(body);
        else
          setError(body.error?.message ?? tr({ zh: "导入失败：请检查文件后重试。", en: "Import failed." }));
      } catch {
        setError(tr({ zh: "导入失败：服务暂时不可用，请稍后重试。", en: "Import failed: try again later." }));
      }
    };
    xhr.onerror = () => {
      setPhase("done");
      setError(tr({ zh: "网络连接失败：请检查网络后重试。", en: "Network error: try again." }));
    };
    xhr.send(file);
  }

  return (
    <>
      <PageTitle>{tr({ zh: "参保名单导入", en: "Roster import" })}</PageTitle>
      <Card>
        <Typography.Paragraph>
          {tr({
            zh: "导入医保局提供的基本医保参保名单（CSV 或 Excel .xlsx），可重复导入：已有人员按最新名单更新。出错的行不会导入，下面逐行列出原因。",
            en: "Import the bureau's roster (CSV or .xlsx); re-importing updates persons. Rows with errors are listed below.",
          })}
        </Typography.Paragraph>
        <Space wrap>
          <label htmlFor="roster-file">{tr({ zh: "名单文件", en: "Roster file" })}</label>
          <input
            id="roster-file"
            type="file"
            accept=".csv,.xlsx,text/csv"
            onChange={(e) => setFile(e.target.files?.[0])}
          />
          <Button type="primary" onClick={upload} loading={phase === "uploading" || phase === "processing"}>
            {tr({ zh: "开始导入", en: "Import" })}
          </Button>
        </Space>
        {phase === "idle" ? null : (
          <div style={{ marginTop: 16 }} role="status">
            <Progress
              percent={phase === "done" ? 100 : (sent ?? 0)}
              status={phase === "processing" ? "active" : error ? "exception" : undefined}
              aria-label={tr({ zh: "导入进度", en: "Import progress" })}
            />
            <span>
              {phase === "uploading"
                ? tr({ zh: `正在上传 ${sent ?? 0}%`, en: `Uploading ${sent ?? 0}%` })
                : phase === "processing"
                  ? tr({ zh: "已上传，正在校验并导入…", en: "Uploaded; checking and importing…" })
                  : tr({ zh: "完成", en: "Done" })}
            </span>
          </div>
        )}
        {error === undefined ? null : (
          <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={error} />
        )}
        {result === undefined ? null : (
          <>
            <Row gutter={12} style={{ marginTop: 16 }}>
              <Col span={4}>
                <Figure title={tr({ zh: "读取行数", en: "Read" })} value={`${result.read}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "导入", en: "Imported" })} value={`${result.imported}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "新增", en: "New" })} value={`${result.inserted}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "更新", en: "Updated" })} value={`${result.updated}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "未变", en: "Unchanged" })} value={`${result.unchanged}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "出错", en: "Rejected" })} value={`${result.rejected}`} />
              </Col>
            </Row>
            {result.errors.length === 0 ? null : (
              <Table
                style={{ marginTop: 12 }}
                rowKey={(e) => `${e.line}:${e.field}`}
                size="small"
                dataSource={result.errors}
                columns={[
                  { title: tr({ zh: "行号", en: "Line" }), dataIndex: "line" },
                  { title: tr({ zh: "字段", en: "Field" }), dataIndex: "field" },
                  { title: tr({ zh: "原因与处理", en: "Problem" }), dataIndex: "message" },
                ]}
              />
            )}
          </>
        )}
      </Card>
      <Card
        style={{ marginTop: 16 }}
        title={<h3 style={{ margin: 0 }}>{tr({ zh: "导入记录", en: "Import history" })}</h3>}
      >
        <Loading
          state={history}
          isEmpty={(d) => d.length === 0}
          empty={tr({ zh: "还没有导入过名单。", en: "No roster imported yet." })}
        >
          {(d) => (
            <Table
              rowKey="import_id"
              size="small"
              pagination={false}
              dataSource={d}
              columns={[
                {
                  title: tr({ zh: "开始时间（北京）", en: "Started (Beijing)" }),
                  dataIndex: "started_at",
                  render: (v: string) => beijing(v),
                },
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (v: RosterImportRecord["status"]) => tr(IMPORT_STATUS[v]),
                },
                { title: tr({ zh: "来源", en: "Source" }), dataIndex: "source" },
                { title: tr({ zh: "读取", en: "Read" }), dataIndex: "read" },
                { title: tr({ zh: "新增", en: "New" }), dataIndex: "inserted" },
                { title: tr({ zh: "更新", en: "Updated" }), dataIndex: "updated" },
                { title: tr({ zh: "未变", en: "Unchanged" }), dataIndex: "unchanged" },
                { title: tr({ zh: "出错", en: "Rejected" }), dataIndex: "rejected" },
              ]}
            />
          )}
        </Loading>
      </Card>
    </>
  );
}

interface PolicyRow {
  policy_no: string;
  psn_no: string;
  plan_id: string;
  enrollment_id: string;
  enrollment_kind: string;
  relation: string;
  unit_code: string | null;
  pool_id: string | null;
  premium: string;
  status: string;
  paid_channel: string | null;
  coverage_start: string;
  issued_at: string | null;
}

export const POLICY_STATUS: Record<string, { zh: string; en: string }> = {
  pending_payment: { zh: "待缴费", en: "Awaiting payment" },
  pending_effective: { zh: "待生效", en: "Not yet in force" },
  active: { zh: "有效", en: "In force" },
  cancelled: { zh: "已退保", en: "Cancelled" },
};
const KINDS: Record<string, { zh: string; en: string }> = {
  individual: { zh: "个人", en: "Individual" },
  family: { zh: "家庭", en: "Family" },
  unit: { zh: "单位", en: "Unit" },
  charity: { zh: "慈善资助", en: "Charity" },
};

/** Policies list; `fixedKind` for the charity's sponsored view, `byEnrollment` to group by enrollment. */
export function PolicyList({
  title,
  fixedKind,
  byEnrollment,
}: {
  title: { zh: string; en: string };
  fixedKind?: string;
  byEnrollment?: boolean;
}) {
  const tr = useTr();
  const [status, setStatus] = useState("");
  const [kind, setKind] = useState(fixedKind ?? "");
  const [pageNo, setPageNo] = useState(1);
  const size = 50;
  const q = new URLSearchParams({ limit: String(size), offset: String((pageNo - 1) * size) });
  if (status !== "") q.set("status", status);
  if (kind !== "") q.set("kind", kind);
  const list = useLoad<{ total: number; policies: PolicyRow[] }>(`/policies?${q}`);
  return (
    <>
      <PageTitle>{tr(title)}</PageTitle>
      <Card>
        <Space style={{ marginBottom: 12 }} wrap>
          <label htmlFor="policy-status">{tr({ zh: "保单状态", en: "Status" })}</label>
          <Select
            id="policy-status"
            style={{ width: 160 }}
            value={status}
            onChange={(v) => {
              setStatus(v);
              setPageNo(1);
            }}
            options={[
              { value: "", label: tr({ zh: "全部", en: "All" }) },
              ...Object.entries(POLICY_STATUS).map(([k, v]) => ({ value: k, label: tr(v) })),
            ]}
          />
          {fixedKind === undefined ? (
            <>
              <label htmlFor="policy-kind">{tr({ zh: "投保方式", en: "Kind" })}</label>
              <Select
                id="policy-kind"
                style={{ width: 160 }}
                value={kind}
                onChange={(v) => {
                  setKind(v);
                  setPageNo(1);
                }}
                options={[
                  { value: "", label: tr({ zh: "全部", en: "All" }) },
                  ...Object.entries(KINDS).map(([k, v]) => ({ value: k, label: tr(v) })),
                ]}
              />
            </>
          ) : null}
        </Space>
        <Loading
          state={list}
          isEmpty={(d) => d.total === 0}
          empty={tr({ zh: "没有符合条件的记录：可以换个筛选条件。", en: "Nothing matches these filters." })}
        >
          {(d) => (
            <Table<PolicyRow>
              rowKey="policy_no"
              size="small"
              dataSource={d.policies}
              pagination={{
                current: pageNo,
                pageSize: size,
                total: d.total,
                showSizeChanger: false,
                onChange: setPageNo,
              }}
              columns={[
                ...(byEnrollment === true
                  ? [{ title: tr({ zh: "投保单号", en: "Enrollment" }), dataIndex: "enrollment_id" }]
                  : []),
                { title: tr({ zh: "保单号", en: "Policy" }), dataIndex: "policy_no" },
                { title: tr({ zh: "参保人编号", en: "Person no." }), dataIndex: "psn_no" },
                { title: tr({ zh: "方案", en: "Plan" }), dataIndex: "plan_id" },
                {
                  title: tr({ zh: "投保方式", en: "Kind" }),
                  dataIndex: "enrollment_kind",
                  render: (k: string) => tr(KINDS[k] ?? { zh: k, en: k }),
                },
                {
                  title: tr({ zh: "单位 / 资金池", en: "Unit / pool" }),
                  key: "u",
                  render: (_: unknown, p) => p.unit_code ?? p.pool_id ?? "—",
                },
                {
                  title: tr({ zh: "保费（元）", en: "Premium (yuan)" }),
                  dataIndex: "premium",
                  align: "right",
                  render: yuan,
                },
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (s: string) => tr(POLICY_STATUS[s] ?? { zh: s, en: s }),
                },
                {
                  title: tr({ zh: "缴费渠道", en: "Paid by" }),
                  dataIndex: "paid_channel",
                  render: (c: string | null) => c ?? "—",
                },
                {
                  title: tr({ zh: "出单时间", en: "Issued" }),
                  dataIndex: "issued_at",
                  render: (t: string | null) => (t === null ? "—" : beijing(t)),
                },
              ]}
            />
          )}
        </Loading>
      </Card>
    </>
  );
}

interface LedgerSummary {
  balanced: boolean;
  journals: { kind: string; count: number }[];
  accounts: { account: string; name: string; debits: string; credits: string; net: string }[];
  insurers: {
    code: string;
    name: string;
    share: number;
    lead: boolean;
    accounts: { account: string; net: string }[];
  }[];
}
interface Statement {
  insurer_code: string;
  balances: {
    account: string;
    name: string;
    opening_net: string;
    debits: string;
    credits: string;
    closing_net: string;
  }[];
  lines: {
    at: string;
    journal_id: string;
    kind: string;
    ref: string;
    debit_account: string;
    credit_account: string;
    amount: string;
  }[];
}

export function Ledger() {
  const tr = useTr();
  const summary = useLoad<LedgerSummary>("/ledger/summary");
  const program = useLoad<{ insurers: { code: string; name: string; lead: boolean }[] }>(
    `/api/v1/programs/${programId()}`,
  );
  const [query, setQuery] = useState<{ insurer: string; from: string; to: string } | undefined>();
  const [statement, setStatement] = useState<Statement | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const isInsurer = role() === "co_insurer";

  async function load(v: {
    insurer: string;
    range: [{ format: (f: string) => string }, { format: (f: string) => string }];
  }) {
    const q = {
      insurer: v.insurer,
      from: v.range[0].format("YYYY-MM-DD"),
      to: v.range[1].format("YYYY-MM-DD"),
    };
    setBusy(true);
    setError(undefined);
    try {
      setStatement(await api<Statement>("GET", `${base()}/ledger/statement?${new URLSearchParams(q)}`));
      setQuery(q);
    } catch (e) {
      setStatement(undefined);
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageTitle>{tr({ zh: "账本与对账单", en: "Ledger and statements" })}</PageTitle>
      <Space direction="vertical" size={16} style={{ width: "100%" }}>
        <Card
          title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "分账汇总", en: "Ledger summary" })}</h3>}
        >
          <Loading state={summary}>
            {(s) => (
              <>
                <Alert
                  type={s.balanced ? "success" : "error"}
                  showIcon
                  style={{ marginBottom: 12 }}
                  title={
                    s.balanced
                      ? tr({ zh: "借贷平衡。", en: "Debits equal credits." })
                      : tr({
                          zh: "借贷不平衡：请立即联系技术支持核查。",
                          en: "Unbalanced: contact support now.",
                        })
                  }
                />
                <Table
                  rowKey="account"
                  size="small"
                  pagination={false}
                  aria-label={tr({ zh: "各科目合计", en: "Totals per account" })}
                  dataSource={s.accounts}
                  columns={[
                    {
                      title: tr({ zh: "科目", en: "Account" }),
                      key: "a",
                      render: (_: unknown, a) => `${a.name}（${a.account}）`,
                    },
                    {
                      title: tr({ zh: "借方（元）", en: "Debits" }),
                      dataIndex: "debits",
                      align: "right",
                      render: yuan,
                    },
                    {
                      title: tr({ zh: "贷方（元）", en: "Credits" }),
                      dataIndex: "credits",
                      align: "right",
                      render: yuan,
                    },
                    {
                      title: tr({ zh: "净额（元）", en: "Net" }),
                      dataIndex: "net",
                      align: "right",
                      render: yuan,
                    },
                  ]}
                />
                <h4 style={{ marginTop: 16 }}>{tr({ zh: "各共保公司", en: "Per co-insurer" })}</h4>
                <Table
                  rowKey="code"
                  size="small"
                  pagination={false}
                  dataSource={s.insurers}
                  columns={[
                    {
                      title: tr({ zh: "公司", en: "Insurer" }),
                      key: "n",
                      render: (_: unknown, i) =>
                        `${i.name}${i.lead ? tr({ zh: "（首席）", en: " (lead)" }) : ""}`,
                    },
                    {
                      title: tr({ zh: "份额", en: "Share" }),
                      dataIndex: "share",
                      render: (x: number) => `${x / 100}%`,
                    },
                    {
                      title: tr({ zh: "科目净额（元）", en: "Net per account" }),
                      key: "a",
                      render: (_: unknown, i) =>
                        i.accounts.map((a) => `${a.account} ${yuan(a.net)}`).join("；"),
                    },
                  ]}
                />
              </>
            )}
          </Loading>
        </Card>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>
              {tr({ zh: "共保公司对账单", en: "Co-insurer statement" })}
            </h3>
          }
        >
          {isInsurer ? (
            <Typography.Paragraph>
              {tr({
                zh: "共保公司只能查看本公司的对账单。",
                en: "A co-insurer sees its own statement only.",
              })}
            </Typography.Paragraph>
          ) : null}
          <Form layout="inline" onFinish={(v) => void load(v as never)} style={{ rowGap: 8 }}>
            <Form.Item
              label={tr({ zh: "共保公司", en: "Insurer" })}
              name="insurer"
              rules={[{ required: true, message: tr({ zh: "请选择共保公司", en: "Choose an insurer" }) }]}
            >
              <Select
                style={{ width: 240 }}
                options={(program.data?.insurers ?? []).map((i) => ({
                  value: i.code,
                  label: `${i.name}（${i.code}）`,
                }))}
              />
            </Form.Item>
            <Form.Item
              label={tr({ zh: "日期（北京时间，含首尾）", en: "Days (inclusive)" })}
              name="range"
              rules={[{ required: true, message: tr({ zh: "请选择起止日期", en: "Choose the days" }) }]}
            >
              <DatePicker.RangePicker />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy}>
              {tr({ zh: "查询", en: "Show" })}
            </Button>
          </Form>
          {error === undefined ? null : (
            <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={error} />
          )}
          {statement === undefined || query === undefined ? null : (
            <>
              <p style={{ marginTop: 12 }}>
                <a
                  href={`${base()}/ledger/statement?${new URLSearchParams({ ...query, format: "csv" })}`}
                  download
                >
                  {tr({ zh: "下载 CSV", en: "Download CSV" })}
                </a>
              </p>
              <Table
                rowKey="account"
                size="small"
                pagination={false}
                dataSource={statement.balances}
                columns={[
                  {
                    title: tr({ zh: "科目", en: "Account" }),
                    key: "a",
                    render: (_: unknown, b) => `${b.name}（${b.account}）`,
                  },
                  {
                    title: tr({ zh: "期初（元）", en: "Opening" }),
                    dataIndex: "opening_net",
                    align: "right",
                    render: yuan,
                  },
                  {
                    title: tr({ zh: "借方（元）", en: "Debits" }),
                    dataIndex: "debits",
                    align: "right",
                    render: yuan,
                  },
                  {
                    title: tr({ zh: "贷方（元）", en: "Credits" }),
                    dataIndex: "credits",
                    align: "right",
                    render: yuan,
                  },
                  {
                    title: tr({ zh: "期末（元）", en: "Closing" }),
                    dataIndex: "closing_net",
                    align: "right",
                    render: yuan,
                  },
                ]}
              />
              <Table
                style={{ marginTop: 12 }}
                rowKey={(l) => `${l.journal_id}:${l.debit_account}:${l.credit_account}`}
                size="small"
                dataSource={statement.lines}
                columns={[
                  { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
                  { title: tr({ zh: "类型", en: "Kind" }), dataIndex: "kind" },
                  { title: tr({ zh: "业务号", en: "Ref" }), dataIndex: "ref" },
                  { title: tr({ zh: "借", en: "Debit" }), dataIndex: "debit_account" },
                  { title: tr({ zh: "贷", en: "Credit" }), dataIndex: "credit_account" },
                  {
                    title: tr({ zh: "本公司份额（元）", en: "Our share (yuan)" }),
                    dataIndex: "amount",
                    align: "right",
                    render: yuan,
                  },
                ]}
              />
            </>
          )}
        </Card>
      </Space>
    </>
  );
}

interface AuditEntry {
  audit_id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  subject: string;
  detail: unknown;
}

export function AuditLog() {
  const tr = useTr();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [pageNo, setPageNo] = useState(1);
  const size = 50;
  const q = new URLSearchParams({ ...filters, limit: String(size), offset: String((pageNo - 1) * size) });
  const log = useLoad<{ total: number; entries: AuditEntry[] }>(`/audit?${q}`);
  return (
    <>
      <PageTitle>{tr({ zh: "审计日志", en: "Audit log" })}</PageTitle>
      <Card>
        <Form
          layout="inline"
          style={{ rowGap: 8, marginBottom: 12 }}
          onFinish={(v: {
            action?: string;
            actor?: string;
            subject?: string;
            range?: [{ format: (f: string) => string }, { format: (f: string) => string }];
          }) => {
            const f: Record<string, string> = {};
            if (v.action) f.action = v.action.trim();
            if (v.actor) f.actor = v.actor.trim();
            if (v.subject) f.subject = v.subject.trim();
            if (v.range) {
              f.from = v.range[0].format("YYYY-MM-DD");
              f.to = v.range[1].format("YYYY-MM-DD");
            }
            setFilters(f);
            setPageNo(1);
          }}
        >
          <Form.Item
            label={tr({ zh: "操作", en: "Action" })}
            name="action"
            extra={tr({
              zh: "如 policy.read，或 counter_claim. 查一类",
              en: "e.g. policy.read, or counter_claim. for a family",
            })}
          >
            <Input style={{ width: 200 }} />
          </Form.Item>
          <Form.Item label={tr({ zh: "操作人", en: "Actor" })} name="actor">
            <Input style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={tr({ zh: "对象", en: "Subject" })} name="subject">
            <Input style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={tr({ zh: "日期（北京时间）", en: "Days" })} name="range">
            <DatePicker.RangePicker />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {tr({ zh: "检索", en: "Search" })}
          </Button>
        </Form>
        <Loading
          state={log}
          isEmpty={(d) => d.total === 0}
          empty={tr({ zh: "没有符合条件的审计记录：请放宽条件再试。", en: "No entries match." })}
        >
          {(d) => (
            <Table<AuditEntry>
              rowKey="audit_id"
              size="small"
              dataSource={d.entries}
              pagination={{
                current: pageNo,
                pageSize: size,
                total: d.total,
                showSizeChanger: false,
                onChange: setPageNo,
              }}
              columns={[
                { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
                {
                  title: tr({ zh: "操作人", en: "Actor" }),
                  key: "who",
                  render: (_: unknown, e) => `${e.actor}（${e.role}）`,
                },
                { title: tr({ zh: "操作", en: "Action" }), dataIndex: "action" },
                { title: tr({ zh: "对象", en: "Subject" }), dataIndex: "subject" },
                {
                  title: tr({ zh: "详情", en: "Detail" }),
                  dataIndex: "detail",
                  render: (x: unknown) => <code style={{ fontSize: 12 }}>{JSON.stringify(x)}</code>,
                },
              ]}
            />
          )}
        </Loading>
      </Card>
    </>
  );
}
