-- Issue 15 item 6: health services (增值服务). A program publishes its service catalog as versioned data
-- (domain/health-services.ts); each eligible insured gets one voucher per service use per policy year, which the
-- provider redeems exactly once over the signed API (services/health-services.ts).

-- A published catalog version never changes; the highest version is the one in force.
create table health_service_catalogs (
  program_id text not null references programs (program_id),
  version integer not null check (version >= 1),
  document jsonb not null,
  published_at timestamptz not null,
  published_by text not null,
  primary key (program_id, version)
);

-- One voucher = one use of one service by one insured under one policy. `seq` numbers the uses of the year
-- (1 … quantityPerYear), so issuing again adds nothing: the key (policy, service, seq) is the idempotency.
-- Only `issued` and `redeemed` are stored: expired (past valid_until) and cancelled (the policy was cancelled)
-- are read off the clock and the policy, so they are true without a sweep. The code is the bearer secret the
-- insured shows the provider (80 random bits); a redemption keeps the provider and its own reference, so the
-- same redemption sent again is recognised and answered alike, and any other one refused.
create table health_service_vouchers (
  program_id text not null references programs (program_id),
  voucher_code text not null,
  policy_no text not null,
  psn_no text not null,
  service_id text not null,
  seq integer not null check (seq >= 1),
  catalog_version integer not null,
  valid_from timestamptz not null,
  valid_until timestamptz not null,
  status text not null default 'issued' check (status in ('issued', 'redeemed')),
  issued_at timestamptz not null,
  redeemed_at timestamptz,
  redeemed_by text,
  redemption_ref text,
  primary key (program_id, voucher_code),
  unique (program_id, policy_no, service_id, seq),
  foreign key (program_id, policy_no) references policies (program_id, policy_no),
  foreign key (program_id, catalog_version) references health_service_catalogs (program_id, version),
  check (valid_from < valid_until),
  check ((status = 'redeemed') = (redeemed_at is not null and redeemed_by is not null and redemption_ref is not null))
);
create index health_service_vouchers_person on health_service_vouchers (program_id, psn_no);
create index health_service_vouchers_redeemed on health_service_vouchers (program_id, redeemed_at)
  where status = 'redeemed';
