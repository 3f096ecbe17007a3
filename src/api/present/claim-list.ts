/** 理赔清单 on the wire: fen → yuan strings (the service keeps integer fen). */
import type { ClaimListPage } from "../../contract/claim-list.js";
import { formatYuan } from "../../domain/money.js";
import type { ClaimListItem } from "../../services/claims/list.js";

export function presentClaimListPage(p: {
  items: ClaimListItem[];
  total: number;
  page: number;
  page_size: number;
}): ClaimListPage {
  return {
    ...p,
    items: p.items.map(({ hmb_pay_fen, psn_part_amt_fen, ...c }) => ({
      ...c,
      hmb_pay: formatYuan(hmb_pay_fen),
      psn_part_amt: formatYuan(psn_part_amt_fen),
    })),
  };
}
