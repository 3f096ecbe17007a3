/**
 * 赔款划付: payout batches. Staff create a batch (payee: institutions or residents, through a Beijing day) — it
 * takes every settled, unpaid claim up to that day, nets recoveries of revoked claims and books the
 * disbursement; the list (paged, filtered and exported on the server) shows the batches newest first, and a batch opens to its lines per payee. Institutions by name.
 */
import { Alert, Button, Card, DatePicker, Form, Input, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { labelOf, PAYEE_LABELS } from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { PayoutBatchList, PayoutBatchView } from "../../shared/types.js";
import { ServerTable } from "../server-table.js";
import { yuanColumn } from "./columns.js";
import { base, Loading, PageTitle, Pill, role, useAction, useLoad, useTr } from "./common.js";
import { useInstitutionNames } from "./institutions.js";

type BatchSummary = PayoutBatchList["batches"][number];
type BatchLine = PayoutBatchView["items"][number];
type CreatedBatch = PayoutBatchView & { held: { payee_ref: string; owed: string; claims: number }[] };

function BatchLines({ batchId }: { batchId: string }) {
  const tr = useTr();
  const nameOf = useInstitutionNames();
  const batch = useLoad<PayoutBatchView>(`/payout-batches/${encodeURIComponent(batchId)}`);
  return (
    <Loading state={batch}>
      {(b) => (
        <Table<BatchLine>
          rowKey={(l) => l.fixmedins_code ?? l.psn_no ?? ""}
          size="small"
          pagination={false}
          aria-label={tr({ zh: `批次 ${b.batch_id} 明细`, en: `Lines of batch ${b.batch_id}` })}
          dataSource={b.items}
          columns={[
            {
              title:
                b.payee === "hospital"
                  ? tr({ zh: "收款机构", en: "Institution" })
                  : tr({ zh: "参保人编号", en: "Insured" }),
              key: "payee",
              render: (_: unknown, l) =>
                l.fixmedins_code !== undefined ? nameOf(l.fixmedins_code) : l.psn_no,
            },
            {
              title: tr({ zh: "理赔笔数", en: "Claims" }),
              key: "n",
              align: "right",
              render: (_: unknown, l) => l.claims.length,
            },
            yuanColumn<BatchLine>(tr({ zh: "赔付（元）", en: "Paid out" }), "paid_out"),
            yuanColumn<BatchLine>(tr({ zh: "扣回撤销（元）", en: "Recovered" }), "recovered"),
            yuanColumn<BatchLine>(tr({ zh: "划付净额（元）", en: "Net" }), "amount"),
          ]}
        />
      )}
    </Loading>
  );
}

export function Payouts() {
  const tr = useTr();
  const { lang } = useLang();
  const nameOf = useInstitutionNames();
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const [tick, setTick] = useState(0);
  const action = useAction();
  const [created, setCreated] = useState<CreatedBatch | undefined>();
  const staff = role() === "operator" || role() === "admin";
  const payeeName = (payee: string, ref: string) => (payee === "hospital" ? nameOf(ref) : ref);

  function create(v: { payee: "hospital" | "resident"; through: string }) {
    setCreated(undefined);
    return action.run(async () => {
      setCreated(await api<CreatedBatch>("POST", `${base()}/payout-batches`, v));
      setTick((n) => n + 1);
    });
  }

  return (
    <>
      <PageTitle>{tr({ zh: "赔款划付", en: "Payouts" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        {staff ? (
          <Card
            title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "生成划付批次", en: "New batch" })}</h3>}
          >
            <Typography.Paragraph type="secondary">
              {tr({
                zh: "批次包含截至所选日期（北京时间，含当日）已结算、尚未划付的赔款，并扣回已划付后又撤销的金额；生成后即记账划付。",
                en: "A batch takes every settled, unpaid claim through the day (Beijing time), nets recoveries of revoked claims, and books the disbursement.",
              })}
            </Typography.Paragraph>
            <Form
              layout="inline"
              requiredMark={false}
              initialValues={{ payee: "hospital" }}
              onFinish={(v) => void create(v as never)}
              style={{ rowGap: 8 }}
            >
              <Form.Item label={tr({ zh: "收款方", en: "Payee" })} name="payee">
                <Select
                  style={{ width: 160 }}
                  options={["hospital", "resident"].map((p) => ({
                    value: p,
                    label: labelOf(PAYEE_LABELS, p, lang),
                  }))}
                />
              </Form.Item>
              <Form.Item
                label={tr({ zh: "截至日期", en: "Through" })}
                name="through"
                rules={[{ required: true, message: tr({ zh: "请选择截至日期", en: "Choose the day" }) }]}
              >
                <Input type="date" style={{ width: 170 }} />
              </Form.Item>
              <Button type="primary" htmlType="submit" loading={action.busy}>
                {tr({ zh: "生成并划付", en: "Create and pay" })}
              </Button>
            </Form>
            {action.error === undefined ? null : (
              <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={action.error} />
            )}
            {created === undefined ? null : (
              <Alert
                style={{ marginTop: 12 }}
                type="success"
                role="status"
                showIcon
                title={tr({
                  zh: `已生成批次 ${created.batch_id}：${created.payees} 个收款方、${created.claims} 笔理赔，划付合计 ${yuan(created.total)} 元。`,
                  en: `Batch ${created.batch_id}: ${created.payees} payees, ${created.claims} claims, ${yuan(created.total)} yuan in all.`,
                })}
                description={
                  created.held.length === 0
                    ? undefined
                    : tr({
                        zh: `暂不划付（应扣回不少于应付）：${created.held.map((h) => `${payeeName(created.payee, h.payee_ref)} ${yuan(h.owed)} 元`).join("；")}`,
                        en: `Held over (recoveries not less than payouts): ${created.held.map((h) => `${payeeName(created.payee, h.payee_ref)} ${yuan(h.owed)}`).join("; ")}`,
                      })
                }
              />
            )}
          </Card>
        ) : null}
        <Card title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "划付批次", en: "Batches" })}</h3>}>
          <Form
            layout="inline"
            style={{ rowGap: 8, marginBottom: 12 }}
            initialValues={{ payee: "" }}
            onFinish={(v: {
              payee?: string;
              range?: [{ format: (f: string) => string }, { format: (f: string) => string }];
            }) =>
              setFilters({
                payee: v.payee,
                from: v.range?.[0].format("YYYY-MM-DD"),
                to: v.range?.[1].format("YYYY-MM-DD"),
              })
            }
          >
            <Form.Item label={tr({ zh: "收款方", en: "Payee" })} name="payee">
              <Select
                style={{ width: 140 }}
                options={[
                  { value: "", label: tr({ zh: "全部", en: "All" }) },
                  ...["hospital", "resident"].map((p) => ({
                    value: p,
                    label: labelOf(PAYEE_LABELS, p, lang),
                  })),
                ]}
              />
            </Form.Item>
            <Form.Item label={tr({ zh: "生成日（北京时间）", en: "Created" })} name="range">
              <DatePicker.RangePicker />
            </Form.Item>
            <Button htmlType="submit">{tr({ zh: "筛选", en: "Filter" })}</Button>
          </Form>
          <ServerTable<BatchSummary>
            path="/payout-batches"
            itemsKey="batches"
            filters={{ ...filters, order: "desc" }}
            reloadKey={tick}
            rowKey="batch_id"
            label={tr({ zh: "划付批次列表", en: "Payout batches" })}
            empty={tr({ zh: "尚无划付批次", en: "No batch yet" })}
            exportPath="/payout-batches.xlsx"
            exportName={tr({ zh: "划付批次", en: "payout-batches" })}
            expandable={{ expandedRowRender: (b) => <BatchLines batchId={b.batch_id} /> }}
            columns={[
              { title: tr({ zh: "批次号", en: "Batch" }), dataIndex: "batch_id" },
              {
                title: tr({ zh: "收款方", en: "Payee" }),
                dataIndex: "payee",
                render: (p: string) => labelOf(PAYEE_LABELS, p, lang),
              },
              { title: tr({ zh: "截至日期", en: "Through" }), dataIndex: "through" },
              {
                title: tr({ zh: "状态", en: "Status" }),
                key: "status",
                // A batch is booked when it is created (the disbursement journal is in the same transaction).
                render: () => <Pill tone="success">{tr({ zh: "已记账划付", en: "Booked" })}</Pill>,
              },
              {
                title: tr({ zh: "收款方数", en: "Payees" }),
                dataIndex: "payees",
                align: "right",
              },
              { title: tr({ zh: "理赔笔数", en: "Claims" }), dataIndex: "claims", align: "right" },
              yuanColumn<BatchSummary>(tr({ zh: "划付合计（元）", en: "Total" }), "total"),
              { title: tr({ zh: "生成时间", en: "Created" }), dataIndex: "created_at", render: beijing },
            ]}
          />
        </Card>
      </Space>
    </>
  );
}
