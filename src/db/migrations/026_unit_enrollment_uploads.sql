-- Issue 14 (投保管理 in the console): a unit's list of persons uploaded as an Excel file and enrolled in one
-- unit enrollment. One row per accepted upload, keyed by the file's SHA-256 (and, when the client names one,
-- its own reference), so that uploading the same file again answers with the first result and enrolls no one
-- twice. status 'running' holds the key while the enrollment runs; 'done' keeps the report shown again on a
-- re-upload. A wholly bad file writes no row: nothing changes.
create table unit_enrollment_uploads (
  program_id text not null references programs (program_id),
  upload_id text not null,
  unit_code text not null,
  file_sha256 text not null check (file_sha256 ~ '^[0-9a-f]{64}$'),
  client_ref text,
  status text not null check (status in ('running', 'done')),
  enrollment_id text,
  rows_read integer not null check (rows_read >= 0),
  rows_rejected integer not null check (rows_rejected >= 0),
  -- The report as it was answered (rows enrolled, skipped and rejected with row and column): no ID numbers.
  report jsonb,
  actor text not null,
  created_at timestamptz not null,
  primary key (program_id, upload_id)
);
create unique index unit_enrollment_uploads_file on unit_enrollment_uploads (program_id, unit_code, file_sha256);
create unique index unit_enrollment_uploads_ref on unit_enrollment_uploads (program_id, client_ref)
  where client_ref is not null;
