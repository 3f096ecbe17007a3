/**
 * Issue 14, finding 6: `hmb serve` on a busy port says so at once, in one Chinese line, and exits non-zero —
 * it used to open the database and seed the demo for ~20 s before failing with EADDRINUSE.
 */
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertPortFree, serve } from "../src/cli/platform-commands.js";

describe("hmb serve: port check", () => {
  let busy: Server;
  let port: number;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((ok) => busy.listen({ port: 0, host: "127.0.0.1" }, ok));
    port = (busy.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((ok) => busy.close(() => ok()));
  });

  it("refuses a busy port with one Chinese line naming it", async () => {
    const started = Date.now();
    const refusal = await assertPortFree(port, "127.0.0.1").then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(refusal).toBe(`端口 ${port} 已被占用（127.0.0.1）：请先停止占用它的程序，或用 --port 换一个端口`);
    expect(refusal).not.toContain("\n");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("serve --demo on the busy port fails at once, before opening the database or seeding", async () => {
    const started = Date.now();
    const savedNow = process.env.HMB_NOW;
    await expect(serve(port, "127.0.0.1", { demo: true })).rejects.toThrow(`端口 ${port} 已被占用`);
    // Seeding took ~20 s before; opening the data directory alone takes seconds.
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(process.env.HMB_NOW).toBe(savedNow);
  });

  it("passes a free port, and leaves it free", async () => {
    const free = createServer();
    await new Promise<void>((ok) => free.listen({ port: 0, host: "127.0.0.1" }, ok));
    const freePort = (free.address() as { port: number }).port;
    await new Promise<void>((ok) => free.close(() => ok()));
    await expect(assertPortFree(freePort, "127.0.0.1")).resolves.toBeUndefined();
    await expect(assertPortFree(freePort, "127.0.0.1")).resolves.toBeUndefined();
  });
});
