/** 审计日志: audit log search by action, actor, subject and days. */
import { Button, Card, DatePicker, Form, Input, Table } from "antd";
import { useState } from "react";
import { beijing } from "../../shared/format.js";
import type { AuditEntry, AuditPage } from "../../shared/types.js";
import { Loading, PageTitle, useLoad, useTr } from "./common.js";

export function AuditLog() {
  const tr = useTr();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [pageNo, setPageNo] = useState(1);
  const size = 50;
  const q = new URLSearchParams({ ...filters, limit: String(size), offset: String((pageNo - 1) * size) });
  const log = useLoad<AuditPage>(`/audit?${q}`);
  return (
    <>
      <PageTitle>{tr({ zh: "审计日志", en: "Audit log" })}</PageTitle>
      <Card>
        <Form
          layout="inline"
          style={{ rowGap: 8, marginBottom: 12 }}
          onFinish={(v: {
            action?: string;
            actor?: string;
            subject?: string;
            range?: [{ format: (f: string) => string }, { format: (f: string) => string }];
          }) => {
            const f: Record<string, string> = {};
            if (v.action) f.action = v.action.trim();
            if (v.actor) f.actor = v.actor.trim();
            if (v.subject) f.subject = v.subject.trim();
            if (v.range) {
              f.from = v.range[0].format("YYYY-MM-DD");
              f.to = v.range[1].format("YYYY-MM-DD");
            }
            setFilters(f);
            setPageNo(1);
          }}
        >
          <Form.Item
            label={tr({ zh: "操作", en: "Action" })}
            name="action"
            extra={tr({
              zh: "如 policy.read，或 counter_claim. 查一类",
              en: "e.g. policy.read, or counter_claim. for a family",
            })}
          >
            <Input style={{ width: 200 }} />
          </Form.Item>
          <Form.Item label={tr({ zh: "操作人", en: "Actor" })} name="actor">
            <Input style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={tr({ zh: "对象", en: "Subject" })} name="subject">
            <Input style={{ width: 160 }} />
          </Form.Item>
          <Form.Item label={tr({ zh: "日期（北京时间）", en: "Days" })} name="range">
            <DatePicker.RangePicker />
          </Form.Item>
          <Button type="primary" htmlType="submit">
            {tr({ zh: "检索", en: "Search" })}
          </Button>
        </Form>
        <Loading
          state={log}
          isEmpty={(d) => d.total === 0}
          empty={tr({ zh: "没有符合条件的审计记录：请放宽条件再试。", en: "No entries match." })}
        >
          {(d) => (
            <Table<AuditEntry>
              rowKey="audit_id"
              size="small"
              dataSource={d.entries}
              pagination={{
                current: pageNo,
                pageSize: size,
                total: d.total,
                showSizeChanger: false,
                onChange: setPageNo,
              }}
              columns={[
                { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
                {
                  title: tr({ zh: "操作人", en: "Actor" }),
                  key: "who",
                  render: (_: unknown, e) => `${e.actor}（${e.role}）`,
                },
                { title: tr({ zh: "操作", en: "Action" }), dataIndex: "action" },
                { title: tr({ zh: "对象", en: "Subject" }), dataIndex: "subject" },
                {
                  title: tr({ zh: "详情", en: "Detail" }),
                  dataIndex: "detail",
                  render: (x: unknown) => <code style={{ fontSize: 12 }}>{JSON.stringify(x)}</code>,
                },
              ]}
            />
          )}
        </Loading>
      </Card>
    </>
  );
}
