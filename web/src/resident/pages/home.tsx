import { Link } from "react-router";
import { bigYuan, day, endDay, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { LiabilityView, ProductSheet, RatioView } from "../../shared/types.js";
import { Async, useLoad, usePageTitle } from "../components.js";
import { type ResidentDict, useT } from "../i18n.js";
import { loadProduct } from "../product.js";

function ratioText(r: RatioView, lang: "zh" | "en"): string {
  const label = r.label ?? (r.when === null ? "" : conditionText(r, lang));
  return label === "" ? `${r.ratio_percent}%` : `${label} ${r.ratio_percent}%`;
}

function conditionText(r: RatioView, lang: "zh" | "en"): string {
  const w = r.when ?? {};
  const parts: string[] = [];
  if (w.pre_existing === true) parts.push(lang === "zh" ? "既往症" : "pre-existing");
  if (w.out_of_region === true) parts.push(lang === "zh" ? "异地" : "out of region");
  if (w.cost_from !== undefined)
    parts.push(`${yuan(w.cost_from)}–${w.cost_to === null ? "" : yuan(w.cost_to)}`);
  return parts.join("·");
}

function LiabilityCell({ l, t, lang }: { l: LiabilityView | undefined; t: ResidentDict; lang: "zh" | "en" }) {
  if (l === undefined) return <td>{t.home.notIncluded}</td>;
  return (
    <td>
      <div>
        {t.home.deductible}：{bigYuan(l.deductible?.amount ?? "0.00", lang)}
      </div>
      <div>
        {t.home.ratio}：{l.ratios.map((r) => ratioText(r, lang)).join("；")}
      </div>
      <div>
        {t.home.cap}：{bigYuan(l.cap, lang)}
      </div>
      {l.catalog === null ? null : (
        <div className="muted small">
          {l.catalog.sample ? t.home.catalogSample(l.catalog.items) : t.home.catalog(l.catalog.items)}
        </div>
      )}
      {l.pre_existing_excluded ? <div className="muted small">{t.home.preExistingExcluded}</div> : null}
    </td>
  );
}

function Compare({ p, t, lang }: { p: ProductSheet; t: ResidentDict; lang: "zh" | "en" }) {
  // Rows: every liability of any plan, in first-seen order, so plans line up side by side.
  const rows: { id: string; name: string }[] = [];
  for (const plan of p.plans)
    for (const l of plan.liabilities)
      if (!rows.some((r) => r.id === l.id)) rows.push({ id: l.id, name: l.name });
  return (
    <div className="card">
      <table className="compare">
        <caption>{t.home.compare}</caption>
        <thead>
          <tr>
            <th scope="col">{t.home.item}</th>
            {p.plans.map((plan) => (
              <th scope="col" key={plan.id}>
                {plan.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">{t.home.premium}</th>
            {p.plans.map((plan) => (
              <td key={plan.id}>
                <strong>{yuan(plan.premium)}</strong>
              </td>
            ))}
          </tr>
          <tr>
            <th scope="row">{t.home.annualTotal}</th>
            {p.plans.map((plan) => (
              <td key={plan.id}>{bigYuan(plan.annual_total, lang)}</td>
            ))}
          </tr>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">{row.name}</th>
              {p.plans.map((plan) => (
                <LiabilityCell
                  key={plan.id}
                  l={plan.liabilities.find((l) => l.id === row.id)}
                  t={t}
                  lang={lang}
                />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function HomePage() {
  const t = useT();
  const { lang } = useLang();
  usePageTitle(t.appTitle);
  const product = useLoad(loadProduct, []);
  return (
    <Async state={product}>
      {(p) => {
        const cheapest = p.plans.map((x) => x.premium).sort((a, b) => Number(a) - Number(b))[0] ?? "0.00";
        return (
          <>
            <section className="card hero" aria-labelledby="product-name">
              <h2 id="product-name">{p.name}</h2>
              <p className="price">{t.home.priceFrom(yuan(cheapest))}</p>
              <p>
                {t.home.enrollWindow}：{day(p.enrollment_start)} – {endDay(p.enrollment_end)}
              </p>
              <p>
                {t.home.coverage}：{day(p.coverage_start)} – {endDay(p.coverage_end)}
              </p>
              <ul>
                {t.home.features.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ul>
            </section>
            <div className="actions">
              <Link className="button-link" to="/enroll">
                {t.home.enroll}
              </Link>
              <Link className="button-link secondary" to="/calculator">
                {t.home.calc}
              </Link>
              <Link className="button-link secondary" to="/eligibility">
                {t.home.eligibility}
              </Link>
            </div>
            <div style={{ height: 12 }} />
            <Compare p={p} t={t} lang={lang} />
            {p.pre_existing_conditions.length === 0 ? null : (
              <section className="card" aria-labelledby="pre-existing">
                <h2 id="pre-existing">{t.home.preExisting}</h2>
                <ul>
                  {p.pre_existing_conditions.map((c) => (
                    <li key={c.id}>{c.name}</li>
                  ))}
                </ul>
              </section>
            )}
            <section className="card" aria-labelledby="refund-rules">
              <h2 id="refund-rules">{t.home.refund}</h2>
              <p>{t.home.refundText(p.refund.after_effective)}</p>
              <h3>{t.home.insurers}</h3>
              <ul>
                {p.insurers.map((i) => (
                  <li key={i.code}>
                    {i.name}
                    {i.lead ? `（${t.home.lead}）` : ""}
                  </li>
                ))}
              </ul>
            </section>
          </>
        );
      }}
    </Async>
  );
}
