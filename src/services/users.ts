/** Accounts for people (argon2id password hashes) and their sessions (opaque bearer tokens, hashed at rest). */
import { createHash } from "node:crypto";
import argon2 from "argon2";
import { randomToken } from "../platform/crypto.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ROLES, type Role, ServiceError } from "./context.js";

const SESSION_HOURS = 12;

export interface NewUser {
  programId: string;
  username: string;
  role: Role;
  password: string;
  psnNo?: string | undefined;
  insurerCode?: string | undefined;
}

export async function createUser(ctx: PlatformContext, actor: Actor, user: NewUser): Promise<void> {
  if (!ROLES.includes(user.role))
    throw new ServiceError(400, "invalid_value", `未知角色 ${user.role}`, "role");
  if (!/^[A-Za-z0-9_.@-]{3,64}$/.test(user.username)) {
    throw new ServiceError(400, "invalid_value", "用户名应为 3–64 位字母、数字或 _.@-", "username");
  }
  if (user.password.length < 8) throw new ServiceError(400, "invalid_value", "密码至少 8 位", "password");
  const hash = await argon2.hash(user.password, { type: argon2.argon2id });
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into users (program_id, username, role, password_hash, psn_no, insurer_code) values ($1,$2,$3,$4,$5,$6)
       on conflict (program_id, username) do update set role = excluded.role, password_hash = excluded.password_hash,
         psn_no = excluded.psn_no, insurer_code = excluded.insurer_code`,
      [user.programId, user.username, user.role, hash, user.psnNo ?? null, user.insurerCode ?? null],
    );
    await audit(tx, actor, user.programId, "user.upsert", user.username, { role: user.role });
  });
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= argon2.hash("not-a-real-password", { type: argon2.argon2id });
  return dummy;
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest();

export async function login(
  ctx: PlatformContext,
  programId: string,
  username: string,
  password: string,
): Promise<{ token: string; actor: Actor; expiresAt: Date }> {
  const rows = await ctx.db.query<{
    program_id: string;
    role: Role;
    password_hash: string;
    psn_no: string | null;
    insurer_code: string | null;
  }>(
    "select program_id, role, password_hash, psn_no, insurer_code from users where program_id in ($1, '*') and username = $2 order by program_id = '*' limit 1",
    [programId, username],
  );
  const row = rows[0];
  // Same message whether the user or the password is wrong, so logins cannot probe for accounts.
  const denied = new ServiceError(401, "invalid_credentials", "用户名或密码错误");
  if (row === undefined) {
    // Spend the same time as a real check so response timing does not reveal which usernames exist.
    await argon2.verify(await dummyHash(), password).catch(() => false);
    throw denied;
  }
  if (!(await argon2.verify(row.password_hash, password))) throw denied;
  const token = randomToken();
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
  await ctx.db.query(
    "insert into sessions (program_id, token_hash, username, expires_at) values ($1,$2,$3,$4)",
    [row.program_id, tokenHash(token), username, expiresAt],
  );
  return {
    token: `${row.program_id}.${token}`,
    actor: {
      id: username,
      role: row.role,
      programId: row.program_id,
      psnNo: row.psn_no ?? undefined,
      insurerCode: row.insurer_code ?? undefined,
    },
    expiresAt,
  };
}

/** Sessions expire on the real clock, never the business clock (HMB_NOW must not keep tokens alive). */
export async function actorForToken(ctx: PlatformContext, bearer: string): Promise<Actor | undefined> {
  const dot = bearer.indexOf(".");
  if (dot <= 0) return undefined;
  const programId = bearer.slice(0, dot);
  const rows = await ctx.db.query<{
    username: string;
    role: Role;
    psn_no: string | null;
    insurer_code: string | null;
  }>(
    `select u.username, u.role, u.psn_no, u.insurer_code from sessions s
       join users u on u.program_id = s.program_id and u.username = s.username
      where s.program_id = $1 and s.token_hash = $2 and s.expires_at > now()`,
    [programId, tokenHash(bearer.slice(dot + 1))],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    id: row.username,
    role: row.role,
    programId,
    psnNo: row.psn_no ?? undefined,
    insurerCode: row.insurer_code ?? undefined,
  };
}

export async function logout(ctx: PlatformContext, bearer: string): Promise<void> {
  const dot = bearer.indexOf(".");
  if (dot <= 0) return;
  await ctx.db.query("delete from sessions where program_id = $1 and token_hash = $2", [
    bearer.slice(0, dot),
    tokenHash(bearer.slice(dot + 1)),
  ]);
}
