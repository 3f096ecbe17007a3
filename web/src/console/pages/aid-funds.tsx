/**
 * 救助基金: the ring-fenced funds aid programs pay from — each fund's balance, its ledger (every donation,
 * top-up, aid paid and reversed with the running balance, and whether the fund reconciles), recording a
 * donation (named or anonymous, once per receipt number) and opening a fund. A charity account sees and
 * manages only the funds it keeps; the bureau and the regulator read.
 */
import {
  Alert,
  Button,
  Card,
  Checkbox,
  Col,
  Form,
  Input,
  Modal,
  Row,
  Select,
  Space,
  Table,
  Typography,
} from "antd";
import { useState } from "react";
import type {
  AidDonationResult,
  AidFundLedger,
  AidFundLedgerLine,
  AidFundList,
  AidFundView,
} from "../../../../src/contract/aid.js";
import {
  AID_FUND_JOURNAL_KIND_LABELS,
  AID_SPONSOR_KIND_LABELS,
  labelOf,
} from "../../../../src/domain/vocabulary.js";
import { api, newIdempotencyKey } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import { yuanColumn } from "./columns.js";
import { base, Figure, Loading, PageTitle, Pill, role, useAction, useLoad, useTr } from "./common.js";

const SPONSOR_KINDS = Object.keys(AID_SPONSOR_KIND_LABELS);

function Donate({ fund, onDone }: { fund: AidFundView; onDone: () => void }) {
  const tr = useTr();
  const [form] = Form.useForm();
  const action = useAction();
  const [done, setDone] = useState<string | undefined>();
  const [anonymous, setAnonymous] = useState(false);

  const submit = async (v: { amount: string; donor?: string; ref: string; top_up?: boolean }) => {
    setDone(undefined);
    await action.run(async () => {
      const body = {
        amount: v.amount.trim(),
        ref: v.ref.trim(),
        kind: v.top_up === true ? "top_up" : "donation",
        donor: anonymous || v.top_up === true ? null : (v.donor?.trim() ?? null),
      };
      const r = await api<AidDonationResult>("POST", `${base()}/aid-funds/${fund.fund_id}/donations`, body);
      setDone(
        r.outcome === "posted"
          ? tr({ zh: `已入账，余额 ${yuan(r.balance)} 元。`, en: `Recorded; balance ¥${yuan(r.balance)}.` })
          : tr({
              zh: `该凭证号此前已入账，未重复入账；余额 ${yuan(r.balance)} 元。`,
              en: `This receipt was already recorded; nothing changed. Balance ¥${yuan(r.balance)}.`,
            }),
      );
      form.resetFields();
      form.setFieldValue("ref", newIdempotencyKey().slice(0, 12));
      onDone();
    });
  };

  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "记录捐赠或注资", en: "Record a donation" })}</h3>
      }
    >
      <Form
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ ref: newIdempotencyKey().slice(0, 12) }}
        onFinish={(v) => void submit(v as never)}
      >
        <Form.Item
          label={tr({ zh: "金额（元）", en: "Amount (yuan)" })}
          name="amount"
          rules={[
            { required: true, message: tr({ zh: "请填写金额", en: "Enter the amount" }) },
            {
              pattern: /^\d+(\.\d{1,2})?$/,
              message: tr({ zh: "金额为正数，最多两位小数", en: "A positive amount, two decimals at most" }),
            },
          ]}
        >
          <Input inputMode="decimal" autoComplete="off" />
        </Form.Item>
        <Form.Item name="top_up" valuePropName="checked">
          <Checkbox>{tr({ zh: "出资方注资（而非社会捐赠）", en: "The sponsor's own top-up" })}</Checkbox>
        </Form.Item>
        <Form.Item label={tr({ zh: "捐款人", en: "Donor" })} name="donor">
          <Input maxLength={200} disabled={anonymous} autoComplete="off" />
        </Form.Item>
        <Checkbox
          checked={anonymous}
          onChange={(e) => setAnonymous(e.target.checked)}
          style={{ marginBottom: 12 }}
        >
          {tr({ zh: "匿名捐赠", en: "Anonymous" })}
        </Checkbox>
        <Form.Item
          label={tr({ zh: "凭证号（同一凭证号只入账一次）", en: "Receipt number (recorded once)" })}
          name="ref"
          rules={[{ required: true, message: tr({ zh: "请填写凭证号", en: "Enter the receipt number" }) }]}
        >
          <Input maxLength={100} autoComplete="off" />
        </Form.Item>
        <Space orientation="vertical" style={{ width: "100%" }}>
          {action.error === undefined ? null : (
            <Alert type="error" role="alert" showIcon title={action.error} />
          )}
          {done === undefined ? null : <Alert type="success" role="status" showIcon title={done} />}
          <Button type="primary" htmlType="submit" loading={action.busy}>
            {tr({ zh: "入账", en: "Record" })}
          </Button>
        </Space>
      </Form>
    </Card>
  );
}

function FundLedger({
  fund,
  manage,
  onChanged,
}: {
  fund: AidFundView;
  manage: boolean;
  onChanged: () => void;
}) {
  const tr = useTr();
  const { lang } = useLang();
  const ledger = useLoad<AidFundLedger>(`/aid-funds/${fund.fund_id}/ledger`);
  return (
    <Loading state={ledger}>
      {(l) => (
        <Card
          title={
            <h3
              style={{ margin: 0, fontSize: 16 }}
            >{`${l.fund.name} · ${tr({ zh: "专户明细", en: "Ledger" })}`}</h3>
          }
          style={{ marginTop: 12 }}
        >
          <Row gutter={[12, 12]} style={{ marginBottom: 12 }}>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "余额（元）", en: "Balance (yuan)" })}
                value={yuan(l.fund.balance)}
                testId="aid-fund-balance"
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "累计捐赠与注资（元）", en: "Contributions (yuan)" })}
                value={yuan(l.contributions)}
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "累计救助支出（元）", en: "Aid paid (yuan)" })}
                value={yuan(l.aid_paid)}
              />
            </Col>
            <Col xs={12} lg={6}>
              <Figure
                title={tr({ zh: "专户对账", en: "Reconciliation" })}
                value={
                  <Pill tone={l.reconciled ? "success" : "error"}>
                    {l.reconciled
                      ? tr({ zh: "平衡", en: "Balanced" })
                      : tr({ zh: "不平", en: "Not balanced" })}
                  </Pill>
                }
              />
            </Col>
          </Row>
          <Row gutter={[12, 12]}>
            <Col xs={24} lg={manage ? 16 : 24}>
              <Table<AidFundLedgerLine>
                rowKey={(r) => `${r.kind}:${r.ref}`}
                size="small"
                aria-label={tr({ zh: "专户明细", en: "Fund ledger" })}
                dataSource={l.lines}
                pagination={{ pageSize: 20, hideOnSinglePage: true }}
                locale={{ emptyText: tr({ zh: "尚无收支", en: "No movement yet" }) }}
                columns={[
                  { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
                  {
                    title: tr({ zh: "类别", en: "Kind" }),
                    dataIndex: "kind",
                    render: (k: string) => labelOf(AID_FUND_JOURNAL_KIND_LABELS, k, lang),
                  },
                  yuanColumn<AidFundLedgerLine>(tr({ zh: "金额（元）", en: "Amount (yuan)" }), "amount"),
                  yuanColumn<AidFundLedgerLine>(
                    tr({ zh: "余额（元）", en: "Balance (yuan)" }),
                    "balance_after",
                  ),
                  {
                    title: tr({ zh: "捐款人或救助项目", en: "Donor or aid program" }),
                    key: "who",
                    render: (_: unknown, r: AidFundLedgerLine) =>
                      r.kind === "donation"
                        ? (r.donor ?? tr({ zh: "匿名", en: "Anonymous" }))
                        : r.kind === "top_up"
                          ? l.fund.sponsor_name
                          : `${r.aid_program_name ?? tr({ zh: "救助项目", en: "Aid program" })}${r.version === null ? "" : tr({ zh: ` 第 ${r.version} 版`, en: ` v${r.version}` })}`,
                  },
                  { title: tr({ zh: "凭证号", en: "Reference" }), dataIndex: "ref" },
                ]}
              />
            </Col>
            {manage ? (
              <Col xs={24} lg={8}>
                <Donate
                  fund={fund}
                  onDone={() => {
                    ledger.reload();
                    onChanged();
                  }}
                />
              </Col>
            ) : null}
          </Row>
        </Card>
      )}
    </Loading>
  );
}

function OpenFund({ open, onClose, onOpened }: { open: boolean; onClose: () => void; onOpened: () => void }) {
  const tr = useTr();
  const { lang } = useLang();
  const [form] = Form.useForm();
  const action = useAction();
  const staff = role() === "operator" || role() === "admin";

  const submit = async (v: {
    fund_id: string;
    name: string;
    sponsor_kind: string;
    sponsor_name: string;
    keeper?: string;
  }) => {
    await action.run(async () => {
      const keeper = v.keeper?.trim();
      await api<AidFundView>("POST", `${base()}/aid-funds`, {
        fund_id: v.fund_id.trim(),
        name: v.name.trim(),
        sponsor_kind: v.sponsor_kind,
        sponsor_name: v.sponsor_name.trim(),
        ...(keeper === undefined || keeper === "" ? {} : { keeper }),
      });
      form.resetFields();
      onOpened();
    });
  };

  return (
    <Modal
      open={open}
      title={tr({ zh: "开设救助基金", en: "Open an aid fund" })}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v as never)}>
        <Form.Item
          label={tr({ zh: "基金编号", en: "Fund code" })}
          name="fund_id"
          extra={tr({
            zh: "小写字母、数字、_ 与 -，例如 lymphoma-fund；救助项目文件以此指定专户",
            en: "Lower-case letters, digits, _ and -",
          })}
          rules={[
            { required: true, message: tr({ zh: "请填写基金编号", en: "Enter the code" }) },
            {
              pattern: /^[a-z0-9][a-z0-9_-]{0,63}$/,
              message: tr({
                zh: "只能包含小写字母、数字、_ 与 -",
                en: "Lower-case letters, digits, _ and -",
              }),
            },
          ]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={tr({ zh: "基金名称", en: "Name" })}
          name="name"
          rules={[{ required: true, message: tr({ zh: "请填写基金名称", en: "Enter the name" }) }]}
        >
          <Input maxLength={200} autoComplete="off" />
        </Form.Item>
        <Form.Item
          label={tr({ zh: "出资方类型", en: "Sponsor kind" })}
          name="sponsor_kind"
          rules={[{ required: true, message: tr({ zh: "请选择出资方类型", en: "Choose the sponsor kind" }) }]}
        >
          <Select
            options={SPONSOR_KINDS.map((k) => ({
              value: k,
              label: labelOf(AID_SPONSOR_KIND_LABELS, k, lang),
            }))}
          />
        </Form.Item>
        <Form.Item
          label={tr({ zh: "出资方名称", en: "Sponsor name" })}
          name="sponsor_name"
          rules={[
            { required: true, message: tr({ zh: "请填写出资方名称", en: "Enter the sponsor's name" }) },
          ]}
        >
          <Input maxLength={200} autoComplete="off" />
        </Form.Item>
        {staff ? (
          <Form.Item
            label={tr({ zh: "管理账号（慈善机构登录名，可不填）", en: "Keeper (charity login, optional)" })}
            name="keeper"
          >
            <Input maxLength={64} autoComplete="off" />
          </Form.Item>
        ) : null}
        {action.error === undefined ? null : (
          <Alert type="error" role="alert" showIcon title={action.error} style={{ marginBottom: 12 }} />
        )}
        <Button type="primary" htmlType="submit" loading={action.busy}>
          {tr({ zh: "开设", en: "Open" })}
        </Button>
      </Form>
    </Modal>
  );
}

export function AidFunds() {
  const tr = useTr();
  const { lang } = useLang();
  const funds = useLoad<AidFundList>("/aid-funds");
  const [selected, setSelected] = useState<string | undefined>();
  const [opening, setOpening] = useState(false);
  const manage = ["operator", "admin", "charity"].includes(role());
  const chosen = funds.data?.funds.find((f) => f.fund_id === selected);

  return (
    <>
      <PageTitle
        extra={
          manage ? (
            <Button type="primary" onClick={() => setOpening(true)}>
              {tr({ zh: "开设救助基金", en: "Open a fund" })}
            </Button>
          ) : null
        }
      >
        {tr({ zh: "救助基金", en: "Aid funds" })}
      </PageTitle>
      <Typography.Paragraph type="secondary">
        {tr({
          zh: "每个救助基金是一个专户：只能接受捐赠与注资、只能支付以它为专户的救助项目，与保费和其他基金互不混用；余额不会为负，随时可与逐笔明细对账。",
          en: "Each aid fund is ring-fenced: it takes donations and top-ups and pays only the aid programs that name it, never mixing with premium or other funds; its balance never goes negative and reconciles with its ledger.",
        })}
      </Typography.Paragraph>
      <Loading
        state={funds}
        isEmpty={(d) => d.funds.length === 0}
        empty={tr({ zh: "尚未开设救助基金", en: "No aid fund yet" })}
      >
        {(d) => (
          <Table<AidFundView>
            rowKey="fund_id"
            size="small"
            aria-label={tr({ zh: "救助基金列表", en: "Aid funds" })}
            dataSource={d.funds}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: tr({ zh: "基金名称", en: "Name" }), dataIndex: "name" },
              { title: tr({ zh: "出资方", en: "Sponsor" }), dataIndex: "sponsor_name" },
              {
                title: tr({ zh: "出资方类型", en: "Sponsor kind" }),
                dataIndex: "sponsor_kind",
                render: (k: string) => labelOf(AID_SPONSOR_KIND_LABELS, k, lang),
              },
              yuanColumn<AidFundView>(tr({ zh: "余额（元）", en: "Balance (yuan)" }), "balance"),
              { title: tr({ zh: "开设时间", en: "Opened" }), dataIndex: "created_at", render: beijing },
              {
                title: tr({ zh: "明细", en: "Ledger" }),
                key: "open",
                render: (_: unknown, f: AidFundView) => (
                  <Button
                    size="small"
                    onClick={() => setSelected(f.fund_id)}
                    aria-label={tr({ zh: `查看明细：${f.name}`, en: `View the ledger of ${f.name}` })}
                  >
                    {tr({ zh: "查看明细", en: "View" })}
                  </Button>
                ),
              },
            ]}
          />
        )}
      </Loading>
      {chosen === undefined ? null : (
        <FundLedger key={chosen.fund_id} fund={chosen} manage={manage} onChanged={funds.reload} />
      )}
      <OpenFund
        open={opening}
        onClose={() => setOpening(false)}
        onOpened={() => {
          setOpening(false);
          funds.reload();
        }}
      />
    </>
  );
}
