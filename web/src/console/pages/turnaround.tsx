/**
 * 理赔时效 (claim turnaround): the share of claims decided and paid the same day, within 3 and within 10 days
 * of submission, and the median hours — per channel, per institution and per month (aggregates only, from
 * /claims/turnaround; services/claims/turnaround.ts defines every figure). Also the card the bureau's
 * dashboard shows.
 */
import { Button, Card, Col, Input, Row, Space, Table, type TableColumnsType, Typography } from "antd";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import type { TurnaroundLeg, TurnaroundReport } from "../../../../src/contract/turnaround.js";
import { CLAIM_CHANNEL_LABELS } from "../../../../src/domain/vocabulary.js";
import { Figure, Loading, PageTitle, useLoad, useTr } from "./common.js";

/** Basis points as "95.4%", a dash when there is nothing to measure. */
const pct = (bps: number | null) => (bps === null ? "—" : `${(bps / 100).toFixed(1)}%`);
const hours = (h: number | null) => (h === null ? "—" : h.toFixed(1));

type Line = { key: string; name: string; decided: TurnaroundLeg; paid: TurnaroundLeg };

function useColumns(first: string): TableColumnsType<Line> {
  const tr = useTr();
  const leg = (which: "decided" | "paid", zh: string, en: string): TableColumnsType<Line>[number] => ({
    title: tr({ zh, en }),
    children: [
      {
        title: tr({ zh: "件数", en: "Count" }),
        align: "right",
        render: (_: unknown, r: Line) => r[which].count,
      },
      {
        title: tr({ zh: "当日", en: "Same day" }),
        align: "right",
        render: (_: unknown, r: Line) => pct(r[which].same_day_bps),
      },
      {
        title: tr({ zh: "3 日内", en: "≤ 3 days" }),
        align: "right",
        render: (_: unknown, r: Line) => pct(r[which].within_3_days_bps),
      },
      {
        title: tr({ zh: "10 日内", en: "≤ 10 days" }),
        align: "right",
        render: (_: unknown, r: Line) => pct(r[which].within_10_days_bps),
      },
      {
        title: tr({ zh: "中位小时", en: "Median hours" }),
        align: "right",
        render: (_: unknown, r: Line) => hours(r[which].median_hours),
      },
    ],
  });
  return [
    { title: first, dataIndex: "name" },
    leg("decided", "提交 → 审结", "Submitted → decided"),
    leg("paid", "提交 → 赔付", "Submitted → paid"),
  ];
}

function TurnaroundTable({ title, first, rows }: { title: string; first: string; rows: Line[] }) {
  const tr = useTr();
  const columns = useColumns(first);
  return (
    <Card size="small" title={title}>
      <Table<Line>
        size="small"
        bordered
        columns={columns}
        dataSource={rows}
        pagination={rows.length > 20 ? { pageSize: 20 } : false}
        locale={{ emptyText: tr({ zh: "期间内没有提交的理赔", en: "No claims submitted in the period" }) }}
      />
    </Card>
  );
}

function Period() {
  const tr = useTr();
  const [params, setParams] = useSearchParams();
  const [from, setFrom] = useState(params.get("from") ?? "");
  const [to, setTo] = useState(params.get("to") ?? "");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        const next: Record<string, string> = {};
        if (from.trim() !== "") next.from = from.trim();
        if (to.trim() !== "") next.to = to.trim();
        setParams(next);
      }}
    >
      <Space>
        <label htmlFor="ta-from">{tr({ zh: "提交日期自", en: "Submitted from" })}</label>
        <Input
          id="ta-from"
          placeholder="yyyy-mm-dd"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          style={{ width: 130 }}
        />
        <label htmlFor="ta-to">{tr({ zh: "至", en: "to" })}</label>
        <Input
          id="ta-to"
          placeholder="yyyy-mm-dd"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          style={{ width: 130 }}
        />
        <Button htmlType="submit">{tr({ zh: "查看", en: "Show" })}</Button>
      </Space>
    </form>
  );
}

function query(params: URLSearchParams): string {
  const q = new URLSearchParams();
  for (const k of ["from", "to"]) {
    const v = params.get(k);
    if (v !== null && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s === "" ? "" : `?${s}`;
}

export function Turnaround() {
  const tr = useTr();
  const [params] = useSearchParams();
  const state = useLoad<TurnaroundReport>(`/claims/turnaround${query(params)}`);
  return (
    <>
      <PageTitle extra={<Period />}>{tr({ zh: "理赔时效", en: "Claim turnaround" })}</PageTitle>
      <Loading state={state}>{(d) => <TurnaroundBody d={d} />}</Loading>
    </>
  );
}

function TurnaroundBody({ d }: { d: TurnaroundReport }) {
  const tr = useTr();
  const t = d.total;
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size={16}>
      <Typography.Paragraph type="secondary">
        {tr({
          zh: `提交日期 ${d.from} 至 ${d.to}（北京时间）。审结含拒赔，尚未审结的计入件数；当日指同一日历日，3 日 / 10 日内指 72 / 240 小时内。一站式与特药在结算时直接抵扣即为赔付；线上与柜面以划付批次为准。`,
          en: `Submitted ${d.from} to ${d.to} (Beijing time). Decisions include rejections; open claims count as not yet decided. Same day = same calendar day; within 3 / 10 days = 72 / 240 hours. One-stop and special-drug payouts are netted off the bill; online and counter payouts count when their payout batch is made.`,
        })}
      </Typography.Paragraph>
      <Row gutter={[12, 12]}>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "当日审结率", en: "Decided same day" })}
            value={pct(t.decided.same_day_bps)}
            testId="ta-decided-same-day"
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "3 日内审结率", en: "Decided ≤ 3 days" })}
            value={pct(t.decided.within_3_days_bps)}
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "10 日内审结率", en: "Decided ≤ 10 days" })}
            value={pct(t.decided.within_10_days_bps)}
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "审结用时中位数（小时）", en: "Median hours to decision" })}
            value={hours(t.decided.median_hours)}
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "当日赔付率", en: "Paid same day" })}
            value={pct(t.paid.same_day_bps)}
            testId="ta-paid-same-day"
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "3 日内赔付率", en: "Paid ≤ 3 days" })}
            value={pct(t.paid.within_3_days_bps)}
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "10 日内赔付率", en: "Paid ≤ 10 days" })}
            value={pct(t.paid.within_10_days_bps)}
          />
        </Col>
        <Col xs={12} md={6}>
          <Figure
            title={tr({ zh: "赔付用时中位数（小时）", en: "Median hours to payment" })}
            value={hours(t.paid.median_hours)}
          />
        </Col>
      </Row>
      <TurnaroundTable
        title={tr({ zh: "按渠道", en: "By channel" })}
        first={tr({ zh: "渠道", en: "Channel" })}
        rows={[
          ...d.channels.map((c) => ({ key: c.channel, name: tr(CLAIM_CHANNEL_LABELS[c.channel]), ...c })),
          { key: "total", name: tr({ zh: "合计", en: "Total" }), ...t },
        ]}
      />
      <TurnaroundTable
        title={tr({ zh: "按定点机构", en: "By institution" })}
        first={tr({ zh: "定点机构", en: "Institution" })}
        rows={d.institutions.map((i) => ({
          key: i.fixmedins_code,
          name: i.fixmedins_name ?? tr({ zh: "未登记机构", en: "Unregistered institution" }),
          ...i,
        }))}
      />
      <TurnaroundTable
        title={tr({ zh: "按提交月份", en: "By month" })}
        first={tr({ zh: "月份", en: "Month" })}
        rows={d.months.map((m) => ({ key: m.month, name: m.month, ...m }))}
      />
    </Space>
  );
}

/** The dashboard's card: this program's turnaround to date, linking to the full page. */
export function TurnaroundCard() {
  const tr = useTr();
  const state = useLoad<TurnaroundReport>("/claims/turnaround");
  return (
    <Card
      size="small"
      title={tr({ zh: "理赔时效", en: "Claim turnaround" })}
      extra={<Link to="/turnaround">{tr({ zh: "详情", en: "Details" })}</Link>}
    >
      <Loading state={state}>
        {(d) => (
          <Row gutter={[12, 12]}>
            <Col xs={12} md={6}>
              <Figure
                title={tr({ zh: "当日审结率", en: "Decided same day" })}
                value={pct(d.total.decided.same_day_bps)}
                testId="card-decided-same-day"
              />
            </Col>
            <Col xs={12} md={6}>
              <Figure
                title={tr({ zh: "3 日内审结率", en: "Decided ≤ 3 days" })}
                value={pct(d.total.decided.within_3_days_bps)}
              />
            </Col>
            <Col xs={12} md={6}>
              <Figure
                title={tr({ zh: "10 日内赔付率", en: "Paid ≤ 10 days" })}
                value={pct(d.total.paid.within_10_days_bps)}
              />
            </Col>
            <Col xs={12} md={6}>
              <Figure title={tr({ zh: "理赔件数", en: "Claims" })} value={String(d.total.decided.count)} />
            </Col>
          </Row>
        )}
      </Loading>
    </Card>
  );
}
