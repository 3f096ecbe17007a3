/**
 * Which providers serve a platform: one for cash, one for the personal account. Without configuration the
 * sandbox providers serve both, except when NODE_ENV=production (then cash and personal-account payment are
 * unavailable until a real gateway is configured with configureGateways).
 */
import type { PlatformContext } from "../context.js";
import type { PaymentGateway } from "./gateway.js";
import { SandboxGateway } from "./sandbox.js";

export interface Gateways {
  readonly cash: PaymentGateway | undefined;
  readonly personalAccount: PaymentGateway | undefined;
}

// Keyed by the database so contexts sharing it (e.g. with another business clock) share providers.
const registry = new WeakMap<object, Gateways>();

export function configureGateways(ctx: PlatformContext, gateways: Gateways): void {
  registry.set(ctx.db, gateways);
}

export function gatewaysOf(ctx: PlatformContext): Gateways {
  let g = registry.get(ctx.db);
  if (g === undefined) {
    const sandboxAllowed =
      process.env.NODE_ENV !== "production" &&
      (process.env.HMB_PAYMENT_GATEWAY === undefined ||
        process.env.HMB_PAYMENT_GATEWAY === "" ||
        process.env.HMB_PAYMENT_GATEWAY === "sandbox");
    g = sandboxAllowed
      ? { cash: new SandboxGateway("sandbox"), personalAccount: new SandboxGateway("sandbox-medicare") }
      : { cash: undefined, personalAccount: undefined };
    registry.set(ctx.db, g);
  }
  return g;
}

export function gatewayByProvider(ctx: PlatformContext, provider: string): PaymentGateway | undefined {
  const g = gatewaysOf(ctx);
  if (g.cash?.provider === provider) return g.cash;
  if (g.personalAccount?.provider === provider) return g.personalAccount;
  return undefined;
}

export function sandboxActive(ctx: PlatformContext): boolean {
  const g = gatewaysOf(ctx);
  return g.cash?.sandbox === true || g.personalAccount?.sandbox === true;
}
