-- Special-drug dispensings and payout batches (issue 4 items 4 and 5).

-- The prescription behind each special-drug dispensing (setl_id of the pharmacy's settlement record), kept
-- for audit: who prescribed what for which diagnosis and when. No personal data: the claim and the record
-- name the person by psn_no only.
create table special_drug_dispensings (
  program_id text not null references programs (program_id),
  setl_id text not null,
  pharmacy_code text not null,
  rx_no text not null,
  prescriber_fixmedins_code text not null,
  diagnosis_code text not null,
  issued_at timestamptz not null,
  drugs jsonb not null,
  received_at timestamptz not null,
  primary key (program_id, setl_id)
);
-- One prescription is dispensed once (a revoked dispensing frees it): looked up by the prescriber's rx_no.
create index special_drug_dispensings_rx on special_drug_dispensings (program_id, prescriber_fixmedins_code, rx_no);

-- A payout batch (赔款划付批次): every claim payable to one kind of payee (hospitals and pharmacies for
-- one-stop and special-drug claims, residents for online and counter claims) settled up to a Beijing day,
-- paid out of the claims bank account in one disbursement journal.
create table payout_batches (
  program_id text not null references programs (program_id),
  batch_id text not null,
  batch_no integer not null,
  payee text not null check (payee in ('hospital','resident')),
  -- Beijing calendar day, inclusive: claims settled (or revoked) before the next day's 00:00+08:00.
  through_day text not null,
  total_fen bigint not null check (total_fen > 0),
  created_by text not null,
  created_at timestamptz not null,
  primary key (program_id, batch_id),
  unique (program_id, batch_no)
);

-- The claims in a batch. direction 'payout': the claim's hmb_pay is paid to its payee. 'recovery': a claim
-- revoked after it was paid out; its amount is netted off the same payee's payouts (the payee owes it back).
-- The primary key makes a claim paid out in at most one batch and recovered in at most one batch.
create table payout_batch_claims (
  program_id text not null,
  setl_id text not null,
  direction text not null check (direction in ('payout','recovery')),
  batch_id text not null,
  -- psn_no (resident batches) or fixmedins_code (hospital batches).
  payee_ref text not null,
  amount_fen bigint not null check (amount_fen > 0),
  primary key (program_id, setl_id, direction),
  foreign key (program_id, batch_id) references payout_batches (program_id, batch_id)
);
create index payout_batch_claims_batch on payout_batch_claims (program_id, batch_id, payee_ref);

-- Reconciliation reads one institution's claims settled or revoked on one day.
create index claims_institution_revoked on claims (program_id, fixmedins_code, revoked_at);
