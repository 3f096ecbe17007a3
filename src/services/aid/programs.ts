/**
 * Aid programs (救助项目) as published data attached to one 惠民保 program: a file validated by
 * domain/aid.ts `parseAidProgram` (a bad file is refused naming its field and changes nothing), stored as
 * immutable versions (migration 022 refuses any change but a withdrawal), the highest version current. A new
 * version supersedes the previous one; withdrawing marks the current version withdrawn, so the aid program
 * stops matching until a new version is published. The fund it names must exist in the same program.
 */
import type { Queryable } from "../../db/database.js";
import {
  type AidProgram,
  AidProgramValidationError,
  type AidValidationIssue,
  aidProgramRef,
  parseAidProgram,
} from "../../domain/aid.js";
import { audit } from "../audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "../context.js";
import { canonicalJson } from "../products.js";

export const AID_PROGRAM_STATUSES = ["published", "withdrawn"] as const;
export type AidProgramStatus = (typeof AID_PROGRAM_STATUSES)[number];

export interface StoredAidProgram {
  readonly aidProgramId: string;
  readonly version: number;
  readonly fundId: string;
  readonly fundName: string;
  readonly status: AidProgramStatus;
  readonly publishedAt: Date;
  readonly publishedBy: string;
  readonly withdrawnAt: Date | null;
  /** The version, parsed (fen and basis points). */
  readonly program: AidProgram;
}

export interface AidProgramVersionInfo {
  readonly version: number;
  readonly status: AidProgramStatus;
  readonly publishedAt: Date;
  readonly withdrawnAt: Date | null;
}

export interface AidProgramWithHistory {
  /** The highest version (withdrawn or not). */
  readonly current: StoredAidProgram;
  /** Every version, newest first. */
  readonly versions: readonly AidProgramVersionInfo[];
}

interface Row {
  aid_program_id: string;
  version: number;
  fund_id: string;
  fund_name: string;
  document: unknown;
  status: AidProgramStatus;
  published_at: Date | string;
  published_by: string;
  withdrawn_at: Date | string | null;
}

const COLUMNS =
  "p.aid_program_id, p.version, p.fund_id, f.name as fund_name, p.document, p.status, p.published_at, p.published_by, p.withdrawn_at";
/** Versions with their fund's name (the screens show names, never ids). */
const FROM = "aid_programs p join aid_funds f on f.program_id = p.program_id and f.fund_id = p.fund_id";

function stored(r: Row): StoredAidProgram {
  const program = parseAidProgram(typeof r.document === "string" ? JSON.parse(r.document) : r.document);
  return {
    aidProgramId: r.aid_program_id,
    version: Number(r.version),
    fundId: r.fund_id,
    fundName: r.fund_name,
    status: r.status,
    publishedAt: new Date(r.published_at),
    publishedBy: r.published_by,
    withdrawnAt: r.withdrawn_at === null ? null : new Date(r.withdrawn_at),
    program,
  };
}

function invalidFile(issues: readonly AidValidationIssue[]): ServiceError {
  const listed = issues.map((i) => `${i.path === "" ? "（文件）" : i.path}：${i.message}`).join("；");
  return new ServiceError(
    "invalid",
    "invalid_aid_program",
    `救助项目文件有 ${issues.length} 处问题：${listed}`,
    issues[0]?.path || "aid_program",
  );
}

/** The file's problems, storing nothing (an empty list: it would publish). */
export function validateAidProgramFile(document: unknown): AidValidationIssue[] {
  try {
    parseAidProgram(document);
    return [];
  } catch (e) {
    if (e instanceof AidProgramValidationError) return [...e.issues];
    throw e;
  }
}

/** `lymphoma-aid@2` → { id, version }; without `@` the version is undefined (the current one). */
export function parseAidProgramRef(
  ref: string,
  field = "aid_program",
): { id: string; version: number | undefined } {
  const at = ref.lastIndexOf("@");
  if (at < 0) return { id: ref.trim(), version: undefined };
  const id = ref.slice(0, at).trim();
  const text = ref.slice(at + 1).trim();
  const version = Number(text);
  if (id === "" || !/^\d+$/.test(text) || !Number.isSafeInteger(version) || version < 1)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `救助项目应写作 项目编号 或 项目编号@版本号（如 lymphoma-aid@1），而不是“${ref}”`,
      field,
    );
  return { id, version };
}

/**
 * Publishes a version. The same version with the same content again is a replay (`created: false`); the same
 * or a lower version with other content is refused (published versions never change), as is a fund that does
 * not exist in the program.
 */
export async function publishAidProgram(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  document: unknown,
): Promise<{ published: AidProgramWithHistory; created: boolean }> {
  let program: AidProgram;
  try {
    program = parseAidProgram(document);
  } catch (e) {
    if (e instanceof AidProgramValidationError) throw invalidFile(e.issues);
    throw e;
  }
  const content = canonicalJson(document);
  return ctx.db.transaction(async (tx) => {
    const known = await tx.query<{ program: boolean; fund: boolean }>(
      `select exists (select 1 from programs where program_id = $1) as program,
              exists (select 1 from aid_funds where program_id = $1 and fund_id = $2) as fund`,
      [programId, program.fund],
    );
    if (known[0]?.program !== true) throw notFound(`惠民保项目 ${programId}`, "program_id");
    if (known[0]?.fund !== true)
      throw new ServiceError(
        "unprocessable",
        "aid_fund_missing",
        `救助项目指定的救助基金 ${program.fund} 不存在，请先开设该基金（hmb aid fund create）`,
        "fund",
      );
    // One publisher of an aid program at a time, so two versions cannot both be "the next one".
    await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263022))", [
      `aid-program:${programId.length}:${programId}:${program.id}`,
    ]);
    const versions = await tx.query<Row>(
      `select ${COLUMNS} from ${FROM} where p.program_id = $1 and p.aid_program_id = $2 order by p.version desc`,
      [programId, program.id],
    );
    const same = versions.find((v) => Number(v.version) === program.version);
    if (same !== undefined) {
      if (canonicalJson(same.document) === content)
        return { published: await getAidProgram(tx, programId, program.id, program.version), created: false };
      throw new ServiceError(
        "conflict",
        "aid_program_version_published",
        `救助项目 ${aidProgramRef(program)} 已发布，已发布的版本不能修改：请把 version 改为 ${Number(versions[0]?.version) + 1} 后发布新版本`,
        "version",
      );
    }
    const latest = versions[0];
    if (latest !== undefined && Number(latest.version) > program.version)
      throw new ServiceError(
        "conflict",
        "aid_program_version_old",
        `救助项目 ${program.id} 当前为第 ${latest.version} 版，新版本号须大于它`,
        "version",
      );
    await tx.query(
      `insert into aid_programs (program_id, aid_program_id, version, fund_id, name, document, published_at, published_by)
       values ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [
        programId,
        program.id,
        program.version,
        program.fund,
        program.name,
        JSON.stringify(document),
        ctx.clock.now(),
        actor.id,
      ],
    );
    await audit(tx, actor, programId, "aid_program.publish", aidProgramRef(program), { fund: program.fund });
    return { published: await getAidProgram(tx, programId, program.id), created: true };
  });
}

/** Every aid program of the program: its current (highest) version, with its history. */
export async function listAidPrograms(q: Queryable, programId: string): Promise<AidProgramWithHistory[]> {
  const rows = await q.query<Row>(
    `select ${COLUMNS} from ${FROM} where p.program_id = $1 order by p.aid_program_id, p.version desc`,
    [programId],
  );
  const byId = new Map<string, Row[]>();
  for (const r of rows) byId.set(r.aid_program_id, [...(byId.get(r.aid_program_id) ?? []), r]);
  return [...byId.values()].map((versions) => withHistory(versions));
}

function withHistory(versions: readonly Row[]): AidProgramWithHistory {
  return {
    current: stored(versions[0] as Row),
    versions: versions.map((v) => ({
      version: Number(v.version),
      status: v.status,
      publishedAt: new Date(v.published_at),
      withdrawnAt: v.withdrawn_at === null ? null : new Date(v.withdrawn_at),
    })),
  };
}

/** One aid program: the given version (or the current one) and every version. */
export async function getAidProgram(
  q: Queryable,
  programId: string,
  aidProgramId: string,
  version?: number,
): Promise<AidProgramWithHistory> {
  const rows = await q.query<Row>(
    `select ${COLUMNS} from ${FROM} where p.program_id = $1 and p.aid_program_id = $2 order by p.version desc`,
    [programId, aidProgramId],
  );
  if (rows.length === 0) throw notFound(`救助项目 ${aidProgramId}`, "aid_program_id");
  const history = withHistory(rows);
  if (version === undefined) return history;
  const chosen = rows.find((r) => Number(r.version) === version);
  if (chosen === undefined)
    throw new ServiceError(
      "not_found",
      "not_found",
      `救助项目 ${aidProgramId} 没有第 ${version} 版`,
      "version",
    );
  return { current: stored(chosen), versions: history.versions };
}

/** One version as published, parsed; what payments reference (aid_program_id, version). */
export async function storedAidProgram(
  q: Queryable,
  programId: string,
  aidProgramId: string,
  version: number,
): Promise<StoredAidProgram> {
  return (await getAidProgram(q, programId, aidProgramId, version)).current;
}

/**
 * The aid programs that match claims now: the current version of each, unless it is withdrawn, in paying order
 * (priority, then id). The engine still checks each one's period against the day of care.
 */
export async function activeAidPrograms(q: Queryable, programId: string): Promise<StoredAidProgram[]> {
  const rows = await q.query<Row>(
    `select distinct on (p.aid_program_id) ${COLUMNS} from ${FROM} where p.program_id = $1
      order by p.aid_program_id, p.version desc`,
    [programId],
  );
  return rows
    .filter((r) => r.status === "published")
    .map((r) => stored(r))
    .sort((a, b) => a.program.priority - b.program.priority || (a.aidProgramId < b.aidProgramId ? -1 : 1));
}

/** Withdraws the current version: the aid program stops matching; paid aid stays paid. */
export async function withdrawAidProgram(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  aidProgramId: string,
): Promise<AidProgramWithHistory> {
  return ctx.db.transaction(async (tx) => {
    await tx.query("select pg_advisory_xact_lock(hashtextextended($1, 7263022))", [
      `aid-program:${programId.length}:${programId}:${aidProgramId}`,
    ]);
    const rows = await tx.query<Row>(
      `select ${COLUMNS} from ${FROM} where p.program_id = $1 and p.aid_program_id = $2 order by p.version desc limit 1`,
      [programId, aidProgramId],
    );
    const current = rows[0];
    if (current === undefined) throw notFound(`救助项目 ${aidProgramId}`, "aid_program_id");
    if (current.status === "withdrawn")
      throw new ServiceError(
        "conflict",
        "aid_program_withdrawn",
        `救助项目 ${aidProgramId} 已撤回；如需恢复请发布新版本`,
        "aid_program_id",
      );
    await tx.query(
      `update aid_programs set status = 'withdrawn', withdrawn_at = $4, withdrawn_by = $5
        where program_id = $1 and aid_program_id = $2 and version = $3`,
      [programId, aidProgramId, current.version, ctx.clock.now(), actor.id],
    );
    await audit(tx, actor, programId, "aid_program.withdraw", `${aidProgramId}@${current.version}`);
    return getAidProgram(tx, programId, aidProgramId);
  });
}
