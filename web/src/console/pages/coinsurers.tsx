/**
 * 共保: each co-insurer's share (a percent of every transfer, the lead taking the rounding remainder), its net
 * per account, and its statement for a period. A co-insurer's login sees its own company only (the API
 * answers it with its own figures and refuses another's statement). Accounts and journal kinds by their
 * Chinese names (domain/vocabulary.ts), never their codes.
 */
import { Alert, Button, Card, Form, Input, Select, Space, Table, Typography } from "antd";
import { useEffect, useState } from "react";
import { formatPercent } from "../../../../src/domain/money.js";
import { ACCOUNT_LABELS, JOURNAL_KIND_LABELS, labelOf } from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { LedgerSummary, Statement } from "../../shared/types.js";
import { yuanColumn } from "./columns.js";
import { base, Loading, PageTitle, Pill, role, useAction, useLoad, useTr } from "./common.js";

type Insurer = LedgerSummary["insurers"][number];
type StatementBalance = Statement["balances"][number];
type StatementLine = Statement["lines"][number];

export function CoInsurers() {
  const tr = useTr();
  const { lang } = useLang();
  const summary = useLoad<LedgerSummary>("/ledger/summary");
  const [statement, setStatement] = useState<Statement | undefined>();
  const action = useAction();
  const [form] = Form.useForm();
  const isInsurer = role() === "co_insurer";
  const account = (code: string) => labelOf(ACCOUNT_LABELS, code, lang);
  const insurers = summary.data?.insurers ?? [];

  // A co-insurer has one company: its own, chosen for it.
  useEffect(() => {
    const own = summary.data?.insurers[0];
    if (isInsurer && own !== undefined) form.setFieldValue("insurer", own.code);
  }, [isInsurer, summary.data, form]);

  const load = (v: { insurer: string; from: string; to: string }) =>
    action.run(
      async () => {
        const q = new URLSearchParams({ insurer: v.insurer, from: v.from, to: v.to });
        setStatement(await api<Statement>("GET", `${base()}/ledger/statement?${q}`));
      },
      () => setStatement(undefined),
    );

  return (
    <>
      <PageTitle>{tr({ zh: "共保", en: "Co-insurance" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>
              {isInsurer
                ? tr({ zh: "本公司份额与科目净额", en: "Our share and net per account" })
                : tr({ zh: "共保公司与份额", en: "Co-insurers and shares" })}
            </h3>
          }
        >
          {isInsurer ? (
            <Typography.Paragraph type="secondary">
              {tr({
                zh: "共保公司只能查看本公司的份额、科目净额与对账单。",
                en: "A co-insurer sees its own share, accounts and statement only.",
              })}
            </Typography.Paragraph>
          ) : null}
          <Loading state={summary}>
            {() => (
              <Table<Insurer>
                rowKey="code"
                size="small"
                pagination={false}
                aria-label={tr({ zh: "共保公司份额", en: "Co-insurer shares" })}
                dataSource={insurers}
                expandable={{
                  expandedRowRender: (i) => (
                    <Table
                      rowKey="account"
                      size="small"
                      pagination={false}
                      dataSource={i.accounts}
                      columns={[
                        { title: tr({ zh: "科目", en: "Account" }), dataIndex: "account", render: account },
                        yuanColumn<Insurer["accounts"][number]>(
                          tr({ zh: "本公司净额（元）", en: "Net" }),
                          "net",
                        ),
                      ]}
                    />
                  ),
                }}
                columns={[
                  { title: tr({ zh: "共保公司", en: "Insurer" }), dataIndex: "name" },
                  {
                    title: tr({ zh: "角色", en: "Role" }),
                    dataIndex: "lead",
                    render: (lead: boolean) =>
                      lead ? (
                        <Pill tone="processing">{tr({ zh: "首席承保", en: "Lead" })}</Pill>
                      ) : (
                        tr({ zh: "共保", en: "Co-insurer" })
                      ),
                  },
                  {
                    title: tr({ zh: "共保份额", en: "Share" }),
                    dataIndex: "share_bps",
                    align: "right",
                    render: (bps: number) => <span data-testid="share">{formatPercent(bps)}</span>,
                  },
                  {
                    title: tr({ zh: "赔款支出净额（元）", en: "Claims expense" }),
                    key: "claims",
                    align: "right",
                    render: (_: unknown, i) =>
                      yuan(i.accounts.find((a) => a.account === "expense:claims")?.net ?? "0.00"),
                  },
                  {
                    title: tr({ zh: "保费收入净额（元）", en: "Premium income" }),
                    key: "premium",
                    align: "right",
                    render: (_: unknown, i) =>
                      yuan(i.accounts.find((a) => a.account === "income:premium")?.net ?? "0.00"),
                  },
                ]}
              />
            )}
          </Loading>
        </Card>
        <Card title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "对账单", en: "Statement" })}</h3>}>
          <Form
            form={form}
            layout="inline"
            requiredMark={false}
            onFinish={(v) => void load(v as never)}
            style={{ rowGap: 8 }}
          >
            <Form.Item
              label={tr({ zh: "共保公司", en: "Insurer" })}
              name="insurer"
              rules={[{ required: true, message: tr({ zh: "请选择共保公司", en: "Choose an insurer" }) }]}
            >
              <Select
                style={{ width: 240 }}
                disabled={isInsurer}
                options={insurers.map((i) => ({ value: i.code, label: i.name }))}
              />
            </Form.Item>
            <Form.Item
              label={tr({ zh: "起始日期", en: "From" })}
              name="from"
              rules={[{ required: true, message: tr({ zh: "请选择起始日期", en: "Choose the first day" }) }]}
            >
              <Input type="date" style={{ width: 170 }} />
            </Form.Item>
            <Form.Item
              label={tr({ zh: "截止日期（含）", en: "To (inclusive)" })}
              name="to"
              rules={[{ required: true, message: tr({ zh: "请选择截止日期", en: "Choose the last day" }) }]}
            >
              <Input type="date" style={{ width: 170 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={action.busy}>
              {tr({ zh: "查询对账单", en: "Show statement" })}
            </Button>
          </Form>
          {action.error === undefined ? null : (
            <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={action.error} />
          )}
          {statement === undefined ? null : (
            <div style={{ marginTop: 12 }}>
              <Typography.Paragraph data-testid="statement-heading">
                {tr({
                  zh: `${statement.insurer_name}（${statement.lead ? "首席承保，" : ""}份额 ${formatPercent(statement.share_bps)}）`,
                  en: `${statement.insurer_name} (${statement.lead ? "lead, " : ""}share ${formatPercent(statement.share_bps)})`,
                })}
              </Typography.Paragraph>
              <Table<StatementBalance>
                rowKey="account"
                size="small"
                pagination={false}
                aria-label={tr({ zh: "各科目余额", en: "Balances" })}
                dataSource={statement.balances}
                columns={[
                  { title: tr({ zh: "科目", en: "Account" }), dataIndex: "account", render: account },
                  yuanColumn<StatementBalance>(tr({ zh: "期初（元）", en: "Opening" }), "opening_net"),
                  yuanColumn<StatementBalance>(tr({ zh: "借方（元）", en: "Debits" }), "debits"),
                  yuanColumn<StatementBalance>(tr({ zh: "贷方（元）", en: "Credits" }), "credits"),
                  yuanColumn<StatementBalance>(tr({ zh: "期末（元）", en: "Closing" }), "closing_net"),
                ]}
              />
              <Table<StatementLine>
                style={{ marginTop: 12 }}
                rowKey={(l) => `${l.journal_id}:${l.leg}`}
                size="small"
                aria-label={tr({ zh: "对账单明细", en: "Statement lines" })}
                dataSource={statement.lines}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                columns={[
                  { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
                  {
                    title: tr({ zh: "业务类型", en: "Kind" }),
                    dataIndex: "kind",
                    render: (k: string) => labelOf(JOURNAL_KIND_LABELS, k, lang),
                  },
                  { title: tr({ zh: "业务单号", en: "Ref" }), dataIndex: "ref" },
                  { title: tr({ zh: "借方科目", en: "Debit" }), dataIndex: "debit_account", render: account },
                  {
                    title: tr({ zh: "贷方科目", en: "Credit" }),
                    dataIndex: "credit_account",
                    render: account,
                  },
                  yuanColumn<StatementLine>(tr({ zh: "全额（元）", en: "Full amount" }), "leg_amount"),
                  yuanColumn<StatementLine>(tr({ zh: "本公司份额（元）", en: "Our share" }), "amount"),
                ]}
              />
            </div>
          )}
        </Card>
      </Space>
    </>
  );
}
