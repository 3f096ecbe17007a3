/**
 * Health services (增值服务, issue 15 item 6): a program's service catalog (versioned data,
 * domain/health-services.ts), vouchers for its insured and their redemption by providers, usage reports.
 *
 * Providers are institutions of the program: they register, get their one-time secret, rotate it and are
 * disabled exactly like hospitals (services/institutions.ts), and sign redemptions with the same signature
 * (api/auth.ts). The catalog names which codes may redeem which service, so a hospital that also screens is one
 * registration, and a provider that is not listed for a service cannot redeem its vouchers.
 *
 * Vouchers are issued on demand (the insured's first look at 我的服务, a provider's first check of a code
 * is not enough: the code must exist) or in bulk (`hmb services issue`); issuing again adds nothing. A voucher
 * is redeemed exactly once: the same redemption (provider and its reference) sent again gets the same answer,
 * any other is refused.
 */

import type { Queryable } from "../db/database.js";
import type { Cohort } from "../domain/cohort.js";
import {
  type HealthService,
  parseServiceCatalog,
  type ServiceCatalog,
  ServiceCatalogValidationError,
  type VoucherState,
  voucherState,
  voucherWindow,
} from "../domain/health-services.js";
import { ageAt } from "../domain/premium.js";
import { whenHolds } from "../engine/adjudicate.js";
import { compileWhen, type PolicyTerms } from "../engine/compile.js";
import { audit } from "./audit.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";
import { maskName, newVerificationCode } from "./policies.js";
import { loadProgram, productOf } from "./programs.js";

/** A provider's own reference for a redemption (its order or visit number). */
const REFERENCE = /^[\x21-\x7e]{1,64}$/;
/** The voucher code alphabet of policies.ts newVerificationCode, 16 characters. */
const VOUCHER_CODE = /^[A-Z2-9]{16}$/;
/** How many redemptions the console's list shows (newest first). */
export const REDEMPTION_LIST_LIMIT = 200;

// ---------------------------------------------------------------------------------------------------------
// Catalog

export interface PublishedCatalog {
  readonly version: number;
  readonly catalog: ServiceCatalog;
  readonly publishedAt: Date;
  readonly publishedBy: string;
}

export type PublishOutcome = "published" | "unchanged";

/**
 * Publishes a catalog version for the program. The same version with the same content again changes nothing;
 * another content under a published version, or a version not above the latest, is refused. A bad file is
 * refused naming the field; plans it names must be plans of the program's product.
 */
export async function publishCatalog(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  document: unknown,
): Promise<{ version: number; outcome: PublishOutcome }> {
  let catalog: ServiceCatalog;
  try {
    catalog = parseServiceCatalog(document);
  } catch (e) {
    if (e instanceof ServiceCatalogValidationError) {
      const first = e.issues[0];
      throw new ServiceError("invalid", "invalid_catalog", e.message, first?.path);
    }
    throw e;
  }
  const product = productOf(await loadProgram(ctx, programId));
  const plans = new Set(product.plans.map((p) => p.id));
  catalog.services.forEach((s, i) => {
    const unknown = s.eligibility.plans?.find((p) => !plans.has(p));
    if (unknown !== undefined)
      throw new ServiceError(
        "invalid",
        "invalid_catalog",
        `服务目录文件有误：services[${i}].eligibility.plans: 本项目产品没有方案 ${unknown}`,
        `services[${i}].eligibility.plans`,
      );
  });
  const text = JSON.stringify(document);
  return ctx.db.transaction(async (tx) => {
    // One publisher at a time per program: the version check and the insert must not interleave.
    await tx.query("select program_id from programs where program_id = $1 for update", [programId]);
    const rows = await tx.query<{ version: number; document: unknown }>(
      `select version, document from health_service_catalogs where program_id = $1
        order by version desc limit 1`,
      [programId],
    );
    const latest = rows[0];
    if (latest !== undefined && Number(latest.version) === catalog.version) {
      // Compared as parsed (jsonb does not keep key order; zod's output follows the schema's).
      if (JSON.stringify(parseServiceCatalog(parsedJson(latest.document))) === JSON.stringify(catalog))
        return { version: catalog.version, outcome: "unchanged" as const };
      throw new ServiceError(
        "conflict",
        "version_exists",
        `服务目录第 ${catalog.version} 版已发布且内容不同：请提高 version 后再发布`,
        "version",
      );
    }
    if (latest !== undefined && catalog.version < Number(latest.version))
      throw new ServiceError(
        "conflict",
        "version_too_low",
        `服务目录已发布到第 ${Number(latest.version)} 版：新版本号应更大`,
        "version",
      );
    await tx.query(
      `insert into health_service_catalogs (program_id, version, document, published_at, published_by)
       values ($1, $2, $3, $4, $5)`,
      [programId, catalog.version, text, ctx.clock.now(), actor.id],
    );
    await audit(tx, actor, programId, "health_services.publish", `v${catalog.version}`, {
      services: catalog.services.map((s) => s.id),
    });
    return { version: catalog.version, outcome: "published" as const };
  });
}

/** jsonb arrives parsed from pg and PGlite alike; text only from an older driver setting. */
function parsedJson(v: unknown): unknown {
  return typeof v === "string" ? JSON.parse(v) : v;
}

/** The catalog in force (the highest published version), or undefined when none is published. */
export async function currentCatalog(q: Queryable, programId: string): Promise<PublishedCatalog | undefined> {
  const rows = await q.query<{
    version: number;
    document: unknown;
    published_at: Date | string;
    published_by: string;
  }>(
    `select version, document, published_at, published_by from health_service_catalogs
      where program_id = $1 order by version desc limit 1`,
    [programId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return {
    version: Number(row.version),
    // Stored only after parsing, so it parses again; parsing turns yuan/times into the domain's units.
    catalog: parseServiceCatalog(parsedJson(row.document)),
    publishedAt: new Date(row.published_at),
    publishedBy: row.published_by,
  };
}

/**
 * Every service any published version offered, as its latest version states it: a voucher of a service a newer
 * catalog dropped stays usable, with the providers and name it last had.
 */
export async function servicesEverOffered(
  q: Queryable,
  programId: string,
): Promise<Map<string, HealthService>> {
  const rows = await q.query<{ document: unknown }>(
    "select document from health_service_catalogs where program_id = $1 order by version",
    [programId],
  );
  const services = new Map<string, HealthService>();
  for (const r of rows)
    for (const s of parseServiceCatalog(parsedJson(r.document)).services) services.set(s.id, s);
  return services;
}

/** A provider named by the catalog, with what the institution registry knows of it (null: not registered). */
export interface ProviderRecord {
  readonly code: string;
  readonly name: string | null;
  readonly status: "active" | "disabled" | null;
  readonly services: readonly string[];
}

export interface CatalogOverview {
  readonly published: PublishedCatalog | undefined;
  readonly providers: readonly ProviderRecord[];
}

/** The catalog in force and its providers (registration state from the institutions); no personal data. */
export async function catalogOverview(ctx: PlatformContext, programId: string): Promise<CatalogOverview> {
  await loadProgram(ctx, programId);
  const published = await currentCatalog(ctx.db, programId);
  if (published === undefined) return { published, providers: [] };
  const byCode = new Map<string, string[]>();
  for (const s of published.catalog.services)
    for (const p of s.providers) byCode.set(p, [...(byCode.get(p) ?? []), s.id]);
  const codes = [...byCode.keys()].sort();
  const rows = await ctx.db.query<{ fixmedins_code: string; name: string; status: "active" | "disabled" }>(
    // Only health-service providers (kind 'service') can redeem: a 定点医药机构 the catalog names shows as
    // not registered (as a provider) until it is registered as one.
    `select fixmedins_code, name, status from institutions
      where program_id = $1 and fixmedins_code = any($2::text[]) and kind = 'service'`,
    [programId, codes],
  );
  const registered = new Map(rows.map((r) => [r.fixmedins_code, r]));
  return {
    published,
    providers: codes.map((code) => ({
      code,
      name: registered.get(code)?.name ?? null,
      status: registered.get(code)?.status ?? null,
      services: byCode.get(code) ?? [],
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Eligibility and issue

/** What eligibility looks at for one policy: the product person facts (engine/compile.ts PolicyTerms). */
interface InsuredRow {
  policy_no: string;
  psn_no: string;
  plan_id: string;
  coverage_start: Date | string;
  coverage_end: Date | string;
  insured_years: number;
  claim_free_years: number;
  gend: string;
  brdy: string;
  cohort: string | null;
  insutype: string;
}

/** Issued, not cancelled: the policies whose insured hold vouchers. */
const INSURED_SELECT = `select p.policy_no, p.psn_no, p.plan_id, p.coverage_start, p.coverage_end, p.insured_years,
    p.claim_free_years, r.gend, to_char(r.brdy, 'YYYY-MM-DD') as brdy, r.cohort, r.insutype
  from policies p
  join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
 where p.program_id = $1 and p.issued_at is not null and p.status <> 'cancelled'`;

function termsOf(row: InsuredRow): PolicyTerms & { insutype: string } {
  const start = new Date(row.coverage_start).getTime();
  return {
    coverage: { start, end: new Date(row.coverage_end).getTime() },
    cohort: (row.cohort ?? undefined) as Cohort | undefined,
    preExisting: [],
    insuredYears: Number(row.insured_years),
    claimFreeYears: Number(row.claim_free_years),
    ageAtStart: ageAt(row.brdy, start),
    sex: row.gend,
    insutype: row.insutype,
  };
}

/** Does the insured of this policy qualify for the service? The engine's evaluator of person conditions. */
export function eligibleFor(
  service: HealthService,
  planId: string,
  terms: PolicyTerms & { insutype: string },
): boolean {
  const e = service.eligibility;
  if (e.plans !== undefined && !e.plans.includes(planId)) return false;
  return whenHolds(compileWhen(e), false, false, terms, terms.insutype);
}

/**
 * Issues the vouchers the insured of these policies are due under the catalog in force: for each eligible
 * service, uses 1 … quantityPerYear, less those the same person redeemed under another (cancelled) policy of
 * the program — a re-enrollment does not renew a year's allowance. Idempotent (the key is policy, service,
 * use); returns how many vouchers were added.
 */
async function issueFor(
  ctx: PlatformContext,
  programId: string,
  published: PublishedCatalog,
  insured: readonly InsuredRow[],
): Promise<number> {
  if (insured.length === 0) return 0;
  const redeemedElsewhere = await ctx.db.query<{ psn_no: string; service_id: string; n: number }>(
    `select v.psn_no, v.service_id, count(*)::int as n from health_service_vouchers v
      where v.program_id = $1 and v.status = 'redeemed' and v.psn_no = any($2::text[])
        and v.policy_no <> all($3::text[])
      group by v.psn_no, v.service_id`,
    [programId, insured.map((i) => i.psn_no), insured.map((i) => i.policy_no)],
  );
  const used = new Map(redeemedElsewhere.map((r) => [`${r.psn_no}\u0000${r.service_id}`, Number(r.n)]));
  const v = {
    code: [] as string[],
    policy: [] as string[],
    psn: [] as string[],
    service: [] as string[],
    seq: [] as string[],
    from: [] as string[],
    until: [] as string[],
  };
  for (const row of insured) {
    const terms = termsOf(row);
    for (const s of published.catalog.services) {
      if (!eligibleFor(s, row.plan_id, terms)) continue;
      const window = voucherWindow(s, terms.coverage);
      if (window === undefined) continue;
      const due = s.quantityPerYear - (used.get(`${row.psn_no}\u0000${s.id}`) ?? 0);
      for (let seq = 1; seq <= due; seq++) {
        v.code.push(newVerificationCode());
        v.policy.push(row.policy_no);
        v.psn.push(row.psn_no);
        v.service.push(s.id);
        v.seq.push(String(seq));
        v.from.push(new Date(window.from).toISOString());
        v.until.push(new Date(window.until).toISOString());
      }
    }
  }
  if (v.code.length === 0) return 0;
  // One statement for the lot; `do nothing` makes a second issue (or a concurrent one) add nothing.
  const inserted = await ctx.db.query(
    `insert into health_service_vouchers (program_id, voucher_code, policy_no, psn_no, service_id, seq,
       catalog_version, valid_from, valid_until, issued_at)
     select $1, t.code, t.policy, t.psn, t.service, t.seq, $2, t.valid_from, t.valid_until, $3
       from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::timestamptz[], $10::timestamptz[])
         as t (code, policy, psn, service, seq, valid_from, valid_until)
     on conflict do nothing returning 1`,
    [
      programId,
      published.version,
      ctx.clock.now(),
      v.code,
      v.policy,
      v.psn,
      v.service,
      v.seq,
      v.from,
      v.until,
    ],
  );
  return inserted.length;
}

/** Issues every eligible insured's vouchers under the catalog in force (`hmb services issue`). Audited. */
export async function issueProgramVouchers(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<{ added: number; policies: number }> {
  await loadProgram(ctx, programId);
  const published = await requireCatalog(ctx, programId);
  const insured = await ctx.db.query<InsuredRow>(`${INSURED_SELECT} order by p.policy_no`, [programId]);
  const added = await issueFor(ctx, programId, published, insured);
  await audit(ctx.db, actor, programId, "health_voucher.issue", `v${published.version}`, {
    added,
    policies: insured.length,
  });
  return { added, policies: insured.length };
}

async function requireCatalog(ctx: PlatformContext, programId: string): Promise<PublishedCatalog> {
  const published = await currentCatalog(ctx.db, programId);
  if (published === undefined)
    throw new ServiceError("unprocessable", "no_catalog", "本项目尚未发布健康服务目录", "program_id");
  return published;
}

// ---------------------------------------------------------------------------------------------------------
// The insured's vouchers

export interface VoucherRecord {
  readonly code: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly kind: HealthService["kind"] | null;
  readonly description: string | null;
  readonly seq: number;
  readonly state: VoucherState;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly redeemedAt: Date | null;
  /** The providers that may redeem it (names where registered). */
  readonly providers: readonly { code: string; name: string | null }[];
}

interface VoucherRow {
  voucher_code: string;
  policy_no: string;
  psn_no: string;
  service_id: string;
  seq: number;
  valid_from: Date | string;
  valid_until: Date | string;
  status: "issued" | "redeemed";
  redeemed_at: Date | string | null;
  redeemed_by: string | null;
  redemption_ref: string | null;
  policy_status: string;
}

const VOUCHER_SELECT = `select v.voucher_code, v.policy_no, v.psn_no, v.service_id, v.seq, v.valid_from, v.valid_until,
    v.status, v.redeemed_at, v.redeemed_by, v.redemption_ref, p.status as policy_status
  from health_service_vouchers v
  join policies p on p.program_id = v.program_id and p.policy_no = v.policy_no`;

function stateOf(row: VoucherRow, nowMs: number): VoucherState {
  return voucherState(
    {
      redeemed: row.status === "redeemed",
      policyCancelled: row.policy_status === "cancelled",
      validFrom: new Date(row.valid_from).getTime(),
      validUntil: new Date(row.valid_until).getTime(),
    },
    nowMs,
  );
}

/**
 * The resident's own vouchers (issued now if due), newest service first. Only the insured themself: a payer of
 * a relative's policy does not hold the relative's vouchers. Audited as a read of personal data.
 */
export async function myVouchers(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<{ catalogName: string | null; vouchers: VoucherRecord[] }> {
  const psnNo = actor.psnNo;
  if (actor.role !== "resident" || psnNo === undefined)
    throw new ServiceError("forbidden", "forbidden", "只有参保人本人可查看自己的服务券");
  await loadProgram(ctx, programId);
  const published = await currentCatalog(ctx.db, programId);
  if (published !== undefined) {
    const insured = await ctx.db.query<InsuredRow>(`${INSURED_SELECT} and p.psn_no = $2`, [programId, psnNo]);
    await issueFor(ctx, programId, published, insured);
  }
  const rows = await ctx.db.query<VoucherRow>(
    `${VOUCHER_SELECT} where v.program_id = $1 and v.psn_no = $2 order by v.service_id, v.seq`,
    [programId, psnNo],
  );
  const names = await providerNames(ctx, programId);
  const services = await servicesEverOffered(ctx.db, programId);
  const nowMs = ctx.clock.now().getTime();
  await audit(ctx.db, actor, programId, "health_voucher.list_own", psnNo, { vouchers: rows.length });
  return {
    catalogName: published?.catalog.name ?? null,
    vouchers: rows.map((r) => {
      const s = services.get(r.service_id);
      return {
        code: r.voucher_code,
        serviceId: r.service_id,
        serviceName: s?.name ?? r.service_id,
        kind: s?.kind ?? null,
        description: s?.description ?? null,
        seq: Number(r.seq),
        state: stateOf(r, nowMs),
        validFrom: new Date(r.valid_from),
        validUntil: new Date(r.valid_until),
        redeemedAt: r.redeemed_at === null ? null : new Date(r.redeemed_at),
        providers: (s?.providers ?? []).map((code) => ({ code, name: names.get(code) ?? null })),
      };
    }),
  };
}

async function providerNames(ctx: PlatformContext, programId: string): Promise<Map<string, string>> {
  const rows = await ctx.db.query<{ fixmedins_code: string; name: string }>(
    "select fixmedins_code, name from institutions where program_id = $1",
    [programId],
  );
  return new Map(rows.map((r) => [r.fixmedins_code, r.name]));
}

// ---------------------------------------------------------------------------------------------------------
// Redemption by the provider

/** What the provider is told about a voucher: enough to check the person in front of it, no more. */
export interface VoucherCheck {
  readonly code: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly state: VoucherState;
  readonly validFrom: Date;
  readonly validUntil: Date;
  readonly redeemedAt: Date | null;
  /** The redemption this provider made (its reference), when it redeemed it; another provider's is not shown. */
  readonly reference: string | null;
  readonly personName: string;
  readonly certnoMasked: string;
}

interface CheckedRow extends VoucherRow {
  psn_name: string;
  certno_masked: string;
}

async function loadForProvider(
  q: Queryable,
  actor: Actor,
  programId: string,
  code: unknown,
): Promise<{ row: CheckedRow; service: HealthService | undefined }> {
  if (actor.role !== "provider")
    throw new ServiceError("forbidden", "forbidden", "只有服务机构可核销服务券", "X-Hmb-Institution");
  if (typeof code !== "string" || !VOUCHER_CODE.test(code))
    throw new ServiceError("invalid", "invalid_value", "服务券码应为 16 位大写字母或数字", "voucher_code");
  const rows = await q.query<CheckedRow>(
    `select v.voucher_code, v.policy_no, v.psn_no, v.service_id, v.seq, v.valid_from, v.valid_until, v.status,
            v.redeemed_at, v.redeemed_by, v.redemption_ref, p.status as policy_status, r.psn_name, r.certno_masked
       from health_service_vouchers v
       join policies p on p.program_id = v.program_id and p.policy_no = v.policy_no
       join roster_persons r on r.program_id = v.program_id and r.psn_no = v.psn_no
      where v.program_id = $1 and v.voucher_code = $2`,
    [programId, code],
  );
  const row = rows[0];
  const service =
    row === undefined ? undefined : (await servicesEverOffered(q, programId)).get(row.service_id);
  // A provider not named for the service learns nothing about the voucher, not even that it exists.
  if (row === undefined || service === undefined || !service.providers.includes(actor.id))
    throw notFound("服务券", "voucher_code");
  return { row, service };
}

function checkOf(
  row: CheckedRow,
  service: HealthService | undefined,
  actor: Actor,
  nowMs: number,
): VoucherCheck {
  return {
    code: row.voucher_code,
    serviceId: row.service_id,
    serviceName: service?.name ?? row.service_id,
    state: stateOf(row, nowMs),
    validFrom: new Date(row.valid_from),
    validUntil: new Date(row.valid_until),
    redeemedAt: row.redeemed_at === null ? null : new Date(row.redeemed_at),
    reference: row.redeemed_by === actor.id ? row.redemption_ref : null,
    personName: maskName(row.psn_name),
    certnoMasked: row.certno_masked,
  };
}

/** A provider checks a code before serving (name and ID masked, to compare with the person's ID card). */
export async function checkVoucher(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  code: unknown,
): Promise<VoucherCheck> {
  const { row, service } = await loadForProvider(ctx.db, actor, programId, code);
  await audit(ctx.db, actor, programId, "health_voucher.check", row.voucher_code, { psn_no: row.psn_no });
  return checkOf(row, service, actor, ctx.clock.now().getTime());
}

/** Why a voucher cannot be redeemed now, in the provider's words. */
const REFUSALS: Readonly<Record<Exclude<VoucherState, "available">, string>> = {
  redeemed: "该服务券已核销，不能再次核销",
  expired: "该服务券已过期",
  cancelled: "参保人已退保，该服务券已作废",
  not_yet_valid: "该服务券尚未到可使用时间",
};

/**
 * Redeems a voucher for the provider, exactly once: the conditional update is the decision (a concurrent
 * second redemption waits on the row, then finds it redeemed). The same provider with the same reference
 * again gets the same answer (a retry); anything else on a redeemed voucher is refused. Audited.
 */
export async function redeemVoucher(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: { voucherCode: unknown; reference: unknown },
): Promise<{ check: VoucherCheck; replayed: boolean }> {
  if (typeof input.reference !== "string" || !REFERENCE.test(input.reference))
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "reference 应为 1–64 位可见字符（机构自己的服务单号）",
      "reference",
    );
  const reference = input.reference;
  return ctx.db.transaction(async (tx) => {
    const { row, service } = await loadForProvider(tx, actor, programId, input.voucherCode);
    const now = ctx.clock.now();
    const updated = await tx.query<{ redeemed_at: Date | string }>(
      `update health_service_vouchers v
          set status = 'redeemed', redeemed_at = $3, redeemed_by = $4, redemption_ref = $5
        where v.program_id = $1 and v.voucher_code = $2 and v.status = 'issued'
          and v.valid_from <= $3 and v.valid_until > $3
          and exists (select 1 from policies p where p.program_id = v.program_id and p.policy_no = v.policy_no
                         and p.status <> 'cancelled')
        returning v.redeemed_at`,
      [programId, row.voucher_code, now, actor.id, reference],
    );
    if (updated.length === 1) {
      await audit(tx, actor, programId, "health_voucher.redeem", row.voucher_code, {
        psn_no: row.psn_no,
        service_id: row.service_id,
        reference,
      });
      const redeemed: CheckedRow = {
        ...row,
        status: "redeemed",
        redeemed_at: updated[0]?.redeemed_at ?? now,
        redeemed_by: actor.id,
        redemption_ref: reference,
      };
      return { check: checkOf(redeemed, service, actor, now.getTime()), replayed: false };
    }
    // Not redeemed by this statement: read what stands now (a concurrent redemption may just have committed).
    const again = await loadForProvider(tx, actor, programId, row.voucher_code);
    const current = again.row;
    if (
      current.status === "redeemed" &&
      current.redeemed_by === actor.id &&
      current.redemption_ref === reference
    )
      return { check: checkOf(current, service, actor, now.getTime()), replayed: true };
    const state = stateOf(current, now.getTime());
    // Available yet not updated: the policy or the voucher changed between the two statements; try again.
    if (state === "available")
      throw new ServiceError("conflict", "voucher_busy", "服务券状态刚刚变化，请稍后重试", "voucher_code");
    throw new ServiceError(
      "conflict",
      state === "redeemed" ? "already_redeemed" : `voucher_${state}`,
      REFUSALS[state],
      "voucher_code",
    );
  });
}

// ---------------------------------------------------------------------------------------------------------
// Console: redemptions and usage

export interface RedemptionRecord {
  readonly codeMasked: string;
  readonly serviceId: string;
  readonly serviceName: string;
  readonly provider: string;
  readonly providerName: string | null;
  readonly reference: string;
  readonly redeemedAt: Date;
  readonly personName: string;
}

/** "ABCD…WXYZ": tells redemptions apart on screen; the code itself is the insured's bearer secret. */
export function maskVoucherCode(code: string): string {
  return `${code.slice(0, 4)}…${code.slice(-4)}`;
}

/** The latest redemptions (newest first), persons' names masked. Audited as a read of personal data. */
export async function listRedemptions(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<RedemptionRecord[]> {
  await loadProgram(ctx, programId);
  const rows = await ctx.db.query<{
    voucher_code: string;
    service_id: string;
    redeemed_by: string;
    redemption_ref: string;
    redeemed_at: Date | string;
    psn_name: string;
  }>(
    `select v.voucher_code, v.service_id, v.redeemed_by, v.redemption_ref, v.redeemed_at, r.psn_name
       from health_service_vouchers v
       join roster_persons r on r.program_id = v.program_id and r.psn_no = v.psn_no
      where v.program_id = $1 and v.status = 'redeemed'
      order by v.redeemed_at desc, v.voucher_code limit $2`,
    [programId, REDEMPTION_LIST_LIMIT],
  );
  const services = await servicesEverOffered(ctx.db, programId);
  const names = await providerNames(ctx, programId);
  await audit(ctx.db, actor, programId, "health_voucher.redemptions", programId, { rows: rows.length });
  return rows.map((r) => ({
    codeMasked: maskVoucherCode(r.voucher_code),
    serviceId: r.service_id,
    serviceName: services.get(r.service_id)?.name ?? r.service_id,
    provider: r.redeemed_by,
    providerName: names.get(r.redeemed_by) ?? null,
    reference: r.redemption_ref,
    redeemedAt: new Date(r.redeemed_at),
    personName: maskName(r.psn_name),
  }));
}

/** What one provider redeemed of a service. */
export interface ProviderUsage {
  readonly provider: string;
  readonly providerName: string | null;
  readonly redeemed: number;
}

export interface ServiceUsage {
  readonly serviceId: string;
  readonly serviceName: string;
  readonly issued: number;
  readonly redeemed: number;
  /** Unredeemed when the policy was cancelled (void). */
  readonly cancelled: number;
  /** Unredeemed past their validity. */
  readonly expired: number;
  /** Redeemed ÷ issued in basis points (0 when none issued). */
  readonly rateBps: number;
  readonly providers: readonly ProviderUsage[];
}

const BPS = 10_000;

/** Redeemed ÷ issued in basis points, rounded; 0 when nothing was issued. */
export function redemptionRateBps(redeemed: number, issued: number): number {
  return issued === 0 ? 0 : Math.round((redeemed * BPS) / issued);
}

/**
 * Usage per service (issued, redeemed, void with the policy, expired unused) and per provider (what each
 * redeemed), in catalog order. Aggregates only: no person.
 */
export async function usageReport(
  ctx: PlatformContext,
  programId: string,
): Promise<{ catalogVersion: number | null; services: ServiceUsage[] }> {
  await loadProgram(ctx, programId);
  const now = ctx.clock.now();
  const rows = await ctx.db.query<{
    service_id: string;
    redeemed_by: string | null;
    issued: number;
    redeemed: number;
    cancelled: number;
    expired: number;
  }>(
    `select v.service_id, v.redeemed_by, count(*)::int as issued,
            count(*) filter (where v.status = 'redeemed')::int as redeemed,
            count(*) filter (where v.status = 'issued' and p.status = 'cancelled')::int as cancelled,
            count(*) filter (where v.status = 'issued' and p.status <> 'cancelled' and v.valid_until <= $2)::int
              as expired
       from health_service_vouchers v
       join policies p on p.program_id = v.program_id and p.policy_no = v.policy_no
      where v.program_id = $1
      group by v.service_id, v.redeemed_by`,
    [programId, now],
  );
  const published = await currentCatalog(ctx.db, programId);
  const names = await providerNames(ctx, programId);
  const ever = await servicesEverOffered(ctx.db, programId);
  const serviceName = new Map([...ever.values()].map((s) => [s.id, s.name]));
  // Catalog order first, then services of earlier versions that still have vouchers.
  const current = (published?.catalog.services ?? []).map((s) => s.id);
  const ids = [...new Set([...current, ...rows.map((r) => r.service_id).sort()])];
  const services = ids.map((id): ServiceUsage => {
    const mine = rows.filter((r) => r.service_id === id);
    const sum = (f: (r: (typeof rows)[number]) => number) => mine.reduce((a, r) => a + Number(f(r)), 0);
    const issued = sum((r) => r.issued);
    const redeemed = sum((r) => r.redeemed);
    return {
      serviceId: id,
      serviceName: serviceName.get(id) ?? id,
      issued,
      redeemed,
      cancelled: sum((r) => r.cancelled),
      expired: sum((r) => r.expired),
      rateBps: redemptionRateBps(redeemed, issued),
      providers: mine
        .filter((r) => r.redeemed_by !== null)
        .map((r) => ({
          provider: r.redeemed_by as string,
          providerName: names.get(r.redeemed_by as string) ?? null,
          redeemed: Number(r.redeemed),
        }))
        .sort((a, b) => a.provider.localeCompare(b.provider)),
    };
  });
  return { catalogVersion: published?.version ?? null, services };
}

// ---------------------------------------------------------------------------------------------------------
// The fact a benefit may depend on

/**
 * The services a person had redeemed by `at` in the program (service ids, sorted): the person fact a product
 * benefit conditioned on a service reads (惠她保: +5 % after a screening). See docs/health-services.md
 * "Benefit conditioned on a service" for what the engine still needs to consume it at settlement.
 */
export async function redeemedServices(
  q: Queryable,
  programId: string,
  psnNo: string,
  at: Date,
): Promise<string[]> {
  const rows = await q.query<{ service_id: string }>(
    `select distinct v.service_id from health_service_vouchers v
      where v.program_id = $1 and v.psn_no = $2 and v.status = 'redeemed' and v.redeemed_at <= $3
      order by v.service_id`,
    [programId, psnNo, at],
  );
  return rows.map((r) => r.service_id);
}
