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

export const ROLES = [
  "resident",
  "hospital",
  "operator",
  "co_insurer",
  "bureau",
  "regulator",
  "charity",
  "admin",
] as const;
export type Role = (typeof ROLES)[number];

export const CLI_ACTOR: Actor = { id: "cli", role: "admin", programId: "*" };

/** A caller mistake: becomes a 4xx `{error:{code,message,field}}` at the HTTP edge, exit 2 in the CLI. */
export class ServiceError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 422 | 429,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string, field?: string) =>
  new ServiceError(404, "not_found", `${what} 不存在`, field);
