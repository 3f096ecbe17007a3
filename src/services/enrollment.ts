/**
 * Enrollment (投保): individual, family (one payer pays for self, spouse, children, parents), unit (a unit
 * enrolls its roster members by unit_code) and charity-sponsored (a pool pays for a cohort list).
 * Eligibility is being on the program's roster — no age, health or occupation limits (guidance clause 八).
 * The enrollment window is checked on the business clock.
 *
 * A resident is always the payer and names a family member by ID number and name (what a real H5 asks for:
 * knowing both is what entitles them to insure that person), matched through the roster's keyed blind
 * index; a bare roster psn_no of someone else is refused. Staff may still name members by psn_no.
 *
 * One *live* (issued, not cancelled) policy per person per program (unique index policies_one_live_per_person):
 * a cancelled person may enroll again within the window, the old policy staying cancelled. An unpaid
 * enrollment reserves nobody: the person, or another payer, may enroll and pay too; the first payment wins
 * and the later one is refunded (payments/index.ts). Enrollment refuses a person who already has an issued
 * policy, under the person's advisory lock, so concurrent enrollments paid at once (offline, charity) yield
 * exactly one policy.
 */

import { randomBytes } from "node:crypto";
import type { Queryable } from "../db/database.js";
import { isValidCertno } from "../domain/certno.js";
import { COHORT_IDS } from "../domain/cohort.js";
import { type Fen, formatYuan } from "../domain/money.js";
import { premiumFor } from "../domain/premium.js";
import type { Plan, Product } from "../domain/product.js";
import { UNIT_CODE_RULE, unitCodeProblem } from "../domain/roster.js";
import { hasForbiddenInLine } from "../domain/text.js";
import { formatBusinessTime } from "../domain/time.js";
import type { EnrollmentKind } from "../domain/vocabulary.js";
import { audit } from "./audit.js";
import { keeperOfNewPool, mayUseCharityPool } from "./charity-keeper.js";
import { type Actor, notFound, type PlatformContext, ServiceError } from "./context.js";
import {
  createOrderTx,
  issuedPolicyOf,
  lockPersonsTx,
  newOrderNo,
  type OrderRow,
  type OrderView,
  orderView,
  registerWithProvider,
  settlePaidTx,
} from "./payments/index.js";
import type { Channel } from "./payments/refunds.js";
import { gatewaysOf } from "./payments/registry.js";
import { addPolicyEvent, newVerificationCode, nextPolicyNo } from "./policies.js";
import { programYears, stampPolicyYears } from "./program-years.js";
import { loadProgram, productOf } from "./programs.js";
import { countPromotion, resolvePromotion } from "./promotions.js";
import { findRosterPersonByCertno } from "./roster.js";

export type { EnrollmentKind };
export type Relation = "self" | "spouse" | "child" | "parent";
const RELATIONS: readonly Relation[] = ["self", "spouse", "child", "parent"];

/**
 * A family member: by roster psn_no (staff only, and a resident's own 'self'), or by ID number and name
 * (anyone). A resident's 'self' member may name nobody: it is the payer.
 */
export interface FamilyMemberInput {
  readonly psnNo?: string | undefined;
  readonly certno?: string | undefined;
  readonly psnName?: string | undefined;
  readonly relation: Relation;
}

export interface EnrollmentInput {
  readonly programId: string;
  readonly kind: EnrollmentKind;
  readonly plan?: string | undefined;
  /** individual: the person to insure (a resident: themself, the default). */
  readonly psnNo?: string | undefined;
  /** Who pays: individual (defaults to psnNo) and family (required of staff; a resident pays themself). */
  readonly payerPsnNo?: string | undefined;
  /** family: members with their relation to the payer ('self' = the payer). */
  readonly members?: readonly FamilyMemberInput[] | undefined;
  /** unit: the unit's roster code; with psnNos, only those members. */
  readonly unitCode?: string | undefined;
  /** unit or charity: an explicit list of persons. */
  readonly psnNos?: readonly string[] | undefined;
  /** charity: every roster person of this cohort not yet insured (when psnNos is absent). */
  readonly cohort?: string | undefined;
  /** cash | personal_account | offline | charity:<pool_id> */
  readonly channel: string;
  /** The promotion code (推广码) the resident arrived with: counted as an order, then as persons paid. */
  readonly promoCode?: string | undefined;
}

/**
 * How an enrollment came about, for what only a service may vouch for (never taken from a request).
 * `renewal`: the members are the ones this payer insured in the program this one follows, matched by ID
 * number through the roster's blind index (services/renewal.ts) — so a resident may name them by psn_no.
 */
export interface EnrollOptions {
  readonly renewal?: boolean;
}

/** A policy of the enrollment; the premium in fen (the API adds the yuan string: api/present/enrollment.ts). */
export interface EnrolledPolicy {
  policy_no: string;
  psn_no: string;
  relation: string;
  premium_fen: Fen;
  premium_rule: string;
  status: string;
}

export interface EnrollmentResult {
  enrollment_id: string;
  kind: EnrollmentKind;
  plan: string;
  policies: EnrolledPolicy[];
  skipped: { psn_no: string; reason: string }[];
  payment: OrderView;
}

export interface RosterPerson {
  psn_no: string;
  psn_name: string;
  brdy: string;
  cohort: string | null;
  unit_code: string | null;
  /** National gend "1"/"2" (premium variants by sex, schema v2 rate groups). */
  gend: string | null;
}

/** Random bytes of an enrollment id (EN + 16 hex digits). */
const ENROLLMENT_ID_BYTES = 8;

const ROSTER_COLUMNS = "psn_no, psn_name, to_char(brdy, 'YYYY-MM-DD') as brdy, cohort, unit_code, gend";

/** Our own roster read until services/roster.ts lands (then: findRosterPerson). */
export async function rosterPersons(
  q: Queryable,
  programId: string,
  psnNos: readonly string[],
): Promise<Map<string, RosterPerson>> {
  if (psnNos.length === 0) return new Map();
  const rows = await q.query<RosterPerson>(
    `select ${ROSTER_COLUMNS} from roster_persons where program_id = $1 and psn_no = any($2)`,
    [programId, psnNos],
  );
  return new Map(rows.map((r) => [r.psn_no, r]));
}

const PSN_NO = /^[A-Za-z0-9_-]{1,40}$/;
/** A person's name as the roster writes it: 1–50 characters, none a one-line value may not carry. */
const PSN_NAME_MAX = 50;

/** Names compare after Unicode compatibility folding (full-width letters, middle dots) without spaces. */
function normalizeName(name: string): string {
  return name.normalize("NFKC").replace(/\s+/g, "");
}

function bad(message: string, field: string, code = "invalid_value"): ServiceError {
  return new ServiceError("invalid", code, message, field);
}

export function parseChannel(channel: string): { channel: Channel; poolId: string | null } {
  if (channel === "cash" || channel === "personal_account" || channel === "offline")
    return { channel, poolId: null };
  const m = /^charity:([a-z0-9][a-z0-9_-]{0,63})$/.exec(channel);
  if (m !== null) return { channel: "charity", poolId: m[1] as string };
  throw bad(`未知缴费渠道 ${channel}（cash | personal_account | offline | charity:<pool_id>）`, "channel");
}

function assertWindow(ctx: PlatformContext, product: Product): void {
  const now = ctx.clock.now().getTime();
  if (now < product.enrollment.start || now >= product.enrollment.end) {
    throw new ServiceError(
      "unprocessable",
      "enrollment_closed",
      `不在投保期内：投保时间 ${formatBusinessTime(product.enrollment.start)} 至 ${formatBusinessTime(product.enrollment.end)}`,
      undefined,
    );
  }
}

function assertRole(actor: Actor, input: EnrollmentInput, channel: Channel, options: EnrollOptions): void {
  const staff = actor.role === "operator" || actor.role === "admin";
  if (staff) return;
  if (actor.role === "resident") {
    if (input.kind !== "individual" && input.kind !== "family") {
      throw new ServiceError("forbidden", "forbidden", "参保人只能为本人或家庭成员投保", "kind");
    }
    if (channel !== "cash" && channel !== "personal_account") {
      throw new ServiceError("forbidden", "forbidden", "参保人只能使用现金或医保个人账户缴费", "channel");
    }
    const payer = input.payerPsnNo ?? (input.kind === "individual" ? input.psnNo : undefined);
    if (actor.psnNo === undefined || payer !== actor.psnNo) {
      throw new ServiceError("forbidden", "forbidden", "投保人必须是本人（payer_psn_no）", "payer_psn_no");
    }
    // Knowing someone's roster number does not entitle anyone to insure them: a resident names others by
    // ID number and name, checked against the roster.
    if (input.kind === "individual" && input.psnNo !== actor.psnNo) {
      throw new ServiceError(
        "invalid",
        "member_identity_required",
        "个人投保只能为本人投保；为家人投保请选择家庭投保，并填写家人的身份证号和姓名",
        "psn_no",
      );
    }
    for (const [i, m] of (input.members ?? []).entries()) {
      if (m.psnNo !== undefined && m.psnNo !== actor.psnNo && options.renewal !== true) {
        throw new ServiceError(
          "invalid",
          "member_identity_required",
          "为家庭成员投保请填写其身份证号（certno）和姓名（psn_name），不能只填人员编号（psn_no）",
          `members[${i}].psn_no`,
        );
      }
    }
    return;
  }
  if (actor.role === "charity" && input.kind === "charity" && channel === "charity") return;
  throw new ServiceError("forbidden", "forbidden", `角色 ${actor.role} 无权投保`, undefined);
}

interface Member {
  psnNo: string;
  relation: "self" | "spouse" | "child" | "parent" | "employee" | "sponsored";
  field: string;
}

function validateShape(input: EnrollmentInput): void {
  const checkPsn = (v: string | undefined, field: string) => {
    if (v === undefined || !PSN_NO.test(v)) throw bad(`${field} 格式不正确`, field);
  };
  switch (input.kind) {
    case "individual":
      checkPsn(input.psnNo, "psn_no");
      if (input.payerPsnNo !== undefined) checkPsn(input.payerPsnNo, "payer_psn_no");
      break;
    case "family": {
      checkPsn(input.payerPsnNo, "payer_psn_no");
      if (input.members === undefined || input.members.length === 0)
        throw bad("家庭投保至少需要一名成员", "members");
      for (const [i, m] of input.members.entries()) {
        const at = `members[${i}]`;
        if (!RELATIONS.includes(m.relation)) throw bad(`未知关系 ${m.relation}`, `${at}.relation`);
        const byIdentity = m.certno !== undefined || m.psnName !== undefined;
        if (m.psnNo !== undefined && byIdentity) {
          throw bad("成员请填写人员编号（psn_no）或身份证号和姓名（certno、psn_name）之一", `${at}.psn_no`);
        }
        if (m.psnNo !== undefined) checkPsn(m.psnNo, `${at}.psn_no`);
        else if (byIdentity) {
          if (m.certno === undefined) throw bad("请填写成员的身份证号", `${at}.certno`);
          if (!isValidCertno(m.certno.trim().toUpperCase())) {
            throw bad(
              "身份证号码不正确：请核对 18 位号码（最后一位可能是 X）",
              `${at}.certno`,
              "invalid_certno",
            );
          }
          const name = m.psnName?.trim() ?? "";
          if (name === "") throw bad("请填写成员的姓名", `${at}.psn_name`);
          if ([...name].length > PSN_NAME_MAX || hasForbiddenInLine(name)) {
            throw bad(`姓名应为 1 到 ${PSN_NAME_MAX} 个字符，且不含控制字符`, `${at}.psn_name`);
          }
        } else if (m.relation !== "self") {
          throw bad("请填写成员的身份证号（certno）和姓名（psn_name）", `${at}.certno`);
        }
      }
      break;
    }
    case "unit":
      // The roster import's rule (domain/roster): a unit the roster can hold is a unit that can enroll.
      if (input.unitCode === undefined || unitCodeProblem(input.unitCode) !== undefined) {
        throw bad(`unit_code ${UNIT_CODE_RULE}`, "unit_code");
      }
      for (const [i, p] of (input.psnNos ?? []).entries()) checkPsn(p, `psn_nos[${i}]`);
      break;
    case "charity":
      if (input.psnNos === undefined && input.cohort === undefined)
        throw bad("需要 psn_nos 或 cohort", "psn_nos");
      if (input.cohort !== undefined && !(COHORT_IDS as string[]).includes(input.cohort)) {
        throw bad(`未知人群 ${input.cohort}`, "cohort");
      }
      for (const [i, p] of (input.psnNos ?? []).entries()) checkPsn(p, `psn_nos[${i}]`);
      if (input.psnNos !== undefined && new Set(input.psnNos).size !== input.psnNos.length) {
        throw bad("psn_nos 有重复", "psn_nos");
      }
      break;
    default:
      throw bad(`未知投保类型 ${String(input.kind)}`, "kind");
  }
}

function notOnRoster(psnNo: string, field: string): ServiceError {
  return new ServiceError(
    "unprocessable",
    "not_on_roster",
    `${psnNo} 不在本项目基本医保参保名单中，不能投保`,
    field,
  );
}

/** A family member resolved to its roster psn_no, with the request field that named it. */
interface ResolvedMember {
  psnNo: string;
  relation: Relation;
  field: string;
}

/**
 * Resolves each family member to a roster psn_no: by ID number through the keyed blind index (never the
 * plaintext in SQL), the roster name then required to match; a 'self' member naming nobody is the payer.
 * Whether the ID number is unknown or the name differs is not told apart, so the answer reveals no more
 * than the eligibility check does. Then: no one twice, 'self' exactly when the member is the payer, at
 * most one spouse.
 */
async function resolveFamily(ctx: PlatformContext, input: EnrollmentInput): Promise<ResolvedMember[]> {
  const payer = input.payerPsnNo as string;
  const resolved: ResolvedMember[] = [];
  for (const [i, m] of (input.members ?? []).entries()) {
    const at = `members[${i}]`;
    if (m.certno === undefined) {
      resolved.push({ psnNo: m.psnNo ?? payer, relation: m.relation, field: `${at}.psn_no` });
      continue;
    }
    const person = await findRosterPersonByCertno(ctx, input.programId, m.certno.trim().toUpperCase());
    if (person === undefined || normalizeName(person.name) !== normalizeName(m.psnName ?? "")) {
      throw new ServiceError(
        "unprocessable",
        "member_not_matched",
        "身份证号与姓名不一致，或此人不在本项目基本医保参保名单中：请核对后重试",
        `${at}.certno`,
      );
    }
    resolved.push({ psnNo: person.psnNo, relation: m.relation, field: `${at}.certno` });
  }
  const seen = new Set<string>();
  for (const [i, m] of resolved.entries()) {
    if (seen.has(m.psnNo)) throw bad(`成员重复（第 ${i + 1} 位）`, m.field);
    seen.add(m.psnNo);
    if ((m.relation === "self") !== (m.psnNo === payer)) {
      throw bad("relation=self 当且仅当成员是投保人本人", `members[${i}].relation`);
    }
    if (m.relation === "spouse" && resolved.filter((x) => x.relation === "spouse").length > 1) {
      throw bad("配偶只能有一名", `members[${i}].relation`);
    }
  }
  return resolved;
}

async function resolveMembers(
  q: Queryable,
  input: EnrollmentInput,
  family: readonly ResolvedMember[],
): Promise<{ members: Member[]; roster: Map<string, RosterPerson>; payer: string | null }> {
  const { programId } = input;
  if (input.kind === "individual") {
    const psnNo = input.psnNo as string;
    const payer = input.payerPsnNo ?? psnNo;
    const roster = await rosterPersons(q, programId, [psnNo, payer]);
    if (!roster.has(psnNo)) throw notOnRoster(psnNo, "psn_no");
    if (!roster.has(payer)) throw notOnRoster(payer, "payer_psn_no");
    return {
      members: [{ psnNo, relation: payer === psnNo ? "self" : "child", field: "psn_no" }],
      roster,
      payer,
    };
  }
  if (input.kind === "family") {
    const payer = input.payerPsnNo as string;
    const roster = await rosterPersons(q, programId, [payer, ...family.map((m) => m.psnNo)]);
    if (!roster.has(payer)) throw notOnRoster(payer, "payer_psn_no");
    const members = family.map((m) => ({ ...m }));
    for (const m of members) if (!roster.has(m.psnNo)) throw notOnRoster(m.psnNo, m.field);
    return { members, roster, payer };
  }
  if (input.kind === "unit") {
    const rows = await q.query<RosterPerson>(
      `select ${ROSTER_COLUMNS} from roster_persons where program_id = $1 and unit_code = $2 order by psn_no`,
      [programId, input.unitCode as string],
    );
    const roster = new Map(rows.map((r) => [r.psn_no, r]));
    if (rows.length === 0)
      throw new ServiceError(
        "unprocessable",
        "not_on_roster",
        `单位 ${input.unitCode} 在名单中没有人员`,
        "unit_code",
      );
    if (input.psnNos !== undefined) {
      const members = input.psnNos.map((p, i) => {
        if (!roster.has(p)) {
          throw new ServiceError(
            "unprocessable",
            "not_on_roster",
            `${p} 不在单位 ${input.unitCode} 的参保名单中`,
            `psn_nos[${i}]`,
          );
        }
        return { psnNo: p, relation: "employee" as const, field: `psn_nos[${i}]` };
      });
      return { members, roster, payer: null };
    }
    return {
      members: rows.map((r) => ({ psnNo: r.psn_no, relation: "employee", field: "unit_code" })),
      roster,
      payer: null,
    };
  }
  // charity
  if (input.psnNos !== undefined) {
    const roster = await rosterPersons(q, programId, input.psnNos);
    const members = input.psnNos.map((p, i) => {
      if (!roster.has(p)) throw notOnRoster(p, `psn_nos[${i}]`);
      const person = roster.get(p) as RosterPerson;
      if (input.cohort !== undefined && person.cohort !== input.cohort) {
        throw bad(`${p} 不属于人群 ${input.cohort}`, `psn_nos[${i}]`);
      }
      return { psnNo: p, relation: "sponsored" as const, field: `psn_nos[${i}]` };
    });
    return { members, roster, payer: null };
  }
  const rows = await q.query<RosterPerson>(
    `select ${ROSTER_COLUMNS} from roster_persons r where program_id = $1 and cohort = $2
       and not exists (select 1 from policies p where p.program_id = r.program_id and p.psn_no = r.psn_no
                         and p.issued_at is not null and p.status <> 'cancelled')
     order by psn_no`,
    [programId, input.cohort as string],
  );
  return {
    members: rows.map((r) => ({ psnNo: r.psn_no, relation: "sponsored", field: "cohort" })),
    roster: new Map(rows.map((r) => [r.psn_no, r])),
    payer: null,
  };
}

function planOf(product: Product, planId: string | undefined): Plan {
  const plan = planId === undefined ? product.plans[0] : product.plans.find((p) => p.id === planId);
  if (plan === undefined) {
    throw bad(`产品没有方案 ${planId}；可选：${product.plans.map((p) => p.id).join(", ")}`, "plan");
  }
  return plan;
}

/** A resident pays for themself: payer_psn_no (family) and psn_no (individual) default to their own. */
function withResidentDefaults(actor: Actor, input: EnrollmentInput): EnrollmentInput {
  if (actor.role !== "resident" || actor.psnNo === undefined) return input;
  if (input.kind === "family" && input.payerPsnNo === undefined) return { ...input, payerPsnNo: actor.psnNo };
  if (input.kind === "individual" && input.psnNo === undefined) return { ...input, psnNo: actor.psnNo };
  return input;
}

/** A validated request: the program's product and plan, how it is paid, the family resolved to psn_nos. */
interface ValidEnrollment {
  input: EnrollmentInput;
  product: Product;
  plan: Plan;
  channel: Channel;
  /** The charity pool of a charity:<pool_id> channel. */
  poolId: string | null;
  /** Who collects the payment: the gateway's provider, or the channel itself (offline, charity). */
  provider: string;
  family: ResolvedMember[];
}

/** The enrollment being written: its id, its moment and its payer (none for unit and charity). */
interface EnrollmentRecord {
  enrollmentId: string;
  at: Date;
  payer: string | null;
}

/**
 * Step 1, validate: the request's shape, channel and role, the program's plan, the enrollment window, the
 * payment gateway and the product's enrollment kinds; then family members resolved by ID number and name.
 * In this order, so that the first error a caller sees is the cheapest to find.
 */
async function validateEnrollment(
  ctx: PlatformContext,
  actor: Actor,
  input: EnrollmentInput,
  options: EnrollOptions,
): Promise<ValidEnrollment> {
  validateShape(input);
  const { channel, poolId } = parseChannel(input.channel);
  if (input.kind === "charity" && channel !== "charity")
    throw bad("慈善投保须使用 charity:<pool_id> 渠道", "channel");
  assertRole(actor, input, channel, options);
  const program = await loadProgram(ctx, input.programId);
  const product = productOf(program);
  const plan = planOf(product, input.plan);
  assertWindow(ctx, product);
  const provider = paymentProvider(ctx, product, channel);
  if (input.kind === "family" && !product.familyEnrollment) throw bad("本产品不支持家庭投保", "kind");
  if (input.kind === "unit" && !product.unitEnrollment) throw bad("本产品不支持单位投保", "kind");
  const family = input.kind === "family" ? await resolveFamily(ctx, input) : [];
  return { input, product, plan, channel, poolId, provider, family };
}

/** The provider that collects a payment on the channel; refuses a channel without its gateway. */
function paymentProvider(ctx: PlatformContext, product: Product, channel: Channel): string {
  const g = gatewaysOf(ctx);
  if (channel === "cash" && g.cash === undefined)
    throw new ServiceError("unprocessable", "channel_unavailable", "未配置支付网关", "channel");
  if (channel === "personal_account") {
    if (!product.operations.personalAccountPayment) {
      throw new ServiceError(
        "unprocessable",
        "channel_unavailable",
        "本产品不支持医保个人账户缴费",
        "channel",
      );
    }
    if (g.personalAccount === undefined) {
      throw new ServiceError("unprocessable", "channel_unavailable", "未接入医保个人账户系统", "channel");
    }
  }
  return channel === "cash"
    ? (g.cash?.provider as string)
    : channel === "personal_account"
      ? (g.personalAccount?.provider as string)
      : channel;
}

/** Step 3, price: the plan's premium for the person (by cohort or age at the coverage start). */
function priceFor(v: ValidEnrollment, person: RosterPerson): { amount: Fen; rule: string } {
  // Pre-existing status is not known at enrolment: a variant naming it does not match (base premium).
  const sex = person.gend === "1" || person.gend === "2" ? person.gend : undefined;
  return premiumFor(v.plan, { birthDate: person.brdy, cohort: person.cohort, sex }, v.product.coverage.start);
}

/**
 * Step 4, reserve and issue: one pending policy per member not yet insured (a bulk enrollment skips those
 * who are; an individual or family one refuses them), priced, numbered and recorded with its event.
 */
async function issuePolicies(
  tx: Queryable,
  actor: Actor,
  v: ValidEnrollment,
  e: EnrollmentRecord,
  members: readonly Member[],
  roster: Map<string, RosterPerson>,
): Promise<{ policies: EnrolledPolicy[]; skipped: { psn_no: string; reason: string }[] }> {
  const { input, plan, product, poolId } = v;
  const policies: EnrolledPolicy[] = [];
  const skipped: { psn_no: string; reason: string }[] = [];
  const bulk = input.kind === "unit" || input.kind === "charity";
  // Insured and claim-free years from last year's program, stored on the policy (program-years.ts).
  const years = await programYears(tx, input.programId, product);
  for (const m of members) {
    if ((await issuedPolicyOf(tx, input.programId, m.psnNo)) !== undefined) {
      if (bulk) {
        skipped.push({ psn_no: m.psnNo, reason: "already_enrolled" });
        continue;
      }
      const who = m.field.endsWith(".certno") ? "该成员" : m.psnNo;
      throw new ServiceError("conflict", "already_enrolled", `${who} 已在本项目投保（每人限一份）`, m.field);
    }
    const premium = priceFor(v, roster.get(m.psnNo) as RosterPerson);
    const coverageStart = await coverageStartAfterCancellation(tx, input.programId, m.psnNo, product);
    const policyNo = await nextPolicyNo(tx, input.programId);
    await tx.query(
      `insert into policies (program_id, policy_no, psn_no, plan_id, enrollment_id, enrollment_kind, relation, payer_psn_no,
         unit_code, pool_id, premium_fen, premium_rule, status, coverage_start, coverage_end, verification_code, created_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'pending_payment',$13,$14,$15,$16)`,
      [
        input.programId,
        policyNo,
        m.psnNo,
        plan.id,
        e.enrollmentId,
        input.kind,
        m.relation,
        e.payer,
        input.kind === "unit" ? (input.unitCode as string) : null,
        poolId,
        premium.amount,
        premium.rule,
        coverageStart,
        new Date(product.coverage.end),
        newVerificationCode(),
        e.at,
      ],
    );
    await stampPolicyYears(tx, input.programId, policyNo, await years.of(m.psnNo));
    await addPolicyEvent(tx, input.programId, policyNo, "created", actor.id, e.at, {
      enrollment_id: e.enrollmentId,
      kind: input.kind,
      relation: m.relation,
      payer_psn_no: e.payer,
      premium_fen: premium.amount,
      premium_rule: premium.rule,
    });
    policies.push({
      policy_no: policyNo,
      psn_no: m.psnNo,
      relation: m.relation,
      premium_fen: premium.amount,
      premium_rule: premium.rule,
      status: "pending_payment",
    });
  }
  return { policies, skipped };
}

/**
 * When a new policy of the person starts: the coverage start, or — re-enrolling after a cancellation that
 * fell inside the coverage period (a window that overlaps coverage) — the moment the cancelled policy stopped
 * covering, so that only one policy is ever in force at a time (claims/coverage.ts).
 */
async function coverageStartAfterCancellation(
  tx: Queryable,
  programId: string,
  psnNo: string,
  product: Product,
): Promise<Date> {
  const rows = await tx.query<{ cancelled_at: Date | null }>(
    `select max(cancelled_at) as cancelled_at from policies
      where program_id = $1 and psn_no = $2 and issued_at is not null and status = 'cancelled'`,
    [programId, psnNo],
  );
  const cancelledAt = rows[0]?.cancelled_at;
  const start = product.coverage.start;
  return new Date(cancelledAt == null ? start : Math.max(start, new Date(cancelledAt).getTime()));
}

/** A charity enrollment's premiums out of its pool, all or nothing, with one sponsorship per policy. */
async function debitCharityPool(
  tx: Queryable,
  actor: Actor,
  v: ValidEnrollment,
  e: EnrollmentRecord,
  policies: readonly EnrolledPolicy[],
  total: Fen,
): Promise<void> {
  const { programId } = v.input;
  const poolId = v.poolId;
  // A charity sponsors only from a pool it keeps or the program's own (charity-keeper.ts); another charity's
  // pool is answered as not found, as if it did not exist. A pool's keeper never changes, so it is read first.
  const pool = await tx.query<{ keeper: string | null }>(
    "select keeper from charity_pools where program_id = $1 and pool_id = $2",
    [programId, poolId],
  );
  if (pool[0] === undefined || !mayUseCharityPool(actor, pool[0].keeper))
    throw notFound(`慈善资金池 ${poolId}`, "channel");
  const debited = await tx.query(
    "update charity_pools set balance_fen = balance_fen - $3 where program_id = $1 and pool_id = $2 and balance_fen >= $3 returning pool_id",
    [programId, poolId, total],
  );
  if (debited.length === 0) {
    const exists = await tx.query<{ balance_fen: number }>(
      "select balance_fen from charity_pools where program_id = $1 and pool_id = $2",
      [programId, poolId],
    );
    throw new ServiceError(
      "conflict",
      "insufficient_funds",
      `慈善资金池 ${poolId} 余额 ${formatYuan(Number(exists[0]?.balance_fen))} 元不足以支付 ${formatYuan(total)} 元`,
      "channel",
    );
  }
  await tx.query(
    "insert into charity_pool_movements (program_id, pool_id, kind, amount_fen, ref, at) values ($1,$2,'sponsorship',$3,$4,$5)",
    [programId, poolId, -total, e.enrollmentId, e.at],
  );
  for (const p of policies) {
    await tx.query(
      `insert into sponsorships (program_id, pool_id, policy_no, psn_no, amount_fen, enrollment_id, at)
       values ($1,$2,$3,$4,$5,$6,$7)`,
      [programId, poolId, p.policy_no, p.psn_no, p.premium_fen, e.enrollmentId, e.at],
    );
  }
}

/**
 * Step 5, order and payment: the payment order for the policies; a charity pool pays at once, an offline
 * payment is recorded as paid (both issue the policies now), a personal-account payment is pre-authorized.
 */
async function orderPayment(
  tx: Queryable,
  actor: Actor,
  v: ValidEnrollment,
  e: EnrollmentRecord,
  policies: EnrolledPolicy[],
): Promise<OrderRow> {
  const { input, channel, poolId, product } = v;
  const orderNo = newOrderNo(e.at);
  const items = policies.map((p) => ({ policyNo: p.policy_no, psnNo: p.psn_no, amount: p.premium_fen }));
  const total = items.reduce((s, i) => s + i.amount, 0);
  if (channel === "charity") await debitCharityPool(tx, actor, v, e, policies, total);
  const status: OrderRow["status"] = channel === "personal_account" ? "preauthorized" : "created";
  const order = await createOrderTx(tx, {
    programId: input.programId,
    orderNo,
    enrollmentId: e.enrollmentId,
    channel,
    provider: v.provider,
    poolId,
    payerPsnNo: e.payer,
    status,
    createdBy: actor.id,
    at: e.at,
    items,
  });
  if (channel === "offline" || channel === "charity") {
    await settlePaidTx(
      tx,
      order,
      e.at,
      actor.id,
      channel === "charity" ? `POOL:${poolId}` : `OFFLINE:${actor.id}`,
    );
    order.status = "paid";
    for (const p of policies) {
      p.status = e.at.getTime() < product.coverage.start ? "pending_effective" : "active";
    }
  } else if (channel === "personal_account") {
    for (const p of policies) {
      await addPolicyEvent(
        tx,
        input.programId,
        p.policy_no,
        "personal_account_preauthorized",
        actor.id,
        e.at,
        {
          order_no: orderNo,
        },
      );
    }
  }
  return order;
}

/**
 * Enrolls persons (see the module comment): validate, then in one transaction resolve the members against
 * the roster under their locks, record the enrollment, price and issue a pending policy each, and order the
 * payment; then register the order with the payment provider.
 */
export async function enroll(
  ctx: PlatformContext,
  actor: Actor,
  request: EnrollmentInput,
  options: EnrollOptions = {},
): Promise<EnrollmentResult> {
  const input = withResidentDefaults(actor, request);
  const v = await validateEnrollment(ctx, actor, input, options);
  const at = ctx.clock.now();
  const enrollmentId = `EN${randomBytes(ENROLLMENT_ID_BYTES).toString("hex").toUpperCase()}`;

  const { result, order } = await ctx.db.transaction(async (tx) => {
    // Step 2, resolve members: who is enrolled, from the roster.
    const { members, roster, payer } = await resolveMembers(tx, input, v.family);
    if (members.length === 0)
      throw new ServiceError("conflict", "nothing_to_enroll", "没有需要投保的人员", "psn_nos");
    // Held to commit: a concurrent enrollment or payment of the same person waits, then sees this one's.
    await lockPersonsTx(
      tx,
      input.programId,
      members.map((m) => m.psnNo),
    );
    const e: EnrollmentRecord = { enrollmentId, at, payer };
    const promoCode = await resolvePromotion(tx, input.programId, input.promoCode);
    await tx.query(
      `insert into enrollments (program_id, enrollment_id, kind, plan_id, payer_psn_no, unit_code, pool_id, channel, actor, created_at, promo_code)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [
        input.programId,
        enrollmentId,
        input.kind,
        v.plan.id,
        payer,
        input.unitCode ?? null,
        v.poolId,
        input.channel,
        actor.id,
        at,
        promoCode,
      ],
    );
    if (promoCode !== null) await countPromotion(tx, input.programId, promoCode, "order", at);
    const { policies, skipped } = await issuePolicies(tx, actor, v, e, members, roster);
    if (policies.length === 0)
      throw new ServiceError("conflict", "nothing_to_enroll", "名单中的人员均已投保", "psn_nos");
    const order = await orderPayment(tx, actor, v, e, policies);
    await audit(tx, actor, input.programId, "enrollment.create", enrollmentId, {
      kind: input.kind,
      channel: input.channel,
      psn_nos: policies.map((p) => p.psn_no),
    });
    const result: Omit<EnrollmentResult, "payment"> = {
      enrollment_id: enrollmentId,
      kind: input.kind,
      plan: v.plan.id,
      policies,
      skipped,
    };
    return { result, order };
  });
  const payUrl = await registerWithProvider(ctx, order, `${v.product.name} ${result.policies.length} 人`);
  return { ...result, payment: orderView(order, ctx.clock.now(), payUrl) };
}

/**
 * 医保个人账户预约缴费 for persons already enrolled (e.g. paid in cash first): records a pre-authorization for
 * their policies. When the deduction succeeds, the cash already paid is refunded automatically (seed 004).
 */
export async function preauthorizePersonalAccount(
  ctx: PlatformContext,
  actor: Actor,
  input: { programId: string; payerPsnNo: string; psnNos: readonly string[] },
): Promise<{ payment: OrderView; policies: string[] }> {
  if (!PSN_NO.test(input.payerPsnNo)) throw bad("payer_psn_no 格式不正确", "payer_psn_no");
  if (input.psnNos.length === 0) throw bad("psn_nos 不能为空", "psn_nos");
  for (const [i, p] of input.psnNos.entries())
    if (!PSN_NO.test(p)) throw bad("psn_no 格式不正确", `psn_nos[${i}]`);
  const staff = actor.role === "operator" || actor.role === "admin";
  if (!staff && !(actor.role === "resident" && actor.psnNo === input.payerPsnNo)) {
    throw new ServiceError("forbidden", "forbidden", "投保人必须是本人", "payer_psn_no");
  }
  const program = await loadProgram(ctx, input.programId);
  const product = productOf(program);
  assertWindow(ctx, product);
  const gateway = gatewaysOf(ctx).personalAccount;
  if (!product.operations.personalAccountPayment || gateway === undefined) {
    throw new ServiceError("unprocessable", "channel_unavailable", "本产品不支持医保个人账户缴费", "channel");
  }
  const at = ctx.clock.now();
  const { order, policies } = await ctx.db.transaction(async (tx) => {
    const roster = await rosterPersons(tx, input.programId, [input.payerPsnNo]);
    if (!roster.has(input.payerPsnNo)) throw notOnRoster(input.payerPsnNo, "payer_psn_no");
    const items: { policyNo: string; psnNo: string; amount: number }[] = [];
    for (const [i, psnNo] of input.psnNos.entries()) {
      const rows = await tx.query<{
        policy_no: string;
        status: string;
        premium_fen: number;
        payer_psn_no: string | null;
      }>(
        // The person's issued policy, else the unpaid one this payer started (a person may have several).
        `select policy_no, status, premium_fen, payer_psn_no from policies
          where program_id = $1 and psn_no = $2 and status <> 'cancelled'
          order by (issued_at is not null) desc, coalesce(payer_psn_no = $3, false) desc, created_at desc, policy_no desc
          limit 1 for update`,
        [input.programId, psnNo, input.payerPsnNo],
      );
      const p = rows[0];
      if (p === undefined || p.status === "cancelled") {
        throw new ServiceError("unprocessable", "not_enrolled", `${psnNo} 尚未投保`, `psn_nos[${i}]`);
      }
      if (actor.role === "resident" && p.payer_psn_no !== input.payerPsnNo && psnNo !== input.payerPsnNo) {
        throw new ServiceError("forbidden", "forbidden", `${psnNo} 不是您投保的成员`, `psn_nos[${i}]`);
      }
      const open = await tx.query(
        `select 1 from payment_items i join payment_orders o on o.program_id = i.program_id and o.order_no = i.order_no
          where i.program_id = $1 and i.policy_no = $2 and o.channel = 'personal_account' and o.status in ('preauthorized','paid')`,
        [input.programId, p.policy_no],
      );
      if (open.length > 0) {
        throw new ServiceError(
          "conflict",
          "already_preauthorized",
          `${psnNo} 已有医保个人账户预约`,
          `psn_nos[${i}]`,
        );
      }
      items.push({ policyNo: p.policy_no, psnNo, amount: Number(p.premium_fen) });
    }
    const order = await createOrderTx(tx, {
      programId: input.programId,
      orderNo: newOrderNo(at),
      enrollmentId: null,
      channel: "personal_account",
      provider: gateway.provider,
      poolId: null,
      payerPsnNo: input.payerPsnNo,
      status: "preauthorized",
      createdBy: actor.id,
      at,
      items,
    });
    for (const it of items) {
      await addPolicyEvent(tx, input.programId, it.policyNo, "personal_account_preauthorized", actor.id, at, {
        order_no: order.order_no,
      });
    }
    await audit(tx, actor, input.programId, "payment.preauthorize", order.order_no, {
      psn_nos: input.psnNos,
    });
    return { order, policies: items.map((i) => i.policyNo) };
  });
  const payUrl = await registerWithProvider(ctx, order, `${product.name} 医保个人账户预约`);
  return { payment: orderView(order, ctx.clock.now(), payUrl), policies };
}

/**
 * Opens a charity pool. A charity account keeps the pools it opens; an operator or admin may name a charity
 * account of the program as keeper, or none (the program's own pool, shared by its charity partners). Same id
 * and same facts again: the existing pool (a replay); same id, other facts: a conflict.
 */
export async function createCharityPool(
  ctx: PlatformContext,
  actor: Actor,
  input: { programId: string; poolId: string; name: string; keeper?: string | undefined },
): Promise<{ pool_id: string; name: string; balance_fen: number; keeper: string | null }> {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(input.poolId))
    throw bad("pool_id 只能包含小写字母、数字、_ 和 -", "pool_id");
  if (input.name.trim() === "" || input.name.length > 200) throw bad("name 不能为空", "name");
  const keeper = keeperOfNewPool(actor, input.keeper);
  await loadProgram(ctx, input.programId);
  return ctx.db.transaction(async (tx) => {
    if (keeper !== null && actor.role !== "charity") await requireCharityAccount(tx, input.programId, keeper);
    const rows = await tx.query<{ name: string; balance_fen: number }>(
      `insert into charity_pools (program_id, pool_id, name, keeper, created_at) values ($1,$2,$3,$4,$5)
       on conflict (program_id, pool_id) do nothing returning name, balance_fen`,
      [input.programId, input.poolId, input.name, keeper, ctx.clock.now()],
    );
    if (rows.length === 0) {
      const existing = await tx.query<{ name: string; balance_fen: number; keeper: string | null }>(
        "select name, balance_fen, keeper from charity_pools where program_id = $1 and pool_id = $2",
        [input.programId, input.poolId],
      );
      const pool = existing[0];
      if (pool === undefined || pool.name !== input.name || pool.keeper !== keeper)
        throw new ServiceError("conflict", "conflict", `资金池 ${input.poolId} 已存在`, "pool_id");
      return { pool_id: input.poolId, name: input.name, balance_fen: Number(pool.balance_fen), keeper };
    }
    await audit(
      tx,
      actor,
      input.programId,
      "charity_pool.create",
      input.poolId,
      keeper === null ? {} : { keeper },
    );
    return { pool_id: input.poolId, name: input.name, balance_fen: 0, keeper };
  });
}

/** A keeper named by staff must be a charity account of the program (or a platform-wide one). */
async function requireCharityAccount(tx: Queryable, programId: string, keeper: string): Promise<void> {
  const users = await tx.query(
    "select 1 from users where program_id in ($1, '*') and username = $2 and role = 'charity'",
    [programId, keeper],
  );
  if (users.length === 0) throw bad(`${keeper} 不是本项目的慈善机构账号`, "keeper");
}

/**
 * Staff hand a pool to a charity account, or back to the program (keeper null) — for pools opened before pools
 * had keepers, or when the charity running a pool changes. From then on charity-keeper.ts's rule applies to
 * the pool as a whole: its balance, donations, sponsored persons and claims follow the new keeper. Audited
 * with the keeper before and after; naming the keeper it already has changes nothing.
 */
export async function assignPoolKeeper(
  ctx: PlatformContext,
  actor: Actor,
  input: { programId: string; poolId: string; keeper: string | null },
): Promise<{ pool_id: string; keeper: string | null }> {
  await loadProgram(ctx, input.programId);
  return ctx.db.transaction(async (tx) => {
    const [pool] = await tx.query<{ keeper: string | null }>(
      "select keeper from charity_pools where program_id = $1 and pool_id = $2 for update",
      [input.programId, input.poolId],
    );
    if (pool === undefined) throw notFound(`慈善资金池 ${input.poolId}`, "pool_id");
    if (pool.keeper === input.keeper) return { pool_id: input.poolId, keeper: input.keeper };
    if (input.keeper !== null) await requireCharityAccount(tx, input.programId, input.keeper);
    await tx.query("update charity_pools set keeper = $3 where program_id = $1 and pool_id = $2", [
      input.programId,
      input.poolId,
      input.keeper,
    ]);
    await audit(tx, actor, input.programId, "charity_pool.keeper", input.poolId, {
      from: pool.keeper,
      to: input.keeper,
    });
    return { pool_id: input.poolId, keeper: input.keeper };
  });
}

/**
 * A donation into a pool. Donations are not the insurers' money until they pay a premium, so they are kept
 * in charity_pool_movements, not the ledger; the ledger sees them when a sponsorship pays (charity_funding).
 */
export async function donate(
  ctx: PlatformContext,
  actor: Actor,
  input: { programId: string; poolId: string; amountFen: number; donor: string; ref: string },
): Promise<{ pool_id: string; balance_fen: number }> {
  if (!Number.isSafeInteger(input.amountFen) || input.amountFen <= 0) throw bad("金额必须为正", "amount");
  return ctx.db.transaction(async (tx) => {
    // Another charity's pool is answered as not found (charity-keeper.ts).
    const pool = await tx.query<{ keeper: string | null }>(
      "select keeper from charity_pools where program_id = $1 and pool_id = $2",
      [input.programId, input.poolId],
    );
    if (pool[0] === undefined || !mayUseCharityPool(actor, pool[0].keeper))
      throw notFound(`慈善资金池 ${input.poolId}`, "pool_id");
    const replay = await tx.query(
      "select 1 from charity_pool_movements where program_id = $1 and pool_id = $2 and kind = 'donation' and ref = $3",
      [input.programId, input.poolId, input.ref],
    );
    const rows = await tx.query<{ balance_fen: number }>(
      replay.length > 0
        ? "select balance_fen from charity_pools where program_id = $1 and pool_id = $2 and $3::bigint > 0"
        : "update charity_pools set balance_fen = balance_fen + $3 where program_id = $1 and pool_id = $2 returning balance_fen",
      [input.programId, input.poolId, input.amountFen],
    );
    if (rows.length === 0) throw notFound(`慈善资金池 ${input.poolId}`, "pool_id");
    if (replay.length === 0) {
      await tx.query(
        `insert into charity_pool_movements (program_id, pool_id, kind, amount_fen, ref, donor, at)
         values ($1,$2,'donation',$3,$4,$5,$6)`,
        [input.programId, input.poolId, input.amountFen, input.ref, input.donor, ctx.clock.now()],
      );
      await audit(tx, actor, input.programId, "charity_pool.donate", input.poolId, {
        amount_fen: input.amountFen,
      });
    }
    return { pool_id: input.poolId, balance_fen: Number(rows[0]?.balance_fen) };
  });
}

export interface CharityPoolBalance {
  pool_id: string;
  name: string;
  balance_fen: Fen;
}

export async function getCharityPool(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  poolId: string,
): Promise<CharityPoolBalance> {
  const rows = await ctx.db.query<{ name: string; balance_fen: number; keeper: string | null }>(
    "select name, balance_fen, keeper from charity_pools where program_id = $1 and pool_id = $2",
    [programId, poolId],
  );
  const r = rows[0];
  if (r === undefined || !mayUseCharityPool(actor, r.keeper))
    throw notFound(`慈善资金池 ${poolId}`, "pool_id");
  return {
    pool_id: poolId,
    name: r.name,
    balance_fen: Number(r.balance_fen),
  };
}
