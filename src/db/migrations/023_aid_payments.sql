-- Issue 15 (after the payout): each settled claim's layered burden, the aid programs' payments on it, and the
-- applications (一事一议) of application-mode aid programs.

-- The layers of one claim in the settlement order (基本医保 → 大病保险 → 医疗救助 → 惠民保 → aid programs), written
-- when the claim settles and again whenever aid is paid or reversed on it. A revoked claim keeps its row with
-- state 'revoked' and drops out of the person-year sums. The check is the no-double-pay rule at its last line:
-- 惠民保 and every aid program together never pay more than the person bore.
create table claim_layers (
  program_id text not null,
  setl_id text not null,
  psn_no text not null,
  settled_at timestamptz not null,
  total_cost_fen bigint not null check (total_cost_fen >= 0),
  basic_fen bigint not null check (basic_fen >= 0),
  critical_illness_fen bigint not null check (critical_illness_fen >= 0),
  medical_assistance_fen bigint not null check (medical_assistance_fen >= 0),
  person_burden_fen bigint not null check (person_burden_fen >= 0),
  out_of_scope_fen bigint not null check (out_of_scope_fen >= 0),
  hmb_fen bigint not null check (hmb_fen >= 0),
  aid_fen bigint not null check (aid_fen >= 0),
  final_burden_fen bigint not null check (final_burden_fen >= 0),
  state text not null check (state in ('settled', 'revoked')),
  computed_at timestamptz not null,
  primary key (program_id, setl_id),
  foreign key (program_id, setl_id) references claims (program_id, setl_id),
  check (hmb_fen + aid_fen + final_burden_fen = person_burden_fen)
);
create index claim_layers_person on claim_layers (program_id, psn_no, settled_at);

-- A program is one policy year, so a person-year is (program, psn_no): the sums over the live claims.
create view claim_layers_person_year as
  select program_id, psn_no, count(*)::int as claims,
         sum(total_cost_fen)::bigint as total_cost_fen,
         sum(basic_fen)::bigint as basic_fen,
         sum(critical_illness_fen)::bigint as critical_illness_fen,
         sum(medical_assistance_fen)::bigint as medical_assistance_fen,
         sum(person_burden_fen)::bigint as person_burden_fen,
         sum(hmb_fen)::bigint as hmb_fen,
         sum(aid_fen)::bigint as aid_fen,
         sum(final_burden_fen)::bigint as final_burden_fen
    from claim_layers
   where state = 'settled'
   group by program_id, psn_no;

-- One aid program's payment on one claim: the key is the exactly-once rule (a claim is paid by an aid program at
-- most once, however many times settlement hooks, sweeps and approvals run). The foreign key to the program
-- version's own fund means a payment can only come from that program's ring-fenced fund. amount_fen is what
-- has been paid (the fund's ledger holds the same legs); queued_fen waits for a top-up (budget 'queue').
create table aid_payments (
  program_id text not null,
  setl_id text not null,
  aid_program_id text not null,
  version integer not null,
  fund_id text not null,
  psn_no text not null,
  mode text not null check (mode in ('automatic', 'application')),
  amount_fen bigint not null check (amount_fen >= 0),
  queued_fen bigint not null default 0 check (queued_fen >= 0),
  -- The per-year threshold this claim absorbed (benefit threshold per year), so later claims start after it.
  threshold_used_fen bigint not null default 0 check (threshold_used_fen >= 0),
  -- The fund journals' refs that paid it (the first payment, then each queued part paid later): a revocation
  -- reverses each of them once.
  fund_refs jsonb not null default '[]'::jsonb,
  state text not null check (state in ('paid', 'revoked')),
  application_id text,
  paid_at timestamptz not null,
  queued_at timestamptz,
  revoked_at timestamptz,
  primary key (program_id, setl_id, aid_program_id),
  foreign key (program_id, setl_id) references claims (program_id, setl_id),
  foreign key (program_id, aid_program_id, version, fund_id)
    references aid_programs (program_id, aid_program_id, version, fund_id)
);
create index aid_payments_person on aid_payments (program_id, psn_no);
-- The queue (budget 'queue'): shortfalls paid first come, first served when the fund is topped up.
create index aid_payments_queue on aid_payments (program_id, fund_id, queued_at) where queued_fen > 0;

-- 一事一议: one application per claim and application-mode aid program, pre-filled by the match. The person (or
-- the guardian who enrolled a minor) confirms it under a consent; the program reviews (asks for documents,
-- approves with an amount, or rejects with a reason); a committee decision is recorded when the program
-- requires one; approval pays exactly once (aid_payments' key).
create table aid_applications (
  program_id text not null,
  application_id text not null,
  setl_id text not null,
  aid_program_id text not null,
  version integer not null,
  fund_id text not null,
  psn_no text not null,
  proposed_fen bigint not null check (proposed_fen >= 0),
  approved_fen bigint check (approved_fen >= 0),
  documents_required jsonb not null default '[]'::jsonb,
  documents jsonb not null default '[]'::jsonb,
  committee_required boolean not null default false,
  state text not null check (state in ('proposed', 'submitted', 'documents_requested', 'approved', 'rejected', 'withdrawn')),
  consent_by text,
  consent_relation text check (consent_relation in ('self', 'guardian')),
  consent_at timestamptz,
  review_note text,
  decided_by text,
  decided_at timestamptz,
  committee_members jsonb,
  committee_minutes text,
  committee_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (program_id, application_id),
  unique (program_id, setl_id, aid_program_id),
  foreign key (program_id, setl_id) references claims (program_id, setl_id),
  foreign key (program_id, aid_program_id, version, fund_id)
    references aid_programs (program_id, aid_program_id, version, fund_id)
);
create index aid_applications_queue on aid_applications (program_id, state, updated_at);
create index aid_applications_person on aid_applications (program_id, psn_no);

-- What happened to an application, in order (the trail the resident and the reviewer see).
create table aid_application_events (
  program_id text not null,
  application_id text not null,
  event_no bigserial not null,
  event text not null,
  actor text not null,
  at timestamptz not null,
  data jsonb not null default '{}'::jsonb,
  primary key (program_id, application_id, event_no)
);
