/**
 * Hospitals and pharmacies (定点医药机构) registered for a program. Each gets a secret, shown once, with
 * which it signs requests (docs/claims.md "Signing requests"):
 * - version 1, the one-stop settlement contract: hex HMAC-SHA256(secret, timestamp + "\n" + raw body);
 * - version 2 (`X-Hmb-Signature-Version: 2`): hex HMAC-SHA256(secret, timestamp + "\n" + METHOD + " " +
 *   request target + "\n" + raw body), which binds the signature to the URL it was made for. Reads must use it.
 */
import {
  INSTITUTION_KIND_LABELS,
  INSTITUTION_KINDS,
  INSTITUTION_LEVEL_LABELS,
  INSTITUTION_LEVELS,
  INSTITUTION_STATUS_LABELS,
  INSTITUTION_STATUSES,
  type InstitutionKind,
  type InstitutionLevel,
  type InstitutionStatus,
} from "../domain/vocabulary.js";
import { constantTimeEqualHex, decrypt, encrypt, hmacHex, randomToken } from "../platform/crypto.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";
import {
  Filter,
  type ListStatement,
  orderBy,
  pageFields,
  pageSpec,
  selectAll,
  selectPage,
} from "./paging.js";
import { loadProgram } from "./programs.js";
import { cells, type ExportColumn, tableXlsx } from "./table-export.js";

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
  readonly entries: Map<string, { secret: Credential; until: number }>;
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

/** What a signature is checked against: the secret, and whether the institution is disabled (issue 14). */
interface Credential {
  readonly secret: string;
  readonly disabled: boolean;
  readonly kind: InstitutionKind;
}

async function institutionSecret(
  ctx: PlatformContext,
  programId: string,
  code: string,
  nowMs: number,
): Promise<Credential | undefined> {
  const cache = secretCache(ctx);
  const key = cacheKey(programId, code);
  const hit = cache.entries.get(key);
  if (hit !== undefined && hit.until > nowMs) return hit.secret;
  const generation = cache.generation;
  const rows = await ctx.db.query<{ secret_enc: Uint8Array; status: string; kind: InstitutionKind }>(
    "select secret_enc, status, kind from institutions where program_id = $1 and fixmedins_code = $2",
    [programId, code],
  );
  const row = rows[0];
  if (row === undefined) {
    cache.entries.delete(key);
    return undefined;
  }
  const secret: Credential = {
    secret: decrypt(ctx.keys, row.secret_enc),
    disabled: row.status === "disabled",
    kind: row.kind,
  };
  if (generation === cache.generation) {
    if (cache.entries.size >= SECRET_CACHE_MAX) cache.entries.clear();
    cache.entries.set(key, { secret, until: nowMs + SECRET_CACHE_MS });
  }
  return secret;
}

export async function addInstitution(
  ctx: PlatformContext,
  actor: Actor,
  input: {
    programId: string;
    code: string;
    name: string;
    level?: InstitutionLevel | undefined;
    /** 'medical' (the default for a new code) or 'service'; left out on re-adding, the stored kind stays. */
    kind?: InstitutionKind | undefined;
  },
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
  if (input.level !== undefined && !(INSTITUTION_LEVELS as readonly string[]).includes(input.level)) {
    throw new ServiceError("invalid", "invalid_value", "机构等级应为三级、二级、一级医院或定点药店", "level");
  }
  if (input.kind !== undefined && !(INSTITUTION_KINDS as readonly string[]).includes(input.kind)) {
    throw new ServiceError("invalid", "invalid_value", "机构类别应为定点医药机构或健康服务机构", "kind");
  }
  await loadProgram(ctx, input.programId);
  const secret = randomToken(32);
  await ctx.db.transaction(async (tx) => {
    // Re-adding rotates the secret: the old one stops working at once.
    // The level is kept when re-adding leaves it out.
    await tx.query(
      `insert into institutions (program_id, fixmedins_code, name, secret_enc, level, kind)
       values ($1,$2,$3,$4,$5,coalesce($6::text, 'medical'))
       on conflict (program_id, fixmedins_code) do update set name = excluded.name, secret_enc = excluded.secret_enc,
         level = coalesce(excluded.level, institutions.level), kind = coalesce($6::text, institutions.kind),
         secret_rotated_at = now()`,
      [
        input.programId,
        input.code,
        input.name,
        encrypt(ctx.keys, secret),
        input.level ?? null,
        input.kind ?? null,
      ],
    );
    await audit(tx, actor, input.programId, "institution.add", input.code, {
      name: input.name,
      ...(input.level === undefined ? {} : { level: input.level }),
      ...(input.kind === undefined ? {} : { kind: input.kind }),
    });
  });
  forget(ctx, input.programId, input.code);
  return { code: input.code, secret };
}

/** Drops this process's cached secret at once (another process sees the change within SECRET_CACHE_MS). */
function forget(ctx: PlatformContext, programId: string, code: string): void {
  const cache = secretCache(ctx);
  cache.generation++;
  cache.entries.delete(cacheKey(programId, code));
}

/** A registered institution as the console lists it: never its secret. */
export interface InstitutionRecord {
  code: string;
  name: string;
  level: InstitutionLevel | null;
  kind: InstitutionKind;
  status: InstitutionStatus;
  createdAt: Date;
  statusChangedAt: Date | null;
  secretRotatedAt: Date | null;
}

interface InstitutionRow {
  fixmedins_code: string;
  name: string;
  level: InstitutionLevel | null;
  kind: InstitutionKind;
  status: InstitutionStatus;
  created_at: Date | string;
  status_changed_at: Date | string | null;
  secret_rotated_at: Date | string | null;
}

const INSTITUTION_COLUMNS =
  "fixmedins_code, name, level, kind, status, created_at, status_changed_at, secret_rotated_at";

const toDate = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

function toRecord(r: InstitutionRow): InstitutionRecord {
  return {
    code: r.fixmedins_code,
    name: r.name,
    level: r.level,
    kind: r.kind,
    status: r.status,
    createdAt: new Date(r.created_at),
    statusChangedAt: toDate(r.status_changed_at),
    secretRotatedAt: toDate(r.secret_rotated_at),
  };
}

/** The program's institutions by code (names, levels, status; no secrets, no personal data). */
export async function listInstitutions(
  ctx: PlatformContext,
  programId: string,
): Promise<InstitutionRecord[]> {
  await loadProgram(ctx, programId);
  const rows = await ctx.db.query<InstitutionRow>(
    `select ${INSTITUTION_COLUMNS} from institutions where program_id = $1 order by fixmedins_code`,
    [programId],
  );
  return rows.map(toRecord);
}

export interface InstitutionQuery {
  status?: string | undefined;
  level?: string | undefined;
  kind?: string | undefined;
  /** Free text: the start of the code or of the name. */
  q?: string | undefined;
  sort?: string | undefined;
  order?: string | undefined;
  page?: number | undefined;
  pageSize?: number | undefined;
}

function institutionStatement(programId: string, query: InstitutionQuery): ListStatement {
  if (query.status !== undefined && !(INSTITUTION_STATUSES as readonly string[]).includes(query.status))
    throw new ServiceError("invalid", "invalid_value", `未知的机构状态 ${query.status}`, "status");
  if (query.level !== undefined && !(INSTITUTION_LEVELS as readonly string[]).includes(query.level))
    throw new ServiceError("invalid", "invalid_value", `未知的机构等级 ${query.level}`, "level");
  if (query.kind !== undefined && !(INSTITUTION_KINDS as readonly string[]).includes(query.kind))
    throw new ServiceError("invalid", "invalid_value", `未知的机构类别 ${query.kind}`, "kind");
  return {
    select: INSTITUTION_COLUMNS,
    from: "institutions",
    filter: new Filter()
      .eq("program_id", programId)
      .eq("status", query.status)
      .eq("level", query.level)
      .eq("kind", query.kind)
      .startsWith(["fixmedins_code", "name"], query.q),
    order: orderBy(
      {
        columns: { code: "fixmedins_code", name: "name", created_at: "created_at" },
        byDefault: "code",
        order: "asc",
        tieBreak: "fixmedins_code",
      },
      query.sort,
      query.order,
    ),
  };
}

/** One page of the program's institutions, filtered (status, level, code or name) and sorted on the server. */
export async function searchInstitutions(
  ctx: PlatformContext,
  programId: string,
  query: InstitutionQuery,
): Promise<{ institutions: InstitutionRecord[]; total: number; page: number; page_size: number }> {
  await loadProgram(ctx, programId);
  const spec = pageSpec(query);
  const { rows, total } = await selectPage<InstitutionRow>(
    ctx.db,
    institutionStatement(programId, query),
    spec,
  );
  return { institutions: rows.map(toRecord), ...pageFields(spec, total) };
}

const INSTITUTION_EXPORT: readonly ExportColumn<InstitutionRecord>[] = [
  { header: "机构编码", width: 100, cell: (i) => cells.text(i.code) },
  { header: "机构名称", width: 180, cell: (i) => cells.text(i.name) },
  { header: "等级", width: 100, cell: (i) => cells.label(INSTITUTION_LEVEL_LABELS, i.level) },
  { header: "类别", width: 80, cell: (i) => cells.label(INSTITUTION_KIND_LABELS, i.kind) },
  { header: "状态", width: 60, cell: (i) => cells.label(INSTITUTION_STATUS_LABELS, i.status) },
  { header: "登记时间", width: 120, cell: (i) => cells.time(i.createdAt) },
  { header: "状态变更时间", width: 120, cell: (i) => cells.time(i.statusChangedAt) },
  { header: "密钥更换时间", width: 120, cell: (i) => cells.time(i.secretRotatedAt) },
];

/** The filtered institutions as Excel (no secrets, no personal data). */
export async function institutionsXlsx(
  ctx: PlatformContext,
  programId: string,
  query: Omit<InstitutionQuery, "page" | "pageSize">,
): Promise<Buffer> {
  await loadProgram(ctx, programId);
  const rows = await selectAll<InstitutionRow>(ctx.db, institutionStatement(programId, query), "定点机构");
  return tableXlsx({
    sheet: "定点机构",
    columns: INSTITUTION_EXPORT,
    rows: rows.map(toRecord),
    now: ctx.clock.now(),
  });
}

async function loadInstitution(
  ctx: PlatformContext,
  programId: string,
  code: string,
): Promise<InstitutionRecord> {
  await loadProgram(ctx, programId);
  const rows = await ctx.db.query<InstitutionRow>(
    `select ${INSTITUTION_COLUMNS} from institutions where program_id = $1 and fixmedins_code = $2`,
    [programId, code],
  );
  const row = rows[0];
  if (row === undefined) throw notFound("定点机构", "fixmedins_code");
  return toRecord(row);
}

/**
 * A new signing secret for a registered institution, returned once: the old one stops working at once in this
 * process (within SECRET_CACHE_MS in others). Audited without the secret.
 */
export async function rotateInstitutionSecret(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  code: string,
): Promise<{ code: string; secret: string }> {
  await loadInstitution(ctx, programId, code);
  const secret = randomToken(32);
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `update institutions set secret_enc = $3, secret_rotated_at = now()
        where program_id = $1 and fixmedins_code = $2`,
      [programId, code, encrypt(ctx.keys, secret)],
    );
    await audit(tx, actor, programId, "institution.rotate_secret", code, {});
  });
  forget(ctx, programId, code);
  return { code, secret };
}

/** Disables (signed requests refused) or re-enables an institution; its claims and history stay. Audited. */
export async function setInstitutionStatus(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  code: string,
  status: unknown,
): Promise<InstitutionRecord> {
  if (!(INSTITUTION_STATUSES as readonly unknown[]).includes(status))
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "状态应为 active（正常）或 disabled（停用）",
      "status",
    );
  const before = await loadInstitution(ctx, programId, code);
  if (before.status === status) return before;
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `update institutions set status = $3, status_changed_at = now()
        where program_id = $1 and fixmedins_code = $2`,
      [programId, code, status as InstitutionStatus],
    );
    await audit(tx, actor, programId, "institution.status", code, { from: before.status, to: status });
  });
  forget(ctx, programId, code);
  return loadInstitution(ctx, programId, code);
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
  if (secret.disabled) {
    return {
      ok: false,
      kind: "forbidden",
      code: "institution_disabled",
      message: "机构已被经办机构停用，请联系惠民保经办机构恢复后再提交",
      field: "X-Hmb-Institution",
    };
  }
  const expected = hmacHex(secret.secret, signingString(version, timestamp, signed));
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
    // A health-service provider is never a 定点医药机构: its own role, admitted only by the voucher routes.
    actor: { id: institution, role: secret.kind === "service" ? "provider" : "hospital", programId },
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
