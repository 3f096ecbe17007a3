import { Link } from "react-router";
import { api } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import type { ClaimView } from "../../shared/types.js";
import { Async, Empty, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

function ClaimCard({ c }: { c: ClaimView }) {
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
  return (
    <>
      <Async state={state}>
        {(r) =>
          r.claims.length === 0 ? (
            <Empty title={t.claims.empty} hint={t.claims.emptyHint} />
          ) : (
            <ul className="plain-list" aria-label={t.claims.title}>
              {r.claims.map((c) => (
                <ClaimCard key={c.setl_id} c={c} />
              ))}
            </ul>
          )
        }
      </Async>
      <Link className="button-link secondary" to="/claims/online">
        {t.claims.online}
      </Link>
    </>
  );
}
