import { Link } from "react-router";
import type { ClaimTimeline, ClaimTimelineItem } from "../../../../src/contract/turnaround.js";
import { api } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import type { ClaimView, CounterQueue } from "../../shared/types.js";
import { Async, Empty, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";
import { ClaimBurden } from "./burden-chart.js";

/** Where a claim stands: 已提交 → 已审核 → 已赔付, each with its Beijing time, or what it waits for. */
function ClaimSteps({ item }: { item: ClaimTimelineItem }) {
  const t = useT().claims.timeline;
  const last = {
    in_review: t.inReview,
    awaiting_payout: t.awaitingPayout,
    paid: t.paid,
    nothing_payable: t.nothingPayable,
    rejected: t.rejected,
    revoked: t.revoked,
  }[item.outcome];
  const direct = item.channel === "one_stop" || item.channel === "special_drug";
  return (
    <section aria-label={t.title} data-testid={`timeline-${item.setl_id}`}>
      <h3 className="small">{t.title}</h3>
      <ol className="timeline">
        <li>
          {t.submitted} · {beijing(item.submitted_at)}
        </li>
        <li className={item.decided_at === null ? "muted" : undefined}>
          {t.decided} · {item.decided_at === null ? t.inReview : beijing(item.decided_at)}
        </li>
        <li className={item.paid_at === null ? "muted" : undefined}>
          {item.paid_at === null
            ? last
            : `${t.paid} · ${beijing(item.paid_at)}${direct ? `（${t.directPay}）` : ""}`}
        </li>
      </ol>
    </section>
  );
}

function ClaimCard({ c, timeline }: { c: ClaimView; timeline: ClaimTimelineItem | undefined }) {
  const t = useT();
  const state =
    c.state === "revoked"
      ? { text: t.claims.revoked, cls: "tag tag-bad" }
      : c.status === "paid"
        ? { text: t.claims.settled, cls: "tag tag-good" }
        : c.status === "zero"
          ? { text: t.claims.zero, cls: "tag" }
          : { text: t.claims.notCovered, cls: "tag tag-warn" };
  return (
    <li className="card" aria-labelledby={`claim-${c.setl_id}`}>
      <div className="row">
        <h2 id={`claim-${c.setl_id}`}>{t.claims.kinds[c.kind] ?? c.kind}</h2>
        <span className={state.cls}>{state.text}</span>
      </div>
      {c.state === "revoked" ? (
        // A revoked payout is not money the resident gets: the amount struck through, and what remains.
        <>
          <p>
            {t.claims.paid}：<del className="revoked-amount">{yuan(c.hmb_pay)}</del>
          </p>
          <p>
            {t.claims.revokedNet}：<strong>{yuan("0.00")}</strong>
          </p>
          <p className="muted small">
            {t.claims.revokedNote(beijing(c.revoked_at ?? c.settled_at), c.revoke_reason)}
          </p>
        </>
      ) : (
        <p>
          {t.claims.paid}：<span className="big">{yuan(c.hmb_pay)}</span>
        </p>
      )}
      <dl className="kv">
        <dt>{t.claims.burden}</dt>
        <dd>{yuan(c.psn_part_amt)}</dd>
        <dt>{t.claims.remaining}</dt>
        {/* After a revocation Huiminbao pays nothing: the resident bears the whole burden again. */}
        <dd>{yuan(c.state === "revoked" ? c.psn_part_amt : c.psn_remaining)}</dd>
        <dt>{t.claims.settledAt}</dt>
        <dd>{beijing(c.settled_at)}</dd>
        <dt>{t.claims.hospital}</dt>
        <dd>{c.fixmedins_name ?? c.fixmedins_code}</dd>
      </dl>
      {timeline === undefined ? null : <ClaimSteps item={timeline} />}
      <ClaimBurden setlId={c.setl_id} />
      {c.lines.length === 0 ? null : (
        <details open>
          <summary>{t.claims.lines}</summary>
          {c.lines.map((l) => (
            <div className="line" key={l.liability}>
              <p>{l.explanation}</p>
            </div>
          ))}
        </details>
      )}
    </li>
  );
}

export function ClaimsPage() {
  const t = useT();
  usePageTitle(t.claims.title);
  const state = useLoad(
    () => api<{ psn_no: string; claims: ClaimView[] }>("GET", programPath("/online-claims")),
    [],
  );
  // The resident's own receipt-claim cases (the queue route answers a resident with theirs only).
  const cases = useLoad(() => api<CounterQueue>("GET", programPath("/counter-claims")), []);
  // Where each claim stands (submitted → reviewed → paid), matched to a claim by its setl_id.
  const timeline = useLoad(() => api<ClaimTimeline>("GET", programPath("/claims/timeline")), []);
  const stepsOf = (setlId: string) =>
    timeline.data?.items.find(
      (i) => i.paid_setl_id === setlId || (i.case_id === null && i.setl_id === setlId),
    );
  const caseSteps = (caseId: string) => timeline.data?.items.find((i) => i.case_id === caseId);
  return (
    <>
      <p>
        <Link className="button-link secondary" to="/aid">
          {t.aid.title}
        </Link>
      </p>
      <Async state={state}>
        {(r) =>
          r.claims.length === 0 ? (
            <Empty title={t.claims.empty} hint={t.claims.emptyHint} />
          ) : (
            <ul className="plain-list" aria-label={t.claims.title}>
              {r.claims.map((c) => (
                <ClaimCard key={c.setl_id} c={c} timeline={stepsOf(c.setl_id)} />
              ))}
            </ul>
          )
        }
      </Async>
      {cases.data !== undefined && cases.data.cases.length > 0 ? (
        <section className="card" aria-labelledby="cases-title">
          <h2 id="cases-title">{t.claims.cases}</h2>
          <ul className="plain-list">
            {cases.data.cases.map((c) => {
              // A case not paid yet has no claim card above: its progress shows here.
              const steps = caseSteps(c.case_id);
              return (
                <li key={c.case_id}>
                  <div className="row">
                    <Link to={`/claims/counter/${c.case_id}`}>
                      {beijing(c.created_at)} · {yuan(c.psn_part_amt)}
                    </Link>
                    <span className="tag">
                      {t.counterCase.statuses[c.status] ?? t.counterCase.statusUnknown}
                    </span>
                  </div>
                  {steps === undefined || steps.paid_setl_id !== null ? null : <ClaimSteps item={steps} />}
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}
      <Link className="button-link secondary" to="/claims/online">
        {t.claims.online}
      </Link>
      <Link className="button-link secondary" to="/claims/counter">
        {t.claims.counter}
      </Link>
    </>
  );
}
