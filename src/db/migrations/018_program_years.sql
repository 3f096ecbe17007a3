-- Issue 12 §4: program years. A program may name the program it follows (文山 2024 follows 文山 2023); a
-- person's consecutive insured years, claim-free years and a pre-existing status locked at first enrollment
-- are worked out once, when their policy is created, and stored on the policy, so settling reads them with
-- the policy instead of walking the chain of programs on every claim (services/program-years.ts).

-- programs is a reference table: a reference to itself stays within the reference tables.
alter table programs add column follows_program_id text references programs (program_id);

-- Consecutive years insured including this one (1: first year or after a gap); years before this one
-- without a paid claim, counted back until the first year with one or the first gap; the pre-existing status
-- each condition had at first enrollment ({"condition id": true|false}), carried along the chain when the
-- product locks it (北京: healthy at first enrollment stays healthy); null when nothing is locked.
alter table policies add column insured_years integer not null default 1 check (insured_years >= 1);
alter table policies add column claim_free_years integer not null default 0 check (claim_free_years >= 0);
alter table policies add column pre_existing_locked jsonb;

-- 自动续保授权: a resident insured in this program authorizes that, when the enrollment window of the program
-- that follows it opens, they and last year's family are enrolled on the same plan and the premium is
-- pre-authorized on their 医保个人账户. Revocable until it is carried out; one row per payer, kept after
-- revocation (the audit log has every grant and revocation). The run columns make the renewal job
-- idempotent: it claims a row for a target program before enrolling, and records the enrollment it made.
create table renewal_authorizations (
  program_id text not null references programs (program_id),
  psn_no text not null,
  status text not null check (status in ('granted', 'revoked')),
  granted_at timestamptz not null,
  granted_by text not null,
  revoked_at timestamptz,
  revoked_by text,
  target_program_id text references programs (program_id),
  run_state text check (run_state in ('running', 'done', 'failed')),
  run_at timestamptz,
  enrollment_id text,
  run_error text,
  primary key (program_id, psn_no)
);
