/**
 * 理赔审核: the counter-claim review queue (oldest first), one case with its record, documents (viewable,
 * SHA-256 shown), engine preview, four-eyes state and trail; assign, then approve / adjust / reject with a
 * reason. The server enforces every rule (four eyes, appeals); this page explains its answers.
 */
import { Alert, Button, Card, Descriptions, Form, Input, Radio, Select, Space, Table, Timeline } from "antd";
import { useState } from "react";
import { CLAIM_EVENT_LABELS } from "../../../../src/domain/vocabulary.js";
import { api, newIdempotencyKey, raw } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import type { CounterCaseView, CounterQueue } from "../../shared/types.js";
import { yuanColumn } from "./columns.js";
import { base, errorOf, Loading, PageTitle, Pill, useLoad, useTr } from "./common.js";

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

const DOCS: Record<string, { zh: string; en: string }> = {
  invoice: { zh: "发票", en: "Invoice" },
  settlement_sheet: { zh: "结算单", en: "Settlement sheet" },
  other: { zh: "其他材料", en: "Other" },
  appeal: { zh: "申诉材料", en: "Appeal" },
};

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

export function ClaimsReview() {
  const tr = useTr();
  const [status, setStatus] = useState<string>("");
  const [open, setOpen] = useState<string | undefined>();
  const queue = useLoad<CounterQueue>(`/counter-claims?limit=200${status === "" ? "" : `&status=${status}`}`);
  return (
    <>
      <PageTitle>{tr({ zh: "理赔审核", en: "Claims review" })}</PageTitle>
      <Card
        title={
          <h3 style={{ margin: 0, fontSize: 16 }}>
            {tr({ zh: "柜面理赔审核队列（先到先审）", en: "Counter-claim queue (oldest first)" })}
          </h3>
        }
      >
        <Space style={{ marginBottom: 12 }}>
          <label htmlFor="queue-status">{tr({ zh: "案件状态", en: "Status" })}</label>
          <Select
            id="queue-status"
            style={{ width: 200 }}
            value={status}
            onChange={setStatus}
            options={[
              { value: "", label: tr({ zh: "全部", en: "All" }) },
              ...Object.entries(STATUS).map(([k, v]) => ({ value: k, label: tr(v) })),
            ]}
          />
          <Button onClick={queue.reload}>{tr({ zh: "刷新", en: "Refresh" })}</Button>
        </Space>
        <Loading
          state={queue}
          isEmpty={(d) => d.cases.length === 0}
          empty={tr({ zh: "队列为空：没有待审核的柜面理赔案件。", en: "The queue is empty." })}
        >
          {(d) => (
            <Table<QueueItem>
              rowKey="case_id"
              size="small"
              pagination={{ pageSize: 20 }}
              dataSource={d.cases}
              columns={[
                { title: tr({ zh: "案件号", en: "Case" }), dataIndex: "case_id" },
                { title: tr({ zh: "参保人编号", en: "Person no." }), dataIndex: "psn_no" },
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (s: string) => <StatusTag status={s} />,
                },
                yuanColumn<QueueItem>(
                  tr({ zh: "个人负担（元）", en: "Person's part (yuan)" }),
                  "psn_part_amt",
                ),
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
          )}
        </Loading>
      </Card>
      {open === undefined ? null : <CaseCard key={open} caseId={open} onChange={queue.reload} />}
    </>
  );
}

function CaseCard({ caseId, onChange }: { caseId: string; onChange: () => void }) {
  const tr = useTr();
  const c = useLoad<CounterCaseView>(`/counter-claims/${encodeURIComponent(caseId)}`);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [decision, setDecision] = useState<"approve" | "adjust" | "reject">("approve");

  async function act(path: string, body: unknown, message: string) {
    setBusy(true);
    setError(undefined);
    setDone(undefined);
    try {
      await api("POST", `${base()}/counter-claims/${encodeURIComponent(caseId)}/${path}`, body, {
        idempotencyKey: newIdempotencyKey(),
      });
      setDone(message);
      c.reload();
      onChange();
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(false);
    }
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
              {v.pending === null ? null : (
                <Alert
                  style={{ marginTop: 12 }}
                  type="warning"
                  showIcon
                  title={tr({
                    zh: `四眼复核：${v.review?.decided_by ?? "第一位经办人"} 已提出${v.pending.decision === "adjust" ? "调整" : "批准"}，拟赔付 ${yuan(v.pending.hmb_pay)} 元，超过复核限额，须另一名经办人员批准后才入账。`,
                    en: `Four eyes: ${v.pending.decision} proposed, paying ${yuan(v.pending.hmb_pay)} yuan — above the threshold, a second operator must approve.`,
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
              {error === undefined ? null : (
                <Alert type="error" role="alert" showIcon title={error} style={{ margin: "12px 0" }} />
              )}
              {done === undefined ? null : (
                <Alert type="success" role="status" showIcon title={done} style={{ margin: "12px 0" }} />
              )}
              {open ? (
                <>
                  <Button
                    style={{ margin: "8px 0 16px" }}
                    loading={busy}
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
                    <Button type="primary" htmlType="submit" loading={busy}>
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
    ? ["invoice", "settlement_sheet", "other", "appeal"]
    : ["invoice", "settlement_sheet", "other"];
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
