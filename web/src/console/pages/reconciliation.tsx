/**
 * 对账: the daily reconciliation per institution (Beijing day) — what the claims say each institution is owed
 * beside what the ledger booked for the same claims. An institution that disagrees with the ledger is
 * highlighted, with the settlements that differ; ledger postings no claim explains are listed too.
 */
import { Alert, Button, Card, Checkbox, Form, Input, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { api } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import type { InstitutionList, Reconciliation as ReconciliationReport } from "../../shared/types.js";
import { DownloadButtons } from "../download.js";
import { yuanColumn } from "./columns.js";
import { base, PageTitle, Pill, useAction, useLoad, useTr } from "./common.js";
import { useInstitutionNames } from "./institutions.js";

type Row = ReconciliationReport["institutions"][number];

/** The highlight of a row that does not match the ledger (AA contrast with the table's text). */
const MISMATCH_ROW = { background: "#fff1f0", boxShadow: "inset 4px 0 0 #cf1322" };

export function Reconciliation() {
  const tr = useTr();
  const nameOf = useInstitutionNames();
  const institutions = useLoad<InstitutionList>("/institutions");
  const [report, setReport] = useState<ReconciliationReport | undefined>();
  const [query, setQuery] = useState<Record<string, string> | undefined>();
  const action = useAction();
  const [onlyMismatched, setOnlyMismatched] = useState(false);

  async function run(v: { date: string; institution?: string }) {
    const q: Record<string, string> = { date: v.date };
    if (v.institution !== undefined && v.institution !== "") q.institution = v.institution;
    await action.run(
      async () => {
        setReport(
          await api<ReconciliationReport>("GET", `${base()}/reconciliation?${new URLSearchParams(q)}`),
        );
        setQuery(q);
      },
      () => setReport(undefined),
    );
  }

  const mismatched = report?.institutions.filter((i) => !i.matches) ?? [];

  return (
    <>
      <PageTitle>{tr({ zh: "对账", en: "Reconciliation" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        <Card>
          <Typography.Paragraph type="secondary">
            {tr({
              zh: "按北京时间自然日，逐家机构核对当日结算、撤销、应付净额、已划付与总账记账是否逐笔一致。",
              en: "Per Beijing day and institution: settlements, revocations, net payable and disbursed, checked claim by claim against the ledger.",
            })}
          </Typography.Paragraph>
          <Form
            layout="inline"
            requiredMark={false}
            onFinish={(v) => void run(v as never)}
            style={{ rowGap: 8 }}
          >
            <Form.Item
              label={tr({ zh: "对账日期", en: "Day" })}
              name="date"
              rules={[{ required: true, message: tr({ zh: "请选择对账日期", en: "Choose the day" }) }]}
            >
              <Input type="date" style={{ width: 170 }} />
            </Form.Item>
            <Form.Item label={tr({ zh: "机构", en: "Institution" })} name="institution">
              <Select
                allowClear
                style={{ width: 260 }}
                placeholder={tr({ zh: "全部机构", en: "All institutions" })}
                options={(institutions.data?.institutions ?? []).map((i) => ({
                  value: i.fixmedins_code,
                  label: i.name,
                }))}
              />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={action.busy}>
              {tr({ zh: "对账", en: "Reconcile" })}
            </Button>
          </Form>
          {action.error === undefined ? null : (
            <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={action.error} />
          )}
        </Card>
        {report === undefined ? null : (
          <Card
            title={
              <h3 style={{ margin: 0, fontSize: 16 }}>
                {tr({ zh: `${report.date} 对账结果`, en: `Reconciliation of ${report.date}` })}
              </h3>
            }
            extra={
              <DownloadButtons
                path={(format) => `${base()}/reconciliation?${new URLSearchParams({ ...query, format })}`}
                name={tr({ zh: `对账-${query?.date ?? ""}`, en: `reconciliation-${query?.date ?? ""}` })}
                formats={["xlsx", "csv"]}
              />
            }
          >
            <Alert
              type={report.matches ? "success" : "error"}
              role={report.matches ? "status" : "alert"}
              showIcon
              style={{ marginBottom: 12 }}
              data-testid="reconciliation-verdict"
              title={
                report.matches
                  ? tr({
                      zh: "当日各机构的结算与总账逐笔一致。",
                      en: "Every institution's claims match the ledger.",
                    })
                  : tr({
                      zh: `${mismatched.length} 家机构与总账不一致${report.unknown_ledger_refs.length > 0 ? `，另有 ${report.unknown_ledger_refs.length} 笔总账分录找不到对应结算` : ""}：请核对下表标红的机构与结算单号，查明原因后联系技术支持更正。`,
                      en: `${mismatched.length} institution(s) disagree with the ledger${report.unknown_ledger_refs.length > 0 ? `, and ${report.unknown_ledger_refs.length} ledger posting(s) match no settlement` : ""}: check the rows in red and their settlement numbers, then contact support.`,
                    })
              }
              description={
                report.unknown_ledger_refs.length === 0
                  ? undefined
                  : tr({
                      zh: `找不到结算的总账分录业务号：${report.unknown_ledger_refs.join("、")}`,
                      en: `Ledger refs with no settlement: ${report.unknown_ledger_refs.join(", ")}`,
                    })
              }
            />
            {/* A day's report holds one row per institution (a city's few hundred at most), all in one answer:
                filtered and paged here; the whole day downloads as Excel or CSV. */}
            <Checkbox
              checked={onlyMismatched}
              onChange={(e) => setOnlyMismatched(e.target.checked)}
              style={{ marginBottom: 8 }}
            >
              {tr({
                zh: `只看不一致的机构（${mismatched.length} 家）`,
                en: `Only mismatches (${mismatched.length})`,
              })}
            </Checkbox>
            <Table<Row>
              rowKey="fixmedins_code"
              size="small"
              pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
              aria-label={tr({ zh: "各机构对账", en: "Per institution" })}
              dataSource={onlyMismatched ? mismatched : report.institutions}
              locale={{ emptyText: tr({ zh: "当日没有机构结算或撤销", en: "No settlement that day" }) }}
              onRow={(r) => (r.matches ? {} : { style: MISMATCH_ROW, className: "reconciliation-mismatch" })}
              scroll={{ x: true }}
              columns={[
                {
                  title: tr({ zh: "机构", en: "Institution" }),
                  dataIndex: "fixmedins_code",
                  render: (code: string) => nameOf(code),
                },
                { title: tr({ zh: "结算笔数", en: "Settled" }), dataIndex: "settlements", align: "right" },
                yuanColumn<Row>(tr({ zh: "赔付（元）", en: "Paid" }), "hmb_pay"),
                { title: tr({ zh: "撤销笔数", en: "Revoked" }), dataIndex: "revoked", align: "right" },
                yuanColumn<Row>(tr({ zh: "撤销金额（元）", en: "Revoked amount" }), "revoked_amount"),
                yuanColumn<Row>(tr({ zh: "应付净额（元）", en: "Net payable" }), "net_payable"),
                yuanColumn<Row>(tr({ zh: "已划付（元）", en: "Disbursed" }), "disbursed"),
                {
                  title: tr({ zh: "总账净额（元）", en: "Ledger net" }),
                  key: "ledger",
                  align: "right",
                  render: (_: unknown, r) => yuan(r.ledger.net),
                },
                {
                  title: tr({ zh: "核对", en: "Check" }),
                  key: "matches",
                  render: (_: unknown, r) =>
                    r.matches ? (
                      <Pill tone="success">{tr({ zh: "一致", en: "Matches" })}</Pill>
                    ) : (
                      <Pill tone="error">{tr({ zh: "不一致", en: "Mismatch" })}</Pill>
                    ),
                },
                {
                  title: tr({ zh: "不一致的结算单号", en: "Mismatching settlements" }),
                  dataIndex: "mismatches",
                  render: (m: string[]) => (m.length === 0 ? "—" : m.join("、")),
                },
              ]}
            />
          </Card>
        )}
      </Space>
    </>
  );
}
