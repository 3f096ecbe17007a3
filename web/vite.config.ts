/**
 * Two front ends, one multi-page build: the resident H5 (index.html, served at /) and the console
 * (console/index.html, served at /console). Output: dist/web, served by the API server (src/api/static.ts).
 * `npx vite --config web/vite.config.ts` serves them in development, proxying /api to `hmb serve` on :3000.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * The front ends share the server's wire types (web/src/shared/types.ts imports them from src/contract) as
 * `import type` only, which the compiler erases: no server module — not even src/contract and its zod — may
 * reach the bundle. Only src/domain, pure by the layering rule (no I/O, no Node), may be shared at run time
 * (web/src/shared/format.ts uses domain/time). Any other value import from src/ fails the build here instead
 * of shipping server code.
 */
const serverCode = here("../src/");
const sharedDomain = here("../src/domain/");
const typesOnlyFromServer: Plugin = {
  name: "hmb-types-only-from-server",
  enforce: "pre",
  load(id) {
    if (id.startsWith(serverCode) && !id.startsWith(sharedDomain))
      this.error(`web 只能以 import type 引用服务端代码（src/contract 的类型），不能打包 ${id}`);
  },
};

export default defineConfig({
  root: here("."),
  base: "/",
  plugins: [typesOnlyFromServer, react()],
  build: {
    outDir: here("../dist/web"),
    emptyOutDir: true,
    // antd and echarts are large; the console loads them once and caches the hashed files for a year.
    chunkSizeWarningLimit: 2500,
    rollupOptions: {
      input: { resident: here("index.html"), console: here("console/index.html") },
    },
  },
  server: { proxy: { "/api": "http://127.0.0.1:3000" } },
});
