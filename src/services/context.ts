/** What every service needs: the database, the business clock and the personal-data keys. */
import type { Database } from "../db/database.js";
import type { Clock } from "../platform/clock.js";
import type { DataKeys } from "../platform/crypto.js";

export interface PlatformContext {
  readonly db: Database;
  readonly clock: Clock;
  readonly keys: DataKeys;
}

/** Who is acting: a logged-in person, an institution (HMAC), or the operator's CLI on the server itself. */
export interface Actor {
  readonly id: string;
  readonly role: Role;
  readonly programId: string; // '*' for platform-wide accounts
  readonly psnNo?: string | undefined;
  readonly insurerCode?: string | undefined;
}

/** Roles of people: they log in with a password (users table) and act through a session token or cookie. */
export const PERSON_ROLES = [
  "resident",
  "operator",
  "co_insurer",
  "bureau",
  "regulator",
  "charity",
  "admin",
  /** 民政: reads the 因病致贫监测 list and aid programs, reviews assistance applications (issue 15). */
  "civil_affairs",
] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];

/**
 * Roles of institutions: they authenticate only by an HMAC signature with their registered secret, never by
 * password, so a person account can never hold one. `hospital`: 定点医药机构 (hospitals and pharmacies alike,
 * institutions.kind 'medical'); `provider`: health-service providers (kind 'service'), which redeem vouchers and
 * can call no route of a hospital — nor a hospital theirs.
 */
export const INSTITUTION_ROLES = ["hospital", "provider"] as const;
export type InstitutionRole = (typeof INSTITUTION_ROLES)[number];

export const ROLES = [...PERSON_ROLES, ...INSTITUTION_ROLES] as const;
export type Role = PersonRole | InstitutionRole;

export function isPersonRole(role: string): role is PersonRole {
  return (PERSON_ROLES as readonly string[]).includes(role);
}

/** A logged-in person (password login, session token): never an institution. */
export interface PersonActor extends Actor {
  readonly role: PersonRole;
}

export const CLI_ACTOR: Actor = { id: "cli", role: "admin", programId: "*" };

/** A caller mistake: becomes a 4xx `{error:{code,message,field}}` at the HTTP edge, exit 2 in the CLI. */
/**
 * What kind of refusal a service error is, in the service's own terms; the API maps each kind to one HTTP
 * status (src/api/errors.ts), the CLI to its exit codes. Services never speak HTTP.
 */
export type ServiceErrorKind =
  | "invalid" // the request itself is malformed or a value is out of range
  | "unauthenticated" // no valid credentials
  | "forbidden" // the caller may not do this
  | "not_found"
  | "conflict" // the state of things forbids it now (already done, changed meanwhile, busy)
  | "unprocessable" // well-formed but the facts do not allow it (not on the roster, not enrolled)
  | "too_many_requests";

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string, field?: string) =>
  new ServiceError("not_found", "not_found", `${what} 不存在`, field);
