import { Button } from "antd-mobile";
import { useState } from "react";
import { useParams } from "react-router";
import { api, errorText, raw } from "../../shared/api.js";
import { day, endDay, yuan } from "../../shared/format.js";
import type { PolicyView } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";
import { statusClass } from "./policies.js";

export function PolicyPage() {
  const t = useT();
  usePageTitle(t.policy.title);
  const { policyNo = "" } = useParams();
  const state = useLoad(async () => {
    const policy = await api<PolicyView>("GET", programPath(`/policies/${policyNo}`));
    const html =
      policy.issued_at === null
        ? undefined
        : await (
            await raw("GET", programPath(`/policies/${policyNo}/certificate.html`), undefined, {
              accept: "text/html",
            })
          ).text();
    return { policy, html };
  }, [policyNo]);
  const [error, setError] = useState<string | undefined>();
  const [downloading, setDownloading] = useState(false);

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
      {({ policy: p, html }) => (
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
