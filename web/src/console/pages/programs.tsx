/** 项目与产品: the program's product (benefit table) and its compliance findings. */
import { Card, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { formatPercent } from "../../../../src/domain/money.js";
import { day, endDay, yuan } from "../../shared/format.js";
import type { ComplianceView, LiabilityView, ProductSheet } from "../../shared/types.js";
import { Loading, PageTitle, useLoad, useTr } from "./common.js";
import { ComplianceFindings, RULE_SET_OPTIONS } from "./compliance-findings.js";

export function Programs() {
  const tr = useTr();
  const product = useLoad<ProductSheet>("/product");
  const [rules, setRules] = useState("yunnan-2023");
  const compliance = useLoad<ComplianceView>(`/compliance?rules=${rules}`);
  return (
    <>
      <PageTitle>{tr({ zh: "项目与产品", en: "Programs and products" })}</PageTitle>
      <Space orientation="vertical" size={16} style={{ width: "100%" }}>
        <Loading state={product}>
          {(p) => (
            <Card
              title={
                <h3
                  style={{ margin: 0, fontSize: 16 }}
                >{`${p.name}（${p.product_id} v${p.product_version}）`}</h3>
              }
            >
              <Typography.Paragraph>
                {tr({
                  zh: `项目 ${p.program_id}；投保期 ${day(p.enrollment_start)} 至 ${endDay(p.enrollment_end)}；保险期间 ${day(p.coverage_start)} 至 ${endDay(p.coverage_end)}；等待期 ${p.waiting_period_days} 天；共保：${p.insurers.map((i) => `${i.name}${i.lead ? "（首席）" : ""} ${formatPercent(i.share_bps)}`).join("、")}`,
                  en: `Program ${p.program_id}; enrollment ${day(p.enrollment_start)}–${endDay(p.enrollment_end)}; cover ${day(p.coverage_start)}–${endDay(p.coverage_end)}; waiting period ${p.waiting_period_days} days`,
                })}
              </Typography.Paragraph>
              {p.plans.map((plan) => (
                <Table<LiabilityView>
                  key={plan.id}
                  aria-label={`${tr({ zh: "保障责任表", en: "Benefit table" })} ${plan.name}`}
                  title={() => (
                    <strong>{`${plan.name} · ${tr({ zh: "保费", en: "premium" })} ${yuan(plan.premium)} ${tr({ zh: "元", en: "yuan" })} · ${tr({ zh: "年度总限额", en: "annual total" })} ${yuan(plan.annual_total)}`}</strong>
                  )}
                  rowKey="id"
                  size="small"
                  pagination={false}
                  dataSource={plan.liabilities}
                  columns={[
                    { title: tr({ zh: "保障责任", en: "Liability" }), dataIndex: "name" },
                    {
                      title: tr({ zh: "免赔额（元）", en: "Deductible (yuan)" }),
                      key: "d",
                      render: (_: unknown, l) => (l.deductible === null ? "—" : yuan(l.deductible.amount)),
                    },
                    {
                      title: tr({ zh: "赔付比例", en: "Ratio" }),
                      key: "r",
                      render: (_: unknown, l) =>
                        l.ratios
                          .map((r) => `${r.label === null ? "" : `${r.label} `}${r.ratio_percent}%`)
                          .join("；"),
                    },
                    {
                      title: tr({ zh: "限额（元）", en: "Cap (yuan)" }),
                      dataIndex: "cap",
                      render: (c: string | null) =>
                        c === null ? tr({ zh: "共用年度限额", en: "shared" }) : yuan(c),
                    },
                    {
                      title: tr({ zh: "既往症", en: "Pre-existing" }),
                      dataIndex: "pre_existing_excluded",
                      render: (x: boolean) =>
                        x ? tr({ zh: "不赔", en: "excluded" }) : tr({ zh: "可赔", en: "covered" }),
                    },
                  ]}
                />
              ))}
            </Card>
          )}
        </Loading>
        <Card
          title={
            <h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "合规检查", en: "Compliance check" })}</h3>
          }
          extra={
            <Space>
              <label htmlFor="ruleset">{tr({ zh: "规则集", en: "Rule set" })}</label>
              <Select
                id="ruleset"
                value={rules}
                onChange={setRules}
                style={{ width: 220 }}
                options={RULE_SET_OPTIONS}
              />
            </Space>
          }
        >
          <Loading state={compliance}>{(c) => <ComplianceFindings view={c} />}</Loading>
        </Card>
      </Space>
    </>
  );
}
