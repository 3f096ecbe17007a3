/** Programs: a region × policy year running one product version, with its co-insurers and their shares. */
import type { Product } from "../domain/product.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";
import { parseProductRef, resolveProduct, storedProduct } from "./products.js";
import { recordFollows } from "./program-years.js";

export interface CoInsurerShare {
  readonly code: string;
  readonly name: string;
  readonly shareBps: number;
  readonly lead: boolean;
}

export interface ProgramRecord {
  readonly programId: string;
  readonly productId: string;
  readonly productVersion: number;
  /** The pinned version as published (services/products.ts): every reader of the program's terms uses it. */
  readonly product: Product;
  readonly name: string;
  readonly regionCode: string;
  readonly insurers: readonly CoInsurerShare[];
  /** The program this one follows (last year's), or null: program years and renewal (program-years.ts). */
  readonly followsProgramId: string | null;
}

const PROGRAM_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** An insurer code as it appears in statements and `?insurer=`: short, no spaces. */
const INSURER_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
/** 100 % in basis points: co-insurers' shares must add up to exactly this. */
export const WHOLE_SHARE_BPS = 10_000;

/**
 * Shares must sum to exactly 100 % with one lead: the lead takes every rounding remainder of the ledger
 * split (services/ledger.ts), so a program without exactly one lead could not balance.
 */
export function validateShares(insurers: readonly CoInsurerShare[]): void {
  if (insurers.length === 0)
    throw new ServiceError("invalid", "invalid_value", "至少需要一家承保公司", "insurers");
  const seen = new Set<string>();
  insurers.forEach((i, n) => {
    const at = `insurers[${n}]`;
    if (!INSURER_CODE.test(i.code))
      throw new ServiceError(
        "invalid",
        "invalid_value",
        `承保公司代码“${i.code}”无效：只能包含字母、数字、_ 和 -（1–32 位）`,
        `${at}.code`,
      );
    if (seen.has(i.code))
      throw new ServiceError("invalid", "invalid_value", `承保公司代码 ${i.code} 重复`, `${at}.code`);
    seen.add(i.code);
    if (i.name.trim() === "")
      throw new ServiceError("invalid", "invalid_value", "承保公司名称不能为空", `${at}.name`);
    if (!Number.isInteger(i.shareBps) || i.shareBps <= 0 || i.shareBps > WHOLE_SHARE_BPS)
      throw new ServiceError(
        "invalid",
        "invalid_value",
        `共保份额应为 1–10000 的整数（万分之一），实际 ${i.shareBps}`,
        `${at}.share_bps`,
      );
  });
  const total = insurers.reduce((s, i) => s + i.shareBps, 0);
  if (total !== WHOLE_SHARE_BPS)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `共保份额合计应为 100%（10000 个万分点），实际 ${total / 100}%`,
      "insurers",
    );
  if (insurers.filter((i) => i.lead).length !== 1) {
    throw new ServiceError("invalid", "invalid_value", "应有且仅有一家首席承保人", "insurers");
  }
}

function defaultInsurers(product: Product): CoInsurerShare[] {
  const listed = product.operations.coInsurers;
  if (listed.length === 0) return [{ code: "lead", name: "首席承保人", shareBps: 10_000, lead: true }];
  const withShares = listed.every((c) => c.sharePercent !== undefined);
  return listed
    .map((c, i) => ({
      code: c.code,
      name: c.name,
      shareBps: withShares ? (c.sharePercent as number) : i === 0 ? 10_000 : 0,
      lead: c.lead || (!listed.some((x) => x.lead) && i === 0),
    }))
    .filter((c) => c.shareBps > 0);
}

export async function createProgram(
  ctx: PlatformContext,
  actor: Actor,
  input: {
    programId: string;
    /** A published product: `id` (its latest version) or `id@version`. */
    productId: string;
    /** The version to pin when productId names none; default the latest published. */
    productVersion?: number | undefined;
    insurers?: CoInsurerShare[] | undefined;
    /** Last year's program (`--follows`). */
    follows?: string | undefined;
  },
): Promise<ProgramRecord> {
  if (!PROGRAM_ID.test(input.programId)) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "program_id 只能包含小写字母、数字和 -（2–63 位）",
      "program_id",
    );
  }
  const ref = parseProductRef(input.productId, "product_id");
  const pinned = ref.version ?? input.productVersion;
  const product = await pinnableProduct(ctx, ref.id, pinned);
  const insurers = input.insurers ?? defaultInsurers(product);
  validateShares(insurers);
  return ctx.db.transaction(async (tx) => {
    const existing = await tx.query<{ product_id: string; product_version: number }>(
      "select product_id, product_version from programs where program_id = $1",
      [input.programId],
    );
    if (existing.length > 0) {
      // Creating the same program twice is a replay; a different product (or a different version asked for
      // explicitly) under the same id is a conflict — a version changes only by an amendment.
      if (
        existing[0]?.product_id !== product.id ||
        (pinned !== undefined && Number(existing[0]?.product_version) !== pinned)
      ) {
        throw new ServiceError(
          "conflict",
          "conflict",
          `项目 ${input.programId} 已存在且产品不同`,
          "program_id",
        );
      }
    } else {
      await tx.query(
        "insert into programs (program_id, product_id, product_version, name, region_code, created_by) values ($1,$2,$3,$4,$5,$6)",
        [input.programId, product.id, product.version, product.name, product.region.code, actor.id],
      );
      for (const i of insurers) {
        await tx.query(
          "insert into program_insurers (program_id, insurer_code, name, share_bps, is_lead) values ($1,$2,$3,$4,$5)",
          [input.programId, i.code, i.name, i.shareBps, i.lead],
        );
      }
      if (input.follows !== undefined)
        await recordFollows(tx, input.programId, input.follows, product.region.code);
      await audit(tx, actor, input.programId, "program.create", input.programId, {
        product: product.id,
        product_version: product.version,
        insurers: insurers.map((i) => `${i.code}:${i.shareBps}${i.lead ? ":lead" : ""}`),
      });
      return loadProgramTx(tx, input.programId);
    }
    const program = await loadProgramTx(tx, input.programId);
    if (input.follows !== undefined && program.followsProgramId !== input.follows)
      throw new ServiceError(
        "conflict",
        "conflict",
        `项目 ${input.programId} 已存在且接续的上一年度项目不同`,
        "follows_program_id",
      );
    // A replay must not quietly keep other shares than the ones asked for: the ledger splits by them.
    if (input.insurers !== undefined && !sameShares(program.insurers, insurers)) {
      throw new ServiceError(
        "conflict",
        "conflict",
        `项目 ${input.programId} 已存在且共保体不同`,
        "insurers",
      );
    }
    return program;
  });
}

function sameShares(a: readonly CoInsurerShare[], b: readonly CoInsurerShare[]): boolean {
  const key = (xs: readonly CoInsurerShare[]) =>
    xs
      .map((i) => `${i.code}\u0000${i.name}\u0000${i.shareBps}\u0000${i.lead}`)
      .sort()
      .join("\n");
  return key(a) === key(b);
}

async function loadProgramTx(
  q: import("../db/database.js").Queryable,
  programId: string,
): Promise<ProgramRecord> {
  const rows = await q.query<{
    program_id: string;
    product_id: string;
    product_version: number;
    name: string;
    region_code: string;
    follows_program_id: string | null;
  }>(
    "select program_id, product_id, product_version, name, region_code, follows_program_id from programs where program_id = $1",
    [programId],
  );
  const row = rows[0];
  if (row === undefined) throw notFound(`项目 ${programId}`, "program_id");
  const insurers = await q.query<{ insurer_code: string; name: string; share_bps: number; is_lead: boolean }>(
    "select insurer_code, name, share_bps, is_lead from program_insurers where program_id = $1 order by is_lead desc, insurer_code",
    [programId],
  );
  return {
    programId: row.program_id,
    productId: row.product_id,
    productVersion: row.product_version,
    product: await storedProduct(q, row.product_id, Number(row.product_version)),
    name: row.name,
    regionCode: row.region_code,
    followsProgramId: row.follows_program_id,
    insurers: insurers.map((i) => ({
      code: i.insurer_code,
      name: i.name,
      shareBps: i.share_bps,
      lead: i.is_lead,
    })),
  };
}

export async function loadProgram(ctx: PlatformContext, programId: string): Promise<ProgramRecord> {
  return loadProgramTx(ctx.db, programId);
}

/** The program's terms: its pinned product version (never the latest, never the compiled-in file). */
export function productOf(program: ProgramRecord): Product {
  return program.product;
}

/** A published product version a program may pin; an unknown one is the caller's mistake, naming the field. */
async function pinnableProduct(
  ctx: PlatformContext,
  id: string,
  version: number | undefined,
): Promise<Product> {
  try {
    return await resolveProduct(ctx.db, id, version, "product_id");
  } catch (e) {
    if (e instanceof ServiceError && e.kind === "not_found")
      throw new ServiceError(
        "invalid",
        "unknown_product",
        `${e.message}（先用 hmb product publish 发布）`,
        "product_id",
      );
    throw e;
  }
}

/* ------------------------------------------------------------------------------------------------------------
 * Amending the pinned version: only before enrollment opens (金办便函〔2025〕745号)
 * ---------------------------------------------------------------------------------------------------------- */

export interface EnrollmentOpened {
  readonly opened: boolean;
  /** Why it counts as opened, in Chinese; empty when not. */
  readonly reason: string;
}

/**
 * Has the program's enrollment opened? Either its product's enrollment period has begun (business clock),
 * or anyone has enrolled or ordered already (an early enrollment is still a signed contract).
 */
export async function enrollmentOpened(
  ctx: PlatformContext,
  q: import("../db/database.js").Queryable,
  program: ProgramRecord,
): Promise<EnrollmentOpened> {
  const now = ctx.clock.now().getTime();
  if (program.product.enrollment.start <= now) return { opened: true, reason: "投保期已开始" };
  const rows = await q.query<{ policies: boolean; orders: boolean }>(
    `select exists (select 1 from policies where program_id = $1) as policies,
            exists (select 1 from payment_orders where program_id = $1) as orders`,
    [program.programId],
  );
  if (rows[0]?.policies === true) return { opened: true, reason: "已有保单" };
  if (rows[0]?.orders === true) return { opened: true, reason: "已有投保订单" };
  return { opened: false, reason: "" };
}

/**
 * Pins another published version (`id@version`, or `id` for its latest) before the program's enrollment
 * opens; refused (conflict) once it has — the payout terms of signed contracts do not change within the
 * year (金办便函〔2025〕745号). Audited with the old and new versions. The programs row is locked so two
 * amendments do not interleave.
 */
export async function amendProgramProduct(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  productRef: string,
): Promise<ProgramRecord> {
  const ref = parseProductRef(productRef, "product_id");
  const product = await pinnableProduct(ctx, ref.id, ref.version);
  return ctx.db.transaction(async (tx) => {
    const locked = await tx.query("select 1 from programs where program_id = $1 for update", [programId]);
    if (locked.length === 0) throw notFound(`项目 ${programId}`, "program_id");
    const program = await loadProgramTx(tx, programId);
    if (program.productId === product.id && program.productVersion === product.version) return program;
    const opened = await enrollmentOpened(ctx, tx, program);
    if (opened.opened)
      throw new ServiceError(
        "conflict",
        "product_frozen",
        `项目 ${programId} ${opened.reason}，产品版本（${program.productId}@${program.productVersion}）已锁定：` +
          "按金办便函〔2025〕745号，已签合同的赔付条款年度内不得变更",
        "product_id",
      );
    await tx.query(
      "update programs set product_id = $2, product_version = $3, name = $4, region_code = $5 where program_id = $1",
      [programId, product.id, product.version, product.name, product.region.code],
    );
    await audit(tx, actor, programId, "program.amend_product", programId, {
      from: `${program.productId}@${program.productVersion}`,
      to: `${product.id}@${product.version}`,
    });
    return loadProgramTx(tx, programId);
  });
}
