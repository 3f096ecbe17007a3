-- Issue 12 §2: products are the operator's data, stored as immutable versions.
--
-- A version is the product file as published, already migrated to the current schema (src/products/migrate.ts),
-- with the sha-256 of its canonical JSON (keys sorted, no whitespace): publishing the same content again is a
-- no-op, a different content under the same id and version is refused (services/products.ts). Rows are never
-- updated or deleted — a program pins (product_id, product_version) and its claims are paid on exactly that
-- version for its whole year (金办便函〔2025〕745号: no change to the payout terms of signed contracts in-year).
--
-- A reference table on Citus (src/db/distribution.ts): a product is shared by programs (one file, many
-- cities' years are rare, but a version is not any one program's data), a handful of rows a year, read on a
-- plan cache miss only.
create table product_versions (
  product_id text not null,
  version integer not null check (version >= 1),
  content jsonb not null,
  content_hash text not null check (content_hash ~ '^[0-9a-f]{64}$'),
  published_by text not null,
  published_at timestamptz not null,
  primary key (product_id, version)
);

create function product_versions_immutable() returns trigger language plpgsql as $$
begin
  raise exception 'product_versions is append-only: publish a new version instead';
end $$;

create trigger product_versions_no_update before update or delete on product_versions
  for each row execute function product_versions_immutable();
