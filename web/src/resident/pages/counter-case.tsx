/**
 * One 票据理赔 case as the resident follows it: where it stands, what is still missing (the invoice and the
 * 结算单, photographed with the phone's camera or picked as a PDF), the decision with its reason, what was
 * paid, and — within the appeal window after a rejection or an adjustment — the appeal.
 */
import { Button } from "antd-mobile";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { CLAIM_EVENT_LABELS, labelOf } from "../../../../src/domain/vocabulary.js";
import { api, errorText, raw } from "../../shared/api.js";
import { beijing, yuan } from "../../shared/format.js";
import { useLang } from "../../shared/i18n.js";
import type { CounterCaseView } from "../../shared/types.js";
import { Async, FieldError, useLoad, usePageTitle } from "../components.js";
import { useT } from "../i18n.js";
import { programPath } from "../product.js";

/** The server's limit (services/claims/documents.ts): checked here too, so a large photo fails before upload. */
const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/** What a case needs before it can be approved; "other" and "appeal" are optional. */
const REQUIRED_DOCS = ["invoice", "settlement_sheet"] as const;
type DocKind = (typeof REQUIRED_DOCS)[number] | "guardianship" | "other" | "appeal";

/** Decided cases a resident may still appeal. */
const APPEALABLE = new Set(["rejected", "adjusted"]);

export function CounterCasePage() {
  const t = useT();
  usePageTitle(t.counterCase.title);
  const { caseId = "" } = useParams();
  const state = useLoad(
    () => api<CounterCaseView>("GET", programPath(`/counter-claims/${encodeURIComponent(caseId)}`)),
    [caseId],
  );
  return <Async state={state}>{(c) => <CaseView c={c} reload={state.reload} />}</Async>;
}

function CaseView({ c, reload }: { c: CounterCaseView; reload: () => void }) {
  const t = useT();
  const { lang } = useLang();
  const [uploading, setUploading] = useState<DocKind | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [reason, setReason] = useState("");
  const [appealing, setAppealing] = useState(false);
  const have = new Set(c.documents.map((d) => d.doc_kind));
  // Claimed as a minor's declared guardian: the 监护关系证明 is needed as well.
  const required: DocKind[] = c.guardian === null ? [...REQUIRED_DOCS] : [...REQUIRED_DOCS, "guardianship"];
  const missing = required.filter((k) => !have.has(k));
  const canAppeal = c.appeal === null && c.appeal_until !== null && APPEALABLE.has(c.status);

  async function upload(kind: DocKind, file: File | undefined) {
    if (file === undefined) return;
    setError(undefined);
    if (file.size > MAX_UPLOAD_BYTES) {
      setError(t.counterCase.tooLarge);
      return;
    }
    setUploading(kind);
    try {
      await raw(
        "PUT",
        programPath(`/counter-claims/${encodeURIComponent(c.case_id)}/documents/${kind}`),
        file,
      );
      reload();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setUploading(undefined);
    }
  }

  async function appeal() {
    setError(undefined);
    if (reason.trim() === "") {
      setError(t.counterCase.reasonRequired);
      return;
    }
    setAppealing(true);
    try {
      await api("POST", programPath(`/counter-claims/${encodeURIComponent(c.case_id)}/appeal`), {
        reason: reason.trim(),
      });
      reload();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setAppealing(false);
    }
  }

  const picker = (kind: DocKind) => (
    <label className="upload" key={kind}>
      <span className="label">{t.counterCase.docs[kind]}</span>
      <input
        type="file"
        accept="image/jpeg,image/png,application/pdf"
        capture="environment"
        aria-label={t.counterCase.uploadLabel(t.counterCase.docs[kind])}
        disabled={uploading !== undefined}
        onChange={(e) => void upload(kind, e.target.files?.[0])}
      />
      {uploading === kind ? <span className="muted small">{t.counterCase.uploading}</span> : null}
    </label>
  );

  return (
    <>
      <section className="card" aria-labelledby="case-title">
        <div className="row">
          <h2 id="case-title">{t.counterCase.title}</h2>
          <span className="tag">{t.counterCase.statuses[c.status] ?? t.counterCase.statusUnknown}</span>
        </div>
        <dl className="kv">
          <dt>{t.counterCase.caseId}</dt>
          <dd>{c.case_id}</dd>
          <dt>{t.counterCase.submittedAt}</dt>
          <dd>{beijing(c.created_at)}</dd>
          {c.payout === null ? null : (
            <>
              <dt>{t.claims.paid}</dt>
              <dd>
                <strong className="big">{yuan(c.payout.hmb_pay)}</strong>
              </dd>
            </>
          )}
          {c.decision?.reason ? (
            <>
              <dt>{t.counterCase.reason}</dt>
              <dd>{c.decision.reason}</dd>
            </>
          ) : null}
        </dl>
        {c.guardian === null ? null : (
          <p className="muted small" role="note">
            {c.guardian.verified ? t.counterCase.guardianVerified : t.counterCase.guardianPending}
          </p>
        )}
      </section>
      {missing.length > 0 ? (
        <section className="card notice" aria-labelledby="missing-title">
          <h2 id="missing-title">{t.counterCase.missingTitle}</h2>
          <p className="muted small">{t.counterCase.missingText}</p>
          {missing.includes("guardianship") ? (
            <p className="muted small">{t.counterCase.missingGuardian}</p>
          ) : null}
          {missing.map(picker)}
        </section>
      ) : null}
      <section className="card" aria-labelledby="docs-title">
        <h2 id="docs-title">{t.counterCase.docsTitle}</h2>
        {c.documents.length === 0 ? (
          <p className="muted">{t.counterCase.noDocs}</p>
        ) : (
          <ul>
            {c.documents.map((d) => (
              <li key={d.doc_kind}>
                {t.counterCase.docs[d.doc_kind as DocKind] ?? t.counterCase.docs.other} ·{" "}
                {beijing(d.uploaded_at)}
              </li>
            ))}
          </ul>
        )}
        {missing.length === 0 ? picker("other") : null}
      </section>
      {canAppeal ? (
        <section className="card" aria-labelledby="appeal-title">
          <h2 id="appeal-title">{t.counterCase.appealTitle}</h2>
          <p className="muted small">{t.counterCase.appealUntil(beijing(c.appeal_until as string))}</p>
          <label className="field">
            <span className="label">{t.counterCase.appealReason}</span>
            <textarea rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          {picker("appeal")}
          <Button block color="primary" onClick={() => void appeal()} loading={appealing}>
            {t.counterCase.appeal}
          </Button>
        </section>
      ) : null}
      <FieldError id="case-error" message={error} />
      <section className="card" aria-labelledby="progress-title">
        <h2 id="progress-title">{t.counterCase.progress}</h2>
        <ol className="timeline">
          {c.events.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the trail is append-only and never reordered.
            <li key={i}>
              <span className="muted small">{beijing(e.at)}</span>{" "}
              {labelOf(CLAIM_EVENT_LABELS, e.event, lang)}
            </li>
          ))}
        </ol>
      </section>
      <Link className="button-link secondary" to="/claims">
        {t.counterCase.back}
      </Link>
    </>
  );
}
