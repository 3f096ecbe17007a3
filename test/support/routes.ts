/**
 * The server's own route table, for tests that must cover every route (the role × route matrix). Fastify
 * has no public list of routes with their config, so tests install an onRoute hook on every instance
 * `fastify()` creates: call `vi.mock("fastify", wrapFastifyModule)` in the test file, then read
 * `collectedRoutes`. Nothing in src/ changes.
 */
import type { FastifyInstance, RouteOptions } from "fastify";

export interface CollectedRoute {
  readonly method: string;
  readonly url: string;
  readonly roles: readonly string[] | undefined;
  readonly signed: boolean;
  /** Path parameters, in order (`:program_id`, …). */
  readonly params: readonly string[];
  /** Query-string fields the route's schema declares. */
  readonly query: readonly string[];
  /** Field names anywhere in the route's body schema (nested objects and array items included). */
  readonly body: readonly string[];
}

export const collectedRoutes: CollectedRoute[] = [];

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

/** Every property name a JSON schema declares, at any depth. */
function fieldNames(schema: JsonSchema | undefined, into = new Set<string>()): Set<string> {
  if (schema === undefined || schema === null || typeof schema !== "object") return into;
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    into.add(name);
    fieldNames(sub, into);
  }
  fieldNames(schema.items, into);
  return into;
}

function collect(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const config = (route.config ?? {}) as { roles?: readonly string[]; signed?: boolean };
  const schema = (route.schema ?? {}) as { querystring?: JsonSchema; body?: JsonSchema };
  const params = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
  for (const method of methods) {
    if (method === "HEAD" || method === "OPTIONS") continue; // generated alongside GET; same handler and hooks
    collectedRoutes.push({
      method,
      url: route.url,
      roles: config.roles,
      signed: config.signed === true,
      params,
      query: [...fieldNames(schema.querystring)],
      body: [...fieldNames(schema.body)],
    });
  }
}

/** The factory for `vi.mock("fastify", …)`: the real module, with every new instance collecting its routes. */
export async function wrapFastifyModule(importOriginal: () => Promise<unknown>) {
  const original = (await importOriginal()) as { default: (...args: unknown[]) => FastifyInstance };
  const real = original.default;
  const wrapped = Object.assign((...args: unknown[]) => {
    const app = real(...args);
    app.addHook("onRoute", collect);
    return app;
  }, real);
  return { ...original, default: wrapped, fastify: wrapped };
}
