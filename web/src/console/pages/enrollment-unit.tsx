/**
 * 单位投保: a unit's list uploaded as Excel, checked first (rows read, passed and rejected, each rejected row
 * with its row, column and what to fix), then enrolled in one unit enrollment on confirmation. Uploading the
 * same file again shows the first result (the server enrolls no one twice).
 */
import { Alert, Button, Card, Col, Input, Row, Select, Space, Table, Typography } from "antd";
import { useState } from "react";
import { labelOf, PAY_STATUS_LABELS, RELATION_LABELS } from "../../../../src/domain/vocabulary.js";
import { yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { UnitUploadReport } from "../../shared/types.js";
import { UploadProgress, useListUpload } from "../upload.js";
import { Figure, useTr } from "./common.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/** The channels a unit pays by (contract/unit-enrollment.ts UNIT_CHANNELS). */
const CHANNELS = {
  offline: { zh: "单位线下转账（立即出单）", en: "Unit bank transfer (issued at once)" },
  cash: { zh: "在线支付（生成缴费订单）", en: "Online payment (an order to pay)" },
} as const;

/** Integer fen → a yuan string ("12000" → "120.00") without floating point. */
export function fenText(fen: number): string {
  return `${Math.trunc(fen / 100)}.${String(Math.abs(fen % 100)).padStart(2, "0")}`;
}

export function UnitUpload({ onEnrolled }: { onEnrolled: () => void }) {
  const tr = useTr();
  const { lang } = useLang();
  const [unit, setUnit] = useState("");
  const [channel, setChannel] = useState<keyof typeof CHANNELS>("offline");
  const [file, setFile] = useState<File | undefined>();
  const upload = useListUpload<UnitUploadReport>();
  const { phase } = upload;
  const [report, setReport] = useState<UnitUploadReport | undefined>();
  const [error, setError] = useState<string | undefined>();

  async function run(dryRun: boolean) {
    if (unit.trim() === "") {
      setError(tr({ zh: "请填写单位编码。", en: "Enter the unit code." }));
      return;
    }
    if (file === undefined) {
      setError(
        tr({ zh: "请先选择单位名单文件（Excel .xlsx）。", en: "Choose the unit's list (.xlsx) first." }),
      );
      return;
    }
    setError(undefined);
    const query = new URLSearchParams({ unit_code: unit.trim(), channel });
    if (dryRun) query.set("dry_run", "true");
    try {
      const r = await upload.send("/unit-enrollments", file, XLSX, query);
      if (!r.ok) {
        setReport(undefined);
        setError(r.body.error?.message ?? tr({ zh: "上传失败：请检查文件后重试。", en: "Upload failed." }));
        return;
      }
      setReport(r.body);
      if (r.body.outcome === "enrolled") onEnrolled();
    } catch {
      setError(tr({ zh: "网络连接失败：请检查网络后重试。", en: "Network error: try again." }));
    }
  }

  const busy = phase === "uploading" || phase === "processing";
  const r = report;
  return (
    <Card>
      <Typography.Paragraph>
        {tr({
          zh: "上传单位的投保名单（Excel .xlsx，第一个工作表）。表头：姓名、证件号码或个人编号（至少一项）、关系（职工、配偶、子女、父母，可空）。先校验，逐行列出不通过的原因；确认后为通过的人员一次投保。同一文件重复上传不会重复投保。",
          en: "Upload the unit's list (.xlsx, first sheet). Header: 姓名, 证件号码 or 个人编号, 关系 (may be empty). Check first; rejected rows are listed; then enroll the valid ones at once. Uploading the same file again never enrolls twice.",
        })}
      </Typography.Paragraph>
      <Space wrap align="end">
        <Space orientation="vertical" size={2}>
          <label htmlFor="unit-code">{tr({ zh: "单位编码", en: "Unit code" })}</label>
          <Input
            id="unit-code"
            value={unit}
            onChange={(e) => setUnit(e.target.value)}
            style={{ width: 180 }}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="unit-channel">{tr({ zh: "缴费方式", en: "Payment" })}</label>
          <Select
            id="unit-channel"
            style={{ width: 260 }}
            value={channel}
            onChange={setChannel}
            options={Object.entries(CHANNELS).map(([k, v]) => ({ value: k, label: tr(v) }))}
          />
        </Space>
        <Space orientation="vertical" size={2}>
          <label htmlFor="unit-file">{tr({ zh: "名单文件（Excel）", en: "List file (Excel)" })}</label>
          <input
            id="unit-file"
            type="file"
            accept=".xlsx"
            onChange={(e) => {
              setFile(e.target.files?.[0]);
              setReport(undefined);
              upload.reset();
            }}
          />
        </Space>
        <Button onClick={() => void run(true)} loading={busy}>
          {tr({ zh: "上传并校验", en: "Upload and check" })}
        </Button>
      </Space>
      <UploadProgress
        phase={phase}
        sent={upload.sent}
        server={upload.server}
        failed={error !== undefined}
        summary={
          r === undefined
            ? undefined
            : tr({
                zh: `已处理 ${r.read} 行：通过 ${r.valid} 行，拒绝 ${r.rejected} 行`,
                en: `${r.read} rows processed: ${r.valid} passed, ${r.rejected} rejected`,
              })
        }
      />
      {error === undefined ? null : (
        <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={error} />
      )}
      {r === undefined ? null : (
        <>
          <Row gutter={12} style={{ marginTop: 16 }}>
            <Col span={6}>
              <Figure
                title={tr({ zh: "读取行数", en: "Rows read" })}
                value={`${r.read}`}
                testId="unit-read"
              />
            </Col>
            <Col span={6}>
              <Figure title={tr({ zh: "通过", en: "Passed" })} value={`${r.valid}`} testId="unit-valid" />
            </Col>
            <Col span={6}>
              <Figure
                title={tr({ zh: "拒绝", en: "Rejected" })}
                value={`${r.rejected}`}
                testId="unit-rejected"
              />
            </Col>
            <Col span={6}>
              <Figure
                title={tr({ zh: "已投保（人）", en: "Enrolled" })}
                value={`${r.enrolled}`}
                testId="unit-enrolled"
              />
            </Col>
          </Row>
          {r.replayed ? (
            <Alert
              style={{ marginTop: 12 }}
              type="info"
              showIcon
              title={tr({
                zh: "这份名单已经上传过：下面是第一次的结果，没有重复投保。",
                en: "This list was uploaded before: the first result is shown; nobody was enrolled twice.",
              })}
            />
          ) : null}
          {r.outcome === "rejected" ? (
            <Alert
              style={{ marginTop: 12 }}
              type="error"
              role="alert"
              showIcon
              title={tr({
                zh: "名单中没有可以投保的行，未做任何改动：请按下面的原因修改后重新上传。",
                en: "No row can be enrolled and nothing changed: fix the rows below and upload again.",
              })}
            />
          ) : null}
          {r.outcome === "checked" && r.valid > 0 ? (
            <Button type="primary" style={{ marginTop: 12 }} onClick={() => void run(false)} loading={busy}>
              {tr({ zh: `确认为 ${r.valid} 人投保`, en: `Enroll ${r.valid} persons` })}
            </Button>
          ) : null}
          {r.enrollment === null ? null : (
            <Alert
              style={{ marginTop: 12 }}
              type="success"
              showIcon
              title={tr({
                zh: `单位投保完成：投保单号 ${r.enrollment.enrollment_id}，${r.enrolled} 人，缴费状态：${labelOf(PAY_STATUS_LABELS, r.enrollment.payment.status, lang)}${r.enrollment.payment.expires_at === null ? "" : `，订单 ${r.enrollment.payment.expires_at} 过期`}，保费合计 ${yuan(fenText(r.enrollment.payment.amount_fen))} 元。`,
                en: `Unit enrolled: ${r.enrollment.enrollment_id}, ${r.enrolled} persons, payment ${labelOf(PAY_STATUS_LABELS, r.enrollment.payment.status, lang)}.`,
              })}
            />
          )}
          {r.rejects.length === 0 ? null : (
            <Table
              style={{ marginTop: 12 }}
              aria-label={tr({ zh: "被拒绝的行", en: "Rejected rows" })}
              rowKey={(x) => `${x.row}-${x.column}`}
              size="small"
              title={() => tr({ zh: "被拒绝的行（未投保）", en: "Rejected rows (not enrolled)" })}
              dataSource={r.rejects}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                { title: tr({ zh: "行号", en: "Row" }), dataIndex: "row", width: 80 },
                { title: tr({ zh: "列", en: "Column" }), dataIndex: "column", width: 120 },
                { title: tr({ zh: "原因与改法", en: "Reason" }), dataIndex: "message" },
              ]}
            />
          )}
          {r.rows.length === 0 ? null : (
            <Table
              style={{ marginTop: 12 }}
              aria-label={tr({ zh: "通过校验的人员", en: "Rows passed" })}
              rowKey="row"
              size="small"
              title={() => tr({ zh: "通过校验的人员", en: "Rows passed" })}
              dataSource={r.rows}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                { title: tr({ zh: "行号", en: "Row" }), dataIndex: "row", width: 80 },
                { title: tr({ zh: "人员编号", en: "Person no." }), dataIndex: "psn_no" },
                { title: tr({ zh: "姓名", en: "Name" }), dataIndex: "psn_name" },
                {
                  title: tr({ zh: "关系", en: "Relation" }),
                  dataIndex: "relation",
                  render: (v: string) => labelOf(RELATION_LABELS, v, lang),
                },
                {
                  title: tr({ zh: "结果", en: "Outcome" }),
                  dataIndex: "outcome",
                  render: (v: string) =>
                    tr(
                      v === "enrolled"
                        ? { zh: "已投保", en: "Enrolled" }
                        : v === "skipped"
                          ? { zh: "已有保单，跳过", en: "Already insured" }
                          : { zh: "校验通过", en: "Passed" },
                    ),
                },
                {
                  title: tr({ zh: "保单号", en: "Policy" }),
                  dataIndex: "policy_no",
                  render: (v: string | null) => v ?? "—",
                },
              ]}
            />
          )}
        </>
      )}
    </Card>
  );
}
