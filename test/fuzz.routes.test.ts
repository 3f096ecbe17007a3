/**
 * Bounded fuzzing of every write route (issue 10, "Tests that must exist"). The routes come from the live
 * Fastify route table, so a new POST/PUT/PATCH/DELETE route is fuzzed without touching this file. Each
 * request starts from a body a model of the route builds to be valid against the current state (so the
 * fuzzer reaches the services, not only schema validation), sent with credentials the route admits (a
 * bearer token of an admitted role, or the institution's HMAC signature), and is then mutated: malformed
 * JSON, wrong types, NUL and control characters, lone surrogates, huge strings and numbers, negative and
 * over-precise amounts, SQL-looking strings, deep nesting, oversized bodies, wrong content types,
 * missing and extra fields, impossible combinations — one field at a time or a few together.
 *
 * For every request: an answer below 500 within 5 s; a 4xx carries `{error:{code,message,field}}` and
 * stored nothing (row counts and checksums of every table, tracked per request and cross-checked by full
 * scans); a request the oracle knows to be invalid (against the route's own JSON schema, or the record
 * rules of DESIGN.md §3 for what the schema leaves open) is not accepted; and the ledger of every program
 * still balances. All distinct failures are collected and reported together, each with a reproduction.
 *
 * ≥ 20,000 requests per run in total, split over the back ends (HMB_FUZZ_RUNS changes the total);
 * seeded (HMB_FUZZ_SEED; the seed is printed).
 */
import { createHmac } from "node:crypto";
import ExcelJS from "exceljs";
import fc from "fast-check";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildServer } from "../src/api/server.js";
import { isValidCertno, makeCertno } from "../src/domain/certno.js";
import { fixedClock } from "../src/platform/clock.js";
import { decrypt } from "../src/platform/crypto.js";
import { CLI_ACTOR, type PlatformContext } from "../src/services/context.js";
import { enroll } from "../src/services/enrollment.js";
import { checkLedger } from "../src/services/ledger.js";
import { configureGateways } from "../src/services/payments/registry.js";
import { SANDBOX_SIGNATURE_HEADER, SandboxGateway } from "../src/services/payments/sandbox.js";
import { createUser, login } from "../src/services/users.js";
import { record } from "./fixtures.js";
import { HOSPITAL, OTHER_HOSPITAL, PHARMACY, setupClaims } from "./support/claims.js";
import {
  applyChanges,
  type BodySpec,
  ChangeTracker,
  conforms,
  diffSums,
  encodePath,
  type FieldKind,
  type FieldRule,
  type FuzzRoute,
  getAt,
  injectWithin,
  isJsonContentType,
  jsonTypeOf,
  KIND_TYPES,
  type Mutated,
  type Mutation,
  mutateBytes,
  mutateCsv,
  mutateJson,
  mutationArb,
  netChanges,
  type Path,
  pathValueArb,
  Rng,
  type RowChange,
  sampleFromSchema,
  type TableSums,
  unitFraction,
  within,
  writeRoutes,
  yuanText,
} from "./support/fuzz.js";
import { BACKENDS, openTestPlatform, type TestPlatform } from "./support/platform.js";
import { PROGRAM } from "./support/roster.js";

function nonNegativeInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

vi.mock("fastify", async (importOriginal) =>
  (await import("./support/fuzz.js")).wrapFastifyForFuzz(importOriginal),
);

const SEED = nonNegativeInteger("HMB_FUZZ_SEED", 20_231_010);
/** Requests per run, over all back ends together (the issue asks for at least 20,000). */
const TOTAL_RUNS = nonNegativeInteger("HMB_FUZZ_RUNS", 20_000);
const RUNS_PER_BACKEND = Math.ceil(TOTAL_RUNS / BACKENDS.length);
/** HMB_FUZZ_TRACE=<part of a route> prints every request to matching routes with its answer. */
const TRACE = process.env.HMB_FUZZ_TRACE;
/** Every request must be answered within this (issue 10). */
const ANSWER_WITHIN_MS = 5_000;
/** A full scan of every table checks the per-request tracking this often. */
const FULL_SCAN_EVERY = 1_000;
const LEDGER_CHECK_EVERY = 2_500;
/** The state models draw ids from (policies, orders, cases …) is read again this often. */
const REFRESH_EVERY = 40;
/** After this many requests without an answer the back end's run stops (the server is wedged). */
const MAX_HANGS = 3;

/** Enrollment era: inside wenshan-2023's enrollment window. Claims era: inside its coverage year. */
const ENROLL_NOW = "2023-08-01T10:00:00+08:00";
const CLAIMS_NOW = "2023-11-15T10:00:00+08:00";
type Era = "enrollment" | "claims";

/** Persons insured at setup; models never cancel their policies, so claims keep finding a policy. */
const CORE_INSURED = ["P001", "P002", "P003", "P004", "P005", "P006"];
const CASH_SECRET = "fuzz-sandbox-cash-secret";
const ACCOUNT_SECRET = "fuzz-sandbox-medicare-secret";
const WS_DRUG = "SAMPLE-WS-D01"; // 帕博利珠单抗, indicated for C34 (lung)
const PDF = Buffer.from("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n");
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from("JFIF fuzz")]);
const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from("IHDR"),
]);
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const ROSTER_HEADER = [
  "psn_no",
  "certno",
  "psn_name",
  "gend",
  "brdy",
  "insutype",
  "admdvs",
  "unit_code",
  "cohort",
];

/**
 * Tables a refused request may still write, and why. Anything else changed by a 4xx is a failure.
 */
const BOOKKEEPING: Record<string, string> = {
  audit_log: "refusals that matter are audited (locked logins, denied reads); append-only, inserts only",
  institution_signatures:
    "a signature is bound to its first request before the body is read (replay defence)",
  idempotency_keys: "the answer to a request with an Idempotency-Key is kept, refusals included, for retries",
  login_failures: "a failed login counts towards the login name's lockout (finding 6)",
  roster_imports:
    "an import refused after it started is kept in the import history as failed (checked: none left running)",
};

/** Users the fuzzer acts as: setupWenshan's, plus a second operator (four eyes) and a regulator. */
const USERS: { username: string; password: string; role: string; psnNo?: string }[] = [
  { username: "admin", password: "admin-pass-1", role: "admin" },
  { username: "op1", password: "op-pass-12", role: "operator" },
  { username: "op2", password: "op2-pass-12", role: "operator" },
  { username: "bureau1", password: "bu-pass-12", role: "bureau" },
  { username: "ins1", password: "ins-pass-12", role: "co_insurer" },
  { username: "reg1", password: "reg-pass-12", role: "regulator" },
  { username: "ch1", password: "ch-pass-12", role: "charity" },
  { username: "res1", password: "r1-pass-12", role: "resident", psnNo: "P001" },
  { username: "res5", password: "r5-pass-12", role: "resident", psnNo: "P005" },
];
/** Accounts the login route is fuzzed against (several: a lockout after wrong passwords is per name). */
const LOGIN_TARGETS = ["fzlogin1", "fzlogin2", "fzlogin3", "fzlogin4"].map((username) => ({
  username,
  password: `${username}-pass`,
}));

// ---------------------------------------------------------------------------------------------------------
// The oracle for settlement records (DESIGN.md §3 and issue 10 finding 5), for the parts of a body no
// route schema describes. Lenient on purpose: it names only records that are certainly impossible.

const RECORD_TEXT: [string, boolean, number][] = [
  ["setl_id", true, 64],
  ["psn_no", true, 64],
  ["certno", true, 64],
  ["insutype", true, 64],
  ["med_type", true, 64],
  ["mdtrtarea_admvs", true, 64],
  ["fixmedins_code", true, 64],
  ["psn_name", false, 128],
  ["fixmedins_name", false, 128],
  ["dise_codg", false, 32],
];
const RECORD_TIMES: [string, boolean][] = [
  ["setl_time", true],
  ["begntime", false],
  ["endtime", false],
];
const FUNDS = ["hifp_pay", "hifmi_pay", "hifob_pay", "cvlserv_pay", "hifes_pay", "maf_pay", "oth_pay"];
const RECORD_AMOUNTS: [string, boolean][] = [
  ["medfee_sumamt", true],
  ["fulamt_ownpay_amt", true],
  ["overlmt_selfpay", true],
  ["hifp_pay", true],
  ["fund_pay_sumamt", true],
  ["psn_part_amt", true],
  ...["hifmi_pay", "hifob_pay", "cvlserv_pay", "hifes_pay", "maf_pay", "oth_pay"].map(
    (f): [string, boolean] => [f, false],
  ),
  ...["preselfpay_amt", "inscp_scp_amt", "act_pay_dedc", "acct_pay", "psn_cash_pay"].map(
    (f): [string, boolean] => [f, false],
  ),
];

function recordRules(prefix: string): FieldRule[] {
  return [
    ...RECORD_TEXT.map(([f, required, maxLength]) => ({
      path: `${prefix}${f}`,
      kind: "text" as const,
      required,
      maxLength,
    })),
    ...RECORD_TIMES.map(([f, required]) => ({ path: `${prefix}${f}`, kind: "datetime" as const, required })),
    ...RECORD_AMOUNTS.map(([f, required]) => ({ path: `${prefix}${f}`, kind: "amount" as const, required })),
    { path: `${prefix}feedetail`, kind: "array", required: false },
    { path: `${prefix}feedetail[].med_list_codg`, kind: "text", required: true, maxLength: 64 },
    { path: `${prefix}feedetail[].det_item_fee_sumamt`, kind: "amount", required: true },
  ];
}

const AMOUNT_TEXT = /^\d{1,10}(\.\d{1,2})?$/;
const MAX_YUAN = 1_000_000_000;

/** Fen of a well-formed amount, undefined otherwise (a JSON number or a yuan string, nothing else). */
function amountFen(value: unknown): number | undefined {
  if (typeof value === "string") {
    if (!AMOUNT_TEXT.test(value)) return undefined;
    const [whole, frac = ""] = value.split(".");
    const fen = Number(whole) * 100 + Number(frac.padEnd(2, "0"));
    return fen <= MAX_YUAN * 100 ? fen : undefined;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0 || value > MAX_YUAN) return undefined;
    return AMOUNT_TEXT.test(String(value)) ? Math.round(value * 100) : undefined;
  }
  return undefined;
}

const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Epoch ms of a Beijing "yyyy-MM-dd HH:mm:ss" (or a date), undefined when it is not a real time. */
function timeMs(value: unknown, kind: "datetime" | "date"): number | undefined {
  if (typeof value !== "string") return undefined;
  const m = (kind === "datetime" ? DATETIME : DATE).exec(value);
  if (m === null) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map(Number) as number[];
  if ((y as number) < 1 || (mo as number) < 1 || (mo as number) > 12 || (d as number) < 1) return undefined;
  if ((h as number) > 24 || (mi as number) > 59 || (s as number) > 59) return undefined;
  if (h === 24 && (mi !== 0 || s !== 0)) return undefined;
  const ms = Date.UTC(y as number, (mo as number) - 1, d as number, h, mi, s) - 8 * 3_600_000;
  const back = new Date(Date.UTC(y as number, (mo as number) - 1, d as number));
  if (back.getUTCDate() !== d) return undefined;
  return ms;
}

/** Walks a rule's path pattern through a value: every node it names, present or not. */
function nodesAt(value: unknown, pattern: string): { path: string; present: boolean; value: unknown }[] {
  const parts = pattern
    .replaceAll("[]", ".[]")
    .split(".")
    .filter((p) => p !== "");
  let nodes: { path: string; value: unknown; present: boolean }[] = [{ path: "", value, present: true }];
  for (const part of parts) {
    const next: typeof nodes = [];
    for (const n of nodes) {
      if (!n.present || n.value === null || typeof n.value !== "object") continue;
      if (part === "[]") {
        if (Array.isArray(n.value))
          n.value.forEach((v, i) => {
            next.push({ path: `${n.path}[${i}]`, value: v, present: true });
          });
      } else if (!Array.isArray(n.value)) {
        const record = n.value as Record<string, unknown>;
        next.push({
          path: n.path === "" ? part : `${n.path}.${part}`,
          value: record[part],
          present: Object.hasOwn(record, part) && record[part] !== undefined,
        });
      }
    }
    nodes = next;
  }
  return nodes;
}

/** Why `value` breaks one of `rules`, or undefined. */
function ruleProblem(rules: readonly FieldRule[], value: unknown): string | undefined {
  for (const rule of rules) {
    for (const node of nodesAt(value, rule.path)) {
      // Absent, null and "" are all "not given" for the record's optional fields (domain/settlement).
      if (!node.present || node.value === null || node.value === "") {
        if (rule.required) return `${node.path} missing`;
        continue;
      }
      const type = jsonTypeOf(node.value);
      const allowed = KIND_TYPES[rule.kind];
      if (!(allowed.includes(type as never) || (type === "integer" && allowed.includes("number"))))
        return `${node.path} is ${type}`;
      if (typeof node.value === "string") {
        if (node.value.includes("\u0000")) return `${node.path} holds NUL`;
        if (rule.maxLength !== undefined && [...node.value].length > rule.maxLength)
          return `${node.path} too long`;
      }
      if (rule.kind === "amount" && amountFen(node.value) === undefined) return `${node.path} not an amount`;
      if (
        rule.kind === "typed_amount" &&
        amountFen(typeof node.value === "string" ? node.value.trim() : node.value) === undefined
      )
        return `${node.path} not an amount`;
      if ((rule.kind === "datetime" || rule.kind === "date") && timeMs(node.value, rule.kind) === undefined)
        return `${node.path} not a time`;
    }
  }
  return undefined;
}

/** Why a settlement record is impossible (beyond field rules), or undefined. */
function recordProblem(rec: unknown, latest: number): string | undefined {
  if (rec === null || typeof rec !== "object" || Array.isArray(rec)) return "record not an object";
  const problem = ruleProblem(recordRules(""), rec);
  if (problem !== undefined) return problem;
  const r = rec as Record<string, unknown>;
  const fen = (f: string) => amountFen(r[f]) ?? 0;
  if (typeof r.certno === "string" && !isValidCertno(r.certno)) return "certno fails its checksum";
  if (!["310", "390"].includes(String(r.insutype))) return "unknown insutype";
  if (!["11", "14", "21", "22", "23", "24", "41"].includes(String(r.med_type))) return "unknown med_type";
  if (!/^\d{6}$/.test(String(r.mdtrtarea_admvs))) return "mdtrtarea_admvs not 6 digits";
  if (typeof r.dise_codg === "string" && /[^\x21-\x7e]|['"`;]/.test(r.dise_codg))
    return "dise_codg not a code";
  const funds = FUNDS.reduce((s, f) => s + fen(f), 0);
  if (fen("fund_pay_sumamt") !== funds) return "fund_pay_sumamt ≠ sum of funds";
  if (fen("psn_part_amt") !== fen("medfee_sumamt") - funds) return "psn_part_amt ≠ medfee_sumamt − funds";
  if (fen("fulamt_ownpay_amt") + fen("overlmt_selfpay") > fen("psn_part_amt")) return "out of scope > burden";
  if (
    r.acct_pay !== undefined &&
    r.psn_cash_pay !== undefined &&
    fen("acct_pay") + fen("psn_cash_pay") !== fen("psn_part_amt")
  )
    return "acct_pay + psn_cash_pay ≠ psn_part_amt";
  const t = (f: string) => (r[f] === undefined || r[f] === null ? undefined : timeMs(r[f], "datetime"));
  const setl = t("setl_time") as number;
  const begun = t("begntime");
  const ended = t("endtime");
  for (const f of ["setl_time", "begntime", "endtime"])
    if (
      typeof r[f] === "string" &&
      /^\d{4}/.test(r[f] as string) &&
      Number((r[f] as string).slice(0, 4)) < 1900
    )
      return `${f} year before 1900`;
  if (begun !== undefined && ended !== undefined && begun > ended) return "begntime after endtime";
  if (ended !== undefined && ended > setl) return "endtime after setl_time";
  if (setl > latest) return "setl_time in the future";
  if (Array.isArray(r.feedetail) && r.feedetail.length > 500) return "feedetail over 500 items";
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// State the models draw ids from, read from the database

interface State {
  roster: { psnNo: string; name: string; unitCode: string | null; cohort: string | null }[];
  issued: Set<string>;
  policies: { policyNo: string; psnNo: string; payer: string | null; status: string }[];
  orders: {
    orderNo: string;
    status: string;
    channel: string;
    provider: string;
    payer: string | null;
    amount: number;
  }[];
  claims: { setlId: string; institution: string; state: string; psnNo: string }[];
  cases: { caseId: string; status: string; psnNo: string; record: Record<string, unknown> }[];
  consents: { consentId: string; psnNo: string }[];
  pools: { poolId: string; balance: number }[];
  claimable: { setlId: string; psnNo: string }[];
}

async function readState(ctx: PlatformContext): Promise<State> {
  const q = <T>(sql: string) => ctx.db.query<T>(sql, [PROGRAM]);
  const [roster, policies, orders, claims, cases, consents, pools, claimable] = await Promise.all([
    q<{ psn_no: string; psn_name: string; unit_code: string | null; cohort: string | null }>(
      "select psn_no, psn_name, unit_code, cohort from roster_persons where program_id = $1 order by psn_no limit 400",
    ),
    q<{
      policy_no: string;
      psn_no: string;
      payer_psn_no: string | null;
      status: string;
      issued_at: Date | null;
    }>(
      "select policy_no, psn_no, payer_psn_no, status, issued_at from policies where program_id = $1 order by created_at desc limit 400",
    ),
    q<{
      order_no: string;
      status: string;
      channel: string;
      provider: string;
      payer_psn_no: string | null;
      amount_fen: string;
    }>(
      "select order_no, status, channel, provider, payer_psn_no, amount_fen from payment_orders where program_id = $1 order by created_at desc limit 200",
    ),
    q<{ setl_id: string; fixmedins_code: string; state: string; psn_no: string }>(
      "select setl_id, fixmedins_code, state, psn_no from claims where program_id = $1 order by created_at desc limit 200",
    ),
    q<{ case_id: string; status: string; psn_no: string; record: Record<string, unknown> }>(
      "select case_id, status, psn_no, record from counter_claims where program_id = $1 order by case_id desc limit 100",
    ),
    q<{ consent_id: string; psn_no: string }>(
      "select consent_id, psn_no from claim_consents where program_id = $1 and revoked_at is null order by granted_at desc limit 50",
    ),
    q<{ pool_id: string; balance_fen: string }>(
      "select pool_id, balance_fen from charity_pools where program_id = $1",
    ),
    q<{ setl_id: string; psn_no: string }>(
      `select m.setl_id, m.psn_no from medical_records m
        where m.program_id = $1 and m.source = 'bureau'
          and not exists (select 1 from claims c where c.program_id = m.program_id and c.setl_id = m.setl_id)
        order by m.received_at desc limit 100`,
    ),
  ]);
  return {
    roster: roster.map((r) => ({
      psnNo: r.psn_no,
      name: r.psn_name,
      unitCode: r.unit_code,
      cohort: r.cohort,
    })),
    issued: new Set(policies.filter((p) => p.issued_at !== null).map((p) => p.psn_no)),
    policies: policies.map((p) => ({
      policyNo: p.policy_no,
      psnNo: p.psn_no,
      payer: p.payer_psn_no,
      status: p.status,
    })),
    orders: orders.map((o) => ({
      orderNo: o.order_no,
      status: o.status,
      channel: o.channel,
      provider: o.provider,
      payer: o.payer_psn_no,
      amount: Number(o.amount_fen),
    })),
    claims: claims.map((c) => ({
      setlId: c.setl_id,
      institution: c.fixmedins_code,
      state: c.state,
      psnNo: c.psn_no,
    })),
    cases: cases.map((c) => ({ caseId: c.case_id, status: c.status, psnNo: c.psn_no, record: c.record })),
    consents: consents.map((c) => ({ consentId: c.consent_id, psnNo: c.psn_no })),
    pools: pools.map((p) => ({ poolId: p.pool_id, balance: Number(p.balance_fen) })),
    claimable: claimable.map((c) => ({ setlId: c.setl_id, psnNo: c.psn_no })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Models: a valid request per route, and what the oracle knows about its body

type Caller =
  | { kind: "public" }
  | { kind: "bearer"; role: string; username: string; token: string; psnNo?: string | undefined }
  | { kind: "hmac"; institution: string };

interface Build {
  readonly rng: Rng;
  /** A number unique in this run, for fresh ids. */
  readonly n: number;
  readonly backend: string;
  readonly era: Era;
  readonly now: Date;
  readonly caller: Caller;
  readonly state: State;
  certnoOf(psnNo: string): Promise<string>;
  /** Tokens of sessions a fuzzed login opened (logout spends them). */
  readonly disposableTokens: string[];
}

interface Built {
  readonly params?: Record<string, string>;
  readonly body: BodySpec;
  /** Headers the model adds (e.g. a payment provider's signature is added after mutation, see sign). */
  readonly publicSignature?: "sandbox";
  /** Overrides the caller's bearer token (logout spends a disposable session). */
  readonly bearer?: string | undefined;
}

interface Model {
  readonly era?: Era;
  /** Relative share of the requests (1 by default). */
  readonly weight?: number;
  /** Callers to prefer (85 % of the time): "hmac" or a role. */
  readonly prefer?: readonly string[];
  readonly institution?: string;
  build(b: Build): Promise<Built>;
  /** Success depends on earlier requests in ways the fuzzer does not steer (the 2xx check skips it). */
  readonly mayNeverSucceed?: boolean;
  /** An absent, empty or unparseable body must be refused. */
  readonly bodyRequired: boolean;
  /** What the JSON body must be when the route has no schema saying it. */
  readonly bodyType?: "object" | "objectOrNull";
  /** Field rules for what the route's schema does not describe. */
  readonly rules?: readonly FieldRule[];
  /** Why a parsed body is certainly invalid (cross-field), or undefined. */
  check?(value: unknown, b: Build, built: Built): string | undefined;
  /** Model-specific mutations: impossible combinations that every field on its own would not show. */
  semantic?(b: Build): { label: string; apply: (value: unknown) => unknown; mustRefuse: boolean }[];
  /** After any answer: what the request left behind that it must not have (e.g. a running import). */
  afterAnswered?(ctx: PlatformContext): Promise<string | undefined>;
  /** After a 2xx: what is wrong with the answer, or undefined (e.g. an invalid item stored). */
  afterAccepted?(
    res: LightMyRequestResponse,
    sent: Mutated,
    b: Build,
    ctx: PlatformContext,
  ): Promise<string | undefined>;
}

/** The latest possible setl_time: the business clock plus a hospital clock's skew (domain/settlement). */
const latestSettlement = (b: Build) => b.now.getTime() + 5 * 60_000;

const pad = (n: number, width: number) => String(n).padStart(width, "0");
const beijing = (ms: number) => {
  const d = new Date(ms + 8 * 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
};
const day = (ms: number) => beijing(ms).slice(0, 10);
const COVERAGE_START = Date.parse("2023-09-02T08:00:00+08:00");

/** A consistent settlement record for a roster person, settled in the coverage year before `b.now`. */
async function validRecord(
  b: Build,
  psnNo: string,
  options: { setlId?: string; institution?: string; medType?: string; drug?: boolean } = {},
): Promise<Record<string, unknown>> {
  const settledBy = Math.max(
    COVERAGE_START + 3 * 86_400_000,
    Math.min(b.now.getTime(), Date.parse(CLAIMS_NOW)) - 3_600_000,
  );
  const setl = b.rng.int(COVERAGE_START + 2 * 86_400_000, settledBy);
  const begun = setl - b.rng.int(1, 10) * 86_400_000;
  const amount = b.rng.pick([0, 1_00, 500_00, 13_000_00, 50_000_00]) + b.rng.int(0, 99_99);
  const rec = record({
    setlId: options.setlId ?? `FZ-${b.backend}-${b.n}`,
    psnNo,
    inScope: options.drug === true ? 0 : amount,
    fullOwnPay: options.drug === true ? amount + 100 : b.rng.pick([0, 0, 1_000]),
    medType: options.medType ?? b.rng.pick(["21", "21", "22", "14"]),
    setlTime: beijing(setl),
    begntime: beijing(begun),
    institution: options.institution ?? HOSPITAL,
    diagnosis: options.drug === true ? "C34.900" : "I63.900",
    ...(options.drug === true ? { items: [{ code: WS_DRUG, amount: amount + 100 }] } : {}),
  });
  rec.endtime = beijing(setl - b.rng.int(0, 3_600_000));
  if (b.rng.chance(0.3)) {
    const part = amountFen(rec.psn_part_amt) ?? 0;
    const cash = b.rng.int(0, part);
    rec.acct_pay = yuanText(part - cash);
    rec.psn_cash_pay = yuanText(cash);
  }
  return { ...rec, certno: await b.certnoOf(psnNo) };
}

const semanticRecord = (prefix: Path): ((b: Build) => ReturnType<NonNullable<Model["semantic"]>>) => {
  const at = (value: unknown, f: (r: Record<string, unknown>) => Record<string, unknown>) =>
    setDeep(value, prefix, f({ ...(getAt(value, prefix) as Record<string, unknown>) }));
  return () => [
    {
      label: "setl_time in the future",
      mustRefuse: true,
      apply: (v) =>
        at(v, (r) => ({
          ...r,
          setl_time: "2098-01-01 10:00:00",
          begntime: "2098-01-01 09:00:00",
          endtime: "2098-01-01 09:30:00",
        })),
    },
    {
      label: "begntime after endtime",
      mustRefuse: true,
      apply: (v) => at(v, (r) => ({ ...r, begntime: r.endtime, endtime: r.begntime })),
    },
    {
      label: "endtime after setl_time",
      mustRefuse: true,
      apply: (v) =>
        at(v, (r) => ({ ...r, endtime: beijing((timeMs(r.setl_time, "datetime") ?? 0) + 3_600_000) })),
    },
    {
      label: "year 0000",
      mustRefuse: true,
      apply: (v) => at(v, (r) => ({ ...r, setl_time: `0000${String(r.setl_time).slice(4)}` })),
    },
    {
      label: "acct_pay + psn_cash_pay ≠ psn_part_amt",
      mustRefuse: true,
      apply: (v) => at(v, (r) => ({ ...r, acct_pay: r.psn_part_amt, psn_cash_pay: "1.00" })),
    },
    {
      label: "malformed dise_codg",
      mustRefuse: true,
      apply: (v) => at(v, (r) => ({ ...r, dise_codg: "I63 900; drop" })),
    },
    {
      label: "amount padded with spaces",
      mustRefuse: true,
      apply: (v) => at(v, (r) => ({ ...r, medfee_sumamt: ` ${r.medfee_sumamt} ` })),
    },
    {
      label: "fund_pay_sumamt off by a fen",
      mustRefuse: true,
      apply: (v) =>
        at(v, (r) => ({ ...r, fund_pay_sumamt: yuanText((amountFen(r.fund_pay_sumamt) ?? 0) + 1) })),
    },
    {
      label: "out of scope above the burden",
      mustRefuse: true,
      apply: (v) =>
        at(v, (r) => ({ ...r, fulamt_ownpay_amt: yuanText((amountFen(r.psn_part_amt) ?? 0) + 1) })),
    },
    {
      label: "certno of another person",
      mustRefuse: false,
      apply: (v) => at(v, (r) => ({ ...r, certno: makeCertno("532621", "19800101", 987) })),
    },
    {
      label: "unknown field of 200 KB",
      mustRefuse: false,
      apply: (v) => at(v, (r) => ({ ...r, fz_note: "备".repeat(70_000) })),
    },
    {
      label: "psn_no not on the roster",
      mustRefuse: false,
      apply: (v) => at(v, (r) => ({ ...r, psn_no: "NOBODY-1" })),
    },
  ];
};

function setDeep(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[head as number] = setDeep(copy[head as number], rest, replacement);
    return copy;
  }
  return {
    ...(value as Record<string, unknown>),
    [head]: setDeep((value as Record<string, unknown>)[head as string], rest, replacement),
  };
}

const own = (b: Build) => (b.caller.kind === "bearer" ? b.caller.psnNo : undefined);
const uninsured = (b: Build) => b.state.roster.filter((p) => !b.state.issued.has(p.psnNo));
const pickUninsured = (b: Build) => {
  const pool = uninsured(b);
  return pool.length > 0 ? b.rng.pick(pool) : b.rng.pick(b.state.roster);
};
const liveClaims = (b: Build, institution?: string) =>
  b.state.claims.filter(
    (c) => c.state !== "revoked" && (institution === undefined || c.institution === institution),
  );
const idOr = <T>(items: readonly T[], b: Build, f: (t: T) => string, fallback: string) =>
  items.length > 0 ? f(b.rng.pick(items)) : fallback;

/** Keyed by `METHOD url` as the route table lists it. */
const MODELS: Record<string, Model> = {
  "POST /api/v1/auth/login": {
    // Every login runs argon2 (also for unknown names), ~100 ms: a small share keeps the run within budget.
    weight: 0.08,
    bodyRequired: true,
    // A lockout after wrong passwords (finding 6) may refuse every later login of a run: not required.
    mayNeverSucceed: true,
    build: async (b) => {
      const target = b.rng.pick(LOGIN_TARGETS);
      return {
        body: {
          kind: "json",
          value: { program_id: PROGRAM, username: target.username, password: target.password },
        },
      };
    },
  },
  "POST /api/v1/auth/logout": {
    weight: 0.4,
    bodyRequired: false,
    build: async (b) => ({
      body: { kind: "none" },
      bearer: b.disposableTokens.length > 0 && b.rng.chance(0.7) ? b.disposableTokens.pop() : undefined,
    }),
  },
  "POST /api/v1/programs": {
    weight: 0.5,
    prefer: ["admin"],
    bodyRequired: true,
    build: async (b) => ({
      body: {
        kind: "json",
        value: {
          program_id: `fz-${b.backend}-${b.n}`,
          product_id: b.rng.pick(["wenshan-2023", "chuxiong-2023"]),
        },
      },
    }),
  },
  "POST /api/v1/programs/:program_id/institutions": {
    bodyRequired: true,
    build: async (b) => ({
      body: {
        kind: "json",
        value: { fixmedins_code: `H9${pad(b.n, 10)}`, name: `模糊测试医院 ${b.n}` },
      },
    }),
  },
  "POST /api/v1/programs/:program_id/enrollments": {
    era: "enrollment",
    bodyRequired: true,
    build: async (b) => {
      const role = b.caller.kind === "bearer" ? b.caller.role : "operator";
      const person = pickUninsured(b);
      if (role === "resident") {
        const members = [person, pickUninsured(b)].filter(
          (p, i, all) => all.findIndex((q) => q.psnNo === p.psnNo) === i,
        );
        const described = await Promise.all(
          members.map(async (p) => ({
            certno: await b.certnoOf(p.psnNo),
            psn_name: p.name,
            relation: b.rng.pick(["spouse", "child", "parent"]),
          })),
        );
        return {
          body: {
            kind: "json",
            value: b.rng.chance(0.2)
              ? { kind: "individual", psn_no: own(b), channel: "cash" }
              : {
                  kind: "family",
                  payer_psn_no: own(b),
                  channel: b.rng.pick(["cash", "cash", "personal_account"]),
                  members: described,
                },
          },
        };
      }
      const pool = b.state.pools.find((p) => p.balance >= 69_00);
      if (role === "charity" || (pool !== undefined && b.rng.chance(0.2))) {
        const cohort = b.state.roster.filter((p) => p.cohort !== null && !b.state.issued.has(p.psnNo));
        const chosen = cohort.length > 0 ? cohort : [person];
        return {
          body: {
            kind: "json",
            value: {
              kind: "charity",
              cohort: chosen[0]?.cohort ?? "tuopin",
              psn_nos: [b.rng.pick(chosen).psnNo],
              channel: `charity:${pool?.poolId ?? "red-cross"}`,
            },
          },
        };
      }
      const unit = b.state.roster.find((p) => p.unitCode !== null && !b.state.issued.has(p.psnNo));
      if (unit !== undefined && b.rng.chance(0.15))
        return {
          body: { kind: "json", value: { kind: "unit", unit_code: unit.unitCode, channel: "offline" } },
        };
      if (b.rng.chance(0.3)) {
        const other = pickUninsured(b);
        return {
          body: {
            kind: "json",
            value: {
              kind: "family",
              payer_psn_no: person.psnNo,
              channel: b.rng.pick(["offline", "cash"]),
              members: [
                { psn_no: person.psnNo, relation: "self" },
                ...(other.psnNo === person.psnNo ? [] : [{ psn_no: other.psnNo, relation: "child" }]),
              ],
            },
          },
        };
      }
      return {
        body: {
          kind: "json",
          value: {
            kind: "individual",
            psn_no: person.psnNo,
            channel: b.rng.pick(["offline", "cash", "personal_account"]),
            ...(b.rng.chance(0.3) ? { plan: "standard" } : {}),
          },
        },
      };
    },
  },
  "POST /api/v1/programs/:program_id/payments/personal-account/preauth": {
    era: "enrollment",
    bodyRequired: true,
    build: async (b) => {
      // Pre-authorizes the account deduction for an enrolled, unpaid person (the payer's own, for a resident).
      const mine = own(b);
      const unpaid = b.state.policies.filter(
        (p) =>
          !b.state.issued.has(p.psnNo) &&
          p.status !== "cancelled" &&
          (mine === undefined || p.payer === mine),
      );
      const policy = unpaid.length > 0 ? b.rng.pick(unpaid) : undefined;
      const psnNo = policy?.psnNo ?? pickUninsured(b).psnNo;
      return {
        body: { kind: "json", value: { payer_psn_no: mine ?? policy?.payer ?? psnNo, psn_nos: [psnNo] } },
      };
    },
  },
  "POST /api/v1/programs/:program_id/charity-pools": {
    weight: 0.5,
    bodyRequired: true,
    build: async (b) => ({
      body: { kind: "json", value: { pool_id: `fz-pool-${b.n}`, name: `慈善资金池 ${b.n}` } },
    }),
  },
  "POST /api/v1/programs/:program_id/charity-pools/:pool_id/donations": {
    bodyRequired: true,
    rules: [{ path: "amount", kind: "typed_amount", required: true }],
    check: (v) => {
      const amount = (v as { amount?: unknown }).amount;
      return amountFen(amount) === 0 ? "amount zero" : undefined;
    },
    build: async (b) => ({
      params: { pool_id: idOr(b.state.pools, b, (p) => p.poolId, "red-cross") },
      body: {
        kind: "json",
        value: {
          amount: b.rng.chance(0.5)
            ? `${b.rng.int(1, 5_000)}.${pad(b.rng.int(0, 99), 2)}`
            : b.rng.int(1, 5_000),
          donor: `爱心企业 ${b.n}`,
          ref: `FZ-D-${b.backend}-${b.n}`,
        },
      },
    }),
  },
  "POST /api/v1/payments/callback/:provider": {
    era: "enrollment",
    bodyRequired: true,
    bodyType: "object",
    rules: [
      { path: "program_id", kind: "text", required: true },
      { path: "order_no", kind: "text", required: true },
      { path: "provider_txn", kind: "text", required: true },
    ],
    check: (v) => {
      const r = v as Record<string, unknown>;
      if (r.status !== "paid" && r.status !== "failed") return "status neither paid nor failed";
      if (typeof r.amount_fen !== "number" || !Number.isSafeInteger(r.amount_fen))
        return "amount_fen not an integer";
      return undefined;
    },
    build: async (b) => {
      const order =
        b.state.orders.find((o) => o.provider === "sandbox" && o.status === "created") ?? b.state.orders[0];
      return {
        params: { provider: "sandbox" },
        publicSignature: "sandbox",
        body: {
          kind: "json",
          value: {
            program_id: PROGRAM,
            order_no: order?.orderNo ?? "O0000000000",
            status: b.rng.chance(0.85) ? "paid" : "failed",
            amount_fen: order?.amount ?? 6_900,
            provider_txn: `SBXFZ${b.n}`,
          },
        },
      };
    },
  },
  "POST /api/v1/sandbox/pay/:order_no": {
    era: "enrollment",
    bodyRequired: false,
    build: async (b) => ({
      params: {
        order_no: idOr(
          b.state.orders.filter((o) => o.status === "created" || o.status === "preauthorized"),
          b,
          (o) => o.orderNo,
          "O0000000000",
        ),
      },
      body: { kind: "json", value: b.rng.chance(0.85) ? { status: "paid" } : { status: "failed" } },
    }),
  },
  "POST /api/v1/programs/:program_id/payments/reconcile": {
    era: "enrollment",
    weight: 0.5,
    bodyRequired: false,
    build: async (b) => ({ body: { kind: "json", value: { older_than_minutes: b.rng.int(0, 60) } } }),
  },
  "POST /api/v1/programs/:program_id/payments/:order_no/confirm": {
    era: "enrollment",
    bodyRequired: true,
    build: async (b) => ({
      params: {
        order_no: idOr(
          b.state.orders.filter((o) => o.status === "preauthorized"),
          b,
          (o) => o.orderNo,
          "O0000000000",
        ),
      },
      body: {
        kind: "json",
        value: { status: b.rng.chance(0.8) ? "paid" : "failed", provider_txn: `YB-FZ-${b.n}` },
      },
    }),
  },
  "POST /api/v1/programs/:program_id/policies/:policy_no/cancel": {
    bodyRequired: false,
    build: async (b) => {
      const mine = own(b);
      const candidates = b.state.policies.filter(
        (p) =>
          !CORE_INSURED.includes(p.psnNo) &&
          p.status !== "cancelled" &&
          (mine === undefined || p.payer === mine),
      );
      return {
        params: { policy_no: idOr(candidates, b, (p) => p.policyNo, "HMB0000000000") },
        body: { kind: "json", value: b.rng.chance(0.5) ? { reason: "不想要了" } : {} },
      };
    },
  },
  "POST /api/v1/programs/:program_id/roster/imports": {
    afterAnswered: async (ctx) => {
      const running = await ctx.db.query<{ import_id: string }>(
        "select import_id from roster_imports where status = 'running'",
      );
      return running.length > 0
        ? `import ${running[0]?.import_id} still running after the answer`
        : undefined;
    },
    // Each accepted import builds and swaps a roster partition (tens of ms): a smaller share.
    weight: 0.3,
    bodyRequired: true,
    build: async (b) => {
      const rows = [ROSTER_HEADER];
      for (let i = 0; i < b.rng.int(1, 3); i++) {
        const birth = `19${b.rng.int(50, 99)}${pad(b.rng.int(1, 12), 2)}${pad(b.rng.int(1, 28), 2)}`;
        rows.push([
          `FZ${b.backend === "pglite" ? "L" : "P"}${pad(b.n, 7)}${i}`,
          makeCertno("532621", birth, (b.n * 10 + i) % 1000),
          `模糊${b.n}${i}`,
          b.rng.pick(["1", "2"]),
          `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
          "390",
          "532621",
          b.rng.chance(0.2) ? "U2" : "",
          b.rng.chance(0.2) ? "tuopin" : "",
        ]);
      }
      if (b.rng.chance(0.3))
        return { body: { kind: "bytes", bytes: await xlsxOf(rows), contentType: XLSX_TYPE } };
      return { body: { kind: "csv", rows, contentType: b.rng.chance(0.8) ? "text/csv" : "text/plain" } };
    },
  },
  "POST /api/v1/programs/:program_id/settlements": {
    era: "claims",
    bodyRequired: true,
    bodyType: "object",
    rules: recordRules(""),
    check: (v, b) => recordProblem(v, latestSettlement(b)),
    semantic: semanticRecord([]),
    build: async (b) => ({
      body: { kind: "json", value: await validRecord(b, b.rng.pick(CORE_INSURED)) },
    }),
    afterAccepted: async (_res, sent, _b, ctx) => {
      // Unknown fields are dropped, never stored (finding 5).
      if (sent.parsed?.ok !== true) return undefined;
      const body = sent.parsed.value as Record<string, unknown>;
      const unknown = Object.keys(body).filter((k) => !KNOWN_RECORD_FIELDS.has(k));
      if (unknown.length === 0) return undefined;
      const rows = await ctx.db.query<{ keys: string[] }>(
        "select array(select jsonb_object_keys(record)) as keys from medical_records where program_id = $1 and setl_id = $2",
        [PROGRAM, String(body.setl_id)],
      );
      const stored = (rows[0]?.keys ?? []).filter((k) => unknown.includes(k));
      return stored.length > 0 ? `unknown field(s) ${stored.join(", ")} stored` : undefined;
    },
  },
  "POST /api/v1/programs/:program_id/settlements/:setl_id/revoke": {
    era: "claims",
    bodyRequired: false,
    bodyType: "objectOrNull",
    rules: [{ path: "reason", kind: "text", required: false, maxLength: 200 }],
    check: (v, _b, built) => {
      if (v === null) return undefined;
      const r = v as Record<string, unknown>;
      const extra = Object.keys(r).find((k) => k !== "reason" && k !== "setl_id");
      if (extra !== undefined) return `unexpected field ${extra}`;
      if (r.setl_id !== undefined && r.setl_id !== built.params?.setl_id)
        return "setl_id differs from the path";
      return undefined;
    },
    build: async (b) => {
      const institution = b.caller.kind === "hmac" ? b.caller.institution : undefined;
      const setlId = idOr(liveClaims(b, institution), b, (c) => c.setlId, "NOPE-1");
      return {
        params: { setl_id: setlId },
        body: {
          kind: "json",
          value: { reason: "结算有误", ...(b.rng.chance(0.8) ? { setl_id: setlId } : {}) },
        },
      };
    },
  },
  "POST /api/v1/programs/:program_id/special-drug-claims": {
    era: "claims",
    institution: PHARMACY,
    bodyRequired: true,
    bodyType: "object",
    rules: [
      { path: "record", kind: "object", required: true },
      ...recordRules("record."),
      { path: "prescription", kind: "object", required: true },
      { path: "prescription.rx_no", kind: "text", required: true, maxLength: 64 },
      { path: "prescription.prescriber_fixmedins_code", kind: "text", required: true },
      { path: "prescription.diagnosis_code", kind: "text", required: true },
      { path: "prescription.issued_at", kind: "datetime", required: true },
      { path: "prescription.drugs", kind: "array", required: true },
      { path: "prescription.drugs[]", kind: "text", required: true },
    ],
    check: (v, b) => {
      const r = v as { record?: unknown; prescription?: { drugs?: unknown[] } };
      const problem = recordProblem(r.record, latestSettlement(b));
      if (problem !== undefined) return `record: ${problem}`;
      const drugs = r.prescription?.drugs ?? [];
      if (drugs.length === 0) return "no drugs";
      if (new Set(drugs).size !== drugs.length) return "a drug twice";
      return undefined;
    },
    semantic: semanticRecord(["record"]),
    build: async (b) => {
      const rec = await validRecord(b, b.rng.pick(CORE_INSURED), {
        institution: PHARMACY,
        medType: "41",
        drug: true,
      });
      const issued = (timeMs(rec.setl_time, "datetime") ?? 0) - b.rng.int(1, 5) * 86_400_000;
      return {
        body: {
          kind: "json",
          value: {
            record: rec,
            prescription: {
              rx_no: `RX-FZ-${b.backend}-${b.n}`,
              prescriber_fixmedins_code: HOSPITAL,
              diagnosis_code: "C34.900",
              issued_at: beijing(issued),
              drugs: [WS_DRUG],
            },
          },
        },
      };
    },
  },
  "POST /api/v1/programs/:program_id/payout-batches": {
    era: "claims",
    weight: 0.6,
    bodyRequired: true,
    bodyType: "object",
    check: (v, b) => {
      const r = v as Record<string, unknown>;
      if (r.payee !== "resident" && r.payee !== "hospital") return "payee neither resident nor hospital";
      const through = timeMs(r.through, "date");
      if (through === undefined) return "through not a date";
      if ((r.through as string) > day(b.now.getTime())) return "through after today";
      return undefined;
    },
    build: async (b) => ({
      body: {
        kind: "json",
        value: {
          payee: b.rng.pick(["resident", "hospital"]),
          // Claims count as settled on the business day they came in (today here), so mostly today.
          through: day(b.now.getTime() - (b.rng.chance(0.7) ? 0 : b.rng.int(1, 20)) * 86_400_000),
        },
      },
    }),
  },
  "PUT /api/v1/programs/:program_id/oversight/settings": {
    weight: 0.5,
    bodyRequired: true,
    build: async (b) => ({ body: { kind: "json", value: { ibnr_bps: b.rng.int(0, 2_000) } } }),
  },
  "POST /api/v1/programs/:program_id/benefit-quote": {
    bodyRequired: true,
    // Typed in by a person in the calculator: amounts may come with blanks around them (parseYuan trims).
    check: (v) => {
      const r = v as Record<string, unknown>;
      const typed = (x: unknown) => amountFen(typeof x === "string" ? x.trim() : x);
      // out_of_scope is optional: left blank, it is not given.
      const given = (f: string) =>
        r[f] !== undefined && !(typeof r[f] === "string" && (r[f] as string).trim() === "");
      for (const f of ["total", "insurance_paid", "out_of_scope"])
        if ((given(f) || f !== "out_of_scope") && typed(r[f]) === undefined) return `${f} not an amount`;
      const total = typed(r.total) ?? 0;
      if ((typed(r.insurance_paid) ?? 0) > total) return "insurance paid more than the total";
      if ((typed(r.out_of_scope) ?? 0) > total - (typed(r.insurance_paid) ?? 0))
        return "out of scope above the burden";
      return undefined;
    },
    build: async (b) => {
      const total = b.rng.int(1_000, 500_000);
      const paid = b.rng.int(0, total);
      return {
        body: {
          kind: "json",
          value: {
            total: `${total}.00`,
            insurance_paid: paid,
            out_of_scope: `${b.rng.int(0, total - paid)}.50`.replace(/^(\d+)\.50$/, (m, w: string) =>
              Number(w) + 1 > total - paid ? "0.00" : m,
            ),
            ...(b.rng.chance(0.5)
              ? { plan: "standard", out_of_region: b.rng.chance(0.5), pre_existing: b.rng.chance(0.5) }
              : {}),
            ...(b.rng.chance(0.3) ? { lang: b.rng.pick(["zh", "en"]) } : {}),
          },
        },
      };
    },
  },
  "POST /api/v1/programs/:program_id/eligibility": {
    bodyRequired: true,
    build: async (b) => ({
      body: { kind: "json", value: { certno: await b.certnoOf(b.rng.pick(b.state.roster).psnNo) } },
    }),
  },
  "POST /api/v1/programs/:program_id/counter-claims": {
    era: "claims",
    prefer: ["resident", "operator"],
    bodyRequired: true,
    rules: recordRules("record."),
    check: (v, b) => {
      const r = v as { psn_no?: unknown; record?: unknown };
      const problem = recordProblem(r.record, latestSettlement(b));
      return problem === undefined ? undefined : `record: ${problem}`;
    },
    semantic: semanticRecord(["record"]),
    build: async (b) => {
      const psnNo = own(b) ?? b.rng.pick(CORE_INSURED);
      return {
        body: {
          kind: "json",
          value: {
            psn_no: psnNo,
            record: await validRecord(b, psnNo, { setlId: `FZ-CC-${b.backend}-${b.n}` }),
            ...(b.rng.chance(0.5) ? { note: "住院发票已扫描" } : {}),
          },
        },
      };
    },
  },
  "PUT /api/v1/programs/:program_id/counter-claims/settings": {
    weight: 0.5,
    bodyRequired: true,
    rules: [{ path: "four_eyes_threshold", kind: "typed_amount", required: false }],
    build: async (b) => ({
      body: {
        kind: "json",
        value: {
          four_eyes_threshold: `${b.rng.int(1_000, 50_000)}.00`,
          appeal_window_days: b.rng.int(1, 90),
        },
      },
    }),
  },
  "POST /api/v1/programs/:program_id/counter-claims/:case_id/assign": {
    era: "claims",
    bodyRequired: false,
    build: async (b) => ({
      params: { case_id: idOr(b.state.cases, b, (c) => c.caseId, "CC0000000") },
      body: { kind: "json", value: b.rng.chance(0.5) ? {} : { assignee: b.rng.pick(["op1", "op2"]) } },
    }),
  },
  "POST /api/v1/programs/:program_id/counter-claims/:case_id/decision": {
    era: "claims",
    bodyRequired: true,
    build: async (b) => {
      const open = b.state.cases.filter(
        (c) => !["approved", "rejected", "adjusted", "paid"].includes(c.status),
      );
      const c = open.length > 0 ? b.rng.pick(open) : b.state.cases[0];
      const decision = b.rng.pick(["approve", "approve", "reject", "adjust"]);
      let value: Record<string, unknown> = { decision };
      if (decision === "reject") value = { decision, reason: "单据不全" };
      if (decision === "adjust" && c !== undefined) {
        const part = Math.max(0, (amountFen(c.record.psn_part_amt) ?? 0) - 100);
        const medfee = (amountFen(c.record.medfee_sumamt) ?? 0) - 100;
        value = {
          decision,
          reason: "核减不合理费用",
          record: { ...c.record, medfee_sumamt: yuanText(Math.max(0, medfee)), psn_part_amt: yuanText(part) },
        };
      }
      return { params: { case_id: c?.caseId ?? "CC0000000" }, body: { kind: "json", value } };
    },
  },
  "POST /api/v1/programs/:program_id/counter-claims/:case_id/appeal": {
    era: "claims",
    bodyRequired: true,
    build: async (b) => {
      const mine = own(b);
      const decided = b.state.cases.filter(
        (c) => ["rejected", "adjusted"].includes(c.status) && (mine === undefined || c.psnNo === mine),
      );
      return {
        params: {
          case_id: idOr(decided.length > 0 ? decided : b.state.cases, b, (c) => c.caseId, "CC0000000"),
        },
        body: { kind: "json", value: { reason: "费用均为治疗必需" } },
      };
    },
  },
  "PUT /api/v1/programs/:program_id/counter-claims/:case_id/documents/:doc_kind": {
    era: "claims",
    weight: 0.6,
    bodyRequired: true,
    build: async (b) => {
      const mine = own(b);
      const cases = b.state.cases.filter((c) => mine === undefined || c.psnNo === mine);
      const [bytes, type] = b.rng.pick([
        [PDF, "application/pdf"],
        [JPEG, "image/jpeg"],
        [PNG, "image/png"],
      ] as const);
      return {
        params: {
          case_id: idOr(cases, b, (c) => c.caseId, "CC0000000"),
          doc_kind: b.rng.pick(["invoice", "settlement_sheet", "other", "appeal"]),
        },
        body: { kind: "bytes", bytes: Buffer.concat([bytes, Buffer.from(`%${b.n}`)]), contentType: type },
      };
    },
  },
  "POST /api/v1/programs/:program_id/medical-records": {
    era: "claims",
    bodyRequired: true,
    build: async (b) => {
      const count = b.rng.int(1, 3);
      const records = [];
      for (let i = 0; i < count; i++)
        records.push(
          await validRecord(b, b.rng.pick(["P001", "P005", ...CORE_INSURED]), {
            setlId: `FZ-MR-${b.backend}-${b.n}-${i}`,
          }),
        );
      return { body: { kind: "json", value: { records } } };
    },
    afterAccepted: async (res, sent, b) => {
      // Records are judged one by one (200 with a result each): an impossible one must not be stored.
      if (sent.parsed?.ok !== true) return undefined;
      const records = (sent.parsed.value as { records?: unknown[] }).records ?? [];
      const results = (res.json() as { results?: { status: string }[] }).results ?? [];
      for (const [i, rec] of records.entries()) {
        const problem = recordProblem(rec, latestSettlement(b));
        if (problem !== undefined && results[i]?.status !== "error")
          return `records[${i}] (${problem}) answered ${results[i]?.status ?? "nothing"}, not error`;
      }
      return undefined;
    },
  },
  "POST /api/v1/programs/:program_id/consents": {
    era: "claims",
    bodyRequired: true,
    check: (v) => {
      const r = v as Record<string, unknown>;
      const from = timeMs(r.from, "date");
      const to = timeMs(r.to, "date");
      if (from === undefined) return "from not a date";
      if (to === undefined) return "to not a date";
      if (from > to) return "from after to";
      return undefined;
    },
    build: async (b) => ({
      body: {
        kind: "json",
        value: {
          scope: "settlement_records",
          from: day(COVERAGE_START - b.rng.int(0, 5) * 86_400_000),
          to: day(b.now.getTime() - b.rng.int(0, 3) * 86_400_000),
          days_valid: b.rng.int(1, 90),
        },
      },
    }),
  },
  "POST /api/v1/programs/:program_id/consents/:consent_id/revoke": {
    era: "claims",
    weight: 0.5,
    bodyRequired: false,
    build: async (b) => ({
      params: {
        consent_id: idOr(
          b.state.consents.filter((c) => c.psnNo === own(b)),
          b,
          (c) => c.consentId,
          "CS0000000",
        ),
      },
      body: { kind: "none" },
    }),
  },
  "POST /api/v1/programs/:program_id/online-claims": {
    era: "claims",
    bodyRequired: true,
    build: async (b) => {
      const mine = b.state.claimable.filter((c) => c.psnNo === own(b));
      return {
        body: {
          kind: "json",
          value: { setl_ids: mine.length > 0 ? [b.rng.pick(mine).setlId] : ["FZ-NONE"] },
        },
      };
    },
  },
};

const KNOWN_RECORD_FIELDS = new Set([
  ...RECORD_TEXT.map(([f]) => f),
  ...RECORD_TIMES.map(([f]) => f),
  ...RECORD_AMOUNTS.map(([f]) => f),
  "feedetail",
]);

/** A route nobody modelled yet: its schema's minimal body, every admitted caller. */
const genericModel = (route: FuzzRoute): Model => ({
  bodyRequired: route.bodySchema !== undefined && (route.bodySchema.required?.length ?? 0) > 0,
  build: async () => ({
    body:
      route.method === "DELETE" && route.bodySchema === undefined
        ? { kind: "none" }
        : { kind: "json", value: sampleFromSchema(route.bodySchema) },
  }),
});

async function xlsxOf(rows: string[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet("名单");
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await book.xlsx.writeBuffer());
}

// ---------------------------------------------------------------------------------------------------------
// The plan fast-check draws per request

interface Plan {
  readonly pick: number;
  readonly caller: number;
  readonly era: boolean;
  readonly seed: number;
  readonly mutation: Mutation;
  readonly path: { param: number; value: string } | null;
  readonly idempotencyKey: string | null;
  readonly query: string | null;
}

/** `arb` with probability `p`, null otherwise. */
function sometimes<T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | null> {
  const scale = 10_000;
  return fc.oneof(
    { weight: Math.round((1 - p) * scale), arbitrary: fc.constant(null) },
    { weight: Math.round(p * scale), arbitrary: arb },
  );
}

// Unbiased: fast-check's bias towards edge values would send nearly every request to the first route.
const planArb: fc.Arbitrary<Plan> = fc.noBias(
  fc.record({
    pick: unitFraction,
    caller: fc.nat(),
    era: fc.boolean(),
    seed: fc.integer(),
    mutation: mutationArb,
    path: sometimes(fc.record({ param: fc.nat(), value: pathValueArb }), 1 / 12),
    idempotencyKey: sometimes(
      fc.oneof(
        fc.constantFrom("fuzz-key-0001", "fuzz-key-0002", "short", "has space!", "ü-not-ascii-key"),
        fc.stringMatching(/^[A-Za-z0-9_.:-]{8,40}$/),
      ),
      1 / 15,
    ),
    query: sometimes(
      fc.constantFrom("?a=%00", "?x=1&x=2", "?__proto__[a]=1", "?q='%20or%201=1", `?${"p".repeat(3000)}=1`),
      1 / 25,
    ),
  }),
);

// ---------------------------------------------------------------------------------------------------------
// Failures: collected, deduplicated, reported with a reproduction

interface Failure {
  readonly backend: string;
  readonly route: string;
  readonly what: string;
  readonly repro: string;
  count: number;
}

function excerpt(payload: string | Buffer | undefined, max = 400): string {
  if (payload === undefined) return "(none)";
  const text =
    typeof payload === "string"
      ? payload
      : `<${payload.length} bytes> ${payload.subarray(0, 60).toString("hex")}`;
  const shown = text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
  return JSON.stringify(shown);
}

let totalRequests = 0;

// The back ends run side by side (PGlite in this process, PostgreSQL in its server: two cores), each one's
// steps in order.
describe.concurrent.each(BACKENDS)("fuzzing every write route on %s", (backend) => {
  let platform: TestPlatform;
  let ctx: PlatformContext;
  const apps = new Map<Era, FastifyInstance>();
  let routes: FuzzRoute[] = [];
  let tracker: ChangeTracker;
  const tokens = new Map<string, { username: string; token: string; psnNo?: string }[]>();
  const secrets = new Map<string, string>();
  const certnos = new Map<string, string>();
  let wedged = false;

  async function readSecrets() {
    const rows = await ctx.db.query<{ fixmedins_code: string; secret_enc: Uint8Array }>(
      "select fixmedins_code, secret_enc from institutions where program_id = $1 and fixmedins_code = any($2)",
      [PROGRAM, [HOSPITAL, OTHER_HOSPITAL, PHARMACY]],
    );
    for (const r of rows) secrets.set(r.fixmedins_code, decrypt(ctx.keys, r.secret_enc));
  }

  async function certnoOf(psnNo: string): Promise<string> {
    const hit = certnos.get(psnNo);
    if (hit !== undefined) return hit;
    const rows = await ctx.db.query<{ certno_enc: Uint8Array }>(
      "select certno_enc from roster_persons where program_id = $1 and psn_no = $2",
      [PROGRAM, psnNo],
    );
    const certno =
      rows[0] === undefined ? makeCertno("110101", "19700101", 1) : decrypt(ctx.keys, rows[0].certno_enc);
    certnos.set(psnNo, certno);
    return certno;
  }

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: ENROLL_NOW });
    ctx = platform.ctx;
    // Sandbox providers with secrets the test knows, so fuzzed callbacks can carry a valid signature.
    configureGateways(ctx, {
      cash: new SandboxGateway("sandbox", CASH_SECRET),
      personalAccount: new SandboxGateway("sandbox-medicare", ACCOUNT_SECRET),
    });
    await setupClaims(ctx, { insured: CORE_INSURED });
    await readSecrets();
    for (const u of [
      { username: "op2", password: "op2-pass-12", role: "operator" as const },
      { username: "reg1", password: "reg-pass-12", role: "regulator" as const },
      ...LOGIN_TARGETS.map((t) => ({ ...t, role: "operator" as const })),
    ])
      await createUser(ctx, CLI_ACTOR, { programId: PROGRAM, ...u });
    for (const u of USERS) {
      const { token } = await login(ctx, u.username === "admin" ? "*" : PROGRAM, u.username, u.password);
      const list = tokens.get(u.role) ?? [];
      list.push({ username: u.username, token, psnNo: u.psnNo });
      tokens.set(u.role, list);
    }
    // An unpaid cash order from the start, for the payment routes' first requests to aim at.
    await enroll(ctx, CLI_ACTOR, { programId: PROGRAM, kind: "individual", psnNo: "P007", channel: "cash" });
    const options = { publicRateLimit: 10_000 };
    apps.set("enrollment", await buildServer(ctx, options));
    apps.set("claims", await buildServer({ ...ctx, clock: fixedClock(new Date(CLAIMS_NOW)) }, options));
    for (const app of apps.values()) await app.ready();
    routes = writeRoutes();
    tracker = new ChangeTracker(ctx.db);
    await tracker.install();
  });

  afterAll(async () => {
    for (const app of apps.values()) await within(app.close(), 10_000);
    await within(platform?.close() ?? Promise.resolve(), 20_000);
  });

  it.sequential("finds the write routes in the live route table, and a model for each", ({ expect }) => {
    const keys = routes.map((r) => r.key);
    expect(keys).toContain("POST /api/v1/programs/:program_id/settlements");
    expect(keys).toContain("POST /api/v1/programs/:program_id/roster/imports");
    expect(keys.length).toBeGreaterThanOrEqual(25);
    // Not a failure, but worth knowing: a route without a model is fuzzed from its schema alone.
    const unmodelled = keys.filter((k) => MODELS[k] === undefined);
    if (unmodelled.length > 0)
      console.log(`fuzz: routes without a model (schema-only bodies): ${unmodelled.join(", ")}`);
    // Models of routes that no longer exist would silently fuzz nothing.
    expect(Object.keys(MODELS).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it.sequential("sees every committed row change, nothing rolled back, and agrees with a full scan", async ({
    expect,
  }) => {
    // The "stored nothing" check is only as good as the tracking under it: prove it on a harmless row.
    expect(await tracker.drain()).toEqual([]);
    const before = await tracker.tableSums();
    const insert =
      "insert into charity_pools (program_id, pool_id, name, created_at) values ($1, 'fz-selftest', 'x', now())";
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query(insert, [PROGRAM]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await tracker.drain()).toEqual([]);
    await ctx.db.query(insert, [PROGRAM]);
    await ctx.db.query("update charity_pools set name = name where pool_id = 'fz-selftest'");
    const added = await tracker.drain();
    expect(added.map((c) => [c.table, c.op, c.rows])).toEqual([["charity_pools", "I", 1]]);
    const after = await tracker.tableSums();
    expect(diffSums(applyChanges(before, added), after)).toEqual([]);
    expect(diffSums(before, after)).toEqual(["charity_pools rows 0→1"]);
    await ctx.db.query("update charity_pools set name = 'y' where pool_id = 'fz-selftest'");
    await ctx.db.query("delete from charity_pools where pool_id = 'fz-selftest'");
    const removed = await tracker.drain();
    expect(removed.map((c) => c.op)).toEqual(["U", "D"]);
    expect(netChanges([...added, ...removed]).size).toBe(0);
    expect(diffSums(before, await tracker.tableSums())).toEqual([]);
  });

  it.sequential("refuses what fuzzing found before, storing nothing (the regression corpus)", async ({
    expect,
  }) => {
    // Finds of this suite, replayed exactly on every run: each must be a 4xx that stores nothing (outside
    // the bookkeeping tables). Some were 500s on main before issue 10; see the report of issue 10.
    const app = apps.get("claims") as FastifyInstance;
    const b: Build = {
      rng: new Rng(7),
      n: 0,
      backend,
      era: "claims",
      now: new Date(CLAIMS_NOW),
      caller: { kind: "hmac", institution: HOSPITAL },
      state: await readState(ctx),
      certnoOf,
      disposableTokens: [],
    };
    const hmac = (body: string, institution = HOSPITAL) => {
      const ts = String(Date.now());
      return {
        "content-type": "application/json",
        "x-hmb-institution": institution,
        "x-hmb-timestamp": ts,
        "x-hmb-signature": createHmac("sha256", secrets.get(institution) as string)
          .update(`${ts}\n${body}`)
          .digest("hex"),
      };
    };
    const bearer = (role: string) => ({
      "content-type": "application/json",
      authorization: `Bearer ${tokens.get(role)?.[0]?.token}`,
    });
    let serial = 0;
    const settlement = async (over: Record<string, unknown>) => {
      const body = JSON.stringify({
        ...(await validRecord(b, "P002", { setlId: `FZ-CORPUS-${++serial}` })),
        ...over,
      });
      return { url: `/api/v1/programs/${PROGRAM}/settlements`, headers: hmac(body), payload: body };
    };
    const cases: [string, InjectOptions][] = [
      [
        "settlement with med_type constructor (an inherited property of the code table)",
        { method: "POST", ...(await settlement({ med_type: "constructor" })) },
      ],
      [
        "settlement with med_type __proto__",
        { method: "POST", ...(await settlement({ med_type: "__proto__" })) },
      ],
      [
        "settlement with begntime after endtime",
        {
          method: "POST",
          ...(await settlement({
            begntime: "2023-10-09 10:00:00",
            endtime: "2023-10-01 10:00:00",
            setl_time: "2023-10-10 10:00:00",
          })),
        },
      ],
      [
        "settlement in year 0000",
        { method: "POST", ...(await settlement({ setl_time: "0000-10-10 10:00:00" })) },
      ],
      [
        "counter claim with setl_time in the future",
        {
          method: "POST",
          url: `/api/v1/programs/${PROGRAM}/counter-claims`,
          headers: bearer("operator"),
          payload: JSON.stringify({
            psn_no: "P002",
            record: {
              ...(await validRecord(b, "P002", { setlId: "FZ-CORPUS-CC" })),
              setl_time: "2098-01-01 10:00:00",
              begntime: "2098-01-01 09:00:00",
              endtime: "2098-01-01 09:30:00",
            },
          }),
        },
      ],
      [
        "institution name with NUL",
        {
          method: "POST",
          url: `/api/v1/programs/${PROGRAM}/institutions`,
          headers: bearer("admin"),
          payload: '{"fixmedins_code":"H90000000001","name":"a\\u0000b"}',
        },
      ],
      [
        "institution name with lone surrogates",
        {
          method: "POST",
          url: `/api/v1/programs/${PROGRAM}/institutions`,
          headers: bearer("admin"),
          payload: '{"fixmedins_code":"H90000000002","name":"\\udc00\\ud800医院"}',
        },
      ],
    ];
    const payload =
      '{"program_id":"ws-2023","order_no":"\\u0000","status":"paid","amount_fen":6900,"provider_txn":"SBX1"}';
    cases.push([
      "payment callback with NUL in order_no",
      {
        method: "POST",
        url: "/api/v1/payments/callback/sandbox",
        headers: {
          "content-type": "application/json",
          [SANDBOX_SIGNATURE_HEADER]: createHmac("sha256", CASH_SECRET).update(payload).digest("hex"),
        },
        payload,
      },
    ]);
    const problems: string[] = [];
    await tracker.drain();
    for (const [what, request] of cases) {
      const res = await app.inject(request);
      const stored = storedProblems(await tracker.drain());
      if (res.statusCode < 400 || res.statusCode >= 500)
        problems.push(`${what}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      else if (stored !== undefined) problems.push(`${what}: refused but stored ${stored}`);
    }
    expect(problems).toEqual([]);
  });

  it.sequential(`answers ${RUNS_PER_BACKEND} fuzzed writes below 500 within 5 s, stores nothing it refuses, keeps the ledger balanced`, async ({
    expect,
  }) => {
    const seed = SEED + BACKENDS.indexOf(backend);
    console.log(
      `fuzz on ${backend}: seed ${seed} (HMB_FUZZ_SEED=${SEED}), ${RUNS_PER_BACKEND} requests over ${routes.length} write routes`,
    );
    const plans = fc.sample(planArb, { seed, numRuns: RUNS_PER_BACKEND });
    const weights = routes.map((r) => MODELS[r.key]?.weight ?? 1);
    const totalWeight = weights.reduce((s, w) => s + w, 0);
    const routeOf = (pick: number) => {
      let acc = 0;
      for (const [i, w] of weights.entries()) {
        acc += w / totalWeight;
        if (pick < acc) return routes[i] as FuzzRoute;
      }
      return routes[routes.length - 1] as FuzzRoute;
    };

    const failures = new Map<string, Failure>();
    const fail = (route: string, what: string, repro: string) => {
      const key = `${route} | ${what}`;
      const seen = failures.get(key);
      if (seen !== undefined) seen.count++;
      else failures.set(key, { backend, route, what, repro, count: 1 });
    };
    const stats = new Map<
      string,
      { sent: number; ok: number; refused: number; byStatus: Map<number, number> }
    >();
    const disposableTokens: string[] = [];
    let state = await readState(ctx);
    let relations = await tracker.relations();
    let expected: TableSums = await tracker.tableSums();
    let hangs = 0;
    let sent = 0;
    const started = performance.now();

    for (const [i, plan] of plans.entries()) {
      if (wedged) break;
      if (i % REFRESH_EVERY === 0) state = await readState(ctx);
      const route = routeOf(plan.pick);
      const model = MODELS[route.key] ?? genericModel(route);
      const rng = new Rng(plan.seed);
      const era: Era = model.era ?? (plan.era ? "claims" : "enrollment");
      const app = apps.get(era) as FastifyInstance;

      // Who calls: the institution by signature, a person of an admitted role, or nobody (public routes).
      const options: string[] = [];
      if (route.roles !== undefined) {
        if (route.signed && route.roles.includes("hospital")) options.push("hmac");
        for (const role of route.roles) if (tokens.has(role)) options.push(role);
      }
      let callerKind = "public";
      if (options.length > 0) {
        const preferred = options.filter((o) => model.prefer?.includes(o));
        const pool = preferred.length > 0 && plan.caller % 100 < 85 ? preferred : options;
        callerKind = pool[plan.caller % pool.length] as string;
      }
      let caller: Caller;
      if (callerKind === "public") caller = { kind: "public" };
      else if (callerKind === "hmac") caller = { kind: "hmac", institution: model.institution ?? HOSPITAL };
      else {
        const list = tokens.get(callerKind) as { username: string; token: string; psnNo?: string }[];
        const who = list[Math.floor(plan.caller / 7) % list.length] as (typeof list)[number];
        caller = { kind: "bearer", role: callerKind, ...who };
      }
      const build: Build = {
        rng,
        n: i,
        backend,
        era,
        now: new Date(era === "claims" ? CLAIMS_NOW : ENROLL_NOW),
        caller,
        state,
        certnoOf,
        disposableTokens,
      };
      const built = await model.build(build);

      // Path parameters: the model's (or program_id), one of them sometimes replaced by a hostile value.
      const names = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
      const params: Record<string, string> = {};
      for (const name of names)
        params[name] = built.params?.[name] ?? (name === "program_id" ? PROGRAM : "X0000001");
      let pathLabel = "";
      if (plan.path !== null && names.length > 0) {
        const name = names[plan.path.param % names.length] as string;
        params[name] = plan.path.value;
        pathLabel = ` path ${name}=${JSON.stringify(plan.path.value).slice(0, 60)}`;
      }
      const url =
        route.url.replaceAll(/:([A-Za-z_]+)/g, (_m, name: string) => encodePath(params[name] ?? "")) +
        (plan.query ?? "");

      // The body, mutated, and what the oracle makes of it.
      const limit = route.bodyLimit ?? 1 << 20;
      const body = built.body;
      let mutated: Mutated & { semanticIndex?: number };
      const semantic = model.semantic?.(build) ?? [];
      if (body.kind === "json") {
        mutated = mutateJson(body.value, plan.mutation, {
          kindOf: (pattern) => kindOf(route, model, pattern),
          semantic,
          bodyLimit: Math.min(limit, 2 << 20),
        });
      } else if (body.kind === "csv") {
        mutated = mutateCsv(body.rows, plan.mutation, body.contentType ?? "text/csv", limit);
      } else if (body.kind === "bytes") {
        mutated = mutateBytes(body.bytes, body.contentType, plan.mutation, Math.min(limit, 6 << 20));
      } else {
        mutated = { payload: undefined, contentType: null, label: "no body", parsed: undefined };
        if (plan.mutation.op !== "none") {
          // A route without a body still gets one sometimes: it must not matter.
          const m = mutateJson({}, plan.mutation, {
            kindOf: () => undefined,
            semantic: [],
            bodyLimit: limit,
          });
          mutated = { ...m, label: `unexpected body: ${m.label}` };
        }
      }
      const mustRefuse = oracle(route, model, built, body, mutated, plan.mutation, build, limit);
      const label = `${mutated.label}${pathLabel}${plan.query ?? ""}`;

      // Headers: content type, credentials over the exact bytes sent, sometimes an Idempotency-Key.
      const headers: Record<string, string> = {};
      if (mutated.contentType !== null && mutated.payload !== undefined)
        headers["content-type"] = mutated.contentType;
      const signedText =
        typeof mutated.payload === "string" ? mutated.payload : (mutated.payload?.toString("utf8") ?? "");
      if (caller.kind === "hmac") {
        const ts = String(Date.now());
        headers["x-hmb-institution"] = caller.institution;
        headers["x-hmb-timestamp"] = ts;
        // Version 1 (timestamp and body: the settlement contract) or, a third of the time, version 2 (method
        // and request target too).
        const v2 = plan.caller % 3 === 0;
        if (v2) headers["x-hmb-signature-version"] = "2";
        headers["x-hmb-signature"] = createHmac("sha256", secrets.get(caller.institution) as string)
          .update(v2 ? `${ts}\n${route.method} ${url}\n${signedText}` : `${ts}\n${signedText}`)
          .digest("hex");
      } else if (caller.kind === "bearer") {
        headers.authorization = `Bearer ${caller.token}`;
      }
      if (built.bearer !== undefined) headers.authorization = `Bearer ${built.bearer}`;
      if (built.publicSignature === "sandbox")
        headers[SANDBOX_SIGNATURE_HEADER] = createHmac("sha256", CASH_SECRET)
          .update(signedText)
          .digest("hex");
      if (plan.idempotencyKey !== null && route.method === "POST")
        headers["idempotency-key"] = plan.idempotencyKey;

      const request: InjectOptions = {
        method: route.method as "POST",
        url,
        headers,
        ...(mutated.payload !== undefined ? { payload: mutated.payload } : {}),
      };
      const who =
        caller.kind === "bearer"
          ? caller.username
          : caller.kind === "hmac"
            ? `HMAC ${caller.institution}`
            : "public";
      const repro = (status: string, answer = "") =>
        `${route.method} ${url.slice(0, 200)} as ${who}, content-type ${mutated.contentType ?? "(none)"}, body ${excerpt(mutated.payload)} → ${status}${answer === "" ? "" : ` ${answer.slice(0, 300)}`}`;

      const answer = await injectWithin(app, request, ANSWER_WITHIN_MS);
      sent++;
      const entry = stats.get(route.key) ?? {
        sent: 0,
        ok: 0,
        refused: 0,
        byStatus: new Map<number, number>(),
      };
      entry.sent++;
      stats.set(route.key, entry);

      if (answer.kind !== "answered") {
        fail(
          route.key,
          answer.kind === "timeout"
            ? `no answer within ${ANSWER_WITHIN_MS} ms (${label})`
            : `inject threw ${String(answer.error)} (${label})`,
          repro(answer.kind),
        );
        hangs++;
        const alive = await within(ctx.db.query("select 1"), 3_000);
        if (alive === "timeout" || hangs >= MAX_HANGS) {
          fail(route.key, "database unusable after a hang: the run stopped", repro(answer.kind));
          wedged = true;
        }
        // Whatever the hung request writes later is not this run's to attribute.
        await within(tracker.drain(), 3_000);
        expected = await tracker.tableSums();
        continue;
      }
      const res = answer.res;
      if (TRACE !== undefined && route.key.includes(TRACE))
        console.log(`trace ${i}: ${label}\n  ${repro(String(res.statusCode), res.body)}`);
      entry.byStatus.set(res.statusCode, (entry.byStatus.get(res.statusCode) ?? 0) + 1);
      if (answer.ms > ANSWER_WITHIN_MS)
        fail(
          route.key,
          `answered after ${Math.round(answer.ms)} ms (${label})`,
          repro(String(res.statusCode)),
        );

      const {
        changes,
        relations: nowRelations,
        busy,
      } = await tracker.drainWithRelations(true, backend === "postgres");
      const truncated = changes.some((c) => c.op === "T");
      const before = expected;
      expected = applyChanges(expected, changes);
      if (nowRelations !== relations || truncated) {
        // Tables were created, dropped or emptied (a roster import swaps partitions in): scan everything.
        await tracker.trackNewTables();
        relations = await tracker.relations();
        const scanned = await tracker.tableSums();
        if (res.statusCode >= 400 && res.statusCode < 500) {
          const moved = diffSums(before, scanned).filter(
            (d) => BOOKKEEPING[d.split(" ")[0] as string] === undefined,
          );
          if (moved.length > 0)
            fail(
              route.key,
              `refused (${res.statusCode}) yet tables changed: ${moved.join(", ")} (${mutated.label})`,
              repro(String(res.statusCode), res.body),
            );
        }
        expected = scanned;
      }

      const leftover = await model.afterAnswered?.(ctx);
      if (leftover !== undefined)
        fail(route.key, `${leftover} (${mutated.label})`, repro(String(res.statusCode), res.body));
      // Nothing held: every other connection of the pool is idle again once the answer is out.
      if (busy !== null)
        fail(
          route.key,
          `a connection is not idle after the answer: ${busy} (${mutated.label})`,
          repro(String(res.statusCode), res.body),
        );
      if (res.statusCode >= 500) {
        fail(route.key, `${res.statusCode} for ${label}`, repro(String(res.statusCode), res.body));
      } else if (res.statusCode >= 400) {
        entry.refused++;
        const shape = errorShapeProblem(res);
        if (shape !== undefined)
          fail(
            route.key,
            `${res.statusCode} without the error shape: ${shape}`,
            repro(String(res.statusCode), res.body),
          );
        const stored = storedProblems(changes);
        if (stored !== undefined)
          fail(
            route.key,
            `refused (${res.statusCode}) yet stored: ${stored} (${mutated.label.split(" ")[0]})`,
            repro(String(res.statusCode), res.body),
          );
      } else {
        entry.ok++;
        if (mustRefuse !== undefined)
          fail(
            route.key,
            `accepted (${res.statusCode}) although ${mustRefuse}`,
            repro(String(res.statusCode), res.body),
          );
        const after = await model.afterAccepted?.(res, mutated, build, ctx);
        if (after !== undefined) fail(route.key, after, repro(String(res.statusCode), res.body));
        if (route.key === "POST /api/v1/auth/login") {
          const token = (res.json() as { token?: string }).token;
          if (token !== undefined) disposableTokens.push(token);
        }
        if (route.key.includes("/roster/")) certnos.clear();
        if (route.key.includes("/institutions")) await readSecrets();
        if (changes.length > 0 && i % 10 === 0) state = await readState(ctx);
      }

      if ((i + 1) % FULL_SCAN_EVERY === 0) {
        // The per-request tracking against a full scan of every table: they must agree.
        const scanned = await tracker.tableSums();
        const drift = diffSums(expected, scanned);
        if (drift.length > 0)
          fail(
            "(tracker)",
            `row tracking disagrees with a full scan: ${drift.join(", ")}`,
            `after request ${i + 1}`,
          );
        expected = scanned;
      }
      if ((i + 1) % LEDGER_CHECK_EVERY === 0) await checkAllLedgers(ctx, fail, `after request ${i + 1}`);
    }
    await checkAllLedgers(ctx, fail, "at the end");
    totalRequests += sent;

    // The report: per route, what was sent and answered; then every distinct failure with a reproduction.
    const seconds = (performance.now() - started) / 1000;
    const lines = [...stats.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(
        ([k, s]) =>
          `  ${k}: ${s.sent} sent, ${s.ok} accepted, ${s.refused} refused [${[...s.byStatus]
            .sort(([a], [b]) => a - b)
            .map(([c, n]) => `${c}×${n}`)
            .join(" ")}]`,
      );
    console.log(
      `fuzz on ${backend}: ${sent} requests in ${seconds.toFixed(1)} s (seed ${seed})\n${lines.join("\n")}`,
    );
    const list = [...failures.values()].map(
      (f) => `[${f.backend}] ${f.route}: ${f.what} (×${f.count})\n    repro: ${f.repro}`,
    );
    if (list.length > 0)
      console.log(`fuzz on ${backend}: ${list.length} distinct failures\n${list.join("\n")}`);

    expect(list).toEqual([]);
    expect(sent).toBe(RUNS_PER_BACKEND);
    // Every write route was fuzzed, and every modelled one was reached and accepted at least once (the
    // models still build valid requests, so the fuzzer gets past validation into the services).
    expect(routes.filter((r) => (stats.get(r.key)?.sent ?? 0) === 0).map((r) => r.key)).toEqual([]);
    expect(
      routes
        .filter((r) => {
          const model = MODELS[r.key];
          return model !== undefined && model.mayNeverSucceed !== true && (stats.get(r.key)?.ok ?? 0) === 0;
        })
        .map((r) => r.key),
    ).toEqual([]);
  }, 600_000);
});

describe("fuzz volume", () => {
  it(`sent at least ${TOTAL_RUNS} requests over all back ends`, () => {
    expect(totalRequests).toBeGreaterThanOrEqual(TOTAL_RUNS);
  });
});

// ---------------------------------------------------------------------------------------------------------

/** The kind of a field by the model's rules or the route's schema. */
function kindOf(route: FuzzRoute, model: Model, pattern: string): FieldKind | undefined {
  const rule = model.rules?.find((r) => r.path === pattern);
  if (rule !== undefined) return rule.kind;
  let schema = route.bodySchema;
  for (const part of pattern
    .replaceAll("[]", ".[]")
    .split(".")
    .filter((p) => p !== "")) {
    schema = part === "[]" ? schema?.items : schema?.properties?.[part];
  }
  if (schema === undefined) return undefined;
  if (schema.type === "array") return "array";
  if (schema.type === "object") return "object";
  return undefined;
}

/** Why the mutated request must be refused, or undefined when accepting it may be right. */
function oracle(
  route: FuzzRoute,
  model: Model,
  built: Built,
  body: BodySpec,
  mutated: Mutated & { semanticIndex?: number },
  mutation: Mutation,
  b: Build,
  limit: number,
): string | undefined {
  const size = mutated.payload === undefined ? 0 : Buffer.byteLength(mutated.payload);
  if (size > limit) return `the body (${size} bytes) is over the route's limit (${limit})`;
  if (body.kind === "none") return undefined;
  if (body.kind === "bytes") {
    if (mutated.payload === undefined || size === 0) return "the file is empty";
    if (body.contentType === XLSX_TYPE) {
      if (mutation.op === "raw" && mutation.action.kind === "truncate" && mutation.action.at < 0.9)
        return "the spreadsheet is truncated";
      if (
        mutation.op === "contentType" &&
        !["text/csv", "text/plain", XLSX_TYPE].includes(mutated.contentType ?? "")
      )
        return `content-type ${mutated.contentType} is not a roster file type`;
      return undefined;
    }
    if (
      mutation.op === "contentType" &&
      mutated.contentType !== body.contentType &&
      !isSameDocType(mutated.contentType, body.contentType)
    )
      return `content-type ${mutated.contentType} does not match the ${body.contentType} sent`;
    return undefined;
  }
  if (body.kind === "csv") {
    if (mutation.op === "raw" && mutation.action.kind === "empty") return "the file is empty";
    if (
      mutation.op === "contentType" &&
      !/^(text\/csv|text\/plain)(;|$)/i.test(mutated.contentType ?? "") &&
      mutated.contentType !== XLSX_TYPE
    )
      return `content-type ${mutated.contentType ?? "(none)"} is not a roster file type`;
    return undefined;
  }
  // JSON bodies.
  if (mutation.op === "contentType" && !isJsonContentType(mutated.contentType))
    return model.bodyRequired ? `content-type ${mutated.contentType ?? "(none)"} is not JSON` : undefined;
  const parsed = mutated.parsed;
  if (parsed === undefined) return model.bodyRequired ? "the body is empty" : undefined;
  if (!parsed.ok) return "the body is not JSON";
  const value = parsed.value;
  if (route.bodySchema !== undefined && !conforms(route.bodySchema, value))
    return "the body breaks the route's schema";
  const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
  if (model.bodyType === "object" && !isObject) return "the body is not a JSON object";
  if (model.bodyType === "objectOrNull" && !isObject && value !== null)
    return "the body is neither an object nor null";
  if (!isObject) return undefined;
  const ruled = model.rules === undefined ? undefined : ruleProblem(model.rules, value);
  if (ruled !== undefined) return ruled;
  const checked = model.check?.(value, b, built);
  if (checked !== undefined) return checked;
  if (mutated.semanticIndex !== undefined) {
    const s = model.semantic?.(b)[mutated.semanticIndex];
    if (s?.mustRefuse === true) return s.label;
  }
  return undefined;
}

function isSameDocType(sent: string | null, original: string): boolean {
  return sent !== null && sent.split(";")[0]?.trim().toLowerCase() === original;
}

function errorShapeProblem(res: LightMyRequestResponse): string | undefined {
  let body: unknown;
  try {
    body = res.json();
  } catch {
    return "not JSON";
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (error === undefined || error === null) return "no error object";
  if (typeof error.code !== "string" || typeof error.message !== "string") return "code or message missing";
  if (!("field" in error) || (error.field !== null && typeof error.field !== "string"))
    return "field missing";
  return undefined;
}

/** What a refused request stored outside the bookkeeping tables (or wrote to audit other than appending). */
function storedProblems(changes: readonly RowChange[]): string | undefined {
  const problems: string[] = [];
  for (const [table, net] of netChanges(changes)) {
    if (BOOKKEEPING[table] !== undefined) continue;
    const example = changes.findLast((c) => c.table === table)?.row ?? "";
    problems.push(
      `${table} ${net.rows >= 0 ? "+" : ""}${net.rows} rows (${net.ops}) e.g. ${example.slice(0, 160)}`,
    );
  }
  if (changes.some((c) => c.table === "audit_log" && c.op !== "I"))
    problems.push("audit_log changed, not appended");
  return problems.length > 0 ? problems.join("; ") : undefined;
}

async function checkAllLedgers(
  ctx: PlatformContext,
  fail: (route: string, what: string, repro: string) => void,
  when: string,
): Promise<void> {
  const programs = await ctx.db.query<{ program_id: string }>(
    "select program_id from programs order by program_id",
  );
  for (const { program_id } of programs) {
    const check = await checkLedger(ctx.db, program_id);
    if (check.problems.length > 0 || !check.ok)
      fail(
        "(ledger)",
        `ledger of ${program_id} does not balance: ${JSON.stringify(check.problems).slice(0, 300)}`,
        when,
      );
  }
}
