/** 参保名单导入: roster import with upload and processing progress, row errors and the import history. */
import { Alert, Button, Card, Col, Row, Space, Table, Typography } from "antd";
import { useState } from "react";
import { beijing } from "../../shared/format.js";
import type { RosterImportRecord, RosterImportResult } from "../../shared/types.js";
import { UploadProgress, useListUpload } from "../upload.js";
import { Figure, Loading, PageTitle, useLoad, useTr } from "./common.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const IMPORT_STATUS: Record<RosterImportRecord["status"], { zh: string; en: string }> = {
  running: { zh: "导入中", en: "Running" },
  done: { zh: "已完成", en: "Done" },
  failed: { zh: "失败", en: "Failed" },
};

export function RosterImport() {
  const tr = useTr();
  const history = useLoad<RosterImportRecord[]>("/roster/imports");
  const [file, setFile] = useState<File | undefined>();
  const upload = useListUpload<RosterImportResult>();
  const [result, setResult] = useState<RosterImportResult | undefined>();
  const [error, setError] = useState<string | undefined>();

  async function run() {
    if (file === undefined) {
      setError(tr({ zh: "请先选择名单文件（CSV 或 Excel）。", en: "Choose a roster file first." }));
      return;
    }
    setError(undefined);
    setResult(undefined);
    const type = file.name.toLowerCase().endsWith(".xlsx") ? XLSX : "text/csv";
    try {
      const r = await upload.send("/roster/imports", file, type);
      history.reload();
      if (r.ok) setResult(r.body);
      else
        setError(r.body.error?.message ?? tr({ zh: "导入失败：请检查文件后重试。", en: "Import failed." }));
    } catch (e) {
      setError(
        e instanceof Error && e.message === "network"
          ? tr({ zh: "网络连接失败：请检查网络后重试。", en: "Network error: try again." })
          : tr({ zh: "导入失败：服务暂时不可用，请稍后重试。", en: "Import failed: try again later." }),
      );
    }
  }

  return (
    <>
      <PageTitle>{tr({ zh: "参保名单导入", en: "Roster import" })}</PageTitle>
      <Card>
        <Typography.Paragraph>
          {tr({
            zh: "导入医保局提供的基本医保参保名单（CSV 或 Excel .xlsx），可重复导入：已有人员按最新名单更新。出错的行不会导入，下面逐行列出原因。",
            en: "Import the bureau's roster (CSV or .xlsx); re-importing updates persons. Rows with errors are listed below.",
          })}
        </Typography.Paragraph>
        <Space wrap>
          <label htmlFor="roster-file">{tr({ zh: "名单文件", en: "Roster file" })}</label>
          <input
            id="roster-file"
            type="file"
            accept=".csv,.xlsx,text/csv"
            onChange={(e) => setFile(e.target.files?.[0])}
          />
          <Button
            type="primary"
            onClick={() => void run()}
            loading={upload.phase === "uploading" || upload.phase === "processing"}
          >
            {tr({ zh: "开始导入", en: "Import" })}
          </Button>
        </Space>
        <UploadProgress
          phase={upload.phase}
          sent={upload.sent}
          server={upload.server}
          failed={error !== undefined}
          summary={
            result === undefined
              ? tr({ zh: "导入未完成：原因见下方", en: "Not imported: see below" })
              : tr({
                  zh: `完成：读取 ${result.read} 行，导入 ${result.imported} 行，出错 ${result.rejected} 行`,
                  en: `Done: ${result.read} read, ${result.imported} imported, ${result.rejected} rejected`,
                })
          }
        />
        {error === undefined ? null : (
          <Alert style={{ marginTop: 12 }} type="error" role="alert" showIcon title={error} />
        )}
        {result === undefined ? null : (
          <>
            <Row gutter={12} style={{ marginTop: 16 }}>
              <Col span={4}>
                <Figure title={tr({ zh: "读取行数", en: "Read" })} value={`${result.read}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "导入", en: "Imported" })} value={`${result.imported}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "新增", en: "New" })} value={`${result.inserted}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "更新", en: "Updated" })} value={`${result.updated}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "未变", en: "Unchanged" })} value={`${result.unchanged}`} />
              </Col>
              <Col span={4}>
                <Figure title={tr({ zh: "出错", en: "Rejected" })} value={`${result.rejected}`} />
              </Col>
            </Row>
            {result.errors.length === 0 ? null : (
              <Table
                style={{ marginTop: 12 }}
                rowKey={(e) => `${e.line}:${e.field}`}
                size="small"
                dataSource={result.errors}
                columns={[
                  { title: tr({ zh: "行号", en: "Line" }), dataIndex: "line" },
                  { title: tr({ zh: "字段", en: "Field" }), dataIndex: "field" },
                  { title: tr({ zh: "原因与处理", en: "Problem" }), dataIndex: "message" },
                ]}
              />
            )}
          </>
        )}
      </Card>
      <Card
        style={{ marginTop: 16 }}
        title={<h3 style={{ margin: 0 }}>{tr({ zh: "导入记录", en: "Import history" })}</h3>}
      >
        <Loading
          state={history}
          isEmpty={(d) => d.length === 0}
          empty={tr({ zh: "还没有导入过名单。", en: "No roster imported yet." })}
        >
          {(d) => (
            <Table
              rowKey="import_id"
              size="small"
              pagination={false}
              dataSource={d}
              columns={[
                {
                  title: tr({ zh: "开始时间（北京）", en: "Started (Beijing)" }),
                  dataIndex: "started_at",
                  render: (v: string) => beijing(v),
                },
                {
                  title: tr({ zh: "状态", en: "Status" }),
                  dataIndex: "status",
                  render: (v: RosterImportRecord["status"]) => tr(IMPORT_STATUS[v]),
                },
                { title: tr({ zh: "来源", en: "Source" }), dataIndex: "source" },
                { title: tr({ zh: "读取", en: "Read" }), dataIndex: "read" },
                { title: tr({ zh: "新增", en: "New" }), dataIndex: "inserted" },
                { title: tr({ zh: "更新", en: "Updated" }), dataIndex: "updated" },
                { title: tr({ zh: "未变", en: "Unchanged" }), dataIndex: "unchanged" },
                { title: tr({ zh: "出错", en: "Rejected" }), dataIndex: "rejected" },
              ]}
            />
          )}
        </Loading>
      </Card>
    </>
  );
}
