/**
 * The roster service (参保人员名单): reading the bureau's file (roster/files), importing it into a program's
 * roster (roster/import) and eligibility look-ups (roster/lookup).
 */
export * from "./roster/files.js";
export * from "./roster/import.js";
export * from "./roster/lookup.js";
