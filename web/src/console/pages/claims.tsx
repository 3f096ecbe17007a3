/**
 * 理赔审核: the counter-claim review queue (oldest first), one case with its record, documents (viewable,
 * SHA-256 shown), engine preview, four-eyes state and trail; assign, then approve / adjust / reject with a
 * reason. The server enforces every rule (four eyes, appeals); this page explains its answers.
 */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Form,
  Input,
  Radio,
  Select,
  Space,
  Timeline,
} from "antd";
import { useState } from "react";
import type { ClaimListItem } from "../../../../src/contract/claim-list.js";
import {
  CLAIM_CHANNEL_LABELS,
  CLAIM_CHANNELS,
  CLAIM_EVENT_LABELS,
  CLAIM_STATE_LABELS,
  CLAIM_STATUS_LABELS,
  COUNTER_DOC_KIND_LABELS,
  GUARDIAN_RELATION_LABELS,
  labelOf,
} from "../../../../src/domain/vocabulary.js";
import { api, newIdempotencyKey, raw } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import type { CounterCaseView, CounterQueue } from "../../shared/types.js";
import { ServerTable } from "../server-table.js";
import { yuanColumn } from "./columns.js";
import { base, errorOf, Loading, PageTitle, Pill, useAction, useLoad, useTr } from "./common.js";
import { useInstitutionNames } from "./institutions.js";

type QueueItem = CounterQueue["cases"][number];

export const STATUS: Record<string, { zh: string; en: string; color: string }> = {
  submitted: { zh: "待分配", en: "Submitted", color: "default" },
  in_review: { zh: "审核中", en: "In review", color: "processing" },
  pending_second_approval: { zh: "待第二人复核", en: "Awaiting second approval", color: "warning" },
  resettling: { zh: "重新结算中", en: "Re-settling", color: "warning" },
  approved: { zh: "已批准赔付", en: "Approved", color: "success" },
  adjusted: { zh: "已调整赔付", en: "Adjusted", color: "success" },
  rejected: { zh: "已拒付", en: "Rejected", color: "error" },
  appealed: { zh: "申诉中", en: "Appealed", color: "warning" },
};

const DOCS: Record<string, { zh: string; en: string }> = COUNTER_DOC_KIND_LABELS;

const DECISIONS: Record<string, { zh: string; en: string }> = {
  approve: { zh: "批准", en: "Approved" },
  adjust: { zh: "调整后批准", en: "Adjusted" },
  reject: { zh: "拒付", en: "Rejected" },
};

const AMOUNTS = [
  "medfee_sumamt",
  "fulamt_ownpay_amt",
  "overlmt_selfpay",
  "hifp_pay",
  "fund_pay_sumamt",
  "psn_part_amt",
];
const AMOUNT_NAMES: Record<string, { zh: string; en: string }> = {
  medfee_sumamt: { zh: "医疗费总额", en: "Total cost" },
  fulamt_ownpay_amt: { zh: "全自费金额", en: "Fully self-paid" },
  overlmt_selfpay: { zh: "超限价自费", en: "Over price limit" },
  hifp_pay: { zh: "统筹基金支付", en: "Pooled fund paid" },
  fund_pay_sumamt: { zh: "基金支付总额", en: "Funds paid in all" },
  psn_part_amt: { zh: "个人负担", en: "Person's part" },
};

function StatusTag({ status }: { status: string }) {
  const tr = useTr();
  const s = STATUS[status];
  return <Pill tone={s?.color}>{s === undefined ? status : tr(s)}</Pill>;
}

/**
 * 理赔清单: every settled claim (one-stop settlements first among them), paged, filtered, sorted and exported
 * on the server (GET /claims, /claims.xlsx), institutions by name.
 */
export function ClaimList() {
  const tr = useTr();
  const lang = tr({ zh: "zh", en: "en" }) as "zh" | "en";
  const names = useInstitutionNames();
  const [filters, setFilters] = useState<Record<string, string | undefined>>({ kind: "one_stop" });
  const all = { value: "", label: tr({ zh: "全部", en: "All" }) };
  const options = (
    labels: Readonly<Record<string, { zh: string; en: string }>>,
    codes: readonly string[],
  ) => [all, ...codes.map((c) => ({ value: c, label: labelOf(labels, c, lang) }))];
  return (
    <Card
      title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "理赔清单", en: "Claims" })}</h3>}
      style={{ marginBottom: 16 }}
    >
      <Form
        layout="inline"
        style={{ rowGap: 8, marginBottom: 12 }}
        initialValues={{ kind: "one_stop", status: "", state: "" }}
        onFinish={(v: {
          kind?: string;
          status?: string;
          state?: string;
          q?: string;
          range?: [{ format: (f: string) => string }, { format: (f: string) => string }];
        }) =>
          setFilters({
            kind: v.kind,
            status: v.status,
            state: v.state,
            q: v.q?.trim(),
            from: v.range?.[0].format("YYYY-MM-DD"),
            to: v.range?.[1].format("YYYY-MM-DD"),
          })
        }
      >
        <Form.Item label={tr({ zh: "理赔方式", en: "Channel" })} name="kind">
          <Select style={{ width: 140 }} options={options(CLAIM_CHANNEL_LABELS, CLAIM_CHANNELS)} />
        </Form.Item>
        <Form.Item label={tr({ zh: "赔付结果", en: "Outcome" })} name="status">
          <Select
            style={{ width: 140 }}
            options={options(CLAIM_STATUS_LABELS, Object.keys(CLAIM_STATUS_LABELS))}
          />
        </Form.Item>
        <Form.Item label={tr({ zh: "结算状态", en: "State" })} name="state">
          <Select
            style={{ width: 110 }}
            options={options(CLAIM_STATE_LABELS, Object.keys(CLAIM_STATE_LABELS))}
          />
        </Form.Item>
        <Form.Item label={tr({ zh: "结算日（北京时间）", en: "Days" })} name="range">
          <DatePicker.RangePicker />
        </Form.Item>
        <Form.Item label={tr({ zh: "查找", en: "Find" })} name="q">
          <Input
            style={{ width: 200 }}
            placeholder={tr({ zh: "结算编号、人员编号或保单号", en: "Settlement, person or policy no." })}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit">
          {tr({ zh: "筛选", en: "Filter" })}
        </Button>
      </Form>
      <ServerTable<ClaimListItem>
        path="/claims"
        filters={filters}
        rowKey="setl_id"
        label={tr({ zh: "理赔清单", en: "Claims" })}
        empty={tr({ zh: "没有符合条件的理赔：请放宽条件再试。", en: "No claims match." })}
        exportPath="/claims.xlsx"
        exportName={tr({ zh: "理赔清单", en: "claims" })}
        sortable={{ created_at: "created_at", hmb_pay: "hmb_pay", psn_part_amt: "psn_part_amt" }}
        columns={[
          { title: tr({ zh: "结算编号", en: "Settlement" }), dataIndex: "setl_id", key: "setl_id" },
          {
            title: tr({ zh: "理赔方式", en: "Channel" }),
            dataIndex: "kind",
            key: "kind",
            render: (k: string) => labelOf(CLAIM_CHANNEL_LABELS, k, lang),
          },
          { title: tr({ zh: "人员编号", en: "Person no." }), dataIndex: "psn_no", key: "psn_no" },
          {
            title: tr({ zh: "定点机构", en: "Institution" }),
            dataIndex: "fixmedins_code",
            key: "institution",
            render: (code: string, c) => c.institution_name ?? names(code),
          },
          {
            title: tr({ zh: "赔付结果", en: "Outcome" }),
            dataIndex: "status",
            key: "status",
            render: (x: string) => labelOf(CLAIM_STATUS_LABELS, x, lang),
          },
          {
            title: tr({ zh: "结算状态", en: "State" }),
            dataIndex: "state",
            key: "state",
            render: (x: string) => (
              <Pill tone={x === "revoked" ? "error" : "success"}>{labelOf(CLAIM_STATE_LABELS, x, lang)}</Pill>
            ),
          },
          {
            ...yuanColumn<ClaimListItem>(
              tr({ zh: "个人负担（元）", en: "Person's part (yuan)" }),
              "psn_part_amt",
            ),
            key: "psn_part_amt",
          },
          {
            ...yuanColumn<ClaimListItem>(tr({ zh: "惠民保赔付（元）", en: "HMB paid (yuan)" }), "hmb_pay"),
            key: "hmb_pay",
          },
          {
            title: tr({ zh: "结算时间", en: "Settled" }),
            dataIndex: "created_at",
            key: "created_at",
            render: beijing,
          },
        ]}
      />
    </Card>
  );
}

export function ClaimsReview() {
  const tr = useTr();
  const [open, setOpen] = useState<string | undefined>();
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const [tick, setTick] = useState(0);
  const names = useInstitutionNames();
  return (
    <>
      <PageTitle>{tr({ zh: "理赔审核", en: "Claims review" })}</PageTitle>
      <ClaimList />
      <Card
        title={
          <h3 style={{ margin: 0, fontSize: 16 }}>
            {tr({ zh: "柜面理赔审核队列（先到先审）", en: "Counter-claim queue (oldest first)" })}
          </h3>
        }
      >
        <Form
          layout="inline"
          style={{ rowGap: 8, marginBottom: 12 }}
          initialValues={{ status: "" }}
          onFinish={(v: {
            status?: string;
            range?: [{ format: (f: string) => string }, { format: (f: string) => string }];
          }) =>
            setFilters({
              status: v.status,
              from: v.range?.[0].format("YYYY-MM-DD"),
              to: v.range?.[1].format("YYYY-MM-DD"),
            })
          }
        >
          <Form.Item label={tr({ zh: "案件状态", en: "Status" })} name="status" htmlFor="queue-status">
            <Select
              id="queue-status"
              style={{ width: 200 }}
              options={[
                { value: "", label: tr({ zh: "全部", en: "All" }) },
                ...Object.entries(STATUS).map(([k, v]) => ({ value: k, label: tr(v) })),
              ]}
            />
          </Form.Item>
          <Form.Item label={tr({ zh: "提交日（北京时间）", en: "Submitted" })} name="range">
            <DatePicker.RangePicker />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {tr({ zh: "筛选", en: "Filter" })}
          </Button>
          <Button style={{ marginLeft: 8 }} onClick={() => setTick((n) => n + 1)}>
            {tr({ zh: "刷新", en: "Refresh" })}
          </Button>
        </Form>
        <ServerTable<QueueItem>
          path="/counter-claims"
          itemsKey="cases"
          filters={filters}
          reloadKey={tick}
          rowKey="case_id"
          label={tr({ zh: "柜面理赔审核队列", en: "Counter-claim queue" })}
          empty={tr({ zh: "队列为空：没有符合条件的柜面理赔案件。", en: "The queue is empty." })}
          exportPath="/counter-claims.xlsx"
          exportName={tr({ zh: "柜面理赔案件", en: "counter-claims" })}
          columns={[
            { title: tr({ zh: "案件号", en: "Case" }), dataIndex: "case_id" },
            { title: tr({ zh: "参保人编号", en: "Person no." }), dataIndex: "psn_no" },
            {
              title: tr({ zh: "定点机构", en: "Institution" }),
              key: "institution",
              render: (_: unknown, c) =>
                c.institution_name ?? (c.fixmedins_code == null ? "—" : names(c.fixmedins_code)),
            },
            {
              title: tr({ zh: "状态", en: "Status" }),
              dataIndex: "status",
              render: (s: string) => <StatusTag status={s} />,
            },
            yuanColumn<QueueItem>(tr({ zh: "个人负担（元）", en: "Person's part (yuan)" }), "psn_part_amt"),
            {
              title: tr({ zh: "审核人", en: "Reviewer" }),
              dataIndex: "assignee",
              render: (a?: string | null) => a ?? "—",
            },
            { title: tr({ zh: "提交时间", en: "Submitted" }), dataIndex: "created_at", render: beijing },
            {
              title: tr({ zh: "操作", en: "Action" }),
              key: "open",
              render: (_: unknown, c) => (
                <Button
                  type="link"
                  aria-label={`${tr({ zh: "审核", en: "Review" })} ${c.case_id}`}
                  onClick={() => setOpen(c.case_id)}
                >
                  {tr({ zh: "审核", en: "Review" })}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      {open === undefined ? null : (
        <CaseCard key={open} caseId={open} onChange={() => setTick((n) => n + 1)} />
      )}
    </>
  );
}

/** Who proposed the decision now awaiting a second approval (the first of the four eyes). */
function proposer(v: CounterCaseView): string {
  return v.review?.pending_by ?? v.review?.decided_by ?? "—";
}

function CaseCard({ caseId, onChange }: { caseId: string; onChange: () => void }) {
  const tr = useTr();
  const institutionName = useInstitutionNames();
  const c = useLoad<CounterCaseView>(`/counter-claims/${encodeURIComponent(caseId)}`);
  const action = useAction();
  const [done, setDone] = useState<string | undefined>();
  const [decision, setDecision] = useState<"approve" | "adjust" | "reject">("approve");
  // A declared guardian's case: the reviewer ticks that the 监护关系证明 was checked before paying.
  const [guardianChecked, setGuardianChecked] = useState(false);

  async function act(path: string, body: unknown, message: string) {
    setDone(undefined);
    await action.run(async () => {
      await api("POST", `${base()}/counter-claims/${encodeURIComponent(caseId)}/${path}`, body, {
        idempotencyKey: newIdempotencyKey(),
      });
      setDone(message);
      c.reload();
      onChange();
    });
  }

  return (
    <Card
      style={{ marginTop: 16 }}
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>
          {tr({ zh: "案件", en: "Case" })} {caseId}
        </h3>
      }
    >
      <Loading state={c}>
        {(v) => {
          const open = [
            "submitted",
            "in_review",
            "appealed",
            "pending_second_approval",
            "resettling",
          ].includes(v.status);
          return (
            <section aria-label={`${tr({ zh: "案件", en: "Case" })} ${caseId}`}>
              <Descriptions size="small" bordered column={2}>
                <Descriptions.Item label={tr({ zh: "状态", en: "Status" })}>
                  <span data-testid="case-status">
                    <StatusTag status={v.status} />
                  </span>
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "结算号", en: "Settlement id" })}>
                  {v.setl_id}
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "参保人编号", en: "Person no." })}>
                  {v.psn_no}
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "审核人", en: "Reviewer" })}>
                  {v.review?.assignee ?? "—"}
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "就诊机构", en: "Institution" })}>
                  {institutionName(
                    typeof v.record.fixmedins_code === "string" ? v.record.fixmedins_code : undefined,
                  )}
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "诊断", en: "Diagnosis" })}>
                  {String(v.record.dise_codg ?? "—")}
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "结算时间", en: "Settled at" })}>
                  {String(v.record.setl_time ?? "—")}
                </Descriptions.Item>
                {AMOUNTS.map((k) => (
                  <Descriptions.Item
                    key={k}
                    label={`${tr(AMOUNT_NAMES[k] as { zh: string; en: string })}（元）`}
                  >
                    {yuan(v.record[k] as string | undefined)}
                  </Descriptions.Item>
                ))}
                <Descriptions.Item label={tr({ zh: "惠民保赔付", en: "Huiminbao pays" })}>
                  <span data-testid="case-payout">
                    {v.payout === null ? "—" : `${yuan(v.payout.hmb_pay)} 元`}
                  </span>
                </Descriptions.Item>
                <Descriptions.Item label={tr({ zh: "决定", en: "Decision" })}>
                  {v.decision === null
                    ? "—"
                    : `${tr(DECISIONS[v.decision.decision] ?? { zh: v.decision.decision, en: v.decision.decision })}${v.decision.reason === null ? "" : `：${v.decision.reason}`}`}
                </Descriptions.Item>
              </Descriptions>
              {v.guardian === null ? null : (
                <Alert
                  style={{ marginTop: 12 }}
                  type={v.guardian.verified ? "info" : "warning"}
                  showIcon
                  data-testid="case-guardian"
                  title={
                    v.guardian.verified
                      ? tr({
                          zh: `申请人为就诊人的${labelOf(GUARDIAN_RELATION_LABELS, v.guardian.relation, "zh")}（监护关系证明已于 ${v.guardian.verified_at === null ? "此前" : beijing(v.guardian.verified_at)} 核验）`,
                          en: `Filed by the patient's ${labelOf(GUARDIAN_RELATION_LABELS, v.guardian.relation, "en").toLowerCase()} (proof of guardianship checked)`,
                        })
                      : tr({
                          zh: `申请人自述为监护人（${labelOf(GUARDIAN_RELATION_LABELS, v.guardian.relation, "zh")}，待核验监护关系证明）：就诊人为未成年人，非申请人缴费投保。批准前请查看“监护关系证明”（户口簿或出生医学证明），核对申请人与就诊人的关系。`,
                          en: `Applicant declares to be the guardian (${labelOf(GUARDIAN_RELATION_LABELS, v.guardian.relation, "en").toLowerCase()}; proof to be checked): check the proof of guardianship before approving.`,
                        })
                  }
                />
              )}
              {v.pending === null ? null : (
                <Alert
                  style={{ marginTop: 12 }}
                  type="warning"
                  showIcon
                  title={tr({
                    zh: `四眼复核：经办人员 ${proposer(v)} 已于 ${v.pending.since === null ? "此前" : beijing(v.pending.since)} 提出${v.pending.decision === "adjust" ? "调整后赔付" : "批准赔付"}，拟赔付 ${yuan(v.pending.hmb_pay)} 元，超过复核限额，须由${proposer(v)}以外的另一名经办人员批准后才入账。`,
                    en: `Four eyes: operator ${proposer(v)} proposed to ${v.pending.decision === "adjust" ? "approve with an adjustment" : "approve"}, paying ${yuan(v.pending.hmb_pay)} yuan — above the threshold, an operator other than ${proposer(v)} must approve.`,
                  })}
                />
              )}
              <h4 style={{ marginTop: 16 }}>{tr({ zh: "单据", en: "Documents" })}</h4>
              {v.documents.length === 0 ? (
                <p>
                  {tr({
                    zh: "尚未上传单据：请参保人或柜面补充发票与结算单后再审核。",
                    en: "No documents uploaded yet.",
                  })}
                </p>
              ) : (
                <ul>
                  {v.documents.map((d) => (
                    <li key={d.doc_kind}>
                      <a
                        href={`${base()}/counter-claims/${encodeURIComponent(caseId)}/documents/${d.doc_kind}`}
                        target="_blank"
                        rel="noreferrer"
                        style={{ textDecoration: "underline" }}
                      >
                        {tr({ zh: "查看", en: "View" })}{" "}
                        {tr(DOCS[d.doc_kind] ?? { zh: d.doc_kind, en: d.doc_kind })}
                      </a>{" "}
                      <span style={{ color: "rgba(0,0,0,0.68)" }}>
                        {d.content_type} · {Math.ceil(d.size / 1024)} KB · SHA-256 {d.sha256.slice(0, 12)}…
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              {open ? (
                <DocumentUpload
                  caseId={caseId}
                  appealing={v.status === "appealed"}
                  onUploaded={() => {
                    c.reload();
                    onChange();
                  }}
                />
              ) : null}
              {action.error === undefined ? null : (
                <Alert type="error" role="alert" showIcon title={action.error} style={{ margin: "12px 0" }} />
              )}
              {done === undefined ? null : (
                <Alert type="success" role="status" showIcon title={done} style={{ margin: "12px 0" }} />
              )}
              {open ? (
                <>
                  <Button
                    style={{ margin: "8px 0 16px" }}
                    loading={action.busy}
                    onClick={() => void act("assign", {}, tr({ zh: "已分配给你。", en: "Assigned to you." }))}
                  >
                    {tr({ zh: "分配给我", en: "Assign to me" })}
                  </Button>
                  <Form
                    layout="vertical"
                    onFinish={(values: Record<string, string>) => {
                      const record: Record<string, string> = {};
                      for (const k of AMOUNTS) {
                        const val = values[`amt_${k}`];
                        if (val !== undefined && val !== "" && val !== v.record[k]) record[k] = val;
                      }
                      void act(
                        "decision",
                        {
                          decision,
                          ...(values.reason ? { reason: values.reason } : {}),
                          ...(decision === "adjust" ? { record } : {}),
                          ...(v.guardian !== null && decision !== "reject"
                            ? { guardianship_checked: guardianChecked }
                            : {}),
                        },
                        tr({ zh: "决定已提交。", en: "Decision recorded." }),
                      );
                    }}
                  >
                    <Form.Item label={tr({ zh: "审核决定", en: "Decision" })}>
                      <Radio.Group
                        value={decision}
                        onChange={(e) => setDecision(e.target.value as "approve")}
                        options={[
                          { value: "approve", label: tr({ zh: "批准", en: "Approve" }) },
                          { value: "adjust", label: tr({ zh: "调整后赔付", en: "Adjust" }) },
                          { value: "reject", label: tr({ zh: "拒付", en: "Reject" }) },
                        ]}
                      />
                    </Form.Item>
                    {decision === "adjust"
                      ? AMOUNTS.map((k) => (
                          <Form.Item
                            key={k}
                            label={`${tr(AMOUNT_NAMES[k] as { zh: string; en: string })}（元，更正后）`}
                            name={`amt_${k}`}
                            initialValue={v.record[k]}
                          >
                            <Input inputMode="decimal" />
                          </Form.Item>
                        ))
                      : null}
                    {v.guardian !== null && decision !== "reject" ? (
                      <Form.Item>
                        <Checkbox
                          checked={guardianChecked}
                          onChange={(e) => setGuardianChecked(e.target.checked)}
                        >
                          {tr({
                            zh: "已核验监护关系证明（户口簿或出生医学证明），申请人确为就诊人的监护人",
                            en: "I checked the proof of guardianship: the applicant is the patient's guardian",
                          })}
                        </Checkbox>
                      </Form.Item>
                    ) : null}
                    <Form.Item
                      label={tr({ zh: "理由", en: "Reason" })}
                      name="reason"
                      rules={[
                        {
                          required: decision !== "approve",
                          message: tr({
                            zh: "调整或拒付须写明理由，参保人会收到这段说明。",
                            en: "Adjusting or rejecting needs a reason.",
                          }),
                        },
                      ]}
                    >
                      <Input.TextArea rows={2} maxLength={500} />
                    </Form.Item>
                    <Button type="primary" htmlType="submit" loading={action.busy}>
                      {tr({ zh: "提交决定", en: "Submit decision" })}
                    </Button>
                  </Form>
                </>
              ) : null}
              <h4 style={{ marginTop: 16 }}>{tr({ zh: "处理轨迹", en: "Trail" })}</h4>
              <Timeline
                items={v.events.map((e) => ({
                  children: `${beijing(e.at)} ${tr(CLAIM_EVENT_LABELS[e.event] ?? { zh: e.event, en: e.event })}`,
                }))}
              />
            </section>
          );
        }}
      </Loading>
    </Card>
  );
}

/** Accepted scans (services/claims/documents.ts DOC_CONTENT_TYPES). */
const DOC_ACCEPT = "application/pdf,image/jpeg,image/png";

/**
 * The counter's upload on the resident's behalf (柜面代传): the document's kind, a PDF or photo, and the
 * server's answer (stored, the same file again, or replaced) — audited by the server as the operator's.
 */
function DocumentUpload({
  caseId,
  appealing,
  onUploaded,
}: {
  caseId: string;
  appealing: boolean;
  onUploaded: () => void;
}) {
  const tr = useTr();
  const kinds = appealing
    ? ["invoice", "settlement_sheet", "guardianship", "other", "appeal"]
    : ["invoice", "settlement_sheet", "guardianship", "other"];
  const [kind, setKind] = useState("invoice");
  const [file, setFile] = useState<File | undefined>();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const inputId = `doc-file-${caseId}`;
  async function upload() {
    if (file === undefined) {
      setMessage({ ok: false, text: tr({ zh: "请先选择要上传的文件。", en: "Choose a file first." }) });
      return;
    }
    setBusy(true);
    setMessage(undefined);
    try {
      const res = await raw(
        "PUT",
        `${base()}/counter-claims/${encodeURIComponent(caseId)}/documents/${kind}`,
        file,
      );
      const outcome = ((await res.json()) as { outcome?: string }).outcome;
      const name = tr(DOCS[kind] ?? { zh: kind, en: kind });
      setMessage({
        ok: true,
        text:
          outcome === "same"
            ? tr({ zh: `${name}与已上传的相同，未重复保存。`, en: `${name}: same file as before.` })
            : outcome === "replaced"
              ? tr({ zh: `已替换${name}。`, en: `${name} replaced.` })
              : tr({ zh: `已上传${name}。`, en: `${name} uploaded.` }),
      });
      setFile(undefined);
      onUploaded();
    } catch (e) {
      setMessage({ ok: false, text: errorOf(e) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Space
      wrap
      style={{ margin: "8px 0" }}
      aria-label={tr({ zh: "柜面代传单据", en: "Upload for the resident" })}
    >
      <label htmlFor={`doc-kind-${caseId}`}>{tr({ zh: "单据类型", en: "Document" })}</label>
      <Select
        id={`doc-kind-${caseId}`}
        style={{ width: 140 }}
        value={kind}
        onChange={setKind}
        options={kinds.map((k) => ({ value: k, label: tr(DOCS[k] ?? { zh: k, en: k }) }))}
      />
      <label htmlFor={inputId}>{tr({ zh: "文件（PDF 或照片）", en: "File (PDF or photo)" })}</label>
      <input
        id={inputId}
        type="file"
        accept={DOC_ACCEPT}
        onChange={(e) => setFile(e.target.files?.[0] ?? undefined)}
      />
      <Button loading={busy} onClick={() => void upload()}>
        {tr({ zh: "上传单据", en: "Upload" })}
      </Button>
      {message === undefined ? null : (
        <Alert
          type={message.ok ? "success" : "error"}
          role={message.ok ? "status" : "alert"}
          showIcon
          title={message.text}
        />
      )}
    </Space>
  );
}
