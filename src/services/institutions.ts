/**
 * Hospitals and pharmacies (定点医药机构) registered for a program. Each gets a secret, shown once, with
 * which it signs requests (docs/claims.md "Signing requests"):
 * - version 1, the one-stop settlement contract: hex HMAC-SHA256(secret, timestamp + "\n" + raw body);
 * - version 2 (`X-Hmb-Signature-Version: 2`): hex HMAC-SHA256(secret, timestamp + "\n" + METHOD + " " +
 *   request target + "\n" + raw body), which binds the signature to the URL it was made for. Reads must use it.
 */
import { constantTimeEqualHex, decrypt, encrypt, hmacHex, randomToken } from "../platform/crypto.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { loadProgram } from "./programs.js";

/** ± this much between the signer's clock and ours (real clock, never HMB_NOW). */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/**
 * Decrypted secrets are kept this long, so a signed request costs no database round trip. Re-adding an
 * institution in this process drops its entry at once; another process (a second server, the CLI) that
 * rotates a secret is seen here within this time.
 */
export const SECRET_CACHE_MS = 5_000;
const SECRET_CACHE_MAX = 10_000;

interface SecretCache {
  readonly entries: Map<string, { secret: string; until: number }>;
  /** Bumped by every rotation here, so a read that raced with it does not put the old secret back. */
  generation: number;
}

/** Per database (tests open several platforms in one process, each with its own institutions). */
const secretCaches = new WeakMap<object, SecretCache>();

function secretCache(ctx: PlatformContext): SecretCache {
  let cache = secretCaches.get(ctx.db);
  if (cache === undefined) {
    cache = { entries: new Map(), generation: 0 };
    secretCaches.set(ctx.db, cache);
  }
  return cache;
}

const cacheKey = (programId: string, code: string) => `${programId}\u0000${code}`;

/** Program ids and institution codes are short printable ASCII; anything else cannot be registered. */
const PLAIN_ID = /^[\x21-\x7e]{1,64}$/;

async function institutionSecret(
  ctx: PlatformContext,
  programId: string,
  code: string,
  nowMs: number,
): Promise<string | undefined> {
  const cache = secretCache(ctx);
  const key = cacheKey(programId, code);
  const hit = cache.entries.get(key);
  if (hit !== undefined && hit.until > nowMs) return hit.secret;
  const generation = cache.generation;
  const rows = await ctx.db.query<{ secret_enc: Uint8Array }>(
    "select secret_enc from institutions where program_id = $1 and fixmedins_code = $2",
    [programId, code],
  );
  const row = rows[0];
  if (row === undefined) {
    cache.entries.delete(key);
    return undefined;
  }
  const secret = decrypt(ctx.keys, row.secret_enc);
  if (generation === cache.generation) {
    if (cache.entries.size >= SECRET_CACHE_MAX) cache.entries.clear();
    cache.entries.set(key, { secret, until: nowMs + SECRET_CACHE_MS });
  }
  return secret;
}

export async function addInstitution(
  ctx: PlatformContext,
  actor: Actor,
  input: { programId: string; code: string; name: string },
): Promise<{ code: string; secret: string }> {
  if (!/^[A-Z0-9]{4,32}$/.test(input.code)) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "fixmedins_code 应为 4–32 位大写字母或数字",
      "fixmedins_code",
    );
  }
  if (input.name.trim() === "" || input.name.length > 128) {
    throw new ServiceError("invalid", "invalid_value", "机构名称不能为空且不超过 128 字", "name");
  }
  await loadProgram(ctx, input.programId);
  const secret = randomToken(32);
  await ctx.db.transaction(async (tx) => {
    // Re-adding rotates the secret: the old one stops working at once.
    await tx.query(
      `insert into institutions (program_id, fixmedins_code, name, secret_enc) values ($1,$2,$3,$4)
       on conflict (program_id, fixmedins_code) do update set name = excluded.name, secret_enc = excluded.secret_enc`,
      [input.programId, input.code, input.name, encrypt(ctx.keys, secret)],
    );
    await audit(tx, actor, input.programId, "institution.add", input.code, { name: input.name });
  });
  const cache = secretCache(ctx);
  cache.generation++;
  cache.entries.delete(cacheKey(input.programId, input.code));
  return { code: input.code, secret };
}

/** The header naming the signing scheme; absent means version 1. */
export const SIGNATURE_VERSION_HEADER = "X-Hmb-Signature-Version";
/** timestamp + "\n" + raw body: the fixed one-stop settlement contract (issue 4). */
export const SIGNATURE_V1 = "1";
/** timestamp + "\n" + METHOD + " " + request target + "\n" + raw body: covers the URL too (issue 10). */
export const SIGNATURE_V2 = "2";
export type SignatureVersion = typeof SIGNATURE_V1 | typeof SIGNATURE_V2;

/**
 * What a signature covers besides the timestamp. `target` is the request target exactly as sent on the request
 * line: path and query string, percent-encoding untouched, no scheme or host (e.g.
 * `/api/v1/programs/ws-2023/reconciliation?date=2023-10-10`).
 */
export interface SignedRequest {
  readonly method: string;
  readonly target: string;
  readonly rawBody: string;
}

/** Methods that read: a version-1 signature on them covers nothing but the timestamp (their body is empty). */
const READ_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD"]);

/** The text an institution signs under each version. */
export function signingString(version: SignatureVersion, timestamp: string, request: SignedRequest): string {
  return version === SIGNATURE_V1
    ? `${timestamp}\n${request.rawBody}`
    : `${timestamp}\n${request.method.toUpperCase()} ${request.target}\n${request.rawBody}`;
}

export type SignatureCheck =
  | {
      ok: true;
      actor: Actor;
      /** Version 2: the signature itself names method and URL, so it cannot be replayed elsewhere. */
      coversRequest: boolean;
    }
  | { ok: false; kind: "unauthenticated" | "forbidden"; code: string; message: string; field: string };

/**
 * Checks an institution's signature. `request` is the request it came with; a bare string is a write's raw body
 * (version 1, the settlement contract). A read (GET/HEAD) must be signed with version 2: under version 1 its
 * signature covers only the timestamp and would open any other read URL for five minutes.
 */
export async function verifyInstitutionSignature(
  ctx: PlatformContext,
  programId: string,
  headers: {
    institution?: string | undefined;
    timestamp?: string | undefined;
    signature?: string | undefined;
    version?: string | undefined;
  },
  request: SignedRequest | string,
  realNowMs: number,
): Promise<SignatureCheck> {
  const { institution, timestamp, signature } = headers;
  const signed: SignedRequest =
    typeof request === "string" ? { method: "POST", target: "", rawBody: request } : request;
  if (institution === undefined || institution === "") {
    return {
      ok: false,
      kind: "unauthenticated",
      code: "missing_signature",
      message: "缺少 X-Hmb-Institution",
      field: "X-Hmb-Institution",
    };
  }
  if (timestamp === undefined || !/^\d{10,16}$/.test(timestamp)) {
    return {
      ok: false,
      kind: "unauthenticated",
      code: "bad_signature",
      message: "X-Hmb-Timestamp 应为毫秒时间戳",
      field: "X-Hmb-Timestamp",
    };
  }
  const version = headers.version === undefined ? SIGNATURE_V1 : headers.version.trim();
  if (version !== SIGNATURE_V1 && version !== SIGNATURE_V2) {
    return {
      ok: false,
      kind: "unauthenticated",
      code: "bad_signature",
      message: `${SIGNATURE_VERSION_HEADER} 应为 ${SIGNATURE_V1} 或 ${SIGNATURE_V2}`,
      field: SIGNATURE_VERSION_HEADER,
    };
  }
  if (version === SIGNATURE_V1 && READ_METHODS.has(signed.method.toUpperCase())) {
    return {
      ok: false,
      kind: "unauthenticated",
      code: "signature_version_required",
      message: `查询请求须使用第 2 版签名（${SIGNATURE_VERSION_HEADER}: 2，签名串含请求方法与路径），第 1 版签名不覆盖 URL`,
      field: SIGNATURE_VERSION_HEADER,
    };
  }
  if (Math.abs(realNowMs - Number(timestamp)) > SIGNATURE_WINDOW_MS) {
    return {
      ok: false,
      kind: "unauthenticated",
      code: "stale_signature",
      message: "签名时间超出 ±5 分钟",
      field: "X-Hmb-Timestamp",
    };
  }
  const secret =
    PLAIN_ID.test(programId) && PLAIN_ID.test(institution)
      ? await institutionSecret(ctx, programId, institution, realNowMs)
      : undefined;
  if (secret === undefined) {
    return {
      ok: false,
      kind: "forbidden",
      code: "institution_not_registered",
      message: "机构未在本项目登记",
      field: "X-Hmb-Institution",
    };
  }
  const expected = hmacHex(secret, signingString(version, timestamp, signed));
  if (signature === undefined || !constantTimeEqualHex(expected, signature)) {
    return {
      ok: false,
      kind: "unauthenticated",
      code: "bad_signature",
      message: "签名校验失败",
      field: "X-Hmb-Signature",
    };
  }
  return {
    ok: true,
    actor: { id: institution, role: "hospital", programId },
    coversRequest: version === SIGNATURE_V2,
  };
}

/**
 * Signatures older than the freshness window (plus a margin) are purged every this many new signatures: those
 * of the program whose signature comes due, so the purge stays on one program's shard (docs/scale-out.md). A
 * program's rows come with its own traffic, so each program is purged about as often as it adds rows.
 */
const SIGNATURE_PURGE_EVERY = 1000;
let signaturesSincePurge = 0;

/**
 * Binds a verified version-1 signature to the request it came with ("METHOD /url"). True for its first use and
 * for retries of the same request; false when the signature was already used for another request (a replay
 * against another URL: a version-1 signature does not cover the URL). Version 2 needs no binding.
 */
export async function bindSignatureToRequest(
  ctx: PlatformContext,
  programId: string,
  institution: string,
  signature: string,
  request: string,
): Promise<boolean> {
  const rows = await ctx.db.query(
    `insert into institution_signatures as s (program_id, fixmedins_code, signature, request)
     values ($1, $2, $3, $4)
     on conflict (program_id, fixmedins_code, signature) do update set seen_at = s.seen_at
       where s.request = excluded.request
     returning 1`,
    [programId, institution, signature.toLowerCase(), request],
  );
  if (++signaturesSincePurge >= SIGNATURE_PURGE_EVERY) {
    signaturesSincePurge = 0;
    await ctx.db.query(
      `delete from institution_signatures where program_id = $1 and seen_at < now() - make_interval(secs => $2)`,
      [programId, (2 * SIGNATURE_WINDOW_MS) / 1000],
    );
  }
  return rows.length === 1;
}
