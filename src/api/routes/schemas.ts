/**
 * JSON-schema pieces shared by routes, now thin aliases of src/contract (the one description of the wire).
 * New routes use src/contract directly: `errors()`, `request()`, `reply()`.
 */
import { PROGRAM_ID_PATTERN } from "../../contract/common.js";
import { ERROR_REF, errors } from "../../contract/json-schema.js";

/** A reference to the one error schema (src/contract/json-schema.ts), e.g. `response: { 413: errorSchema }`. */
export const errorSchema = ERROR_REF;

export const programParams = {
  type: "object",
  properties: { program_id: { type: "string", pattern: PROGRAM_ID_PATTERN } },
  required: ["program_id"],
} as const;

/** 400, 401, 403, 404 and 409, each a reference to the one error schema. */
export const errorResponses = errors();
