import { Button } from "antd-mobile";
import { type FormEvent, useState } from "react";
import { ApiError, api, errorText } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { BenefitQuote } from "../../shared/types.js";
import { FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { loadProduct, programPath } from "../product.js";

const MONEY = /^\d{1,10}(\.\d{1,2})?$/;

type Field = "total" | "insurance_paid" | "out_of_scope";

export function CalculatorPage() {
  const t = useT();
  const { lang } = useLang();
  usePageTitle(t.nav.calc);
  const product = useLoad(loadProduct, []);
  const [values, setValues] = useState<Record<Field, string>>({
    total: "",
    insurance_paid: "",
    out_of_scope: "0",
  });
  const [outOfRegion, setOutOfRegion] = useState(false);
  const [preExisting, setPreExisting] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<Field | "form", string>>>({});
  const [busy, setBusy] = useState(false);
  const [quote, setQuote] = useState<BenefitQuote | undefined>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Partial<Record<Field, string>> = {};
    for (const f of ["total", "insurance_paid", "out_of_scope"] as const) {
      if (!MONEY.test(values[f].trim())) found[f] = t.calc.amountInvalid;
    }
    setErrors(found);
    if (Object.keys(found).length > 0) {
      document.getElementById(`calc-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      const q = await api<BenefitQuote>("POST", programPath("/benefit-quote"), {
        total: values.total.trim(),
        insurance_paid: values.insurance_paid.trim(),
        out_of_scope: values.out_of_scope.trim(),
        out_of_region: outOfRegion,
        pre_existing: preExisting,
        lang,
      });
      setQuote(q);
      requestAnimationFrame(() => document.getElementById("calc-result")?.focus());
    } catch (err) {
      const field = err instanceof ApiError ? err.field : null;
      if (field === "total" || field === "insurance_paid" || field === "out_of_scope")
        setErrors({ [field]: errorText(err) });
      else setErrors({ form: errorText(err) });
      setQuote(undefined);
    } finally {
      setBusy(false);
    }
  }

  const input = (f: Field, label: string, help: string) => (
    <div className="field">
      <label htmlFor={`calc-${f}`}>{label}</label>
      <input
        id={`calc-${f}`}
        className="input"
        inputMode="decimal"
        autoComplete="off"
        value={values[f]}
        aria-invalid={errors[f] !== undefined}
        aria-describedby={`calc-${f}-help${errors[f] === undefined ? "" : ` calc-${f}-error`}`}
        onChange={(e) => setValues({ ...values, [f]: e.target.value })}
      />
      <p className="help" id={`calc-${f}-help`}>
        {help}
      </p>
      <FieldError id={`calc-${f}-error`} message={errors[f]} />
    </div>
  );

  const conditions = product.data?.pre_existing_conditions ?? [];
  return (
    <>
      <form className="card" onSubmit={submit} noValidate aria-labelledby="calc-title">
        <h2 id="calc-title">{t.calc.title}</h2>
        <p className="muted">{t.calc.intro}</p>
        {input("total", t.calc.total, t.calc.totalHelp)}
        {input("insurance_paid", t.calc.paid, t.calc.paidHelp)}
        {input("out_of_scope", t.calc.outOfScope, t.calc.outOfScopeHelp)}
        <label className="check">
          <input type="checkbox" checked={outOfRegion} onChange={(e) => setOutOfRegion(e.target.checked)} />
          {t.calc.outOfRegion}
        </label>
        {conditions.length === 0 ? null : (
          <label className="check">
            <input type="checkbox" checked={preExisting} onChange={(e) => setPreExisting(e.target.checked)} />
            {t.calc.preExisting(conditions.map((c) => c.name).join("、"))}
          </label>
        )}
        <FieldError id="calc-form-error" message={errors.form} />
        <Button block color="primary" type="submit" loading={busy} size="large">
          {t.calc.submit}
        </Button>
      </form>
      {quote === undefined ? null : (
        <section className="card" id="calc-result" tabIndex={-1} aria-labelledby="calc-result-title">
          <h2 id="calc-result-title">{t.calc.result}</h2>
          <dl className="kv">
            <dt>{t.calc.burden}</dt>
            <dd>{yuan(quote.person_burden)}</dd>
            <dt>{t.calc.inScope}</dt>
            <dd>{yuan(quote.in_scope_self_pay)}</dd>
          </dl>
          {quote.plans.map((p) => (
            <div key={p.plan} className="plan-quote">
              <h3>{p.plan_name}</h3>
              <p>
                {t.calc.pays}：<span className="big">{yuan(p.hmb_pay)}</span>
              </p>
              <p>
                {t.calc.stillPay}：<strong>{yuan(p.remaining)}</strong>
              </p>
              <p className="muted">{p.summary}</p>
              {p.lines.length === 0 ? null : (
                <details open>
                  <summary>{t.calc.howCalculated}</summary>
                  {p.lines.map((l) => (
                    <div className="line" key={l.liability}>
                      <p>{l.explanation}</p>
                    </div>
                  ))}
                </details>
              )}
            </div>
          ))}
          <p className="muted small">{quote.assumptions}</p>
        </section>
      )}
    </>
  );
}
