/** 账本与对账单: the ledger summary (balance check, accounts, co-insurers) and a co-insurer's statement. */
import { Alert, Button, Card, DatePicker, Form, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { formatPercent } from "../../../../src/domain/money.js";
import { ACCOUNT_LABELS, JOURNAL_KIND_LABELS, labelOf } from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { LedgerSummary, Statement } from "../../shared/types.js";
import { DownloadButtons } from "../download.js";
import { yuanColumn } from "./columns.js";
import { base, Loading, PageTitle, programId, role, useAction, useLoad, useTr } from "./common.js";

type AccountTotal = LedgerSummary["accounts"][number];
type StatementBalance = Statement["balances"][number];
type StatementLine = Statement["lines"][number];

export function Ledger() {
  const tr = useTr();
  const { lang } = useLang();
  const summary = useLoad<LedgerSummary>("/ledger/summary");
  const program = useLoad<{ insurers: { code: string; name: string; lead: boolean }[] }>(
    `/api/v1/programs/${programId()}`,
  );
  const [query, setQuery] = useState<{ insurer: string; from: string; to: string } | undefined>();
  const [statement, setStatement] = useState<Statement | undefined>();
  const action = useAction();
  const isInsurer = role() === "co_insurer";

  async function load(v: {
    insurer: string;
    range: [{ format: (f: string) => string }, { format: (f: string) => string }];
  }) {
    const q = {
      insurer: v.insurer,
      from: v.range[0].format("YYYY-MM-DD"),
      to: v.range[1].format("YYYY-MM-DD"),
    };
    await action.run(
      async () => {
        setStatement(await api<Statement>("GET", `${base()}/ledger/statement?${new URLSearchParams(q)}`));
        setQuery(q);
      },
      () => setStatement(undefined),
    );
  }

  return (
    <>
      <PageTitle>{tr({ zh: "账本与对账单", en: "Ledger and statements" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        <Card
          title={<h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "分账汇总", en: "Ledger summary" })}</h3>}
        >
          <Loading state={summary}>
            {(s) => (
              <>
                <Alert
                  type={s.balanced ? "success" : "error"}
                  showIcon
                  style={{ marginBottom: 12 }}
                  title={
                    s.balanced
                      ? tr({ zh: "借贷平衡。", en: "Debits equal credits." })
                      : tr({
                          zh: "借贷不平衡：请立即联系技术支持核查。",
                          en: "Unbalanced: contact support now.",
                        })
                  }
                />
                <Table
                  rowKey="account"
                  size="small"
                  pagination={false}
                  aria-label={tr({ zh: "各科目合计", en: "Totals per account" })}
                  dataSource={s.accounts}
                  columns={[
                    {
                      title: tr({ zh: "科目", en: "Account" }),
                      key: "a",
                      render: (_: unknown, a) => labelOf(ACCOUNT_LABELS, a.account, lang),
                    },
                    yuanColumn<AccountTotal>(tr({ zh: "借方（元）", en: "Debits" }), "debits"),
                    yuanColumn<AccountTotal>(tr({ zh: "贷方（元）", en: "Credits" }), "credits"),
                    yuanColumn<AccountTotal>(tr({ zh: "净额（元）", en: "Net" }), "net"),
                  ]}
                />
                <h4 style={{ marginTop: 16 }}>{tr({ zh: "各共保公司", en: "Per co-insurer" })}</h4>
                <Table
                  rowKey="code"
                  size="small"
                  pagination={false}
                  dataSource={s.insurers}
                  columns={[
                    {
                      title: tr({ zh: "公司", en: "Insurer" }),
                      key: "n",
                      render: (_: unknown, i) =>
                        `${i.name}${i.lead ? tr({ zh: "（首席）", en: " (lead)" }) : ""}`,
                    },
                    {
                      title: tr({ zh: "份额", en: "Share" }),
                      dataIndex: "share_bps",
                      render: (x: number) => formatPercent(x),
                    },
                    {
                      title: tr({ zh: "科目净额（元）", en: "Net per account" }),
                      key: "a",
                      render: (_: unknown, i) =>
                        i.accounts
                          .map((a) => `${labelOf(ACCOUNT_LABELS, a.account, lang)} ${yuan(a.net)}`)
                          .join("；"),
                    },
                  ]}
                />
              </>
            )}
          </Loading>
        </Card>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>
              {tr({ zh: "共保公司对账单", en: "Co-insurer statement" })}
            </h3>
          }
        >
          {isInsurer ? (
            <Typography.Paragraph>
              {tr({
                zh: "共保公司只能查看本公司的对账单。",
                en: "A co-insurer sees its own statement only.",
              })}
            </Typography.Paragraph>
          ) : null}
          <Form layout="inline" onFinish={(v) => void load(v as never)} style={{ rowGap: 8 }}>
            <Form.Item
              label={tr({ zh: "共保公司", en: "Insurer" })}
              name="insurer"
              rules={[{ required: true, message: tr({ zh: "请选择共保公司", en: "Choose an insurer" }) }]}
            >
              <Select
                style={{ width: 240 }}
                options={(program.data?.insurers ?? []).map((i) => ({
                  value: i.code,
                  label: i.name,
                }))}
              />
            </Form.Item>
            <Form.Item
              label={tr({ zh: "日期（北京时间，含首尾）", en: "Days (inclusive)" })}
              name="range"
              rules={[{ required: true, message: tr({ zh: "请选择起止日期", en: "Choose the days" }) }]}
            >
              <DatePicker.RangePicker />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={action.busy}>
              {tr({ zh: "查询", en: "Show" })}
            </Button>
          </Form>
          {action.error === undefined ? null : (
            <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={action.error} />
          )}
          {statement === undefined || query === undefined ? null : (
            <>
              <div style={{ marginTop: 12 }}>
                <DownloadButtons
                  path={(format) => `${base()}/ledger/statement?${new URLSearchParams({ ...query, format })}`}
                  name={tr({
                    zh: `分账明细-${query.from}至${query.to}`,
                    en: `statement-${query.from}-${query.to}`,
                  })}
                  formats={["csv"]}
                />
              </div>
              <Table
                rowKey="account"
                size="small"
                pagination={false}
                dataSource={statement.balances}
                columns={[
                  {
                    title: tr({ zh: "科目", en: "Account" }),
                    key: "a",
                    render: (_: unknown, b) => labelOf(ACCOUNT_LABELS, b.account, lang),
                  },
                  yuanColumn<StatementBalance>(tr({ zh: "期初（元）", en: "Opening" }), "opening_net"),
                  yuanColumn<StatementBalance>(tr({ zh: "借方（元）", en: "Debits" }), "debits"),
                  yuanColumn<StatementBalance>(tr({ zh: "贷方（元）", en: "Credits" }), "credits"),
                  yuanColumn<StatementBalance>(tr({ zh: "期末（元）", en: "Closing" }), "closing_net"),
                ]}
              />
              <Table
                style={{ marginTop: 12 }}
                rowKey={(l) => `${l.journal_id}:${l.debit_account}:${l.credit_account}`}
                size="small"
                dataSource={statement.lines}
                columns={[
                  { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
                  {
                    title: tr({ zh: "类型", en: "Kind" }),
                    dataIndex: "kind",
                    render: (k: string) => labelOf(JOURNAL_KIND_LABELS, k, lang),
                  },
                  { title: tr({ zh: "业务号", en: "Ref" }), dataIndex: "ref" },
                  {
                    title: tr({ zh: "借", en: "Debit" }),
                    dataIndex: "debit_account",
                    render: (a: string) => labelOf(ACCOUNT_LABELS, a, lang),
                  },
                  {
                    title: tr({ zh: "贷", en: "Credit" }),
                    dataIndex: "credit_account",
                    render: (a: string) => labelOf(ACCOUNT_LABELS, a, lang),
                  },
                  yuanColumn<StatementLine>(tr({ zh: "本公司份额（元）", en: "Our share (yuan)" }), "amount"),
                ]}
              />
            </>
          )}
        </Card>
      </Space>
    </>
  );
}
