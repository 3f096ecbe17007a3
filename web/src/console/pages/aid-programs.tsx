/**
 * 救助项目: the aid programs attached to this program — each one's current version with its terms in words
 * (who, for what, how much, the budget and what happens when it runs out, how it is paid), its versions, and
 * for operators publishing a new version from a file and withdrawing the current one. Codes never reach the
 * screen: cohorts, sponsor kinds, layers and budget rules by their names, money in yuan.
 */
import { Alert, Button, Card, Descriptions, Popconfirm, Space, Table, Typography } from "antd";
import { useState } from "react";
import type { AidProgramList, AidProgramView, AidPublishView } from "../../../../src/contract/aid.js";
import { COHORTS } from "../../../../src/domain/cohort.js";
import {
  AID_BUDGET_EXHAUSTION_LABELS,
  AID_LAYER_LABELS,
  AID_PROGRAM_STATUS_LABELS,
  AID_SPONSOR_KIND_LABELS,
  labelOf,
} from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing, day, endDay, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import { base, errorOf, Loading, PageTitle, Pill, role, useAction, useLoad, useTr } from "./common.js";

type Tr = ReturnType<typeof useTr>;

const cohortName = (id: string) => COHORTS[id as keyof typeof COHORTS] ?? "其他人群";

/** The terms of one version in sentences (the CLI's `hmb aid show` says the same). */
function terms(v: AidProgramView, names: ReadonlyMap<string, string>, tr: Tr, lang: "zh" | "en") {
  const e = v.eligibility;
  const who: string[] = [];
  if (e.cohorts.length > 0)
    who.push(`${tr({ zh: "人群", en: "Cohorts" })}：${e.cohorts.map(cohortName).join("、")}`);
  if (e.min_age !== null || e.max_age !== null)
    who.push(
      tr({
        zh: `年龄：${e.min_age === null ? "" : `${e.min_age} 周岁起`}${e.max_age === null ? "" : `至 ${e.max_age} 周岁`}`,
        en: `Age: ${e.min_age ?? 0}–${e.max_age ?? "any"}`,
      }),
    );
  if (e.icd10.length > 0)
    who.push(
      `${tr({ zh: "主诊断（ICD-10）", en: "Main diagnosis (ICD-10)" })}：${e.icd10
        .map((r) => (r.from === r.to ? r.from : `${r.from}–${r.to}`))
        .join("、")}`,
    );
  if (e.drugs.length > 0)
    who.push(
      tr({ zh: `使用所列 ${e.drugs.length} 种药品之一`, en: `Uses one of ${e.drugs.length} listed drugs` }),
    );
  if (e.regions.length > 0)
    who.push(
      tr({ zh: `参保地：${e.regions.length} 个指定地区`, en: `Insured in ${e.regions.length} listed areas` }),
    );
  const layer = (id: string) =>
    AID_LAYER_LABELS[id] === undefined
      ? (names.get(id) ?? tr({ zh: "其他救助项目", en: "another aid program" }))
      : labelOf(AID_LAYER_LABELS, id, lang);
  const after = v.covers.after.map(layer).join("、");
  const covers =
    v.covers.kind === "residual"
      ? tr({
          zh: `${after}报销之后个人仍需负担的${v.covers.in_scope_only ? "医保范围内" : ""}费用`,
          en: `What the person still bears after ${after}${v.covers.in_scope_only ? " (in-scope only)" : ""}`,
        })
      : v.covers.kind === "drug_cost"
        ? tr({ zh: "所列药品的个人负担部分", en: "The person's own cost of the listed drugs" })
        : tr({ zh: "资助参保保费", en: "The premium of a sponsored enrollment" });
  const b = v.benefit;
  const benefit =
    b.kind === "fixed"
      ? tr({
          zh: `每次定额 ${yuan(b.amount)} 元（不超过可救助金额）`,
          en: `A fixed ¥${yuan(b.amount)} per case`,
        })
      : tr({
          zh: `超过起付线 ${yuan(b.threshold)} 元（${b.threshold_per === "year" ? "每年" : "每次"}）的部分，按 ${b.ratio} 救助`,
          en: `${b.ratio} of the part above ¥${yuan(b.threshold)} per ${b.threshold_per === "year" ? "year" : "case"}`,
        });
  const caps = [
    v.caps.per_case === null
      ? null
      : tr({ zh: `单次最高 ${yuan(v.caps.per_case)} 元`, en: `at most ¥${yuan(v.caps.per_case)} per case` }),
    v.caps.per_year === null
      ? null
      : tr({ zh: `年度最高 ${yuan(v.caps.per_year)} 元`, en: `at most ¥${yuan(v.caps.per_year)} a year` }),
  ].filter((c) => c !== null);
  const mode =
    v.mode.kind === "automatic"
      ? tr({ zh: "结算后自动救助，无需申请", en: "Paid automatically after settlement" })
      : tr({
          zh: `本人申请、审核后支付${v.mode.committee ? "（经评审委员会决定）" : ""}${v.mode.documents.length === 0 ? "" : `；须附：${v.mode.documents.join("、")}`}`,
          en: `On application, after review${v.mode.committee ? " by a committee" : ""}`,
        });
  return [
    {
      key: "who",
      label: tr({ zh: "救助对象", en: "Who" }),
      text: who.length === 0 ? tr({ zh: "不限", en: "Anyone" }) : who.join("；"),
    },
    { key: "covers", label: tr({ zh: "救助范围", en: "Covers" }), text: covers },
    {
      key: "benefit",
      label: tr({ zh: "救助标准", en: "Benefit" }),
      text: caps.length === 0 ? benefit : `${benefit}；${caps.join("，")}`,
    },
    {
      key: "budget",
      label: tr({ zh: "预算", en: "Budget" }),
      text: `${yuan(v.budget.amount)} ${tr({ zh: "元", en: "yuan" })}，${labelOf(AID_BUDGET_EXHAUSTION_LABELS, v.budget.when_exhausted, lang)}`,
    },
    { key: "mode", label: tr({ zh: "救助方式", en: "How" }), text: mode },
    {
      key: "period",
      label: tr({ zh: "有效期", en: "Period" }),
      text: `${day(v.period_start)} ${tr({ zh: "至", en: "to" })} ${endDay(v.period_end)}`,
    },
    {
      key: "fund",
      label: tr({ zh: "出资与专户", en: "Sponsor and fund" }),
      text: tr({
        zh: `${v.sponsor_name}（${labelOf(AID_SPONSOR_KIND_LABELS, v.sponsor_kind, lang)}），从「${v.fund_name}」支付`,
        en: `${v.sponsor_name} (${labelOf(AID_SPONSOR_KIND_LABELS, v.sponsor_kind, lang)}), paid from ${v.fund_name}`,
      }),
    },
  ];
}

function statusPill(status: AidProgramView["status"], lang: "zh" | "en") {
  return (
    <Pill tone={status === "published" ? "success" : "default"}>
      {labelOf(AID_PROGRAM_STATUS_LABELS, status, lang)}
    </Pill>
  );
}

function Detail({
  aidProgramId,
  names,
  staff,
  onChanged,
}: {
  aidProgramId: string;
  names: ReadonlyMap<string, string>;
  staff: boolean;
  onChanged: () => void;
}) {
  const tr = useTr();
  const { lang } = useLang();
  const [version, setVersion] = useState<number | undefined>();
  const shown = useLoad<AidProgramView>(
    `/aid-programs/${aidProgramId}${version === undefined ? "" : `?version=${version}`}`,
    [version],
  );
  const action = useAction();
  const withdraw = () =>
    action.run(async () => {
      await api<AidProgramView>("POST", `${base()}/aid-programs/${aidProgramId}/withdraw`);
      setVersion(undefined);
      shown.reload();
      onChanged();
    });

  return (
    <Loading state={shown}>
      {(v) => (
        <Card
          title={
            <h3
              style={{ margin: 0, fontSize: 16 }}
            >{`${v.name} · ${tr({ zh: `第 ${v.version} 版`, en: `version ${v.version}` })}`}</h3>
          }
          extra={
            staff && v.status === "published" && v.version === v.versions[0]?.version ? (
              <Popconfirm
                title={tr({
                  zh: `撤回「${v.name}」？撤回后不再匹配新的救助，已付救助不受影响。`,
                  en: `Withdraw ${v.name}? It stops matching; aid already paid stays.`,
                })}
                okText={tr({ zh: "撤回", en: "Withdraw" })}
                cancelText={tr({ zh: "取消", en: "Cancel" })}
                onConfirm={() => void withdraw()}
              >
                <Button loading={action.busy}>{tr({ zh: "撤回", en: "Withdraw" })}</Button>
              </Popconfirm>
            ) : null
          }
        >
          <Space orientation="vertical" style={{ width: "100%" }}>
            {action.error === undefined ? null : (
              <Alert type="error" role="alert" showIcon title={action.error} />
            )}
            <div>{statusPill(v.status, lang)}</div>
            <Descriptions
              column={1}
              size="small"
              bordered
              items={terms(v, names, tr, lang).map((t) => ({ key: t.key, label: t.label, children: t.text }))}
            />
            {v.description === null ? null : <Typography.Paragraph>{v.description}</Typography.Paragraph>}
            <Table
              rowKey="version"
              size="small"
              aria-label={tr({ zh: "版本历史", en: "Versions" })}
              pagination={false}
              dataSource={v.versions}
              columns={[
                {
                  title: tr({ zh: "版本", en: "Version" }),
                  dataIndex: "version",
                  render: (n: number) => tr({ zh: `第 ${n} 版`, en: `v${n}` }),
                },
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (s: AidProgramView["status"]) => statusPill(s, lang),
                },
                {
                  title: tr({ zh: "发布时间", en: "Published" }),
                  dataIndex: "published_at",
                  render: beijing,
                },
                {
                  title: tr({ zh: "撤回时间", en: "Withdrawn" }),
                  dataIndex: "withdrawn_at",
                  render: (t: string | null) => (t === null ? "—" : beijing(t)),
                },
                {
                  title: tr({ zh: "查看", en: "View" }),
                  key: "view",
                  render: (_: unknown, h: { version: number }) =>
                    h.version === v.version ? (
                      tr({ zh: "当前所示", en: "Shown" })
                    ) : (
                      <Button size="small" onClick={() => setVersion(h.version)}>
                        {tr({ zh: "查看此版", en: "View" })}
                      </Button>
                    ),
                },
              ]}
            />
          </Space>
        </Card>
      )}
    </Loading>
  );
}

function Publish({ onPublished }: { onPublished: (id: string) => void }) {
  const tr = useTr();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const choose = async (picked: File | undefined) => {
    setError(undefined);
    setDone(undefined);
    if (picked === undefined) return;
    let json: unknown;
    try {
      json = JSON.parse(await picked.text());
    } catch {
      setError(`文件 ${picked.name} 不是合法的 JSON：请检查引号、逗号（最后一项后不能有逗号）和括号是否成对`);
      return;
    }
    setBusy(true);
    try {
      // The server validates the file and publishes it, or refuses it naming the field and changes nothing.
      const r = await api<AidPublishView>("POST", `${base()}/aid-programs`, json);
      const p = r.aid_program;
      setDone(
        r.outcome === "published"
          ? tr({
              zh: `已发布「${p.name}」第 ${p.version} 版。`,
              en: `Published ${p.name}, version ${p.version}.`,
            })
          : tr({
              zh: `「${p.name}」第 ${p.version} 版此前已以相同内容发布，未做任何改变。`,
              en: `${p.name} version ${p.version} was already published with this content; nothing changed.`,
            }),
      );
      onPublished(p.aid_program_id);
    } catch (e) {
      setError(`${tr({ zh: "未发布：", en: "Not published: " })}${errorOf(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>
          {tr({ zh: "上传并发布救助项目文件", en: "Upload and publish" })}
        </h3>
      }
      style={{ marginBottom: 12 }}
    >
      <Space orientation="vertical" style={{ width: "100%" }}>
        <label htmlFor="aid-program-file">
          {tr({
            zh: "救助项目文件（JSON）：校验无误即发布为不可修改的新版本；有误则指明字段，不做任何改变",
            en: "Aid program file (JSON): published as a new immutable version when valid; otherwise the field is named and nothing changes",
          })}
        </label>
        <input
          id="aid-program-file"
          type="file"
          accept=".json,application/json"
          disabled={busy}
          onChange={(e) => void choose(e.target.files?.[0])}
        />
        {error === undefined ? null : <Alert type="error" role="alert" showIcon title={error} />}
        {done === undefined ? null : <Alert type="success" role="status" showIcon title={done} />}
      </Space>
    </Card>
  );
}

export function AidPrograms() {
  const tr = useTr();
  const { lang } = useLang();
  const list = useLoad<AidProgramList>("/aid-programs");
  const [selected, setSelected] = useState<string | undefined>();
  const staff = role() === "operator" || role() === "admin";
  const names = new Map((list.data?.aid_programs ?? []).map((p) => [p.aid_program_id, p.name]));

  return (
    <>
      <PageTitle>{tr({ zh: "救助项目", en: "Aid programs" })}</PageTitle>
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "慈善组织、药企、工会、民政与医疗救助在惠民保之后提供的救助。每个项目从自己的专户支付，版本发布后不可修改。",
          en: "Aid after Huiminbao from charities, drug companies, unions, civil affairs and medical assistance. Each pays from its own fund; published versions never change.",
        })}
      </Typography.Paragraph>
      {staff ? (
        <Publish
          onPublished={(id) => {
            list.reload();
            setSelected(id);
          }}
        />
      ) : null}
      <Loading
        state={list}
        isEmpty={(d) => d.aid_programs.length === 0}
        empty={tr({ zh: "尚未发布救助项目", en: "No aid program published yet" })}
      >
        {(d) => (
          <Table<AidProgramView>
            rowKey="aid_program_id"
            size="small"
            aria-label={tr({ zh: "救助项目列表", en: "Aid programs" })}
            dataSource={d.aid_programs}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            style={{ marginBottom: 12 }}
            columns={[
              { title: tr({ zh: "项目名称", en: "Name" }), dataIndex: "name" },
              {
                title: tr({ zh: "出资方", en: "Sponsor" }),
                key: "sponsor",
                render: (_: unknown, p: AidProgramView) =>
                  `${p.sponsor_name}（${labelOf(AID_SPONSOR_KIND_LABELS, p.sponsor_kind, lang)}）`,
              },
              { title: tr({ zh: "救助基金", en: "Fund" }), dataIndex: "fund_name" },
              {
                title: tr({ zh: "方式", en: "How" }),
                key: "mode",
                render: (_: unknown, p: AidProgramView) =>
                  p.mode.kind === "automatic"
                    ? tr({ zh: "自动救助", en: "Automatic" })
                    : tr({ zh: "申请审核", en: "On application" }),
              },
              {
                title: tr({ zh: "预算（元）", en: "Budget (yuan)" }),
                key: "budget",
                align: "right",
                render: (_: unknown, p: AidProgramView) => yuan(p.budget.amount),
              },
              {
                title: tr({ zh: "当前版本", en: "Version" }),
                dataIndex: "version",
                render: (n: number) => tr({ zh: `第 ${n} 版`, en: `v${n}` }),
              },
              {
                title: tr({ zh: "状态", en: "Status" }),
                dataIndex: "status",
                render: (s: AidProgramView["status"]) => statusPill(s, lang),
              },
              {
                title: tr({ zh: "详情", en: "Details" }),
                key: "open",
                render: (_: unknown, p: AidProgramView) => (
                  <Button
                    size="small"
                    onClick={() => setSelected(p.aid_program_id)}
                    aria-label={tr({ zh: `查看${p.name}`, en: `View ${p.name}` })}
                  >
                    {tr({ zh: "查看", en: "View" })}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Loading>
      {selected === undefined ? null : (
        <Detail key={selected} aidProgramId={selected} names={names} staff={staff} onChanged={list.reload} />
      )}
    </>
  );
}
