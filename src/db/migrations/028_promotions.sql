-- Issue 14 (distribution and promotion, seeds 000 and 002): promotion codes per co-insurer, agent, unit and
-- community (社区/村) that carry an attribution through eligibility, order and payment, and the funnel they
-- feed. A code is random and says nothing about a person; what it stands for lives here, not in the link.
create table promotion_codes (
  program_id text not null references programs (program_id),
  code text not null check (code ~ '^[A-HJ-NP-Z2-9]{8}$'),
  kind text not null check (kind in ('co_insurer', 'agent', 'unit', 'community')),
  name text not null,
  -- The co-insurer whose channel it is: each co-insurer sees its own codes and funnel.
  insurer_code text not null,
  -- The county (admdvs) it promotes in, when it is local (a community, a unit); null = program-wide.
  county text,
  status text not null default 'active' check (status in ('active', 'disabled')),
  created_by text not null,
  created_at timestamptz not null,
  primary key (program_id, code),
  foreign key (program_id, insurer_code) references program_insurers (program_id, insurer_code)
);

-- The funnel as counters per code, Beijing day and stage: one row updated in place, so a busy enrollment
-- day adds no rows per visit. Stages: visit (the H5 opened from the code), eligibility (a roster check),
-- order (an enrollment created), paid (its order paid; n counts persons covered).
create table promotion_funnel (
  program_id text not null,
  code text not null,
  day date not null,
  stage text not null check (stage in ('visit', 'eligibility', 'order', 'paid')),
  n bigint not null default 0 check (n >= 0),
  primary key (program_id, code, day, stage),
  foreign key (program_id, code) references promotion_codes (program_id, code)
);

-- Which code an enrollment came through (null = none): the order and payment stages are counted from it.
alter table enrollments add column promo_code text;
