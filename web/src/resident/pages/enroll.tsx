import { Button } from "antd-mobile";
import { type FormEvent, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { api, errorText, newIdempotencyKey } from "../../shared/api.js";
import { day, endDay, fenOf, yuan } from "../../shared/format.js";
import type { EnrollmentResult, ProductSheet, ResidentOverview } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { loadProduct, programPath } from "../product.js";
import { promoField } from "../promo.js";
import { CERTNO, checkEligibility } from "./eligibility.js";

type Relation = "spouse" | "child" | "parent";
/** How the resident pays: online (a cash gateway) or a pre-authorized deduction from the 医保个人账户. */
type PayChannel = "cash" | "personal_account";

/**
 * A family member as the resident names them: ID number and name (the server matches both against the
 * roster; a roster number alone is not accepted from a resident).
 */
interface Member {
  certno: string;
  name: string;
  relation: Relation;
  premiums: Record<string, string>;
}

export function EnrollPage() {
  const t = useT();
  usePageTitle(t.enroll.title);
  const state = useLoad(
    () =>
      Promise.all([loadProduct(), api<ResidentOverview>("GET", programPath("/me"))]).then(
        ([product, me]) => ({ product, me }),
      ),
    [],
  );
  return (
    <Async state={state}>
      {({ product, me }) =>
        product.enrollment_state === "open" ? (
          <EnrollForm product={product} me={me} />
        ) : (
          <WindowNotice product={product} />
        )
      }
    </Async>
  );
}

/** Outside the enrollment window the form would only end in a refusal: say so, with the window's dates. */
function WindowNotice({ product }: { product: ProductSheet }) {
  const t = useT();
  const from = day(product.enrollment_start);
  const to = endDay(product.enrollment_end);
  return (
    <section className="card" role="status" aria-labelledby="enroll-closed">
      <h2 id="enroll-closed">{product.enrollment_state === "not_yet" ? t.enroll.notYet : t.enroll.closed}</h2>
      <p>
        {product.enrollment_state === "not_yet"
          ? t.enroll.notYetNotice(from, to)
          : t.enroll.closedNotice(from, to)}
      </p>
    </section>
  );
}

function EnrollForm({ product, me }: { product: ProductSheet; me: ResidentOverview }) {
  const t = useT();
  const navigate = useNavigate();
  const selfEnrolled = me.policies.some((p) => p.is_insured && p.status !== "cancelled");
  const [plan, setPlan] = useState(product.plans[0]?.id ?? "");
  const [includeSelf, setIncludeSelf] = useState(!selfEnrolled);
  const [selfPremiums, setSelfPremiums] = useState<Record<string, string> | undefined>();
  const [members, setMembers] = useState<Member[]>([]);
  const [certno, setCertno] = useState("");
  const [memberName, setMemberName] = useState("");
  const [relation, setRelation] = useState<Relation | "">("");
  const [memberError, setMemberError] = useState<string | undefined>();
  const [adding, setAdding] = useState(false);
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [channel, setChannel] = useState<PayChannel>("cash");
  // One Idempotency-Key per distinct request: a retry of the same enrollment (a lost answer) reuses it, a
  // corrected one (after e.g. a name that did not match) gets a new key instead of a 409 conflict.
  const attempt = useRef<{ body: string; key: string } | undefined>(undefined);

  // The resident's own premium may differ by age or cohort: the plans' base premium until the roster says.
  const premiumOf = (premiums: Record<string, string> | undefined) =>
    premiums?.[plan] ?? product.plans.find((p) => p.id === plan)?.premium ?? "0.00";
  let totalFen = includeSelf ? fenOf(premiumOf(selfPremiums)) : 0;
  for (const m of members) totalFen += fenOf(premiumOf(m.premiums));
  const total = `${Math.floor(totalFen / 100)}.${String(totalFen % 100).padStart(2, "0")}`;

  async function addMember() {
    setMemberError(undefined);
    const id = certno.trim().toUpperCase();
    const name = memberName.trim();
    if (!CERTNO.test(id)) {
      setMemberError(t.eligibility.certnoInvalid);
      document.getElementById("member-certno")?.focus();
      return;
    }
    if (name === "") {
      setMemberError(t.enroll.memberNameRequired);
      document.getElementById("member-name")?.focus();
      return;
    }
    if (relation === "") {
      setMemberError(t.enroll.relationRequired);
      document.getElementById("member-relation")?.focus();
      return;
    }
    setAdding(true);
    try {
      const r = await checkEligibility(id);
      if (!r.eligible || r.psn_no === null) setMemberError(r.message || t.enroll.memberNotEligible);
      else if (r.enrolled) setMemberError(t.enroll.memberAlreadyEnrolled);
      else if (r.psn_no === me.psn_no) {
        setIncludeSelf(true);
        setSelfPremiums(Object.fromEntries(r.premiums.map((p) => [p.plan, p.premium])));
        setCertno("");
        setMemberName("");
      } else if (members.some((m) => m.certno === id)) setMemberError(t.enroll.memberDuplicate);
      else {
        setMembers((ms) => [
          ...ms,
          {
            certno: id,
            name,
            relation,
            premiums: Object.fromEntries(r.premiums.map((p) => [p.plan, p.premium])),
          },
        ]);
        setCertno("");
        setMemberName("");
        setRelation("");
      }
    } catch (err) {
      setMemberError(errorText(err));
    } finally {
      setAdding(false);
    }
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setFormError(undefined);
    if (!includeSelf && members.length === 0) {
      setFormError(t.enroll.nobody);
      return;
    }
    setBusy(true);
    try {
      const body =
        members.length === 0
          ? { kind: "individual", plan, psn_no: me.psn_no, channel, ...promoField() }
          : {
              kind: "family",
              plan,
              payer_psn_no: me.psn_no,
              channel,
              ...promoField(),
              members: [
                ...(includeSelf ? [{ relation: "self" }] : []),
                ...members.map((m) => ({ certno: m.certno, psn_name: m.name, relation: m.relation })),
              ],
            };
      const json = JSON.stringify(body);
      if (attempt.current?.body !== json) attempt.current = { body: json, key: newIdempotencyKey() };
      const r = await api<EnrollmentResult>("POST", programPath("/enrollments"), body, {
        idempotencyKey: attempt.current.key,
      });
      navigate(`/pay/${r.payment.order_no}`, { state: { payUrl: r.payment.pay_url } });
    } catch (err) {
      setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const relations: { value: Relation; label: string }[] = [
    { value: "spouse", label: t.policies.relation.spouse ?? "spouse" },
    { value: "child", label: t.policies.relation.child ?? "child" },
    { value: "parent", label: t.policies.relation.parent ?? "parent" },
  ];

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="enroll-title">
      <h2 id="enroll-title">{product.name}</h2>
      {product.plans.length > 1 ? (
        <fieldset className="field">
          <legend className="label">{t.enroll.plan}</legend>
          {product.plans.map((p) => (
            <label className="check" key={p.id}>
              <input
                type="radio"
                name="plan"
                value={p.id}
                checked={plan === p.id}
                onChange={() => setPlan(p.id)}
              />
              {p.name} · {yuan(p.premium)}
            </label>
          ))}
        </fieldset>
      ) : null}
      <h3>{t.enroll.insured}</h3>
      {selfEnrolled ? (
        <p className="muted">{t.enroll.selfEnrolled}</p>
      ) : (
        <label className="check">
          <input type="checkbox" checked={includeSelf} onChange={(e) => setIncludeSelf(e.target.checked)} />
          {t.enroll.includeSelf}：{me.psn_name} · {yuan(premiumOf(selfPremiums))}
        </label>
      )}
      <ul className="members" aria-label={t.enroll.insured}>
        {members.map((m) => (
          <li className="member" key={m.certno}>
            <span>
              {m.name}（{t.policies.relation[m.relation]}） · {yuan(premiumOf(m.premiums))}
            </span>
            <button
              type="button"
              className="linkbtn"
              onClick={() => setMembers((ms) => ms.filter((x) => x.certno !== m.certno))}
            >
              {t.enroll.remove(m.name)}
            </button>
          </li>
        ))}
      </ul>
      {product.family_enrollment ? (
        <fieldset className="field">
          <legend className="label">{t.enroll.addMember}</legend>
          <p className="muted small" id="member-hint">
            {t.enroll.memberHint}
          </p>
          <label htmlFor="member-certno">{t.enroll.memberCertno}</label>
          <input
            id="member-certno"
            className="input"
            maxLength={18}
            autoComplete="off"
            value={certno}
            aria-describedby={memberError === undefined ? "member-hint" : "member-hint member-error"}
            onChange={(e) => setCertno(e.target.value)}
          />
          <label htmlFor="member-name" style={{ marginTop: 8 }}>
            {t.enroll.memberName}
          </label>
          <input
            id="member-name"
            className="input"
            maxLength={50}
            autoComplete="off"
            value={memberName}
            aria-describedby={memberError === undefined ? undefined : "member-error"}
            onChange={(e) => setMemberName(e.target.value)}
          />
          <label htmlFor="member-relation" style={{ marginTop: 8 }}>
            {t.enroll.relation}
          </label>
          <select
            id="member-relation"
            className="input"
            value={relation}
            onChange={(e) => setRelation(e.target.value as Relation | "")}
          >
            <option value="">—</option>
            {relations.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </select>
          <FieldError id="member-error" message={memberError} />
          <div className="actions-row">
            <Button type="button" onClick={() => void addMember()} loading={adding}>
              {t.enroll.add}
            </Button>
          </div>
        </fieldset>
      ) : null}
      {product.personal_account_payment ? (
        <fieldset className="field">
          <legend className="label">{t.enroll.channelLegend}</legend>
          {(["cash", "personal_account"] as const).map((c) => (
            <label className="check" key={c}>
              <input
                type="radio"
                name="channel"
                value={c}
                checked={channel === c}
                onChange={() => setChannel(c)}
              />
              {t.enroll.channels[c]}
            </label>
          ))}
          {channel === "personal_account" ? (
            <p className="muted small">{t.enroll.personalAccountNote}</p>
          ) : null}
        </fieldset>
      ) : (
        <p className="muted">{t.enroll.channel}</p>
      )}
      <p>
        {t.enroll.total}：<strong className="big-bad">{yuan(total)}</strong>
      </p>
      <p className="muted small">{t.enroll.notice}</p>
      <FieldError id="enroll-error" message={formError} />
      <Button block color="primary" size="large" type="submit" loading={busy}>
        {channel === "personal_account" ? t.enroll.preauthorize(yuan(total)) : t.enroll.pay(yuan(total))}
      </Button>
    </form>
  );
}
