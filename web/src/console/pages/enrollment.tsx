/**
 * 投保管理 (issue 14): the enrollments with their payment status and order expiry, and enrolling on a
 * resident's, a unit's or a charity's behalf — individual, family, a unit's Excel list, a charity pool.
 */
import { Card, Input, Select, Space, Tabs } from "antd";
import { useState } from "react";
import {
  ENROLLMENT_KIND_LABELS,
  labelOf,
  PAY_STATUS_LABELS,
  PAYMENT_CHANNEL_LABELS,
} from "../../../../src/domain/vocabulary.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { EnrollmentListItem, PoolList } from "../../shared/types.js";
import { ServerTable } from "../server-table.js";
import { PageTitle, Pill, useLoad, useTr } from "./common.js";
import { CharityForm } from "./enrollment-charity.js";
import { FamilyForm, IndividualForm } from "./enrollment-forms.js";
import { UnitUpload } from "./enrollment-unit.js";

const PAGE_SIZE = 50;
const TONE: Readonly<Record<string, string>> = {
  paid: "success",
  created: "warning",
  preauthorized: "processing",
  failed: "error",
  expired: "error",
  cancelled: "default",
  none: "default",
};

/** The channel as people read it: a charity pool by its name. */
function channelText(e: EnrollmentListItem, pools: Map<string, string>, lang: "zh" | "en"): string {
  if (e.channel.startsWith("charity:")) {
    const name = pools.get(e.pool_id ?? "");
    return name === undefined ? labelOf(PAYMENT_CHANNEL_LABELS, "charity", lang) : name;
  }
  return labelOf(PAYMENT_CHANNEL_LABELS, e.channel, lang);
}

const ALL = "";

function EnrollmentList({ tick }: { tick: number }) {
  const tr = useTr();
  const { lang } = useLang();
  const [filters, setFilters] = useState({ kind: ALL, pay_status: ALL, from: ALL, to: ALL, q: ALL });
  const poolList = useLoad<PoolList>("/charity-pools");
  const pools = new Map((poolList.data?.pools ?? []).map((p) => [p.pool_id, p.name]));
  const set = (key: keyof typeof filters) => (value: string) => setFilters((f) => ({ ...f, [key]: value }));
  const filtered = Object.values(filters).some((v) => v !== ALL);
  return (
    <Card>
      <Space style={{ marginBottom: 12 }} wrap align="end">
        <Space orientation="vertical" size={2}>
          <label htmlFor="enr-kind">{tr({ zh: "投保方式", en: "Kind" })}</label>
          <Select
            id="enr-kind"
            style={{ width: 160 }}
            value={filters.kind}
            onChange={set("kind")}
            options={[
              { value: ALL, label: tr({ zh: "全部", en: "All" }) },
              ...Object.entries(ENROLLMENT_KIND_LABELS).map(([k, v]) => ({ value: k, label: tr(v) })),
            ]}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="enr-pay">{tr({ zh: "缴费状态", en: "Payment" })}</label>
          <Select
            id="enr-pay"
            style={{ width: 160 }}
            value={filters.pay_status}
            onChange={set("pay_status")}
            options={[
              { value: ALL, label: tr({ zh: "全部", en: "All" }) },
              ...Object.entries(PAY_STATUS_LABELS).map(([k, v]) => ({ value: k, label: tr(v) })),
            ]}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="enr-from">{tr({ zh: "投保日起", en: "From" })}</label>
          <Input
            id="enr-from"
            type="date"
            style={{ width: 160 }}
            onChange={(e) => set("from")(e.target.value)}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="enr-to">{tr({ zh: "投保日止", en: "To" })}</label>
          <Input id="enr-to" type="date" style={{ width: 160 }} onChange={(e) => set("to")(e.target.value)} />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="enr-q">{tr({ zh: "按编号查找", en: "Find by number" })}</label>
          <Input.Search
            id="enr-q"
            allowClear
            style={{ width: 220 }}
            placeholder={tr({ zh: "投保单号或单位编码的开头", en: "Start of an enrollment or unit code" })}
            onSearch={(v) => set("q")(v.trim())}
          />
        </Space>
      </Space>
      <ServerTable<EnrollmentListItem>
        path="/enrollments"
        itemsKey="enrollments"
        filters={filters}
        rowKey="enrollment_id"
        pageSize={PAGE_SIZE}
        reloadKey={tick}
        exportPath="/enrollments.xlsx"
        exportName={tr({ zh: "投保记录", en: "enrollments" })}
        sortable={{ created_at: "created_at", premium: "premium", persons: "persons" }}
        label={tr({ zh: "投保记录", en: "Enrollments" })}
        empty={
          filtered
            ? tr({
                zh: "没有符合条件的投保记录：可以换个筛选条件，或在上方代为投保。",
                en: "No enrollments match: change the filters or enroll above.",
              })
            : tr({ zh: "尚无投保记录：可以在上方代为投保。", en: "No enrollment yet: enroll above." })
        }
        columns={[
          { title: tr({ zh: "投保单号", en: "Enrollment" }), dataIndex: "enrollment_id" },
          {
            title: tr({ zh: "投保方式", en: "Kind" }),
            dataIndex: "kind",
            render: (k: string) => labelOf(ENROLLMENT_KIND_LABELS, k, lang),
          },
          {
            title: tr({ zh: "投保人 / 单位 / 资金池", en: "Payer / unit / pool" }),
            key: "who",
            render: (_: unknown, e) =>
              e.unit_code ?? (e.pool_id === null ? null : pools.get(e.pool_id)) ?? e.payer_psn_no ?? "—",
          },
          { title: tr({ zh: "人数", en: "Persons" }), dataIndex: "persons", key: "persons", align: "right" },
          {
            title: tr({ zh: "保费合计（元）", en: "Premium (yuan)" }),
            dataIndex: "premium",
            key: "premium",
            align: "right",
            render: (v: string) => yuan(v),
          },
          {
            title: tr({ zh: "缴费渠道", en: "Channel" }),
            key: "channel",
            render: (_: unknown, e) => channelText(e, pools, lang),
          },
          {
            title: tr({ zh: "缴费状态", en: "Payment" }),
            dataIndex: "pay_status",
            render: (s: string) => <Pill tone={TONE[s]}>{labelOf(PAY_STATUS_LABELS, s, lang)}</Pill>,
          },
          {
            title: tr({ zh: "订单过期时间", en: "Order expires" }),
            dataIndex: "expires_at",
            render: (t: string | null) => (t === null ? "—" : t.slice(0, 16)),
          },
          {
            title: tr({ zh: "投保时间", en: "Enrolled at" }),
            dataIndex: "created_at",
            key: "created_at",
            render: (t: string) => beijing(t),
          },
        ]}
      />
    </Card>
  );
}

export function EnrollmentDesk() {
  const tr = useTr();
  // A new enrollment reloads the list below the forms.
  const [tick, setTick] = useState(0);
  const enrolled = () => setTick((n) => n + 1);
  return (
    <>
      {/* 投保管理; the menu and the heading keep the registry's word 投保 (pages.tsx). */}
      <PageTitle>{tr({ zh: "投保", en: "Enrollments" })}</PageTitle>
      <Tabs
        items={[
          {
            key: "unit",
            label: tr({ zh: "单位投保（Excel 名单）", en: "Unit (Excel list)" }),
            children: <UnitUpload onEnrolled={enrolled} />,
          },
          {
            key: "individual",
            label: tr({ zh: "个人投保", en: "Individual" }),
            children: <IndividualForm onEnrolled={enrolled} />,
          },
          {
            key: "family",
            label: tr({ zh: "家庭投保", en: "Family" }),
            children: <FamilyForm onEnrolled={enrolled} />,
          },
          {
            key: "charity",
            label: tr({ zh: "慈善资助投保", en: "Charity-sponsored" }),
            children: <CharityForm onEnrolled={enrolled} />,
          },
        ]}
      />
      <h2 style={{ fontSize: 18, margin: "16px 0 8px" }}>{tr({ zh: "投保记录", en: "Enrollments" })}</h2>
      <EnrollmentList tick={tick} />
    </>
  );
}
