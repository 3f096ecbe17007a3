/** 审计日志: audit log search by action, actor, subject and days — paged and exported on the server. */
import { Button, Card, DatePicker, Form, Input } from "antd";
import { useState } from "react";
import { AUDIT_ACTION_LABELS, labelOf, ROLE_LABELS } from "../../../../src/domain/vocabulary.js";
import { beijing } from "../../shared/format.js";
import type { AuditEntry } from "../../shared/types.js";
import { ServerTable } from "../server-table.js";
import { PageTitle, useTr } from "./common.js";

export function AuditLog() {
  const tr = useTr();
  const lang = tr({ zh: "zh", en: "en" }) as "zh" | "en";
  const [filters, setFilters] = useState<Record<string, string>>({});
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
          }}
        >
          <Form.Item
            label={tr({ zh: "操作", en: "Action" })}
            name="action"
            extra={tr({
              zh: "操作代码，见“原始记录”；以点结尾查一类",
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
        <ServerTable<AuditEntry>
          path="/audit"
          itemsKey="entries"
          filters={filters}
          rowKey="audit_id"
          pageSize={50}
          label={tr({ zh: "审计记录", en: "Audit entries" })}
          empty={tr({ zh: "没有符合条件的审计记录：请放宽条件再试。", en: "No entries match." })}
          exportPath="/audit.xlsx"
          exportName={tr({ zh: "审计日志", en: "audit-log" })}
          columns={[
            { title: tr({ zh: "时间", en: "At" }), dataIndex: "at", render: beijing },
            {
              title: tr({ zh: "操作人", en: "Actor" }),
              key: "who",
              render: (_: unknown, e) => `${e.actor}（${labelOf(ROLE_LABELS, e.role, lang)}）`,
            },
            {
              title: tr({ zh: "操作", en: "Action" }),
              dataIndex: "action",
              render: (a: string) => labelOf(AUDIT_ACTION_LABELS, a, lang),
            },
            { title: tr({ zh: "对象", en: "Subject" }), dataIndex: "subject" },
            {
              title: tr({ zh: "详情", en: "Detail" }),
              dataIndex: "detail",
              // The entry as stored, for an investigation: behind a click, not in the reader's way.
              render: (x: unknown, e) => (
                <details>
                  <summary>{tr({ zh: "原始记录", en: "Raw entry" })}</summary>
                  <code style={{ fontSize: 12 }}>{JSON.stringify({ action: e.action, detail: x })}</code>
                </details>
              ),
            },
          ]}
        />
      </Card>
    </>
  );
}
