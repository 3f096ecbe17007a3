-- Issue 14: a parent claims for a minor they did not pay for (a child enrolled by a unit or sponsored by a
-- charity) by declaring guardianship. The case keeps the declared standing until a reviewer confirms the
-- 监护关系证明 (户口簿 or 出生医学证明) on approval; the document is its own kind.
alter table counter_claims add column guardian_relation text
  check (guardian_relation is null or guardian_relation in ('parent','guardian'));
alter table counter_claims add column guardian_filer_psn_no text;
alter table counter_claims add column guardian_checked_by text;
alter table counter_claims add column guardian_checked_at timestamptz;
alter table counter_claim_documents drop constraint counter_claim_documents_doc_kind_check;
alter table counter_claim_documents add constraint counter_claim_documents_doc_kind_check
  check (doc_kind in ('invoice','settlement_sheet','other','appeal','guardianship'));
