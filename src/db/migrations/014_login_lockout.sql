-- Issue 10, findings 3 and 6: institutions are not person accounts; per-login-name lockout after failures.

-- Consecutive failed logins per login name (whether or not an account has that name, so a lock reveals
-- nothing about which names exist). A successful login deletes the row; a failure older than a day is
-- forgotten by the next one.
create table login_failures (
  username text primary key,
  failures integer not null check (failures > 0),
  last_failure_at timestamptz not null,
  locked_until timestamptz
);

-- Institutions (定点医药机构) authenticate only by HMAC signature: no person account may take their role.
-- NOT VALID keeps accounts made before this migration (they can no longer log in, nor use a session); every
-- new or changed row is checked.
alter table users add constraint users_person_role check (role <> 'hospital') not valid;

-- Sessions such accounts already hold end now.
delete from sessions s using users u
 where u.program_id = s.program_id and u.username = s.username and u.role = 'hospital';
