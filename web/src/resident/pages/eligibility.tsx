import { Button } from "antd-mobile";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { api, errorText } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import type { Eligibility } from "../../shared/types.js";
import { FieldError, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";
import { promoField } from "../promo.js";

export const CERTNO = /^\d{17}[\dXx]$/;

export function checkEligibility(certno: string): Promise<Eligibility> {
  return api<Eligibility>("POST", programPath("/eligibility"), {
    certno: certno.trim().toUpperCase(),
    ...promoField(),
  });
}

export function EligibilityPage() {
  const t = useT();
  usePageTitle(t.eligibility.title);
  const [certno, setCertno] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Eligibility | undefined>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!CERTNO.test(certno.trim())) {
      setError(t.eligibility.certnoInvalid);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setResult(await checkEligibility(certno));
    } catch (err) {
      setResult(undefined);
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <form className="card" onSubmit={submit} noValidate aria-labelledby="elig-title">
        <h2 id="elig-title">{t.eligibility.title}</h2>
        <p className="muted">{t.eligibility.intro}</p>
        <div className="field">
          <label htmlFor="elig-certno">{t.eligibility.certno}</label>
          <input
            id="elig-certno"
            className="input"
            inputMode="text"
            autoComplete="off"
            maxLength={18}
            value={certno}
            aria-invalid={error !== undefined}
            aria-describedby={`elig-certno-help${error === undefined ? "" : " elig-certno-error"}`}
            onChange={(e) => setCertno(e.target.value)}
          />
          <p className="help" id="elig-certno-help">
            {t.eligibility.certnoHelp}
          </p>
          <FieldError id="elig-certno-error" message={error} />
        </div>
        <Button block color="primary" size="large" type="submit" loading={busy}>
          {t.eligibility.submit}
        </Button>
      </form>
      {result === undefined ? null : (
        <section className="card" aria-live="polite" aria-labelledby="elig-result">
          <h2 id="elig-result">
            {result.eligible
              ? result.enrolled
                ? t.eligibility.enrolled
                : t.eligibility.eligible
              : t.eligibility.notEligible}
          </h2>
          {result.psn_name === null ? null : (
            <p>
              {result.psn_name}（{result.certno}）
              {result.age === null ? "" : ` · ${t.eligibility.age(result.age)}`}
            </p>
          )}
          <p>{result.message}</p>
          {result.premiums.map((p) => (
            <p key={p.plan}>
              {p.plan_name} · {t.eligibility.premium} {yuan(p.premium)}
            </p>
          ))}
          {result.eligible && !result.enrolled ? (
            <Link className="button-link" to="/enroll">
              {t.eligibility.enrollThem}
            </Link>
          ) : null}
        </section>
      )}
    </>
  );
}
