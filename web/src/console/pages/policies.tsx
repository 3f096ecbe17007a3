/**
 * 保单 (issue 14): the policies list searched on the server (policy number, person number, name, status,
 * kind, channel), exported as Excel with the same filter, each policy's e-policy viewed or downloaded, and a
 * cancellation that shows the refund quote before it is confirmed. Names are masked; every search is audited
 * by the server. Also the charity's sponsored view (`fixedKind`) and the enrollments grouping (`byEnrollment`).
 */
import { Alert, Button, Card, Descriptions, Input, Modal, Select, Space, Table } from "antd";
import { useState } from "react";
import {
  ENROLLMENT_KIND_LABELS,
  type Label,
  labelOf,
  PAYMENT_CHANNEL_LABELS,
  POLICY_STATUS_LABELS,
  RELATION_LABELS,
} from "../../../../src/domain/vocabulary.js";
import { api, raw } from "../../shared/api.js";
import { beijing, day, endDay, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { CancelQuote, PolicyListItem, PolicyPage, PolicyView, PoolList } from "../../shared/types.js";
import { yuanColumn } from "./columns.js";
import { base, errorOf, Loading, PageTitle, role, useLoad, useTr } from "./common.js";

/** Labels from the one vocabulary (src/domain/vocabulary.ts): no raw code on screen. */
export const POLICY_STATUS: Readonly<Record<string, Label>> = POLICY_STATUS_LABELS;
const KINDS: Readonly<Record<string, Label>> = ENROLLMENT_KIND_LABELS;
const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PAGE_SIZE = 50;

/** How a cancellation refunds (contract/policies.ts CancelQuote.kind). */
const REFUND_KINDS: Readonly<Record<string, Label>> = {
  full: { zh: "全额退费（保障尚未开始）", en: "Full refund (before cover starts)" },
  pro_rata: { zh: "按未到期天数退费", en: "Pro rata by days remaining" },
  none: { zh: "不退费", en: "No refund" },
  unpaid: { zh: "未缴费，无需退费", en: "Unpaid: nothing to refund" },
};

/** Saves a Blob answer as a file (the session's token goes with the request, so no bare link). */
async function saveAs(path: string, accept: string, name: string): Promise<void> {
  const res = await raw("GET", path, undefined, { accept });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

function EPolicy({ policyNo, onClose }: { policyNo: string; onClose: () => void }) {
  const tr = useTr();
  const { lang } = useLang();
  const p = useLoad<PolicyView>(`/policies/${policyNo}`);
  const [error, setError] = useState<string | undefined>();
  return (
    <Modal
      open
      title={tr({ zh: `电子保单 ${policyNo}`, en: `E-policy ${policyNo}` })}
      onCancel={onClose}
      footer={[
        <Button
          key="pdf"
          type="primary"
          onClick={() =>
            void saveAs(
              `${base()}/policies/${policyNo}/certificate.pdf`,
              "application/pdf",
              `${policyNo}.pdf`,
            ).catch((e: unknown) => setError(errorOf(e)))
          }
        >
          {tr({ zh: "下载电子保单 PDF", en: "Download PDF" })}
        </Button>,
        <Button key="close" onClick={onClose}>
          {tr({ zh: "关闭", en: "Close" })}
        </Button>,
      ]}
    >
      {error === undefined ? null : <Alert type="error" role="alert" showIcon title={error} />}
      <Loading state={p}>
        {(v) => (
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={tr({ zh: "产品", en: "Product" })}>{v.product_name}</Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "方案", en: "Plan" })}>{v.plan_name}</Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "状态", en: "Status" })}>
              {labelOf(POLICY_STATUS_LABELS, v.status, lang)}
            </Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "被保险人", en: "Insured" })}>{v.psn_name}</Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "证件号码", en: "ID number" })}>{v.certno}</Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "与投保人关系", en: "Relation" })}>
              {labelOf(RELATION_LABELS, v.relation, lang)}
            </Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "保障期间", en: "Cover" })}>
              {`${day(v.coverage_start)} ${tr({ zh: "至", en: "to" })} ${endDay(v.coverage_end)}`}
            </Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "保费（元）", en: "Premium (yuan)" })}>
              {yuan(v.premium)}
            </Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "缴费渠道", en: "Paid by" })}>
              {labelOf(PAYMENT_CHANNEL_LABELS, v.paid_channel, lang)}
            </Descriptions.Item>
            <Descriptions.Item label={tr({ zh: "出单时间", en: "Issued" })}>
              {v.issued_at ?? "—"}
            </Descriptions.Item>
          </Descriptions>
        )}
      </Loading>
    </Modal>
  );
}

function Cancel({ policyNo, onDone }: { policyNo: string; onDone: (changed: boolean) => void }) {
  const tr = useTr();
  const { lang } = useLang();
  const quote = useLoad<CancelQuote>(`/policies/${policyNo}/cancel/quote`);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  async function confirm(q: CancelQuote) {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `${base()}/policies/${policyNo}/cancel`, {
        expected_refund_fen: q.refund_fen,
        ...(reason.trim() === "" ? {} : { reason: reason.trim() }),
      });
      onDone(true);
    } catch (e) {
      setError(errorOf(e));
      quote.reload();
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal
      open
      title={tr({ zh: `退保 ${policyNo}`, en: `Cancel ${policyNo}` })}
      onCancel={() => onDone(false)}
      footer={null}
    >
      <Loading state={quote}>
        {(q) => (
          <Space orientation="vertical" style={{ width: "100%" }}>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={tr({ zh: "保费（元）", en: "Premium (yuan)" })}>
                {yuan(q.premium)}
              </Descriptions.Item>
              <Descriptions.Item label={tr({ zh: "退费（元）", en: "Refund (yuan)" })}>
                <strong data-testid="refund-quote">{yuan(q.refund)}</strong>
              </Descriptions.Item>
              <Descriptions.Item label={tr({ zh: "退费方式", en: "Refund basis" })}>
                {tr(REFUND_KINDS[q.kind] ?? { zh: "—", en: "—" })}
              </Descriptions.Item>
              <Descriptions.Item label={tr({ zh: "剩余保障天数", en: "Days remaining" })}>
                {`${q.remaining_days} / ${q.total_days}`}
              </Descriptions.Item>
              <Descriptions.Item label={tr({ zh: "原路退回", en: "Refunded to" })}>
                {labelOf(PAYMENT_CHANNEL_LABELS, q.channel, lang)}
              </Descriptions.Item>
              <Descriptions.Item label={tr({ zh: "计算说明", en: "Explanation" })}>
                {q.explanation}
              </Descriptions.Item>
            </Descriptions>
            <label htmlFor="cancel-reason">{tr({ zh: "退保原因（选填）", en: "Reason (optional)" })}</label>
            <Input
              id="cancel-reason"
              value={reason}
              maxLength={500}
              onChange={(e) => setReason(e.target.value)}
            />
            {error === undefined ? null : <Alert type="error" role="alert" showIcon title={error} />}
            <Space>
              <Button danger type="primary" loading={busy} onClick={() => void confirm(q)}>
                {tr({ zh: `确认退保并退费 ${yuan(q.refund)} 元`, en: `Cancel and refund ${yuan(q.refund)}` })}
              </Button>
              <Button onClick={() => onDone(false)}>{tr({ zh: "暂不退保", en: "Keep the policy" })}</Button>
            </Space>
          </Space>
        )}
      </Loading>
    </Modal>
  );
}

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
  const { lang } = useLang();
  const me = role();
  const staff = me === "operator" || me === "admin";
  const readsCertificates = staff || me === "co_insurer";
  const [status, setStatus] = useState("");
  const [kind, setKind] = useState(fixedKind ?? "");
  const [channel, setChannel] = useState("");
  const [draft, setDraft] = useState({ policy_no: "", psn_no: "", name: "" });
  const [search, setSearch] = useState(draft);
  const [pageNo, setPageNo] = useState(1);
  const [tick, setTick] = useState(0);
  const [viewing, setViewing] = useState<string | undefined>();
  const [cancelling, setCancelling] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const filter = new URLSearchParams();
  if (status !== "") filter.set("status", status);
  if (kind !== "") filter.set("kind", kind);
  if (channel !== "") filter.set("channel", channel);
  for (const [k, v] of Object.entries(search)) if (v.trim() !== "") filter.set(k, v.trim());
  const q = new URLSearchParams(filter);
  q.set("limit", String(PAGE_SIZE));
  q.set("offset", String((pageNo - 1) * PAGE_SIZE));
  const list = useLoad<PolicyPage>(`/policies?${q}`, [tick]);
  // A charity pool by its name, never its code.
  const poolList = useLoad<PoolList>("/charity-pools");
  const pools = new Map((poolList.data?.pools ?? []).map((p) => [p.pool_id, p.name]));
  const reset = (f: () => void) => {
    f();
    setPageNo(1);
  };
  return (
    <>
      <PageTitle>{tr(title)}</PageTitle>
      <Card>
        <Space style={{ marginBottom: 12 }} wrap align="end">
          <Space orientation="vertical" size={2}>
            <label htmlFor="policy-status">{tr({ zh: "保单状态", en: "Status" })}</label>
            <Select
              id="policy-status"
              style={{ width: 140 }}
              value={status}
              onChange={(v) => reset(() => setStatus(v))}
              options={[
                { value: "", label: tr({ zh: "全部", en: "All" }) },
                ...Object.entries(POLICY_STATUS).map(([k, v]) => ({ value: k, label: tr(v) })),
              ]}
            />
          </Space>
          {fixedKind === undefined ? (
            <Space orientation="vertical" size={2}>
              <label htmlFor="policy-kind">{tr({ zh: "投保方式", en: "Kind" })}</label>
              <Select
                id="policy-kind"
                style={{ width: 140 }}
                value={kind}
                onChange={(v) => reset(() => setKind(v))}
                options={[
                  { value: "", label: tr({ zh: "全部", en: "All" }) },
                  ...Object.entries(KINDS).map(([k, v]) => ({ value: k, label: tr(v) })),
                ]}
              />
            </Space>
          ) : null}
          {readsCertificates ? (
            <>
              <Space orientation="vertical" size={2}>
                <label htmlFor="policy-channel">{tr({ zh: "缴费渠道", en: "Channel" })}</label>
                <Select
                  id="policy-channel"
                  style={{ width: 150 }}
                  value={channel}
                  onChange={(v) => reset(() => setChannel(v))}
                  options={[
                    { value: "", label: tr({ zh: "全部", en: "All" }) },
                    ...Object.entries(PAYMENT_CHANNEL_LABELS).map(([k, v]) => ({ value: k, label: tr(v) })),
                  ]}
                />
              </Space>
              <Space orientation="vertical" size={2}>
                <label htmlFor="policy-no">{tr({ zh: "保单号", en: "Policy no." })}</label>
                <Input
                  id="policy-no"
                  style={{ width: 200 }}
                  value={draft.policy_no}
                  onChange={(e) => setDraft({ ...draft, policy_no: e.target.value })}
                />
              </Space>
            </>
          ) : null}
          {staff ? (
            <>
              <Space orientation="vertical" size={2}>
                <label htmlFor="policy-psn">{tr({ zh: "人员编号", en: "Person no." })}</label>
                <Input
                  id="policy-psn"
                  style={{ width: 140 }}
                  value={draft.psn_no}
                  onChange={(e) => setDraft({ ...draft, psn_no: e.target.value })}
                />
              </Space>
              <Space orientation="vertical" size={2}>
                <label htmlFor="policy-name">{tr({ zh: "姓名", en: "Name" })}</label>
                <Input
                  id="policy-name"
                  style={{ width: 120 }}
                  value={draft.name}
                  onChange={(e) => setDraft({ ...draft, name: e.target.value })}
                />
              </Space>
            </>
          ) : null}
          {readsCertificates ? (
            <>
              <Button type="primary" onClick={() => reset(() => setSearch(draft))}>
                {tr({ zh: "查询", en: "Search" })}
              </Button>
              <Button
                onClick={() =>
                  void saveAs(`${base()}/policies.xlsx?${filter}`, XLSX, `保单清单.xlsx`).catch(
                    (e: unknown) => setError(errorOf(e)),
                  )
                }
              >
                {tr({ zh: "导出 Excel", en: "Export Excel" })}
              </Button>
            </>
          ) : null}
        </Space>
        {notice === undefined ? null : (
          <Alert style={{ marginBottom: 12 }} type="success" role="status" showIcon title={notice} closable />
        )}
        {error === undefined ? null : (
          <Alert style={{ marginBottom: 12 }} type="error" role="alert" showIcon title={error} />
        )}
        <Loading
          state={list}
          isEmpty={(d) => d.total === 0}
          empty={tr({ zh: "没有符合条件的记录：可以换个筛选条件。", en: "Nothing matches these filters." })}
        >
          {(d) => (
            <Table<PolicyListItem>
              rowKey="policy_no"
              size="small"
              aria-label={tr({ zh: "保单列表", en: "Policies" })}
              dataSource={d.policies}
              pagination={{
                current: pageNo,
                pageSize: PAGE_SIZE,
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
                { title: tr({ zh: "姓名", en: "Name" }), dataIndex: "psn_name" },
                { title: tr({ zh: "方案", en: "Plan" }), dataIndex: "plan_name" },
                {
                  title: tr({ zh: "投保方式", en: "Kind" }),
                  dataIndex: "enrollment_kind",
                  render: (k: string) => labelOf(KINDS, k, lang),
                },
                {
                  title: tr({ zh: "单位 / 资金池", en: "Unit / pool" }),
                  key: "u",
                  render: (_: unknown, p) =>
                    p.unit_code ?? (p.pool_id === null ? "—" : (pools.get(p.pool_id) ?? "—")),
                },
                yuanColumn<PolicyListItem>(tr({ zh: "保费（元）", en: "Premium (yuan)" }), "premium"),
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (s: string) => labelOf(POLICY_STATUS, s, lang),
                },
                {
                  title: tr({ zh: "缴费渠道", en: "Paid by" }),
                  dataIndex: "paid_channel",
                  render: (c: string | null) => labelOf(PAYMENT_CHANNEL_LABELS, c, lang),
                },
                {
                  title: tr({ zh: "出单时间", en: "Issued" }),
                  dataIndex: "issued_at",
                  render: (t: string | null) => (t === null ? "—" : beijing(t)),
                },
                ...(readsCertificates
                  ? [
                      {
                        title: tr({ zh: "操作", en: "Actions" }),
                        key: "actions",
                        render: (_: unknown, p: PolicyListItem) => (
                          <Space>
                            {p.issued_at === null ? null : (
                              <Button size="small" onClick={() => setViewing(p.policy_no)}>
                                {tr({ zh: "电子保单", en: "E-policy" })}
                              </Button>
                            )}
                            {staff && p.status !== "cancelled" ? (
                              <Button size="small" danger onClick={() => setCancelling(p.policy_no)}>
                                {tr({ zh: "退保", en: "Cancel" })}
                              </Button>
                            ) : null}
                          </Space>
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          )}
        </Loading>
      </Card>
      {viewing === undefined ? null : <EPolicy policyNo={viewing} onClose={() => setViewing(undefined)} />}
      {cancelling === undefined ? null : (
        <Cancel
          policyNo={cancelling}
          onDone={(changed) => {
            if (changed) {
              setNotice(
                tr({ zh: `保单 ${cancelling} 已退保，退费原路退回。`, en: `${cancelling} cancelled.` }),
              );
              setTick((n) => n + 1);
            }
            setCancelling(undefined);
          }}
        />
      )}
    </>
  );
}
