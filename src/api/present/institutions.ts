/** 定点医药机构 on the wire: the list and one institution (never its secret). */
import type { InstitutionList, InstitutionView } from "../../contract/institutions.js";
import type { InstitutionRecord } from "../../services/institutions.js";

export function presentInstitution(r: InstitutionRecord): InstitutionView {
  return {
    fixmedins_code: r.code,
    name: r.name,
    level: r.level,
    kind: r.kind,
    status: r.status,
    created_at: r.createdAt.toISOString(),
    status_changed_at: r.statusChangedAt?.toISOString() ?? null,
    secret_rotated_at: r.secretRotatedAt?.toISOString() ?? null,
  };
}

export function presentInstitutionList(list: readonly InstitutionRecord[]): InstitutionList {
  return { institutions: list.map(presentInstitution) };
}
