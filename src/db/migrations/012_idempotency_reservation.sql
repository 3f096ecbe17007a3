-- Idempotency-Key: a key is reserved before its request runs, so two concurrent first attempts with one key
-- run the handler once (the second gets 409 idempotency_in_progress and retries). status_code and response
-- are null while the first attempt runs; a reservation left by a process that died is taken over after a
-- minute (services cannot hold a request that long).
alter table idempotency_keys alter column status_code drop not null;
alter table idempotency_keys alter column response drop not null;
