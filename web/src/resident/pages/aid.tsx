/**
 * 我可申请的救助: the aid programs matched for the resident (automatic ones already paid at discharge), the
 * pre-filled applications of application programs — the resident's own and those of a minor in their care —
 * confirmed with one tap under a consent, their status, and each stay's layered burden (基本医保 → 大病保险 →
 * 医疗救助 → 惠民保 → aid → what is left to bear) with the year's totals.
 */
import { useState } from "react";
import type {
  AidApplicationView,
  LayeredBill,
  ResidentAidView,
} from "../../../../src/contract/aid-claims.js";
import { useAction } from "../../shared/action.js";
import { api } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import { Async, Empty, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

/** One stay's layers as a list of numbers (the picture is drawn elsewhere). */
export function LayeredBillList({ bill }: { bill: LayeredBill }) {
  const t = useT().aid;
  const rows: [string, string][] = [
    [t.totalCost, bill.total_cost],
    [t.basic, bill.basic],
    [t.critical, bill.critical_illness],
    [t.assistance, bill.medical_assistance],
    [t.hmb, bill.hmb],
    ...bill.aid.filter((a) => a.state === "paid").map((a): [string, string] => [a.name, a.amount]),
    [t.finalBurden, bill.final_burden],
  ];
  return (
    <dl className="layers">
      {rows.map(([label, amount]) => (
        <div key={label} className="row">
          <dt>{label}</dt>
          <dd>{t.yuan(yuan(amount))}</dd>
        </div>
      ))}
    </dl>
  );
}

function Application({ a, mine, onDone }: { a: AidApplicationView; mine: string; onDone: () => void }) {
  const t = useT().aid;
  const [agreed, setAgreed] = useState(false);
  const action = useAction();
  const open = a.state === "proposed" || a.state === "documents_requested";
  const confirm = async () => {
    if (!agreed) {
      action.setError(t.consentFirst);
      return;
    }
    await action.run(async () => {
      await api("POST", programPath(`/aid-applications/${a.application_id}/confirm`), {
        consent: true,
        documents: a.documents_required,
      });
      onDone();
    });
  };
  return (
    <li className="card">
      <h2>{a.program_name}</h2>
      <p className="muted small">{a.sponsor_name}</p>
      {a.psn_no === mine ? null : <p className="small">{t.forChild}</p>}
      <p>
        {a.approved === null ? t.proposed(yuan(a.proposed)) : t.approved(yuan(a.approved))} ·{" "}
        <strong>{t.states[a.state] ?? ""}</strong>
      </p>
      {a.review_note === null ? null : <p className="small">{t.note(a.review_note)}</p>}
      {open ? (
        <>
          {a.documents_required.length === 0 ? null : (
            <p className="small">{`${t.documents}：${a.documents_required.join("、")}`}</p>
          )}
          <label className="small">
            <input type="checkbox" checked={agreed} onChange={(e) => setAgreed(e.target.checked)} />{" "}
            {t.consent}
          </label>
          {action.error === undefined ? null : (
            <p role="alert" className="error small">
              {action.error}
            </p>
          )}
          <button type="button" className="primary" disabled={action.busy} onClick={() => void confirm()}>
            {a.state === "proposed" ? t.confirm : t.resubmit}
          </button>
        </>
      ) : null}
    </li>
  );
}

export function AidPage() {
  const t = useT().aid;
  usePageTitle(t.title);
  const [tick, setTick] = useState(0);
  const state = useLoad(() => api<ResidentAidView>("GET", programPath("/me/aid")), [tick]);
  return (
    <Async state={state}>
      {(v) =>
        v.matched.length === 0 && v.applications.length === 0 ? (
          <Empty title={t.none} hint={t.noneHint} />
        ) : (
          <>
            {v.applications.length === 0 ? null : (
              <section aria-label={t.applications}>
                <h2>{t.applications}</h2>
                <ul className="messages">
                  {v.applications.map((a) => (
                    <Application
                      key={a.application_id}
                      a={a}
                      mine={v.psn_no}
                      onDone={() => setTick((n) => n + 1)}
                    />
                  ))}
                </ul>
              </section>
            )}
            <section aria-label={t.matched}>
              <h2>{t.matched}</h2>
              <ul className="messages">
                {v.matched.map((m) => (
                  <li className="card" key={m.aid_program_id}>
                    <h3>{m.name}</h3>
                    <p className="muted small">{`${m.sponsor_name} · ${m.mode === "automatic" ? t.automatic : t.application}`}</p>
                    {m.description === null ? null : <p className="small">{m.description}</p>}
                    <p>{t.paid(yuan(m.paid))}</p>
                  </li>
                ))}
              </ul>
            </section>
            <section aria-label={t.bills}>
              <h2>{t.bills}</h2>
              <ul className="messages">
                {v.bills.map((b) => (
                  <li className="card" key={b.setl_id}>
                    {b.state === "revoked" ? <p className="muted small">{t.revoked}</p> : null}
                    <LayeredBillList bill={b} />
                  </li>
                ))}
              </ul>
              <h2>{t.year}</h2>
              <dl className="layers">
                {(
                  [
                    [t.totalCost, v.year.total_cost],
                    [t.basic, v.year.basic],
                    [t.critical, v.year.critical_illness],
                    [t.assistance, v.year.medical_assistance],
                    [t.hmb, v.year.hmb],
                    [t.matched, v.year.aid],
                    [t.finalBurden, v.year.final_burden],
                  ] as [string, string][]
                ).map(([label, amount]) => (
                  <div key={label} className="row">
                    <dt>{label}</dt>
                    <dd>{t.yuan(yuan(amount))}</dd>
                  </div>
                ))}
              </dl>
            </section>
          </>
        )
      }
    </Async>
  );
}
