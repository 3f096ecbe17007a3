/**
 * `hmb demo` (what `npm start` runs until the server lands): a handful of 文山惠民保 2023 residents'
 * hospital stays, adjudicated by the real engine and printed the way a resident would read them.
 */
import type { Command } from "commander";
import { makeCertno } from "../domain/certno.js";
import { formatYuan } from "../domain/money.js";
import { AdjudicationBatch } from "../engine/batch.js";
import { compilePlan } from "../engine/compile.js";
import { explainAdjudication, explainLine } from "../engine/explain.js";
import { getProduct } from "../products/index.js";

interface Stay {
  story: string;
  psnNo: string;
  setlId: string;
  time: string;
  medType: string;
  region: string;
  diagnosis: string;
  inScope: number; // yuan
  outOfScope: number; // yuan
  funds: number; // yuan paid by basic insurance and its layers
  items?: { code: string; amount: number }[];
  institution?: string;
}

const STAYS: Stay[] = [
  {
    story: "王女士，脑梗死住院，医保报销后自付 5 万、自费 1 万",
    psnNo: "DEMO001",
    setlId: "DEMO-S-001",
    time: "2023-10-12 09:30:00",
    medType: "21",
    region: "532621",
    diagnosis: "I63.900",
    inScope: 50_000,
    outOfScope: 10_000,
    funds: 140_000,
  },
  {
    story: "王女士，同年再次住院：免赔额已扣满，直接按比例赔付",
    psnNo: "DEMO001",
    setlId: "DEMO-S-002",
    time: "2024-03-02 15:00:00",
    medType: "21",
    region: "532621",
    diagnosis: "I63.900",
    inScope: 8_000,
    outOfScope: 2_000,
    funds: 30_000,
  },
  {
    story: "李先生，在昆明住院（异地），自付 9 千：未超过 1.2 万免赔额",
    psnNo: "DEMO002",
    setlId: "DEMO-S-003",
    time: "2023-12-20 11:00:00",
    medType: "21",
    region: "530102",
    diagnosis: "K80.100",
    inScope: 9_000,
    outOfScope: 500,
    funds: 25_000,
  },
  {
    story: "赵女士，在指定药店购买特定高额药品 4 万（零免赔）",
    psnNo: "DEMO003",
    setlId: "DEMO-S-004",
    time: "2024-01-08 10:00:00",
    medType: "41",
    region: "532601",
    diagnosis: "G12.000",
    inScope: 0,
    outOfScope: 40_000,
    funds: 0,
    items: [{ code: "SAMPLE-WS-D15", amount: 40_000 }],
    institution: "P53260100001",
  },
  {
    story: "张先生，2023 年 6 月（保障开始前）因肺癌住院：不在保障期内，记为既往病史",
    psnNo: "DEMO004",
    setlId: "DEMO-S-005",
    time: "2023-06-01 10:00:00",
    medType: "21",
    region: "532601",
    diagnosis: "C34.900",
    inScope: 20_000,
    outOfScope: 5_000,
    funds: 60_000,
  },
  {
    story: "张先生，保障期内购买抗肿瘤特药 6 万",
    psnNo: "DEMO004",
    setlId: "DEMO-S-006",
    time: "2023-11-15 10:00:00",
    medType: "41",
    region: "532601",
    diagnosis: "C34.900",
    inScope: 0,
    outOfScope: 60_000,
    funds: 0,
    items: [{ code: "SAMPLE-WS-D01", amount: 60_000 }],
    institution: "P53260100001",
  },
];

function toRecord(s: Stay, i: number): string {
  const y = (n: number) => formatYuan(Math.round(n * 100));
  const burden = s.inScope + s.outOfScope;
  return JSON.stringify({
    setl_id: s.setlId,
    psn_no: s.psnNo,
    certno: makeCertno(s.region.startsWith("5326") ? s.region : "532621", "19650101", 100 + i * 2),
    insutype: "390",
    med_type: s.medType,
    begntime: s.time,
    setl_time: s.time,
    fixmedins_code: s.institution ?? "H53260100001",
    mdtrtarea_admvs: s.region,
    dise_codg: s.diagnosis,
    medfee_sumamt: y(burden + s.funds),
    fulamt_ownpay_amt: y(s.outOfScope),
    overlmt_selfpay: "0.00",
    hifp_pay: y(s.funds),
    fund_pay_sumamt: y(s.funds),
    psn_part_amt: y(burden),
    feedetail: s.items?.map((it) => ({ med_list_codg: it.code, det_item_fee_sumamt: y(it.amount) })),
  });
}

export function runDemo(): void {
  const product = getProduct("wenshan-2023");
  const plan = compilePlan(product);
  const batch = new AdjudicationBatch(plan);
  STAYS.forEach((s, i) => {
    batch.add(toRecord(s, i));
  });
  const out: string[] = [`${product.name}（演示 / demo）— 真实引擎，按结算时间顺序理算`, ""];
  batch.run().forEach((entry, i) => {
    const stay = STAYS[i] as Stay;
    out.push(`■ ${stay.story}`);
    if (entry.kind === "error") {
      out.push(`  错误 ${entry.error.field}: ${entry.error.message}`);
    } else {
      out.push(`  ${explainAdjudication(entry.adjudication)}`);
      for (const line of entry.adjudication.lines) out.push(`    · ${explainLine(line)}`);
    }
    out.push("");
  });
  out.push("试一试 / try: hmb adjudicate --product wenshan-2023 --input <settlements.jsonl>");
  process.stdout.write(`${out.join("\n")}\n`);
}

export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("adjudicate a few illustrative 文山惠民保 hospital stays and explain every payout")
    .action(() => runDemo());
}
