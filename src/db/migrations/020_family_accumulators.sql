-- Issue 12 §5: a family-shared deductible (schema v2 `shared: "family"`). The members of one family
-- enrollment (policies.enrollment_id of an enrollment of kind 'family') draw on one pool; what they used
-- together is kept here, one row per family and program, beside each member's own policy_accumulators.
-- services/claims/coverage.ts locks it FOR UPDATE after the member's own row (always person → family, so two
-- members settling at once wait for each other instead of deadlocking) and writes both in one transaction.
-- Only plans with a family pool have rows; any other policy is a family of one and has none.
create table family_accumulators (
  program_id text not null references programs (program_id),
  -- The family enrollment's enrollment_id.
  family_key text not null,
  plan_id text not null,
  -- engine/accumulators.ts FamilyAccumulators: {"deductibleUsed": [fen by pool]}.
  state jsonb not null,
  seq integer not null,
  updated_at timestamptz not null,
  primary key (program_id, family_key)
);
