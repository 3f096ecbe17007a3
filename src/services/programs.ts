/** Programs: a region × policy year running one product version, with its co-insurers and their shares. */
import type { Product } from "../domain/product.js";
import { getProduct } from "../products/index.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";

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
  readonly name: string;
  readonly regionCode: string;
  readonly insurers: readonly CoInsurerShare[];
}

const PROGRAM_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** Shares must sum to exactly 100 % with one lead: the lead takes every rounding remainder. */
export function validateShares(insurers: readonly CoInsurerShare[]): void {
  const total = insurers.reduce((s, i) => s + i.shareBps, 0);
  if (insurers.length === 0)
    throw new ServiceError("invalid", "invalid_value", "至少需要一家承保公司", "insurers");
  if (total !== 10_000)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `共保份额合计应为 100%，实际 ${total / 100}%`,
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
  input: { programId: string; productId: string; insurers?: CoInsurerShare[] | undefined },
): Promise<ProgramRecord> {
  if (!PROGRAM_ID.test(input.programId)) {
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "program_id 只能包含小写字母、数字和 -（2–63 位）",
      "program_id",
    );
  }
  let product: Product;
  try {
    product = getProduct(input.productId);
  } catch {
    throw new ServiceError("invalid", "invalid_value", `未知产品 ${input.productId}`, "product_id");
  }
  const insurers = input.insurers ?? defaultInsurers(product);
  validateShares(insurers);
  return ctx.db.transaction(async (tx) => {
    const existing = await tx.query<{ product_id: string }>(
      "select product_id from programs where program_id = $1",
      [input.programId],
    );
    if (existing.length > 0) {
      // Creating the same program twice is a replay; a different product under the same id is a conflict.
      if (existing[0]?.product_id !== product.id) {
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
      await audit(tx, actor, input.programId, "program.create", input.programId, { product: product.id });
    }
    return loadProgramTx(tx, input.programId);
  });
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
  }>(
    "select program_id, product_id, product_version, name, region_code from programs where program_id = $1",
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
    name: row.name,
    regionCode: row.region_code,
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

export function productOf(program: ProgramRecord): Product {
  return getProduct(program.productId);
}
