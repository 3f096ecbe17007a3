-- Counter (manual) claims (issue 4 item 3): a paper settlement sheet and its invoices brought to the counter
-- or uploaded by the resident, reviewed by operators, paid through settleClaim; and the residents' inbox.

-- Per program: above which payout a second operator must countersign (四眼原则), and how long a resident
-- may appeal a decision. No row = the defaults in services/claims/counter.ts.
create table counter_claim_settings (
  program_id text primary key references programs (program_id),
  four_eyes_threshold_fen bigint not null check (four_eyes_threshold_fen >= 0),
  appeal_window_days integer not null check (appeal_window_days between 1 and 366),
  updated_by text not null,
  updated_at timestamptz not null
);

-- One case per settlement record (setl_id). Records are kept as medical_records keeps them: without certno
-- and name (the roster holds the sealed certno). version counts changes: a decision taken on a case that
-- changed meanwhile (documents replaced, another operator's decision) is refused.
create table counter_claims (
  program_id text not null references programs (program_id),
  case_id text not null,
  setl_id text not null,
  psn_no text not null,
  status text not null check (status in ('submitted','in_review','pending_second_approval','resettling',
    'approved','adjusted','rejected','appealed')),
  version integer not null default 0,
  note text,
  record jsonb not null,
  submitted_by text not null,
  submitted_role text not null,
  assignee text,
  assigned_at timestamptz,
  -- A decision waiting for its countersignature (or, for an appeal, for re-settlement to finish).
  pending_decision text check (pending_decision in ('approve','adjust')),
  pending_record jsonb,
  pending_reason text,
  pending_by text,
  -- Set when the pending decision was countersigned and only its re-settlement is left (appeals).
  pending_second_by text,
  pending_hmb_pay_fen bigint,
  pending_at timestamptz,
  -- The decision in force.
  decision text check (decision in ('approve','adjust','reject')),
  decision_reason text,
  decided_by text,
  second_approver text,
  decided_at timestamptz,
  adjusted_record jsonb,
  -- The claim that paid (setl_id, or setl_id-A1 after an appeal of an adjusted case).
  paid_setl_id text,
  -- The one appeal a case may have.
  appeal_reason text,
  appealed_at timestamptz,
  appealed_by text,
  appeal_from text check (appeal_from in ('rejected','adjusted')),
  -- Whoever decided (or countersigned) the decision under appeal: they may not decide the appeal.
  appeal_excluded jsonb,
  appeal_outcome text check (appeal_outcome in ('granted','dismissed')),
  appeal_decided_by text,
  appeal_decided_at timestamptz,
  appeal_decision_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (program_id, case_id),
  unique (program_id, setl_id)
);
create index counter_claims_queue on counter_claims (program_id, status, created_at);
create index counter_claims_person on counter_claims (program_id, psn_no, created_at);

-- The scanned invoice, settlement sheet and other evidence of a case, with their SHA-256 (checked on every
-- download). One document per kind; 'appeal' holds the evidence of an appeal.
create table counter_claim_documents (
  program_id text not null,
  case_id text not null,
  doc_kind text not null check (doc_kind in ('invoice','settlement_sheet','other','appeal')),
  content_type text not null check (content_type in ('application/pdf','image/jpeg','image/png')),
  size_bytes integer not null check (size_bytes > 0),
  sha256 text not null check (length(sha256) = 64),
  content bytea not null,
  uploaded_by text not null,
  uploaded_at timestamptz not null,
  primary key (program_id, case_id, doc_kind),
  foreign key (program_id, case_id) references counter_claims (program_id, case_id)
);

-- What the platform told a resident (case received, decided, appeal …): their inbox. No personal data
-- beyond psn_no; the text is what the resident reads.
create table notifications (
  program_id text not null,
  notification_id bigserial not null,
  psn_no text not null,
  kind text not null,
  subject text not null,
  title text not null,
  body text not null,
  data jsonb not null default '{}'::jsonb,
  created_at timestamptz not null,
  primary key (program_id, notification_id)
);
create index notifications_person on notifications (program_id, psn_no, notification_id);
