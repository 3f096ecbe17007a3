/**
 * A replay's answer side by side: one column per design (its Chinese name), one row per figure; a bar chart
 * of persons per payout band per design, and each design's loss ratio against the 70 % floor of
 * 云医保〔2023〕152号 clause 十一.
 */
import { Card, Col, Row, Space, Table, Typography } from "antd";
import { useCallback, useMemo } from "react";
import { formatPercent } from "../../../../src/domain/money.js";
import { yuan } from "../../shared/format.js";
import type { ReplayView } from "../../shared/types.js";
import { EChart } from "../echart.js";
import { useTr } from "./common.js";
import { RULE_SET_OPTIONS } from "./compliance-findings.js";

/** Guidance clause 十一: a year's loss ratio should not fall below 70 %. */
const LOSS_RATIO_FLOOR_PERCENT = 70;
/** Ratios arrive as 4-decimal strings ("0.8123"): 10⁴ of them make one whole. */
const RATIO_SCALE = 10_000;
const TEN_THOUSAND_YUAN = 10_000;

/** "0.8123" → 8123 bps, exactly (no float); null stays null. */
function ratioBps(r: string | null): number | null {
  if (r === null) return null;
  const [whole = "0", frac = ""] = r.split(".");
  return Number(whole) * RATIO_SCALE + Number(frac.padEnd(4, "0").slice(0, 4));
}

const percent = (r: string | null, none: string) => {
  const bps = ratioBps(r);
  return bps === null ? none : formatPercent(bps);
};

/** A band as the API names it ("0", "(0,10000]", ">500000") → "0 元", "0–1 万元", "50 万元以上". */
export function bandLabel(band: string, lang: "zh" | "en"): string {
  const wan = (s: string) => `${Number(s) / TEN_THOUSAND_YUAN}`;
  const range = /^\((\d+),(\d+)\]$/.exec(band);
  if (range !== null)
    return lang === "zh"
      ? `${wan(range[1] as string)}–${wan(range[2] as string)} 万元`
      : `${range[1]}–${range[2]} yuan`;
  const above = /^>(\d+)$/.exec(band);
  if (above !== null) return lang === "zh" ? `${wan(above[1] as string)} 万元以上` : `over ${above[1]} yuan`;
  if (band === "0") return lang === "zh" ? "未获赔付" : "no payout";
  return band;
}

interface FigureRow {
  key: string;
  metric: string;
  values: string[];
}

export function ReplayResult({ view }: { view: ReplayView }) {
  const tr = useTr();
  const lang = tr({ zh: "zh", en: "en" }) as "zh" | "en";
  const none = tr({ zh: "—（无保费）", en: "— (no premium)" });
  const d = view.designs;
  const rows: FigureRow[] = useMemo(() => {
    const all = (
      metric: string,
      key: string,
      f: (x: ReplayView["designs"][number]) => string,
    ): FigureRow => ({
      key,
      metric,
      values: d.map(f),
    });
    const bands = d[0]?.payout_distribution.map((b) => b.band) ?? [];
    const ruleSets = [...new Set(d.flatMap((x) => Object.keys(x.compliance)))];
    const ruleName = (id: string) => RULE_SET_OPTIONS.find((o) => o.value === id)?.label ?? id;
    return [
      all(tr({ zh: "结算记录数", en: "Records" }), "claims", (x) => `${x.claims}`),
      all(tr({ zh: "赔付件数", en: "Paid claims" }), "paid_claims", (x) => `${x.paid_claims}`),
      all(tr({ zh: "惠民保赔付（元）", en: "Payout (yuan)" }), "hmb_pay", (x) => yuan(x.hmb_pay)),
      all(tr({ zh: "受益人数", en: "Beneficiaries" }), "beneficiaries", (x) => `${x.beneficiaries}`),
      all(tr({ zh: "保费（元）", en: "Premium (yuan)" }), "premium", (x) => yuan(x.premium)),
      all(tr({ zh: "赔付率", en: "Loss ratio" }), "loss_ratio", (x) => percent(x.loss_ratio, none)),
      all(tr({ zh: "减负率", en: "Burden reduction" }), "burden_reduction", (x) =>
        percent(x.burden_reduction, "—"),
      ),
      ...bands.map((band) =>
        all(
          tr({
            zh: `赔付档 ${bandLabel(band, lang)}：人数 / 金额（元）`,
            en: `Band ${bandLabel(band, lang)}`,
          }),
          `band-${band}`,
          (x) => {
            const b = x.payout_distribution.find((y) => y.band === band);
            return b === undefined ? "—" : `${b.persons} / ${yuan(b.hmb_pay)}`;
          },
        ),
      ),
      ...ruleSets.map((id) =>
        all(
          tr({ zh: `合规 ${ruleName(id)}：通过 / 不符合`, en: `Compliance ${ruleName(id)}: pass / fail` }),
          `rules-${id}`,
          (x) => {
            const c = x.compliance[id];
            return c === undefined ? "—" : `${c.pass} / ${c.fail}`;
          },
        ),
      ),
    ];
  }, [d, tr, lang, none]);

  // Design names are long: the charts call them 设计 1, 2, 3 and the key below the charts names them.
  const short = useCallback((i: number) => tr({ zh: `设计 ${i + 1}`, en: `Design ${i + 1}` }), [tr]);
  const distribution = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 50, right: 20, top: 50, bottom: 70 },
      xAxis: {
        type: "category",
        data: (d[0]?.payout_distribution ?? []).map((b) => bandLabel(b.band, lang)),
        axisLabel: { interval: 0, rotate: 30 },
      },
      yAxis: { type: "value", name: tr({ zh: "人数", en: "persons" }) },
      series: d.map((x, i) => ({
        type: "bar",
        name: short(i),
        data: x.payout_distribution.map((b) => b.persons),
      })),
    }),
    [d, tr, lang, short],
  );
  const lossRatio = useMemo(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 70, right: 20, top: 30, bottom: 40 },
      xAxis: { type: "category", data: d.map((_, i) => short(i)) },
      yAxis: {
        type: "value",
        axisLabel: { formatter: "{value}%" },
        max: (v: { max: number }) => Math.max(100, Math.ceil(v.max / 10) * 10),
      },
      series: [
        {
          type: "bar",
          barMaxWidth: 60,
          data: d.map((x) => (ratioBps(x.loss_ratio) ?? 0) / 100),
          label: { show: true, position: "top", formatter: "{c}%" },
          markLine: {
            symbol: "none",
            lineStyle: { color: "#c4161c", type: "dashed", width: 2 },
            label: {
              position: "insideStartTop",
              formatter: tr({
                zh: `红线 ${LOSS_RATIO_FLOOR_PERCENT}%（第十一条）`,
                en: `Floor ${LOSS_RATIO_FLOOR_PERCENT}% (clause 十一)`,
              }),
            },
            data: [{ yAxis: LOSS_RATIO_FLOOR_PERCENT }],
          },
        },
      ],
    }),
    [d, tr, short],
  );

  return (
    <Space orientation="vertical" size={16} style={{ width: "100%", marginTop: 16 }}>
      <Typography.Paragraph>
        {tr({
          zh: `参保人数 ${view.insured} 人；保费按参保人在各方案下应缴的保费合计。`,
          en: `${view.insured} insured persons; premium is what they would pay under each plan.`,
        })}
      </Typography.Paragraph>
      <Table<FigureRow>
        aria-label={tr({ zh: "方案回放对比表", en: "Replay comparison" })}
        rowKey="key"
        size="small"
        pagination={false}
        dataSource={rows}
        scroll={{ x: true }}
        columns={[
          { title: tr({ zh: "指标", en: "Figure" }), dataIndex: "metric" },
          ...d.map((x, i) => ({
            title: x.design,
            key: `design-${i}`,
            align: "right" as const,
            render: (_: unknown, r: FigureRow) => r.values[i],
          })),
        ]}
      />
      <Row gutter={[12, 12]}>
        <Col xs={24} lg={12}>
          <Card
            size="small"
            title={
              <h4 style={{ margin: 0, fontSize: 15 }}>
                {tr({ zh: "各设计的赔付分布（人数）", en: "Payout distribution per design" })}
              </h4>
            }
          >
            <EChart
              option={distribution}
              label={tr({
                zh: `柱状图：各设计每个赔付档的人数，设计 ${d.map((x) => x.design).join("、")}`,
                en: `Bar chart: persons per payout band for ${d.map((x) => x.design).join(", ")}`,
              })}
            />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card
            size="small"
            title={
              <h4 style={{ margin: 0, fontSize: 15 }}>
                {tr({
                  zh: `赔付率与 ${LOSS_RATIO_FLOOR_PERCENT}% 红线`,
                  en: `Loss ratio and the ${LOSS_RATIO_FLOOR_PERCENT}% floor`,
                })}
              </h4>
            }
          >
            <EChart
              option={lossRatio}
              label={tr({
                zh: `柱状图：${d.map((x) => `${x.design} 赔付率 ${percent(x.loss_ratio, "无保费")}`).join("，")}；红线 ${LOSS_RATIO_FLOOR_PERCENT}%`,
                en: `Bar chart: loss ratios ${d.map((x) => `${x.design} ${percent(x.loss_ratio, "n/a")}`).join(", ")}; floor ${LOSS_RATIO_FLOOR_PERCENT}%`,
              })}
            />
          </Card>
        </Col>
      </Row>
      <Typography.Paragraph type="secondary">
        {d.map((x, i) => `${short(i)}：${x.design}`).join("；")}
      </Typography.Paragraph>
    </Space>
  );
}
