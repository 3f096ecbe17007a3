/**
 * 投保管理's counter forms: an individual or a family enrolled on a resident's behalf (persons named by 个人编号,
 * or family members by 证件号码 and 姓名, checked against the roster), and a charity pool sponsoring a cohort or
 * listed persons (enrollment-charity.tsx). Each shows the enrollment's policies, payment status and order expiry.
 */
import { Alert, Button, Card, Input, Select, Space, Table } from "antd";
import { useState } from "react";
import {
  labelOf,
  PAY_STATUS_LABELS,
  POLICY_STATUS_LABELS,
  RELATION_LABELS,
} from "../../../../src/domain/vocabulary.js";
import { api, newIdempotencyKey } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { EnrollmentResult } from "../../shared/types.js";
import { base, useAction, useTr } from "./common.js";

/** The channels staff collect a resident's premium by. */
const COUNTER_CHANNELS = {
  offline: { zh: "柜面收费（立即出单）", en: "Paid at the counter (issued at once)" },
  cash: { zh: "在线支付（生成缴费订单）", en: "Online payment (an order to pay)" },
  personal_account: { zh: "医保个人账户（预约划扣）", en: "Personal account (scheduled deduction)" },
} as const;
const FAMILY_RELATIONS = ["self", "spouse", "child", "parent"] as const;

interface MemberDraft {
  relation: (typeof FAMILY_RELATIONS)[number];
  certno: string;
  name: string;
  psnNo: string;
}

/** What an enrollment made: its policies, its payment status and when an unpaid order expires. */
export function EnrollmentOutcome({ result }: { result: EnrollmentResult }) {
  const tr = useTr();
  const { lang } = useLang();
  const p = result.payment;
  return (
    <Space orientation="vertical" style={{ width: "100%", marginTop: 12 }}>
      <Alert
        type="success"
        showIcon
        role="status"
        title={tr({
          zh: `投保成功：投保单号 ${result.enrollment_id}，${result.policies.length} 人；缴费状态：${labelOf(PAY_STATUS_LABELS, p.status, lang)}${p.expires_at === null ? "" : `（订单 ${p.expires_at} 过期，过期未付不出单）`}`,
          en: `Enrolled: ${result.enrollment_id}, ${result.policies.length} persons; payment ${labelOf(PAY_STATUS_LABELS, p.status, lang)}${p.expires_at === null ? "" : ` (expires ${p.expires_at})`}`,
        })}
      />
      {p.pay_url === undefined ? null : (
        <a href={p.pay_url} target="_blank" rel="noreferrer">
          {tr({ zh: "打开缴费页面（可交给参保人扫码支付）", en: "Open the payment page" })}
        </a>
      )}
      {result.skipped.length === 0 ? null : (
        <Alert
          type="info"
          showIcon
          title={tr({
            zh: `${result.skipped.length} 人已有保单，未重复投保。`,
            en: `${result.skipped.length} already insured, skipped.`,
          })}
        />
      )}
      <Table
        size="small"
        rowKey="policy_no"
        aria-label={tr({ zh: "本次投保的保单", en: "Policies of this enrollment" })}
        dataSource={result.policies}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { title: tr({ zh: "保单号", en: "Policy" }), dataIndex: "policy_no" },
          { title: tr({ zh: "人员编号", en: "Person no." }), dataIndex: "psn_no" },
          {
            title: tr({ zh: "关系", en: "Relation" }),
            dataIndex: "relation",
            render: (v: string) => labelOf(RELATION_LABELS, v, lang),
          },
          {
            title: tr({ zh: "保费（元）", en: "Premium (yuan)" }),
            dataIndex: "premium",
            align: "right",
            render: (v: string) => yuan(v),
          },
          {
            title: tr({ zh: "状态", en: "Status" }),
            dataIndex: "status",
            render: (v: string) => labelOf(POLICY_STATUS_LABELS, v, lang),
          },
        ]}
      />
    </Space>
  );
}

export function useSubmit(onEnrolled: () => void) {
  const action = useAction();
  const [result, setResult] = useState<EnrollmentResult | undefined>();
  function submit(body: Record<string, unknown>) {
    setResult(undefined);
    return action.run(async () => {
      const r = await api<EnrollmentResult>("POST", `${base()}/enrollments`, body, {
        idempotencyKey: newIdempotencyKey(),
      });
      setResult(r);
      onEnrolled();
    });
  }
  return { busy: action.busy, error: action.error, result, submit };
}

export function Field({ id, label, children }: { id: string; label: string; children: React.ReactNode }) {
  return (
    <Space orientation="vertical" size={2}>
      <label htmlFor={id}>{label}</label>
      {children}
    </Space>
  );
}

function ChannelSelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
}) {
  const tr = useTr();
  return (
    <Select
      id={id}
      style={{ width: 260 }}
      value={value}
      onChange={onChange}
      options={Object.entries(COUNTER_CHANNELS).map(([k, v]) => ({ value: k, label: tr(v) }))}
    />
  );
}

export function IndividualForm({ onEnrolled }: { onEnrolled: () => void }) {
  const tr = useTr();
  const [psnNo, setPsnNo] = useState("");
  const [channel, setChannel] = useState("offline");
  const s = useSubmit(onEnrolled);
  return (
    <Card>
      <Space wrap align="end">
        <Field id="ind-psn" label={tr({ zh: "被保险人个人编号", en: "Insured's person no." })}>
          <Input id="ind-psn" value={psnNo} onChange={(e) => setPsnNo(e.target.value.trim())} />
        </Field>
        <Field id="ind-channel" label={tr({ zh: "缴费方式", en: "Payment" })}>
          <ChannelSelect id="ind-channel" value={channel} onChange={setChannel} />
        </Field>
        <Button
          type="primary"
          loading={s.busy}
          onClick={() => void s.submit({ kind: "individual", psn_no: psnNo, channel })}
        >
          {tr({ zh: "代为投保", en: "Enroll" })}
        </Button>
      </Space>
      {s.error === undefined ? null : (
        <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={s.error} />
      )}
      {s.result === undefined ? null : <EnrollmentOutcome result={s.result} />}
    </Card>
  );
}

export function FamilyForm({ onEnrolled }: { onEnrolled: () => void }) {
  const tr = useTr();
  const { lang } = useLang();
  const [payer, setPayer] = useState("");
  const [channel, setChannel] = useState("offline");
  const [members, setMembers] = useState<MemberDraft[]>([
    { relation: "self", certno: "", name: "", psnNo: "" },
  ]);
  const s = useSubmit(onEnrolled);
  const set = (i: number, patch: Partial<MemberDraft>) =>
    setMembers((ms) => ms.map((m, j) => (j === i ? { ...m, ...patch } : m)));
  const wire = () =>
    members.map((m) =>
      m.certno.trim() !== ""
        ? { relation: m.relation, certno: m.certno.trim(), psn_name: m.name.trim() }
        : m.psnNo.trim() !== ""
          ? { relation: m.relation, psn_no: m.psnNo.trim() }
          : { relation: m.relation },
    );
  return (
    <Card>
      <Space wrap align="end">
        <Field id="fam-payer" label={tr({ zh: "投保人个人编号", en: "Payer's person no." })}>
          <Input id="fam-payer" value={payer} onChange={(e) => setPayer(e.target.value.trim())} />
        </Field>
        <Field id="fam-channel" label={tr({ zh: "缴费方式", en: "Payment" })}>
          <ChannelSelect id="fam-channel" value={channel} onChange={setChannel} />
        </Field>
      </Space>
      {members.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place, never reordered
        <Space key={i} wrap align="end" style={{ marginTop: 12, display: "flex" }}>
          <Field id={`fam-rel-${i}`} label={tr({ zh: `成员 ${i + 1} 关系`, en: `Member ${i + 1} relation` })}>
            <Select
              id={`fam-rel-${i}`}
              style={{ width: 120 }}
              value={m.relation}
              onChange={(v) => set(i, { relation: v })}
              options={FAMILY_RELATIONS.map((r) => ({ value: r, label: labelOf(RELATION_LABELS, r, lang) }))}
            />
          </Field>
          <Field id={`fam-cert-${i}`} label={tr({ zh: "证件号码", en: "ID number" })}>
            <Input
              id={`fam-cert-${i}`}
              value={m.certno}
              onChange={(e) => set(i, { certno: e.target.value })}
            />
          </Field>
          <Field id={`fam-name-${i}`} label={tr({ zh: "姓名", en: "Name" })}>
            <Input id={`fam-name-${i}`} value={m.name} onChange={(e) => set(i, { name: e.target.value })} />
          </Field>
          <Field id={`fam-psn-${i}`} label={tr({ zh: "或个人编号", en: "or person no." })}>
            <Input id={`fam-psn-${i}`} value={m.psnNo} onChange={(e) => set(i, { psnNo: e.target.value })} />
          </Field>
          {members.length > 1 ? (
            <Button onClick={() => setMembers((ms) => ms.filter((_, j) => j !== i))}>
              {tr({ zh: "删除", en: "Remove" })}
            </Button>
          ) : null}
        </Space>
      ))}
      <Space style={{ marginTop: 12 }}>
        <Button
          onClick={() => setMembers((ms) => [...ms, { relation: "child", certno: "", name: "", psnNo: "" }])}
        >
          {tr({ zh: "添加成员", en: "Add member" })}
        </Button>
        <Button
          type="primary"
          loading={s.busy}
          onClick={() => void s.submit({ kind: "family", payer_psn_no: payer, members: wire(), channel })}
        >
          {tr({ zh: "代为家庭投保", en: "Enroll the family" })}
        </Button>
      </Space>
      {s.error === undefined ? null : (
        <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={s.error} />
      )}
      {s.result === undefined ? null : <EnrollmentOutcome result={s.result} />}
    </Card>
  );
}
