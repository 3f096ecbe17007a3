-- Issue 15: aid programs (救助项目) as versioned data, and the ring-fenced funds (专户) they pay from.
--
-- Ring-fencing is a property of the schema, not only of the code: a fund's accounts are rows keyed by
-- (program_id, fund_id, account); a journal names one fund; each of its legs carries that fund id and both of
-- its accounts are looked up under the same fund id, so no leg can touch another fund's account and no journal
-- can span two funds. An aid payment or reversal names the aid program version it is for, and the foreign key
-- (program_id, aid_program_id, version, fund_id) → aid_programs makes it come from that program's own fund.
-- The fund's balance is kept by a trigger from the legs that touch its `cash` account and can never go below
-- zero (check), so a payment larger than the money held fails even when written by hand.

create table aid_funds (
  program_id text not null references programs (program_id),
  fund_id text not null check (fund_id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name text not null,
  sponsor_kind text not null
    check (sponsor_kind in ('charity', 'pharma', 'union', 'civil_affairs', 'medical_assistance')),
  sponsor_name text not null,
  -- The `charity` account that keeps the fund (sees it, records its donations). Person accounts carry no
  -- sponsor of their own, so the link lives here; null = kept by the operator only.
  keeper text,
  balance_fen bigint not null default 0 check (balance_fen >= 0),
  created_at timestamptz not null,
  created_by text not null,
  primary key (program_id, fund_id)
);
create index aid_funds_keeper on aid_funds (program_id, keeper) where keeper is not null;

-- The fund's accounts: `cash` the money held, `contributions` what donors and sponsors gave, `aid` what was paid
-- to beneficiaries (net of reversals). Created with the fund.
create table aid_fund_accounts (
  program_id text not null,
  fund_id text not null,
  account text not null check (account in ('cash', 'contributions', 'aid')),
  primary key (program_id, fund_id, account),
  foreign key (program_id, fund_id) references aid_funds (program_id, fund_id)
);

create table aid_programs (
  program_id text not null references programs (program_id),
  aid_program_id text not null,
  version integer not null check (version >= 1),
  fund_id text not null,
  name text not null,
  -- The file as published (yuan, percent), parsed again by domain/aid.ts parseAidProgram when read.
  document jsonb not null,
  status text not null default 'published' check (status in ('published', 'withdrawn')),
  published_at timestamptz not null,
  published_by text not null,
  withdrawn_at timestamptz,
  withdrawn_by text,
  primary key (program_id, aid_program_id, version),
  -- For foreign keys that pin a payment to the program's own fund (fund journals here, aid_payments in 023).
  unique (program_id, aid_program_id, version, fund_id),
  foreign key (program_id, fund_id) references aid_funds (program_id, fund_id),
  check ((status = 'withdrawn') = (withdrawn_at is not null))
);

-- A published version never changes: only its withdrawal may be recorded (once).
create function aid_programs_immutable() returns trigger language plpgsql as $$
begin
  if tg_op = 'DELETE' then
    raise exception 'aid_programs is append-only: publish a new version or withdraw';
  end if;
  if new.program_id is distinct from old.program_id or new.aid_program_id is distinct from old.aid_program_id
     or new.version is distinct from old.version or new.fund_id is distinct from old.fund_id
     or new.name is distinct from old.name or new.document is distinct from old.document
     or new.published_at is distinct from old.published_at or new.published_by is distinct from old.published_by
     or old.status = 'withdrawn' then
    raise exception 'a published aid program version is immutable: publish a new version';
  end if;
  return new;
end;
$$;
create trigger aid_programs_no_change before update or delete on aid_programs
  for each row execute function aid_programs_immutable();

-- One business event on one fund. journal_id is `<kind>:<ref>`, so each reference moves money once per kind.
create table aid_fund_journals (
  program_id text not null,
  journal_id text not null,
  fund_id text not null,
  kind text not null check (kind in ('donation', 'top_up', 'aid_paid', 'aid_reversed')),
  ref text not null,
  amount_fen bigint not null check (amount_fen > 0),
  -- Donations: the donor's name, null for an anonymous gift.
  donor text,
  aid_program_id text,
  version integer,
  at timestamptz not null,
  posted_at timestamptz not null default now(),
  posted_by text not null,
  primary key (program_id, journal_id),
  unique (program_id, journal_id, fund_id),
  foreign key (program_id, fund_id) references aid_funds (program_id, fund_id),
  -- Aid moves only through the fund the aid program version names.
  foreign key (program_id, aid_program_id, version, fund_id)
    references aid_programs (program_id, aid_program_id, version, fund_id),
  check ((kind in ('aid_paid', 'aid_reversed')) = (aid_program_id is not null and version is not null)),
  check (kind = 'donation' or donor is null)
);
create index aid_fund_journals_fund on aid_fund_journals (program_id, fund_id, at);

-- The legs: a positive amount from credit to debit account, both of the journal's fund (one fund_id column,
-- two foreign keys under it, and a third pinning it to the journal's fund).
create table aid_fund_entries (
  program_id text not null,
  journal_id text not null,
  leg integer not null check (leg >= 0),
  fund_id text not null,
  debit_account text not null,
  credit_account text not null,
  amount_fen bigint not null check (amount_fen > 0),
  primary key (program_id, journal_id, leg),
  foreign key (program_id, journal_id, fund_id) references aid_fund_journals (program_id, journal_id, fund_id),
  foreign key (program_id, fund_id, debit_account) references aid_fund_accounts (program_id, fund_id, account),
  foreign key (program_id, fund_id, credit_account) references aid_fund_accounts (program_id, fund_id, account),
  check (debit_account <> credit_account)
);

create function aid_fund_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'the aid fund ledger is append-only: post a reversing journal instead';
end;
$$;
create trigger aid_fund_journals_no_change before update or delete on aid_fund_journals
  for each row execute function aid_fund_append_only();
create trigger aid_fund_entries_no_change before update or delete on aid_fund_entries
  for each row execute function aid_fund_append_only();

-- The balance follows the legs touching `cash`, in the same statement; the check on aid_funds refuses a leg
-- that would overdraw the fund.
create function aid_fund_balance() returns trigger language plpgsql as $$
begin
  update aid_funds
     set balance_fen = balance_fen
       + case when new.debit_account = 'cash' then new.amount_fen else 0 end
       - case when new.credit_account = 'cash' then new.amount_fen else 0 end
   where program_id = new.program_id and fund_id = new.fund_id;
  return new;
end;
$$;
create trigger aid_fund_entries_balance after insert on aid_fund_entries
  for each row execute function aid_fund_balance();
