/**
 * Vitest global setup: build the CLI and server once, before any test file starts, when the build is older
 * than its sources. Test files then find it fresh (`buildCli` returns at once) instead of each running
 * `npm run build` side by side.
 */
import { buildCli } from "./cli.js";

export default function setup(): void {
  buildCli();
}
