import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Vitest's default is one worker per core less one: on the 2-core CI machine, one file at a time. Most files
    // wait on PostgreSQL, a child process or Chromium, so two at a time use the cores instead of idling them.
    maxWorkers: 2,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
