import { Button, Result } from "antd-mobile";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { useAction } from "../../shared/action.js";
import { ApiError, api, errorText, newIdempotencyKey } from "../../shared/api.js";
import { endDay, yuan } from "../../shared/format.js";
import type { ClaimableRecord, ConsentView } from "../../shared/types.js";
import { Async, FieldError, Loading, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { loadProduct, programPath } from "../product.js";

function ConsentForm({ onGranted }: { onGranted: () => void }) {
  const t = useT();
  const product = useLoad(loadProduct, []);
  return (
    <Async state={product}>
      {(p) => (
        <ConsentFields
          onGranted={onGranted}
          from={p.coverage_start.slice(0, 10)}
          to={endDay(p.coverage_end)}
          t={t}
        />
      )}
    </Async>
  );
}

function ConsentFields({
  onGranted,
  from: initialFrom,
  to: initialTo,
  t,
}: {
  onGranted: () => void;
  from: string;
  to: string;
  t: ReturnType<typeof useT>;
}) {
  // The policy year by default: the records a claim of this year can need, and no more.
  const [from, setFrom] = useState(initialFrom);
  const [to, setTo] = useState(initialTo);
  const [days, setDays] = useState("30");
  const [agree, setAgree] = useState(false);
  const action = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!agree) {
      action.setError(t.online.agreeRequired);
      return;
    }
    await action.run(async () => {
      await api("POST", programPath("/consents"), {
        scope: "settlement_records",
        from,
        to,
        days_valid: Number(days),
      });
      onGranted();
    });
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="consent-title">
      <h2 id="consent-title">{t.online.consentTitle}</h2>
      <p>{t.online.consentText}</p>
      <div className="field">
        <label htmlFor="consent-from">{t.online.from}</label>
        <input
          id="consent-from"
          className="input"
          type="date"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="consent-to">{t.online.to}</label>
        <input
          id="consent-to"
          className="input"
          type="date"
          value={to}
          onChange={(e) => setTo(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="consent-days">{t.online.days}</label>
        <select id="consent-days" className="input" value={days} onChange={(e) => setDays(e.target.value)}>
          {["7", "30", "90"].map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input type="checkbox" checked={agree} onChange={(e) => setAgree(e.target.checked)} />
        {t.online.agree}
      </label>
      <FieldError id="consent-error" message={action.error} />
      <Button block color="primary" size="large" type="submit" loading={action.busy}>
        {t.online.grant}
      </Button>
    </form>
  );
}

function Claimable({ consent, onRevoked }: { consent: ConsentView; onRevoked: () => void }) {
  const t = useT();
  const records = useLoad(
    () => api<{ records: ClaimableRecord[] }>("GET", programPath("/online-claims/claimable")),
    [consent.consent_id],
  );
  const [picked, setPicked] = useState<string[]>([]);
  const action = useAction();
  const [done, setDone] = useState(false);
  const [key] = useState(newIdempotencyKey);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (picked.length === 0) {
      action.setError(t.online.pick);
      return;
    }
    await action.run(async () => {
      await api("POST", programPath("/online-claims"), { setl_ids: picked }, { idempotencyKey: key });
      setDone(true);
    });
  }

  async function revoke() {
    try {
      await api("POST", programPath(`/consents/${consent.consent_id}/revoke`));
      onRevoked();
    } catch (err) {
      action.setError(errorText(err));
    }
  }

  if (done)
    return (
      <div className="card">
        <Result status="success" title={t.online.submitted} />
        <Link className="button-link" to="/claims">
          {t.claims.title}
        </Link>
      </div>
    );
  return (
    <>
      <div className="card">
        <p>{t.online.active(consent.from, consent.to, consent.expires_at.slice(0, 10))}</p>
        <button type="button" className="linkbtn" onClick={() => void revoke()}>
          {t.online.revoke}
        </button>
      </div>
      <Async state={records}>
        {(r) =>
          r.records.length === 0 ? (
            <p className="card muted">{t.online.noRecords}</p>
          ) : (
            <form className="card" onSubmit={submit} noValidate>
              <fieldset className="field">
                <legend className="label">{t.online.records}</legend>
                {r.records.map((rec) => (
                  <label className="check" key={rec.setl_id}>
                    <input
                      type="checkbox"
                      checked={picked.includes(rec.setl_id)}
                      onChange={(e) =>
                        setPicked((p) =>
                          e.target.checked ? [...p, rec.setl_id] : p.filter((x) => x !== rec.setl_id),
                        )
                      }
                    />
                    {rec.settled_at.slice(0, 10)} · {rec.fixmedins_name ?? rec.fixmedins_code} ·{" "}
                    {t.online.burden} {yuan(rec.psn_part_amt)}
                  </label>
                ))}
              </fieldset>
              <FieldError id="claim-error" message={action.error} />
              <Button block color="primary" size="large" type="submit" loading={action.busy}>
                {t.online.submit}
              </Button>
            </form>
          )
        }
      </Async>
    </>
  );
}

export function OnlineClaimPage() {
  const t = useT();
  usePageTitle(t.online.title);
  const consents = useLoad(() => api<{ consents: ConsentView[] }>("GET", programPath("/consents")), []);
  if (consents.loading && consents.data === undefined) return <Loading />;
  if (consents.error instanceof ApiError && consents.error.status === 404)
    return <p className="card muted">{t.claims.unavailable}</p>;
  return (
    <Async state={consents}>
      {(r) => {
        const active = r.consents.find((c) => c.state === "active");
        return active === undefined ? (
          <ConsentForm onGranted={consents.reload} />
        ) : (
          <Claimable consent={active} onRevoked={consents.reload} />
        );
      }}
    </Async>
  );
}
