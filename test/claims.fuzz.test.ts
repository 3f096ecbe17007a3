/**
 * Bad input on the settlement routes (issue 4 §8): property-based fuzzing through the real server. Whatever
 * arrives — malformed JSON, wrong types in any field, oversized or deeply nested bodies, negative or
 * inconsistent amounts, bad certno, injection strings, replayed or stale signatures, missing headers —
 * the answer is a 4xx with `{error:{code,message,field}}`, never a 5xx; the field is named where the record
 * is at fault; and nothing is stored. Valid requests are mixed in and must still settle, so the property
 * cannot hold vacuously.
 */
import fc from "fast-check";
import type { FastifyInstance, InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import { formatYuan } from "../src/domain/money.js";
import { checkLedger } from "../src/services/ledger.js";
import {
  type ClaimsFixture,
  HOSPITAL,
  OTHER_HOSPITAL,
  postSettlement,
  recordFor,
  SETTLE_NOW,
  setupClaims,
  signHeaders,
} from "./support/claims.js";
import { BACKENDS, openTestPlatform, type TestPlatform, testServer } from "./support/platform.js";
import { NOW, PROGRAM } from "./support/roster.js";

const SETTLE_URL = `/api/v1/programs/${PROGRAM}/settlements`;
const revokeUrl = (setlId: string) => `/api/v1/programs/${PROGRAM}/settlements/${encodePath(setlId)}/revoke`;

/** encodeURIComponent, except that unpaired surrogates go out as the bytes a raw client could send. */
function encodePath(text: string): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    out +=
      code >= 0xd800 && code <= 0xdfff
        ? `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`.toUpperCase()
        : encodeURIComponent(ch);
  }
  return out;
}
const INSURED = ["P001", "P003", "P004"] as const;
const MiB = 1 << 20;

/** Fields of the record (DESIGN.md §3) by what parseSettlement expects of them. */
const REQUIRED_TEXT = [
  "setl_id",
  "psn_no",
  "certno",
  "insutype",
  "med_type",
  "setl_time",
  "mdtrtarea_admvs",
  "fixmedins_code",
];
const OPTIONAL_TEXT = ["psn_name", "fixmedins_name", "dise_codg", "begntime", "endtime"];
const REQUIRED_AMOUNTS = [
  "medfee_sumamt",
  "fulamt_ownpay_amt",
  "overlmt_selfpay",
  "hifp_pay",
  "fund_pay_sumamt",
  "psn_part_amt",
];
const OPTIONAL_AMOUNTS = [
  "hifmi_pay",
  "hifob_pay",
  "cvlserv_pay",
  "hifes_pay",
  "maf_pay",
  "oth_pay",
  "preselfpay_amt",
  "inscp_scp_amt",
  "act_pay_dedc",
  "acct_pay",
  "psn_cash_pay",
];
const AMOUNTS = [...REQUIRED_AMOUNTS, ...OPTIONAL_AMOUNTS];
/** Longest accepted text per field (domain/settlement.ts). */
const MAX_LENGTH: Record<string, number> = { psn_name: 128, fixmedins_name: 128, dise_codg: 32 };

const INJECTIONS = [
  "'; drop table claims; --",
  "' or '1'='1",
  '" or 1=1 --',
  "1; select pg_sleep(5)",
  "$$ language plpgsql $$",
  "\\'; \\\\",
  "<script>alert(1)</script>",
  '<img src=x onerror="alert(1)">',
  "#{7*7}{{7*7}}$(id)`id`",
  "%00%27",
  "../../etc/passwd",
  "\u202e\u200b\ufeff",
  "名字😀\u0301",
  "NULL",
];
/** Strings PostgreSQL cannot store as sent: NUL, unpaired surrogates. */
const UNSTORABLE = ["a\u0000b", "\u0000", "x\ud800", "\udfff", "\ud83d"];

type Rec = Record<string, unknown>;

interface Bad {
  readonly kind: string;
  /** Builds the request from a valid, fresh record (a unique setl_id each run). */
  build(rec: Rec, fx: ClaimsFixture): InjectOptions;
  readonly status?: readonly number[];
  /** The field the error must name: a string, null (no field), or a list of acceptable names. */
  readonly field?: string | null | readonly string[];
  /** Injection: a 200 (stored once, readable under the same setl_id) is as acceptable as a 4xx. */
  readonly mayPass?: boolean;
}

function signed(
  fx: ClaimsFixture,
  body: string,
  options: { institution?: string; timestamp?: string; url?: string } = {},
): InjectOptions {
  const institution = options.institution ?? HOSPITAL;
  return {
    method: "POST",
    url: options.url ?? SETTLE_URL,
    headers: signHeaders(fx.secrets.get(institution) as string, body, institution, options.timestamp),
    payload: body,
  };
}

const withField = (field: string, value: unknown) => (rec: Rec, fx: ClaimsFixture) =>
  signed(fx, JSON.stringify({ ...rec, [field]: value }));

const wrongType = fc.oneof(
  fc.boolean(),
  fc.constant({}),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { minKeys: 1, maxKeys: 3 }),
);
const notAnAmount = fc.oneof(
  wrongType,
  fc.constantFrom(
    "abc",
    "1.234",
    "-0.01",
    "1e3",
    "１００",
    "0x10",
    "12,000.00",
    "Infinity",
    "NaN",
    ". 5",
    "--1",
  ),
  fc.integer({ min: 1, max: 1_000_000 }).map((n) => `-${formatYuan(n)}`),
  fc.integer({ min: -1_000_000, max: -1 }),
);

/** Every shape of bad request, each with what the answer must say. */
function badRequests(): fc.Arbitrary<Bad> {
  const malformed = fc
    .tuple(
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.constantFrom("", "}", ",}", "'", "NaN", "/*", "\\x", "{", "]"),
    )
    .map(
      ([at, junk]): Bad => ({
        kind: "malformed JSON",
        build: (rec, fx) => {
          const text = JSON.stringify(rec);
          // A strict prefix of an object's text is never JSON; junk after it stays invalid.
          return signed(fx, text.slice(0, Math.floor(at * (text.length - 1))) + junk);
        },
        status: [400],
        field: null,
      }),
    );
  const notAnObject = fc
    .oneof(
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
      fc.integer(),
      fc.string(),
      fc.constant(null),
      fc.boolean(),
    )
    .map(
      (value): Bad => ({
        kind: "not an object",
        build: (_rec, fx) => signed(fx, JSON.stringify(value)),
        status: [400],
        field: null,
      }),
    );
  const textWrongType = fc.tuple(fc.constantFrom(...REQUIRED_TEXT, ...OPTIONAL_TEXT), wrongType).map(
    ([field, value]): Bad => ({
      kind: `wrong type in ${field}: ${JSON.stringify(value)}`,
      build: withField(field, value),
      field,
    }),
  );
  const missing = fc
    .tuple(fc.constantFrom(...REQUIRED_TEXT, ...REQUIRED_AMOUNTS), fc.constantFrom(null, "", undefined))
    .map(
      ([field, value]): Bad => ({
        kind: `missing ${field}`,
        build: (rec, fx) => {
          const copy = { ...rec, [field]: value };
          if (value === undefined) delete copy[field];
          return signed(fx, JSON.stringify(copy));
        },
        field,
      }),
    );
  const amountWrong = fc.tuple(fc.constantFrom(...AMOUNTS), notAnAmount).map(
    ([field, value]): Bad => ({
      kind: `bad amount in ${field}: ${JSON.stringify(value)}`,
      build: withField(field, value),
      field,
    }),
  );
  const inconsistent = fc
    .tuple(
      fc.constantFrom("medfee_sumamt", "psn_part_amt", "hifp_pay", "fund_pay_sumamt", "hifmi_pay", "maf_pay"),
      fc.integer({ min: 1, max: 5_000_000 }),
    )
    .map(
      ([field, delta]): Bad => ({
        kind: `inconsistent ${field}`,
        build: (rec, fx) => {
          const current = Math.round(Number(rec[field] ?? "0") * 100);
          return signed(fx, JSON.stringify({ ...rec, [field]: formatYuan(current + delta) }));
        },
        field: [...AMOUNTS, "feedetail"],
      }),
    );
  const outOfScope = fc.integer({ min: 1, max: 1_000_000 }).map(
    (over): Bad => ({
      kind: "out of scope above burden",
      build: (rec, fx) => {
        const burden = Math.round(Number(rec.psn_part_amt) * 100);
        return signed(fx, JSON.stringify({ ...rec, fulamt_ownpay_amt: formatYuan(burden + over) }));
      },
      field: "fulamt_ownpay_amt",
    }),
  );
  const items = fc
    .oneof(
      wrongType.filter((v) => !Array.isArray(v)),
      fc.constant([{ med_list_codg: "X1", det_item_fee_sumamt: "-1.00" }]),
      fc.constant([{ det_item_fee_sumamt: "1.00" }]),
      fc.constant(["not an object"]),
      fc.constant(
        Array.from({ length: 501 }, (_, i) => ({ med_list_codg: `M${i}`, det_item_fee_sumamt: "0" })),
      ),
      fc.constant([{ med_list_codg: "X1", det_item_fee_sumamt: "99999999.00" }]),
    )
    .map(
      (value): Bad => ({
        kind: "bad feedetail",
        build: withField("feedetail", value),
        field: [
          "feedetail",
          "feedetail[0]",
          "feedetail[0].med_list_codg",
          "feedetail[0].det_item_fee_sumamt",
        ],
      }),
    );
  const certno = fc
    .oneof(
      // checksum off by one character
      fc.constant("checksum"),
      // a valid number of another region or birth date: belongs to nobody on the roster
      fc
        .tuple(
          fc.constantFrom("110101", "000000", "999999", "532621"),
          fc.constantFrom("19800101", "20990230"),
        )
        .map(([region, date]) => makeCertno(region, date, 7)),
      // impossible dates with a correct check character
      fc.constantFrom("19801301", "19800001", "19800132").map((d) => makeCertno("532621", d, 7)),
      fc.constantFrom("53262119800101123", "5326211980010112345", "ABCDEFGHIJKLMNOPQR", "53262119800101123 "),
      fc.integer({ min: 0 }),
    )
    .map(
      (value): Bad => ({
        kind: `bad certno ${JSON.stringify(value)}`,
        build: (rec, fx) => {
          let certnoValue: unknown = value;
          if (value === "checksum") {
            const real = rec.certno as string;
            const last = real[17] === "0" ? "1" : "0";
            certnoValue = real.slice(0, 17) + last;
          }
          return signed(fx, JSON.stringify({ ...rec, certno: certnoValue }));
        },
        field: "certno",
      }),
    );
  const times = fc
    .tuple(
      fc.constantFrom("setl_time", "begntime", "endtime"),
      fc.constantFrom(
        "2023-02-30 10:00:00",
        "2023-13-01 10:00:00",
        "2023-10-10 25:00:00",
        "2023-10-10 24:00:01",
        "2023/10/10 10:00:00",
        "10/10/2023",
        "yesterday",
        "2023-10-10 10:00:00+08:00",
        "2023-10-10 10",
      ),
    )
    .map(
      ([field, value]): Bad => ({
        kind: `bad ${field} ${JSON.stringify(value)}`,
        build: withField(field, value),
        field,
      }),
    );
  const codes = fc
    .oneof(
      fc.tuple(fc.constant("insutype"), fc.constantFrom("300", "391", "310 ", "")),
      fc.tuple(fc.constant("med_type"), fc.constantFrom("12", "99", "2l", " 21")),
      fc.tuple(fc.constant("mdtrtarea_admvs"), fc.constantFrom("53262", "5326211", "53262a", "５３２６２１")),
    )
    .map(
      ([field, value]): Bad => ({
        kind: `bad ${field} ${JSON.stringify(value)}`,
        build: withField(field, value),
        field,
      }),
    );
  const longText = fc
    .tuple(
      fc.constantFrom(...REQUIRED_TEXT, "psn_name", "fixmedins_name", "dise_codg"),
      // Up to just under the settlement route's 64 KB body limit (over it is a 413: see `huge`).
      fc.integer({ min: 1, max: 60_000 }),
    )
    .map(
      ([field, extra]): Bad => ({
        kind: `long ${field}`,
        build: withField(field, "9".repeat((MAX_LENGTH[field] ?? 64) + extra)),
        field,
      }),
    );
  const unstorable = fc
    .tuple(
      fc.constantFrom(...REQUIRED_TEXT, ...OPTIONAL_TEXT, "extra_note", "feedetail"),
      fc.constantFrom(...UNSTORABLE),
    )
    .map(
      ([field, text]): Bad => ({
        kind: `unstorable text in ${field}`,
        build: (rec, fx) => {
          const value = field === "feedetail" ? [{ med_list_codg: text, det_item_fee_sumamt: "0.00" }] : text;
          return signed(fx, JSON.stringify({ ...rec, [field]: value }));
        },
        field: field === "feedetail" ? ["feedetail[0].med_list_codg"] : field,
      }),
    );
  const unstorableKey = fc.constantFrom(...UNSTORABLE).map(
    (key): Bad => ({
      kind: "unstorable key",
      build: (rec, fx) => signed(fx, JSON.stringify({ ...rec, [key]: "x" })),
      field: JSON.stringify(key).slice(1, -1),
    }),
  );
  // Nesting whose body stays under the settlement route's 64 KB limit ('{"a":' and '}' take 6 bytes a level).
  const deep = fc.tuple(fc.integer({ min: 9, max: 10_000 }), fc.constantFrom("[", '{"a":')).map(
    ([depth, open]): Bad => ({
      kind: `nested ${depth} deep`,
      build: (rec, fx) => {
        const close = open === "[" ? "]" : "}";
        const text = JSON.stringify(rec);
        return signed(fx, `${text.slice(0, -1)},"ext":${open.repeat(depth)}1${close.repeat(depth)}}`);
      },
      field: "ext",
    }),
  );
  const huge = fc.constantFrom("extra", "setl_id", "psn_name").map(
    (field): Bad => ({
      kind: `over 1 MiB in ${field}`,
      build: withField(field, "x".repeat(MiB + 10)),
      status: [413],
      field: null,
    }),
  );
  const injection = fc
    .tuple(
      fc.constantFrom("setl_id", "psn_no", "psn_name", "fixmedins_name", "dise_codg", "inj_extra"),
      fc.constantFrom(...INJECTIONS),
      fc.boolean(),
    )
    .map(
      ([field, text, asKey]): Bad => ({
        kind: `injection in ${field}${asKey ? " (as key)" : ""}: ${JSON.stringify(text)}`,
        build: (rec, fx) => {
          const value = field === "setl_id" ? `${rec.setl_id as string}${text}`.slice(0, 64) : text;
          const body = asKey && field === "inj_extra" ? { ...rec, [text]: text } : { ...rec, [field]: value };
          return signed(fx, JSON.stringify(body));
        },
        mayPass: true,
      }),
    );
  // Signatures: replayed on another body, stale or from the future, missing headers, wrong secrets.
  const replayed = fc.constant<Bad>({
    kind: "signature replayed on another body",
    build: (rec, fx) => {
      const original = signed(fx, JSON.stringify(rec));
      const other = JSON.stringify({ ...rec, setl_id: `${rec.setl_id as string}-B` });
      return { ...original, payload: other };
    },
    status: [401],
    field: "X-Hmb-Signature",
  });
  const stale = fc
    .oneof(fc.integer({ min: 5 * 60_000 + 1_000, max: 10 * 365 * 86_400_000 }), fc.constant(6 * 60_000))
    .chain((skew) => fc.tuple(fc.constant(skew), fc.boolean()))
    .map(
      ([skew, future]): Bad => ({
        kind: `${future ? "future" : "stale"} timestamp`,
        build: (rec, fx) =>
          signed(fx, JSON.stringify(rec), { timestamp: String(Date.now() + (future ? skew : -skew)) }),
        status: [401],
        field: "X-Hmb-Timestamp",
      }),
    );
  const headers = fc
    .constantFrom(
      "x-hmb-institution",
      "x-hmb-timestamp",
      "x-hmb-signature",
      "content-type",
      "timestamp-seconds",
      "timestamp-junk",
      "signature-short",
      "signature-not-hex",
      "unregistered",
      "wrong-secret",
      "other-institution",
      "text-plain",
    )
    .map(
      (what): Bad => ({
        kind: `headers: ${what}`,
        build: (rec, fx) => {
          const body = JSON.stringify(rec);
          const request = signed(fx, body);
          const h = { ...(request.headers as Record<string, string>) };
          switch (what) {
            case "timestamp-seconds":
              return signed(fx, body, { timestamp: String(Math.floor(Date.now() / 1000)) });
            case "timestamp-junk":
              h["x-hmb-timestamp"] = `${Date.now()}abc`;
              break;
            case "signature-short":
              h["x-hmb-signature"] = (h["x-hmb-signature"] as string).slice(0, 63);
              break;
            case "signature-not-hex":
              h["x-hmb-signature"] = "z".repeat(64);
              break;
            case "unregistered":
              return {
                ...request,
                headers: signHeaders("any-secret", body, "H99999999999"),
              };
            case "wrong-secret":
              return { ...request, headers: signHeaders("not-the-secret", body) };
            case "other-institution":
              return signed(fx, body, { institution: OTHER_HOSPITAL });
            case "text-plain":
              h["content-type"] = "text/plain";
              break;
            default:
              delete h[what];
          }
          return { ...request, headers: h };
        },
        field:
          what === "x-hmb-institution" || what === "content-type" || what === "text-plain"
            ? undefined
            : what === "unregistered"
              ? "X-Hmb-Institution"
              : what === "other-institution"
                ? "fixmedins_code"
                : what === "x-hmb-timestamp" || what.startsWith("timestamp")
                  ? "X-Hmb-Timestamp"
                  : "X-Hmb-Signature",
      }),
    );
  return fc.oneof(
    malformed,
    notAnObject,
    textWrongType,
    missing,
    amountWrong,
    inconsistent,
    outOfScope,
    items,
    certno,
    times,
    codes,
    longText,
    unstorable,
    unstorableKey,
    deep,
    { arbitrary: huge, weight: 1 },
    injection,
    replayed,
    stale,
    headers,
  );
}

type Step = { kind: "valid"; psnNo: string; inScope: number } | { kind: "bad"; psnNo: string; bad: Bad };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      psnNo: fc.constantFrom(...INSURED),
      inScope: fc.integer({ min: 0, max: 3_000_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("bad" as const),
      psnNo: fc.constantFrom(...INSURED),
      bad: badRequests(),
    }),
  },
);

const TABLES = [
  "medical_records",
  "claims",
  "ledger_transfers",
  "claim_events",
  "policy_accumulators",
] as const;
type Snapshot = Record<(typeof TABLES)[number] | "revoked", number>;

describe.each(BACKENDS)("settlement routes under bad input on %s", (backend) => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  let fx: ClaimsFixture;
  let serial = 0;

  beforeAll(async () => {
    platform = await openTestPlatform(backend, { now: NOW });
    app = await testServer(platform);
    fx = await setupClaims(platform.ctx, { insured: [...INSURED] });
    platform.clock.set(SETTLE_NOW); // the stays sent below happen in the coverage year, settled after them
  });
  afterAll(async () => {
    await app.close();
    await platform.close();
  });

  /** Row counts of every table a settlement writes, and how many claims are revoked. */
  async function snapshot(): Promise<Snapshot> {
    const rows = await platform.ctx.db.query<Snapshot>(
      `select ${TABLES.map((t) => `(select count(*) from ${t})::int as ${t}`).join(", ")},
              (select count(*) from claims where state = 'revoked')::int as revoked`,
    );
    return rows[0] as Snapshot;
  }

  const freshRecord = async (psnNo: string, inScope = 200_000) =>
    recordFor(fx, { setlId: `FZ-${backend}-${++serial}`, psnNo, inScope });

  function expectErrorBody(res: { statusCode: number; body: string }, label: string) {
    expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, label).toBeLessThan(500);
    const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    expect(typeof body.error?.code, label).toBe("string");
    expect(typeof body.error?.message, label).toBe("string");
    expect(body.error !== undefined && "field" in body.error, label).toBe(true);
    return body.error as { code: string; message: string; field: string | null };
  }

  it("answers every bad settlement with a 4xx naming the field and stores nothing; valid ones still settle", async () => {
    let valid = 0;
    let refused = 0;
    let passedInjections = 0;
    await fc.assert(
      fc.asyncProperty(step, async (s) => {
        const before = await snapshot();
        if (s.kind === "valid") {
          const rec = await freshRecord(s.psnNo, s.inScope);
          const res = await postSettlement(app, fx, rec);
          expect(res.statusCode, res.body).toBe(200);
          expect(res.json().setl_id).toBe(rec.setl_id);
          const after = await snapshot();
          expect(after.medical_records).toBe(before.medical_records + 1);
          expect(after.claims).toBe(before.claims + 1);
          expect(after.claim_events).toBe(before.claim_events + 1);
          valid++;
          return;
        }
        const rec = await freshRecord(s.psnNo);
        const request = s.bad.build(rec, fx);
        const res = await app.inject(request);
        const label = `${s.bad.kind}: ${res.statusCode} ${res.body.slice(0, 300)}`;
        if (s.bad.mayPass === true && res.statusCode === 200) {
          // Stored once under exactly the setl_id that was sent, the tables intact.
          const sent = JSON.parse(request.payload as string) as Rec;
          const rows = await platform.ctx.db.query(
            "select 1 from claims where program_id = $1 and setl_id = $2",
            [PROGRAM, String(sent.setl_id)],
          );
          expect(rows, label).toHaveLength(1);
          const after = await snapshot();
          expect(after.claims, label).toBe(before.claims + 1);
          expect(after.medical_records, label).toBe(before.medical_records + 1);
          passedInjections++;
          return;
        }
        const error = expectErrorBody(res, label);
        if (s.bad.status !== undefined) expect(s.bad.status, label).toContain(res.statusCode);
        const field = s.bad.field;
        if (typeof field === "string" || field === null) expect(error.field, label).toBe(field);
        else if (field !== undefined) expect(field, label).toContain(error.field);
        expect(await snapshot(), label).toEqual(before);
        refused++;
      }),
      { numRuns: 250, seed: 20_230_801, endOnFailure: true },
    );
    // Both halves of the property ran: the valid requests settled and the bad ones were refused.
    expect(valid).toBeGreaterThan(10);
    expect(refused).toBeGreaterThan(100);
    expect(valid + refused + passedInjections).toBe(250);
    expect((await checkLedger(platform.ctx.db, PROGRAM)).problems).toEqual([]);
  });

  it("refuses bad revocations with a 4xx and changes nothing", async () => {
    // Claims to aim at: settled by the sending hospital and still live.
    const targets: string[] = [];
    for (const psnNo of INSURED) {
      const rec = await freshRecord(psnNo, 100_000);
      expect((await postSettlement(app, fx, rec)).statusCode).toBe(200);
      targets.push(rec.setl_id as string);
    }
    const reasonBody = JSON.stringify({ reason: "结算有误" });
    const revokeArb = fc.oneof(
      fc.tuple(fc.constantFrom(...targets), fc.constantFrom(...UNSTORABLE)).map(([setlId, text]) => ({
        kind: "unstorable reason",
        request: (): InjectOptions =>
          signed(fx, JSON.stringify({ reason: text }), { url: revokeUrl(setlId) }),
        field: "reason" as string | null | undefined,
      })),
      fc
        .oneof(
          fc.constantFrom(...UNSTORABLE, ...INJECTIONS),
          fc.string({ minLength: 65, maxLength: 300 }),
          fc.string({ minLength: 1, maxLength: 20 }).map((t) => `NOPE-${t}`),
        )
        .map((setlId) => ({
          kind: "unknown or bad setl_id",
          request: (): InjectOptions => signed(fx, reasonBody, { url: revokeUrl(setlId) }),
          field: "setl_id" as string | null | undefined,
        })),
      fc
        .tuple(fc.constantFrom(...targets), fc.constantFrom('{"reason":', "{reason: 1}", "[", "'x'"))
        .map(([setlId, body]) => ({
          kind: "malformed body",
          request: (): InjectOptions => signed(fx, body, { url: revokeUrl(setlId) }),
          field: null as string | null | undefined,
        })),
      fc
        .tuple(fc.constantFrom(...targets), fc.integer({ min: 5 * 60_000 + 1_000, max: 86_400_000 }))
        .map(([setlId, skew]) => ({
          kind: "stale signature",
          request: (): InjectOptions =>
            signed(fx, reasonBody, { url: revokeUrl(setlId), timestamp: String(Date.now() - skew) }),
          field: "X-Hmb-Timestamp" as string | null | undefined,
        })),
      fc.constantFrom(...targets).map((setlId) => ({
        kind: "signature of another body",
        request: (): InjectOptions => ({
          ...signed(fx, reasonBody, { url: revokeUrl(setlId) }),
          payload: JSON.stringify({ reason: "另一个理由" }),
        }),
        field: "X-Hmb-Signature" as string | null | undefined,
      })),
      fc.constantFrom(...targets).map((setlId) => ({
        kind: "another institution",
        request: (): InjectOptions =>
          signed(fx, reasonBody, { url: revokeUrl(setlId), institution: OTHER_HOSPITAL }),
        field: "setl_id" as string | null | undefined,
      })),
    );
    await fc.assert(
      fc.asyncProperty(revokeArb, async (c) => {
        const before = await snapshot();
        const res = await app.inject(c.request());
        const label = `${c.kind}: ${res.statusCode} ${res.body.slice(0, 300)}`;
        const error = expectErrorBody(res, label);
        // A setl_id over 64 characters fails the route schema or the router (over 100), which name no field.
        if (!(c.kind === "unknown or bad setl_id" && (res.statusCode === 400 || res.statusCode === 414)))
          expect(error.field, label).toBe(c.field);
        expect(await snapshot(), label).toEqual(before);
      }),
      { numRuns: 80, seed: 20_230_802, endOnFailure: true },
    );
    // The targets are still revocable: the refusals above were not vacuous.
    for (const setlId of targets) {
      const res = await app.inject(signed(fx, reasonBody, { url: revokeUrl(setlId) }));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().state).toBe("revoked");
    }
    expect((await checkLedger(platform.ctx.db, PROGRAM)).problems).toEqual([]);
  });
});
