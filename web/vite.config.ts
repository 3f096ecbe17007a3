/**
 * Two front ends, one multi-page build: the resident H5 (index.html, served at /) and the console
 * (console/index.html, served at /console). Output: dist/web, served by the API server (src/api/static.ts).
 * `npx vite --config web/vite.config.ts` serves them in development, proxying /api to `hmb serve` on :3000.
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here("."),
  base: "/",
  plugins: [react()],
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
