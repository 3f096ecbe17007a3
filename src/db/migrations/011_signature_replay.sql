-- Institution signatures cover the timestamp and the body, not the URL (the signing contract is fixed), so a
-- captured request could be re-sent to another URL within the ±5 minute window — e.g. one revocation replayed
-- against another setl_id. Each signature is therefore bound to the first request (method and URL) it was
-- seen on: the same request again is a retry and passes, another request with it is refused. Rows older than
-- the window can never match a fresh timestamp and are purged.
create table institution_signatures (
  program_id text not null,
  fixmedins_code text not null,
  signature text not null,
  request text not null,
  seen_at timestamptz not null default now(),
  primary key (program_id, fixmedins_code, signature)
);
create index institution_signatures_seen on institution_signatures (seen_at);
