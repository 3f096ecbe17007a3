-- Issue 13: a stored replay keeps a family enrollment's members in one worker's share, so it reads the program's
-- family policies beside its records (services/replay-rows.ts recordsSql). Without an index that read scanned
-- every policy of the program (half a second for half a million policies, on the replay's critical path)
-- to find the few family ones. Partial: only family policies are indexed, so other enrollments pay nothing.
create index policies_family on policies (program_id, psn_no) where enrollment_kind = 'family';
