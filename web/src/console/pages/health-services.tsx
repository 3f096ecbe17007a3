/**
 * 增值服务: the program's health-service catalog in force (services, who may use them, how often, where), its
 * providers (registered as institutions: their secret, rotation and disabling live on 定点机构), the latest
 * redemptions (names masked) and usage per service and provider. Staff publish a new catalog version from a
 * file and issue the vouchers due.
 */
import { Alert, Button, Space, Table, Tabs, Typography } from "antd";
import { type ChangeEvent, useRef, useState } from "react";
import type {
  CatalogView,
  IssueView,
  PublishCatalogView,
  RedemptionList,
  RedemptionView,
  ServiceUsageView,
  ServiceView,
  UsageView,
} from "../../../../src/contract/health-services.js";
import { COHORTS, type Cohort } from "../../../../src/domain/cohort.js";
import {
  HEALTH_SERVICE_KIND_LABELS,
  INSTITUTION_STATUS_LABELS,
  labelOf,
} from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import { base, errorOf, Loading, PageTitle, Pill, role, useLoad, useTr } from "./common.js";

type Tr = ReturnType<typeof useTr>;

/** Who may use a service, in words: every condition listed must hold. */
function eligibilityText(e: ServiceView["eligibility"], tr: Tr): string {
  const parts: string[] = [];
  if (e.sex !== null)
    parts.push(e.sex === "2" ? tr({ zh: "女性", en: "Women" }) : tr({ zh: "男性", en: "Men" }));
  if (e.age_from !== null || e.age_to !== null)
    parts.push(
      e.age_to === null
        ? tr({ zh: `${e.age_from} 周岁及以上`, en: `aged ${e.age_from}+` })
        : tr({ zh: `${e.age_from ?? 0}–${e.age_to} 周岁`, en: `aged ${e.age_from ?? 0}–${e.age_to}` }),
    );
  if (e.cohorts !== null)
    parts.push(
      e.cohorts.map((c) => COHORTS[c as Cohort] ?? tr({ zh: "特定人群", en: "a cohort" })).join("、"),
    );
  if (e.insured_years_from !== null)
    parts.push(
      tr({ zh: `连续参保满 ${e.insured_years_from} 年`, en: `insured ${e.insured_years_from}+ years` }),
    );
  if (e.claim_free_years_from !== null)
    parts.push(
      tr({
        zh: `连续无理赔满 ${e.claim_free_years_from} 年`,
        en: `${e.claim_free_years_from}+ claim-free years`,
      }),
    );
  if (e.plans !== null) parts.push(tr({ zh: "指定方案", en: "certain plans" }));
  return parts.length === 0 ? tr({ zh: "全体参保人", en: "Every insured" }) : parts.join("；");
}

function Catalog({ data, names }: { data: CatalogView; names: (code: string) => string }) {
  const tr = useTr();
  const { lang } = useLang();
  return (
    <>
      <Typography.Paragraph>
        {tr({
          zh: `${data.name ?? ""}（第 ${data.version} 版，${data.published_at === null ? "" : beijing(data.published_at)} 发布）`,
          en: `${data.name ?? ""} (version ${data.version}, published ${data.published_at === null ? "" : beijing(data.published_at)})`,
        })}
      </Typography.Paragraph>
      <Table<ServiceView>
        rowKey="service_id"
        size="small"
        aria-label={tr({ zh: "服务目录", en: "Service catalog" })}
        dataSource={data.services}
        pagination={false}
        columns={[
          { title: tr({ zh: "服务", en: "Service" }), dataIndex: "name" },
          {
            title: tr({ zh: "类别", en: "Kind" }),
            dataIndex: "kind",
            render: (k: string) => labelOf(HEALTH_SERVICE_KIND_LABELS, k, lang),
          },
          {
            title: tr({ zh: "适用人群", en: "Who" }),
            key: "who",
            render: (_: unknown, s: ServiceView) => eligibilityText(s.eligibility, tr),
          },
          {
            title: tr({ zh: "每人每年", en: "Per person per year" }),
            dataIndex: "quantity_per_year",
            render: (n: number) => tr({ zh: `${n} 次`, en: `${n}` }),
          },
          {
            title: tr({ zh: "服务机构", en: "Providers" }),
            dataIndex: "providers",
            render: (codes: string[]) => codes.map(names).join("、"),
          },
          {
            title: tr({ zh: "使用期", en: "Validity" }),
            key: "validity",
            render: (_: unknown, s: ServiceView) =>
              s.valid_from === null || s.valid_until === null
                ? tr({ zh: "随保障期", en: "Coverage period" })
                : `${beijing(s.valid_from)} – ${beijing(s.valid_until)}`,
          },
        ]}
      />
    </>
  );
}

function Providers({ data, names }: { data: CatalogView; names: (code: string) => string }) {
  const tr = useTr();
  const { lang } = useLang();
  const service = new Map(data.services.map((s) => [s.service_id, s.name]));
  return (
    <>
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "服务机构以定点机构身份登记，用同一签名密钥核销服务券；登记、更换密钥和停用请到“定点机构”页面。",
          en: "Providers are registered as institutions and redeem vouchers with their signing secret; register, rotate and disable them on the Institutions page.",
        })}
      </Typography.Paragraph>
      <Table
        rowKey="code"
        size="small"
        aria-label={tr({ zh: "服务机构", en: "Providers" })}
        dataSource={data.providers}
        pagination={false}
        columns={[
          { title: tr({ zh: "机构", en: "Provider" }), dataIndex: "code", render: names },
          {
            title: tr({ zh: "状态", en: "Status" }),
            dataIndex: "status",
            render: (s: "active" | "disabled" | null) =>
              s === null ? (
                <Pill tone="warning">{tr({ zh: "未登记", en: "Not registered" })}</Pill>
              ) : (
                <Pill tone={s === "active" ? "success" : "error"}>
                  {labelOf(INSTITUTION_STATUS_LABELS, s, lang)}
                </Pill>
              ),
          },
          {
            title: tr({ zh: "可核销的服务", en: "Services" }),
            dataIndex: "services",
            render: (ids: string[]) => ids.map((id) => service.get(id) ?? id).join("、"),
          },
        ]}
      />
    </>
  );
}

function Redemptions() {
  const tr = useTr();
  const list = useLoad<RedemptionList>("/health-services/redemptions");
  return (
    <Loading
      state={list}
      isEmpty={(d) => d.redemptions.length === 0}
      empty={tr({ zh: "暂无核销记录", en: "No redemptions yet" })}
    >
      {(d) => (
        <Table<RedemptionView>
          rowKey={(r) => `${r.voucher}-${r.redeemed_at}-${r.reference}`}
          size="small"
          aria-label={tr({ zh: "核销记录", en: "Redemptions" })}
          dataSource={d.redemptions}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: tr({ zh: "核销时间", en: "Redeemed" }), dataIndex: "redeemed_at", render: beijing },
            { title: tr({ zh: "服务", en: "Service" }), dataIndex: "service_name" },
            {
              title: tr({ zh: "服务机构", en: "Provider" }),
              key: "provider",
              render: (_: unknown, r: RedemptionView) =>
                r.provider_name ?? tr({ zh: "未登记机构", en: "Unregistered provider" }),
            },
            { title: tr({ zh: "参保人", en: "Insured" }), dataIndex: "person_name" },
            { title: tr({ zh: "券码", en: "Voucher" }), dataIndex: "voucher" },
            { title: tr({ zh: "机构服务单号", en: "Provider's reference" }), dataIndex: "reference" },
          ]}
        />
      )}
    </Loading>
  );
}

type UsageRow = {
  key: string;
  service: string;
  provider: string | null;
  row: ServiceUsageView | null;
  redeemed: number;
};

function Usage({ data }: { data: UsageView }) {
  const tr = useTr();
  const rows: UsageRow[] = data.services.flatMap((s) => [
    { key: s.service_id, service: s.service_name, provider: null, row: s, redeemed: s.redeemed },
    ...s.providers.map((p) => ({
      key: `${s.service_id}/${p.provider}`,
      service: "",
      provider: p.provider_name ?? tr({ zh: "未登记机构", en: "Unregistered provider" }),
      row: null,
      redeemed: p.redeemed,
    })),
  ]);
  const n = (f: (u: ServiceUsageView) => number | string) => (_: unknown, r: UsageRow) =>
    r.row === null ? "" : f(r.row);
  return (
    <Table<UsageRow>
      rowKey="key"
      size="small"
      aria-label={tr({ zh: "使用情况", en: "Usage" })}
      dataSource={rows}
      pagination={false}
      columns={[
        { title: tr({ zh: "服务", en: "Service" }), dataIndex: "service" },
        {
          title: tr({ zh: "服务机构", en: "Provider" }),
          dataIndex: "provider",
          render: (p: string | null) => p ?? tr({ zh: "合计", en: "Total" }),
        },
        { title: tr({ zh: "已发放", en: "Issued" }), key: "issued", render: n((u) => u.issued) },
        { title: tr({ zh: "已核销", en: "Redeemed" }), dataIndex: "redeemed" },
        { title: tr({ zh: "退保作废", en: "Void" }), key: "cancelled", render: n((u) => u.cancelled) },
        { title: tr({ zh: "过期未用", en: "Expired" }), key: "expired", render: n((u) => u.expired) },
        { title: tr({ zh: "使用率", en: "Rate" }), key: "rate", render: n((u) => u.rate_percent) },
      ]}
    />
  );
}

export function HealthServices() {
  const tr = useTr();
  const catalog = useLoad<CatalogView>("/health-services/catalog");
  const usage = useLoad<UsageView>("/health-services/usage");
  const staff = role() === "operator" || role() === "admin";
  const file = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();

  const names = (code: string) =>
    catalog.data?.providers.find((p) => p.code === code)?.name ??
    tr({ zh: "未登记机构", en: "Unregistered provider" });

  async function act(key: string, run: () => Promise<string>) {
    setBusy(key);
    setError(undefined);
    setDone(undefined);
    try {
      setDone(await run());
      catalog.reload();
      usage.reload();
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(undefined);
    }
  }

  const publish = (e: ChangeEvent<HTMLInputElement>) => {
    const chosen = e.target.files?.[0];
    e.target.value = "";
    if (chosen === undefined) return;
    void act("publish", async () => {
      let document: unknown;
      try {
        document = JSON.parse(await chosen.text());
      } catch {
        throw new Error(tr({ zh: "文件不是有效的 JSON", en: "The file is not valid JSON" }));
      }
      const r = await api<PublishCatalogView>("POST", `${base()}/health-services/catalog`, document);
      return r.outcome === "published"
        ? tr({ zh: `已发布服务目录第 ${r.version} 版`, en: `Published catalog version ${r.version}` })
        : tr({ zh: `第 ${r.version} 版已发布，内容相同`, en: `Version ${r.version} already published` });
    });
  };

  const issue = () =>
    act("issue", async () => {
      const r = await api<IssueView>("POST", `${base()}/health-services/vouchers/issue`);
      return tr({
        zh: `检查有效保单 ${r.policies} 张，新发放服务券 ${r.added} 张`,
        en: `${r.policies} policies checked, ${r.added} vouchers issued`,
      });
    });

  return (
    <>
      <PageTitle
        extra={
          staff ? (
            <Space>
              <input
                ref={file}
                type="file"
                accept="application/json,.json"
                hidden
                aria-label={tr({ zh: "服务目录文件", en: "Catalog file" })}
                onChange={publish}
              />
              <Button loading={busy === "publish"} onClick={() => file.current?.click()}>
                {tr({ zh: "发布目录文件", en: "Publish a catalog file" })}
              </Button>
              <Button type="primary" loading={busy === "issue"} onClick={() => void issue()}>
                {tr({ zh: "发放服务券", en: "Issue vouchers" })}
              </Button>
            </Space>
          ) : null
        }
      >
        {tr({ zh: "增值服务", en: "Health services" })}
      </PageTitle>
      {error === undefined ? null : (
        <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 12 }} />
      )}
      {done === undefined ? null : (
        <Alert type="success" role="status" showIcon title={done} style={{ marginBottom: 12 }} />
      )}
      <Loading
        state={catalog}
        isEmpty={(d) => d.version === null}
        empty={tr({ zh: "本项目尚未发布健康服务目录", en: "No health-service catalog published yet" })}
      >
        {(d) => (
          <Tabs
            items={[
              {
                key: "catalog",
                label: tr({ zh: "服务目录", en: "Catalog" }),
                children: <Catalog data={d} names={names} />,
              },
              {
                key: "providers",
                label: tr({ zh: "服务机构", en: "Providers" }),
                children: <Providers data={d} names={names} />,
              },
              {
                key: "usage",
                label: tr({ zh: "使用情况", en: "Usage" }),
                children: <Loading state={usage}>{(u) => <Usage data={u} />}</Loading>,
              },
              ...(staff
                ? [
                    {
                      key: "redemptions",
                      label: tr({ zh: "核销记录", en: "Redemptions" }),
                      children: <Redemptions />,
                    },
                  ]
                : []),
            ]}
          />
        )}
      </Loading>
    </>
  );
}
