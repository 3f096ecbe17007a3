/**
 * 推广渠道: promotion codes per co-insurer, agent, unit and community (a QR code and a link each, carrying the
 * code through eligibility, order and payment), and the funnel visits → eligibility checks → orders → persons
 * paid, by code, kind, county or co-insurer. A co-insurer sees and manages its own codes only.
 */
import {
  Alert,
  Button,
  Form,
  Input,
  Modal,
  Popconfirm,
  QRCode,
  Segmented,
  Select,
  Space,
  Table,
  Typography,
} from "antd";
import { useState } from "react";
import {
  labelOf,
  PROMOTION_KIND_LABELS,
  PROMOTION_KINDS,
  PROMOTION_STAGE_LABELS,
  PROMOTION_STATUS_LABELS,
} from "../../../../src/domain/vocabulary.js";
import { api } from "../../shared/api.js";
import { beijing } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { FunnelRowView, PromotionFunnel, PromotionList, PromotionView } from "../../shared/types.js";
import { base, errorOf, Loading, PageTitle, Pill, role, useLoad, useTr } from "./common.js";

type FunnelBy = PromotionFunnel["by"];
const MANAGERS = ["admin", "operator", "co_insurer"];

function percent(bps: number | null): string {
  return bps === null ? "—" : `${(bps / 100).toFixed(2)}%`;
}

/** The landing link as a resident scans it: absolute, on this server. */
function absolute(link: string): string {
  return new URL(link, window.location.origin).toString();
}

function QrModal({ p, onClose }: { p: PromotionView | undefined; onClose: () => void }) {
  const tr = useTr();
  return (
    <Modal
      open={p !== undefined}
      title={p === undefined ? "" : tr({ zh: `推广二维码：${p.name}`, en: `QR code: ${p.name}` })}
      onCancel={onClose}
      footer={<Button onClick={onClose}>{tr({ zh: "关闭", en: "Close" })}</Button>}
    >
      {p === undefined ? null : (
        <Space orientation="vertical" align="center" style={{ width: "100%" }}>
          <QRCode value={absolute(p.link)} size={200} />
          <Typography.Paragraph copyable={{ text: absolute(p.link) }} style={{ wordBreak: "break-all" }}>
            {absolute(p.link)}
          </Typography.Paragraph>
          <Typography.Text type="secondary">
            {tr({
              zh: "居民扫码或打开链接进入投保页，推广码随资格查询、下单和缴费一路带到，计入本渠道。码中不含任何个人信息。",
              en: "Residents who scan it land on the enrollment page; the code follows them to payment. It holds no personal data.",
            })}
          </Typography.Text>
        </Space>
      )}
    </Modal>
  );
}

function FunnelTable({ by }: { by: FunnelBy }) {
  const tr = useTr();
  const { lang } = useLang();
  const funnel = useLoad<PromotionFunnel>(`/promotions/funnel?by=${by}`, [by]);
  const stage = (s: keyof typeof PROMOTION_STAGE_LABELS) => labelOf(PROMOTION_STAGE_LABELS, s, lang);
  return (
    <Loading
      state={funnel}
      isEmpty={(d) => d.rows.length === 0}
      empty={tr({ zh: "还没有推广码", en: "No promotion codes yet" })}
    >
      {(d) => (
        <Table<FunnelRowView>
          rowKey="key"
          size="small"
          aria-label={tr({ zh: "推广漏斗", en: "Promotion funnel" })}
          dataSource={d.rows}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: tr({ zh: "渠道", en: "Channel" }), dataIndex: "label" },
            { title: stage("visit"), dataIndex: "visit", align: "right" },
            { title: stage("eligibility"), dataIndex: "eligibility", align: "right" },
            { title: stage("order"), dataIndex: "order", align: "right" },
            { title: stage("paid"), dataIndex: "paid", align: "right" },
            {
              title: tr({ zh: "访问→缴费转化率", en: "Visit → paid" }),
              dataIndex: "conversion_bps",
              align: "right",
              render: (v: number | null) => percent(v),
            },
          ]}
          summary={() => (
            <Table.Summary.Row>
              <Table.Summary.Cell index={0}>{tr({ zh: "合计", en: "Total" })}</Table.Summary.Cell>
              <Table.Summary.Cell index={1} align="right">
                {d.total.visit}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={2} align="right">
                {d.total.eligibility}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={3} align="right">
                {d.total.order}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">
                {d.total.paid}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={5} align="right">
                {percent(d.total.conversion_bps)}
              </Table.Summary.Cell>
            </Table.Summary.Row>
          )}
        />
      )}
    </Loading>
  );
}

export function Promotions() {
  const tr = useTr();
  const { lang } = useLang();
  const list = useLoad<PromotionList>("/promotions");
  const [adding, setAdding] = useState(false);
  const [qr, setQr] = useState<PromotionView | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [by, setBy] = useState<FunnelBy>("code");
  const [form] = Form.useForm();
  const manager = MANAGERS.includes(role());

  async function act<T>(key: string, run: () => Promise<T>, after: (r: T) => void) {
    setBusy(key);
    setError(undefined);
    try {
      after(await run());
      list.reload();
    } catch (e) {
      setError(errorOf(e));
    } finally {
      setBusy(undefined);
    }
  }

  const create = (v: { kind: string; name: string; insurer_code?: string; county?: string }) =>
    act(
      "add",
      () => api<PromotionView>("POST", `${base()}/promotions`, { ...v, name: v.name.trim() }),
      (created) => {
        setAdding(false);
        form.resetFields();
        setQr(created);
      },
    );

  const setStatus = (p: PromotionView, status: "active" | "disabled") =>
    act(
      `status:${p.code}`,
      () => api<PromotionView>("POST", `${base()}/promotions/${p.code}/status`, { status }),
      () => undefined,
    );

  return (
    <>
      <PageTitle
        extra={
          manager ? (
            <Button type="primary" onClick={() => setAdding(true)}>
              {tr({ zh: "新建推广码", en: "New promotion code" })}
            </Button>
          ) : null
        }
      >
        {tr({ zh: "推广渠道", en: "Promotion channels" })}
      </PageTitle>
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "为共保公司、代理人、单位和社区/村生成推广二维码与链接；居民从码进入后，资格查询、下单和缴费都计入该渠道。",
          en: "QR codes and links per co-insurer, agent, unit and community; eligibility checks, orders and payments of residents who came through one are credited to it.",
        })}
      </Typography.Paragraph>
      {error === undefined ? null : (
        <Alert type="error" role="alert" showIcon title={error} style={{ marginBottom: 12 }} />
      )}
      <Loading
        state={list}
        isEmpty={(d) => d.promotions.length === 0}
        empty={tr({ zh: "还没有推广码", en: "No promotion codes yet" })}
      >
        {(d) => (
          <Table<PromotionView>
            rowKey="code"
            size="small"
            aria-label={tr({ zh: "推广码列表", en: "Promotion codes" })}
            dataSource={d.promotions}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: tr({ zh: "渠道名称", en: "Name" }), dataIndex: "name" },
              {
                title: tr({ zh: "类型", en: "Kind" }),
                dataIndex: "kind",
                render: (k: string) => labelOf(PROMOTION_KIND_LABELS, k, lang),
              },
              { title: tr({ zh: "所属共保公司", en: "Co-insurer" }), dataIndex: "insurer_name" },
              {
                title: tr({ zh: "区县", en: "County" }),
                dataIndex: "county_name",
                render: (n: string | null) => n ?? tr({ zh: "全市", en: "Whole city" }),
              },
              {
                title: tr({ zh: "状态", en: "Status" }),
                dataIndex: "status",
                render: (s: string) => (
                  <Pill tone={s === "active" ? "success" : "default"}>
                    {labelOf(PROMOTION_STATUS_LABELS, s, lang)}
                  </Pill>
                ),
              },
              {
                title: tr({ zh: "创建时间", en: "Created" }),
                dataIndex: "created_at",
                render: (t: string) => beijing(t),
              },
              {
                title: tr({ zh: "操作", en: "Actions" }),
                key: "actions",
                render: (_: unknown, p: PromotionView) => (
                  <Space>
                    <Button size="small" onClick={() => setQr(p)}>
                      {tr({ zh: "二维码", en: "QR code" })}
                    </Button>
                    {manager ? (
                      p.status === "active" ? (
                        <Popconfirm
                          title={tr({ zh: `停用“${p.name}”？`, en: `Disable "${p.name}"?` })}
                          okText={tr({ zh: "停用", en: "Disable" })}
                          cancelText={tr({ zh: "取消", en: "Cancel" })}
                          onConfirm={() => setStatus(p, "disabled")}
                        >
                          <Button size="small" danger loading={busy === `status:${p.code}`}>
                            {tr({ zh: "停用", en: "Disable" })}
                          </Button>
                        </Popconfirm>
                      ) : (
                        <Button
                          size="small"
                          loading={busy === `status:${p.code}`}
                          onClick={() => setStatus(p, "active")}
                        >
                          {tr({ zh: "启用", en: "Enable" })}
                        </Button>
                      )
                    ) : null}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Loading>

      <Typography.Title level={3} style={{ marginTop: 24 }}>
        {tr({ zh: "推广漏斗", en: "Funnel" })}
      </Typography.Title>
      <Segmented<FunnelBy>
        aria-label={tr({ zh: "漏斗分组", en: "Group the funnel by" })}
        value={by}
        onChange={setBy}
        style={{ marginBottom: 12 }}
        options={[
          { value: "code", label: tr({ zh: "按推广码", en: "By code" }) },
          { value: "kind", label: tr({ zh: "按渠道类型", en: "By kind" }) },
          { value: "county", label: tr({ zh: "按区县", en: "By county" }) },
          { value: "co_insurer", label: tr({ zh: "按共保公司", en: "By co-insurer" }) },
        ]}
      />
      <FunnelTable by={by} />

      <QrModal p={qr} onClose={() => setQr(undefined)} />
      <Modal
        open={adding}
        title={tr({ zh: "新建推广码", en: "New promotion code" })}
        onCancel={() => setAdding(false)}
        footer={null}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={create} initialValues={{ kind: "community" }}>
          <Form.Item name="kind" label={tr({ zh: "渠道类型", en: "Kind" })} rules={[{ required: true }]}>
            <Select
              options={PROMOTION_KINDS.map((k) => ({
                value: k,
                label: labelOf(PROMOTION_KIND_LABELS, k, lang),
              }))}
            />
          </Form.Item>
          <Form.Item
            name="name"
            label={tr({ zh: "渠道名称", en: "Name" })}
            extra={tr({
              zh: "如：某某社区、某某村、代理人工号 A103。请勿填写姓名、电话等个人信息。",
              en: "E.g. a community, a village, an agent's staff number. No names or phone numbers.",
            })}
            rules={[{ required: true, whitespace: true, max: 64 }]}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="insurer_code"
            label={tr({ zh: "所属共保公司", en: "Co-insurer" })}
            rules={[{ required: role() !== "co_insurer" }]}
          >
            <Select
              allowClear
              options={(list.data?.insurers ?? []).map((i) => ({ value: i.code, label: i.name }))}
            />
          </Form.Item>
          <Form.Item
            name="county"
            label={tr({ zh: "推广区县（不选为全市）", en: "County (empty = whole city)" })}
          >
            <Select
              allowClear
              options={(list.data?.counties ?? []).map((c) => ({ value: c.code, label: c.name }))}
            />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy === "add"}>
            {tr({ zh: "生成推广码", en: "Create" })}
          </Button>
        </Form>
      </Modal>
    </>
  );
}
