/**
 * Example aid program files shipped with the platform (src/aid-programs/*.json): what `hmb aid publish` takes and
 * what the demo publishes. They are data like any operator's file; this list only lets code (the demo seed, tests)
 * find them without reading the disk. Each is validated once on first use: a broken shipped file is a bug.
 */
import { type AidProgram, AidProgramValidationError, parseAidProgram } from "../domain/aid.js";
import civilAffairsIllnessAid from "./civil-affairs-illness-aid.json" with { type: "json" };
import hardshipWorkerAid from "./hardship-worker-aid.json" with { type: "json" };
import lymphomaAid from "./lymphoma-aid.json" with { type: "json" };
import smaDrugAssistance from "./sma-drug-assistance.json" with { type: "json" };

/** The files as written (yuan, percent), in priority order: publish these, not the parsed form. */
export const EXAMPLE_AID_PROGRAM_FILES: readonly unknown[] = [
  smaDrugAssistance,
  civilAffairsIllnessAid,
  lymphomaAid,
  hardshipWorkerAid,
];

let parsed: AidProgram[] | undefined;

/** The example files parsed (fen, basis points), in the order above. */
export function exampleAidPrograms(): readonly AidProgram[] {
  if (parsed === undefined) {
    parsed = EXAMPLE_AID_PROGRAM_FILES.map((file, i) => {
      try {
        return parseAidProgram(file);
      } catch (e) {
        if (e instanceof AidProgramValidationError)
          throw new Error(`内置救助项目文件 #${i} 无效：${e.message}`);
        throw e;
      }
    });
  }
  return parsed;
}

/** One example by id (the file's `id`), or undefined. */
export function exampleAidProgram(id: string): AidProgram | undefined {
  return exampleAidPrograms().find((p) => p.id === id);
}

/** The raw file of one example by id, for publishing. */
export function exampleAidProgramFile(id: string): unknown {
  return EXAMPLE_AID_PROGRAM_FILES.find((f) => (f as { id?: unknown }).id === id);
}
