/**
 * A claim's bill in layers (issue 15): 医疗费总额 → 基本医保 → 大病保险 → 医疗救助 → 惠民保 → 救助项目 → 个人最终支付,
 * as one stacked bar (plain SVG, no chart library in the H5 bundle) and the same numbers as a list, so a screen
 * reader (and a person who cannot tell the colours apart) reads every amount. Loaded when the resident opens
 * it: GET …/settlements/{setl_id}/burden (services/aid/burden.ts), the resident's own claims only.
 */
import { useState } from "react";
import type { LayeredBill } from "../../../../src/contract/aid-claims.js";
import { api } from "../../shared/api.js";
import { fenOf, yuan } from "../../shared/format.js";
import { Async, useLoad } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

interface Segment {
  key: string;
  name: string;
  amount: string;
  colour: string;
  note?: string;
}

/** Colour per layer: distinct hues, the final burden in the warning hue so it stands out. */
const COLOURS: Record<string, string> = {
  basic: "#1f6fb2",
  critical_illness: "#5b8fd1",
  medical_assistance: "#2e8b57",
  hmb: "#e07b00",
  final: "#b3261e",
};
const AID_COLOURS = ["#7b4fa0", "#a070c4", "#c59be0"];
const BAR_WIDTH = 1000;
const BAR_HEIGHT = 36;
const PERCENT = 100;
/** A dt/dd pair kept in the two-column grid of dl.kv. */
const ROW = { display: "contents" } as const;
const SWATCH = { display: "inline-block", width: 10, height: 10, marginRight: 6, borderRadius: 2 } as const;

function segments(bill: LayeredBill, t: ReturnType<typeof useT>["burden"]): Segment[] {
  const list: Segment[] = (["basic", "critical_illness", "medical_assistance", "hmb"] as const).map((k) => ({
    key: k,
    name: t.layers[k] ?? k,
    amount: bill[k],
    colour: COLOURS[k] as string,
  }));
  bill.aid
    .filter((a) => a.state === "paid" && (fenOf(a.amount) > 0 || fenOf(a.queued) > 0))
    .forEach((a, i) => {
      list.push({
        key: `aid-${a.aid_program_id}`,
        name: t.aid(a.name),
        amount: a.amount,
        colour: AID_COLOURS[i % AID_COLOURS.length] as string,
        ...(fenOf(a.queued) > 0 ? { note: t.queued(yuan(a.queued)) } : {}),
      });
    });
  list.push({
    key: "final",
    name: t.layers.final ?? "",
    amount: bill.final_burden,
    colour: COLOURS.final as string,
  });
  return list;
}

/** The picture and the numbers of one layered bill. */
export function BurdenChart({ bill }: { bill: LayeredBill }) {
  const t = useT().burden;
  const parts = segments(bill, t);
  const total = fenOf(bill.total_cost);
  const summaryId = `burden-summary-${bill.setl_id}`;
  let x = 0;
  return (
    <figure
      className="burden"
      style={{ margin: "8px 0" }}
      aria-labelledby={summaryId}
      data-testid={`burden-${bill.setl_id}`}
    >
      <figcaption id={summaryId}>{t.summary(yuan(bill.total_cost), yuan(bill.final_burden))}</figcaption>
      {bill.state === "revoked" ? <p className="muted small">{t.revoked}</p> : null}
      {/* The bar repeats the list below: hidden from screen readers, which read the list. */}
      <svg
        viewBox={`0 0 ${BAR_WIDTH} ${BAR_HEIGHT}`}
        width="100%"
        height={BAR_HEIGHT}
        preserveAspectRatio="none"
        aria-hidden="true"
        focusable="false"
      >
        {parts.map((p) => {
          const w = total === 0 ? 0 : (fenOf(p.amount) * BAR_WIDTH) / total;
          const rect = <rect key={p.key} x={x} y={0} width={w} height={BAR_HEIGHT} fill={p.colour} />;
          x += w;
          return rect;
        })}
      </svg>
      <dl className="kv burden-list">
        <div style={ROW}>
          <dt>{t.total}</dt>
          <dd>{yuan(bill.total_cost)}</dd>
        </div>
        {parts.map((p) => (
          <div key={p.key} style={ROW}>
            <dt>
              <span style={{ ...SWATCH, background: p.colour }} aria-hidden="true" />
              {p.name}
            </dt>
            <dd>
              {yuan(p.amount)}
              <span className="muted small" style={{ whiteSpace: "nowrap" }}>
                {" "}
                （{t.share} {total === 0 ? "0" : ((fenOf(p.amount) * PERCENT) / total).toFixed(1)}%）
              </span>
              {p.note === undefined ? null : <span className="muted small"> {p.note}</span>}
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}

function LoadedBurden({ setlId }: { setlId: string }) {
  const state = useLoad(
    () => api<LayeredBill>("GET", programPath(`/settlements/${encodeURIComponent(setlId)}/burden`)),
    [setlId],
  );
  return <Async state={state}>{(bill) => <BurdenChart bill={bill} />}</Async>;
}

/** A claim card's "谁付了多少": fetched only when opened (a list of claims costs no extra requests). */
export function ClaimBurden({ setlId }: { setlId: string }) {
  const t = useT().burden;
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{t.show}</summary>
      {open ? <LoadedBurden setlId={setlId} /> : null}
    </details>
  );
}
