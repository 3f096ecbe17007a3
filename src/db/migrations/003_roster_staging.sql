-- Staging for roster imports: valid rows are COPYed here (already encrypted, with blind index and mask),
-- then merged into roster_persons with one INSERT … ON CONFLICT and deleted. UNLOGGED and without an
-- index so COPY runs at full speed; program_id leads, as in every table (Citus distribution column).
create unlogged table roster_staging (
  program_id text not null,
  import_id text not null,
  line integer not null,
  psn_no text not null,
  certno_enc bytea not null,
  certno_bidx bytea not null,
  certno_masked text not null,
  psn_name text not null,
  gend text not null,
  brdy date not null,
  insutype text not null,
  admdvs text not null,
  unit_code text,
  cohort text
);
