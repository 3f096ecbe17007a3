/**
 * zod → the JSON Schema Fastify wants, and the conventions every route's schema follows (src/contract/index.ts
 * says how to add a route).
 *
 * One zod schema is three things at once: ajv validates requests with it (draft-07), fast-json-stringify
 * serializes 2xx answers with it (faster than JSON.stringify, and nothing outside the schema leaves), and
 * @fastify/swagger turns it into the OpenAPI 3.0 at /docs (it maps draft-07's `type: [..., "null"]` to
 * `nullable`). Annotations travel as zod metadata: `.meta({ description: "中文含义", example: "…" })`.
 *
 * Runtime dependencies: zod only (and Fastify types), so src/contract stays a leaf the engine, the services,
 * the routes and the web may all import types from.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";

/** The JSON Schema object as Fastify and @fastify/swagger take it. */
export type JsonSchema = Record<string, unknown>;

/**
 * Requests are read as zod's input (defaults optional, `.strict()` objects refuse unknown fields), answers as
 * its output (everything a handler must send).
 */
type Io = "input" | "output";

const cache: Record<Io, WeakMap<z.ZodType, JsonSchema>> = { input: new WeakMap(), output: new WeakMap() };

/** Keywords draft-07 allows that add nothing for ajv and are not OpenAPI 3.0: dropped everywhere. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // `$schema` would make @fastify/swagger emit it inside the OpenAPI; `propertyNames: {type: string}` is
    // what every JSON key already is (zod writes it for z.record).
    if (key === "$schema" || key === "propertyNames") continue;
    // z.number().int() bounds every integer by ±MAX_SAFE_INTEGER: no constraint, only noise in the docs.
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    out[key] = tidy(value);
  }
  return out;
}

/** The JSON Schema of a zod schema (cached: a server registers each once, tests build many servers). */
export function jsonSchema(schema: z.ZodType, io: Io = "output"): JsonSchema {
  const hit = cache[io].get(schema);
  if (hit !== undefined) return hit;
  const made = tidy(z.toJSONSchema(schema, { target: "draft-7", io, unrepresentable: "any" })) as JsonSchema;
  cache[io].set(schema, made);
  return made;
}

/** A request part (body, params, querystring, headers): validated by ajv as zod's input. */
export const request = (schema: z.ZodType): JsonSchema => jsonSchema(schema, "input");

/** A 2xx answer: serialized through the schema, so it must name every field the handler sends. */
/** What /docs says of a 2xx answer whose schema has no description of its own. */
const SUCCESS_DESCRIPTION = "成功";

export function reply(schema: z.ZodType): JsonSchema {
  const made = jsonSchema(schema, "output");
  // @fastify/swagger shows a response's `description`, or else "Default Response": a reader of /docs sees Chinese.
  return made.description === undefined ? { ...made, description: SUCCESS_DESCRIPTION } : made;
}

// ---------------------------------------------------------------------------------------------------------
// The one error body, documented once.

/** `$id` of the shared error schema: `app.addSchema` registers it, every 4xx references it. */
export const ERROR_SCHEMA_ID = "Error";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "错误代码（英文小写，程序据此处理）", example: "invalid_value" }),
      message: z
        .string()
        .meta({ description: "中文说明，可直接展示给用户", example: "reason 应为不超过 200 字的文字" }),
      field: z
        .string()
        .nullable()
        .meta({ description: "出错的字段（嵌套用 . 与 [i]），与字段无关时为 null", example: "reason" }),
    }),
  })
  .meta({ description: "所有 4xx/5xx 错误的统一格式" });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** What a route writes for an error status: a reference, never a copy. */
export const ERROR_REF = { $ref: `${ERROR_SCHEMA_ID}#` } as const;

/** The statuses every authenticated route can answer with (bad input, no/invalid login, role, unknown id, conflict). */
export const COMMON_ERROR_STATUSES = [400, 401, 403, 404, 409] as const;

/**
 * The 4xx part of a route's `response`: the common statuses plus the route's own (413 for a body limit, 422
 * for a rule, 415 for a media type, 429 for a rate limit), each a reference to the one error schema.
 */
export function errors(...extra: number[]): Record<number, typeof ERROR_REF> {
  const out: Record<number, typeof ERROR_REF> = {};
  for (const status of [...COMMON_ERROR_STATUSES, ...extra]) out[status] = ERROR_REF;
  return out;
}

/** Registers the shared schemas (before any route): the error body under `ERROR_SCHEMA_ID`. */
export function installContract(app: FastifyInstance): void {
  app.addSchema({ $id: ERROR_SCHEMA_ID, ...reply(ErrorBody) });
}

// ---------------------------------------------------------------------------------------------------------
// Conventions for what is not a JSON body.

/**
 * A write (POST/PUT/PATCH/DELETE) that takes no request body says so with this extension in its schema:
 * `schema: { ...NO_BODY, ... }`. test/openapi.test.ts accepts a write without `requestBody` only then.
 */
export const NO_BODY = { "x-no-body": true } as const;

/**
 * A 2xx answer that is a file (PDF, XLSX, CSV, HTML, an uploaded scan): its content types, for the OpenAPI
 * only — Fastify does not serialize a Buffer or string through a schema.
 * `response: { 200: fileReply(["text/csv"], "对账单 CSV") }`.
 */
export function fileReply(contentTypes: readonly string[], description: string): JsonSchema {
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const type of contentTypes) content[type] = { schema: { type: "string", format: "binary" } };
  return { description, content };
}

/**
 * A 2xx answer that is JSON or, on request (`format=csv`), a file: the JSON schema serializes the JSON
 * answer — fast-json-stringify is skipped for a reply whose content-type is not JSON — and the file type
 * is documented alongside.
 */
export function jsonOrFileReply(
  schema: z.ZodType,
  files: readonly string[],
  description: string,
): JsonSchema {
  const content: Record<string, { schema: JsonSchema }> = { "application/json": { schema: reply(schema) } };
  for (const type of files) content[type] = { schema: { type: "string", format: "binary" } };
  return { description, content };
}

/**
 * A request body a domain parser validates (with its precise Chinese errors naming the field) rather than
 * ajv: documented in the OpenAPI, never compiled by Fastify. `schema: { ...parsedBody(SettlementRecord,
 * "domain/settlement.ts parseSettlement"), ... }`; `swaggerTransform` below moves it into the OpenAPI's
 * requestBody. A route may also have a `body` (ajv checks the envelope, e.g. a feed's `records` array, and
 * the parser each record inside). Routes doing so: settlements (POST, and revoke), special-drug-claims (POST),
 * medical-records, counter-claims (submit, decision), payout-batches (POST).
 */
export function parsedBody(schema: z.ZodType, validatedBy: string): JsonSchema {
  return { "x-documented-body": request(schema), "x-validated-by": validatedBy };
}

/**
 * A request body that is a file (an uploaded scan, a roster CSV/XLSX): its content types, documented only —
 * the route's own content-type parser and handler check it. `schema: { ...fileBody(["application/pdf"],
 * "说明", "handler: checkDocument"), … }`.
 */
export function fileBody(
  contentTypes: readonly string[],
  description: string,
  validatedBy: string,
): JsonSchema {
  const content: Record<string, { schema: JsonSchema }> = {};
  for (const type of contentTypes)
    content[type] = { schema: { type: "string", format: "binary", description } };
  return { "x-documented-body": { content }, "x-validated-by": validatedBy };
}

/** @fastify/swagger's `transform`: a `parsedBody` becomes the operation's request body in the OpenAPI. */
export function swaggerTransform({ schema, url }: { schema: unknown; url: string }): {
  schema: JsonSchema;
  url: string;
} {
  const s = (schema ?? {}) as JsonSchema;
  if (s["x-documented-body"] === undefined) return { schema: s, url };
  const { "x-documented-body": body, ...rest } = s;
  return { schema: { ...rest, body }, url };
}

/**
 * @fastify/swagger's `refResolver`: shared schemas keep their `$id` as their name in
 * `components.schemas` (`#/components/schemas/Error`), not `def-0`.
 */
export const swaggerRefResolver = {
  buildLocalReference(json: JsonSchema, _baseUri: unknown, _fragment: string, i: number): string {
    return typeof json.$id === "string" ? json.$id : `def-${i}`;
  },
};
