-- Issue 14, finding 1: a cancelled person may enroll again within the enrollment window.
--
-- policies_one_issued_per_person made every issued policy count, cancelled ones too, so a person who had
-- cancelled could never be issued a second policy. The rule is one *live* policy per person and program: an
-- issued policy that is not cancelled. The cancelled one stays as it was (cancelled, covering until its
-- cancellation: services/claims/coverage.ts), and a new policy may be issued beside it.
drop index policies_one_issued_per_person;
create unique index policies_one_live_per_person on policies (psn_no, program_id)
  where issued_at is not null and status <> 'cancelled';
