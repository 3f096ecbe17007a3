-- Issue 11 §4: fewer index entries per settlement. Every paid settlement writes one ledger_transfers row per
-- co-insurer, and each row went into four indexes. Two of them serve no query:
--  - ledger_transfers_ref (program_id, ref): nothing looks transfers up by ref (reconciliation reads them by
--    program and time and joins claims on their key; the ledger check reads by journal);
--  - the primary key (program_id, transfer_id): nothing looks a transfer up by its serial number. The
--    journal key (program_id, journal_id, leg, insurer_code), already unique and what a post checks for a
--    double post (on conflict), becomes the primary key instead; transfer_id stays as the posting order.
-- Each paid settlement now writes two index entries per co-insurer instead of four (Citus layout unchanged:
-- the primary key still carries program_id).
drop index ledger_transfers_ref;
alter table ledger_transfers drop constraint ledger_transfers_pkey;
alter table ledger_transfers drop constraint ledger_transfers_program_id_journal_id_leg_insurer_code_key;
alter table ledger_transfers add constraint ledger_transfers_pkey
  primary key (program_id, journal_id, leg, insurer_code);
