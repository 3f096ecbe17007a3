/**
 * 救助申请 (一事一议): the review queue of application-mode aid programs — the operator sees every one, a charity
 * the programs whose fund it keeps. A row opens the application: the claim's layered bill (基本医保 → 大病保险 →
 * 医疗救助 → 惠民保 → aid → what the person still bears), the documents required and provided, the trail, and the
 * decision: ask for documents, approve with an amount (with the committee's members and minutes when the program
 * requires them; paid once from the fund) or reject with a reason. The person is shown masked.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Form,
  Input,
  Radio,
  Row,
  Select,
  Space,
  Tag,
} from "antd";
import { useState } from "react";
import type { AidProgramList } from "../../../../src/contract/aid.js";
import type {
  AidApplicationDetail,
  AidApplicationView,
  LayeredBill,
} from "../../../../src/contract/aid-claims.js";
import { AID_APPLICATION_STATE_LABELS, labelOf } from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import { ServerTable } from "../server-table.js";
import { base, Loading, PageTitle, Pill, useAction, useLoad, useTr } from "./common.js";

/** A RangePicker's two days. */
type DayRange = [{ format: (f: string) => string }, { format: (f: string) => string }];

const STATE_TONES: Record<string, string> = {
  proposed: "default",
  submitted: "processing",
  documents_requested: "warning",
  approved: "success",
  rejected: "error",
  withdrawn: "default",
};

/** The layers of one claim, in the settlement order, in yuan. */
export function BillLayers({ bill }: { bill: LayeredBill }) {
  const tr = useTr();
  const items = [
    { key: "total", label: tr({ zh: "医疗费总额", en: "Total cost" }), value: bill.total_cost },
    { key: "basic", label: tr({ zh: "基本医保", en: "Basic insurance" }), value: bill.basic },
    { key: "ci", label: tr({ zh: "大病保险", en: "Critical illness" }), value: bill.critical_illness },
    { key: "ma", label: tr({ zh: "医疗救助", en: "Medical assistance" }), value: bill.medical_assistance },
    { key: "hmb", label: tr({ zh: "惠民保", en: "Huiminbao" }), value: bill.hmb },
    ...bill.aid.map((a) => ({
      key: `aid-${a.aid_program_id}`,
      label: `${a.name}${a.state === "revoked" ? tr({ zh: "（已冲回）", en: " (reversed)" }) : ""}`,
      value: a.amount,
    })),
    { key: "final", label: tr({ zh: "个人最终负担", en: "Final burden" }), value: bill.final_burden },
  ];
  return (
    <Descriptions
      size="small"
      column={1}
      bordered
      items={items.map((i) => ({ key: i.key, label: i.label, children: `${yuan(i.value)} 元` }))}
    />
  );
}

function Decide({ a, onDone }: { a: AidApplicationView; onDone: () => void }) {
  const tr = useTr();
  const [action, setAction] = useState<"approve" | "request_documents" | "reject">("approve");
  const request = useAction();
  const submit = async (v: Record<string, string | undefined>) => {
    await request.run(async () => {
      const body =
        action === "approve"
          ? {
              action,
              amount: (v.amount ?? "").trim(),
              ...(v.note ? { note: v.note } : {}),
              ...(a.committee_required
                ? {
                    committee: {
                      members: (v.members ?? "")
                        .split(/[,，、\s]+/)
                        .map((m) => m.trim())
                        .filter((m) => m !== ""),
                      minutes: (v.minutes ?? "").trim(),
                    },
                  }
                : {}),
            }
          : action === "request_documents"
            ? {
                action,
                documents: (v.documents ?? "")
                  .split(/[,，、\n]+/)
                  .map((d) => d.trim())
                  .filter((d) => d !== ""),
                ...(v.note ? { note: v.note } : {}),
              }
            : { action, reason: (v.reason ?? "").trim() };
      await api("POST", `${base()}/aid-applications/${a.application_id}/decision`, body);
      onDone();
    });
  };
  return (
    <Form
      layout="vertical"
      requiredMark={false}
      initialValues={{ amount: yuan(a.proposed) }}
      onFinish={(v) => void submit(v as Record<string, string>)}
    >
      <Form.Item label={tr({ zh: "审核结论", en: "Decision" })}>
        <Radio.Group value={action} onChange={(e) => setAction(e.target.value)}>
          <Radio.Button value="approve">{tr({ zh: "批准", en: "Approve" })}</Radio.Button>
          <Radio.Button value="request_documents">
            {tr({ zh: "补充材料", en: "Ask for documents" })}
          </Radio.Button>
          <Radio.Button value="reject">{tr({ zh: "不予救助", en: "Reject" })}</Radio.Button>
        </Radio.Group>
      </Form.Item>
      {action === "approve" ? (
        <>
          <Form.Item
            label={tr({ zh: "批准金额（元）", en: "Amount (yuan)" })}
            name="amount"
            rules={[
              {
                required: true,
                pattern: /^\d+(\.\d{1,2})?$/,
                message: tr({ zh: "金额为正数，最多两位小数", en: "A positive amount" }),
              },
            ]}
          >
            <Input inputMode="decimal" autoComplete="off" />
          </Form.Item>
          {a.committee_required ? (
            <>
              <Form.Item
                label={tr({ zh: "评审委员会成员（用顿号分隔）", en: "Committee members" })}
                name="members"
                rules={[{ required: true, message: tr({ zh: "请填写成员", en: "Enter the members" }) }]}
              >
                <Input autoComplete="off" />
              </Form.Item>
              <Form.Item
                label={tr({ zh: "评审纪要", en: "Minutes" })}
                name="minutes"
                rules={[{ required: true, message: tr({ zh: "请填写纪要", en: "Enter the minutes" }) }]}
              >
                <Input.TextArea rows={2} maxLength={500} />
              </Form.Item>
            </>
          ) : null}
          <Form.Item label={tr({ zh: "说明（可选）", en: "Note (optional)" })} name="note">
            <Input maxLength={500} autoComplete="off" />
          </Form.Item>
        </>
      ) : action === "request_documents" ? (
        <Form.Item
          label={tr({ zh: "需要补充的材料（用顿号分隔）", en: "Documents needed" })}
          name="documents"
          rules={[{ required: true, message: tr({ zh: "请列出材料", en: "List the documents" }) }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
      ) : (
        <Form.Item
          label={tr({ zh: "不予救助的理由", en: "Reason" })}
          name="reason"
          rules={[{ required: true, message: tr({ zh: "请填写理由", en: "Enter the reason" }) }]}
        >
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      )}
      <Space orientation="vertical" style={{ width: "100%" }}>
        {request.error === undefined ? null : (
          <Alert type="error" role="alert" showIcon title={request.error} />
        )}
        <Button type="primary" htmlType="submit" loading={request.busy}>
          {tr({ zh: "提交审核结论", en: "Submit decision" })}
        </Button>
      </Space>
    </Form>
  );
}

function Detail({ id, onChanged }: { id: string; onChanged: () => void }) {
  const tr = useTr();
  const { lang } = useLang();
  const detail = useLoad<AidApplicationDetail>(`/aid-applications/${id}`, [id]);
  return (
    <Loading state={detail}>
      {(d) => {
        const a = d.application;
        return (
          <Row gutter={[12, 12]} style={{ marginTop: 12 }}>
            <Col xs={24} lg={12}>
              <Card
                title={
                  <h3
                    style={{ margin: 0, fontSize: 16 }}
                  >{`${a.program_name} · ${tr({ zh: "分层负担", en: "Layers" })}`}</h3>
                }
              >
                {d.bill === null ? null : <BillLayers bill={d.bill} />}
              </Card>
            </Col>
            <Col xs={24} lg={12}>
              <Card
                title={
                  <h3 style={{ margin: 0, fontSize: 16 }}>
                    {tr({ zh: "申请与材料", en: "Application and documents" })}
                  </h3>
                }
              >
                <Descriptions
                  size="small"
                  column={1}
                  items={[
                    {
                      key: "who",
                      label: tr({ zh: "参保人", en: "Insured" }),
                      children: `${a.psn_no}${d.age === null ? "" : tr({ zh: `（就医时 ${d.age} 岁）`, en: ` (age ${d.age})` })}`,
                    },
                    {
                      key: "by",
                      label: tr({ zh: "确认人", en: "Confirmed by" }),
                      children:
                        a.consent_relation === null
                          ? tr({ zh: "尚未确认", en: "Not yet" })
                          : a.consent_relation === "guardian"
                            ? tr({ zh: "监护人", en: "Guardian" })
                            : tr({ zh: "本人", en: "Self" }),
                    },
                    {
                      key: "proposed",
                      label: tr({ zh: "建议金额", en: "Proposed" }),
                      children: `${yuan(a.proposed)} 元`,
                    },
                    {
                      key: "required",
                      label: tr({ zh: "所需材料", en: "Required" }),
                      children: a.documents_required.join("、") || "—",
                    },
                    {
                      key: "given",
                      label: tr({ zh: "已提供", en: "Provided" }),
                      children: a.documents.join("、") || "—",
                    },
                    {
                      key: "state",
                      label: tr({ zh: "状态", en: "State" }),
                      children: labelOf(AID_APPLICATION_STATE_LABELS, a.state, lang),
                    },
                  ]}
                />
                <ul aria-label={tr({ zh: "处理轨迹", en: "Trail" })}>
                  {d.events.map((e) => (
                    <li
                      key={`${e.event}-${e.at}`}
                    >{`${beijing(e.at)} ${labelOf(AID_APPLICATION_STATE_LABELS, e.event === "committee" ? "approved" : e.event, lang)}`}</li>
                  ))}
                </ul>
                {a.state === "submitted" ? <Decide a={a} onDone={onChanged} /> : null}
              </Card>
            </Col>
          </Row>
        );
      }}
    </Loading>
  );
}

/**
 * The queue: paged, filtered (state, aid program, Beijing days submitted or changed), sorted and exported on the
 * server (GET /aid-applications, /aid-applications.xlsx); a row opens its application below the table, and a
 * decision reloads the page of the queue.
 */
export function AidApplications() {
  const tr = useTr();
  const { lang } = useLang();
  const programs = useLoad<AidProgramList>("/aid-programs");
  const [filters, setFilters] = useState<Record<string, string | undefined>>({ state: "submitted" });
  const [open, setOpen] = useState<string | undefined>();
  const [tick, setTick] = useState(0);
  const all = { value: "", label: tr({ zh: "全部", en: "All" }) };
  const day = (r: DayRange | undefined, i: 0 | 1) => r?.[i].format("YYYY-MM-DD");
  return (
    <>
      <PageTitle>{tr({ zh: "救助申请", en: "Aid applications" })}</PageTitle>
      <Card>
        <Form
          layout="inline"
          style={{ rowGap: 8, marginBottom: 12 }}
          initialValues={{ state: "submitted", aid_program: "" }}
          onFinish={(v: { state?: string; aid_program?: string; submitted?: DayRange; updated?: DayRange }) =>
            setFilters({
              state: v.state,
              aid_program: v.aid_program,
              submitted_from: day(v.submitted, 0),
              submitted_to: day(v.submitted, 1),
              updated_from: day(v.updated, 0),
              updated_to: day(v.updated, 1),
            })
          }
        >
          <Form.Item label={tr({ zh: "状态", en: "State" })} name="state">
            <Select
              style={{ width: 180 }}
              options={[
                all,
                ...Object.keys(AID_APPLICATION_STATE_LABELS).map((k) => ({
                  value: k,
                  label: labelOf(AID_APPLICATION_STATE_LABELS, k, lang),
                })),
              ]}
            />
          </Form.Item>
          <Form.Item label={tr({ zh: "救助项目", en: "Aid program" })} name="aid_program">
            <Select
              style={{ width: 200 }}
              options={[
                all,
                ...(programs.data?.aid_programs ?? []).map((p) => ({
                  value: p.aid_program_id,
                  label: p.name,
                })),
              ]}
            />
          </Form.Item>
          <Form.Item label={tr({ zh: "提交日（北京时间）", en: "Submitted" })} name="submitted">
            <DatePicker.RangePicker />
          </Form.Item>
          <Form.Item label={tr({ zh: "更新日（北京时间）", en: "Updated" })} name="updated">
            <DatePicker.RangePicker />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {tr({ zh: "筛选", en: "Filter" })}
          </Button>
        </Form>
        <ServerTable<AidApplicationView>
          path="/aid-applications"
          itemsKey="applications"
          filters={filters}
          reloadKey={tick}
          rowKey="application_id"
          label={tr({ zh: "救助申请", en: "Aid applications" })}
          empty={tr({ zh: "没有符合条件的救助申请：请放宽条件再试。", en: "No applications match." })}
          exportPath="/aid-applications.xlsx"
          exportName={tr({ zh: "救助申请", en: "aid-applications" })}
          sortable={{ proposed: "proposed", updated_at: "updated_at", consent_at: "submitted_at" }}
          onRow={(r) => ({ onClick: () => setOpen(r.application_id), style: { cursor: "pointer" } })}
          columns={[
            { title: tr({ zh: "救助项目", en: "Aid program" }), dataIndex: "program_name" },
            { title: tr({ zh: "参保人", en: "Insured" }), dataIndex: "psn_no" },
            {
              title: tr({ zh: "建议金额（元）", en: "Proposed (yuan)" }),
              dataIndex: "proposed",
              align: "right",
              render: (v: string) => yuan(v),
            },
            {
              title: tr({ zh: "状态", en: "State" }),
              dataIndex: "state",
              render: (v: string) => (
                <Pill tone={STATE_TONES[v]}>{labelOf(AID_APPLICATION_STATE_LABELS, v, lang)}</Pill>
              ),
            },
            {
              title: tr({ zh: "委员会", en: "Committee" }),
              dataIndex: "committee_required",
              render: (v: boolean) => (v ? <Tag>{tr({ zh: "须评审", en: "Required" })}</Tag> : "—"),
            },
            {
              title: tr({ zh: "提交时间", en: "Submitted" }),
              dataIndex: "consent_at",
              render: (v: string | null) => (v === null ? "—" : beijing(v)),
            },
            {
              title: tr({ zh: "更新时间", en: "Updated" }),
              dataIndex: "updated_at",
              render: (v: string) => beijing(v),
            },
          ]}
        />
      </Card>
      {open === undefined ? null : (
        <Detail key={`${open}-${tick}`} id={open} onChanged={() => setTick((n) => n + 1)} />
      )}
    </>
  );
}
