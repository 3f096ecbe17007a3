/**
 * Enrollment answers on the wire: the service returns premiums and pool balances in fen; the API adds each
 * as a yuan string beside it (premium / premium_fen, balance / balance_fen). Key order is the wire's.
 */
import type { EnrollmentResult as EnrollmentResultWire, PoolBalance } from "../../contract/enrollment.js";
import { formatYuan } from "../../domain/money.js";
import type { CharityPoolBalance, EnrollmentResult } from "../../services/enrollment.js";

export function presentEnrollment(r: EnrollmentResult): EnrollmentResultWire {
  return {
    enrollment_id: r.enrollment_id,
    kind: r.kind,
    plan: r.plan,
    policies: r.policies.map((p) => ({
      policy_no: p.policy_no,
      psn_no: p.psn_no,
      relation: p.relation,
      premium: formatYuan(p.premium_fen),
      premium_fen: p.premium_fen,
      premium_rule: p.premium_rule,
      status: p.status,
    })),
    skipped: r.skipped,
    payment: r.payment,
  };
}

export function presentCharityPool(p: CharityPoolBalance): PoolBalance {
  return { pool_id: p.pool_id, name: p.name, balance_fen: p.balance_fen, balance: formatYuan(p.balance_fen) };
}
