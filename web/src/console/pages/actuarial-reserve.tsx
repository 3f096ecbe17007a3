/**
 * 准备金 (issue 13 items 3 and 7): GET /programs/{id}/reserve?as_of= — the cumulative paid triangle (visit
 * month × months to settlement), the chain-ladder development factors, ultimate / IBNR / Mack s.e. per origin
 * for each method, and the method 《健康保险管理办法》 art. 49 selects. Figures are the server's; nothing is
 * computed here.
 */
import { Alert, Button, Card, Input, Space, Table, Typography } from "antd";
import { useState } from "react";
import { yuan } from "../../shared/format.js";
import type { ProgramReserveView } from "../../shared/types.js";
import { yuanColumn } from "./columns.js";
import { Loading, useLoad, useTr } from "./common.js";

type Method = ProgramReserveView["methods"][number];
type Origin = Method["origins"][number];

export function Reserve() {
  const tr = useTr();
  const [typed, setTyped] = useState("");
  const [asOf, setAsOf] = useState("");
  const r = useLoad<ProgramReserveView>(`/reserve${asOf === "" ? "" : `?as_of=${encodeURIComponent(asOf)}`}`);
  return (
    <Card
      title={
        <h3 style={{ margin: 0, fontSize: 16 }}>{tr({ zh: "准备金（IBNR）", en: "Reserve (IBNR)" })}</h3>
      }
      extra={
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setAsOf(typed.trim());
          }}
        >
          <Space>
            <label htmlFor="reserve-as-of">{tr({ zh: "评估日", en: "As of" })}</label>
            <Input
              id="reserve-as-of"
              placeholder="yyyy-mm-dd"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              style={{ width: 140 }}
            />
            <Button htmlType="submit">{tr({ zh: "评估", en: "Evaluate" })}</Button>
          </Space>
        </form>
      }
    >
      <Loading state={r}>{(v) => <ReserveBody v={v} />}</Loading>
    </Card>
  );
}

function ReserveBody({ v }: { v: ProgramReserveView }) {
  const tr = useTr();
  const s = v.selection;
  const t = v.triangle;
  return (
    <Space orientation="vertical" size={16} style={{ width: "100%" }}>
      <Alert
        type="info"
        showIcon
        title={tr({
          zh: `评估日 ${v.as_of}：选定${s.method_name}，IBNR ${yuan(s.ibnr)} 元。`,
          en: `As of ${v.as_of}: ${s.method_name} selected, IBNR ${yuan(s.ibnr)} yuan.`,
        })}
        description={[
          tr({ zh: s.basis, en: "" }),
          tr({
            zh: `经验年数 ${s.experience_years} 年${s.floor_applies ? `，不足 3 年：不低于会计年度实际赔款支出 ${yuan(s.year_paid)} 元的 10%，即 ${yuan(s.floor)} 元` : ""}。`,
            en: `${s.experience_years} years of experience${s.floor_applies ? `; floor 10% of the year's paid ${yuan(s.year_paid)} = ${yuan(s.floor)} yuan` : ""}.`,
          }),
          s.note ?? "",
        ]
          .filter((x) => x !== "")
          .join(" ")}
      />
      {t === null ? (
        <Typography.Paragraph>
          {tr({ zh: "尚无赔付，没有进展三角。", en: "Nothing paid yet: no triangle." })}
        </Typography.Paragraph>
      ) : (
        <Table<{ origin: string; cells: string[] }>
          aria-label={tr({ zh: "累计已付进展三角", en: "Cumulative paid triangle" })}
          title={() => (
            <strong>
              {tr({
                zh: "累计已付（元）：行为就诊月份，列为结算距就诊的月数",
                en: "Cumulative paid (yuan): rows are visit months, columns months to settlement",
              })}
            </strong>
          )}
          rowKey="origin"
          size="small"
          pagination={false}
          scroll={{ x: true }}
          dataSource={t.origins.map((origin, i) => ({ origin, cells: t.cumulative[i] ?? [] }))}
          columns={[
            { title: tr({ zh: "就诊月份", en: "Origin" }), dataIndex: "origin", fixed: "left" },
            ...Array.from({ length: t.dev_periods }, (_, k) => ({
              title: tr({ zh: `第 ${k} 月`, en: `Month ${k}` }),
              key: `dev-${k}`,
              align: "right" as const,
              render: (_: unknown, row: { cells: string[] }) => {
                const cell = row.cells[k];
                return cell === undefined ? "" : yuan(cell);
              },
            })),
          ]}
        />
      )}
      {v.development_factors.length === 0 ? null : (
        <Table
          aria-label={tr({ zh: "进展因子", en: "Development factors" })}
          rowKey="from"
          size="small"
          pagination={false}
          dataSource={v.development_factors}
          columns={[
            {
              title: tr({ zh: "进展期", en: "Development" }),
              key: "k",
              render: (_: unknown, f: { from: number; to: number }) =>
                tr({ zh: `第 ${f.from} → ${f.to} 月`, en: `${f.from} → ${f.to}` }),
            },
            {
              title: tr({ zh: "加权进展因子", en: "Weighted factor" }),
              dataIndex: "factor",
              align: "right",
            },
          ]}
        />
      )}
      {v.methods.map((m) => (
        <MethodTable key={m.method} m={m} selected={m.method === s.method} />
      ))}
    </Space>
  );
}

function MethodTable({ m, selected }: { m: Method; selected: boolean }) {
  const tr = useTr();
  return (
    <Table<Origin>
      aria-label={tr({ zh: `各起始期最终赔款 ${m.method_name}`, en: `Ultimate per origin ${m.method_name}` })}
      title={() => (
        <strong>
          {m.method_name}
          {selected ? tr({ zh: "（选定）", en: " (selected)" }) : ""}
          {tr({
            zh: `：已付 ${yuan(m.paid)} 元，最终 ${yuan(m.ultimate)} 元，IBNR ${yuan(m.ibnr)} 元${m.se === null ? "" : `，标准误 ${yuan(m.se)} 元`}`,
            en: `: paid ${yuan(m.paid)}, ultimate ${yuan(m.ultimate)}, IBNR ${yuan(m.ibnr)}${m.se === null ? "" : `, s.e. ${yuan(m.se)}`}`,
          })}
        </strong>
      )}
      rowKey="origin"
      size="small"
      pagination={false}
      dataSource={m.origins}
      columns={[
        { title: tr({ zh: "就诊月份", en: "Origin" }), dataIndex: "origin" },
        yuanColumn<Origin>(tr({ zh: "累计已付（元）", en: "Paid (yuan)" }), "paid"),
        yuanColumn<Origin>(tr({ zh: "最终赔款（元）", en: "Ultimate (yuan)" }), "ultimate"),
        yuanColumn<Origin>(tr({ zh: "IBNR（元）", en: "IBNR (yuan)" }), "ibnr"),
        yuanColumn<Origin>(tr({ zh: "标准误（元）", en: "S.e. (yuan)" }), "se"),
      ]}
    />
  );
}
