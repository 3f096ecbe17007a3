/**
 * Synthetic settlement data (src/synth, `hmb synth settlements`): deterministic for a seed, every record valid
 * and internally consistent at --invalid-rate 0, the realism the benchmarks and demos rely on (history years,
 * out-of-region stays, 大病保险 before coverage, malignant tumours, special drugs), and broken lines at the
 * requested rate that `hmb adjudicate` rejects.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isValidCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { parseSettlementLine, type Settlement } from "../src/domain/settlement.js";
import { formatBusinessTime } from "../src/domain/time.js";
import { getProduct } from "../src/products/index.js";
import { civilFromDays, putYuan, TimeFormatter } from "../src/synth/format.js";
import { CORRUPTIONS } from "../src/synth/invalid.js";
import { Rng } from "../src/synth/rng.js";
import {
  SettlementSynthesizer,
  type SynthOptions,
  type SynthStats,
  synthesizeSettlements,
} from "../src/synth/settlements.js";
import { buildCli } from "./support/cli.js";

function generate(options: SynthOptions): { text: string; lines: string[]; stats: SynthStats } {
  const gen = synthesizeSettlements(options);
  let text = "";
  for (;;) {
    const next = gen.next();
    if (next.done === true) {
      const lines = text === "" ? [] : text.replace(/\n$/, "").split("\n");
      return { text, lines, stats: next.value };
    }
    text += next.value;
  }
}

const wenshan = getProduct("wenshan-2023");
const chuxiong = getProduct("chuxiong-2023");

describe("synthetic settlements (pure generator)", () => {
  const { text, lines, stats } = generate({ product: wenshan, persons: 20_000, seed: 2023 });
  const parsed = lines.map((l) => parseSettlementLine(l));
  const settlements = parsed.map((p) => {
    if (!p.ok) throw new Error(`invalid synthetic record: ${JSON.stringify(p.error)}`);
    return p.settlement;
  });

  it("is deterministic for a seed and differs between seeds", () => {
    expect(generate({ product: wenshan, persons: 20_000, seed: 2023 }).text).toBe(text);
    const other = generate({ product: wenshan, persons: 20_000, seed: 2024 }).text;
    expect(other).not.toBe(text);
    expect(other.length).toBeGreaterThan(0);
  });

  it("gives the first N persons the same records whatever --persons says", () => {
    const small = generate({ product: wenshan, persons: 2_000, seed: 2023 });
    expect(text.startsWith(small.text)).toBe(true);
  });

  it("writes one valid record per line with the national field names and 2-decimal yuan strings", () => {
    expect(lines.length).toBe(stats.lines);
    expect(stats.invalid).toBe(0);
    expect(parsed.every((p) => p.ok)).toBe(true);
    const raw = JSON.parse(lines[0] as string) as Record<string, unknown>;
    for (const field of [
      "setl_id",
      "psn_no",
      "certno",
      "insutype",
      "med_type",
      "setl_time",
      "mdtrtarea_admvs",
    ]) {
      expect(typeof raw[field]).toBe("string");
    }
    for (const field of ["medfee_sumamt", "hifp_pay", "hifmi_pay", "fund_pay_sumamt", "psn_part_amt"]) {
      expect(raw[field]).toMatch(/^\d+\.\d{2}$/);
    }
    expect(new Set(settlements.map((s) => s.setlId)).size).toBe(settlements.length);
  });

  it("keeps every sum consistent", () => {
    for (const s of settlements) {
      const f = s.funds;
      expect(s.fundTotal).toBe(
        f.pooled +
          f.criticalIllness +
          f.largeAmount +
          f.civilServant +
          f.enterpriseSupplementary +
          f.medicalAssistance +
          f.other,
      );
      expect(s.personBurden).toBe(s.totalCost - s.fundTotal);
      expect(s.outOfScope).toBeLessThanOrEqual(s.personBurden);
      expect(s.fullOwnPay + s.overLimitSelfPay + s.preSelfPay + s.inPolicyScope).toBe(s.totalCost);
      expect(s.basicDeductiblePaid).toBeLessThanOrEqual(s.inPolicyScope);
      expect(s.fundTotal).toBeLessThanOrEqual(s.inPolicyScope);
      expect(s.accountPay + s.cashPay).toBe(s.personBurden);
      expect(s.dischargedAt ?? s.admittedAt).toBeGreaterThanOrEqual(s.admittedAt);
      expect(s.settledAt).toBeGreaterThanOrEqual(s.dischargedAt ?? s.admittedAt);
      for (const item of s.catalogItems) expect(item.amount).toBeLessThanOrEqual(s.personBurden);
    }
  });

  it("issues valid ID numbers from the program's counties, consistent per person", () => {
    const byPerson = new Map<string, Settlement>();
    for (const s of settlements) {
      expect(isValidCertno(s.certno)).toBe(true);
      expect(s.certno.slice(0, 4)).toBe("5326");
      const seen = byPerson.get(s.psnNo);
      if (seen !== undefined) expect(seen.certno).toBe(s.certno);
      else byPerson.set(s.psnNo, s);
    }
    const persons = [...byPerson.values()];
    // 文山市 was 文山县 (532621) until 2010: most of its residents' ID numbers still say so.
    expect(persons.some((s) => s.certno.startsWith("532621"))).toBe(true);
    expect(persons.some((s) => s.certno.startsWith("532627"))).toBe(true);
    const employees = persons.filter((s) => s.insutype === "310").length / persons.length;
    expect(employees).toBeGreaterThan(0.08);
    expect(employees).toBeLessThan(0.3);
    const males = persons.filter((s) => Number(s.certno[16]) % 2 === 1).length / persons.length;
    expect(males).toBeGreaterThan(0.45);
    expect(males).toBeLessThan(0.6);
  });

  it("mixes med_types with ordinary inpatient stays the most common", () => {
    const counts = new Map<string, number>();
    for (const s of settlements) counts.set(s.medType, (counts.get(s.medType) ?? 0) + 1);
    for (const t of ["11", "14", "21", "22", "23", "24", "41"]) expect(counts.get(t) ?? 0).toBeGreaterThan(0);
    const max = Math.max(...counts.values());
    expect(counts.get("21")).toBe(max);
    expect((counts.get("21") ?? 0) / settlements.length).toBeGreaterThan(0.4);
  });

  it("has an inpatient rate of about 15–20 % of persons a year in the coverage year", () => {
    // stats.inpatientInCoverage counts admissions in the coverage year over all simulated persons.
    const rate = stats.inpatientInCoverage / stats.persons;
    expect(rate).toBeGreaterThan(0.14);
    expect(rate).toBeLessThan(0.22);
  });

  it("covers history years, out-of-region care, 大病保险 before coverage and malignant tumours", () => {
    const start = wenshan.coverage.start;
    const history = settlements.filter((s) => s.admittedAt < start);
    expect(history.length / settlements.length).toBeGreaterThan(0.5);
    expect(settlements.some((s) => s.admittedAt >= start && s.admittedAt < wenshan.coverage.end)).toBe(true);
    expect(Math.min(...history.map((s) => s.settledAt))).toBeGreaterThanOrEqual(start - 2 * 366 * 86_400_000);

    const inpatient = settlements.filter((s) => s.medType.startsWith("2"));
    const away = inpatient.filter((s) => !s.treatmentRegion.startsWith("5326"));
    expect(away.length / inpatient.length).toBeGreaterThan(0.06);
    expect(away.length / inpatient.length).toBeLessThan(0.13);
    expect(away.some((s) => s.treatmentRegion.startsWith("5301"))).toBe(true);

    expect(history.some((s) => s.funds.criticalIllness > 0)).toBe(true);
    expect(settlements.some((s) => s.funds.largeAmount > 0 || s.funds.medicalAssistance > 0)).toBe(true);
    expect(history.some((s) => s.diagnosisCode?.startsWith("C") === true)).toBe(true);
    expect(stats.criticalIllnessPaidBeforeCoverage).toBeGreaterThan(0);
    expect(stats.malignantBeforeCoverage).toBeGreaterThan(0);
  });

  it("has a heavy-tailed cost distribution", () => {
    const costs = settlements
      .filter((s) => s.medType.startsWith("2"))
      .map((s) => s.totalCost)
      .sort((a, b) => a - b);
    const median = costs[Math.floor(costs.length / 2)] as number;
    const mean = costs.reduce((a, b) => a + b, 0) / costs.length;
    expect(median).toBeGreaterThan(200_000); // 2,000 yuan
    expect(median).toBeLessThan(1_000_000);
    expect(mean).toBeGreaterThan(median * 1.2);
    expect(costs[costs.length - 1]).toBeGreaterThan(20_000_000);
  });

  it("has special-drug purchases with catalog items, mostly at designated outlets", () => {
    const catalog = wenshan.catalogs[0];
    if (catalog === undefined) throw new Error("wenshan has a special-drug catalog");
    const codes = new Set(catalog.items.map((i) => i.code));
    const designated = new Set(catalog.designatedInstitutions ?? []);
    const withItems = settlements.filter((s) => s.catalogItems.length > 0);
    expect(withItems.length).toBeGreaterThan(0);
    for (const s of withItems) for (const item of s.catalogItems) expect(codes.has(item.code)).toBe(true);
    const atDesignated = withItems.filter((s) => designated.has(s.institutionCode)).length;
    expect(atDesignated / withItems.length).toBeGreaterThan(0.8);
    expect(withItems.some((s) => s.medType === "41")).toBe(true);
  });

  it("produces cases above 300,000 yuan, and CAR-T / proton therapy where the product has those catalogs", () => {
    const cx = generate({ product: chuxiong, persons: 60_000, seed: 7 });
    expect(cx.stats.over300kYuan).toBeGreaterThan(0);
    const items = cx.lines.filter((l) => l.includes('"feedetail"'));
    expect(items.some((l) => l.includes("SAMPLE-CART"))).toBe(true);
    expect(items.some((l) => l.includes("SAMPLE-PHI"))).toBe(true);
    expect(items.some((l) => l.includes("SAMPLE-CX-D"))).toBe(true);
    for (const l of cx.lines) expect(parseSettlementLine(l).ok).toBe(true);
  });

  it("honours --max-lines and --history-years", () => {
    expect(generate({ product: wenshan, persons: 20_000, seed: 2023, maxLines: 100 }).lines).toHaveLength(
      100,
    );
    const noHistory = generate({ product: wenshan, persons: 5_000, seed: 1, historyYears: 0 });
    for (const l of noHistory.lines) {
      const p = parseSettlementLine(l);
      if (!p.ok) throw new Error("invalid");
      expect(p.settlement.admittedAt).toBeGreaterThanOrEqual(wenshan.coverage.start);
    }
  });
});

/**
 * Golden output: the exact bytes and statistics for fixed seeds, taken before settlements.ts was split into
 * population / encounters / fund model / output (issue 11). A refactoring that changes any draw, its order or
 * the formatting changes these digests; a deliberate change of the model updates them.
 */
describe("golden output (same seed, same bytes)", () => {
  const sha256 = (text: string | Uint8Array) => createHash("sha256").update(text).digest("hex");
  const nowhere = { ...wenshan, region: { code: "530100", name: "昆明市" } };
  const cases: { name: string; options: SynthOptions; digest: string }[] = [
    {
      name: "文山, 4,000 persons",
      options: { product: wenshan, persons: 4_000, seed: 7 },
      digest: "9aa67981c28bc0fccb556a5f0f905e4feeb3825a9881ed31ea57865744bf9f77",
    },
    {
      name: "楚雄, invalid 10 %, 3 history years",
      options: { product: chuxiong, persons: 4_000, seed: 11, invalidRate: 0.1, historyYears: 3 },
      digest: "b855a78ef6c3ada45aab44a6b8e14ffb5bc0994c2933130f5bc6083163620444",
    },
    {
      name: "a region without a profile, cut at 700 lines",
      options: { product: nowhere, persons: 4_000, seed: 5, maxLines: 700 },
      digest: "caf6c9e9f4b30f27f3befca3af9dbd86605434dd158f43c3127adefc01ce38fb",
    },
  ];
  for (const c of cases) {
    it(`is unchanged: ${c.name}`, () => {
      const out = generate(c.options);
      const digest = sha256(`${out.text}\n${JSON.stringify(out.stats)}`);
      expect(digest).toBe(c.digest);
      // The byte path the CLI writes gives the same text.
      const synth = new SettlementSynthesizer(c.options);
      const hash = createHash("sha256");
      while (!synth.done) hash.update(synth.nextPersonBytes());
      expect(hash.digest("hex")).toBe(sha256(out.text));
    });
  }
});

describe("invalid lines", () => {
  const { lines, stats } = generate({ product: wenshan, persons: 30_000, seed: 99, invalidRate: 0.1 });
  const valid = generate({ product: wenshan, persons: 30_000, seed: 99 });

  it("breaks about the requested fraction, each broken line rejected, the others untouched", () => {
    expect(lines).toHaveLength(valid.lines.length);
    let rejected = 0;
    let changed = 0;
    const codes = new Set<string>();
    lines.forEach((line, i) => {
      const p = parseSettlementLine(line);
      if (line !== valid.lines[i]) changed++;
      if (!p.ok) {
        rejected++;
        codes.add(p.error.code);
      } else {
        expect(line).toBe(valid.lines[i]);
      }
    });
    expect(rejected).toBe(stats.invalid);
    expect(changed).toBe(stats.invalid);
    expect(rejected / lines.length).toBeGreaterThan(0.08);
    expect(rejected / lines.length).toBeLessThan(0.12);
    for (const code of [
      "invalid_json",
      "missing_field",
      "invalid_amount",
      "invalid_certno",
      "inconsistent_amounts",
    ]) {
      expect(codes.has(code)).toBe(true);
    }
    expect(CORRUPTIONS.length).toBeGreaterThanOrEqual(6);
  });
});

describe("encoding helpers", () => {
  it("format times and yuan exactly like the domain formatters", () => {
    const rng = new Rng(5, 0);
    const time = new TimeFormatter();
    const buf = new Uint8Array(64);
    const decoder = new TextDecoder();
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(Date.UTC(1925, 0, 1) + rng.float() * 110 * 365.25 * 86_400_000);
      const whole = ms - (ms % 1000);
      expect(decoder.decode(buf.subarray(0, time.put(buf, 0, whole)))).toBe(formatBusinessTime(whole));
      const fen = i < 1000 ? i : Math.floor(rng.float() * 10 ** (2 + rng.int(10)));
      expect(decoder.decode(buf.subarray(0, putYuan(buf, 0, fen)))).toBe(formatYuan(fen));
      const day = Math.floor(ms / 86_400_000);
      const date = new Date(day * 86_400_000);
      expect(civilFromDays(day)).toEqual([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()]);
    }
  });
});

describe("hmb synth settlements (real binary)", () => {
  const ROOT = resolve(import.meta.dirname, "..");
  const BIN = join(ROOT, "bin", "hmb.js");
  let dir = "";

  beforeAll(() => {
    buildCli();
    dir = mkdtempSync(join(tmpdir(), "hmb-synth-"));
  });

  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  function hmb(args: string[]) {
    return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 30 });
  }

  const base = ["synth", "settlements", "--product", "wenshan-2023", "--persons", "4000"];

  it("writes the same bytes for the same seed, to stdout or a file, and other bytes for another seed", () => {
    const a = hmb([...base, "--seed", "11"]);
    expect(a.status).toBe(0);
    expect(a.stdout.length).toBeGreaterThan(0);
    expect(hmb([...base, "--seed", "11"]).stdout).toBe(a.stdout);
    expect(hmb([...base, "--seed", "12"]).stdout).not.toBe(a.stdout);
    const path = join(dir, "a.jsonl");
    const toFile = hmb([...base, "--seed", "11", "--output", path]);
    expect(toFile.status).toBe(0);
    expect(toFile.stdout).toBe("");
    expect(toFile.stderr).toMatch(/settlements/);
    expect(readFileSync(path, "utf8")).toBe(a.stdout);
    expect(a.stdout).toBe(generate({ product: wenshan, persons: 4000, seed: 11 }).text);
  });

  it("feeds hmb adjudicate: exit 0 without invalid lines, exit 2 with about 10 % error lines at --invalid-rate 0.1", () => {
    const clean = join(dir, "clean.jsonl");
    expect(hmb([...base, "--seed", "3", "--output", clean]).status).toBe(0);
    const ok = hmb(["adjudicate", "--product", "wenshan-2023", "--input", clean]);
    expect(ok.status).toBe(0);
    const okResults = ok.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string });
    expect(okResults.some((r) => r.status === "paid")).toBe(true);
    expect(okResults.some((r) => r.status === "error")).toBe(false);

    const dirty = join(dir, "dirty.jsonl");
    const broken = hmb([
      "synth",
      "settlements",
      "--product",
      "wenshan-2023",
      "--persons",
      "12000",
      "--seed",
      "3",
      "--invalid-rate",
      "0.1",
      "--output",
      dirty,
      "--stats",
    ]);
    expect(broken.status).toBe(0);
    const stats = JSON.parse(broken.stderr.split("\n")[0] as string) as SynthStats;
    const run = hmb(["adjudicate", "--product", "wenshan-2023", "--input", dirty]);
    expect(run.status).toBe(2);
    const results = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string });
    expect(results).toHaveLength(stats.lines);
    const errors = results.filter((r) => r.status === "error").length;
    expect(errors).toBe(stats.invalid);
    expect(errors / results.length).toBeGreaterThan(0.07);
    expect(errors / results.length).toBeLessThan(0.13);
  });

  it("refuses bad arguments", () => {
    expect(hmb([...base, "--seed", "1", "--invalid-rate", "2"]).status).toBe(64);
    expect(hmb([...base, "--seed", "-1"]).status).toBe(64);
    expect(hmb(["synth", "settlements", "--product", "wenshan-2023", "--seed", "1"]).status).toBe(64);
    const unknown = hmb(["synth", "settlements", "--product", "nowhere", "--persons", "1", "--seed", "1"]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown product/);
  });
});
