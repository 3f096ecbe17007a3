-- Issue 11 §5: ready to scale out on Citus, distributed by program_id (docs/scale-out.md, src/db/distribution.ts).
--
-- Since 001 every table leads with program_id and every primary key, unique constraint, unique index and
-- foreign key between program tables starts with it; test/scale-out.test.ts checks that from the catalog. The
-- reference tables (programs, login_failures, schema_migrations) are the exceptions, by design. What was left
-- is a statement: the purge of stale institution signatures ran over every program at once. It now purges one
-- program's rows (services/institutions.ts), so its index leads with program_id, as the purge filters.
drop index if exists institution_signatures_seen;
create index institution_signatures_seen on institution_signatures (program_id, seen_at);
