-- Issue 10, finding 1: an unpaid order reserves nobody, and unpaid orders expire.
--
-- Until now `unique (program_id, psn_no)` on policies made the first *enrollment* of a person win, paid or
-- not: a family member added by someone else's unpaid order could never enroll and pay themselves. What must
-- be unique is the policy in force: one *issued* (paid) policy per person and program. Unpaid policies of
-- the same person may coexist; whichever payment lands first issues its policy, a later one is refunded.
alter table policies drop constraint policies_program_id_psn_no_key;
create unique index policies_one_issued_per_person on policies (program_id, psn_no) where issued_at is not null;
-- Look-ups of a person's policies (paid or not) no longer have the unique constraint's index.
create index policies_person on policies (program_id, psn_no);

-- A cash order not paid by expires_at is 'expired': it no longer issues anything, and a payment that still
-- arrives for it is refunded (reason 'order_expired'). expires_at is null for orders that do not expire
-- (personal-account pre-authorizations wait for the bureau's deduction; offline and charity are paid at once).
alter table payment_orders add column expires_at timestamptz;
alter table payment_orders drop constraint payment_orders_status_check;
alter table payment_orders add constraint payment_orders_status_check
  check (status in ('created','preauthorized','paid','failed','cancelled','expired'));
create index payment_orders_due on payment_orders (program_id, expires_at) where status in ('created','failed');

alter table refunds drop constraint refunds_reason_check;
alter table refunds add constraint refunds_reason_check
  check (reason in ('cancellation','superseded_by_personal_account','duplicate_payment','order_expired'));
