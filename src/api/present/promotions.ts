/** 推广渠道 on the wire: a code with its landing link, and the funnel with its conversion. */
import type { FunnelRowView, PromotionFunnel, PromotionView } from "../../contract/promotions.js";
import type { FunnelRow, Promotion, promotionFunnel } from "../../services/promotions.js";

const BPS = 10_000;

/** The H5 landing path: the program's home with the code, which the H5 keeps until payment. */
export function promotionLink(programId: string, code: string): string {
  return `/?program=${encodeURIComponent(programId)}&promo=${code}`;
}

export function presentPromotion(programId: string, p: Promotion): PromotionView {
  return {
    code: p.code,
    kind: p.kind,
    name: p.name,
    insurer_code: p.insurerCode,
    insurer_name: p.insurerName,
    county: p.county,
    county_name: p.countyName,
    status: p.status,
    link: promotionLink(programId, p.code),
    created_at: p.createdAt.toISOString(),
  };
}

function presentRow(r: FunnelRow): FunnelRowView {
  const { visit, eligibility, order, paid } = r.counts;
  return {
    key: r.key,
    label: r.label,
    visit,
    eligibility,
    order,
    paid,
    // Whole basis points, rounded down: a figure on a dashboard, never money.
    conversion_bps: visit === 0 ? null : Math.floor((paid * BPS) / visit),
  };
}

export function presentFunnel(f: Awaited<ReturnType<typeof promotionFunnel>>): PromotionFunnel {
  return { by: f.by, rows: f.rows.map(presentRow), total: presentRow(f.total) };
}
