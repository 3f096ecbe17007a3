/**
 * Building blocks of the write-route fuzz suite (test/fuzz.routes.test.ts): the server's live route table
 * with each route's options (roles, signature, body schema, body limit), hostile values and the mutations
 * that apply them to a valid request, an independent check of a body against its route's JSON schema (to
 * know which answers must be refusals), and a change tracker that tells, per request, whether anything was
 * stored — row counts and an order-independent checksum of every table, kept current by row triggers and
 * cross-checked against full table scans.
 */
import fc from "fast-check";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse, RouteOptions } from "fastify";
import type { Database } from "../../src/db/database.js";

// ---------------------------------------------------------------------------------------------------------
// The live route table

export interface FuzzRoute {
  readonly method: string;
  readonly url: string;
  /** `METHOD url`, the key models and reports use. */
  readonly key: string;
  readonly roles: readonly string[] | undefined;
  readonly signed: boolean;
  readonly bodySchema: JsonSchema | undefined;
  /** The route's own body limit, when it sets one (the server's is 1 MiB). */
  readonly bodyLimit: number | undefined;
}

export const WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;

/** Every route any Fastify instance registered since the last reset (as test/support/routes.ts does). */
export const fuzzRoutes: FuzzRoute[] = [];

function collect(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const config = (route.config ?? {}) as { roles?: readonly string[]; signed?: boolean };
  const schema = route.schema as { body?: JsonSchema } | undefined;
  for (const method of methods) {
    fuzzRoutes.push({
      method,
      url: route.url,
      key: `${method} ${route.url}`,
      roles: config.roles,
      signed: config.signed === true,
      bodySchema: schema?.body,
      bodyLimit: route.bodyLimit,
    });
  }
}

/** The factory for `vi.mock("fastify", …)`: the real module, every new instance collecting its routes. */
export async function wrapFastifyForFuzz(importOriginal: () => Promise<unknown>) {
  const original = (await importOriginal()) as { default: (...args: unknown[]) => FastifyInstance };
  const real = original.default;
  const wrapped = Object.assign((...args: unknown[]) => {
    const app = real(...args);
    app.addHook("onRoute", collect);
    return app;
  }, real);
  return { ...original, default: wrapped, fastify: wrapped };
}

/** The write routes (one entry per method and URL, however many servers registered them). */
export function writeRoutes(): FuzzRoute[] {
  const seen = new Map<string, FuzzRoute>();
  for (const r of fuzzRoutes)
    if ((WRITE_METHODS as readonly string[]).includes(r.method) && !seen.has(r.key)) seen.set(r.key, r);
  return [...seen.values()].sort((a, b) => a.key.localeCompare(b.key));
}

// ---------------------------------------------------------------------------------------------------------
// JSON text with parts JSON.stringify cannot write (numbers beyond doubles, absurd nesting, huge strings)

/** A piece of JSON text spliced into a body as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0001FZRAW${raws.length - 1}\u0001`;
    }
    return v;
  });
  if (raws.length === 0) return text ?? "";
  // JSON.stringify writes U+0001 as \u0001, so the marker cannot collide with any real string content.
  return (text ?? "").replace(/"\\u0001FZRAW(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)] as string);
}

export type JsonType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

export function jsonTypeOf(value: unknown): JsonType | "undefined" {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (value instanceof RawJson) {
    const t = value.text.trimStart()[0];
    if (t === "[") return "array";
    if (t === "{") return "object";
    if (t === '"') return "string";
    return "number";
  }
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value as JsonType;
}

// ---------------------------------------------------------------------------------------------------------
// An independent JSON-schema check (the subset the routes use), to know which bodies must be refused

export interface JsonSchema {
  type?: string | readonly string[];
  enum?: readonly unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

/** Whether `value` (as JSON.parse gives it) satisfies `schema`, the way Ajv (no coercion) decides it. */
export function conforms(schema: JsonSchema, value: unknown): boolean {
  if (schema.anyOf !== undefined && !schema.anyOf.some((s) => conforms(s, value))) return false;
  if (schema.oneOf !== undefined && schema.oneOf.filter((s) => conforms(s, value)).length !== 1) return false;
  if (schema.type !== undefined) {
    const types = typeof schema.type === "string" ? [schema.type] : schema.type;
    if (!types.some((t) => typeMatches(t, value))) return false;
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => e === value)) return false;
  if (typeof value === "string") {
    // Ajv counts code points, not UTF-16 units.
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength) return false;
    if (schema.maxLength !== undefined && length > schema.maxLength) return false;
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) return false;
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) return false;
    if (schema.maximum !== undefined && value > schema.maximum) return false;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) return false;
    if (schema.maxItems !== undefined && value.length > schema.maxItems) return false;
    if (schema.items !== undefined && !value.every((v) => conforms(schema.items as JsonSchema, v)))
      return false;
  } else if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!Object.hasOwn(record, name)) return false;
    for (const [name, v] of Object.entries(record)) {
      const property = schema.properties?.[name];
      if (property !== undefined) {
        if (!conforms(property, v)) return false;
      } else if (schema.additionalProperties === false) return false;
      else if (typeof schema.additionalProperties === "object" && !conforms(schema.additionalProperties, v))
        return false;
    }
  }
  return true;
}

/** A body that satisfies `schema` built from its required properties, for routes without a model. */
export function sampleFromSchema(schema: JsonSchema | undefined): unknown {
  if (schema === undefined) return {};
  if (schema.enum !== undefined) return schema.enum[0];
  if (schema.anyOf?.[0] !== undefined) return sampleFromSchema(schema.anyOf[0]);
  const types =
    schema.type === undefined ? ["object"] : typeof schema.type === "string" ? [schema.type] : schema.type;
  const type = types.find((t) => t !== "null") ?? "null";
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const name of schema.required ?? []) out[name] = sampleFromSchema(schema.properties?.[name] ?? {});
      return out;
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => sampleFromSchema(schema.items));
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    case "string": {
      const text = "FZ0001".padEnd(schema.minLength ?? 0, "0");
      return schema.maxLength !== undefined ? text.slice(0, schema.maxLength) : text;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// What a model says about fields the route schema does not describe (a settlement record, say)

/** `typed_amount`: an amount a person types (calculator, donation): blanks around it are forgiven. */
export type FieldKind = "text" | "amount" | "typed_amount" | "datetime" | "date" | "object" | "array";

export interface FieldRule {
  /** Dotted path; `[]` stands for any array index, e.g. `record.feedetail[].det_item_fee_sumamt`. */
  readonly path: string;
  readonly kind: FieldKind;
  readonly required?: boolean;
  readonly maxLength?: number;
  /** Part of a sum the record is checked against (fund fields, totals): any change breaks it. */
  readonly sumChecked?: boolean;
}

export type Path = readonly (string | number)[];

export const patternOf = (path: Path): string =>
  path.map((p, i) => (typeof p === "number" ? "[]" : i === 0 ? p : `.${p}`)).join("");

export const KIND_TYPES: Record<FieldKind, readonly JsonType[]> = {
  // Text fields of a record may arrive as numbers (codes); amounts as yuan strings or JSON numbers.
  text: ["string", "integer", "number"],
  amount: ["string", "integer", "number"],
  typed_amount: ["string", "integer", "number"],
  datetime: ["string"],
  date: ["string"],
  object: ["object"],
  array: ["array"],
};

/** Every node of a JSON value (not the root), parents before children. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [];
  if (value instanceof RawJson || value === null || typeof value !== "object") return out;
  const entries: [string | number, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) {
    const p = [...prefix, k];
    out.push(p);
    out.push(...pathsOf(v, p));
  }
  return out;
}

export function getAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** A copy of `value` with the node at `path` replaced (`undefined` deletes it). */
export function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === undefined) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, replacement);
    return copy;
  }
  const copy = { ...(value as Record<string, unknown>) };
  if (rest.length === 0 && replacement === undefined) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string], rest, replacement);
  return copy;
}

// ---------------------------------------------------------------------------------------------------------
// Hostile values

export const NUL_STRINGS = ["\u0000", "a\u0000b", "\u0000\u0000\u0000"] as const;
export const CONTROL_STRINGS = [
  "\u0001\u0002\u001f",
  "\b\f\u000b",
  "\r\n",
  "\t",
  "\u007f",
  "\u0085",
  "\u2028\u2029",
];
export const SURROGATE_STRINGS = ["\ud800", "\udfff", "x\ud83d", "\udc00\ud800", "\ud83d\ude00\ud800"];
export const UNICODE_STRINGS = [
  "\ufeff",
  "\u202e\u200b",
  "\uffff\ufffe",
  "名字😀\u0301",
  "ＰＯＯ１",
  "İıſK",
  "١٢٣",
  "",
  " ",
  "   ",
];
export const SQL_STRINGS = [
  "' or '1'='1",
  "'; drop table claims; --",
  "1; select pg_sleep(10) --",
  "') union select password_hash, null from users --",
  "$$; select 1; $$",
  "\\'; \\\\",
  "%_%",
  "E'\\x00'",
  "$1::text",
  "/* */--",
  "NULL",
  "null",
];
export const MARKUP_STRINGS = [
  "<script>alert(1)</script>",
  // Template-injection probes: literal text, not a template.
  `$${"{"}7*7}{{7*7}}#{7*7}`,
  "%s%n%x%d",
  "../../../../etc/passwd",
  "=cmd|' /C calc'!A0",
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "__proto__",
  "constructor",
];
export const NUMERIC_STRINGS = [
  "0",
  "-0",
  "1e309",
  "NaN",
  "Infinity",
  "0x1F",
  "1_000",
  "９９",
  "+1",
  "00012.00",
];

export const BAD_AMOUNTS: readonly unknown[] = [
  "-0.01",
  "-1.00",
  "-1",
  "1.001",
  "0.005",
  "12.345",
  " 12.00",
  "12.00 ",
  "1 000.00",
  "12,000.00",
  "1e3",
  "0x10",
  "１００",
  "NaN",
  "Infinity",
  "--1",
  ". 5",
  "1.",
  ".5.",
  "99999999999.99",
  "100000000000000000000",
  -1,
  -0.01,
  0.001,
  12.345,
  1e21,
  0.30000000000000004,
  new RawJson("1e400"),
  new RawJson("-1e400"),
  new RawJson("9007199254740993"),
  new RawJson("1.0000000000000000000000001"),
];

export const BAD_DATETIMES = [
  "2023-02-30 10:00:00",
  "2023-13-01 10:00:00",
  "2023-10-10 25:00:00",
  "2023-10-10 10:61:00",
  "0000-01-01 00:00:00",
  "0000-10-10 10:00:00",
  "2099-01-01 00:00:00",
  "2023/10/10 10:00:00",
  "10/10/2023",
  "yesterday",
  "2023-10-10 10",
  "-001-10-10 10:00:00",
  "20231010100000",
] as const;

export const BAD_DATES = [
  "2023-02-30",
  "2023-13-01",
  "0000-01-01",
  "2023-00-10",
  "2023-1-1",
  "2023/10/10",
] as const;

/**
 * A fraction in [0, 1), uniform in value (fc.double is uniform over bit patterns, i.e. nearly always tiny):
 * which node of a body, which route, where to cut.
 */
export const unitFraction: fc.Arbitrary<number> = fc
  .integer({ min: 0, max: 2 ** 30 - 1 })
  .map((n) => n / 2 ** 30);

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUL_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...CONTROL_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...SURROGATE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...SQL_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...MARKUP_STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMERIC_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
);

/** Values of the wrong JSON type for nearly any field. */
const wrongTypeValue = fc.oneof(
  fc.constantFrom<unknown>(true, false, null, 0, -1, 1.5, [], {}, [1, "a"], { a: 1 }, ""),
  fc.constant({ __proto__: null, toString: "x" }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { minKeys: 1, maxKeys: 3 }),
);

const extremeNumber = fc.constantFrom(
  "1e400",
  "-1e400",
  "9007199254740993",
  "-9007199254740993",
  "123456789012345678901234567890",
  "1e-400",
  "-0",
  "0.1e1",
  "1.7976931348623157e308",
  "5e-324",
);

// ---------------------------------------------------------------------------------------------------------
// Mutations: plain data drawn by fast-check, applied to a valid request when it is sent

export type FieldAction =
  | { kind: "delete" }
  | { kind: "wrongType"; value: unknown }
  | { kind: "string"; value: string; how: "replace" | "prefix" | "suffix" | "middle" }
  | { kind: "amount"; value: unknown }
  | { kind: "perturb"; deltaFen: number }
  | { kind: "datetime"; value: string }
  | { kind: "number"; raw: string }
  | { kind: "huge"; size: number; char: string }
  | { kind: "deep"; depth: number; open: "[" | '{"a":' };

export type RawAction =
  | { kind: "truncate"; at: number; junk: string }
  | { kind: "invalidUtf8"; at: number; bytes: readonly number[] }
  | { kind: "bom" }
  | { kind: "duplicateKey"; value: unknown }
  | { kind: "trailing"; junk: string }
  | { kind: "empty"; text: string }
  | { kind: "topLevel"; value: unknown }
  | { kind: "deepTop"; depth: number; open: "[" | '{"a":' };

export type Mutation =
  | { op: "none" }
  | { op: "field"; at: number; action: FieldAction }
  | { op: "fields"; picks: { at: number; action: FieldAction }[] }
  | { op: "extra"; at: number; key: string; value: unknown }
  | { op: "semantic"; pick: number }
  | { op: "raw"; action: RawAction }
  | { op: "contentType"; type: string | null }
  | { op: "oversize"; bytes: number; overLimit: boolean };

const fieldAction: fc.Arbitrary<FieldAction> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "delete" as const }) },
  { weight: 3, arbitrary: wrongTypeValue.map((value) => ({ kind: "wrongType" as const, value })) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("string" as const),
      value: hostileString,
      how: fc.constantFrom("replace" as const, "prefix" as const, "suffix" as const, "middle" as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(...BAD_AMOUNTS).map((value) => ({ kind: "amount" as const, value })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100_000_000 }))
      .map((deltaFen) => ({ kind: "perturb" as const, deltaFen })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(...BAD_DATETIMES, ...BAD_DATES)
      .map((value) => ({ kind: "datetime" as const, value })),
  },
  { weight: 1, arbitrary: extremeNumber.map((raw) => ({ kind: "number" as const, raw })) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("huge" as const),
      size: fc.oneof(fc.integer({ min: 65, max: 300 }), fc.integer({ min: 1_000, max: 40_000 })),
      char: fc.constantFrom("x", "9", "名", "'", "\\"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deep" as const),
      depth: fc.oneof(fc.integer({ min: 2, max: 64 }), fc.integer({ min: 1_000, max: 20_000 })),
      open: fc.constantFrom("[" as const, '{"a":' as const),
    }),
  },
);

const rawAction: fc.Arbitrary<RawAction> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("truncate" as const),
      at: unitFraction,
      junk: fc.constantFrom("", "}", ",}", "'", "NaN", "/*", "\\x", "{", "]", '"', "\u0000"),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("invalidUtf8" as const),
      at: unitFraction,
      bytes: fc.constantFrom(
        [0xff],
        [0xc3, 0x28],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0xc0, 0x80],
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "bom" as const }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(hostileString, wrongTypeValue)
      .map((value) => ({ kind: "duplicateKey" as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom("x", " {}", ",", "\u0000", "}}", "\n\n{}", "// c")
      .map((junk) => ({ kind: "trailing" as const, junk })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("", " ", "\n\t ").map((text) => ({ kind: "empty" as const, text })),
  },
  {
    weight: 2,
    arbitrary: fc
      .oneof(
        fc.constantFrom<unknown>(null, 0, -1, true, "x", [], [{}], "\u0000"),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
      .map((value) => ({ kind: "topLevel" as const, value })),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deepTop" as const),
      depth: fc.oneof(fc.integer({ min: 100, max: 1_000 }), fc.integer({ min: 10_000, max: 200_000 })),
      open: fc.constantFrom("[" as const, '{"a":' as const),
    }),
  },
);

export const CONTENT_TYPES = [
  null,
  "text/plain",
  "text/plain; charset=utf-8",
  "text/csv",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=----fz",
  "application/xml",
  "application/vnd.api+json",
  "application/octet-stream",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/pdf",
  "image/png",
  "application/json; charset=utf-16",
  "APPLICATION/JSON",
  "application/json;;",
  "*/*",
  "application/jsonx",
] as const;

/** Content types Fastify's JSON parser takes (parameters and case do not matter). */
export function isJsonContentType(type: string | null): boolean {
  return type !== null && /^\s*application\/json\s*(;.*)?$/i.test(type);
}

const semanticPick = unitFraction;
const at = unitFraction;

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ op: "none" as const }) },
  { weight: 16, arbitrary: fc.record({ op: fc.constant("field" as const), at, action: fieldAction }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant("fields" as const),
      picks: fc.array(fc.record({ at, action: fieldAction }), { minLength: 2, maxLength: 4 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("extra" as const),
      at,
      key: fc.oneof(
        hostileString,
        fc.constantFrom(
          "__proto__",
          "constructor",
          "prototype",
          "fz_extra",
          "a".repeat(300),
          "$where",
          "role",
        ),
      ),
      value: fc.oneof(
        hostileString,
        wrongTypeValue,
        fc.constant({ role: "admin", isAdmin: true }),
        fc.constant({ polluted: "yes" }),
      ),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant("semantic" as const), pick: semanticPick }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("raw" as const), action: rawAction }) },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("contentType" as const),
      type: fc.constantFrom(...CONTENT_TYPES),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant("oversize" as const),
      bytes: fc.oneof(fc.integer({ min: 70_000, max: 900_000 }), fc.integer({ min: 1, max: 4_096 })),
      overLimit: fc.boolean(),
    }),
  },
);

/** Hostile path-parameter values (which parameter is drawn separately). */
export const pathValueArb: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.constantFrom(
    "",
    ".",
    "..",
    "%",
    "%2e%2e%2f",
    "a/b",
    "a?b=1",
    "a#b",
    "x".repeat(65),
    "9".repeat(101),
    "-1",
    "0",
  ),
  fc.string({ maxLength: 20 }),
);

/** encodeURIComponent, except that unpaired surrogates go out as the (invalid) bytes a raw client could send. */
export function encodePath(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    out +=
      code >= 0xd800 && code <= 0xdfff
        ? `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase()
        : encodeURIComponent(ch);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Sending within a deadline

export type Answer =
  | { kind: "answered"; res: LightMyRequestResponse; ms: number }
  | { kind: "timeout"; ms: number }
  | { kind: "thrown"; error: unknown; ms: number };

/** One request through the real server; a request not answered within `ms` is reported, not awaited. */
export async function injectWithin(
  app: FastifyInstance,
  options: InjectOptions,
  ms: number,
): Promise<Answer> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    const outcome = await Promise.race([app.inject(options), deadline]);
    const elapsed = performance.now() - start;
    if (outcome === "timeout") return { kind: "timeout", ms: elapsed };
    return { kind: "answered", res: outcome, ms: elapsed };
  } catch (error) {
    return { kind: "thrown", error, ms: performance.now() - start };
  } finally {
    clearTimeout(timer);
  }
}

export async function within<T>(work: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------------------
// What was stored: per-table row counts and an order-independent checksum (sum of row hashes)

/** Per table: rows and the sum of `hashtextextended(row::text, 0)` over them (as a decimal string). */
export type TableSums = Map<string, { rows: number; sum: bigint }>;

const CHANGES = "fuzz_changes";

const TRACKER_SQL = `
create table if not exists ${CHANGES} (
  tbl text not null, op text not null, rows integer not null, sum numeric not null, row_text text);
create or replace function fuzz_track() returns trigger language plpgsql as $fz$
begin
  if tg_op = 'INSERT' then
    insert into ${CHANGES} values (tg_table_name, 'I', 1, hashtextextended(new::text, 0), left(new::text, 400));
  elsif tg_op = 'DELETE' then
    insert into ${CHANGES} values (tg_table_name, 'D', -1, -hashtextextended(old::text, 0)::numeric, left(old::text, 400));
  elsif new::text is distinct from old::text then
    insert into ${CHANGES} values (tg_table_name, 'U', 0,
      hashtextextended(new::text, 0)::numeric - hashtextextended(old::text, 0)::numeric, left(new::text, 400));
  end if;
  return null;
end $fz$;
create or replace function fuzz_track_truncate() returns trigger language plpgsql as $fz$
begin
  insert into ${CHANGES} values (tg_table_name, 'T', 0, 0, null);
  return null;
end $fz$;`;

/** Plain tables of the schema (partitions included, partitioned parents not: their rows live in partitions). */
const TABLES_SQL = `select c.relname as name, c.oid::text as oid,
    exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'fuzz_track') as tracked
  from pg_class c
 where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname <> '${CHANGES}'
 order by c.relname`;

export interface RowChange {
  readonly table: string;
  readonly op: "I" | "D" | "U" | "T";
  readonly rows: number;
  readonly sum: bigint;
  readonly row: string | null;
}

/**
 * Row triggers on every table write what each committed statement changed into a side table; after each
 * request the test drains it. Rolled-back work leaves nothing there (the side table is transactional), and
 * an update that rewrites a row unchanged is no change. TRUNCATE and tables created later (a roster import
 * swaps partitions in) are not covered by row triggers: `relations()` notices those, and a full scan
 * (`tableSums`) settles what changed.
 */
export class ChangeTracker {
  constructor(private readonly db: Database) {}

  async install(): Promise<void> {
    await this.db.exec(TRACKER_SQL);
    await this.trackNewTables();
  }

  /** Adds the triggers to tables that do not have them yet (created since). */
  async trackNewTables(): Promise<string[]> {
    const tables = await this.db.query<{ name: string; tracked: boolean }>(TABLES_SQL);
    const added: string[] = [];
    for (const t of tables) {
      if (t.tracked) continue;
      await this.db.exec(
        `create trigger fuzz_track after insert or update or delete on "${t.name}" for each row execute function fuzz_track();
         create trigger fuzz_track_truncate after truncate on "${t.name}" for each statement execute function fuzz_track_truncate();`,
      );
      added.push(t.name);
    }
    return added;
  }

  /** The set of tables, as a fingerprint: changes when a table is created or dropped. */
  async relations(): Promise<string> {
    return (await this.drainWithRelations(false)).relations;
  }

  /** What was committed since the last drain. */
  async drain(): Promise<RowChange[]> {
    return (await this.drainWithRelations(true)).changes;
  }

  /**
   * Both in one round trip (it runs after every request); with `busy` (PostgreSQL), also the other
   * connections of this database that are not idle: after an answer, nothing may still be running or be
   * left inside a transaction.
   */
  async drainWithRelations(
    drain = true,
    busy = false,
  ): Promise<{ changes: RowChange[]; relations: string; busy: string | null }> {
    const rows = await this.db.query<{
      tbl: string | null;
      op: RowChange["op"] | null;
      rows: number | null;
      sum: string | null;
      row_text: string | null;
      relations: string | null;
      busy: string | null;
    }>(
      `with d as (${drain ? `delete from ${CHANGES} returning *` : `select * from ${CHANGES} where false`})
       select tbl, op, rows, sum::text as sum, row_text, null as relations, null as busy from d
       union all
       select null, null, null, null, null,
              (select count(*) || ':' || coalesce(sum(oid::int8), 0) from pg_class
                where relnamespace = current_schema()::regnamespace and relkind = 'r'),
              ${
                busy
                  ? `(select string_agg(state || ': ' || left(query, 120), ' | ') from pg_stat_activity
                      where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle')`
                  : "null"
              }`,
    );
    const changes: RowChange[] = [];
    let relations = "";
    let busyText: string | null = null;
    for (const r of rows) {
      if (r.relations !== null) {
        relations = r.relations;
        busyText = r.busy;
      } else
        changes.push({
          table: r.tbl as string,
          op: r.op as RowChange["op"],
          rows: Number(r.rows),
          sum: BigInt(r.sum as string),
          row: r.row_text,
        });
    }
    return { changes, relations, busy: busyText };
  }

  /** A full scan: rows and checksum of every table. */
  async tableSums(): Promise<TableSums> {
    const tables = await this.db.query<{ name: string }>(TABLES_SQL);
    const out: TableSums = new Map();
    if (tables.length === 0) return out;
    const sql = tables
      .map(
        (t) =>
          `select '${t.name}' as name, count(*)::int as rows, coalesce(sum(hashtextextended(x::text, 0)::numeric), 0)::text as sum from "${t.name}" x`,
      )
      .join(" union all ");
    for (const r of await this.db.query<{ name: string; rows: number; sum: string }>(sql))
      out.set(r.name, { rows: Number(r.rows), sum: BigInt(r.sum) });
    return out;
  }
}

/** Net effect of changes per table (rows added, checksum moved); tables with no net effect left out. */
export function netChanges(
  changes: readonly RowChange[],
): Map<string, { rows: number; sum: bigint; ops: string }> {
  const out = new Map<string, { rows: number; sum: bigint; ops: string }>();
  for (const c of changes) {
    const entry = out.get(c.table) ?? { rows: 0, sum: 0n, ops: "" };
    entry.rows += c.rows;
    entry.sum += c.sum;
    if (!entry.ops.includes(c.op)) entry.ops += c.op;
    out.set(c.table, entry);
  }
  for (const [table, e] of out) if (e.rows === 0 && e.sum === 0n && !e.ops.includes("T")) out.delete(table);
  return out;
}

/** `sums` with `changes` applied (what a full scan should show after them). */
export function applyChanges(sums: TableSums, changes: readonly RowChange[]): TableSums {
  const out: TableSums = new Map([...sums].map(([k, v]) => [k, { ...v }]));
  for (const c of changes) {
    const e = out.get(c.table) ?? { rows: 0, sum: 0n };
    e.rows += c.rows;
    e.sum += c.sum;
    out.set(c.table, e);
  }
  return out;
}

/** Tables whose rows or checksum differ between two full scans (a table absent on one side counts as empty). */
export function diffSums(before: TableSums, after: TableSums): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const out: string[] = [];
  for (const name of [...names].sort()) {
    const b = before.get(name) ?? { rows: 0, sum: 0n };
    const a = after.get(name) ?? { rows: 0, sum: 0n };
    if (b.rows !== a.rows || b.sum !== a.sum) out.push(`${name} rows ${b.rows}→${a.rows}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// A small deterministic random source for building valid bodies (fast-check draws the plan; this draws
// the details a model fills in from the current state)

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** A float in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Applying a mutation to a valid body

/** A valid request body as a model builds it, before mutation. */
export type BodySpec =
  | { kind: "json"; value: unknown }
  | { kind: "csv"; rows: string[][]; contentType?: string }
  | { kind: "bytes"; bytes: Buffer; contentType: string }
  | { kind: "none" };

export interface Mutated {
  readonly payload: string | Buffer | undefined;
  /** null: no content-type header. */
  readonly contentType: string | null;
  readonly label: string;
  /** For JSON bodies: the value the server's parser will see (undefined: no body or not JSON). */
  readonly parsed: { ok: true; value: unknown } | { ok: false } | undefined;
  /** The node a field mutation changed (JSON paths; for CSV [row, column]). */
  readonly path?: Path;
  readonly action?: FieldAction;
  /** For CSV bodies: the rows as sent. */
  readonly rows?: string[][];
}

const shortJson = (v: unknown): string => {
  if (v instanceof RawJson) return v.text.length > 40 ? `${v.text.slice(0, 40)}…(${v.text.length})` : v.text;
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…(${text.length})` : text;
};

export function describeAction(a: FieldAction): string {
  switch (a.kind) {
    case "delete":
      return "deleted";
    case "string":
      return `${a.how} ${shortJson(a.value)}`;
    case "perturb":
      return `+${a.deltaFen} fen`;
    case "number":
      return `number ${a.raw}`;
    case "huge":
      return `${a.size}×${JSON.stringify(a.char)}`;
    case "deep":
      return `nested ${a.depth} deep`;
    default:
      return `${a.kind} ${shortJson(a.value)}`;
  }
}

const YUAN_TEXT = /^\d{1,12}(\.\d{1,2})?$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}/;

function fenOf(text: string): number {
  const [whole, frac = ""] = text.split(".");
  return Number(whole) * 100 + Number(frac.padEnd(2, "0"));
}

export function yuanText(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** The value a field action puts in place of `current`. */
export function actionValue(action: FieldAction, current: unknown): unknown {
  switch (action.kind) {
    case "delete":
      return undefined;
    case "wrongType":
    case "amount":
      return action.value;
    case "datetime":
      return action.value;
    case "string": {
      if (action.how === "replace" || typeof current !== "string") return action.value;
      if (action.how === "prefix") return action.value + current;
      if (action.how === "suffix") return current + action.value;
      const mid = Math.floor(current.length / 2);
      return current.slice(0, mid) + action.value + current.slice(mid);
    }
    case "perturb": {
      if (typeof current === "string" && YUAN_TEXT.test(current))
        return yuanText(fenOf(current) + action.deltaFen);
      if (typeof current === "number") return Math.round(current * 100 + action.deltaFen) / 100;
      return yuanText(action.deltaFen);
    }
    case "number":
      return new RawJson(action.raw);
    case "huge":
      return action.char.repeat(action.size);
    case "deep": {
      const close = action.open === "[" ? "]" : "}";
      return new RawJson(`${action.open.repeat(action.depth)}1${close.repeat(action.depth)}`);
    }
  }
}

/** Which nodes an action is aimed at: amounts for amount actions, times for time actions, any otherwise. */
function candidates(
  paths: readonly Path[],
  value: unknown,
  action: FieldAction,
  kindOf: (pattern: string) => FieldKind | undefined,
): readonly Path[] {
  const leaf = (p: Path) => {
    const v = getAt(value, p);
    return v === null || typeof v !== "object";
  };
  let wanted: (p: Path) => boolean;
  switch (action.kind) {
    case "amount":
    case "perturb":
      wanted = (p) => {
        const v = getAt(value, p);
        return (
          ["amount", "typed_amount"].includes(kindOf(patternOf(p)) ?? "") ||
          (typeof v === "string" && YUAN_TEXT.test(v) && v.includes("."))
        );
      };
      break;
    case "datetime":
      wanted = (p) => {
        const k = kindOf(patternOf(p));
        const v = getAt(value, p);
        return k === "datetime" || k === "date" || (typeof v === "string" && DATE_TEXT.test(v));
      };
      break;
    case "string":
      wanted = (p) => typeof getAt(value, p) === "string";
      break;
    default:
      wanted = leaf;
  }
  const chosen = paths.filter(wanted);
  return chosen.length > 0 ? chosen : paths;
}

function parseText(text: string): Mutated["parsed"] {
  if (text.trim() === "") return undefined;
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Defines `key` as an own property even when it is `__proto__`. */
function withOwn(target: Record<string, unknown>, key: string, v: unknown): Record<string, unknown> {
  const copy = { ...target };
  Object.defineProperty(copy, key, { value: v, enumerable: true, configurable: true, writable: true });
  return copy;
}

function objectPaths(value: unknown): Path[] {
  const out: Path[] = [[]];
  for (const p of pathsOf(value)) {
    const v = getAt(value, p);
    if (v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof RawJson)) out.push(p);
  }
  return out;
}

function insertBytes(text: string, at: number, bytes: readonly number[]): Buffer {
  const buf = Buffer.from(text, "utf8");
  const cut = Math.floor(at * buf.length);
  return Buffer.concat([buf.subarray(0, cut), Buffer.from(bytes), buf.subarray(cut)]);
}

export interface JsonMutationContext {
  /** The model's field kinds by path pattern. */
  readonly kindOf: (pattern: string) => FieldKind | undefined;
  /** The model's own mutations (cross-field inconsistencies and the like). */
  readonly semantic: readonly { label: string; apply: (value: unknown) => unknown }[];
  /** How large an oversized body should get when it must exceed the limit. */
  readonly bodyLimit: number;
}

/** A JSON body with the mutation applied; `semanticIndex` says which model mutation ran (for the oracle). */
export function mutateJson(
  value: unknown,
  mutation: Mutation,
  context: JsonMutationContext,
): Mutated & { semanticIndex?: number } {
  const json = (v: unknown, label: string, extra: Partial<Mutated> = {}): Mutated => {
    const text = toJsonText(v);
    return { payload: text, contentType: "application/json", label, parsed: parseText(text), ...extra };
  };
  switch (mutation.op) {
    case "none":
      return json(value, "valid");
    case "field":
    case "fields": {
      const picks = mutation.op === "field" ? [{ at: mutation.at, action: mutation.action }] : mutation.picks;
      let v = value;
      const labels: string[] = [];
      let last: { path: Path; action: FieldAction } | undefined;
      for (const pick of picks) {
        const paths = pathsOf(v);
        if (paths.length === 0) break;
        const pool = candidates(paths, v, pick.action, context.kindOf);
        const path = pool[Math.floor(pick.at * pool.length)] as Path;
        v = setOwnAt(v, path, actionValue(pick.action, getAt(v, path)));
        labels.push(`${patternOf(path) || "(root)"} ${describeAction(pick.action)}`);
        last = { path, action: pick.action };
      }
      if (last === undefined) return json(value, "valid (no field to mutate)");
      return json(v, `field ${labels.join("; ")}`, mutation.op === "field" ? last : {});
    }
    case "extra": {
      const targets = objectPaths(value);
      const path = targets[Math.floor(mutation.at * targets.length)] as Path;
      const container = getAt(value, path) as Record<string, unknown>;
      const v = setOwnAt(value, path, withOwn(container ?? {}, mutation.key, mutation.value));
      return json(v, `extra ${patternOf([...path, mutation.key])} = ${shortJson(mutation.value)}`);
    }
    case "semantic": {
      if (context.semantic.length === 0) return json(value, "valid");
      const index = Math.floor(mutation.pick * context.semantic.length);
      const s = context.semantic[index] as JsonMutationContext["semantic"][number];
      return { ...json(s.apply(value), `semantic ${s.label}`), semanticIndex: index };
    }
    case "raw": {
      const text = toJsonText(value);
      const a = mutation.action;
      switch (a.kind) {
        case "truncate": {
          const t = text.slice(0, Math.floor(a.at * Math.max(0, text.length - 1))) + a.junk;
          return {
            payload: t,
            contentType: "application/json",
            label: `truncated + ${JSON.stringify(a.junk)}`,
            parsed: parseText(t),
          };
        }
        case "invalidUtf8": {
          const buf = insertBytes(text, a.at, a.bytes);
          return {
            payload: buf,
            contentType: "application/json",
            label: `invalid UTF-8 ${a.bytes.map((b) => b.toString(16)).join(" ")}`,
            parsed: parseText(buf.toString("utf8")),
          };
        }
        case "bom":
          return {
            payload: `\ufeff${text}`,
            contentType: "application/json",
            label: "BOM",
            parsed: parseText(`\ufeff${text}`),
          };
        case "duplicateKey": {
          const keys =
            value !== null && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : [];
          if (keys.length === 0 || !text.endsWith("}")) return json(value, "valid");
          const key = keys[0] as string;
          const t = `${text.slice(0, -1)},${JSON.stringify(key)}:${toJsonText(a.value)}}`;
          return {
            payload: t,
            contentType: "application/json",
            label: `duplicate key ${key} = ${shortJson(a.value)}`,
            parsed: parseText(t),
            path: [key],
          };
        }
        case "trailing":
          return {
            payload: text + a.junk,
            contentType: "application/json",
            label: `trailing ${JSON.stringify(a.junk)}`,
            parsed: parseText(text + a.junk),
          };
        case "empty":
          return {
            payload: a.text,
            contentType: "application/json",
            label: `empty body ${JSON.stringify(a.text)}`,
            parsed: undefined,
          };
        case "topLevel":
          return json(a.value, `top-level ${shortJson(a.value)}`);
        case "deepTop": {
          const close = a.open === "[" ? "]" : "}";
          const t = `${a.open.repeat(a.depth)}1${close.repeat(a.depth)}`;
          return {
            payload: t,
            contentType: "application/json",
            label: `top-level nested ${a.depth} deep`,
            parsed: parseText(t),
          };
        }
      }
      break;
    }
    case "contentType": {
      const text = toJsonText(value);
      return {
        payload: text,
        contentType: mutation.type,
        label: `content-type ${mutation.type ?? "(none)"}`,
        parsed: isJsonContentType(mutation.type) ? parseText(text) : undefined,
      };
    }
    case "oversize": {
      const size = mutation.overLimit
        ? context.bodyLimit + mutation.bytes
        : Math.min(mutation.bytes, context.bodyLimit - 4_096);
      if (value === null || typeof value !== "object" || Array.isArray(value)) return json(value, "valid");
      const padded = withOwn(value as Record<string, unknown>, "fz_padding", "x".repeat(Math.max(0, size)));
      return json(padded, `${mutation.overLimit ? "over the limit" : "large"}: ${size} bytes of padding`);
    }
  }
  return json(value, "valid");
}

/** setAt that creates own properties even for `__proto__`. */
export function setOwnAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) return setAt(value, path, replacement);
  const record = (value ?? {}) as Record<string, unknown>;
  if (rest.length === 0 && replacement === undefined) {
    const copy = { ...record };
    delete copy[head as string];
    return copy;
  }
  return withOwn(record, head as string, setOwnAt(record[head as string], rest, replacement));
}

const csvCell = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
export const csvText = (rows: readonly (readonly string[])[]) =>
  `${rows.map((r) => r.map(csvCell).join(",")).join("\n")}\n`;

/** A CSV body with the mutation applied to a cell (data rows only), the rows, or the text. */
export function mutateCsv(
  rows: string[][],
  mutation: Mutation,
  contentType: string,
  bodyLimit: number,
): Mutated {
  const text = (r: string[][], label: string, extra: Partial<Mutated> = {}): Mutated => ({
    payload: csvText(r),
    contentType,
    label,
    parsed: undefined,
    rows: r,
    ...extra,
  });
  const cells: Path[] = [];
  for (const [i, r] of rows.entries()) if (i > 0) for (const j of r.keys()) cells.push([i, j]);
  const copy = () => rows.map((r) => [...r]);
  switch (mutation.op) {
    case "none":
    case "semantic":
      return text(rows, "valid");
    case "field":
    case "fields": {
      const picks = mutation.op === "field" ? [{ at: mutation.at, action: mutation.action }] : mutation.picks;
      const r = copy();
      const labels: string[] = [];
      let last: { path: Path; action: FieldAction } | undefined;
      for (const pick of picks) {
        if (cells.length === 0) break;
        const [i, j] = cells[Math.floor(pick.at * cells.length)] as [number, number];
        const row = r[i] as string[];
        const v = actionValue(pick.action, row[j]);
        if (v === undefined) row.splice(j, 1);
        else row[j] = v instanceof RawJson ? v.text : typeof v === "string" ? v : (JSON.stringify(v) ?? "");
        labels.push(`line ${i + 1} column ${(rows[0] as string[])[j] ?? j} ${describeAction(pick.action)}`);
        last = { path: [i, j], action: pick.action };
      }
      return text(r, `cell ${labels.join("; ")}`, mutation.op === "field" && last !== undefined ? last : {});
    }
    case "extra": {
      const r = copy();
      const i = Math.floor(mutation.at * r.length);
      (r[i] as string[]).push(mutation.key);
      return text(r, `extra column on line ${i + 1}`);
    }
    case "raw": {
      const t = csvText(rows);
      const a = mutation.action;
      const raw = (payload: string | Buffer, label: string): Mutated => ({
        payload,
        contentType,
        label,
        parsed: undefined,
      });
      switch (a.kind) {
        case "truncate":
          return raw(
            t.slice(0, Math.floor(a.at * Math.max(0, t.length - 1))) + a.junk,
            `truncated + ${JSON.stringify(a.junk)}`,
          );
        case "invalidUtf8":
          return raw(insertBytes(t, a.at, a.bytes), "invalid UTF-8");
        case "bom":
          return raw(`\ufeff${t}`, "BOM");
        case "duplicateKey": {
          const r = copy();
          (r[0] as string[]).push((r[0] as string[])[0] as string);
          return text(r, "duplicate header column");
        }
        case "trailing":
          return raw(t + a.junk, `trailing ${JSON.stringify(a.junk)}`);
        case "empty":
          return raw(a.text, `empty body ${JSON.stringify(a.text)}`);
        case "topLevel":
          return raw(toJsonText(a.value), `JSON ${shortJson(a.value)} as CSV`);
        case "deepTop":
          return raw(`"${"x,".repeat(Math.min(a.depth, 100_000))}`, "one unterminated quoted field");
      }
      break;
    }
    case "contentType":
      return {
        payload: csvText(rows),
        contentType: mutation.type,
        label: `content-type ${mutation.type ?? "(none)"}`,
        parsed: undefined,
      };
    case "oversize": {
      const r = copy();
      const size = Math.min(mutation.bytes * 8, bodyLimit - 4_096);
      (r[1] as string[])[2] = "名".repeat(Math.floor(size / 3));
      return text(r, `line 2 psn_name ${size} bytes`);
    }
  }
  return text(rows, "valid");
}

/** A binary body (a scanned document, a spreadsheet) with the mutation applied to its bytes or its type. */
export function mutateBytes(
  bytes: Buffer,
  contentType: string,
  mutation: Mutation,
  bodyLimit: number,
): Mutated {
  const out = (payload: Buffer, label: string, type: string | null = contentType): Mutated => ({
    payload,
    contentType: type,
    label,
    parsed: undefined,
  });
  switch (mutation.op) {
    case "field":
    case "fields": {
      const copy = Buffer.from(bytes);
      const picks = mutation.op === "field" ? [mutation] : mutation.picks;
      for (const p of picks) {
        const i = Math.floor(p.at * copy.length);
        copy[i] = ((copy[i] ?? 0) ^ 0xff) & 0xff;
      }
      return out(copy, `${picks.length} byte(s) flipped`);
    }
    case "extra":
      return out(Buffer.concat([bytes, Buffer.from(mutation.key)]), "bytes appended");
    case "raw": {
      const a = mutation.action;
      switch (a.kind) {
        case "truncate":
          return out(
            bytes.subarray(0, Math.floor(a.at * bytes.length)),
            `truncated to ${Math.floor(a.at * bytes.length)} bytes`,
          );
        case "empty":
          return out(Buffer.alloc(0), "empty body");
        case "invalidUtf8":
          return out(Buffer.concat([Buffer.from(a.bytes), bytes]), "junk prefix");
        case "topLevel":
          return out(Buffer.from(toJsonText(a.value)), `JSON ${shortJson(a.value)} as a file`);
        default:
          return out(Buffer.from(bytes).reverse(), "bytes reversed");
      }
    }
    case "contentType":
      return out(bytes, `content-type ${mutation.type ?? "(none)"}`, mutation.type);
    case "oversize": {
      const size = mutation.overLimit
        ? bodyLimit + mutation.bytes
        : Math.min(mutation.bytes * 4, bodyLimit - 1);
      return out(
        Buffer.concat([bytes, Buffer.alloc(Math.max(0, size - bytes.length), 0x20)]),
        `${size} bytes`,
      );
    }
    default:
      return out(bytes, "valid");
  }
}
