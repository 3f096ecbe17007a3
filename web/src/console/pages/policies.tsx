/** 投保 / 保单: the policies list, filtered by status and enrollment kind (also the charity's sponsored view). */
import { Card, Select, Space, Table } from "antd";
import { useState } from "react";
import {
  ENROLLMENT_KIND_LABELS,
  type Label,
  PAYMENT_CHANNEL_LABELS,
  POLICY_STATUS_LABELS,
} from "../../../../src/domain/vocabulary.js";
import { beijing } from "../../shared/format.js";
import type { PolicyListItem, PolicyPage } from "../../shared/types.js";
import { yuanColumn } from "./columns.js";
import { Loading, PageTitle, useLoad, useTr } from "./common.js";

/** Labels from the one vocabulary (src/domain/vocabulary.ts): no raw code on screen. */
export const POLICY_STATUS: Readonly<Record<string, Label>> = POLICY_STATUS_LABELS;
const KINDS: Readonly<Record<string, Label>> = ENROLLMENT_KIND_LABELS;

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
  const list = useLoad<PolicyPage>(`/policies?${q}`);
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
            <Table<PolicyListItem>
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
                { title: tr({ zh: "方案", en: "Plan" }), dataIndex: "plan_name" },
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
                yuanColumn<PolicyListItem>(tr({ zh: "保费（元）", en: "Premium (yuan)" }), "premium"),
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (s: string) => tr(POLICY_STATUS[s] ?? { zh: s, en: s }),
                },
                {
                  title: tr({ zh: "缴费渠道", en: "Paid by" }),
                  dataIndex: "paid_channel",
                  render: (c: string | null) =>
                    c === null ? "—" : tr(PAYMENT_CHANNEL_LABELS[c] ?? { zh: c, en: c }),
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
