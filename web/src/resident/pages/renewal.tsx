/**
 * 续保: a resident insured last year renews last year's plan and members with one tap, and turns 自动续保授权
 * on or off (next year's window opens → enrolled, premium from the 医保个人账户). Words are local to this page.
 */
import { Button, Switch } from "antd-mobile";
import { useRef, useState } from "react";
import { useNavigate } from "react-router";
import type { RenewalAuthorization, RenewalOffer } from "../../../../src/contract/renewal.js";
import { useAction } from "../../shared/action.js";
import { api, newIdempotencyKey } from "../../shared/api.js";
import { yuan } from "../../shared/format.js";
import { useDict } from "../../shared/i18n.js";
import type { EnrollmentResult } from "../../shared/types.js";
import { Async, useLoad, usePageTitle } from "../components.js";
import { programPath } from "../product.js";

const zh = {
  title: "续保",
  renewTitle: "一键续保",
  renewIntro: (plan: string) => `按上一年度的方案（${plan}）和成员续保本年度：`,
  members: "续保成员",
  relation: { self: "本人", spouse: "配偶", child: "子女", parent: "父母" } as Record<string, string>,
  status: {
    to_renew: "待续保",
    already_enrolled: "本年度已投保",
    not_on_roster: "不在本年度参保名单中",
  } as Record<string, string>,
  years: (n: number) => `连续参保第 ${n} 年`,
  total: "合计保费",
  renewCash: "一键续保（在线支付）",
  renewAccount: "一键续保（医保个人账户）",
  authTitle: "自动续保授权",
  authIntro:
    "开通后，下一年度投保开始时，将按您本年度的方案和成员自动续保，保费从您的医保个人账户扣缴；扣缴成功前已用其他方式缴费的，将自动退回。可随时关闭。",
  authLabel: "开通自动续保",
  authOn: (at: string) => `已开通（${at}）`,
  authOff: "未开通",
  authRevoked: (at: string) => `已于 ${at} 关闭`,
  renewedInto: (program: string) => `已为您自动续保到 ${program}`,
  lastError: (why: string) => `上次自动续保未成功：${why}`,
};

const en: typeof zh = {
  title: "Renewal",
  renewTitle: "Renew in one tap",
  renewIntro: (plan: string) => `Renew last year's plan (${plan}) and members for this year:`,
  members: "Members",
  relation: { self: "Self", spouse: "Spouse", child: "Child", parent: "Parent" },
  status: {
    to_renew: "To renew",
    already_enrolled: "Already insured this year",
    not_on_roster: "Not on this year's roster",
  },
  years: (n: number) => `Insured year ${n} in a row`,
  total: "Total premium",
  renewCash: "Renew (pay online)",
  renewAccount: "Renew (medical insurance personal account)",
  authTitle: "Automatic renewal",
  authIntro:
    "When next year's enrollment opens, you and this year's members are renewed on the same plan and the premium is taken from your medical insurance personal account; anything paid otherwise is refunded. Turn it off at any time.",
  authLabel: "Renew automatically",
  authOn: (at: string) => `On (since ${at})`,
  authOff: "Off",
  authRevoked: (at: string) => `Turned off at ${at}`,
  renewedInto: (program: string) => `Renewed automatically into ${program}`,
  lastError: (why: string) => `Last automatic renewal failed: ${why}`,
};

function RenewCard({ offer }: { offer: RenewalOffer }) {
  const t = useDict({ zh, en });
  const navigate = useNavigate();
  const action = useAction();
  const attempt = useRef<{ channel: string; key: string } | undefined>(undefined);

  async function renew(channel: "cash" | "personal_account") {
    await action.run(async () => {
      // One key per choice: a double tap or a retry after a lost answer renews once.
      if (attempt.current?.channel !== channel) attempt.current = { channel, key: newIdempotencyKey() };
      const r = await api<EnrollmentResult>(
        "POST",
        programPath("/renewal"),
        { channel },
        {
          idempotencyKey: attempt.current.key,
        },
      );
      navigate(`/pay/${r.payment.order_no}`, { state: { payUrl: r.payment.pay_url } });
    });
  }

  return (
    <section className="card" aria-labelledby="renew-title">
      <h2 id="renew-title">{t.renewTitle}</h2>
      {offer.plan_name === null ? null : <p>{t.renewIntro(offer.plan_name)}</p>}
      {offer.members.length === 0 ? null : (
        <ul className="plain-list" aria-label={t.members}>
          {offer.members.map((m) => (
            <li key={`${m.psn_no}-${m.psn_name}`} className="row">
              <span>
                {m.psn_name}（{t.relation[m.relation] ?? m.relation}）
                {m.status === "to_renew" ? ` · ${t.years(m.insured_years)}` : ""}
              </span>
              <span className={m.status === "to_renew" ? "tag tag-warn" : "tag"}>
                {m.status === "to_renew" ? `${yuan(m.premium)} 元` : (t.status[m.status] ?? m.status)}
              </span>
            </li>
          ))}
        </ul>
      )}
      {offer.available ? (
        <>
          <p>
            {t.total}：<strong>{yuan(offer.total)} 元</strong>
          </p>
          <div className="actions-row">
            <Button color="primary" loading={action.busy} onClick={() => void renew("cash")}>
              {t.renewCash}
            </Button>
            {offer.personal_account ? (
              <Button loading={action.busy} onClick={() => void renew("personal_account")}>
                {t.renewAccount}
              </Button>
            ) : null}
          </div>
        </>
      ) : (
        <p className="hint">{offer.reason}</p>
      )}
      {action.error === undefined ? null : (
        <p className="field-error" role="alert">
          {action.error}
        </p>
      )}
    </section>
  );
}

function AuthorizationCard({ initial }: { initial: RenewalAuthorization }) {
  const t = useDict({ zh, en });
  const [auth, setAuth] = useState(initial);
  const action = useAction();

  async function toggle(on: boolean) {
    await action.run(async () => {
      const path = on ? "/renewal/authorization" : "/renewal/authorization/revoke";
      setAuth(await api<RenewalAuthorization>("POST", programPath(path)));
    });
  }

  const state =
    auth.status === "granted"
      ? t.authOn(auth.granted_at ?? "")
      : auth.status === "revoked"
        ? t.authRevoked(auth.revoked_at ?? "")
        : t.authOff;
  return (
    <section className="card" aria-labelledby="auth-title">
      <h2 id="auth-title">{t.authTitle}</h2>
      <p className="hint">{t.authIntro}</p>
      <div className="row">
        <span id="auth-label">{t.authLabel}</span>
        <Switch
          aria-labelledby="auth-label"
          checked={auth.status === "granted"}
          loading={action.busy}
          onChange={(on) => void toggle(on)}
        />
      </div>
      <p role="status">{state}</p>
      {auth.renewed_into === null ? null : <p>{t.renewedInto(auth.renewed_into)}</p>}
      {auth.last_error === null ? null : <p className="hint">{t.lastError(auth.last_error)}</p>}
      {action.error === undefined ? null : (
        <p className="field-error" role="alert">
          {action.error}
        </p>
      )}
    </section>
  );
}

export function RenewalPage() {
  const t = useDict({ zh, en });
  usePageTitle(t.title);
  const state = useLoad(
    () =>
      Promise.all([
        api<RenewalOffer>("GET", programPath("/renewal")),
        api<RenewalAuthorization>("GET", programPath("/renewal/authorization")),
      ]),
    [],
  );
  return (
    <Async state={state}>
      {([offer, auth]) => (
        <>
          {offer.follows_program_id === null ? null : <RenewCard offer={offer} />}
          <AuthorizationCard initial={auth} />
        </>
      )}
    </Async>
  );
}
