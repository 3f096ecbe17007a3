-- Online claims (issue 4 item 2): a resident's consent to the use of their basic-insurance settlement
-- records. The records themselves are in medical_records (source 'bureau'); claims go to claims.

-- One authorization, "minimum necessary": one scope (settlement records), the records settled within
-- [records_from, records_until) only, usable until expires_at or until revoked. Rows are never deleted:
-- the table is the record of what the resident allowed and when.
create table claim_consents (
  program_id text not null references programs (program_id),
  consent_id text not null,
  psn_no text not null,
  scope text not null check (scope in ('settlement_records')),
  records_from timestamptz not null,
  records_until timestamptz not null,
  granted_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  actor text not null,
  primary key (program_id, consent_id),
  check (records_until > records_from),
  check (expires_at > granted_at)
);
create index claim_consents_person on claim_consents (program_id, psn_no, expires_at);
