/**
 * The platform's business clock. HMB_NOW=<ISO 8601> pins it for demos, replays and tests (enrollment
 * windows, effective dates, refunds), in the CLI and the server alike; refused when NODE_ENV=production.
 * Request-signature freshness never uses this clock: see api/auth.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

export function businessClockFromEnv(env: NodeJS.ProcessEnv = process.env): Clock {
  const pinned = env.HMB_NOW;
  if (pinned === undefined || pinned === "") return systemClock;
  if (env.NODE_ENV === "production") throw new Error("HMB_NOW is refused when NODE_ENV=production");
  const ms = Date.parse(pinned);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(pinned)) {
    throw new Error(`HMB_NOW must be an ISO 8601 time such as 2023-08-01T10:00:00+08:00, got ${pinned}`);
  }
  return fixedClock(new Date(ms));
}
