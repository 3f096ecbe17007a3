import { Button, Result } from "antd-mobile";
import { Link, useLocation, useParams } from "react-router";
import { useAction } from "../../shared/action.js";
import { api } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import type { PaymentOrder } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

const fenText = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, "0")}`;

export function PayPage() {
  const t = useT();
  usePageTitle(t.pay.title);
  const { orderNo = "" } = useParams();
  const location = useLocation();
  const state = useLoad(() => api<PaymentOrder>("GET", programPath(`/payments/${orderNo}`)), [orderNo]);
  const action = useAction();

  // The sandbox gateway's pay page is an API call; a real gateway's pay_url would be a page to open.
  const payUrl =
    (location.state as { payUrl?: string } | null)?.payUrl ??
    (state.data?.provider.startsWith("sandbox") ? `/api/v1/sandbox/pay/${orderNo}` : undefined);

  async function pay() {
    if (payUrl === undefined) return;
    await action.run(async () => {
      if (payUrl.startsWith("/api/v1/sandbox/")) await api("POST", payUrl, { status: "paid" });
      else window.location.assign(payUrl);
      state.reload();
    });
  }

  return (
    <Async state={state}>
      {(order) => {
        const amount = fenText(order.amount_fen);
        if (order.status === "expired")
          return (
            <div className="card">
              <Result status="warning" title={t.pay.expired} description={t.pay.expiredText} />
              <Link className="button-link" to="/enroll">
                {t.pay.enrollAgain}
              </Link>
            </div>
          );
        if (order.status === "paid")
          return (
            <div className="card">
              <Result status="success" title={t.pay.paid} description={t.pay.paidText} />
              <Link className="button-link" to="/policies">
                {t.pay.viewPolicies}
              </Link>
            </div>
          );
        if (order.status === "preauthorized")
          return (
            <div className="card">
              <Result
                status="waiting"
                title={t.pay.preauthorizedTitle}
                description={t.pay.preauthorizedText}
              />
              <dl className="kv">
                <dt>{t.pay.order}</dt>
                <dd>{order.order_no}</dd>
                <dt>{t.pay.amount}</dt>
                <dd>
                  <strong className="big-bad">{yuan(amount)}</strong>
                </dd>
              </dl>
              <FieldError id="pay-error" message={action.error} />
              {payUrl?.startsWith("/api/v1/sandbox/") ? (
                <Button block color="primary" size="large" loading={action.busy} onClick={() => void pay()}>
                  {t.pay.simulateDeduction}
                </Button>
              ) : null}
              <Link className="button-link" to="/policies">
                {t.pay.viewPolicies}
              </Link>
            </div>
          );
        return (
          <div className="card">
            {order.status === "failed" ? (
              <Result status="error" title={t.pay.failed} description={t.pay.failedText} />
            ) : null}
            <dl className="kv">
              <dt>{t.pay.order}</dt>
              <dd>{order.order_no}</dd>
              <dt>{t.pay.amount}</dt>
              <dd>
                <strong className="big-bad">{yuan(amount)}</strong>
              </dd>
              <dt>{t.pay.status}</dt>
              <dd>{t.pay.statuses[order.status] ?? order.status}</dd>
              {order.expires_at ? (
                <>
                  <dt>{t.pay.expiresAt}</dt>
                  <dd>{order.expires_at}</dd>
                </>
              ) : null}
            </dl>
            {order.provider.startsWith("sandbox") ? <p className="muted small">{t.pay.sandboxNote}</p> : null}
            <FieldError id="pay-error" message={action.error} />
            {order.status === "created" && payUrl !== undefined ? (
              <Button block color="primary" size="large" loading={action.busy} onClick={() => void pay()}>
                {t.pay.payNow(yuan(amount))}
              </Button>
            ) : null}
          </div>
        );
      }}
    </Async>
  );
}
