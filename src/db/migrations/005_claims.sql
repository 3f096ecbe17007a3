-- Claims (issue 4): settlement records as received, their adjudications, and each policy's accumulators.

-- Every basic-insurance settlement record the platform has seen (一站式 from hospitals, shared by the
-- bureau for online claims, keyed in at the counter, dispensed at a pharmacy). certno and the name are
-- dropped before storing: psn_no identifies the person and the roster holds the sealed certno.
-- The history columns are what pre-existing rules read (engine/preexisting.ts HistoryFacts).
create table medical_records (
  program_id text not null references programs (program_id),
  setl_id text not null,
  psn_no text not null,
  fixmedins_code text not null,
  source text not null check (source in ('one_stop','bureau','counter','pharmacy')),
  med_type text not null,
  admitted_at timestamptz not null,
  settled_at timestamptz not null,
  diagnosis_code text,
  funds jsonb not null,
  psn_part_amt_fen bigint not null check (psn_part_amt_fen >= 0),
  record jsonb not null,
  -- Keyed hash of the record as sent (canonical JSON): same setl_id + same content is a replay.
  content_hash text not null,
  received_at timestamptz not null,
  primary key (program_id, setl_id)
);
create index medical_records_person on medical_records (program_id, psn_no, settled_at);

-- Each policy's annual accumulators. The row is the per-policy lock: every adjudication and revocation
-- takes it FOR UPDATE, so parallel settlements for one person run one after another. seq counts the
-- changes, giving the order a sequential replay must follow.
create table policy_accumulators (
  program_id text not null,
  policy_no text not null,
  plan_id text not null,
  state jsonb not null,
  seq integer not null default 0,
  updated_at timestamptz not null,
  primary key (program_id, policy_no)
);

-- One adjudicated claim per settlement record. The stored response is what a replay returns.
create table claims (
  program_id text not null references programs (program_id),
  setl_id text not null,
  kind text not null check (kind in ('one_stop','online','counter','special_drug')),
  psn_no text not null,
  policy_no text,
  fixmedins_code text not null,
  status text not null check (status in ('paid','zero','not_covered')),
  reason text,
  hmb_pay_fen bigint not null check (hmb_pay_fen >= 0),
  psn_part_amt_fen bigint not null check (psn_part_amt_fen >= 0),
  -- Who is owed the payout: the hospital (one-stop, already netted off the bill) or the resident.
  payee text not null check (payee in ('hospital','resident')),
  adjudication jsonb not null,
  response jsonb not null,
  seq integer,
  state text not null check (state in ('settled','revoked')),
  revoked_seq integer,
  revoked_at timestamptz,
  revoke_reason text,
  actor text not null,
  created_at timestamptz not null,
  primary key (program_id, setl_id),
  check (hmb_pay_fen <= psn_part_amt_fen)
);
create index claims_policy on claims (program_id, policy_no, seq);
create index claims_person on claims (program_id, psn_no, created_at);
create index claims_institution_day on claims (program_id, fixmedins_code, created_at);

-- What happened to a claim, in order: visible to the resident as the status trail.
create table claim_events (
  program_id text not null,
  setl_id text not null,
  event_no bigserial not null,
  event text not null,
  actor text not null,
  at timestamptz not null,
  data jsonb not null default '{}'::jsonb,
  primary key (program_id, setl_id, event_no)
);
