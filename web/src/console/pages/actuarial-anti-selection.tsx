/**
 * 逆选择监测 (issue 13 items 6 and 7): GET /programs/{id}/anti-selection — the program and the programs it
 * follows, year by year: the alerts first (healthy leaving, claims share far above premium share, the death
 * spiral), then persistence by health status and by age band across years, claims share against premium share
 * of the 60+ and of the 带病体, and a table of every figure. Figures are the server's; nothing is computed here
 * but percentages for display. Aggregates only: no person is shown.
 */
import { Alert, Card, Col, Row, Space, Table, Typography } from "antd";
import { useMemo } from "react";
import { yuan } from "../../shared/format.js";
import type { AntiSelectionView } from "../../shared/types.js";
import { EChart } from "../echart.js";
import { Loading, useLoad, useTr } from "./common.js";

type Year = AntiSelectionView["years"][number];
type RateView = { base: number; count: number; rate: string | null };

/** "0.3750" → 37.5 (percent, one decimal), exactly; null → null. */
function percentOf(r: string | null): number | null {
  if (r === null) return null;
  const [whole = "0", frac = ""] = r.split(".");
  const bps = Number(whole) * 10_000 + Number(frac.padEnd(4, "0").slice(0, 4));
  return Math.round(bps / 10) / 10;
}

const pct = (r: string | null) => {
  const p = percentOf(r);
  return p === null ? "—" : `${p}%`;
};

const rateText = (r: RateView | undefined | null) =>
  r == null ? "—" : `${pct(r.rate)}（${r.count}/${r.base}）`;

/**
 * A year's short name on the charts' axis and in the table: its coverage year ("2024 年度"), or its place in
 * the chain when two years share a coverage year (a product kept unchanged from one year to the next).
 */
function yearLabeller(years: readonly Year[]): (y: Year) => string {
  const byYear = years.map((y) => y.coverage_start.slice(0, 4));
  const unique = new Set(byYear).size === byYear.length;
  return (y) => {
    const i = years.indexOf(y);
    return unique ? `${byYear[i]} 年度` : `第 ${i + 1} 个年度`;
  };
}

export function AntiSelection() {
  const tr = useTr();
  const r = useLoad<AntiSelectionView>("/anti-selection");
  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "逆选择监测", en: "Anti-selection monitor" })}</h3>
      }
    >
      <Loading state={r}>{(v) => <AntiSelectionBody v={v} />}</Loading>
    </Card>
  );
}

function AntiSelectionBody({ v }: { v: AntiSelectionView }) {
  const tr = useTr();
  const years = v.years;
  const yearLabel = useMemo(() => yearLabeller(years), [years]);
  const t = v.thresholds;
  const later = years.filter((y) => y.persistence !== null);

  const persistence = useMemo(() => {
    const line = (name: string, f: (y: Year) => RateView | undefined | null) => ({
      type: "line",
      name,
      connectNulls: false,
      data: years.map((y) => percentOf(f(y)?.rate ?? null)),
      label: { show: true, formatter: "{c}%" },
    });
    return {
      tooltip: { trigger: "axis", valueFormatter: (x: unknown) => (x == null ? "—" : `${x}%`) },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 20, top: 60, bottom: 40 },
      xAxis: { type: "category", data: years.map(yearLabel) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        line(tr({ zh: "健康人群续保率", en: "Healthy" }), (y) => y.persistence?.healthy),
        line(tr({ zh: "带病人群续保率", en: "Pre-existing" }), (y) => y.persistence?.pre_existing),
        line(tr({ zh: "全体续保率", en: "All" }), (y) => y.persistence?.overall),
        line(tr({ zh: "健康人群三年连续参保率", en: "Healthy, 3 years" }), (y) => y.persistence_3y?.healthy),
        line(
          tr({ zh: "带病人群三年连续参保率", en: "Pre-existing, 3 years" }),
          (y) => y.persistence_3y?.pre_existing,
        ),
      ],
    };
  }, [years, tr, yearLabel]);

  const bands = years.find((y) => y.persistence !== null)?.persistence?.by_age_band ?? [];
  const byBand = useMemo(
    () => ({
      tooltip: { trigger: "axis", valueFormatter: (x: unknown) => (x == null ? "—" : `${x}%`) },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 20, top: 50, bottom: 40 },
      xAxis: { type: "category", data: bands.map((b) => b.label) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: later.map((y) => ({
        type: "bar",
        name: yearLabel(y),
        data: (y.persistence?.by_age_band ?? []).map((b) => percentOf(b.rate)),
      })),
    }),
    [bands, later, yearLabel],
  );

  const shares = useMemo(() => {
    const bar = (name: string, f: (y: Year) => string | null) => ({
      type: "bar",
      name,
      data: years.map((y) => percentOf(f(y))),
      label: { show: true, position: "top", formatter: "{c}%" },
    });
    return {
      tooltip: { trigger: "axis", valueFormatter: (x: unknown) => (x == null ? "—" : `${x}%`) },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 20, top: 60, bottom: 40 },
      xAxis: { type: "category", data: years.map(yearLabel) },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        bar(tr({ zh: "60岁以上 保费占比", en: "60+ premium share" }), (y) => y.senior.premium_share),
        bar(tr({ zh: "60岁以上 赔付占比", en: "60+ claims share" }), (y) => y.senior.claims_share),
        bar(
          tr({ zh: "带病人群 保费占比", en: "Pre-existing premium share" }),
          (y) => y.pre_existing.premium_share,
        ),
        bar(
          tr({ zh: "带病人群 赔付占比", en: "Pre-existing claims share" }),
          (y) => y.pre_existing.claims_share,
        ),
      ],
    };
  }, [years, tr, yearLabel]);

  const rows = useMemo(() => {
    const row = (key: string, metric: string, f: (y: Year) => string) => ({
      key,
      metric,
      values: years.map(f),
    });
    return [
      row("eligible", tr({ zh: "名单人数", en: "On roster" }), (y) => `${y.eligible}`),
      row("enrolled", tr({ zh: "参保人数", en: "Insured" }), (y) => `${y.enrolled}`),
      row("enrollment_rate", tr({ zh: "参保率", en: "Enrollment rate" }), (y) => pct(y.enrollment_rate)),
      row("premium", tr({ zh: "保费（元）", en: "Premium (yuan)" }), (y) => yuan(y.premium)),
      row("claims", tr({ zh: "已付赔款（元）", en: "Claims paid (yuan)" }), (y) => yuan(y.claims)),
      row("loss_ratio", tr({ zh: "赔付率", en: "Loss ratio" }), (y) => pct(y.loss_ratio)),
      row("p_all", tr({ zh: "续保率（全体）", en: "Persistence (all)" }), (y) =>
        y.persistence === null
          ? tr({ zh: "—（首年）", en: "— (first year)" })
          : rateText(y.persistence.overall),
      ),
      row("p_healthy", tr({ zh: "续保率（健康人群）", en: "Persistence (healthy)" }), (y) =>
        rateText(y.persistence?.healthy),
      ),
      row("p_sick", tr({ zh: "续保率（带病人群）", en: "Persistence (pre-existing)" }), (y) =>
        rateText(y.persistence?.pre_existing),
      ),
      row("left", tr({ zh: "离开名单（无法续保）人数", en: "Left the roster" }), (y) =>
        y.persistence === null ? "—" : `${y.persistence.left_roster}`,
      ),
      row("p3_healthy", tr({ zh: "三年连续参保率（健康人群）", en: "3-year (healthy)" }), (y) =>
        rateText(y.persistence_3y?.healthy),
      ),
      row("p3_sick", tr({ zh: "三年连续参保率（带病人群）", en: "3-year (pre-existing)" }), (y) =>
        rateText(y.persistence_3y?.pre_existing),
      ),
      row(
        "senior_factor",
        tr({ zh: "60岁以上：赔付占比 ÷ 保费占比", en: "60+: claims ÷ premium share" }),
        (y) => y.senior.claims_to_premium ?? "—",
      ),
      row(
        "sick_factor",
        tr({ zh: "带病人群：赔付占比 ÷ 保费占比", en: "Pre-existing: claims ÷ premium share" }),
        (y) => y.pre_existing.claims_to_premium ?? "—",
      ),
      row("rule", tr({ zh: "产品定义既往症规则", en: "Pre-existing rule defined" }), (y) =>
        y.health_rule_defined ? tr({ zh: "是", en: "yes" }) : tr({ zh: "否（无法区分带病人群）", en: "no" }),
      ),
    ];
  }, [years, tr]);

  const thresholdsText = tr({
    zh: `预警阈值：健康人群续保率低于带病人群 ${pct(t.healthy_persistence_gap)} 以上；赔付占比超过保费占比的 ${t.claims_share_factor} 倍；健康人群三年连续参保率低于 ${pct(t.death_spiral_healthy_3y)} 且带病人群高于 ${pct(t.death_spiral_pre_existing_3y)}（死亡螺旋）；人数少于 ${t.min_group_persons} 人的人群不预警。`,
    en: `Thresholds: healthy persistence more than ${pct(t.healthy_persistence_gap)} below pre-existing; claims share above ${t.claims_share_factor}× premium share; healthy 3-year below ${pct(t.death_spiral_healthy_3y)} with pre-existing above ${pct(t.death_spiral_pre_existing_3y)}; groups under ${t.min_group_persons} raise none.`,
  });

  return (
    <Space orientation="vertical" size={16} style={{ width: "100%" }}>
      <section aria-label={tr({ zh: "逆选择预警", en: "Anti-selection alerts" })}>
        {v.alerts.length === 0 ? (
          <Alert
            type="success"
            showIcon
            title={tr({ zh: "未发现逆选择预警。", en: "No anti-selection alert." })}
          />
        ) : (
          <Space orientation="vertical" size={8} style={{ width: "100%" }}>
            {v.alerts.map((a, i) => (
              <Alert
                // biome-ignore lint/suspicious/noArrayIndexKey: alerts have no id; the list is replaced whole
                key={i}
                type={a.kind === "death_spiral" ? "error" : "warning"}
                showIcon
                title={a.message}
              />
            ))}
          </Space>
        )}
      </section>
      <Typography.Paragraph type="secondary">{thresholdsText}</Typography.Paragraph>
      {years.length === 1 ? (
        <Typography.Paragraph>
          {tr({
            zh: "本项目未接续往年项目，只有一个年度：没有续保率和趋势。",
            en: "This program follows no earlier one: a single year, no persistence or trend.",
          })}
        </Typography.Paragraph>
      ) : null}
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={12}>
          <Card
            size="small"
            title={
              <h4 style={{ margin: 0, fontSize: 15 }}>
                {tr({ zh: "按健康状况的续保率（逐年）", en: "Persistence by health status" })}
              </h4>
            }
          >
            <EChart
              option={persistence}
              label={tr({
                zh: `折线图：各年度健康人群与带病人群的续保率，${later
                  .map(
                    (y) =>
                      `${yearLabel(y)} 健康人群 ${pct(y.persistence?.healthy.rate ?? null)}、带病人群 ${pct(y.persistence?.pre_existing.rate ?? null)}`,
                  )
                  .join("；")}`,
                en: "Line chart: persistence of the healthy and the pre-existing per year",
              })}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card
            size="small"
            title={
              <h4 style={{ margin: 0, fontSize: 15 }}>
                {tr({ zh: "按年龄段的续保率", en: "Persistence by age band" })}
              </h4>
            }
          >
            <EChart
              option={byBand}
              label={tr({
                zh: `柱状图：各年龄段的续保率，${later.map(yearLabel).join("、") || "暂无续保年度"}`,
                en: "Bar chart: persistence by age band per year",
              })}
            />
          </Card>
        </Col>
        <Col xs={24}>
          <Card
            size="small"
            title={
              <h4 style={{ margin: 0, fontSize: 15 }}>
                {tr({
                  zh: "60岁以上与带病人群：赔付占比与保费占比",
                  en: "60+ and pre-existing: claims share vs premium share",
                })}
              </h4>
            }
          >
            <EChart
              option={shares}
              label={tr({
                zh: `柱状图：赔付占比与保费占比，${years
                  .map(
                    (y) =>
                      `${yearLabel(y)} 60岁以上 赔付 ${pct(y.senior.claims_share)} / 保费 ${pct(y.senior.premium_share)}，带病人群 赔付 ${pct(y.pre_existing.claims_share)} / 保费 ${pct(y.pre_existing.premium_share)}`,
                  )
                  .join("；")}`,
                en: "Bar chart: claims share vs premium share of the 60+ and the pre-existing",
              })}
            />
          </Card>
        </Col>
      </Row>
      <Table<{ key: string; metric: string; values: string[] }>
        aria-label={tr({ zh: "逆选择监测逐年指标", en: "Anti-selection figures per year" })}
        rowKey="key"
        size="small"
        pagination={false}
        scroll={{ x: true }}
        dataSource={rows}
        columns={[
          { title: tr({ zh: "指标", en: "Figure" }), dataIndex: "metric" },
          ...years.map((y, i) => ({
            title: `${yearLabel(y)}：${y.name}`,
            key: `year-${i}`,
            align: "right" as const,
            render: (_: unknown, r: { values: string[] }) => r.values[i],
          })),
        ]}
      />
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "带病人群：本年度产品的既往症条件成立（参保人在平台上历年的结算记录符合该条件，或保单锁定为既往症）；续保按上一年度保障期末的健康状况分组。续保率的分母为上一年度参保且仍在本年度名单内的人。",
          en: "Pre-existing: the product's pre-existing condition holds on the person's settlement history on the platform (or a locked status); persistence groups by status at the end of last year's coverage, over last year's insured still on this year's roster.",
        })}
      </Typography.Paragraph>
    </Space>
  );
}
