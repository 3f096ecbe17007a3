/**
 * The 医保局's and the regulator's dashboards (aggregates only, from /oversight/*): enrollment against the
 * roster, premiums written vs earned, claims paid and incurred, the earned loss ratio against the 70 % floor
 * of guidance clause 十一 with an alert on the projected full year, beneficiaries, relief, weekly trends.
 */
import { Alert, Button, Card, Col, Input, Row, Segmented, Space, Table, Typography } from "antd";
import { useMemo, useState } from "react";
import { useSearchParams } from "react-router";
import { yuan } from "../../shared/format.js";
import type {
  EnrollmentBreakdown,
  EnrollmentRow,
  OversightSummary,
  PayoutDistribution,
  Trends as TrendsView,
  WeekTrend,
} from "../../shared/types.js";
import { DownloadButtons } from "../download.js";
import { EChart } from "../echart.js";
import { yuanColumn } from "./columns.js";
import { base, Figure, Loading, PageTitle, programId, useLoad, useTr } from "./common.js";
import { TurnaroundCard } from "./turnaround.js";

/** "12000.50" → 12000.5 for a chart axis only (figures shown as text stay strings). */
const chartNumber = (s: string | null | undefined) => (s === null || s === undefined ? 0 : Number(s));

const NO_DATA = { zh: "尚无数据", en: "no data yet" };

/** "截至" day from ?as_of= (yyyy-mm-dd), empty = today; the server checks it and names the field. */
export function AsOf() {
  const tr = useTr();
  const [params, setParams] = useSearchParams();
  const [value, setValue] = useState(params.get("as_of") ?? "");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setParams(value.trim() === "" ? {} : { as_of: value.trim() });
      }}
    >
      <Space>
        <label htmlFor="as-of">{tr({ zh: "截至日期", en: "As of" })}</label>
        <Input
          id="as-of"
          placeholder="yyyy-mm-dd"
          value={value}
          onChange={(e) => setValue(e.target.value)}
          style={{ width: 140 }}
        />
        <Button htmlType="submit">{tr({ zh: "查看", en: "Show" })}</Button>
      </Space>
    </form>
  );
}

function asOfQuery(params: URLSearchParams): string {
  const v = params.get("as_of");
  return v === null || v === "" ? "" : `?as_of=${encodeURIComponent(v)}`;
}

export function LossRatio() {
  const tr = useTr();
  const [params] = useSearchParams();
  const s = useLoad<OversightSummary>(`/oversight/summary${asOfQuery(params)}`);
  return (
    <>
      <PageTitle extra={<AsOf />}>{tr({ zh: "保费与赔付率", en: "Premiums and loss ratio" })}</PageTitle>
      <Loading state={s}>{(d) => <LossRatioBody d={d} />}</Loading>
      <div style={{ marginTop: 16 }}>
        <TurnaroundCard />
      </div>
    </>
  );
}

function LossRatioBody({ d }: { d: OversightSummary }) {
  const tr = useTr();
  const lr = d.loss_ratio;
  const floor = lr.floor_bps / 100;
  const option = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      xAxis: {
        type: "category",
        data: [
          tr({ zh: "满期赔付率", en: "Earned loss ratio" }),
          tr({ zh: "全年预测", en: "Projected full year" }),
        ],
      },
      yAxis: {
        type: "value",
        axisLabel: { formatter: "{value}%" },
        max: (v: { max: number }) => Math.max(100, Math.ceil(v.max / 10) * 10),
      },
      series: [
        {
          type: "bar",
          barWidth: 60,
          data: [(lr.earned_bps ?? 0) / 100, (lr.projected_full_year_bps ?? 0) / 100],
          label: { show: true, position: "top", formatter: "{c}%" },
          markLine: {
            symbol: "none",
            lineStyle: { color: "#c4161c", type: "dashed", width: 2 },
            label: {
              formatter: tr({
                zh: `红线 ${lr.floor}（第${lr.clause}条）`,
                en: `Floor ${lr.floor} (clause ${lr.clause})`,
              }),
            },
            data: [{ yAxis: floor, name: "70%" }],
          },
        },
      ],
    }),
    [lr, floor, tr],
  );
  const premiums = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: {},
      xAxis: {
        type: "category",
        data: [tr({ zh: "保费", en: "Premium" }), tr({ zh: "赔款", en: "Claims" })],
      },
      yAxis: { type: "value", name: tr({ zh: "元", en: "yuan" }) },
      series: [
        {
          type: "bar",
          name: tr({ zh: "签单保费 / 已决赔款", en: "Written / paid" }),
          data: [chartNumber(d.premium.written), chartNumber(d.claims.paid)],
        },
        {
          type: "bar",
          name: tr({ zh: "满期保费 / 已发生赔款", en: "Earned / incurred" }),
          data: [chartNumber(d.premium.earned), chartNumber(d.claims.incurred)],
        },
      ],
    }),
    [d, tr],
  );
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size={16}>
      {lr.alert ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          title={tr({
            zh: `预警：按当前进度预测全年满期赔付率为 ${lr.projected_full_year}，低于 ${lr.floor} 红线（指导意见第${lr.clause}条）。请运营方评估并调整保障或费率，并向监管报告。`,
            en: `Alert: the projected full-year loss ratio ${lr.projected_full_year} is below the ${lr.floor} floor (clause ${lr.clause}).`,
          })}
        />
      ) : null}
      <Typography.Paragraph>
        {tr({
          zh: `${d.program_name}，截至 ${d.as_of}（北京时间），保险期间已过 ${d.coverage.elapsed_days} / ${d.coverage.total_days} 天。`,
          en: `${d.program_name}, as of ${d.as_of}; ${d.coverage.elapsed_days} of ${d.coverage.total_days} days of cover elapsed.`,
        })}
      </Typography.Paragraph>
      <Row gutter={[12, 12]}>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "满期赔付率", en: "Earned loss ratio" })}
            value={lr.earned ?? tr(NO_DATA)}
            testId="earned-loss-ratio"
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "全年预测赔付率", en: "Projected full year" })}
            value={lr.projected_full_year ?? tr(NO_DATA)}
            testId="projected-loss-ratio"
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "签单保费（元）", en: "Written premium (yuan)" })}
            value={yuan(d.premium.written)}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "满期保费（元）", en: "Earned premium (yuan)" })}
            value={yuan(d.premium.earned)}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "已决赔款（元）", en: "Paid claims (yuan)" })}
            value={yuan(d.claims.paid)}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "已发生赔款（元）", en: "Incurred claims (yuan)" })}
            value={yuan(d.claims.incurred)}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "待审核案件", en: "Cases in review" })}
            value={`${d.claims.pending_review_cases}`}
          />
        </Col>
        <Col xs={12} lg={6}>
          <Figure
            title={tr({ zh: "退保退费（元）", en: "Refunds (yuan)" })}
            value={yuan(d.premium.refunds)}
          />
        </Col>
      </Row>
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={12}>
          <Card
            title={
              <h3 style={{ margin: 0, fontSize: 16 }}>
                {tr({ zh: "满期赔付率与 70% 红线", en: "Earned loss ratio and the 70% floor" })}
              </h3>
            }
          >
            <EChart
              option={option}
              label={tr({
                zh: `柱状图：满期赔付率 ${lr.earned ?? "尚无数据"}，全年预测 ${lr.projected_full_year ?? "尚无数据"}，红线 ${lr.floor}`,
                en: `Bar chart: earned loss ratio ${lr.earned ?? "n/a"}, projected ${lr.projected_full_year ?? "n/a"}, floor ${lr.floor}`,
              })}
            />
            <Typography.Paragraph type="secondary">{lr.projection_method}</Typography.Paragraph>
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card
            title={
              <h3 style={{ margin: 0, fontSize: 16 }}>
                {tr({
                  zh: "签单与满期保费、已决与已发生赔款",
                  en: "Written vs earned premium, paid vs incurred claims",
                })}
              </h3>
            }
          >
            <EChart
              option={premiums}
              label={tr({
                zh: `柱状图：签单保费 ${d.premium.written} 元，满期保费 ${d.premium.earned} 元，已决赔款 ${d.claims.paid} 元，已发生赔款 ${d.claims.incurred} 元`,
                en: `Bar chart: written ${d.premium.written}, earned ${d.premium.earned}, paid ${d.claims.paid}, incurred ${d.claims.incurred} yuan`,
              })}
            />
            <Typography.Paragraph type="secondary">{d.claims.incurred_method}</Typography.Paragraph>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

const DIMENSIONS = {
  county: { zh: "区县", en: "County" },
  unit: { zh: "单位", en: "Unit" },
  cohort: { zh: "人群", en: "Cohort" },
};

export function EnrollmentRate() {
  const tr = useTr();
  const [by, setBy] = useState<"county" | "unit" | "cohort">("county");
  const e = useLoad<EnrollmentBreakdown>(`/oversight/enrollment?by=${by}&limit=200`);
  const label = (r: EnrollmentRow) => r.name ?? r.value ?? tr({ zh: "（未填）", en: "(blank)" });
  return (
    <>
      <PageTitle>{tr({ zh: "参保率", en: "Enrollment rate" })}</PageTitle>
      <Space style={{ marginBottom: 12 }}>
        <span id="dim-label">{tr({ zh: "统计口径", en: "By" })}</span>
        <Segmented
          aria-labelledby="dim-label"
          value={by}
          onChange={(v) => setBy(v as "county")}
          options={Object.entries(DIMENSIONS).map(([k, v]) => ({ value: k, label: tr(v) }))}
        />
      </Space>
      <Loading
        state={e}
        isEmpty={(d) => d.rows.length === 0}
        empty={tr({ zh: "尚无名单：请运营方先导入医保局参保名单。", en: "No roster imported yet." })}
      >
        {(d) => (
          <Space orientation="vertical" style={{ width: "100%" }} size={16}>
            <Row gutter={12}>
              <Col span={8}>
                <Figure
                  title={tr({ zh: "名单人数", en: "Roster persons" })}
                  value={`${d.totals.roster_persons}`}
                />
              </Col>
              <Col span={8}>
                <Figure
                  title={tr({ zh: "参保人数", en: "Insured persons" })}
                  value={`${d.totals.insured_persons}`}
                />
              </Col>
              <Col span={8}>
                <Figure
                  title={tr({ zh: "参保率", en: "Enrollment rate" })}
                  value={d.totals.enrollment_rate ?? "—"}
                  testId="enrollment-rate"
                />
              </Col>
            </Row>
            <Card>
              <EChart
                label={tr({
                  zh: `柱状图：按${DIMENSIONS[by].zh}的参保率`,
                  en: `Bar chart: enrollment rate by ${by}`,
                })}
                option={{
                  tooltip: { trigger: "axis" },
                  grid: { left: 60, right: 20, bottom: 80 },
                  xAxis: {
                    type: "category",
                    data: d.rows.slice(0, 30).map(label),
                    axisLabel: { rotate: 30 },
                  },
                  yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
                  series: [
                    { type: "bar", data: d.rows.slice(0, 30).map((r) => (r.enrollment_rate_bps ?? 0) / 100) },
                  ],
                }}
              />
            </Card>
            <Table<EnrollmentRow>
              rowKey={(r) => r.value ?? ""}
              size="small"
              dataSource={d.rows}
              pagination={{ pageSize: 20 }}
              columns={[
                { title: tr(DIMENSIONS[by]), key: "name", render: (_: unknown, r) => label(r) },
                { title: tr({ zh: "名单人数", en: "Roster" }), dataIndex: "roster_persons", align: "right" },
                {
                  title: tr({ zh: "参保人数", en: "Insured" }),
                  dataIndex: "insured_persons",
                  align: "right",
                },
                {
                  title: tr({ zh: "参保率", en: "Rate" }),
                  dataIndex: "enrollment_rate",
                  align: "right",
                  render: (v: string | null) => v ?? "—",
                },
                yuanColumn<EnrollmentRow>(tr({ zh: "保费（元）", en: "Premium (yuan)" }), "premium"),
              ]}
            />
          </Space>
        )}
      </Loading>
    </>
  );
}

export function Beneficiaries() {
  const tr = useTr();
  const [params] = useSearchParams();
  const s = useLoad<OversightSummary>(`/oversight/summary${asOfQuery(params)}`);
  const dist = useLoad<PayoutDistribution>(`/oversight/payout-distribution${asOfQuery(params)}`);
  return (
    <>
      <PageTitle extra={<AsOf />}>{tr({ zh: "受益与减负", en: "Beneficiaries and relief" })}</PageTitle>
      <Space orientation="vertical" style={{ width: "100%" }} size={16}>
        <Loading state={s}>
          {(d) => (
            <Row gutter={[12, 12]}>
              <Col xs={12} lg={6}>
                <Figure
                  title={tr({ zh: "受益人数", en: "Beneficiaries" })}
                  value={`${d.beneficiaries.persons}`}
                />
              </Col>
              <Col xs={12} lg={6}>
                <Figure
                  title={tr({ zh: "人均赔付（元）", en: "Payout per beneficiary" })}
                  value={yuan(d.beneficiaries.payout_per_beneficiary)}
                />
              </Col>
              <Col xs={12} lg={6}>
                <Figure
                  title={tr({ zh: "人均负担：赔付前（元）", en: "Burden before (yuan)" })}
                  value={yuan(d.beneficiaries.burden_before_per_beneficiary)}
                />
              </Col>
              <Col xs={12} lg={6}>
                <Figure
                  title={tr({ zh: "人均负担：赔付后（元）", en: "Burden after (yuan)" })}
                  value={yuan(d.beneficiaries.burden_after_per_beneficiary)}
                />
              </Col>
              <Col xs={12} lg={6}>
                <Figure
                  title={tr({ zh: "减负比例", en: "Burden reduction" })}
                  value={d.burden_reduction.reduction ?? "—"}
                />
              </Col>
              <Col xs={12} lg={6}>
                <Figure
                  title={tr({ zh: "参保人人均赔付（元）", en: "Payout per insured" })}
                  value={yuan(d.burden_reduction.payout_per_insured)}
                />
              </Col>
            </Row>
          )}
        </Loading>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>
              {tr({ zh: "赔付分布（按每人累计赔付）", en: "Payout distribution (per person)" })}
            </h3>
          }
        >
          <Loading
            state={dist}
            isEmpty={(d) => d.beneficiaries === 0}
            empty={tr({ zh: "尚无赔付：有赔款后这里显示分布。", en: "No payouts yet." })}
          >
            {(d) => (
              <>
                <EChart
                  label={tr({ zh: "柱状图：各赔付金额档的人数", en: "Bar chart: persons per payout band" })}
                  option={{
                    tooltip: { trigger: "axis" },
                    xAxis: { type: "category", data: d.buckets.map((b) => b.label) },
                    yAxis: { type: "value", name: tr({ zh: "人数", en: "persons" }) },
                    series: [{ type: "bar", data: d.buckets.map((b) => b.persons) }],
                  }}
                />
                <Table
                  rowKey="bucket"
                  size="small"
                  pagination={false}
                  dataSource={d.buckets}
                  columns={[
                    { title: tr({ zh: "赔付档", en: "Band" }), dataIndex: "label" },
                    { title: tr({ zh: "人数", en: "Persons" }), dataIndex: "persons", align: "right" },
                    {
                      title: tr({ zh: "人数占比", en: "Share" }),
                      dataIndex: "persons_share",
                      align: "right",
                    },
                    yuanColumn<PayoutDistribution["buckets"][number]>(
                      tr({ zh: "赔款（元）", en: "Paid (yuan)" }),
                      "paid",
                    ),
                  ]}
                />
              </>
            )}
          </Loading>
        </Card>
      </Space>
    </>
  );
}

export function Trends() {
  const tr = useTr();
  const t = useLoad<TrendsView>("/oversight/trends");
  return (
    <>
      <PageTitle>{tr({ zh: "周趋势", en: "Weekly trends" })}</PageTitle>
      <Loading state={t} isEmpty={(d) => d.weeks.length === 0}>
        {(d) => (
          <Space orientation="vertical" style={{ width: "100%" }} size={16}>
            <Card>
              <EChart
                label={tr({
                  zh: "折线图：每周投保人数、赔付件数与签单保费",
                  en: "Line chart: weekly enrollments, claims and premium",
                })}
                option={{
                  tooltip: { trigger: "axis" },
                  legend: {},
                  xAxis: { type: "category", data: d.weeks.map((w) => w.week) },
                  yAxis: [
                    { type: "value", name: tr({ zh: "人/件", en: "count" }) },
                    { type: "value", name: tr({ zh: "元", en: "yuan" }) },
                  ],
                  series: [
                    {
                      type: "line",
                      name: tr({ zh: "投保", en: "Enrollments" }),
                      data: d.weeks.map((w) => w.enrollments),
                    },
                    {
                      type: "line",
                      name: tr({ zh: "赔付件数", en: "Claims paid" }),
                      data: d.weeks.map((w) => w.claims_paid),
                    },
                    {
                      type: "bar",
                      yAxisIndex: 1,
                      name: tr({ zh: "签单保费", en: "Written premium" }),
                      data: d.weeks.map((w) => chartNumber(w.written_premium)),
                    },
                    {
                      type: "bar",
                      yAxisIndex: 1,
                      name: tr({ zh: "赔款", en: "Paid" }),
                      data: d.weeks.map((w) => chartNumber(w.paid)),
                    },
                  ],
                }}
              />
            </Card>
            <Table<WeekTrend>
              rowKey="week"
              size="small"
              dataSource={d.weeks}
              pagination={{ pageSize: 26 }}
              columns={[
                { title: tr({ zh: "周", en: "Week" }), dataIndex: "week" },
                { title: tr({ zh: "起始日", en: "From" }), dataIndex: "start" },
                { title: tr({ zh: "投保", en: "Enrolled" }), dataIndex: "enrollments", align: "right" },
                { title: tr({ zh: "退保", en: "Cancelled" }), dataIndex: "cancellations", align: "right" },
                yuanColumn<WeekTrend>(tr({ zh: "签单保费（元）", en: "Premium (yuan)" }), "written_premium"),
                { title: tr({ zh: "结算件数", en: "Settled" }), dataIndex: "claims_settled", align: "right" },
                yuanColumn<WeekTrend>(tr({ zh: "赔款（元）", en: "Paid (yuan)" }), "paid"),
              ]}
            />
          </Space>
        )}
      </Loading>
    </>
  );
}

export function Disclosure() {
  const tr = useTr();
  const [period, setPeriod] = useState("2023");
  const valid = /^\d{4}(-\d{2})?$/.test(period);
  const href = (format: string) =>
    `${base()}/reports/disclosure?period=${encodeURIComponent(period)}&format=${format}`;
  return (
    <>
      <PageTitle>{tr({ zh: "信息披露", en: "Disclosure" })}</PageTitle>
      <Card>
        <Typography.Paragraph>
          {tr({
            zh: `按指导意见第十四条公开：参保、保费、分责任赔付、满期赔付率、受益人数与匿名大额赔付（项目 ${programId()}）。`,
            en: `What clause 十四 asks programs to publish (program ${programId()}).`,
          })}
        </Typography.Paragraph>
        <Space align="start" wrap>
          <label htmlFor="period">
            {tr({ zh: "报告期（yyyy 或 yyyy-mm）", en: "Period (yyyy or yyyy-mm)" })}
          </label>
          <div>
            <Input
              id="period"
              value={period}
              onChange={(e) => setPeriod(e.target.value.trim())}
              style={{ width: 160 }}
              status={valid ? "" : "error"}
              aria-invalid={!valid}
              aria-describedby="period-help"
            />
            <div id="period-help" style={{ color: valid ? "rgba(0,0,0,0.68)" : "#c4161c", fontSize: 12 }}>
              {valid
                ? tr({ zh: "例如 2023 或 2023-10", en: "e.g. 2023 or 2023-10" })
                : tr({
                    zh: "格式不对：请填年份（2023）或年月（2023-10）。",
                    en: "Enter a year (2023) or a month (2023-10).",
                  })}
            </div>
          </div>
          <DownloadButtons
            path={href}
            name={tr({ zh: `信息披露-${period}`, en: `disclosure-${period}` })}
            formats={["pdf", "xlsx"]}
            disabled={!valid}
          />
        </Space>
      </Card>
    </>
  );
}
