/**
 * 因病致贫监测 (issue 15 item 4): who still bears catastrophic medical costs after 基本医保, 大病保险, 医疗救助,
 * 惠民保 and every aid program, why (in words), and which aid programs could still help. The bureau (and 民政
 * through it) and the operator see the masked list; the regulator sees counts by county and cohort only.
 * The bureau sets the local lines and uploads household incomes here.
 */
import {
  Alert,
  Button,
  Card,
  Col,
  Form,
  InputNumber,
  Row,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import type {
  WatchList,
  WatchPerson,
  WatchSettingsView,
  WatchSummary,
} from "../../../../src/contract/aid-watch.js";
import { COHORTS } from "../../../../src/domain/cohort.js";
import { raw } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import { base, errorOf, Figure, Loading, PageTitle, role, useLoad, useTr } from "./common.js";

type CountRow = WatchSummary["totals"];

function CountTable({ title, rows }: { title: string; rows: CountRow[] }) {
  const tr = useTr();
  return (
    <Card
      size="small"
      title={<h3 style={{ margin: 0, fontSize: 15 }}>{title}</h3>}
      style={{ marginBottom: 12 }}
    >
      <Table<CountRow>
        rowKey={(r) => r.key ?? r.name}
        size="small"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: tr({ zh: "名称", en: "Name" }), dataIndex: "name" },
          { title: tr({ zh: "监测人数", en: "Watched" }), dataIndex: "watched", align: "right" },
          {
            title: tr({ zh: "达到世卫 40% 标准", en: "WHO 40 %" }),
            dataIndex: "flagged_who",
            align: "right",
          },
          { title: tr({ zh: "超过地方线", en: "Local line" }), dataIndex: "flagged_local", align: "right" },
        ]}
      />
    </Card>
  );
}

function Summary() {
  const tr = useTr();
  const summary = useLoad<WatchSummary>("/aid-watch/summary");
  return (
    <Loading state={summary}>
      {(s) => (
        <>
          {s.configured ? null : (
            <Alert
              type="warning"
              showIcon
              style={{ marginBottom: 12 }}
              title={tr({
                zh: "尚未设置监测参数：请医保局在下方填写低保标准、人均可支配收入和地方线倍数。",
                en: "Not configured yet: the bureau sets the lines below.",
              })}
            />
          )}
          <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "监测人数", en: "Watched" })}
                value={`${s.totals.watched}`}
                testId="watched"
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({
                  zh: `自付 ≥ 支付能力 ${s.who_threshold}`,
                  en: `OOP ≥ ${s.who_threshold} of capacity`,
                })}
                value={`${s.totals.flagged_who}`}
                testId="flagged-who"
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({
                  zh: `自付超过地方线 ${yuan(s.local_line)} 元`,
                  en: `OOP above ${yuan(s.local_line)}`,
                })}
                value={`${s.totals.flagged_local}`}
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure title={tr({ zh: "需关注人数", en: "Flagged" })} value={`${s.totals.flagged_any}`} />
            </Col>
          </Row>
          <Row gutter={12}>
            <Col xs={24} lg={12}>
              <CountTable title={tr({ zh: "按区县", en: "By county" })} rows={s.by_county} />
            </Col>
            <Col xs={24} lg={12}>
              <CountTable title={tr({ zh: "按人群", en: "By cohort" })} rows={s.by_cohort} />
            </Col>
          </Row>
        </>
      )}
    </Loading>
  );
}

const COHORT_OPTIONS = Object.entries(COHORTS).map(([value, label]) => ({ value, label }));

function PersonList({ tick }: { tick: number }) {
  const tr = useTr();
  const [flag, setFlag] = useState("any");
  const [cohort, setCohort] = useState("");
  const query = `?flag=${flag}${cohort === "" ? "" : `&cohort=${cohort}`}`;
  const list = useLoad<WatchList>(`/aid-watch/persons${query}`, [tick]);
  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "监测名单（脱敏）", en: "List (masked)" })}</h3>
      }
    >
      <Space style={{ marginBottom: 12 }} wrap align="end">
        <Space orientation="vertical" size={2}>
          <label htmlFor="watch-flag">{tr({ zh: "提示类型", en: "Flag" })}</label>
          <Select
            id="watch-flag"
            style={{ width: 200 }}
            value={flag}
            onChange={setFlag}
            options={[
              { value: "any", label: tr({ zh: "全部需关注", en: "Any" }) },
              { value: "who", label: tr({ zh: "达到世卫 40% 标准", en: "WHO 40 %" }) },
              { value: "local", label: tr({ zh: "超过地方线", en: "Local line" }) },
            ]}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="watch-cohort">{tr({ zh: "人群", en: "Cohort" })}</label>
          <Select
            id="watch-cohort"
            style={{ width: 220 }}
            value={cohort}
            onChange={setCohort}
            options={[{ value: "", label: tr({ zh: "全部人群", en: "All cohorts" }) }, ...COHORT_OPTIONS]}
          />
        </Space>
      </Space>
      <Loading
        state={list}
        isEmpty={(d) => d.persons.length === 0}
        empty={tr({ zh: "没有需关注的人员。", en: "Nobody flagged." })}
      >
        {(d) => (
          <Table<WatchPerson>
            rowKey="subject"
            size="small"
            dataSource={d.persons}
            pagination={{ pageSize: 50 }}
            columns={[
              {
                title: tr({ zh: "人员", en: "Person" }),
                width: 110,
                render: (_: unknown, p) => (
                  <span>
                    {p.name}
                    <br />
                    <Typography.Text type="secondary">{p.psn_no}</Typography.Text>
                  </span>
                ),
              },
              {
                title: tr({ zh: "区县 / 人群", en: "County / cohort" }),
                render: (_: unknown, p) => `${p.county_name ?? "—"} / ${p.cohort_name ?? "—"}`,
              },
              {
                title: tr({ zh: "自付（元）", en: "OOP" }),
                align: "right",
                render: (_: unknown, p) => yuan(p.household_oop),
              },
              {
                title: tr({ zh: "支付能力（元）", en: "Capacity" }),
                align: "right",
                render: (_: unknown, p) => (
                  <span>
                    {yuan(p.capacity_to_pay)}
                    <br />
                    <Typography.Text type="secondary">
                      {p.income_source === "bureau"
                        ? tr({
                            zh: `医保局报送，${p.household_size} 口之家`,
                            en: `Bureau, ${p.household_size} persons`,
                          })
                        : tr({ zh: "人群参考收入", en: "Reference income" })}
                    </Typography.Text>
                  </span>
                ),
              },
              {
                title: tr({ zh: "占比", en: "Share" }),
                dataIndex: "share",
                render: (s: string | null) => s ?? "—",
              },
              {
                title: tr({ zh: "提示原因", en: "Why" }),
                render: (_: unknown, p) => (
                  <ul style={{ margin: 0, paddingLeft: 16 }}>
                    {p.flags.map((f) => (
                      <li key={f.code}>{f.text}</li>
                    ))}
                  </ul>
                ),
              },
              {
                title: tr({ zh: "仍可使用的救助", en: "What could help" }),
                render: (_: unknown, p) =>
                  p.could_help.length === 0 ? (
                    tr({ zh: "暂无符合条件且有余额的项目", en: "None available" })
                  ) : (
                    <Space orientation="vertical" size={2}>
                      {p.could_help.map((h) => (
                        <span key={h.aid_program}>
                          {h.name} <Tag>{h.mode}</Tag>
                          {h.prefilled && (
                            <Tag color="orange">
                              {tr({ zh: "已预填申请，待本人确认", en: "Pre-filled, awaiting consent" })}
                            </Tag>
                          )}
                          <Typography.Text type="secondary">
                            {tr({ zh: `余额 ${yuan(h.budget_left)} 元`, en: `${yuan(h.budget_left)} left` })}
                          </Typography.Text>
                        </span>
                      ))}
                    </Space>
                  ),
              },
            ]}
          />
        )}
      </Loading>
    </Card>
  );
}

interface SettingsForm {
  subsistence_per_person: number;
  disposable_income_per_capita: number;
  local_multiple: number;
  default_reference_income?: number;
  dibao?: number;
  dibao_edge?: number;
  tekun?: number;
}

function Settings({ onSaved }: { onSaved: () => void }) {
  const tr = useTr();
  const current = useLoad<WatchSettingsView>("/aid-watch/settings");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const [form] = Form.useForm<SettingsForm>();
  const c = current.data;
  const num = (v: string | null | undefined) => (v === null || v === undefined ? undefined : Number(v));
  const save = async (v: SettingsForm) => {
    const reference: Record<string, number> = {};
    for (const k of ["dibao", "dibao_edge", "tekun"] as const)
      if (v[k] !== undefined && v[k] !== null) reference[k] = v[k];
    try {
      await raw("PUT", `${base()}/aid-watch/settings`, {
        subsistence_per_person: v.subsistence_per_person,
        disposable_income_per_capita: v.disposable_income_per_capita,
        local_multiple: v.local_multiple,
        reference_income: reference,
        ...(v.default_reference_income === undefined || v.default_reference_income === null
          ? {}
          : { default_reference_income: v.default_reference_income }),
      });
      setMessage({ ok: true, text: tr({ zh: "已保存监测参数。", en: "Saved." }) });
      onSaved();
    } catch (e) {
      setMessage({ ok: false, text: errorOf(e) });
    }
  };
  const upload = async (file: File) => {
    try {
      const text = await file.text();
      const r = await raw(
        "POST",
        `${base()}/aid-watch/household-incomes`,
        new Blob([text], { type: "text/csv" }),
      );
      const body = (await r.json()) as { persons: number; households: number };
      setMessage({
        ok: true,
        text: tr({
          zh: `已导入 ${body.persons} 人、${body.households} 户的家庭收入。`,
          en: `Imported ${body.persons} persons in ${body.households} households.`,
        }),
      });
      onSaved();
    } catch (e) {
      setMessage({ ok: false, text: errorOf(e) });
    }
  };
  if (current.loading && c === undefined) return null;
  const money = { min: 0, precision: 2, style: { width: 180 } };
  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>
          {tr({ zh: "监测参数与家庭收入", en: "Settings and incomes" })}
        </h3>
      }
      style={{ marginBottom: 12 }}
    >
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "支付能力 = 家庭年收入 − 低保标准 × 家庭人口；自付达到支付能力的 40% 即为灾难性卫生支出（世卫组织）。未报送家庭收入的人按其人群的参考人均收入计。",
          en: "Capacity to pay = household income − subsistence × household size; OOP ≥ 40 % of it is catastrophic (WHO).",
        })}
      </Typography.Paragraph>
      <Form<SettingsForm>
        form={form}
        layout="inline"
        onFinish={save}
        initialValues={{
          subsistence_per_person: num(c?.subsistence_per_person),
          disposable_income_per_capita: num(c?.disposable_income_per_capita),
          local_multiple: c?.local_multiple ?? 2,
          default_reference_income: num(c?.default_reference_income),
          dibao: num(c?.reference_income.dibao),
          dibao_edge: num(c?.reference_income.dibao_edge),
          tekun: num(c?.reference_income.tekun),
        }}
      >
        <Form.Item
          name="subsistence_per_person"
          label={tr({ zh: "低保标准（元/人·年）", en: "Subsistence" })}
          rules={[{ required: true }]}
        >
          <InputNumber {...money} />
        </Form.Item>
        <Form.Item
          name="disposable_income_per_capita"
          label={tr({ zh: "人均可支配收入（元/年）", en: "Disposable income" })}
          rules={[{ required: true }]}
        >
          <InputNumber {...money} />
        </Form.Item>
        <Form.Item
          name="local_multiple"
          label={tr({ zh: "地方线倍数", en: "Local multiple" })}
          rules={[{ required: true }]}
        >
          <InputNumber min={0.01} max={20} precision={2} />
        </Form.Item>
        <Form.Item name="dibao" label={tr({ zh: "低保对象参考收入", en: "低保 reference" })}>
          <InputNumber {...money} />
        </Form.Item>
        <Form.Item name="dibao_edge" label={tr({ zh: "低保边缘参考收入", en: "低保边缘 reference" })}>
          <InputNumber {...money} />
        </Form.Item>
        <Form.Item name="tekun" label={tr({ zh: "特困人员参考收入", en: "特困 reference" })}>
          <InputNumber {...money} />
        </Form.Item>
        <Form.Item
          name="default_reference_income"
          label={tr({ zh: "其他人参考收入", en: "Others' reference" })}
        >
          <InputNumber {...money} />
        </Form.Item>
        <Form.Item>
          <Button type="primary" htmlType="submit">
            {tr({ zh: "保存参数", en: "Save" })}
          </Button>
        </Form.Item>
      </Form>
      <Space style={{ marginTop: 12 }} wrap>
        <label htmlFor="household-file">
          {tr({
            zh: "上传家庭收入 CSV（四列依次为人员编号、家庭编号、家庭年收入（元）、家庭人口，首行为表头）：",
            en: "Upload household incomes (CSV):",
          })}
        </label>
        <input
          id="household-file"
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f !== undefined) void upload(f);
          }}
        />
      </Space>
      {message === undefined ? null : (
        <Alert
          style={{ marginTop: 12 }}
          type={message.ok ? "success" : "error"}
          role="alert"
          showIcon
          title={message.text}
        />
      )}
    </Card>
  );
}

export function Catastrophic() {
  const tr = useTr();
  const [tick, setTick] = useState(0);
  const regulator = role() === "regulator";
  // 民政 reads the list; the settings and household incomes are the bureau's and the operator's.
  const writer = role() !== "civil_affairs";
  return (
    <>
      <PageTitle>{tr({ zh: "因病致贫监测", en: "Catastrophic-cost watch" })}</PageTitle>
      <Typography.Paragraph>
        {tr({
          zh: "经基本医保、大病保险、医疗救助、惠民保和各救助项目之后，本年度个人仍需自付的医疗费用与家庭支付能力对照，找出仍处于灾难性卫生支出的人员及仍可申请的救助。",
          en: "Out-of-pocket costs after every layer against households' capacity to pay.",
        })}
      </Typography.Paragraph>
      <Summary key={`s-${tick}`} />
      {regulator ? (
        <Alert
          type="info"
          showIcon
          title={tr({ zh: "监管方只查看汇总数，不含任何个人。", en: "The regulator sees aggregates only." })}
        />
      ) : (
        <>
          {writer ? <Settings onSaved={() => setTick((n) => n + 1)} /> : null}
          <PersonList tick={tick} />
        </>
      )}
    </>
  );
}
