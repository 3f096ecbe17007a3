/**
 * 票据理赔 from the phone: the resident (or the parent or family payer of an insured member) keys in what the
 * paper 结算单 says, the server checks it like any settlement record (Chinese errors naming the field) and
 * opens a case with what the engine would pay; the case page then takes the photos. A parent whose child was
 * insured by a unit or a charity (not paid for by them) claims as the child's declared guardian: the child's
 * person number and ID number, the relation, and a photo of the 监护关系证明, checked by the reviewer.
 */
import { Button } from "antd-mobile";
import { type FormEvent, type ReactNode, useState } from "react";
import { useNavigate } from "react-router";
import { api, errorText, newIdempotencyKey, raw } from "../../shared/api.js";
import type { CounterSubmitted, ProductSheet, ResidentOverview } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { loadProduct, programPath } from "../product.js";

/** 医疗类别 the form offers (national med_type): inpatient stays and outpatient chronic/special diseases. */
const MED_TYPES = ["21", "14"] as const;
/** 险种 (national insutype): employees' or residents' basic medical insurance. */
const INSUTYPES = ["310", "390"] as const;
/** The 就诊人 choice for a minor the resident did not pay for: claimed as their declared guardian. */
const MINOR = "minor";
const GUARDIAN_RELATIONS = ["parent", "guardian"] as const;
/** The server's limit (services/claims/documents.ts). */
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/** Who a claim may be for: the resident insured, and the members they enrolled and paid for. */
function claimants(me: ResidentOverview) {
  const seen = new Set<string>();
  return me.policies
    .filter((p) => (p.is_insured || p.is_payer) && p.status !== "cancelled" && p.status !== "pending_payment")
    .filter((p) => !seen.has(p.psn_no) && seen.add(p.psn_no))
    .map((p) => ({ psnNo: p.psn_no, name: p.psn_name, self: p.psn_no === me.psn_no }));
}

export function CounterClaimPage() {
  const t = useT();
  usePageTitle(t.counter.title);
  const state = useLoad(
    () =>
      Promise.all([loadProduct(), api<ResidentOverview>("GET", programPath("/me"))]).then(
        ([product, me]) => ({ product, me }),
      ),
    [],
  );
  return <Async state={state}>{({ product, me }) => <CounterForm product={product} me={me} />}</Async>;
}

function CounterForm({ product, me }: { product: ProductSheet; me: ResidentOverview }) {
  const t = useT();
  const navigate = useNavigate();
  const people = claimants(me);
  const [psnNo, setPsnNo] = useState(people[0]?.psnNo ?? MINOR);
  const minor = psnNo === MINOR;
  const [minorPsnNo, setMinorPsnNo] = useState("");
  const [relation, setRelation] = useState<string>("parent");
  const [proof, setProof] = useState<File | undefined>();
  // Typed from the ID card: the overview shows even the resident's own number masked.
  const [certno, setCertno] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({ med_type: "21", insutype: "390" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const set = (name: string) => (e: { target: { value: string } }) =>
    setFields((f) => ({ ...f, [name]: e.target.value }));

  function pickPerson(next: string) {
    setPsnNo(next);
    setCertno("");
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(undefined);
    if (minor && (minorPsnNo.trim() === "" || certno.trim() === "")) {
      setError(t.counter.minorMissing);
      return;
    }
    if (minor && proof === undefined) {
      setError(t.counter.proofMissing);
      return;
    }
    if (minor && (proof?.size ?? 0) > MAX_UPLOAD_BYTES) {
      setError(t.counter.proofTooLarge);
      return;
    }
    const total = Number(fields.medfee_sumamt ?? "");
    const fund = Number(fields.fund_pay_sumamt ?? "");
    if (!Number.isFinite(total) || !Number.isFinite(fund) || fund > total) {
      setError(t.counter.fundTooLarge);
      return;
    }
    setBusy(true);
    const claimant = minor ? minorPsnNo.trim() : psnNo;
    const idNumber = certno.trim().toUpperCase();
    try {
      const record = {
        setl_id: fields.setl_id?.trim(),
        psn_no: claimant,
        certno: idNumber,
        insutype: fields.insutype,
        med_type: fields.med_type,
        begntime: `${fields.begntime ?? ""} 00:00:00`,
        setl_time: `${fields.setl_time ?? ""} 12:00:00`,
        fixmedins_code: fields.fixmedins_code?.trim(),
        // Care in the program's region; a stay elsewhere is filed at the counter with its 异地 papers.
        mdtrtarea_admvs: product.region.code,
        ...(fields.dise_codg?.trim() ? { dise_codg: fields.dise_codg.trim().toUpperCase() } : {}),
        medfee_sumamt: fields.medfee_sumamt,
        fulamt_ownpay_amt: fields.fulamt_ownpay_amt || "0",
        overlmt_selfpay: fields.overlmt_selfpay || "0",
        hifp_pay: fields.hifp_pay || fields.fund_pay_sumamt,
        fund_pay_sumamt: fields.fund_pay_sumamt,
        psn_part_amt: (Math.round(total * 100 - fund * 100) / 100).toFixed(2),
      };
      const r = await api<CounterSubmitted>(
        "POST",
        programPath("/counter-claims"),
        {
          psn_no: claimant,
          record,
          ...(minor ? { guardian: { certno: idNumber, relation } } : {}),
        },
        { idempotencyKey: newIdempotencyKey() },
      );
      if (minor && proof !== undefined) {
        // The case exists now; should the photo fail, the case page asks for it again.
        await raw(
          "PUT",
          programPath(`/counter-claims/${encodeURIComponent(r.case_id)}/documents/guardianship`),
          proof,
        ).catch(() => undefined);
      }
      navigate(`/claims/counter/${r.case_id}`);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const text = (name: string, label: string, hint?: string, type = "text") => (
    <div className="field" key={name}>
      <label className="label" htmlFor={`counter-${name}`}>
        {label}
      </label>
      <input
        id={`counter-${name}`}
        name={name}
        aria-describedby={hint === undefined ? undefined : `counter-${name}-hint`}
        type={type}
        inputMode={type === "number" ? "decimal" : undefined}
        step={type === "number" ? "0.01" : undefined}
        min={type === "number" ? "0" : undefined}
        value={fields[name] ?? ""}
        onChange={set(name)}
      />
      {hint === undefined ? null : (
        <span className="muted small hint" id={`counter-${name}-hint`}>
          {hint}
        </span>
      )}
    </div>
  );
  const choice = (id: string, label: string, control: ReactNode) => (
    <div className="field">
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {control}
    </div>
  );

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="counter-title">
      <h2 id="counter-title">{t.counter.title}</h2>
      <p className="muted small">{t.counter.intro}</p>
      {people.length === 0 ? <p className="muted small">{t.counter.noPolicy}</p> : null}
      {choice(
        "counter-person",
        t.counter.person,
        <select id="counter-person" value={psnNo} onChange={(e) => pickPerson(e.target.value)}>
          {people.map((p) => (
            <option key={p.psnNo} value={p.psnNo}>
              {p.self ? t.counter.self(p.name) : p.name}
            </option>
          ))}
          <option value={MINOR}>{t.counter.minorOption}</option>
        </select>,
      )}
      {minor ? (
        <>
          <p className="muted small" id="counter-minor-intro">
            {t.counter.minorIntro}
          </p>
          <div className="field">
            <label className="label" htmlFor="counter-minor-psn">
              {t.counter.minorPsnNo}
            </label>
            <input
              id="counter-minor-psn"
              aria-describedby="counter-minor-psn-hint"
              value={minorPsnNo}
              onChange={(e) => setMinorPsnNo(e.target.value)}
              autoComplete="off"
            />
            <span className="muted small hint" id="counter-minor-psn-hint">
              {t.counter.minorPsnNoHint}
            </span>
          </div>
        </>
      ) : null}
      {choice(
        "counter-certno",
        minor ? t.counter.minorCertno : t.counter.certno,
        <input
          id="counter-certno"
          value={certno}
          onChange={(e) => setCertno(e.target.value)}
          autoComplete="off"
        />,
      )}
      {minor ? (
        <>
          {choice(
            "counter-relation",
            t.counter.relation,
            <select id="counter-relation" value={relation} onChange={(e) => setRelation(e.target.value)}>
              {GUARDIAN_RELATIONS.map((v) => (
                <option key={v} value={v}>
                  {t.counter.relations[v]}
                </option>
              ))}
            </select>,
          )}
          <label className="upload">
            <span className="label">{t.counter.proof}</span>
            <input
              type="file"
              accept="image/jpeg,image/png,application/pdf"
              capture="environment"
              aria-label={t.counter.proofLabel}
              onChange={(e) => setProof(e.target.files?.[0] ?? undefined)}
            />
          </label>
        </>
      ) : null}
      {choice(
        "counter-insutype",
        t.counter.insutype,
        <select id="counter-insutype" value={fields.insutype} onChange={set("insutype")}>
          {INSUTYPES.map((v) => (
            <option key={v} value={v}>
              {t.counter.insutypes[v]}
            </option>
          ))}
        </select>,
      )}
      {choice(
        "counter-medtype",
        t.counter.medType,
        <select id="counter-medtype" value={fields.med_type} onChange={set("med_type")}>
          {MED_TYPES.map((v) => (
            <option key={v} value={v}>
              {t.counter.medTypes[v]}
            </option>
          ))}
        </select>,
      )}
      {text("setl_id", t.counter.setlId, t.counter.setlIdHint)}
      {text("fixmedins_code", t.counter.hospital, t.counter.hospitalHint)}
      {text("begntime", t.counter.begntime, undefined, "date")}
      {text("setl_time", t.counter.setlTime, undefined, "date")}
      {text("dise_codg", t.counter.diagnosis, t.counter.diagnosisHint)}
      {text("medfee_sumamt", t.counter.total, undefined, "number")}
      {text("fund_pay_sumamt", t.counter.fund, t.counter.fundHint, "number")}
      {text("hifp_pay", t.counter.hifp, t.counter.hifpHint, "number")}
      {text("fulamt_ownpay_amt", t.counter.ownpay, undefined, "number")}
      {text("overlmt_selfpay", t.counter.overlimit, undefined, "number")}
      <FieldError id="counter-error" message={error} />
      <Button block color="primary" size="large" type="submit" loading={busy}>
        {t.counter.submit}
      </Button>
    </form>
  );
}
