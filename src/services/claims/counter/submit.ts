/** Counter claims: opening a case, with what the engine would pay today; see shared.ts. */
import { randomBytes } from "node:crypto";
import { sqlStateOf, UNIQUE_VIOLATION } from "../../../db/database.js";
import { isValidCertno } from "../../../domain/certno.js";
import type { Fen } from "../../../domain/money.js";
import { ageAt } from "../../../domain/premium.js";
import { GUARDIAN_RELATIONS, type GuardianRelation } from "../../../domain/vocabulary.js";
import { blindIndex } from "../../../platform/crypto.js";
import { audit } from "../../audit.js";
import { type Actor, type PlatformContext, ServiceError } from "../../context.js";
import { notify } from "../../notifications.js";
import { assertProgramExists } from "../../roster.js";
import { previewPayout } from "../coverage.js";
import { storableRecord, storeMedicalRecord } from "../records.js";
import { addClaimEvent, lockSetlId } from "../settle.js";
import { assertCertno, type CounterCase, loadCase, parseRecordField, rosterPerson, viewOf } from "./case.js";
import { type CaseRow, isStaff, MAX_CASE_SETL_ID, requireStaff } from "./shared.js";

export interface SubmitInput {
  readonly psnNo: string;
  readonly record: unknown;
  readonly note?: string | undefined;
  /**
   * A resident claiming for a minor they did not pay for (enrolled by a unit, sponsored by a charity): the
   * minor's ID number, checked against the roster, and the declared relation. The case then needs the
   * 监护关系证明 and a reviewer's check of it before approval (review.ts).
   */
  readonly guardian?: { readonly certno: string; readonly relation: GuardianRelation } | undefined;
}

export interface SubmitOutcome {
  case: CounterCase;
  /** False when the same record had already opened this case (a retried submission). */
  created: boolean;
  /** What the engine would pay today; nothing is committed until an operator approves. */
  preview: { status: string; reason?: string; hmb_pay: Fen; psn_part_amt: Fen };
}

export async function submitCounterClaim(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  input: SubmitInput,
): Promise<SubmitOutcome> {
  if (actor.role !== "resident") requireStaff(actor);
  const raw = input.record;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new ServiceError("invalid", "invalid_value", "record 应为一条结算记录（JSON 对象）", "record");
  const record = raw as Record<string, unknown>;
  // PostgreSQL's jsonb cannot hold U+0000: refused here as bad input, not failed on as a 500.
  if (JSON.stringify(record).includes("\\u0000"))
    throw new ServiceError("invalid", "invalid_value", "record 含有不允许的字符 U+0000", "record");
  const s = parseRecordField(record, ctx.clock.now());
  if (s.psnNo !== input.psnNo)
    throw new ServiceError("invalid", "psn_no_mismatch", "结算记录的 psn_no 与申请人不符", "record.psn_no");
  if (s.setlId.length > MAX_CASE_SETL_ID)
    throw new ServiceError(
      "invalid",
      "invalid_value",
      `柜面理赔的 setl_id 最长 ${MAX_CASE_SETL_ID} 位`,
      "record.setl_id",
    );
  await assertProgramExists(ctx.db, programId);
  const onBehalf = await behalfOf(ctx, actor, programId, input.psnNo, input.guardian);
  const declared = onBehalf?.standing === "guardian_declared" ? onBehalf : undefined;
  const now = ctx.clock.now();
  let result: { row: CaseRow; created: boolean };
  try {
    result = await ctx.db.transaction(async (tx) => {
      // The claims core's lock on the setl_id: a hospital or an online claim settling the same record waits.
      await lockSetlId(tx, programId, s.setlId);
      const person = await rosterPerson(tx, programId, s.psnNo);
      assertCertno(ctx, person.certno_bidx, s.certno, s.psnNo);
      const existing = await tx.query<{ case_id: string }>(
        "select case_id from counter_claims where program_id = $1 and setl_id = $2",
        [programId, s.setlId],
      );
      // Same record again (compared under the keyed hash) → the case it opened; a changed one → 409.
      await storeMedicalRecord(tx, ctx.keys, programId, record, s, "counter", now);
      if (existing[0] !== undefined)
        return { row: await loadCase(tx, programId, existing[0].case_id), created: false };
      const claimed = await tx.query("select 1 from claims where program_id = $1 and setl_id = $2", [
        programId,
        s.setlId,
      ]);
      if (claimed.length > 0) {
        throw new ServiceError(
          "conflict",
          "already_settled",
          `结算 ${s.setlId} 已经理赔，不能再申请柜面理赔`,
          "record.setl_id",
        );
      }
      const caseId = `cc-${randomBytes(8).toString("hex")}`;
      await tx.query(
        `insert into counter_claims (program_id, case_id, setl_id, psn_no, status, note, record, submitted_by,
           submitted_role, created_at, updated_at, guardian_relation, guardian_filer_psn_no)
         values ($1,$2,$3,$4,'submitted',$5,$6,$7,$8,$9,$9,$10,$11)`,
        [
          programId,
          caseId,
          s.setlId,
          s.psnNo,
          input.note ?? null,
          JSON.stringify(storableRecord(record)),
          actor.id,
          actor.role,
          now,
          declared?.relation ?? null,
          declared === undefined ? null : (actor.psnNo ?? null),
        ],
      );
      await addClaimEvent(tx, programId, s.setlId, "counter_submitted", actor, now, {
        case_id: caseId,
        ...(onBehalf === undefined
          ? {}
          : declared === undefined
            ? { filed_by_payer: actor.psnNo, relation: onBehalf.relation }
            : { filed_by_guardian: actor.psnNo, relation: declared.relation, guardianship: "declared" }),
      });
      await notify(
        tx,
        {
          programId,
          psnNo: s.psnNo,
          kind: "counter_claim.submitted",
          subject: caseId,
          title: "理赔申请已受理",
          body: `您的理赔申请（案件 ${caseId}，结算 ${s.setlId}）已受理，请上传发票和结算单，等待审核。`,
          data: { case_id: caseId, setl_id: s.setlId, status: "submitted" },
        },
        now,
      );
      if (isStaff(actor))
        await audit(tx, actor, programId, "counter_claim.submit", caseId, { psn_no: s.psnNo });
      // A claim filed for someone else is audited: who filed it, for whom, and on what standing.
      if (onBehalf !== undefined)
        await audit(tx, actor, programId, "counter_claim.submit_on_behalf", caseId, {
          psn_no: s.psnNo,
          payer_psn_no: declared === undefined ? (actor.psnNo ?? null) : null,
          relation: onBehalf.relation,
          policy_no: onBehalf.policyNo,
          minor: onBehalf.minor,
          // A declared guardian's standing is to be verified (the 监护关系证明, on approval).
          standing: onBehalf.standing,
          ...(declared === undefined
            ? {}
            : { guardian_psn_no: actor.psnNo ?? null, verification: "pending" }),
        });
      return { row: await loadCase(tx, programId, caseId), created: true };
    });
  } catch (e) {
    // Two first submissions of one record racing past the lock is impossible; a unique violation here is
    // another channel storing the same setl_id at this instant: the caller retries and gets a clear answer.
    if (sqlStateOf(e) === UNIQUE_VIOLATION)
      throw new ServiceError("conflict", "busy", `结算 ${s.setlId} 正在被处理，请稍后重试`, "record.setl_id");
    throw e;
  }
  const preview = await previewPayout(ctx, ctx.db, programId, s, { lock: false, at: now });
  const base = {
    status: preview.status,
    hmb_pay: preview.hmbPay,
    psn_part_amt: s.personBurden,
  };
  return {
    case: await viewOf(ctx.db, programId, actor, result.row),
    created: result.created,
    preview: preview.reason === undefined ? base : { ...base, reason: preview.reason },
  };
}

/** Adulthood under the Civil Code (民法典 第十七条): a guardian acts for a person under 18. */
const AGE_OF_MAJORITY = 18;

/** Why a resident may claim for someone else: they paid for the policy, or they declare guardianship of a minor. */
interface Standing {
  standing: "payer" | "guardian_declared";
  relation: string;
  policyNo: string;
  minor: boolean;
}

/** Unchanged since payers alone could claim for others: a minor's guardian is told so by the form. */
const NOT_FOR_THEM = "只能为本人，或为您投保的家庭成员（如未成年子女）申请理赔";

/**
 * Who a resident may claim for: themself, a person whose policy in this program they paid for as a family
 * payer (a child — for a minor, the guardian who enrolled them — a spouse or a parent), or a minor they did
 * not pay for (enrolled by a unit, sponsored by a charity) whose ID number they give, declaring guardianship.
 * Undefined for their own claim; the standing otherwise, which the submission records and audits. Anyone
 * else: 403, saying who may.
 */
async function behalfOf(
  ctx: PlatformContext,
  actor: Actor,
  programId: string,
  psnNo: string,
  guardian: SubmitInput["guardian"],
): Promise<Standing | undefined> {
  if (guardian !== undefined && actor.role !== "resident")
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "guardian 仅供参保人为未成年子女申请时填写",
      "guardian",
    );
  if (actor.role !== "resident" || actor.psnNo === psnNo) return undefined;
  const rows = await ctx.db.query<{ policy_no: string; relation: string; brdy: string | null }>(
    `select p.policy_no, p.relation, to_char(r.brdy, 'YYYY-MM-DD') as brdy
       from policies p
       left join roster_persons r on r.program_id = p.program_id and r.psn_no = p.psn_no
      where p.program_id = $1 and p.psn_no = $2 and p.payer_psn_no = $3 and p.issued_at is not null
      order by (p.status <> 'cancelled') desc, p.issued_at desc limit 1`,
    [programId, psnNo, actor.psnNo ?? ""],
  );
  const p = rows[0];
  if (p !== undefined) {
    const age = p.brdy === null ? undefined : ageAt(p.brdy, ctx.clock.now().getTime());
    return {
      standing: "payer",
      relation: p.relation,
      policyNo: p.policy_no,
      minor: age !== undefined && age < AGE_OF_MAJORITY,
    };
  }
  if (guardian === undefined) throw new ServiceError("forbidden", "forbidden", NOT_FOR_THEM, "psn_no");
  return declaredGuardian(ctx, programId, psnNo, guardian);
}

/**
 * A declared guardian's standing: the ID number must be the roster's for psn_no — refused alike whether the
 * person exists or not, so the answer tells nothing of who is insured — and the person a minor today holding
 * an issued policy in the program. Adults are refused as anyone else is.
 */
async function declaredGuardian(
  ctx: PlatformContext,
  programId: string,
  psnNo: string,
  guardian: NonNullable<SubmitInput["guardian"]>,
): Promise<Standing> {
  if (!GUARDIAN_RELATIONS.includes(guardian.relation))
    throw new ServiceError(
      "invalid",
      "invalid_value",
      "guardian.relation 应为 parent（父母）或 guardian（其他监护人）",
      "guardian.relation",
    );
  const certno = guardian.certno.trim().toUpperCase();
  if (!isValidCertno(certno))
    throw new ServiceError(
      "invalid",
      "invalid_certno",
      "子女身份证号码不正确：请核对 18 位号码（最后一位可能是 X）",
      "guardian.certno",
    );
  const rows = await ctx.db.query<{ policy_no: string | null; brdy: string | null }>(
    `select (select p.policy_no from policies p
               where p.program_id = r.program_id and p.psn_no = r.psn_no and p.issued_at is not null
               order by (p.status <> 'cancelled') desc, p.issued_at desc limit 1) as policy_no,
            to_char(r.brdy, 'YYYY-MM-DD') as brdy
       from roster_persons r
      where r.program_id = $1 and r.psn_no = $2 and r.certno_bidx = $3`,
    [programId, psnNo, blindIndex(ctx.keys, certno)],
  );
  const person = rows[0];
  if (person === undefined)
    throw new ServiceError(
      "forbidden",
      "guardian_not_matched",
      "子女身份证号与人员编号不一致，或此人不在本项目参保名单中：请核对后重试",
      "guardian.certno",
    );
  const age = person.brdy === null ? undefined : ageAt(person.brdy, ctx.clock.now().getTime());
  if (person.policy_no === null || age === undefined || age >= AGE_OF_MAJORITY)
    throw new ServiceError("forbidden", "forbidden", NOT_FOR_THEM, "psn_no");
  return {
    standing: "guardian_declared",
    relation: guardian.relation,
    policyNo: person.policy_no,
    minor: true,
  };
}
