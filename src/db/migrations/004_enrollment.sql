-- Enrollment, payments, policies, refunds, charity pools (issue 3, items 4–6). Keys start with program_id.

-- Policy numbers come from a per-program counter: `${program_id}-${8 digits}`.
create table policy_counters (
  program_id text not null references programs (program_id),
  next_no bigint not null,
  primary key (program_id)
);

-- One enrollment request: individual, family, unit or charity-sponsored. One payer pays for all members.
create table enrollments (
  program_id text not null references programs (program_id),
  enrollment_id text not null,
  kind text not null check (kind in ('individual','family','unit','charity')),
  plan_id text not null,
  payer_psn_no text,
  unit_code text,
  pool_id text,
  channel text not null,
  actor text not null,
  created_at timestamptz not null,
  primary key (program_id, enrollment_id)
);

-- One policy per person per program (a program is one region × policy year).
create table policies (
  program_id text not null references programs (program_id),
  policy_no text not null,
  psn_no text not null,
  plan_id text not null,
  enrollment_id text not null,
  enrollment_kind text not null,
  relation text not null check (relation in ('self','spouse','child','parent','employee','sponsored')),
  payer_psn_no text,
  unit_code text,
  pool_id text,
  premium_fen bigint not null check (premium_fen >= 0),
  premium_rule text not null,
  status text not null check (status in ('pending_payment','pending_effective','active','cancelled')),
  coverage_start timestamptz not null,
  coverage_end timestamptz not null,
  verification_code text not null,
  paid_order_no text,
  paid_channel text,
  issued_at timestamptz,
  cancelled_at timestamptz,
  refund_fen bigint,
  created_at timestamptz not null,
  primary key (program_id, policy_no),
  unique (program_id, psn_no),
  unique (program_id, verification_code)
);
create index policies_verification on policies (verification_code);
create index policies_payer on policies (program_id, payer_psn_no);

-- Every state change of a policy, in order.
create table policy_events (
  program_id text not null,
  policy_no text not null,
  seq integer not null,
  event text not null,
  actor text not null,
  at timestamptz not null,
  data jsonb not null default '{}'::jsonb,
  primary key (program_id, policy_no, seq)
);

-- Payment orders: cash (gateway), personal_account (pre-authorization then deduction), offline, charity.
create table payment_orders (
  program_id text not null references programs (program_id),
  order_no text not null,
  enrollment_id text,
  channel text not null check (channel in ('cash','personal_account','offline','charity')),
  provider text not null,
  pool_id text,
  payer_psn_no text,
  amount_fen bigint not null check (amount_fen >= 0),
  status text not null check (status in ('created','preauthorized','paid','failed','cancelled')),
  provider_txn text,
  created_by text not null,
  created_at timestamptz not null,
  paid_at timestamptz,
  primary key (program_id, order_no)
);
create index payment_orders_order_no on payment_orders (order_no);

-- Which policies an order pays for, and how much of it each.
create table payment_items (
  program_id text not null,
  order_no text not null,
  policy_no text not null,
  psn_no text not null,
  amount_fen bigint not null check (amount_fen >= 0),
  primary key (program_id, order_no, policy_no)
);
create index payment_items_policy on payment_items (program_id, policy_no);

-- Refunds go back through the original channel. requested → paid (or failed, retried).
create table refunds (
  program_id text not null references programs (program_id),
  refund_no text not null,
  order_no text not null,
  policy_no text not null,
  channel text not null,
  amount_fen bigint not null check (amount_fen > 0),
  reason text not null check (reason in ('cancellation','superseded_by_personal_account','duplicate_payment')),
  status text not null check (status in ('requested','paid','failed')),
  provider_refund_id text,
  requested_at timestamptz not null,
  paid_at timestamptz,
  primary key (program_id, refund_no)
);
create index refunds_order on refunds (program_id, order_no);

-- Charity donation pools; a pool's balance never goes negative.
create table charity_pools (
  program_id text not null references programs (program_id),
  pool_id text not null,
  name text not null,
  balance_fen bigint not null default 0 check (balance_fen >= 0),
  created_at timestamptz not null,
  primary key (program_id, pool_id)
);

create table charity_pool_movements (
  program_id text not null,
  pool_id text not null,
  movement_id bigserial not null,
  kind text not null check (kind in ('donation','sponsorship','refund')),
  amount_fen bigint not null,
  ref text not null,
  donor text,
  at timestamptz not null,
  primary key (program_id, movement_id)
);

-- Sponsored enrollments: which pool paid whose premium.
create table sponsorships (
  program_id text not null,
  pool_id text not null,
  policy_no text not null,
  psn_no text not null,
  amount_fen bigint not null,
  enrollment_id text not null,
  at timestamptz not null,
  primary key (program_id, pool_id, policy_no)
);
