/**
 * The parallel `hmb adjudicate` / `hmb replay` (src/cli/parallel.ts, issue 13 item 2) gives byte for byte the
 * single-threaded output: on a synthetic file with families sharing a deductible pool, setl_ids repeated
 * across persons, bad lines, records out of setl_time order, CRLF endings and keys the byte scan must hand
 * to the parser (escaped, numeric, repeated psn_no). Replay's error report (line numbers) is unchanged. The
 * worker file resolves both from the build (the binary) and under vitest (the .ts sources, in process).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adjudicateParallel, ParallelFallback, threadCount } from "../src/cli/parallel.js";
import { runReplay } from "../src/cli/replay.js";
import { getProduct } from "../src/products/index.js";
import { synthesizeSettlements } from "../src/synth/settlements.js";
import { buildCli, runHmb } from "./support/cli.js";

/** Its plan shares a family deductible pool, so families must stay on one worker. */
const FAMILY_PRODUCT = "wenshan-2024-draft";
const PERSON_PRODUCT = "wenshan-2023";
const PLAN = "standard";

let dir = "";
let messy = "";
let clean = "";
let split = "";
let messyLines = 0;

type Raw = Record<string, unknown>;

function synthLines(seed: number): Raw[] {
  const out: Raw[] = [];
  const gen = synthesizeSettlements({ product: getProduct(PERSON_PRODUCT), persons: 2000, seed });
  for (;;) {
    const next = gen.next();
    if (next.done === true) break;
    for (const line of next.value.split("\n")) if (line !== "") out.push(JSON.parse(line) as Raw);
  }
  return out;
}

/** Deterministic shuffle (xorshift), so records come out of setl_time order. */
function shuffle<T>(items: T[], seed: number): T[] {
  let x = seed;
  for (let i = items.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Persons grouped three by three into families: every record of a member carries the family key. */
function withFamilies(records: Raw[]): Raw[] {
  const persons = [...new Set(records.map((r) => String(r.psn_no)))];
  const familyOf = new Map(persons.map((p, i) => [p, `F${Math.floor(i / 3)}`]));
  return records.map((r) => ({ ...r, hmb_family_key: familyOf.get(String(r.psn_no)) }));
}

function messyFile(records: Raw[]): string {
  const lines = shuffle(withFamilies(records), 12345).map((r) => JSON.stringify(r));
  const at = (i: number) => JSON.parse(lines[i] as string) as Raw;
  // A setl_id repeated by another person (later in the file: an error), and by the same person.
  lines.splice(40, 0, JSON.stringify({ ...at(900), psn_no: String(at(10).psn_no) }));
  lines.splice(700, 0, JSON.stringify(at(5)));
  // An invalid first occurrence: the later valid line with that setl_id counts.
  lines.splice(60, 0, JSON.stringify({ ...at(1200), medfee_sumamt: "x" }));
  // Bad lines: blank, not JSON, not an object, missing psn_no.
  lines.splice(100, 0, "");
  lines.splice(200, 0, "{not json");
  lines.splice(300, 0, "[1,2]");
  const { psn_no: _, ...noPerson } = at(400);
  lines.splice(400, 0, JSON.stringify(noPerson));
  // Keys the byte scan cannot read: an escaped psn_no, a numeric one, psn_no twice (the last one counts).
  const escaped = at(500);
  lines[500] = JSON.stringify(escaped).replace(
    `"psn_no":"${String(escaped.psn_no)}"`,
    `"psn_no":"${String(escaped.psn_no).replace(/^(.)/, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`,
  );
  const numeric = at(520);
  lines[520] = JSON.stringify({ ...numeric, psn_no: Number(numeric.psn_no) });
  const twice = at(540);
  lines[540] = `{"psn_no":"P-DECOY",${JSON.stringify(twice).slice(1)}`;
  // CRLF on some lines, and no newline after the last.
  return lines.map((l, i) => (i % 97 === 0 ? `${l}\r` : l)).join("\n");
}

/** A person seen without their family key before a record that joins them to a family routed elsewhere. */
function splitFamilyFile(records: Raw[]): string {
  const persons = [...new Set(records.map((r) => String(r.psn_no)))];
  const lines: string[] = [];
  for (let i = 0; i < 40; i++) {
    const p = persons[i] as string;
    const own = records.filter((r) => r.psn_no === p);
    lines.push(JSON.stringify((own[0] as Raw) ?? {}));
    for (const r of own.slice(1)) lines.push(JSON.stringify({ ...r, hmb_family_key: "ONE" }));
  }
  for (const r of records.slice(0, 400)) lines.push(JSON.stringify({ ...r, hmb_family_key: "ONE" }));
  return `${lines.join("\n")}\n`;
}

beforeAll(() => {
  buildCli(["dist/src/cli/main.js", "dist/src/cli/parallel-worker.js"]);
  dir = mkdtempSync(join(tmpdir(), "hmb-parallel-"));
  const records = synthLines(2024);
  messy = join(dir, "messy.jsonl");
  const text = messyFile(records);
  messyLines = text.split("\n").length;
  writeFileSync(messy, text);
  clean = join(dir, "clean.jsonl");
  writeFileSync(
    clean,
    `${shuffle(withFamilies(records), 99)
      .map((r) => JSON.stringify(r))
      .join("\n")}\n`,
  );
  split = join(dir, "split.jsonl");
  writeFileSync(split, splitFamilyFile(records));
}, 120_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("hmb adjudicate --threads", () => {
  it.each([FAMILY_PRODUCT, PERSON_PRODUCT])(
    "%s: 2 and 3 workers write the single-threaded bytes",
    (product) => {
      const args = ["adjudicate", "--product", product, "--plan", PLAN, "--input", messy];
      const one = runHmb([...args, "--threads", "1"], {});
      expect(one.status).toBe(2); // the bad lines
      const lines = one.stdout.split("\n");
      expect(lines.filter((l) => l.includes('"duplicate_setl_id"')).length).toBeGreaterThanOrEqual(2);
      expect(lines.filter((l) => l.includes('"invalid_json"')).length).toBe(3);
      expect(one.stdout.split("\n").length - 1).toBe(messyLines);
      for (const threads of ["2", "3"]) {
        const many = runHmb([...args, "--threads", threads], {});
        expect(many.status).toBe(2);
        expect(many.stderr).toBe(one.stderr);
        expect(many.stdout === one.stdout).toBe(true);
      }
    },
  );

  it("a family that cannot be kept on one worker: the file runs on one thread, same bytes", async () => {
    const args = ["adjudicate", "--product", FAMILY_PRODUCT, "--plan", PLAN, "--input", split];
    const one = runHmb([...args, "--threads", "1"], {});
    const two = runHmb([...args, "--threads", "2"], {});
    expect(one.stdout.split("\n").length).toBeGreaterThan(400);
    expect(two.status).toBe(one.status);
    expect(two.stdout === one.stdout).toBe(true);
    // It is the fallback that saved it: the parallel path refuses this file.
    const design = { label: "", product: getProduct(FAMILY_PRODUCT), planId: PLAN };
    await expect(adjudicateParallel(split, design, 2, new PassThrough())).rejects.toBeInstanceOf(
      ParallelFallback,
    );
  });

  it("in process under vitest the worker resolves to the build and writes the same bytes", async () => {
    const one = runHmb(["adjudicate", "--product", FAMILY_PRODUCT, "--input", clean, "--threads", "1"], {});
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on("data", (c: Buffer) => chunks.push(c));
    const design = { label: "", product: getProduct(FAMILY_PRODUCT), planId: PLAN };
    const errors = await adjudicateParallel(clean, design, 2, sink);
    expect(errors).toBe(0);
    expect(Buffer.concat(chunks).toString("utf8") === one.stdout).toBe(true);
  });

  it("rejects a bad --threads and keeps one thread for small files and standard input", () => {
    const bad = runHmb(["adjudicate", "--product", PERSON_PRODUCT, "--input", clean, "--threads", "0"], {});
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--threads/);
    expect(threadCount(undefined, clean)).toBe(1);
    expect(threadCount(undefined, "-")).toBe(1);
    expect(threadCount(3, "-")).toBe(1);
    expect(threadCount(3, clean)).toBe(3);
    // A missing file goes the single-threaded way, which reports it as before.
    expect(threadCount(3, join(dir, "missing.jsonl"))).toBe(1);
  });
});

describe("hmb replay --threads", () => {
  const designs = [`${PERSON_PRODUCT}:${PLAN}`, `${FAMILY_PRODUCT}:${PLAN}`];

  it("the same figures on a clean file", async () => {
    const one = await runReplay({ input: clean, design: designs, insured: "5000", json: true, threads: "1" });
    const two = await runReplay({ input: clean, design: designs, insured: "5000", json: true, threads: "2" });
    expect(one.exitCode).toBe(0);
    expect(JSON.parse(one.stdout).designs[1].hmb_pay).not.toBe("0.00");
    expect(two).toEqual(one);
  });

  it("the same refusal, naming the same lines, on a file with bad lines and repeated setl_ids", async () => {
    const one = await runReplay({ input: messy, design: designs, json: true, threads: "1" });
    expect(one.exitCode).toBe(1);
    expect(one.stderr).toMatch(/第 101 行/); // the blank line
    expect(one.stderr).toMatch(/duplicate_setl_id/);
    for (const threads of ["2", "3"]) {
      const many = await runReplay({ input: messy, design: designs, json: true, threads });
      expect(many).toEqual(one);
    }
  });
});
