-- Issue 14 (定点机构 in the console): an institution's level (医院等级, for the list) and its status. A disabled
-- institution keeps its row and its history, but its signed requests are refused until it is enabled again;
-- secret_rotated_at tells the operator when the secret last changed (the secret itself is never shown again).
alter table institutions
  add column level text check (level in ('tertiary', 'secondary', 'primary', 'pharmacy')),
  add column status text not null default 'active' check (status in ('active', 'disabled')),
  add column status_changed_at timestamptz,
  add column secret_rotated_at timestamptz;
