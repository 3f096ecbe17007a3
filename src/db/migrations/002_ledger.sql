-- Double-entry ledger as transfers: each row moves a positive amount from debit_account to credit_account
-- for one co-insurer. A journal (one business event) has legs; each leg is split across co-insurers.
create table ledger_transfers (
  program_id text not null references programs (program_id),
  transfer_id bigserial not null,
  journal_id text not null,
  leg integer not null,
  insurer_code text not null,
  kind text not null,
  debit_account text not null,
  credit_account text not null,
  amount_fen bigint not null check (amount_fen > 0),
  leg_amount_fen bigint not null check (leg_amount_fen >= amount_fen),
  ref text not null,
  at timestamptz not null,
  posted_at timestamptz not null default now(),
  primary key (program_id, transfer_id),
  unique (program_id, journal_id, leg, insurer_code),
  check (debit_account <> credit_account)
);
create index ledger_transfers_insurer_at on ledger_transfers (program_id, insurer_code, at);
create index ledger_transfers_ref on ledger_transfers (program_id, ref);

create function ledger_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'ledger_transfers is append-only: post a reversing journal instead';
end;
$$;

create trigger ledger_no_update before update or delete on ledger_transfers
  for each row execute function ledger_append_only();
