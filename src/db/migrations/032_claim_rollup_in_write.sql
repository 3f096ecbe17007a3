-- Issue 11: the settle path adds each claim to oversight_claim_days in its own write statement
-- (services/oversight/claim-rollup.ts), from the accumulators it has just computed, instead of through the
-- row trigger: the trigger's PL/pgSQL (a function call, an accumulator read and an upsert per claim) was the
-- largest single part of PostgreSQL's work per settlement. Such rows are marked `rolled_up`; the insert
-- trigger still rolls up every other claims row (tests and the oversight benchmark write claims directly),
-- and revocations still go through the update trigger. oversight_rebuild() recomputes from the base tables
-- either way, so the two writers are checked against each other (test/oversight.test.ts).
alter table claims add column rolled_up boolean not null default false;
drop trigger oversight_claims_insert on claims;
create trigger oversight_claims_insert after insert on claims
  for each row when (not new.rolled_up) execute function oversight_claim_change();
