-- A charity pool may be kept by one charity account, as an aid fund is (aid_funds.keeper, migration 022): that
-- charity alone among the charity accounts sees the pool, its donations, the persons it sponsored and their
-- claims, and may donate to it or sponsor from it. A pool without a keeper is the program's own, shared by its
-- charity partners as before. Operators, admins and the read-only roles see every pool.
alter table charity_pools add column keeper text;
