/** The program's product sheet, fetched once per page load and shared by the pages that show it. */
import { api, currentProgram } from "../shared/api.js";
import type { ProductSheet } from "../shared/types.js";

let cached: Promise<ProductSheet> | undefined;

export function loadProduct(): Promise<ProductSheet> {
  if (cached === undefined) {
    cached = api<ProductSheet>("GET", `/api/v1/programs/${currentProgram()}/product`);
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

export const programPath = (rest: string) => `/api/v1/programs/${currentProgram()}${rest}`;
