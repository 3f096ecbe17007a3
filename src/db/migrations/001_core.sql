-- Core tables. Every table leads with program_id and every key starts with it, so a multi-city
-- deployment can distribute on program_id (Citus) without a schema change. Money is bigint fen.

create table programs (
  program_id text primary key,
  product_id text not null,
  product_version integer not null,
  name text not null,
  region_code text not null,
  created_at timestamptz not null default now(),
  created_by text not null
);

create table program_insurers (
  program_id text not null references programs (program_id),
  insurer_code text not null,
  name text not null,
  share_bps integer not null check (share_bps > 0 and share_bps <= 10000),
  is_lead boolean not null default false,
  primary key (program_id, insurer_code)
);

-- Residents on the bureau's basic-insurance roster. certno is stored encrypted (AES-256-GCM) with a keyed
-- blind index (HMAC-SHA256) for lookup; never in plaintext.
create table roster_persons (
  program_id text not null references programs (program_id),
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
  cohort text,
  imported_at timestamptz not null default now(),
  primary key (program_id, psn_no)
);
create index roster_persons_bidx on roster_persons (program_id, certno_bidx);
create index roster_persons_unit on roster_persons (program_id, unit_code) where unit_code is not null;

-- Hospitals and pharmacies (定点医药机构) registered for a program; their HMAC secret is stored encrypted.
create table institutions (
  program_id text not null references programs (program_id),
  fixmedins_code text not null,
  name text not null,
  secret_enc bytea not null,
  created_at timestamptz not null default now(),
  primary key (program_id, fixmedins_code)
);

-- People who log in: operators, co-insurers, bureau, regulator, charity, admin, residents.
-- program_id '*' marks a platform-wide account (admin).
create table users (
  program_id text not null,
  username text not null,
  role text not null check (role in ('resident','hospital','operator','co_insurer','bureau','regulator','charity','admin')),
  password_hash text not null,
  psn_no text,
  insurer_code text,
  phone_enc bytea,
  phone_bidx bytea,
  created_at timestamptz not null default now(),
  primary key (program_id, username)
);

create table sessions (
  program_id text not null,
  token_hash bytea not null,
  username text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (program_id, token_hash)
);

-- Append-only audit log of every read of personal data and every privileged change.
create table audit_log (
  program_id text not null,
  audit_id bigserial not null,
  at timestamptz not null default now(),
  actor text not null,
  role text not null,
  action text not null,
  subject text not null,
  detail jsonb not null default '{}'::jsonb,
  primary key (program_id, audit_id)
);

create function audit_log_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_log is append-only';
end;
$$;

create trigger audit_log_no_update before update or delete on audit_log
  for each row execute function audit_log_append_only();

-- Idempotency-Key replay store for write routes without a natural key.
create table idempotency_keys (
  program_id text not null,
  idem_key text not null,
  actor text not null,
  request_hash text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (program_id, idem_key, actor)
);
