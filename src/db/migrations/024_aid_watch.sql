-- Catastrophic-cost watch (防止因病致贫返贫, issue 15 item 4): the bureau's household incomes and the program's
-- watch settings (local subsistence line, local disposable income, reference income per cohort). A program is
-- one policy year, so a person-year is (program_id, psn_no), as in claim_layers_person_year (023).

-- Household incomes supplied by the bureau (民政 / 医保 data sharing), one row per person. The income is
-- personal data: it is read only through services/aid/watch.ts, which masks the person and audits the read.
-- household_id groups the persons of one household, whose out-of-pocket costs add up. A new upload replaces
-- the program's rows as a whole (the bureau sends its full list).
create table aid_household_incomes (
  program_id text not null references programs (program_id),
  psn_no text not null,
  household_id text not null,
  income_fen bigint not null check (income_fen >= 0),
  household_size integer not null check (household_size between 1 and 50),
  imported_at timestamptz not null,
  imported_by text not null,
  primary key (program_id, psn_no)
);
create index aid_household_incomes_household on aid_household_incomes (program_id, household_id);

-- One settings document per program (validated by contract/aid-watch.ts; amounts in fen).
create table aid_watch_settings (
  program_id text primary key references programs (program_id),
  settings jsonb not null,
  updated_at timestamptz not null,
  updated_by text not null
);
