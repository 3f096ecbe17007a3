/**
 * 慈善信息披露 (issue 15 item 5): one fund's quarter — money in by donor (anonymous gifts merged), out by aid
 * program and by cohort, recipients as 受助人-01…, balance, beneficiaries, average burden reduction — shown here
 * and downloaded as PDF or Excel for publication. Funds are chosen by name: the aid funds and the premium pools.
 */
import { Card, Col, Input, Row, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import type { AidFundList } from "../../../../src/contract/aid.js";
import type { CharityReportView } from "../../../../src/contract/aid-watch.js";
import { yuan } from "../../shared/format.js";
import type { PoolList } from "../../shared/types.js";
import { base, Figure, Loading, PageTitle, useLoad, useTr } from "./common.js";

/** Empty: the quarter the platform's business day falls in (the server decides). */
const QUARTER = /^(\d{4}Q[1-4])?$/;

type Line = CharityReportView["donations"][number];

function Lines({ title, rows, first }: { title: string; rows: Line[]; first: string }) {
  const tr = useTr();
  return (
    <Card
      size="small"
      title={<h3 style={{ margin: 0, fontSize: 15 }}>{title}</h3>}
      style={{ marginBottom: 12 }}
    >
      <Table<Line>
        rowKey="label"
        size="small"
        pagination={false}
        dataSource={rows}
        // antd's default empty text is too light for WCAG AA contrast.
        locale={{
          emptyText: (
            <span style={{ color: "rgba(0,0,0,0.68)" }}>{tr({ zh: "本季无", en: "None this quarter" })}</span>
          ),
        }}
        columns={[
          { title: first, dataIndex: "label" },
          { title: tr({ zh: "笔数", en: "Count" }), dataIndex: "count", align: "right" },
          {
            title: tr({ zh: "金额（元）", en: "Amount" }),
            dataIndex: "amount",
            align: "right",
            render: yuan,
          },
        ]}
      />
    </Card>
  );
}

function Report({ fund, quarter }: { fund: string; quarter: string }) {
  const tr = useTr();
  const q = `?fund=${encodeURIComponent(fund)}${quarter === "" ? "" : `&quarter=${quarter}`}`;
  const report = useLoad<CharityReportView>(`/reports/charity${q}&format=json`);
  return (
    <Loading state={report}>
      {(r) => (
        <>
          <Typography.Paragraph>
            {tr({
              zh: `${r.fund_name}：${r.quarter}（${r.from} 至 ${r.as_of}）`,
              en: `${r.fund_name}: ${r.quarter} (${r.from} to ${r.as_of})`,
            })}
          </Typography.Paragraph>
          <Space style={{ marginBottom: 12 }}>
            <a href={`${base()}/reports/charity${q}&format=pdf`} download>
              {tr({ zh: "下载 PDF", en: "Download PDF" })}
            </a>
            <a href={`${base()}/reports/charity${q}&format=xlsx`} download>
              {tr({ zh: "下载 Excel", en: "Download Excel" })}
            </a>
          </Space>
          <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
            <Col xs={12} lg={6}>
              <Figure title={tr({ zh: "期初余额（元）", en: "Opening" })} value={yuan(r.opening_balance)} />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "本季收入（元）", en: "In" })}
                value={yuan(r.money_in)}
                testId="money-in"
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "本季支出（元）", en: "Out" })}
                value={yuan(r.money_out)}
                testId="money-out"
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure title={tr({ zh: "期末余额（元）", en: "Closing" })} value={yuan(r.closing_balance)} />
            </Col>
            <Col xs={12} lg={6}>
              <Figure title={tr({ zh: "受助人数", en: "Beneficiaries" })} value={`${r.beneficiaries}`} />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "人均受助（元）", en: "Per beneficiary" })}
                value={yuan(r.average_per_beneficiary)}
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "平均负担减轻", en: "Burden reduction" })}
                value={r.burden_reduction ?? "—"}
              />
            </Col>
          </Row>
          <Row gutter={12}>
            <Col xs={24} lg={12}>
              <Lines
                title={tr({ zh: "捐赠收入", en: "Donations" })}
                rows={r.donations}
                first={tr({ zh: "捐赠方", en: "Donor" })}
              />
              <Lines
                title={tr({ zh: "其他收入", en: "Other income" })}
                rows={r.other_in}
                first={tr({ zh: "来源", en: "Source" })}
              />
            </Col>
            <Col xs={24} lg={12}>
              <Lines
                title={tr({ zh: "支出（按项目）", en: "Out by program" })}
                rows={r.out_by_program}
                first={tr({ zh: "项目", en: "Program" })}
              />
              <Lines
                title={tr({ zh: "支出（按人群）", en: "Out by cohort" })}
                rows={r.out_by_cohort}
                first={tr({ zh: "人群", en: "Cohort" })}
              />
            </Col>
          </Row>
          <Lines
            title={tr({ zh: "受助人（匿名）", en: "Recipients (anonymized)" })}
            rows={r.recipients}
            first={tr({ zh: "受助人", en: "Recipient" })}
          />
        </>
      )}
    </Loading>
  );
}

export function CharityReport() {
  const tr = useTr();
  const funds = useLoad<AidFundList>("/aid-funds");
  const pools = useLoad<PoolList>("/charity-pools");
  const options = [
    ...(funds.data?.funds ?? []).map((f) => ({
      value: f.fund_id,
      label: `${f.name}（${tr({ zh: "救助基金", en: "aid fund" })}）`,
    })),
    ...(pools.data?.pools ?? []).map((p) => ({
      value: p.pool_id,
      label: `${p.name}（${tr({ zh: "保费资助", en: "premium pool" })}）`,
    })),
  ];
  const [fund, setFund] = useState<string | undefined>();
  const [quarter, setQuarter] = useState("");
  const valid = QUARTER.test(quarter);
  const chosen = fund ?? options[0]?.value;
  return (
    <>
      <PageTitle>{tr({ zh: "慈善信息披露", en: "Charity disclosure" })}</PageTitle>
      <Card style={{ marginBottom: 12 }}>
        <Typography.Paragraph>
          {tr({
            zh: "按季度公开一项资金的收入、支出、余额与受助情况（《慈善法》第七十一条、第七十三条）。受助人已匿名，捐赠人选择匿名的合并为“匿名捐赠”。",
            en: "A fund's quarter: in, out, balance and beneficiaries (anonymized).",
          })}
        </Typography.Paragraph>
        <Space align="start" wrap>
          <Space orientation="vertical" size={2}>
            <label htmlFor="charity-fund">{tr({ zh: "资金", en: "Fund" })}</label>
            <Select
              id="charity-fund"
              style={{ width: 280 }}
              value={chosen}
              onChange={setFund}
              options={options}
            />
          </Space>
          <Space orientation="vertical" size={2}>
            <label htmlFor="charity-quarter">
              {tr({ zh: "季度（如 2026Q1；不填为本季度）", en: "Quarter (e.g. 2026Q1; empty: this one)" })}
            </label>
            <Input
              id="charity-quarter"
              value={quarter}
              onChange={(e) => setQuarter(e.target.value.trim().toUpperCase())}
              style={{ width: 140 }}
              status={valid ? "" : "error"}
              aria-invalid={!valid}
            />
            {valid ? null : (
              <span role="alert" style={{ color: "#c4161c", fontSize: 12 }}>
                {tr({
                  zh: "格式不对：请填年份加季度，如 2026Q1。",
                  en: "Enter a year and quarter, e.g. 2026Q1.",
                })}
              </span>
            )}
          </Space>
        </Space>
      </Card>
      {chosen !== undefined && valid ? (
        <Report key={`${chosen}-${quarter}`} fund={chosen} quarter={quarter} />
      ) : funds.loading || pools.loading ? null : (
        <Typography.Paragraph>{tr({ zh: "还没有可披露的资金。", en: "No fund yet." })}</Typography.Paragraph>
      )}
    </>
  );
}
