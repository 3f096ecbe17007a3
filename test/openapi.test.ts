/**
 * The OpenAPI at /docs/json is complete (issue 11): a hospital integrates from it without reading code.
 * Every operation documents a 2xx answer (a JSON schema, or the content type of a file), every write its
 * request body — or declares `x-no-body: true` (src/contract/json-schema.ts NO_BODY) —, every 4xx refers to
 * the one error schema, and the settlement and special-drug routes name every national field (setlinfo and
 * feedetail, DESIGN.md §3 and §10) with its Chinese meaning and an example. Offenders are listed by name.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/api/server.js";
import { ERROR_SCHEMA_ID } from "../src/contract/json-schema.js";
import { FEE_DETAIL_FIELDS, SETTLEMENT_FIELDS } from "../src/domain/settlement.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";

interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
}
interface Media {
  schema?: Schema;
}
interface Operation {
  requestBody?: { content?: Record<string, Media> };
  responses?: Record<string, { description?: string; content?: Record<string, Media> }>;
  "x-no-body"?: boolean;
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, Schema> };
}

const WRITES = new Set(["post", "put", "patch", "delete"]);
const METHODS = new Set(["get", "head", ...WRITES]);
const ERROR_COMPONENT = `#/components/schemas/${ERROR_SCHEMA_ID}`;

/** Routes whose request body is a settlement record: every national field is documented there. */
const RECORD_ROUTES = [
  "POST /api/v1/programs/{program_id}/settlements",
  "POST /api/v1/programs/{program_id}/special-drug-claims",
];

/** A schema that says something: not `{}` (any JSON) and not a bare object with nothing declared. */
function describes(schema: Schema | undefined): boolean {
  if (schema === undefined || schema === null) return false;
  return Object.keys(schema).some((k) => k !== "description" && k !== "title");
}

function operations(doc: OpenApi): [string, Operation][] {
  const out: [string, Operation][] = [];
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      if (METHODS.has(method)) out.push([`${method.toUpperCase()} ${path}`, op]);
  return out;
}

/** The offenders of the rules above, one line each. */
const SWAGGER_PLACEHOLDER = "Default Response";

function undocumented(doc: OpenApi): string[] {
  const offenders: string[] = [];
  for (const [name, op] of operations(doc)) {
    const responses = op.responses ?? {};
    const ok = Object.entries(responses).filter(([status]) => /^2\d\d$/.test(status));
    const documented = ok.some(([, r]) =>
      Object.entries(r.content ?? {}).some(([type, media]) =>
        type.includes("json") ? describes(media.schema) : true,
      ),
    );
    if (!documented) offenders.push(`${name}: no 2xx response schema or file content type`);
    // @fastify/swagger's English placeholder when a route says nothing of its answer.
    for (const [status, r] of ok)
      if (r.description === undefined || r.description === SWAGGER_PLACEHOLDER)
        offenders.push(`${name}: ${status} has no description of its own`);
    const method = name.split(" ")[0]?.toLowerCase() ?? "";
    if (WRITES.has(method)) {
      const body = op.requestBody?.content;
      const hasBody = body !== undefined && Object.values(body).some((m) => describes(m.schema));
      if (!hasBody && op["x-no-body"] !== true)
        offenders.push(`${name}: a write without a request body schema (or x-no-body: true)`);
      if (hasBody && op["x-no-body"] === true) offenders.push(`${name}: x-no-body yet a request body`);
    }
    for (const [status, r] of Object.entries(responses)) {
      if (!/^4\d\d$/.test(status)) continue;
      const refs = Object.values(r.content ?? {}).map((m) => m.schema?.$ref);
      if (refs.length === 0 || refs.some((ref) => ref !== ERROR_COMPONENT))
        offenders.push(`${name}: ${status} does not reference ${ERROR_COMPONENT}`);
    }
  }
  return offenders;
}

/** Fields of a record body (a settlement record itself, or one nested under `record`) lacking meaning or example. */
function undescribedRecordFields(doc: OpenApi, route: string): string[] {
  const [method, path] = route.split(" ") as [string, string];
  const op = doc.paths[path]?.[method.toLowerCase()];
  const sent = op?.requestBody?.content?.["application/json"]?.schema;
  // A special-drug claim nests the record under `record` (with its prescription beside it).
  const body = sent?.properties?.record ?? sent;
  if (body?.properties === undefined) return [`${route}: no documented request body`];
  const missing: string[] = [];
  const check = (where: string, schema: Schema | undefined) => {
    if (schema === undefined) missing.push(`${route}: ${where} is not documented`);
    else if (!schema.description || schema.example === undefined)
      missing.push(`${route}: ${where} lacks ${!schema.description ? "description" : "example"}`);
  };
  for (const field of SETTLEMENT_FIELDS) check(field, body.properties[field]);
  const item = body.properties.feedetail?.items;
  for (const field of FEE_DETAIL_FIELDS) check(`feedetail[].${field}`, item?.properties?.[field]);
  return missing;
}

describe.each(BACKENDS)("the OpenAPI document on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let doc: OpenApi;

  beforeAll(async () => {
    platform = await openTestPlatform(backend);
    // Docs explicitly public: the default is off in production (api/security.ts HMB_DOCS).
    app = await buildServer(platform.ctx, { env: { HMB_DOCS: "public" } });
    const res = await app.inject({ method: "GET", url: "/docs/json" });
    expect(res.statusCode).toBe(200);
    doc = res.json() as OpenApi;
  });

  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  it("documents the error body once, as a component", () => {
    const error = doc.components.schemas?.[ERROR_SCHEMA_ID];
    expect(error?.properties?.error?.properties && Object.keys(error.properties.error.properties)).toEqual([
      "code",
      "message",
      "field",
    ]);
  });

  it("documents every operation's answer, every write's body, and refers every 4xx to the error schema", () => {
    expect(operations(doc).length).toBeGreaterThan(60);
    expect(undocumented(doc)).toEqual([]);
  });

  it.each(RECORD_ROUTES)(
    "%s names every setlinfo and feedetail field with its meaning and an example",
    (route) => {
      expect(undescribedRecordFields(doc, route)).toEqual([]);
    },
  );

  it("notices what it checks: an undocumented answer, a bodiless write and a private 4xx are offenders", () => {
    const broken: OpenApi = {
      components: {},
      paths: {
        "/x": {
          post: {
            responses: { "200": { description: "成功", content: { "application/json": { schema: {} } } } },
          },
          put: {
            "x-no-body": true,
            responses: {
              "200": { description: "Default Response", content: { "text/csv": {} } },
              "404": { content: { "application/json": { schema: { type: "object" } } } },
            },
          },
        },
      },
    };
    expect(undocumented(broken)).toEqual([
      "POST /x: no 2xx response schema or file content type",
      "POST /x: a write without a request body schema (or x-no-body: true)",
      "PUT /x: 200 has no description of its own",
      `PUT /x: 404 does not reference ${ERROR_COMPONENT}`,
    ]);
  });
});
