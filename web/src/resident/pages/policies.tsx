import { Link } from "react-router";
import { api } from "../../shared/api.js";
import { day, endDay, yuan } from "../../shared/format.js";
import type { MyPolicy, ResidentOverview } from "../../shared/types.js";
import { Async, Empty, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

export function statusClass(status: string): string {
  return status === "active"
    ? "tag tag-good"
    : status === "cancelled"
      ? "tag tag-bad"
      : status === "pending_payment"
        ? "tag tag-warn"
        : "tag";
}

function PolicyCard({ p }: { p: MyPolicy }) {
  const t = useT();
  return (
    <li className="card" aria-labelledby={`policy-${p.policy_no}`}>
      <div className="row">
        <h2 id={`policy-${p.policy_no}`}>
          {p.psn_name}（{t.policies.relation[p.relation] ?? p.relation}）
        </h2>
        <span className={statusClass(p.status)}>{t.policies.status[p.status] ?? p.status}</span>
      </div>
      <dl className="kv">
        <dt>{t.policy.plan}</dt>
        <dd>{p.plan_name}</dd>
        <dt>{t.policies.premium}</dt>
        <dd>
          {yuan(p.premium)}
          {p.is_payer && !p.is_insured ? ` · ${t.policies.payer}` : ""}
        </dd>
        <dt>{t.policies.coverage}</dt>
        <dd>
          {day(p.coverage_start)} – {endDay(p.coverage_end)}
        </dd>
        <dt>{t.policies.policyNo}</dt>
        <dd>{p.policy_no}</dd>
      </dl>
      <div className="actions-row">
        {p.pending_order !== null ? (
          <Link className="button-link" to={`/pay/${p.pending_order.order_no}`}>
            {t.policies.pay}
          </Link>
        ) : null}
        {p.status !== "pending_payment" ? (
          <Link className="button-link secondary" to={`/policies/${p.policy_no}`}>
            {t.policies.view}
          </Link>
        ) : null}
        {p.status !== "cancelled" ? (
          <Link className="button-link secondary" to={`/policies/${p.policy_no}/cancel`}>
            {t.policies.cancel}
          </Link>
        ) : null}
      </div>
    </li>
  );
}

export function PoliciesPage() {
  const t = useT();
  usePageTitle(t.policies.title);
  const state = useLoad(() => api<ResidentOverview>("GET", programPath("/me")), []);
  return (
    <Async state={state}>
      {(me) =>
        me.policies.length === 0 ? (
          <Empty title={t.policies.empty} hint={t.policies.emptyHint}>
            <Link className="button-link" to="/enroll">
              {t.policies.goEnroll}
            </Link>
            <Link className="button-link secondary" to="/renewal">
              {t.policies.renewal}
            </Link>
          </Empty>
        ) : (
          <>
            <ul className="plain-list" aria-label={t.policies.title}>
              {me.policies.map((p) => (
                <PolicyCard key={p.policy_no} p={p} />
              ))}
            </ul>
            <Link className="button-link secondary" to="/enroll">
              {t.policies.goEnroll}
            </Link>
            <Link className="button-link secondary" to="/renewal">
              {t.policies.renewal}
            </Link>
            {/* What an insured person has besides the payout: services and the aid they may apply for. */}
            <Link className="button-link secondary" to="/services">
              {t.policies.services}
            </Link>
            <Link className="button-link secondary" to="/aid">
              {t.policies.aid}
            </Link>
          </>
        )
      }
    </Async>
  );
}
