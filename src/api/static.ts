/**
 * The built front ends (web/, built by `npm run build` into dist/web): the resident H5 at `/`, the console
 * at `/console`. Client-side routes fall back to their app's index.html; `/api`, `/docs` and `/healthz`
 * keep their own 404s (JSON). Hashed assets are cached for a year, HTML never.
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/** The build: dist/web beside the compiled server (dist/src/api) or beside the sources (src/api). */
export function webRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const top = resolve(here, "../..");
  // Compiled: <root>/dist/src/api → <root>/dist/web. Sources: <root>/src/api → <root>/dist/web (never
  // <root>/web, which holds the sources of the front ends).
  const built = basename(top) === "dist" ? join(top, "web") : join(top, "dist", "web");
  const candidates = [env.HMB_WEB_DIR, built].filter((c): c is string => c !== undefined && c !== "");
  return candidates.find((c) => existsSync(join(c, "index.html")));
}

const NOT_BUILT = `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>惠民保</title>
<p>前端尚未构建：请在项目目录运行 <code>npm run build</code> 后重启服务。The front ends are not built: run <code>npm run build</code>.</p>
<p>API：<a href="/docs">/docs</a></p></html>`;

/** Paths that belong to the API side: never answered with an HTML page. */
const API_PREFIXES = ["/api", "/docs", "/healthz"];

export async function installWeb(app: FastifyInstance, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const root = webRoot(env);
  if (root !== undefined) {
    await app.register(fastifyStatic, { root, serve: false });
  }

  const page = (reply: FastifyReply, file: string) =>
    reply.header("cache-control", "no-cache").sendFile(file, { cacheControl: false });

  app.get("/*", { schema: { hide: true } }, async (request, reply) => {
    let path: string;
    try {
      path = decodeURIComponent(request.url.split("?")[0] ?? "/");
    } catch {
      return reply.callNotFound(); // malformed percent-encoding: no such file, and not a 500
    }
    if (API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) {
      return reply.callNotFound();
    }
    if (root === undefined) return reply.status(503).type("text/html; charset=utf-8").send(NOT_BUILT);
    const relative = normalize(path).replace(/^([/\\])+/, "");
    const file = resolve(root, relative);
    if (relative !== "" && file.startsWith(root + sep) && isFile(file)) {
      if (relative.startsWith(`assets${sep}`)) {
        return reply.sendFile(relative, { maxAge: 365 * 24 * 3600 * 1000, immutable: true });
      }
      return relative.endsWith(".html") ? page(reply, relative) : reply.sendFile(relative);
    }
    // A missing asset is a 404, not the app's HTML (a stale tab asking for an old bundle must see it fail).
    if (/\.[a-z0-9]{1,8}$/i.test(path) && !path.endsWith(".html")) return reply.callNotFound();
    if (path === "/console" || path.startsWith("/console/"))
      return page(reply, join("console", "index.html"));
    return page(reply, "index.html");
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
