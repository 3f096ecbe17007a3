/** The guidance rule sets the platform ships, by id. */
import type { RuleSet } from "../types.js";
import { NFRA_2025 } from "./nfra-2025.js";
import { SHANDONG_RARE_DISEASE } from "./shandong-rare-disease.js";
import { YUNNAN_2023 } from "./yunnan-2023.js";

const RULE_SETS: ReadonlyMap<string, RuleSet> = new Map(
  [YUNNAN_2023, SHANDONG_RARE_DISEASE, NFRA_2025].map((r) => [r.id, r]),
);

export function listRuleSets(): RuleSet[] {
  return [...RULE_SETS.values()];
}

/** `undefined` for an unknown id, so the caller decides how to report it (the CLI: usage error). */
export function findRuleSet(id: string): RuleSet | undefined {
  return RULE_SETS.get(id);
}
