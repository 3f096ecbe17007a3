/**
 * The promotion code (推广码) a resident arrived with (`/?program=…&promo=K7MQ2XHD`, the QR code on a poster):
 * kept for this browser session and sent with the eligibility check and the enrollment, so the channel is
 * credited through to payment. The landing counts one visit. A code names a channel, never a person.
 */
import { api } from "../shared/api.js";
import { programPath } from "./product.js";

const KEY = "hmb.promo";
const CODE = /^[A-HJ-NP-Z2-9]{8}$/;

/** Called once when the H5 loads: a code in the address is remembered and its visit counted. */
export function capturePromo(): void {
  const code = new URLSearchParams(window.location.search).get("promo");
  if (code === null || !CODE.test(code)) return;
  sessionStorage.setItem(KEY, code);
  // A stale poster (disabled code) is forgotten: the enrollment would otherwise be refused for it.
  api("POST", programPath(`/promotions/${code}/visits`)).catch(() => sessionStorage.removeItem(KEY));
}

/** `{ promo_code }` to spread into a request body, or nothing. */
export function promoField(): { promo_code?: string } {
  const code = sessionStorage.getItem(KEY);
  return code !== null && CODE.test(code) ? { promo_code: code } : {};
}
