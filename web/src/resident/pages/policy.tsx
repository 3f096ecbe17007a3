import { Button } from "antd-mobile";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import { labelOf, PAYMENT_CHANNEL_LABELS } from "../../../../src/domain/vocabulary.js";
import { api, errorText, raw } from "../../shared/api.js";
import { day, endDay, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { PolicyView, PreauthResult } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { loadProduct, programPath } from "../product.js";
import { statusClass } from "./policies.js";

export function PolicyPage() {
  const t = useT();
  usePageTitle(t.policy.title);
  const { policyNo = "" } = useParams();
  const navigate = useNavigate();
  const state = useLoad(async () => {
    const [policy, product] = await Promise.all([
      api<PolicyView>("GET", programPath(`/policies/${policyNo}`)),
      loadProduct(),
    ]);
    const html =
      policy.issued_at === null
        ? undefined
        : await (
            await raw("GET", programPath(`/policies/${policyNo}/certificate.html`), undefined, {
              accept: "text/html",
            })
          ).text();
    return { policy, html, accountPayment: product.personal_account_payment };
  }, [policyNo]);
  const [error, setError] = useState<string | undefined>();
  const [downloading, setDownloading] = useState(false);
  const [switching, setSwitching] = useState(false);
  const [switchError, setSwitchError] = useState<string | undefined>();

  /** Seed 004: a policy paid online may be paid again from the 医保个人账户; the online payment then goes back. */
  async function switchToAccount(p: PolicyView) {
    setSwitching(true);
    setSwitchError(undefined);
    try {
      const r = await api<PreauthResult>("POST", programPath("/payments/personal-account/preauth"), {
        payer_psn_no: p.payer_psn_no,
        psn_nos: [p.psn_no],
      });
      navigate(`/pay/${r.payment.order_no}`, { state: { payUrl: r.payment.pay_url } });
    } catch (err) {
      setSwitchError(errorText(err));
    } finally {
      setSwitching(false);
    }
  }

  async function downloadPdf() {
    setDownloading(true);
    setError(undefined);
    try {
      const res = await raw("GET", programPath(`/policies/${policyNo}/certificate.pdf`), undefined, {
        accept: "application/pdf",
      });
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `${policyNo}.pdf`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <Async state={state}>
      {({ policy: p, html, accountPayment }) => (
        <>
          <section className="card" aria-labelledby="policy-title">
            <div className="row">
              <h2 id="policy-title">{p.product_name}</h2>
              <span className={statusClass(p.status)}>{t.policies.status[p.status] ?? p.status}</span>
            </div>
            <dl className="kv">
              <dt>{t.policy.insured}</dt>
              <dd>
                {p.psn_name}（{t.policies.relation[p.relation] ?? p.relation}）
              </dd>
              <dt>{t.policy.certno}</dt>
              <dd>{p.certno}</dd>
              <dt>{t.policy.plan}</dt>
              <dd>{p.plan_name}</dd>
              <dt>{t.policy.premium}</dt>
              <dd>{yuan(p.premium)}</dd>
              <dt>{t.policy.coverage}</dt>
              <dd>
                {day(p.coverage_start)} – {endDay(p.coverage_end)}
              </dd>
              <dt>{t.policies.policyNo}</dt>
              <dd>{p.policy_no}</dd>
              {p.issued_at === null ? null : (
                <>
                  <dt>{t.policy.issuedAt}</dt>
                  <dd>{p.issued_at}</dd>
                </>
              )}
              {p.verification_code === undefined ? null : (
                <>
                  <dt>{t.policy.verification}</dt>
                  <dd>{p.verification_code}</dd>
                </>
              )}
              {p.refund === null ? null : (
                <>
                  <dt>{t.policy.refund}</dt>
                  <dd>{yuan(p.refund)}</dd>
                </>
              )}
            </dl>
          </section>
          <PaymentHistory policy={p} />
          {accountPayment && canSwitchToAccount(p) ? (
            <section className="card" aria-labelledby="switch-title">
              <h2 id="switch-title">{t.policy.switchToAccount}</h2>
              <p className="muted small">{t.policy.switchToAccountNote}</p>
              <FieldError id="switch-error" message={switchError} />
              <Button block onClick={() => void switchToAccount(p)} loading={switching}>
                {t.policy.switchToAccount}
              </Button>
            </section>
          ) : null}
          {html === undefined ? (
            <p className="card muted">{t.policy.notIssued}</p>
          ) : (
            <section className="card" aria-labelledby="certificate-title">
              <h2 id="certificate-title">{t.policy.certificate}</h2>
              <iframe className="certificate" title={t.policy.certificate} srcDoc={html} sandbox="" />
              <FieldError id="pdf-error" message={error} />
              <div className="actions-row">
                <Button block onClick={() => void downloadPdf()} loading={downloading}>
                  {t.policy.pdf}
                </Button>
              </div>
            </section>
          )}
        </>
      )}
    </Async>
  );
}

/** In force, paid otherwise, and no deduction scheduled or done yet. */
function canSwitchToAccount(p: PolicyView): boolean {
  if (p.status !== "active" && p.status !== "pending_effective") return false;
  if (p.paid_channel === null || p.paid_channel === "personal_account" || p.payer_psn_no === null)
    return false;
  return !(p.events ?? []).some((e) => e.event === "personal_account_preauthorized");
}

/** The policy's payment events as the resident reads them: when paid, how, and what went back. */
function PaymentHistory({ policy: p }: { policy: PolicyView }) {
  const t = useT();
  const { lang } = useLang();
  const events = (p.events ?? []).flatMap((e) => {
    const data = (e.data ?? {}) as { channel?: string };
    const ev = t.policy.events;
    let text: string | undefined;
    if (e.event === "issued") {
      // A charity order's channel is charity:<pool>; the vocabulary names the kind.
      const channel = data.channel?.startsWith("charity") ? "charity" : data.channel;
      text = ev.issued(labelOf(PAYMENT_CHANNEL_LABELS, channel, lang));
    } else if (e.event === "paid_by_personal_account") text = ev.paid_by_personal_account(yuan(p.premium));
    else if (e.event in ev) {
      const label = ev[e.event as keyof typeof ev];
      if (typeof label === "string") text = label;
    }
    return text === undefined ? [] : [{ seq: e.seq, at: e.at, text }];
  });
  if (events.length === 0) return null;
  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">{t.policy.history}</h2>
      <ol className="timeline">
        {events.map((e) => (
          <li key={e.seq}>
            <span className="muted small">{e.at}</span> {e.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
