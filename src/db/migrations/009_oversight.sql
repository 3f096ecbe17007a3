-- Oversight (issue 5 item 3): incremental aggregates for the bureau's and the regulator's dashboards.
--
-- Dashboards must answer in ≤ 100 ms over 10 M policies and 1 M claims, so they never scan policies or
-- claims: triggers on roster_persons, policies and claims keep small rollup tables current in the same
-- transaction as the change (no service code involved, so no write path can forget them), and the
-- dashboard queries sum the rollups. No rollup holds anything about a person: counts and amounts only.
--
-- Contention: every enrollment and settlement adds to a rollup row. One row per day would serialize all
-- concurrent writers on that row until they commit (the row lock is held through the commit's fsync), which
-- would cap settlements near 1/fsync-time. Each row therefore also carries a `slot` (0–15) that no other
-- running transaction holds (oversight_slot: an advisory lock per slot), so concurrent transactions update
-- different rows; readers sum over slots. Per (day, slot) the tables stay small: at most 366 days × 16 slots
-- rows per program.
--
-- Days are Beijing calendar days (UTC+8, no DST), computed arithmetically so no time-zone database is needed.

-- The program's incurred-but-not-reported (IBNR) loading on paid claims, in basis points (default 0: incurred
-- = paid). Set by the operator from the actuarial work; shown with every figure it changes.
create table oversight_settings (
  program_id text not null references programs (program_id),
  ibnr_bps integer not null default 0 check (ibnr_bps >= 0 and ibnr_bps <= 100000),
  updated_at timestamptz not null,
  updated_by text not null,
  primary key (program_id)
);

-- Roster persons and insured persons (issued, not cancelled) by county (admdvs), unit and cohort; '' = not
-- given on the roster. Current state (the roster has no history).
create table oversight_enrollment (
  program_id text not null,
  dim text not null check (dim in ('county', 'unit', 'cohort')),
  value text not null,
  slot smallint not null,
  roster_persons bigint not null default 0,
  insured_persons bigint not null default 0,
  insured_premium_fen bigint not null default 0,
  primary key (program_id, dim, value, slot)
);

-- Policies issued and cancelled per Beijing day (of issued_at, of cancelled_at), per plan and coverage period:
-- enough to compute insured persons, written premium and pro-rata earned premium as of any day.
create table oversight_policy_days (
  program_id text not null,
  day date not null,
  plan_id text not null,
  coverage_start timestamptz not null,
  coverage_end timestamptz not null,
  slot smallint not null,
  issued bigint not null default 0,
  issued_premium_fen bigint not null default 0,
  cancelled bigint not null default 0,
  cancelled_premium_fen bigint not null default 0,
  refund_fen bigint not null default 0,
  primary key (program_id, day, plan_id, coverage_start, coverage_end, slot)
);

-- Claims per Beijing day: a settlement adds on the day it was settled, a revocation subtracts on the day it was
-- revoked (so sums up to a day are the figures as of that day). beneficiaries and the per-person payout
-- histogram (persons h0…h8 and their payout a0…a8 per bucket of cumulative payout, see
-- oversight_payout_bucket) move when a person's cumulative payout crosses into another bucket.
create table oversight_claim_days (
  program_id text not null,
  day date not null,
  slot smallint not null,
  claims bigint not null default 0,
  revocations bigint not null default 0,
  covered_claims bigint not null default 0,
  covered_psn_part_fen bigint not null default 0,
  paid_claims bigint not null default 0,
  paid_fen bigint not null default 0,
  paid_psn_part_fen bigint not null default 0,
  beneficiaries bigint not null default 0,
  h0 bigint not null default 0, h1 bigint not null default 0, h2 bigint not null default 0,
  h3 bigint not null default 0, h4 bigint not null default 0, h5 bigint not null default 0,
  h6 bigint not null default 0, h7 bigint not null default 0, h8 bigint not null default 0,
  a0 bigint not null default 0, a1 bigint not null default 0, a2 bigint not null default 0,
  a3 bigint not null default 0, a4 bigint not null default 0, a5 bigint not null default 0,
  a6 bigint not null default 0, a7 bigint not null default 0, a8 bigint not null default 0,
  primary key (program_id, day, slot)
);

create function oversight_day(t timestamptz) returns date language sql immutable parallel safe as $$
  select date '1970-01-01' + floor((extract(epoch from t) + 28800) / 86400)::integer
$$;

-- The rollup slot of the current transaction: the first of the 16, starting from the backend's own, whose
-- advisory lock (held to the end of the transaction) no other transaction holds — so concurrent writers never
-- share a rollup row, and never wait on each other's row lock through a commit. Beyond 16 concurrent writers
-- the backend's own slot is shared (the row lock then orders them).
create function oversight_slot() returns smallint language plpgsql volatile as $$
declare
  home integer := pg_backend_pid() % 16;
begin
  for k in 0..15 loop
    if pg_try_advisory_xact_lock(7263009, (home + k) % 16) then
      return ((home + k) % 16)::smallint;
    end if;
  end loop;
  return home::smallint;
end;
$$;

-- Buckets of a person's cumulative payout, yuan: (0, 1千], (1千, 5千], (5千, 1万], (1万, 2万], (2万, 5万],
-- (5万, 10万], (10万, 20万], (20万, 50万], > 50万. -1 for nothing paid. Mirrored in services/oversight/buckets.ts.
create function oversight_payout_bucket(fen bigint) returns integer language sql immutable parallel safe as $$
  select case
    when fen <= 0 then -1
    when fen <= 100000 then 0
    when fen <= 500000 then 1
    when fen <= 1000000 then 2
    when fen <= 2000000 then 3
    when fen <= 5000000 then 4
    when fen <= 10000000 then 5
    when fen <= 20000000 then 6
    when fen <= 50000000 then 7
    else 8
  end
$$;

-- Adds one policy's enrollment contribution (sign ±1) to its county, unit and cohort: one statement.
create function oversight_bump_enrollment(p_program text, p_psn text, p_persons bigint, p_premium bigint)
returns void language plpgsql as $$
declare
  v_county text := '';
  v_unit text := '';
  v_cohort text := '';
begin
  select admdvs, coalesce(unit_code, ''), coalesce(cohort, '') into v_county, v_unit, v_cohort
    from roster_persons where program_id = p_program and psn_no = p_psn;
  insert into oversight_enrollment as t (program_id, dim, value, slot, insured_persons, insured_premium_fen)
  values (p_program, 'county', coalesce(v_county, ''), oversight_slot(), p_persons, p_premium),
         (p_program, 'unit', coalesce(v_unit, ''), oversight_slot(), p_persons, p_premium),
         (p_program, 'cohort', coalesce(v_cohort, ''), oversight_slot(), p_persons, p_premium)
  on conflict (program_id, dim, value, slot) do update
    set insured_persons = t.insured_persons + excluded.insured_persons,
        insured_premium_fen = t.insured_premium_fen + excluded.insured_premium_fen;
end;
$$;

create function oversight_bump_policy_day(p_program text, p_day date, p_plan text, p_start timestamptz,
  p_end timestamptz, p_issued bigint, p_issued_premium bigint, p_cancelled bigint, p_cancelled_premium bigint,
  p_refund bigint)
returns void language sql as $$
  insert into oversight_policy_days as t (program_id, day, plan_id, coverage_start, coverage_end, slot, issued,
    issued_premium_fen, cancelled, cancelled_premium_fen, refund_fen)
  values (p_program, p_day, p_plan, p_start, p_end, oversight_slot(), p_issued, p_issued_premium, p_cancelled,
    p_cancelled_premium, p_refund)
  on conflict (program_id, day, plan_id, coverage_start, coverage_end, slot) do update
    set issued = t.issued + excluded.issued,
        issued_premium_fen = t.issued_premium_fen + excluded.issued_premium_fen,
        cancelled = t.cancelled + excluded.cancelled,
        cancelled_premium_fen = t.cancelled_premium_fen + excluded.cancelled_premium_fen,
        refund_fen = t.refund_fen + excluded.refund_fen
$$;

-- A policy contributes (1) when issued: +1 issued on the day of issued_at; (2) when an issued policy is
-- cancelled: +1 cancelled with its premium and refund on the day of cancelled_at; (3) while issued and not
-- cancelled: +1 insured person in its county/unit/cohort. An update removes the old row's contributions that
-- changed and adds the new row's, so any sequence of updates keeps the rollups exact. Unpaid policies
-- (issued_at null) contribute nothing, also when cancelled.
create function oversight_policy_change() returns trigger language plpgsql as $$
declare
  old_issued boolean := tg_op = 'UPDATE' and old.issued_at is not null;
  new_issued boolean := new.issued_at is not null;
  old_cancelled boolean := old_issued and old.status = 'cancelled';
  new_cancelled boolean := new_issued and new.status = 'cancelled';
  same_issue boolean;
  same_cancel boolean;
  same_force boolean;
begin
  same_issue := old_issued = new_issued and (not new_issued or (old.issued_at, old.premium_fen, old.plan_id,
    old.coverage_start, old.coverage_end) is not distinct from (new.issued_at, new.premium_fen, new.plan_id,
    new.coverage_start, new.coverage_end));
  same_cancel := old_cancelled = new_cancelled and (not new_cancelled or (old.cancelled_at, old.refund_fen,
    old.premium_fen, old.plan_id, old.coverage_start, old.coverage_end) is not distinct from (new.cancelled_at,
    new.refund_fen, new.premium_fen, new.plan_id, new.coverage_start, new.coverage_end));
  same_force := (old_issued and not old_cancelled) = (new_issued and not new_cancelled)
    and (not (new_issued and not new_cancelled) or (old.psn_no, old.premium_fen) is not distinct from
    (new.psn_no, new.premium_fen));
  if not same_issue then
    if old_issued then
      perform oversight_bump_policy_day(old.program_id, oversight_day(old.issued_at), old.plan_id,
        old.coverage_start, old.coverage_end, -1, -old.premium_fen, 0, 0, 0);
    end if;
    if new_issued then
      perform oversight_bump_policy_day(new.program_id, oversight_day(new.issued_at), new.plan_id,
        new.coverage_start, new.coverage_end, 1, new.premium_fen, 0, 0, 0);
    end if;
  end if;
  if not same_cancel then
    if old_cancelled then
      perform oversight_bump_policy_day(old.program_id, oversight_day(coalesce(old.cancelled_at, old.issued_at)),
        old.plan_id, old.coverage_start, old.coverage_end, 0, 0, -1, -old.premium_fen,
        -coalesce(old.refund_fen, 0));
    end if;
    if new_cancelled then
      perform oversight_bump_policy_day(new.program_id, oversight_day(coalesce(new.cancelled_at, new.issued_at)),
        new.plan_id, new.coverage_start, new.coverage_end, 0, 0, 1, new.premium_fen, coalesce(new.refund_fen, 0));
    end if;
  end if;
  if not same_force then
    if old_issued and not old_cancelled then
      perform oversight_bump_enrollment(old.program_id, old.psn_no, -1, -old.premium_fen);
    end if;
    if new_issued and not new_cancelled then
      perform oversight_bump_enrollment(new.program_id, new.psn_no, 1, new.premium_fen);
    end if;
  end if;
  return null;
end;
$$;

create trigger oversight_policies after insert or update on policies
  for each row execute function oversight_policy_change();

-- A settled claim adds on its settlement day; its revocation subtracts on the revocation day. One upsert per
-- claim. For paid claims the person's cumulative payout before and after (for the payout buckets) comes from
-- the policy's accumulators (one policy per person and program): settlements and revocations of one policy are
-- serialized by the accumulator row lock, so the value is exact.
-- This runs on the settle path: the day and the buckets are computed inline in PL/pgSQL (the bounds are
-- oversight_payout_bucket's).
create function oversight_claim_change() returns trigger language plpgsql as $$
declare
  s integer;
  d date;
  pay bigint := new.hmb_pay_fen;
  part bigint := new.psn_part_amt_fen;
  covered integer := case when new.status = 'not_covered' then 0 else 1 end;
  paid integer := case when new.hmb_pay_fen > 0 then 1 else 0 end;
  others bigint := 0;
  before_total bigint := 0;
  after_total bigint := 0;
  b_before integer := -1;
  b_after integer := -1;
  h bigint[] := '{0,0,0,0,0,0,0,0,0}';
  a bigint[] := '{0,0,0,0,0,0,0,0,0}';
  ben bigint := 0;
  total bigint;
  t timestamptz;
begin
  if tg_op = 'INSERT' then
    if new.state <> 'settled' then
      return null;
    end if;
    s := 1;
    t := new.created_at;
  elsif old.state = 'settled' and new.state = 'revoked' then
    s := -1;
    t := coalesce(new.revoked_at, now());
  else
    return null;
  end if;
  d := date '1970-01-01' + floor((extract(epoch from t) + 28800) / 86400)::integer;
  if paid = 1 then
    -- The policy's accumulated payout, which settleClaim and revokeClaim (services/claims/settle.ts) update
    -- before they write the claims row, in the same transaction: it already includes this claim (settlement)
    -- or no longer does (revocation). One primary-key read of a row the transaction just wrote.
    select (a.state->>'paidTotal')::bigint into total from policy_accumulators a
      where a.program_id = new.program_id and a.policy_no = new.policy_no;
    if total is not null then
      others := total - (case when s = 1 then pay else 0 end);
    else
      -- A claim written outside the settle path (no accumulators): the person's other settled claims.
      select coalesce(sum(c.hmb_pay_fen), 0) into others from claims c
        where c.program_id = new.program_id and c.psn_no = new.psn_no and c.state = 'settled'
          and c.setl_id <> new.setl_id;
    end if;
    if s = 1 then
      before_total := others;
      after_total := others + pay;
    else
      before_total := others + pay;
      after_total := others;
    end if;
    b_before := case when before_total <= 0 then -1 when before_total <= 100000 then 0
      when before_total <= 500000 then 1 when before_total <= 1000000 then 2 when before_total <= 2000000 then 3
      when before_total <= 5000000 then 4 when before_total <= 10000000 then 5
      when before_total <= 20000000 then 6 when before_total <= 50000000 then 7 else 8 end;
    b_after := case when after_total <= 0 then -1 when after_total <= 100000 then 0
      when after_total <= 500000 then 1 when after_total <= 1000000 then 2 when after_total <= 2000000 then 3
      when after_total <= 5000000 then 4 when after_total <= 10000000 then 5
      when after_total <= 20000000 then 6 when after_total <= 50000000 then 7 else 8 end;
    if b_before >= 0 then
      h[b_before + 1] := -1;
      a[b_before + 1] := -before_total;
    end if;
    if b_after >= 0 then
      h[b_after + 1] := h[b_after + 1] + 1;
      a[b_after + 1] := a[b_after + 1] + after_total;
    end if;
    ben := (case when after_total > 0 then 1 else 0 end) - (case when before_total > 0 then 1 else 0 end);
  end if;
  insert into oversight_claim_days as r (program_id, day, slot, claims, revocations, covered_claims,
    covered_psn_part_fen, paid_claims, paid_fen, paid_psn_part_fen, beneficiaries,
    h0, h1, h2, h3, h4, h5, h6, h7, h8, a0, a1, a2, a3, a4, a5, a6, a7, a8)
  values (new.program_id, d, oversight_slot(), s, case when s < 0 then 1 else 0 end,
    s * covered, s * covered * part, s * paid, s * pay, s * paid * part, ben,
    h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9])
  on conflict (program_id, day, slot) do update set
    claims = r.claims + excluded.claims, revocations = r.revocations + excluded.revocations,
    covered_claims = r.covered_claims + excluded.covered_claims,
    covered_psn_part_fen = r.covered_psn_part_fen + excluded.covered_psn_part_fen,
    paid_claims = r.paid_claims + excluded.paid_claims, paid_fen = r.paid_fen + excluded.paid_fen,
    paid_psn_part_fen = r.paid_psn_part_fen + excluded.paid_psn_part_fen,
    beneficiaries = r.beneficiaries + excluded.beneficiaries,
    h0 = r.h0 + excluded.h0, h1 = r.h1 + excluded.h1, h2 = r.h2 + excluded.h2, h3 = r.h3 + excluded.h3,
    h4 = r.h4 + excluded.h4, h5 = r.h5 + excluded.h5, h6 = r.h6 + excluded.h6, h7 = r.h7 + excluded.h7,
    h8 = r.h8 + excluded.h8, a0 = r.a0 + excluded.a0, a1 = r.a1 + excluded.a1, a2 = r.a2 + excluded.a2,
    a3 = r.a3 + excluded.a3, a4 = r.a4 + excluded.a4, a5 = r.a5 + excluded.a5, a6 = r.a6 + excluded.a6,
    a7 = r.a7 + excluded.a7, a8 = r.a8 + excluded.a8;
  return null;
end;
$$;

create trigger oversight_claims_insert after insert on claims
  for each row execute function oversight_claim_change();

create trigger oversight_claims_state after update of state on claims
  for each row when (old.state is distinct from new.state) execute function oversight_claim_change();

-- Roster imports merge millions of rows in one statement: statement-level triggers with transition tables
-- aggregate the statement's rows once instead of firing per row. Grouped by the three dimensions first
-- (few distinct combinations), then spread to one row per dimension.
create function oversight_roster_added() returns trigger language plpgsql as $$
begin
  insert into oversight_enrollment as t (program_id, dim, value, slot, roster_persons)
  select g.program_id, d.dim, d.value, oversight_slot(), sum(g.n)
    from (select program_id, admdvs, coalesce(unit_code, '') as unit, coalesce(cohort, '') as cohort,
                 count(*) as n
            from added group by 1, 2, 3, 4) g
    cross join lateral (values ('county', g.admdvs), ('unit', g.unit), ('cohort', g.cohort)) d (dim, value)
   group by g.program_id, d.dim, d.value
  on conflict (program_id, dim, value, slot) do update set roster_persons = t.roster_persons + excluded.roster_persons;
  return null;
end;
$$;

create function oversight_roster_removed() returns trigger language plpgsql as $$
begin
  insert into oversight_enrollment as t (program_id, dim, value, slot, roster_persons, insured_persons,
    insured_premium_fen)
  select g.program_id, d.dim, d.value, oversight_slot(), -sum(g.n), -sum(g.insured), -sum(g.premium)
    from (select r.program_id, r.admdvs, coalesce(r.unit_code, '') as unit, coalesce(r.cohort, '') as cohort,
                 count(*) as n, count(p.policy_no) as insured, coalesce(sum(p.premium_fen), 0) as premium
            from removed r
            left join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
                 and p.issued_at is not null and p.status <> 'cancelled'
           group by 1, 2, 3, 4) g
    cross join lateral (values ('county', g.admdvs), ('unit', g.unit), ('cohort', g.cohort)) d (dim, value)
   group by g.program_id, d.dim, d.value
  on conflict (program_id, dim, value, slot) do update set roster_persons = t.roster_persons + excluded.roster_persons,
    insured_persons = t.insured_persons + excluded.insured_persons,
    insured_premium_fen = t.insured_premium_fen + excluded.insured_premium_fen;
  return null;
end;
$$;

-- A re-import that moves a person to another county, unit or cohort moves them (and their policy, if in force)
-- in the rollups; rows whose dimensions did not change cost nothing beyond the join.
create function oversight_roster_changed() returns trigger language plpgsql as $$
begin
  insert into oversight_enrollment as t (program_id, dim, value, slot, roster_persons, insured_persons,
    insured_premium_fen)
  select g.program_id, d.dim, d.value, oversight_slot(), sum(g.n), sum(g.insured), sum(g.premium)
    from (select m.program_id, m.admdvs, m.unit, m.cohort, sum(m.sign) as n,
                 sum(case when p.policy_no is null then 0 else m.sign end) as insured,
                 sum(case when p.policy_no is null then 0 else m.sign * p.premium_fen end) as premium
            from (select o.program_id, o.psn_no, o.admdvs, coalesce(o.unit_code, '') as unit,
                         coalesce(o.cohort, '') as cohort, -1 as sign
                    from before_rows o join after_rows n on n.program_id = o.program_id and n.psn_no = o.psn_no
                   where (o.admdvs, o.unit_code, o.cohort) is distinct from (n.admdvs, n.unit_code, n.cohort)
                  union all
                  select n.program_id, n.psn_no, n.admdvs, coalesce(n.unit_code, ''), coalesce(n.cohort, ''), 1
                    from before_rows o join after_rows n on n.program_id = o.program_id and n.psn_no = o.psn_no
                   where (o.admdvs, o.unit_code, o.cohort) is distinct from (n.admdvs, n.unit_code, n.cohort)) m
            left join policies p on p.program_id = m.program_id and p.psn_no = m.psn_no
                 and p.issued_at is not null and p.status <> 'cancelled'
           group by 1, 2, 3, 4) g
    cross join lateral (values ('county', g.admdvs), ('unit', g.unit), ('cohort', g.cohort)) d (dim, value)
   group by g.program_id, d.dim, d.value
  on conflict (program_id, dim, value, slot) do update set roster_persons = t.roster_persons + excluded.roster_persons,
    insured_persons = t.insured_persons + excluded.insured_persons,
    insured_premium_fen = t.insured_premium_fen + excluded.insured_premium_fen;
  return null;
end;
$$;

create trigger oversight_roster_insert after insert on roster_persons
  referencing new table as added for each statement execute function oversight_roster_added();

create trigger oversight_roster_update after update on roster_persons
  referencing old table as before_rows new table as after_rows
  for each statement execute function oversight_roster_changed();

create trigger oversight_roster_delete after delete on roster_persons
  referencing old table as removed for each statement execute function oversight_roster_removed();

-- Recomputes a program's rollups from the base tables, exactly as the triggers would have built them (all in
-- slot 0): after a bulk load with triggers disabled, and as the reference the tests compare the triggers to.
-- The payout histogram replays each person's settlements and revocations in time order.
create function oversight_rebuild(p_program text) returns void language plpgsql as $$
begin
  delete from oversight_enrollment where program_id = p_program;
  delete from oversight_policy_days where program_id = p_program;
  delete from oversight_claim_days where program_id = p_program;

  insert into oversight_enrollment (program_id, dim, value, slot, roster_persons, insured_persons,
    insured_premium_fen)
  select g.program_id, d.dim, d.value, 0, sum(g.n), sum(g.insured), sum(g.premium)
    from (select r.program_id, r.admdvs, coalesce(r.unit_code, '') as unit, coalesce(r.cohort, '') as cohort,
                 count(*) as n, count(p.policy_no) as insured, coalesce(sum(p.premium_fen), 0) as premium
            from roster_persons r
            left join policies p on p.program_id = r.program_id and p.psn_no = r.psn_no
                 and p.issued_at is not null and p.status <> 'cancelled'
           where r.program_id = p_program
           group by 1, 2, 3, 4) g
    cross join lateral (values ('county', g.admdvs), ('unit', g.unit), ('cohort', g.cohort)) d (dim, value)
   group by g.program_id, d.dim, d.value;

  insert into oversight_policy_days (program_id, day, plan_id, coverage_start, coverage_end, slot, issued,
    issued_premium_fen, cancelled, cancelled_premium_fen, refund_fen)
  select program_id, day, plan_id, coverage_start, coverage_end, 0, sum(issued), sum(issued_premium),
         sum(cancelled), sum(cancelled_premium), sum(refund)
    from (select program_id, oversight_day(issued_at) as day, plan_id, coverage_start, coverage_end,
                 1 as issued, premium_fen as issued_premium, 0 as cancelled, 0 as cancelled_premium, 0 as refund
            from policies where program_id = p_program and issued_at is not null
          union all
          select program_id, oversight_day(coalesce(cancelled_at, issued_at)), plan_id, coverage_start,
                 coverage_end, 0, 0, 1, premium_fen, coalesce(refund_fen, 0)
            from policies where program_id = p_program and issued_at is not null and status = 'cancelled') e
   group by program_id, day, plan_id, coverage_start, coverage_end;

  insert into oversight_claim_days (program_id, day, slot, claims, revocations, covered_claims,
    covered_psn_part_fen, paid_claims, paid_fen, paid_psn_part_fen, beneficiaries,
    h0, h1, h2, h3, h4, h5, h6, h7, h8, a0, a1, a2, a3, a4, a5, a6, a7, a8)
  with events as (
    select program_id, psn_no, setl_id, created_at as at, 1 as s, status, hmb_pay_fen as pay,
           psn_part_amt_fen as part
      from claims where program_id = p_program
    union all
    select program_id, psn_no, setl_id, coalesce(revoked_at, created_at), -1, status, hmb_pay_fen,
           psn_part_amt_fen
      from claims where program_id = p_program and state = 'revoked'
  ), running as (
    select e.*, (sum(case when pay > 0 then s * pay else 0 end)
             over (partition by psn_no order by at, s desc, setl_id rows unbounded preceding))::bigint as after_total
      from events e
  ), moves as (
    select program_id, oversight_day(at) as day, s, status, pay, part,
           case when pay > 0 then after_total - s * pay else 0 end as before_total,
           case when pay > 0 then after_total else 0 end as after_total
      from running
  ), bucketed as (
    select m.*, oversight_payout_bucket(before_total) as bb, oversight_payout_bucket(after_total) as ba from moves m
  )
  select program_id, day, 0, sum(s), sum(case when s < 0 then 1 else 0 end),
         sum(case when status = 'not_covered' then 0 else s end),
         sum(case when status = 'not_covered' then 0 else s * part end),
         sum(case when pay > 0 then s else 0 end), sum(s * pay), sum(case when pay > 0 then s * part else 0 end),
         sum((case when after_total > 0 then 1 else 0 end) - (case when before_total > 0 then 1 else 0 end)),
         sum((case when ba = 0 then 1 else 0 end) - (case when bb = 0 then 1 else 0 end)),
         sum((case when ba = 1 then 1 else 0 end) - (case when bb = 1 then 1 else 0 end)),
         sum((case when ba = 2 then 1 else 0 end) - (case when bb = 2 then 1 else 0 end)),
         sum((case when ba = 3 then 1 else 0 end) - (case when bb = 3 then 1 else 0 end)),
         sum((case when ba = 4 then 1 else 0 end) - (case when bb = 4 then 1 else 0 end)),
         sum((case when ba = 5 then 1 else 0 end) - (case when bb = 5 then 1 else 0 end)),
         sum((case when ba = 6 then 1 else 0 end) - (case when bb = 6 then 1 else 0 end)),
         sum((case when ba = 7 then 1 else 0 end) - (case when bb = 7 then 1 else 0 end)),
         sum((case when ba = 8 then 1 else 0 end) - (case when bb = 8 then 1 else 0 end)),
         sum((case when ba = 0 then after_total else 0 end) - (case when bb = 0 then before_total else 0 end)),
         sum((case when ba = 1 then after_total else 0 end) - (case when bb = 1 then before_total else 0 end)),
         sum((case when ba = 2 then after_total else 0 end) - (case when bb = 2 then before_total else 0 end)),
         sum((case when ba = 3 then after_total else 0 end) - (case when bb = 3 then before_total else 0 end)),
         sum((case when ba = 4 then after_total else 0 end) - (case when bb = 4 then before_total else 0 end)),
         sum((case when ba = 5 then after_total else 0 end) - (case when bb = 5 then before_total else 0 end)),
         sum((case when ba = 6 then after_total else 0 end) - (case when bb = 6 then before_total else 0 end)),
         sum((case when ba = 7 then after_total else 0 end) - (case when bb = 7 then before_total else 0 end)),
         sum((case when ba = 8 then after_total else 0 end) - (case when bb = 8 then before_total else 0 end))
    from bucketed
   group by program_id, day;
end;
$$;
