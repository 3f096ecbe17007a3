/**
 * 定点机构: the program's hospitals and pharmacies (name, level, status), registering one, rotating its signing
 * secret and disabling / enabling it. A secret is shown once, in a modal that cannot be dismissed by a stray
 * click, with a copy button and the warning that it will never be shown again.
 */
import { Alert, Button, Form, Input, Modal, Popconfirm, Select, Space, Typography } from "antd";
import { useState } from "react";
import {
  INSTITUTION_KIND_LABELS,
  INSTITUTION_KINDS,
  INSTITUTION_LEVEL_LABELS,
  INSTITUTION_LEVELS,
  INSTITUTION_STATUS_LABELS,
  labelOf,
} from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { InstitutionCredentials, InstitutionList, InstitutionView } from "../../shared/types.js";
import { ServerTable } from "../server-table.js";
import { base, errorOf, PageTitle, Pill, role, useLoad, useTr } from "./common.js";

/** The institutions' code → name, for the pages that must show names, never codes (payouts, reconciliation). */
export function useInstitutionNames(): (code: string | undefined) => string {
  const tr = useTr();
  const list = useLoad<InstitutionList>("/institutions");
  const names = new Map((list.data?.institutions ?? []).map((i) => [i.fixmedins_code, i.name]));
  const loaded = list.data !== undefined;
  // Until the list arrives a dash; a code not registered here has only its code, labelled so that it does not
  // pass for a name.
  return (code) =>
    code === undefined || !loaded
      ? "—"
      : (names.get(code) ?? tr({ zh: `未登记机构 ${code}`, en: `Unregistered ${code}` }));
}

type Shown = { secret: string; code: string; name: string; rotated: boolean };

function SecretModal({ shown, onClose }: { shown: Shown | undefined; onClose: () => void }) {
  const tr = useTr();
  const [copied, setCopied] = useState(false);
  const close = () => {
    setCopied(false);
    onClose();
  };
  return (
    <Modal
      open={shown !== undefined}
      title={tr({ zh: "签名密钥（仅显示这一次）", en: "Signing secret (shown once)" })}
      closable={false}
      // Gone from the page once closed: the secret is never shown (nor left in the DOM) again.
      destroyOnHidden
      mask={{ closable: false }}
      keyboard={false}
      footer={
        <Button type="primary" onClick={close}>
          {tr({ zh: "我已妥善保存，关闭", en: "I have saved it, close" })}
        </Button>
      }
    >
      {shown === undefined ? null : (
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Alert
            type="warning"
            showIcon
            role="alert"
            title={tr({
              zh: "关闭后将无法再次查看此密钥。请立即复制，并通过安全渠道交给机构；遗失只能再次更换密钥。",
              en: "This secret will never be shown again. Copy it now and hand it to the institution securely; if lost, rotate it again.",
            })}
          />
          <Typography.Paragraph>
            {shown.rotated
              ? tr({
                  zh: `${shown.name}的新密钥，旧密钥已立即失效：`,
                  en: `New secret of ${shown.name}; the old one no longer works:`,
                })
              : tr({ zh: `${shown.name}已登记，签名密钥：`, en: `${shown.name} registered; its secret:` })}
          </Typography.Paragraph>
          <Input.TextArea
            readOnly
            value={shown.secret}
            data-testid="institution-secret"
            aria-label={tr({ zh: "签名密钥", en: "Signing secret" })}
            autoSize
            style={{ fontFamily: "monospace" }}
          />
          <Button
            onClick={() =>
              void navigator.clipboard
                ?.writeText(shown.secret)
                .then(() => setCopied(true))
                .catch(() => setCopied(false))
            }
          >
            {copied ? tr({ zh: "已复制", en: "Copied" }) : tr({ zh: "复制密钥", en: "Copy secret" })}
          </Button>
        </Space>
      )}
    </Modal>
  );
}

const ALL = "";

export function Institutions() {
  const tr = useTr();
  const { lang } = useLang();
  const [tick, setTick] = useState(0);
  const [filters, setFilters] = useState({ status: ALL, level: ALL, kind: ALL, q: ALL });
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [shown, setShown] = useState<Shown | undefined>();
  const [form] = Form.useForm();
  const staff = role() === "operator" || role() === "admin";
  const filtered = Object.values(filters).some((v) => v !== ALL);

  async function act<T>(key: string, run: () => Promise<T>, after: (r: T) => void) {
    setBusy(key);
    setError(undefined);
    setDone(undefined);
    try {
      after(await run());
      setTick((t) => t + 1);
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(undefined);
    }
  }

  function register(v: { fixmedins_code: string; name: string; level?: string; kind?: string }) {
    const body = {
      fixmedins_code: v.fixmedins_code.trim(),
      name: v.name.trim(),
      level: v.level,
      kind: v.kind,
    };
    void act(
      "add",
      () => api<InstitutionCredentials>("POST", `${base()}/institutions`, body),
      (r) => {
        setAdding(false);
        form.resetFields();
        setShown({ secret: r.secret, code: r.fixmedins_code, name: body.name, rotated: false });
      },
    );
  }

  const rotate = (i: InstitutionView) =>
    act(
      `rotate:${i.fixmedins_code}`,
      () => api<InstitutionCredentials>("POST", `${base()}/institutions/${i.fixmedins_code}/secret`),
      (r) => setShown({ secret: r.secret, code: i.fixmedins_code, name: i.name, rotated: true }),
    );

  const setStatus = (i: InstitutionView, status: "active" | "disabled") =>
    act(
      `status:${i.fixmedins_code}`,
      () => api<InstitutionView>("POST", `${base()}/institutions/${i.fixmedins_code}/status`, { status }),
      (r) =>
        setDone(
          r.status === "disabled"
            ? tr({
                zh: `已停用${r.name}：其结算与查询请求将被拒绝。`,
                en: `${r.name} disabled: its signed requests are refused.`,
              })
            : tr({ zh: `已启用${r.name}。`, en: `${r.name} enabled.` }),
        ),
    );

  const choice = (labels: Readonly<Record<string, { zh: string; en: string }>>) => [
    { value: ALL, label: tr({ zh: "全部", en: "All" }) },
    ...Object.keys(labels).map((k) => ({ value: k, label: labelOf(labels, k, lang) })),
  ];
  const set = (key: keyof typeof filters) => (value: string) => setFilters((f) => ({ ...f, [key]: value }));

  return (
    <>
      <PageTitle
        extra={
          staff ? (
            <Button type="primary" onClick={() => setAdding(true)}>
              {tr({ zh: "登记定点机构", en: "Register an institution" })}
            </Button>
          ) : null
        }
      >
        {tr({ zh: "定点机构", en: "Institutions" })}
      </PageTitle>
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "定点医药机构以签名密钥对接一站式结算与对账；健康服务机构只能核销健康服务券。停用后其请求一律拒绝，已有结算与赔款不受影响。",
          en: "Institutions sign their settlement and reconciliation requests with a secret; health-service providers can only redeem vouchers. A disabled institution's requests are refused; its settlements stay.",
        })}
      </Typography.Paragraph>
      {error === undefined ? null : (
        <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 12 }} />
      )}
      {done === undefined ? null : (
        <Alert type="success" role="status" showIcon title={done} style={{ marginBottom: 12 }} />
      )}
      <Space wrap style={{ marginBottom: 12 }} align="end">
        <Space orientation="vertical" size={2}>
          <label htmlFor="institution-status">{tr({ zh: "状态", en: "Status" })}</label>
          <Select
            id="institution-status"
            style={{ width: 120 }}
            value={filters.status}
            onChange={set("status")}
            options={choice(INSTITUTION_STATUS_LABELS)}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="institution-level">{tr({ zh: "等级", en: "Level" })}</label>
          <Select
            id="institution-level"
            style={{ width: 150 }}
            value={filters.level}
            onChange={set("level")}
            options={choice(INSTITUTION_LEVEL_LABELS)}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="institution-kind">{tr({ zh: "类别", en: "Kind" })}</label>
          <Select
            id="institution-kind"
            style={{ width: 170 }}
            value={filters.kind}
            onChange={set("kind")}
            options={choice(INSTITUTION_KIND_LABELS)}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="institution-q">{tr({ zh: "机构编码或名称", en: "Code or name" })}</label>
          <Input.Search
            id="institution-q"
            allowClear
            style={{ width: 240 }}
            placeholder={tr({ zh: "输入开头几个字", en: "Start of the code or name" })}
            onSearch={(v) => set("q")(v.trim())}
          />
        </Space>
      </Space>
      <ServerTable<InstitutionView>
        path="/institutions"
        itemsKey="institutions"
        filters={filters}
        rowKey="fixmedins_code"
        reloadKey={tick}
        exportPath="/institutions.xlsx"
        exportName={tr({ zh: "定点机构", en: "institutions" })}
        sortable={{ name: "name", fixmedins_code: "code", created_at: "created_at" }}
        label={tr({ zh: "定点机构列表", en: "Institutions" })}
        empty={
          filtered
            ? tr({ zh: "没有符合条件的机构：可以换个筛选条件。", en: "No institution matches the filters." })
            : tr({ zh: "尚未登记定点机构", en: "No institution registered yet" })
        }
        columns={[
          { title: tr({ zh: "机构名称", en: "Name" }), dataIndex: "name", key: "name" },
          { title: tr({ zh: "机构编码", en: "Code" }), dataIndex: "fixmedins_code", key: "fixmedins_code" },
          {
            title: tr({ zh: "等级", en: "Level" }),
            dataIndex: "level",
            render: (l: InstitutionView["level"]) =>
              l === null ? tr({ zh: "未填写", en: "Not given" }) : labelOf(INSTITUTION_LEVEL_LABELS, l, lang),
          },
          {
            title: tr({ zh: "类别", en: "Kind" }),
            dataIndex: "kind",
            render: (k: InstitutionView["kind"]) => labelOf(INSTITUTION_KIND_LABELS, k, lang),
          },
          {
            title: tr({ zh: "状态", en: "Status" }),
            dataIndex: "status",
            render: (s: InstitutionView["status"]) => (
              <Pill tone={s === "active" ? "success" : "error"}>
                {labelOf(INSTITUTION_STATUS_LABELS, s, lang)}
              </Pill>
            ),
          },
          {
            title: tr({ zh: "登记时间", en: "Registered" }),
            dataIndex: "created_at",
            key: "created_at",
            render: beijing,
          },
          {
            title: tr({ zh: "密钥更换时间", en: "Secret rotated" }),
            dataIndex: "secret_rotated_at",
            render: (t: string | null) => (t === null ? tr({ zh: "未更换", en: "Never" }) : beijing(t)),
          },
          ...(staff
            ? [
                {
                  title: tr({ zh: "操作", en: "Actions" }),
                  key: "actions",
                  render: (_: unknown, i: InstitutionView) => (
                    <Space>
                      <Popconfirm
                        title={tr({
                          zh: `更换${i.name}的签名密钥？旧密钥将立即失效。`,
                          en: `Rotate ${i.name}'s secret? The old one stops working at once.`,
                        })}
                        okText={tr({ zh: "更换", en: "Rotate" })}
                        cancelText={tr({ zh: "取消", en: "Cancel" })}
                        onConfirm={() => rotate(i)}
                      >
                        <Button size="small" loading={busy === `rotate:${i.fixmedins_code}`}>
                          {tr({ zh: "更换密钥", en: "Rotate secret" })}
                        </Button>
                      </Popconfirm>
                      {i.status === "active" ? (
                        <Popconfirm
                          title={tr({
                            zh: `停用${i.name}？其结算与查询请求将被拒绝。`,
                            en: `Disable ${i.name}? Its signed requests will be refused.`,
                          })}
                          okText={tr({ zh: "停用", en: "Disable" })}
                          cancelText={tr({ zh: "取消", en: "Cancel" })}
                          onConfirm={() => setStatus(i, "disabled")}
                        >
                          <Button size="small" loading={busy === `status:${i.fixmedins_code}`}>
                            {tr({ zh: "停用", en: "Disable" })}
                          </Button>
                        </Popconfirm>
                      ) : (
                        <Button
                          size="small"
                          loading={busy === `status:${i.fixmedins_code}`}
                          onClick={() => void setStatus(i, "active")}
                        >
                          {tr({ zh: "启用", en: "Enable" })}
                        </Button>
                      )}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={adding}
        title={tr({ zh: "登记定点机构", en: "Register an institution" })}
        onCancel={() => setAdding(false)}
        footer={null}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => register(v as never)}>
          <Form.Item
            label={tr({ zh: "机构编码（医保定点编码）", en: "Institution code" })}
            name="fixmedins_code"
            extra={tr({ zh: "4–32 位大写字母或数字，例如 H53260100001", en: "4–32 capitals or digits" })}
            rules={[
              { required: true, message: tr({ zh: "请填写机构编码", en: "Enter the code" }) },
              {
                pattern: /^[A-Z0-9]{4,32}$/,
                message: tr({ zh: "机构编码应为 4–32 位大写字母或数字", en: "4–32 capitals or digits" }),
              },
            ]}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            label={tr({ zh: "机构名称", en: "Name" })}
            name="name"
            rules={[{ required: true, message: tr({ zh: "请填写机构名称", en: "Enter the name" }) }]}
          >
            <Input maxLength={128} autoComplete="off" />
          </Form.Item>
          <Form.Item label={tr({ zh: "等级", en: "Level" })} name="level">
            <Select
              allowClear
              options={INSTITUTION_LEVELS.map((l) => ({
                value: l,
                label: labelOf(INSTITUTION_LEVEL_LABELS, l, lang),
              }))}
            />
          </Form.Item>
          <Form.Item
            label={tr({ zh: "类别", en: "Kind" })}
            name="kind"
            initialValue="medical"
            extra={tr({
              zh: "健康服务机构（体检、慢病管理等）只能核销健康服务券，不能结算理赔。",
              en: "A health-service provider can only redeem vouchers, never settle claims.",
            })}
          >
            <Select
              options={INSTITUTION_KINDS.map((k) => ({
                value: k,
                label: labelOf(INSTITUTION_KIND_LABELS, k, lang),
              }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy === "add"}>
            {tr({ zh: "登记并生成密钥", en: "Register and create the secret" })}
          </Button>
        </Form>
      </Modal>
      <SecretModal shown={shown} onClose={() => setShown(undefined)} />
    </>
  );
}
