/**
 * src/contract — the one description of the HTTP wire (issue 11). zod schemas, defined once, are at the same
 * time: the request validation (ajv), the answer serialization (fast-json-stringify: faster, and nothing
 * outside the schema leaves), the OpenAPI at /docs (@fastify/swagger), and — via `z.infer` — the TypeScript
 * types of the routes, of engine/wire.ts and of the web (`web/src/shared/types.ts`, type-only imports).
 *
 * Layering: contract modules import zod and domain constants only (never engine, services or api), so any
 * layer may import their types and the web bundle pulls no server code (it imports types only).
 *
 * Files: `json-schema.ts` (zod → JSON Schema, the shared error schema, conventions), `common.ts` (ids, yuan,
 * days, signed headers), then one file per area (`settlement.ts`, `claims.ts`, `product.ts`, …).
 *
 * How to add or document a route:
 *  1. In the area's file, define the schemas with the wire's names, Chinese meanings as
 *     `.meta({ description, example })`, and export `type X = z.infer<typeof X>` for the web:
 *       export const ThingParams = ProgramParams.extend({ thing_id: z.string().min(1).max(64) });
 *       export const ThingBody = z.object({ name: z.string().max(64) }).strict();   // .strict(): unknown → 400
 *       export const ThingView = z.object({ thing_id: z.string(), name: z.string(), note: z.string().nullable() });
 *       export type ThingView = z.infer<typeof ThingView>;
 *  2. In the route: `schema: { params: request(ThingParams), body: request(ThingBody),
 *       response: { 200: reply(ThingView), ...errors(422) } }` — `errors()` references the one error schema
 *     (400/401/403/404/409 plus the route's own statuses), never a copy.
 *  3. A write without a body: `schema: { ...NO_BODY, … }`. A file answer: `200: fileReply(["application/pdf"],
 *     "说明")`; JSON or CSV by query: `jsonOrFileReply(View, ["text/csv"], "说明")`; a file upload:
 *     `...fileBody(["text/csv"], "说明", "who checks it")`.
 *  4. A body a domain parser validates with precise Chinese errors (the settlement record):
 *     `...parsedBody(Record, "domain/settlement.ts parseSettlement")` — documented, not compiled by ajv (a
 *     `body` beside it may still let ajv check the envelope, e.g. a feed's `records` array).
 *  5. The answer schema must be COMPLETE: serialization drops any field it does not name, and a missing
 *     required field is a 500. Mark optional fields `.optional()`, nullable ones `.nullable()`.
 *  6. `npx vitest run test/openapi.test.ts` lists any operation still undocumented.
 */
export * from "./common.js";
export * from "./json-schema.js";
