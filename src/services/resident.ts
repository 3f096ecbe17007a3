/**
 * The resident's own reads for the H5: eligibility by ID number (the roster's keyed blind index, never the
 * plaintext in SQL) and "my policies" (those insuring me and those I paid for), with the open payment order
 * of an unpaid enrollment so the resident can come back and pay. Every read of personal data is audited.
 * No ID number but the resident's own appears in these answers, and that one masked.
 */
import { isValidCertno, maskCertno } from "../domain/certno.js";
import type { Fen } from "../domain/money.js";
import { ageAt, premiumFor } from "../domain/premium.js";
import { formatBusinessTime } from "../domain/time.js";
import { audit } from "./audit.js";
import { type Actor, type PlatformContext, ServiceError } from "./context.js";
import { expireDueOrders } from "./payments/index.js";
import { gatewayByProvider } from "./payments/registry.js";
import { maskName, type PolicyStatus, statusAt } from "./policies.js";
import { loadProgram, productOf } from "./programs.js";
import { countPromotion, resolvePromotion } from "./promotions.js";
import { assertProgramExists, findRosterPersonByCertno } from "./roster.js";

export interface EligibilityView {
  eligible: boolean;
  /** Present when eligible: the roster's person number, used to enroll them. */
  psn_no: string | null;
  psn_name: string | null;
  certno: string;
  age: number | null;
  /** Already insured in this program (an issued policy; one per person). Unpaid enrollments do not count. */
  enrolled: boolean;
  policy_status: PolicyStatus | null;
  premiums: { plan: string; plan_name: string; premium_fen: Fen }[];
  message: string;
}

export async function checkEligibility(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  certnoInput: string,
  promoCode?: string,
): Promise<EligibilityView> {
  const certno = certnoInput.trim().toUpperCase();
  if (!isValidCertno(certno)) {
    throw new ServiceError(
      "invalid",
      "invalid_certno",
      "身份证号码不正确：请核对 18 位号码（最后一位可能是 X）",
      "certno",
    );
  }
  await assertProgramExists(ctx.db, programId);
  const promo = await resolvePromotion(ctx.db, programId, promoCode);
  if (promo !== null) await countPromotion(ctx.db, programId, promo, "eligibility", ctx.clock.now());
  const product = productOf(await loadProgram(ctx, programId));
  const person = await findRosterPersonByCertno(ctx, programId, certno);
  if (person === undefined) {
    await audit(ctx.db, actor, programId, "roster.eligibility", maskCertno(certno), { found: false });
    return {
      eligible: false,
      psn_no: null,
      psn_name: null,
      certno: maskCertno(certno),
      age: null,
      enrolled: false,
      policy_status: null,
      premiums: [],
      message: `未在${product.region.name}基本医疗保险参保名单中找到此身份证号：请先参加当地基本医疗保险，或到医保经办窗口核实后再投保。`,
    };
  }
  // Only an issued policy counts (at most one per person): an unpaid enrollment reserves nobody, and whether
  // someone has started one for this person is not the asker's business.
  const policies = await ctx.db.query<{ status: PolicyStatus; coverage_start: Date }>(
    // A cancelled policy and the live one after re-enrolling may both exist: the live one answers.
    `select status, coverage_start from policies where program_id = $1 and psn_no = $2 and issued_at is not null
      order by (status <> 'cancelled') desc, issued_at desc limit 1`,
    [programId, person.psnNo],
  );
  const policy = policies[0];
  const status = policy === undefined ? null : statusAt(policy, ctx.clock.now());
  const enrolled = status !== null && status !== "cancelled";
  const premiums = product.plans.map((plan) => {
    const q = premiumFor(
      plan,
      { birthDate: person.birthDate, cohort: person.cohort },
      product.coverage.start,
    );
    return { plan: plan.id, plan_name: plan.name, premium_fen: q.amount };
  });
  const age = ageAt(person.birthDate, product.coverage.start);
  await audit(ctx.db, actor, programId, "roster.eligibility", person.psnNo, { found: true });
  return {
    eligible: true,
    psn_no: person.psnNo,
    psn_name: maskName(person.name),
    certno: maskCertno(certno),
    age,
    enrolled,
    policy_status: status,
    premiums,
    message: enrolled
      ? "此人已参加本年度惠民保，无需重复投保（每人限投一份）。"
      : "此人在基本医疗保险参保名单中，可以投保：不限年龄、职业、健康状况，既往症也可投保。",
  };
}

export interface MyPolicy {
  policy_no: string;
  psn_no: string;
  psn_name: string;
  relation: string;
  plan: string;
  plan_name: string;
  status: PolicyStatus;
  premium_fen: Fen;
  coverage_start: string;
  coverage_end: string;
  is_insured: boolean;
  is_payer: boolean;
  /**
   * The resident's own order that would pay this unpaid policy, until it expires (expires_at, Beijing time;
   * null: no expiry); pay_url only for the sandbox provider.
   */
  pending_order: {
    order_no: string;
    amount_fen: Fen;
    status: string;
    pay_url: string | null;
    expires_at: string | null;
  } | null;
}

export interface ResidentOverview {
  program_id: string;
  psn_no: string;
  psn_name: string;
  certno: string;
  policies: MyPolicy[];
}

/**
 * The signed-in resident, the policies insuring them that were issued, and every policy they pay for. An
 * unpaid policy someone else started for them is that payer's draft (it reserves nobody), so it is not
 * listed; nor are unpaid policies that ended without ever being in force (order expired, superseded by
 * another payment, withdrawn).
 */
export async function residentOverview(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
): Promise<ResidentOverview> {
  if (actor.role !== "resident" || actor.psnNo === undefined) {
    throw new ServiceError("forbidden", "forbidden", "仅参保人本人账号可查看", undefined);
  }
  const me = actor.psnNo;
  await assertProgramExists(ctx.db, programId);
  await expireDueOrders(ctx, programId, { payerPsnNo: me });
  const product = productOf(await loadProgram(ctx, programId));
  const people = await ctx.db.query<{ psn_name: string; certno_masked: string }>(
    "select psn_name, certno_masked from roster_persons where program_id = $1 and psn_no = $2",
    [programId, me],
  );
  const rows = await ctx.db.query<{
    policy_no: string;
    psn_no: string;
    psn_name: string | null;
    relation: string;
    plan_id: string;
    status: PolicyStatus;
    premium_fen: number;
    coverage_start: Date;
    coverage_end: Date;
    payer_psn_no: string | null;
  }>(
    `select p.policy_no, p.psn_no, r.psn_name, p.relation, p.plan_id, p.status, p.premium_fen, p.coverage_start,
            p.coverage_end, p.payer_psn_no
       from policies p left join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and (p.payer_psn_no = $2 or (p.psn_no = $2 and p.issued_at is not null))
        and (p.issued_at is not null or p.status = 'pending_payment')
      order by (p.psn_no = $2) desc, p.policy_no`,
    [programId, me],
  );
  const now = ctx.clock.now();
  const unpaid = rows.filter((r) => r.status === "pending_payment").map((r) => r.policy_no);
  const orders =
    unpaid.length === 0
      ? []
      : await ctx.db.query<{
          policy_no: string;
          order_no: string;
          amount_fen: number;
          status: string;
          provider: string;
          expires_at: Date | null;
        }>(
          `select i.policy_no, o.order_no, o.amount_fen, o.status, o.provider, o.expires_at
             from payment_items i join payment_orders o on o.program_id = i.program_id and o.order_no = i.order_no
            where i.program_id = $1 and i.policy_no = any($2) and o.payer_psn_no = $3
              and o.status in ('created', 'preauthorized') and (o.expires_at is null or o.expires_at > $4)
            order by o.created_at desc`,
          [programId, unpaid, me, now],
        );
  const orderOf = new Map<string, MyPolicy["pending_order"]>();
  for (const o of orders) {
    if (orderOf.has(o.policy_no)) continue;
    const sandbox = gatewayByProvider(ctx, o.provider)?.sandbox === true;
    orderOf.set(o.policy_no, {
      order_no: o.order_no,
      amount_fen: Number(o.amount_fen),
      status: o.status,
      pay_url: sandbox ? `/api/v1/sandbox/pay/${encodeURIComponent(o.order_no)}` : null,
      expires_at: o.expires_at === null ? null : formatBusinessTime(new Date(o.expires_at).getTime()),
    });
  }
  const t = (d: Date) => formatBusinessTime(new Date(d).getTime());
  await audit(ctx.db, actor, programId, "resident.overview", me, { policies: rows.length });
  return {
    program_id: programId,
    psn_no: me,
    psn_name: people[0]?.psn_name ?? "",
    certno: people[0]?.certno_masked ?? "",
    policies: rows.map((r) => ({
      policy_no: r.policy_no,
      psn_no: r.psn_no,
      psn_name: r.psn_name ?? "",
      relation: r.relation,
      plan: r.plan_id,
      plan_name: product.plans.find((p) => p.id === r.plan_id)?.name ?? r.plan_id,
      status: statusAt(r, now),
      premium_fen: Number(r.premium_fen),
      coverage_start: t(r.coverage_start),
      coverage_end: t(r.coverage_end),
      is_insured: r.psn_no === me,
      is_payer: r.payer_psn_no === me,
      pending_order: orderOf.get(r.policy_no) ?? null,
    })),
  };
}
