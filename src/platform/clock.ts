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

/**
 * A pinned clock an operator may move forward, as restarting the server with a later HMB_NOW would: tests
 * enroll inside the window, then move into the coverage year before the hospitals settle its stays.
 */
export interface MovableClock extends Clock {
  set(at: Date | string): void;
}

export function movableClock(at: Date | string): MovableClock {
  let ms = new Date(at).getTime();
  return {
    now: () => new Date(ms),
    set(next) {
      const n = new Date(next).getTime();
      if (Number.isNaN(n)) throw new Error(`not a time: ${String(next)}`);
      ms = n;
    },
  };
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
