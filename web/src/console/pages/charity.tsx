/** Charity pages: the pools with what went in and out, the persons they sponsored (masked), their claims. */
import { Alert, Button, Card, Col, DatePicker, Form, Input, Row, Select, Space } from "antd";
import { useState } from "react";
import {
  CLAIM_CHANNEL_LABELS,
  CLAIM_CHANNELS,
  CLAIM_STATE_LABELS,
  labelOf,
} from "../../../../src/domain/vocabulary.js";
import { api, loadSession } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import type { PoolList, SponsoredClaim } from "../../shared/types.js";
import { ServerTable } from "../server-table.js";
import { yuanColumn } from "./columns.js";
import { base, Figure, Loading, PageTitle, Pill, role, useAction, useLoad, useTr } from "./common.js";
import { PolicyList } from "./policies.js";

/**
 * Who keeps a pool, in words: a charity sees "kept by us" or "the program's shared pool"; staff see the keeping
 * charity's login, as on the aid funds page.
 */
function KeeperPill({ keeper }: { keeper: string | null }) {
  const tr = useTr();
  if (keeper === null)
    return (
      <Pill tone="default">
        {tr({ zh: "项目公共资金池（各慈善机构共用）", en: "Program's shared pool" })}
      </Pill>
    );
  if (role() === "charity")
    return keeper === loadSession()?.username ? (
      <Pill tone="processing">{tr({ zh: "本机构管理", en: "Kept by us" })}</Pill>
    ) : null;
  return <Pill tone="processing">{tr({ zh: `管理账号：${keeper}`, en: `Kept by ${keeper}` })}</Pill>;
}

/**
 * Staff hand a pool to a charity account of the program, or back to the program (PUT …/keeper): the pool's
 * balance, donations, sponsored persons and their claims then follow the new keeper.
 */
function KeeperForm({
  poolId,
  keeper,
  onChanged,
}: {
  poolId: string;
  keeper: string | null;
  onChanged: () => void;
}) {
  const tr = useTr();
  const [login, setLogin] = useState("");
  const action = useAction();
  const assign = (to: string | null) =>
    action.run(async () => {
      await api("PUT", `${base()}/charity-pools/${encodeURIComponent(poolId)}/keeper`, { keeper: to });
      setLogin("");
      onChanged();
    });
  return (
    <div style={{ marginTop: 12 }}>
      <Space wrap>
        <Input
          aria-label={tr({ zh: "接管的慈善机构登录名", en: "Charity login to hand the pool to" })}
          placeholder={tr({ zh: "慈善机构登录名", en: "Charity login" })}
          value={login}
          maxLength={64}
          autoComplete="off"
          style={{ width: 200 }}
          onChange={(e) => setLogin(e.target.value)}
        />
        <Button
          loading={action.busy}
          disabled={login.trim() === ""}
          onClick={() => void assign(login.trim())}
        >
          {tr({ zh: "交由该机构管理", en: "Hand to this charity" })}
        </Button>
        {keeper === null ? null : (
          <Button loading={action.busy} onClick={() => void assign(null)}>
            {tr({ zh: "交回项目（公共资金池）", en: "Back to the program (shared)" })}
          </Button>
        )}
      </Space>
      {action.error === undefined ? null : (
        <Alert type="error" role="alert" showIcon title={action.error} style={{ marginTop: 8 }} />
      )}
    </div>
  );
}

export function Pools() {
  const tr = useTr();
  const pools = useLoad<PoolList>("/charity-pools");
  const staff = role() === "operator" || role() === "admin";
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
                extra={<KeeperPill keeper={p.keeper} />}
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
                {staff ? <KeeperForm poolId={p.pool_id} keeper={p.keeper} onChanged={pools.reload} /> : null}
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

/**
 * 资助对象理赔: the claims of sponsored persons (masked), paged, filtered (pool, channel, state, Beijing days),
 * sorted and exported on the server (GET /charity-claims, /charity-claims.xlsx).
 */
export function SponsoredClaims() {
  const tr = useTr();
  const lang = tr({ zh: "zh", en: "en" }) as "zh" | "en";
  const pools = useLoad<PoolList>("/charity-pools");
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const all = { value: "", label: tr({ zh: "全部", en: "All" }) };
  const options = (
    labels: Readonly<Record<string, { zh: string; en: string }>>,
    codes: readonly string[],
  ) => [all, ...codes.map((c) => ({ value: c, label: labelOf(labels, c, lang) }))];
  const poolName = (id: string, name: string | null) => name ?? id;
  return (
    <>
      <PageTitle>{tr({ zh: "资助对象理赔", en: "Their claims" })}</PageTitle>
      <Card>
        <Form
          layout="inline"
          style={{ rowGap: 8, marginBottom: 12 }}
          initialValues={{ pool: "", kind: "", state: "" }}
          onFinish={(v: {
            pool?: string;
            kind?: string;
            state?: string;
            range?: [{ format: (f: string) => string }, { format: (f: string) => string }];
          }) =>
            setFilters({
              pool: v.pool,
              kind: v.kind,
              state: v.state,
              from: v.range?.[0].format("YYYY-MM-DD"),
              to: v.range?.[1].format("YYYY-MM-DD"),
            })
          }
        >
          <Form.Item label={tr({ zh: "资金池", en: "Pool" })} name="pool">
            <Select
              style={{ width: 160 }}
              options={[all, ...(pools.data?.pools ?? []).map((p) => ({ value: p.pool_id, label: p.name }))]}
            />
          </Form.Item>
          <Form.Item label={tr({ zh: "理赔方式", en: "Channel" })} name="kind">
            <Select style={{ width: 140 }} options={options(CLAIM_CHANNEL_LABELS, CLAIM_CHANNELS)} />
          </Form.Item>
          <Form.Item label={tr({ zh: "结算状态", en: "State" })} name="state">
            <Select
              style={{ width: 110 }}
              options={options(CLAIM_STATE_LABELS, Object.keys(CLAIM_STATE_LABELS))}
            />
          </Form.Item>
          <Form.Item label={tr({ zh: "结算日（北京时间）", en: "Days" })} name="range">
            <DatePicker.RangePicker />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {tr({ zh: "筛选", en: "Filter" })}
          </Button>
        </Form>
        <ServerTable<SponsoredClaim>
          path="/charity-claims"
          itemsKey="claims"
          filters={filters}
          rowKey="setl_id"
          label={tr({ zh: "资助对象理赔", en: "Sponsored persons' claims" })}
          empty={tr({
            zh: "没有符合条件的资助对象理赔：请放宽条件再试。",
            en: "No claims of sponsored persons match.",
          })}
          exportPath="/charity-claims.xlsx"
          exportName={tr({ zh: "资助对象理赔", en: "sponsored-claims" })}
          sortable={{ settled_at: "created_at", hmb_pay: "hmb_pay", remaining: "remaining" }}
          columns={[
            { title: tr({ zh: "结算号", en: "Settlement" }), dataIndex: "setl_id" },
            {
              title: tr({ zh: "资金池", en: "Pool" }),
              key: "pool",
              render: (_: unknown, c) => poolName(c.pool_id, c.pool_name),
            },
            { title: tr({ zh: "参保人（脱敏）", en: "Person (masked)" }), dataIndex: "psn_no" },
            {
              title: tr({ zh: "方式", en: "Kind" }),
              dataIndex: "kind",
              render: (k: string) => labelOf(CLAIM_CHANNEL_LABELS, k, lang),
            },
            yuanColumn<SponsoredClaim>(tr({ zh: "个人负担（元）", en: "Person's part" }), "psn_part_amt"),
            {
              ...yuanColumn<SponsoredClaim>(tr({ zh: "惠民保赔付（元）", en: "Huiminbao paid" }), "hmb_pay"),
              key: "hmb_pay",
            },
            {
              ...yuanColumn<SponsoredClaim>(
                tr({ zh: "赔付后仍需负担（元）", en: "Still to bear" }),
                "remaining",
              ),
              key: "remaining",
            },
            {
              title: tr({ zh: "状态", en: "State" }),
              dataIndex: "state",
              render: (s: string) => labelOf(CLAIM_STATE_LABELS, s, lang),
            },
            {
              title: tr({ zh: "时间", en: "At" }),
              dataIndex: "settled_at",
              key: "settled_at",
              render: beijing,
            },
          ]}
        />
      </Card>
    </>
  );
}
