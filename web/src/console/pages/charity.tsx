/** Charity pages: the pools with what went in and out, the persons they sponsored (masked), their claims. */
import { Card, Col, Row, Table } from "antd";
import { beijing, yuan } from "../../shared/format.js";
import type { PoolList, SponsoredClaim, SponsoredClaimPage } from "../../shared/types.js";
import { yuanColumn } from "./columns.js";
import { Figure, Loading, PageTitle, useLoad, useTr } from "./common.js";
import { PolicyList } from "./policies.js";

export function Pools() {
  const tr = useTr();
  const pools = useLoad<PoolList>("/charity-pools");
  return (
    <>
      <PageTitle>{tr({ zh: "资金池", en: "Pools" })}</PageTitle>
      <Loading
        state={pools}
        isEmpty={(d) => d.pools.length === 0}
        empty={tr({
          zh: "还没有资金池：请联系运营方创建。",
          en: "No pool yet: ask the operator to create one.",
        })}
      >
        {(d) => (
          <>
            {d.pools.map((p) => (
              <Card
                key={p.pool_id}
                title={<h3 style={{ margin: 0, fontSize: 16 }}>{p.name}</h3>}
                style={{ marginBottom: 12 }}
              >
                <Row gutter={[12, 12]}>
                  <Col xs={12} lg={6}>
                    <Figure title={tr({ zh: "余额（元）", en: "Balance (yuan)" })} value={yuan(p.balance)} />
                  </Col>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({
                        zh: `捐款（${p.donations} 笔，元）`,
                        en: `Donated (${p.donations}, yuan)`,
                      })}
                      value={yuan(p.donated)}
                    />
                  </Col>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({ zh: "资助保费支出（元）", en: "Premiums sponsored (yuan)" })}
                      value={yuan(p.sponsored)}
                    />
                  </Col>
                  <Col xs={12} lg={6}>
                    <Figure
                      title={tr({ zh: "资助人数", en: "Persons sponsored" })}
                      value={`${p.sponsored_persons}`}
                    />
                  </Col>
                </Row>
              </Card>
            ))}
          </>
        )}
      </Loading>
    </>
  );
}

export function Sponsored() {
  return <PolicyList title={{ zh: "资助投保", en: "Sponsored enrollments" }} fixedKind="charity" />;
}

const KIND: Record<string, { zh: string; en: string }> = {
  one_stop: { zh: "一站式结算", en: "One-stop" },
  online: { zh: "线上理赔", en: "Online" },
  counter: { zh: "柜面理赔", en: "Counter" },
  special_drug: { zh: "特药", en: "Special drug" },
};

export function SponsoredClaims() {
  const tr = useTr();
  const claims = useLoad<SponsoredClaimPage>("/charity-claims?limit=200");
  return (
    <>
      <PageTitle>{tr({ zh: "资助对象理赔", en: "Their claims" })}</PageTitle>
      <Card>
        <Loading
          state={claims}
          isEmpty={(d) => d.total === 0}
          empty={tr({ zh: "资助对象暂无理赔。", en: "No claims of sponsored persons yet." })}
        >
          {(d) => (
            <Table<SponsoredClaim>
              rowKey="setl_id"
              size="small"
              dataSource={d.claims}
              columns={[
                { title: tr({ zh: "结算号", en: "Settlement" }), dataIndex: "setl_id" },
                { title: tr({ zh: "参保人（脱敏）", en: "Person (masked)" }), dataIndex: "psn_no" },
                {
                  title: tr({ zh: "方式", en: "Kind" }),
                  dataIndex: "kind",
                  render: (k: string) => tr(KIND[k] ?? { zh: k, en: k }),
                },
                yuanColumn<SponsoredClaim>(tr({ zh: "个人负担（元）", en: "Person's part" }), "psn_part_amt"),
                yuanColumn<SponsoredClaim>(tr({ zh: "惠民保赔付（元）", en: "Huiminbao paid" }), "hmb_pay"),
                yuanColumn<SponsoredClaim>(
                  tr({ zh: "赔付后仍需负担（元）", en: "Still to bear" }),
                  "remaining",
                ),
                {
                  title: tr({ zh: "状态", en: "State" }),
                  dataIndex: "state",
                  render: (s: string) =>
                    s === "revoked"
                      ? tr({ zh: "已撤销", en: "Revoked" })
                      : tr({ zh: "已结算", en: "Settled" }),
                },
                { title: tr({ zh: "时间", en: "At" }), dataIndex: "settled_at", render: beijing },
              ]}
            />
          )}
        </Loading>
      </Card>
    </>
  );
}
