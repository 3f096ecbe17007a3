-- Issue 11 §4: the settle path's plans must be right before the planner has statistics.
--
-- A table no ANALYZE has seen (a new program's claims at the start of its coverage year; policies during an
-- enrollment campaign, before autovacuum gets to them) has no column statistics: PostgreSQL takes an equality
-- to match 0.5 % of the rows and a small table to hold ~10 pages. A look-up by primary key, say claims by
-- (program_id, setl_id), then costs exactly the same through any index that starts with program_id (1 row
-- either way: program_id as the index condition and setl_id as a filter, or both as index conditions), and
-- on a tie the planner takes the newest index. So the settle read probed claims through
-- claims_institution_revoked, visiting every claim of the program, and a server's prepared (generic) plans
-- keep that plan for the life of their connection: each settlement read more than the one before (4.3 ms
-- and ~6,000 buffers per read after 14,000 claims), and only an ANALYZE by hand made it fast.
--
-- Within one program program_id is constant, so a secondary index gains nothing from leading with it. As
-- roster partitions already do (010), secondary indexes now lead with the column they look up, program_id
-- next: only the primary key matches a look-up by primary key, and only the secondary index matches its
-- own look-up, statistics or not. Every unique constraint and unique index still includes program_id (the
-- Citus layout, 016); a query that filters on program_id alone scans the primary key's program_id prefix.

-- Claims: the resident's list, a policy's claims in order, an institution's day; revocations are few, so
-- their index holds only revoked claims (an insert does not touch it).
drop index claims_policy;
create index claims_policy on claims (policy_no, program_id, seq);
drop index claims_person;
create index claims_person on claims (psn_no, program_id, created_at);
drop index claims_institution_day;
create index claims_institution_day on claims (fixmedins_code, program_id, created_at);
drop index claims_institution_revoked;
create index claims_institution_revoked on claims (fixmedins_code, program_id, revoked_at)
  where revoked_at is not null;

-- Medical records: a person's history (pre-existing rules), read by every settlement.
drop index medical_records_person;
create index medical_records_person on medical_records (psn_no, program_id, settled_at);

-- Policies: each payment issues its policy by (program_id, policy_no), which went through policies_person
-- and read the whole program's policies: an enrollment of n persons read n²/2 index entries. The unique
-- verification code also serves the look-up by code alone (policies_verification, now redundant).
drop index policies_person;
create index policies_person on policies (psn_no, program_id);
drop index policies_payer;
create index policies_payer on policies (payer_psn_no, program_id);
drop index policies_one_issued_per_person;
create unique index policies_one_issued_per_person on policies (psn_no, program_id) where issued_at is not null;
alter table policies drop constraint policies_program_id_verification_code_key;
alter table policies add constraint policies_verification_code_program_id_key unique (verification_code, program_id);
drop index policies_verification;
