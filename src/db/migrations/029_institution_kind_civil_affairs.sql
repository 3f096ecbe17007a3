-- Issue 15: health-service providers (体检中心, 筛查机构) are registered like institutions but are not 定点医药机构.
-- `kind` tells them apart: 'medical' (hospital, pharmacy: settlements, special-drug claims, counter cases) or
-- 'service' (redeems health-service vouchers only). The signature check gives each its own role (hospital /
-- provider), so neither can call the other's routes. Existing rows are medical.
alter table institutions
  add column kind text not null default 'medical' check (kind in ('medical', 'service'));

-- 民政 (civil affairs) staff: a person role reading the 因病致贫监测 list, aid programs and reviewing assistance
-- applications (services/aid). The role list of 001_core.sql is replaced with one that admits it.
alter table users drop constraint if exists users_role_check;
alter table users add constraint users_role_check
  check (role in ('resident', 'hospital', 'operator', 'co_insurer', 'bureau', 'regulator', 'charity', 'admin',
                  'civil_affairs'));
