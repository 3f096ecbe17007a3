/** Renewal answers on the wire: the service counts fen; the API adds each amount as a yuan string beside it. */
import type {
  RenewalAuthorization as RenewalAuthorizationWire,
  RenewalOffer as RenewalOfferWire,
  RenewalRun as RenewalRunWire,
} from "../../contract/renewal.js";
import { formatYuan } from "../../domain/money.js";
import type { RenewalAuthorization, RenewalOffer, RenewalRun } from "../../services/renewal.js";

export function presentRenewalOffer(o: RenewalOffer): RenewalOfferWire {
  return {
    program_id: o.programId,
    follows_program_id: o.followsProgramId,
    available: o.available,
    reason: o.reason,
    plan: o.planId,
    plan_name: o.planName,
    members: o.members.map((m) => ({
      psn_no: m.psnNo,
      psn_name: m.name,
      relation: m.relation,
      status: m.status,
      premium: formatYuan(m.premiumFen),
      premium_fen: m.premiumFen,
      insured_years: m.insuredYears,
    })),
    total: formatYuan(o.totalFen),
    total_fen: o.totalFen,
    personal_account: o.personalAccount,
    enrollment_start: o.enrollmentStart,
    enrollment_end: o.enrollmentEnd,
  };
}

export function presentRenewalAuthorization(a: RenewalAuthorization): RenewalAuthorizationWire {
  return {
    program_id: a.programId,
    psn_no: a.psnNo,
    status: a.status,
    granted_at: a.grantedAt,
    revoked_at: a.revokedAt,
    renewed_into: a.renewedInto,
    enrollment_id: a.enrollmentId,
    last_error: a.lastError,
  };
}

export function presentRenewalRun(r: RenewalRun): RenewalRunWire {
  return {
    program_id: r.programId,
    follows_program_id: r.followsProgramId,
    window_open: r.windowOpen,
    authorizations: r.authorizations,
    renewed: r.renewed.map((x) => ({ psn_no: x.psnNo, enrollment_id: x.enrollmentId, persons: x.persons })),
    skipped: r.skipped.map((x) => ({ psn_no: x.psnNo, reason: x.reason })),
    failed: r.failed.map((x) => ({ psn_no: x.psnNo, reason: x.reason })),
  };
}
