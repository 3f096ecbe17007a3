import { Button, Result } from "antd-mobile";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useAction } from "../../shared/action.js";
import { ApiError, api, newIdempotencyKey } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import type { CancelQuote } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

export function CancelPage() {
  const t = useT();
  usePageTitle(t.cancel.title);
  const { policyNo = "" } = useParams();
  const state = useLoad(
    () => api<CancelQuote>("GET", programPath(`/policies/${policyNo}/cancel/quote`)),
    [policyNo],
  );
  const [reason, setReason] = useState("");
  const action = useAction();
  const [done, setDone] = useState<CancelQuote | undefined>();
  const [key] = useState(newIdempotencyKey);

  const [asking, setAsking] = useState(false);

  async function confirm(quote: CancelQuote) {
    setAsking(false);
    await action.run(
      async () => {
        const r = await api<CancelQuote>(
          "POST",
          programPath(`/policies/${policyNo}/cancel`),
          {
            expected_refund_fen: quote.refund_fen,
            ...(reason.trim() === "" ? {} : { reason: reason.trim() }),
          },
          { idempotencyKey: key },
        );
        setDone(r);
      },
      // The refund changed since the quote (a day passed): show the new one before asking again.
      (err) => {
        if (err instanceof ApiError && err.code === "quote_changed") state.reload();
      },
    );
  }

  if (done !== undefined)
    return (
      <div className="card">
        <Result status="success" title={t.cancel.done} description={t.cancel.doneText(yuan(done.refund))} />
        <Link className="button-link" to="/policies">
          {t.pay.viewPolicies}
        </Link>
      </div>
    );

  return (
    <Async state={state}>
      {(q) => (
        <section className="card" aria-labelledby="cancel-title">
          <h2 id="cancel-title">{t.cancel.quote}</h2>
          <dl className="kv">
            <dt>{t.policies.policyNo}</dt>
            <dd>{q.policy_no}</dd>
            <dt>{t.cancel.premium}</dt>
            <dd>{yuan(q.premium)}</dd>
            <dt>{t.cancel.refund}</dt>
            <dd>
              <strong className="big" data-testid="refund-amount">
                {yuan(q.refund)}
              </strong>
            </dd>
          </dl>
          {q.total_days > 0 ? <p className="muted">{t.cancel.days(q.remaining_days, q.total_days)}</p> : null}
          <p className="muted">{q.explanation}</p>
          <p className="muted">{t.cancel.channel}</p>
          <div className="field">
            <label htmlFor="cancel-reason">{t.cancel.reason}</label>
            <textarea
              id="cancel-reason"
              className="input"
              rows={2}
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
            />
          </div>
          <FieldError id="cancel-error" message={action.error} />
          {asking ? (
            <section
              className="confirm"
              role="alertdialog"
              aria-labelledby="cancel-confirm-title"
              aria-describedby="cancel-confirm-text"
            >
              <h3 id="cancel-confirm-title">{t.cancel.confirmTitle}</h3>
              <p id="cancel-confirm-text">{t.cancel.confirmText(yuan(q.refund))}</p>
              <div className="actions-row">
                <Button id="cancel-keep" onClick={() => setAsking(false)}>
                  {t.cancel.keep}
                </Button>
                <Button color="danger" loading={action.busy} onClick={() => void confirm(q)}>
                  {t.cancel.ok}
                </Button>
              </div>
            </section>
          ) : (
            <Button
              block
              color="danger"
              size="large"
              loading={action.busy}
              onClick={() => {
                setAsking(true);
                // Focus the safe choice first: cancelling cannot be undone.
                requestAnimationFrame(() => document.getElementById("cancel-keep")?.focus());
              }}
            >
              {t.cancel.confirm}
            </Button>
          )}
        </section>
      )}
    </Async>
  );
}
