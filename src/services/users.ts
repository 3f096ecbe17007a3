/**
 * Accounts for people (argon2id password hashes), their sessions (opaque bearer tokens, hashed at rest) and
 * the per-account login lockout. Institutions never have an account here: they sign requests (HMAC).
 */
import { createHash } from "node:crypto";
import argon2 from "argon2";
import type { Queryable } from "../db/database.js";
import { randomToken } from "../platform/crypto.js";
import { audit } from "./audit.js";
import {
  type Actor,
  INSTITUTION_ROLES,
  isPersonRole,
  PERSON_ROLES,
  type PersonActor,
  type PersonRole,
  type PlatformContext,
  ServiceError,
} from "./context.js";

const SESSION_HOURS = 12;

/** Consecutive failed logins of one login name before it is locked. */
export const LOGIN_FAILURES_BEFORE_LOCK = 5;
/** The first lock; every further failure doubles it, up to LOGIN_LOCK_MAX_MS. */
export const LOGIN_LOCK_FIRST_MS = 60_000;
export const LOGIN_LOCK_MAX_MS = 60 * 60_000;
/** A failure older than this is forgotten: the next one counts from 1 again. */
const LOGIN_FAILURE_MEMORY_MS = 24 * 3_600_000;

/**
 * Names of institution roles, refused for person accounts. Pharmacies sign their requests exactly like
 * hospitals (role `hospital` on the wire), so "pharmacy" is no role of this platform, but an operator may
 * well type it: it gets the same explanation.
 */
const INSTITUTION_ROLE_NAMES: readonly string[] = [...INSTITUTION_ROLES, "pharmacy"];

/** A role typed by an operator (CLI flag, request field): a person's role, or a 400 naming `role`. */
export function parsePersonRole(role: string): PersonRole {
  if (isPersonRole(role)) return role;
  if (INSTITUTION_ROLE_NAMES.includes(role)) {
    throw new ServiceError(
      "invalid",
      "institution_role",
      `${role} 是定点医药机构的角色，不能用于人员账号：机构只能用 HMAC 签名调用接口（用 hmb institution add 登记机构并取得签名密钥）`,
      "role",
    );
  }
  throw new ServiceError(
    "invalid",
    "invalid_value",
    `未知角色 ${role}：人员账号的角色应为 ${PERSON_ROLES.join("、")} 之一`,
    "role",
  );
}

export interface NewUser {
  programId: string;
  username: string;
  role: PersonRole;
  password: string;
  psnNo?: string | undefined;
  insurerCode?: string | undefined;
}

export async function createUser(ctx: PlatformContext, actor: Actor, user: NewUser): Promise<void> {
  // Checked again at run time: the CLI and JSON callers hand over whatever string was typed.
  const role = parsePersonRole(user.role);
  if (!/^[A-Za-z0-9_.@-]{3,64}$/.test(user.username)) {
    throw new ServiceError("invalid", "invalid_value", "用户名应为 3–64 位字母、数字或 _.@-", "username");
  }
  if (user.password.length < 8)
    throw new ServiceError("invalid", "invalid_value", "密码至少 8 位", "password");
  const hash = await argon2.hash(user.password, { type: argon2.argon2id });
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `insert into users (program_id, username, role, password_hash, psn_no, insurer_code) values ($1,$2,$3,$4,$5,$6)
       on conflict (program_id, username) do update set role = excluded.role, password_hash = excluded.password_hash,
         psn_no = excluded.psn_no, insurer_code = excluded.insurer_code`,
      [user.programId, user.username, role, hash, user.psnNo ?? null, user.insurerCode ?? null],
    );
    await audit(tx, actor, user.programId, "user.upsert", user.username, { role });
  });
}

/** Deletes an account and ends its sessions. False when there was no such account. */
export async function removeUser(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  username: string,
): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    await tx.query("delete from sessions where program_id = $1 and username = $2", [programId, username]);
    const gone = await tx.query("delete from users where program_id = $1 and username = $2 returning 1", [
      programId,
      username,
    ]);
    if (gone.length === 0) return false;
    await audit(tx, actor, programId, "user.remove", username);
    return true;
  });
}

let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= argon2.hash("not-a-real-password", { type: argon2.argon2id });
  return dummy;
}

const tokenHash = (token: string) => createHash("sha256").update(token).digest();

/** A login name locked after repeated failures: 429, the same for names that exist and names that do not. */
export class AccountLocked extends ServiceError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      "too_many_requests",
      "account_locked",
      `登录失败次数过多，该账号已暂时锁定，请 ${Math.ceil(retryAfterSeconds / 60)} 分钟后再试`,
      "username",
    );
  }
}

/** How long a login name stays locked after its n-th consecutive failure (0: not locked). */
export function lockDurationMs(failures: number): number {
  if (failures < LOGIN_FAILURES_BEFORE_LOCK) return 0;
  const doublings = Math.min(failures - LOGIN_FAILURES_BEFORE_LOCK, 30);
  return Math.min(LOGIN_LOCK_FIRST_MS * 2 ** doublings, LOGIN_LOCK_MAX_MS);
}

/** Who tried to log in, and when on the real clock (never the business clock: HMB_NOW must not freeze a lock). */
export interface LoginAttempt {
  at?: Date;
  /** The caller's address, for the audit log. */
  from?: string;
}

/**
 * Login attempts are audited before anyone is authenticated: the actor is the login name that was tried,
 * with no role (`anonymous`), so the audit's Actor (which always has a role) does not fit.
 */
const UNAUTHENTICATED_ROLE = "anonymous";

async function auditLogin(
  q: Queryable,
  programId: string,
  username: string,
  action: string,
  detail: Record<string, unknown>,
): Promise<void> {
  await q.query(
    "insert into audit_log (program_id, actor, role, action, subject, detail) values ($1, $2, $3, $4, $5, $6)",
    [programId, username, UNAUTHENTICATED_ROLE, action, username, JSON.stringify(detail)],
  );
}

/**
 * Counts a failed login against the login name (whether or not an account has it, so a lock tells nothing
 * about which names exist) and locks the name from the LOGIN_FAILURES_BEFORE_LOCK-th failure on.
 * The name alone is the key, not (program, name): a platform-wide account answers in every program, and a
 * key with the program in it would give an attacker five guesses per program id.
 */
async function recordLoginFailure(
  ctx: PlatformContext,
  programId: string,
  username: string,
  at: Date,
  from: string | undefined,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const rows = await tx.query<{ failures: number }>(
      `insert into login_failures (username, failures, last_failure_at) values ($1, 1, $2)
       on conflict (username) do update set
         failures = case when login_failures.last_failure_at < $3 then 1 else login_failures.failures + 1 end,
         last_failure_at = excluded.last_failure_at
       returning failures`,
      [username, at, new Date(at.getTime() - LOGIN_FAILURE_MEMORY_MS)],
    );
    const failures = Number(rows[0]?.failures ?? 1);
    await auditLogin(tx, programId, username, "auth.login_failed", { from: from ?? null, failures });
    const lockMs = lockDurationMs(failures);
    if (lockMs > 0) {
      const until = new Date(at.getTime() + lockMs);
      await tx.query("update login_failures set locked_until = $2 where username = $1", [username, until]);
      await auditLogin(tx, programId, username, "auth.locked", {
        from: from ?? null,
        failures,
        locked_seconds: lockMs / 1000,
        locked_until: until.toISOString(),
      });
    }
  });
}

export async function login(
  ctx: PlatformContext,
  programId: string,
  username: string,
  password: string,
  attempt: LoginAttempt = {},
): Promise<{ token: string; actor: PersonActor; expiresAt: Date }> {
  const at = attempt.at ?? new Date();
  const from = attempt.from;
  // A locked name is refused before the password is even looked at: a right password does not unlock it.
  const lock = await ctx.db.query<{ locked_until: Date | null }>(
    "select locked_until from login_failures where username = $1",
    [username],
  );
  const lockedUntil = lock[0]?.locked_until;
  if (lockedUntil != null && new Date(lockedUntil).getTime() > at.getTime()) {
    const until = new Date(lockedUntil);
    await auditLogin(ctx.db, programId, username, "auth.login_refused_locked", {
      from: from ?? null,
      locked_until: until.toISOString(),
    });
    throw new AccountLocked(Math.ceil((until.getTime() - at.getTime()) / 1000));
  }
  const rows = await ctx.db.query<{
    program_id: string;
    role: string;
    password_hash: string;
    psn_no: string | null;
    insurer_code: string | null;
  }>(
    "select program_id, role, password_hash, psn_no, insurer_code from users where program_id in ($1, '*') and username = $2 order by program_id = '*' limit 1",
    [programId, username],
  );
  const row = rows[0];
  // Same message whether the user or the password is wrong, so logins cannot probe for accounts.
  const denied = new ServiceError("unauthenticated", "invalid_credentials", "用户名或密码错误");
  if (row === undefined) {
    // Spend the same time as a real check so response timing does not reveal which usernames exist.
    await argon2.verify(await dummyHash(), password).catch(() => false);
    await recordLoginFailure(ctx, programId, username, at, from);
    throw denied;
  }
  if (!(await argon2.verify(row.password_hash, password))) {
    await recordLoginFailure(ctx, programId, username, at, from);
    throw denied;
  }
  // An account with an institution's role (made before institutions were refused as accounts) may not log
  // in: institutions authenticate by signature only. Said only to whoever knows its password.
  if (!isPersonRole(row.role)) {
    await auditLogin(ctx.db, programId, username, "auth.login_refused_institution", {
      from: from ?? null,
      role: row.role,
    });
    throw new ServiceError(
      "forbidden",
      "institution_role",
      "定点医药机构不能用密码登录：机构只能用 HMAC 签名调用接口",
      "username",
    );
  }
  const token = randomToken();
  const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
  await ctx.db.transaction(async (tx) => {
    await tx.query("delete from login_failures where username = $1", [username]);
    await tx.query(
      "insert into sessions (program_id, token_hash, username, expires_at) values ($1,$2,$3,$4)",
      [row.program_id, tokenHash(token), username, expiresAt],
    );
    await auditLogin(tx, programId, username, "auth.login", { from: from ?? null });
  });
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

/**
 * Sessions expire on the real clock, never the business clock (HMB_NOW must not keep tokens alive). A
 * session of an account with an institution's role is no session at all: institutions sign.
 */
export async function actorForToken(ctx: PlatformContext, bearer: string): Promise<PersonActor | undefined> {
  const dot = bearer.indexOf(".");
  if (dot <= 0) return undefined;
  const programId = bearer.slice(0, dot);
  const rows = await ctx.db.query<{
    username: string;
    role: string;
    psn_no: string | null;
    insurer_code: string | null;
  }>(
    `select u.username, u.role, u.psn_no, u.insurer_code from sessions s
       join users u on u.program_id = s.program_id and u.username = s.username
      where s.program_id = $1 and s.token_hash = $2 and s.expires_at > now()`,
    [programId, tokenHash(bearer.slice(dot + 1))],
  );
  const row = rows[0];
  if (row === undefined || !isPersonRole(row.role)) return undefined;
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
