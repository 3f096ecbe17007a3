import { randomBytes } from "node:crypto";
import { describe, expect, it, type TestContext } from "vitest";
import { makeCertno } from "../src/domain/certno.js";
import {
  BLIND_INDEX_BYTES,
  CERTNO_BYTES,
  type CertnoBatchSealer,
  createCertnoBatchSealer,
  defaultCertnoSealerImplementation,
  nativeCertnoSealBinding,
  nativeSealerStatus,
  SEALED_BYTES,
} from "../src/platform/certno-sealer.js";
import { blindIndex, decrypt, deriveKeys } from "../src/platform/crypto.js";

const keys = deriveKeys(randomBytes(32));
const native = nativeSealerStatus();
const REQUIRE_NATIVE = process.env.HMB_REQUIRE_NATIVE === "1";
const NATIVE_MISSING = `native certno sealer not available (${native.error}; looked for ${native.path}): run npm run build:native`;

/** The native addon must be there under HMB_REQUIRE_NATIVE=1 (CI); elsewhere its tests are skipped. */
function requireNative(ctx: TestContext): void {
  if (native.loaded) return;
  if (REQUIRE_NATIVE) throw new Error(`HMB_REQUIRE_NATIVE=1 but the ${NATIVE_MISSING}`);
  ctx.skip(NATIVE_MISSING);
}

const IMPLEMENTATIONS = [
  { option: "native", name: "openssl-native" },
  { option: "node", name: "node-crypto" },
] as const;

function certnos(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const certno = makeCertno("532601", `19${String(50 + (i % 50))}0${1 + (i % 9)}1${i % 10}`, i % 1000);
    // a lower-case check character now and then: the blind index is of the upper-cased value
    out.push(i % 7 === 3 && certno.endsWith("X") ? `${certno.slice(0, 17)}x` : certno);
  }
  out.push("abcdefghijklmnopqr", " !\"#$%&'()*+,-./09", "~~~~~~~~~~~~~~~~~~", "\0\x01\x7f000000000000000");
  return out;
}

function row(buffer: Buffer, size: number, i: number): Buffer {
  return buffer.subarray(i * size, (i + 1) * size);
}

describe.each(IMPLEMENTATIONS)("certno batch sealer: $name", ({ option, name }) => {
  function sealer(ctx: TestContext): CertnoBatchSealer {
    if (option === "native") requireNative(ctx);
    const s = createCertnoBatchSealer(keys, { implementation: option });
    expect(s.implementation).toBe(name);
    return s;
  }

  it("seals every row so that platform/crypto decrypt opens it, with blindIndex() indexes", (ctx) => {
    const input = certnos(2000);
    expect(input.some((c) => c.endsWith("x"))).toBe(true);
    const batch = sealer(ctx).seal(input);
    expect(batch.count).toBe(input.length);
    expect(batch.sealed.length).toBe(input.length * SEALED_BYTES);
    expect(batch.blindIndexes.length).toBe(input.length * BLIND_INDEX_BYTES);
    input.forEach((certno, i) => {
      const sealed = row(batch.sealed, SEALED_BYTES, i);
      expect(sealed[0]).toBe(1);
      expect(decrypt(keys, sealed)).toBe(certno);
      expect(row(batch.blindIndexes, BLIND_INDEX_BYTES, i).equals(blindIndex(keys, certno))).toBe(true);
    });
  });

  it("uses a different IV for every row, across batches too", (ctx) => {
    const s = sealer(ctx);
    const same = Array.from({ length: 5000 }, () => "53260119800101001X");
    const ivs = new Set<string>();
    const ciphertexts = new Set<string>();
    for (const batch of [s.seal(same), s.seal(same.slice(0, 10)), s.seal(same)]) {
      for (let i = 0; i < batch.count; i++) {
        const sealed = row(batch.sealed, SEALED_BYTES, i);
        ivs.add(sealed.subarray(1, 13).toString("hex"));
        ciphertexts.add(sealed.subarray(29).toString("hex"));
        expect(
          row(batch.blindIndexes, BLIND_INDEX_BYTES, i).equals(blindIndex(keys, same[0] as string)),
        ).toBe(true);
      }
    }
    expect(ivs.size).toBe(10_010);
    expect(ciphertexts.size).toBe(10_010);
  });

  it("makes decrypt throw when any byte of a sealed row is changed", (ctx) => {
    const batch = sealer(ctx).seal(["53260119800101001X", "532601198001010028"]);
    const sealed = row(batch.sealed, SEALED_BYTES, 1);
    expect(decrypt(keys, sealed)).toBe("532601198001010028");
    for (let at = 0; at < SEALED_BYTES; at++) {
      const tampered = Buffer.from(sealed);
      tampered[at] = (tampered[at] as number) ^ 0x01;
      expect(() => decrypt(keys, tampered), `byte ${at}`).toThrow();
    }
    expect(() => decrypt(deriveKeys(randomBytes(32)), sealed)).toThrow();
  });

  it("seals an empty batch", (ctx) => {
    const batch = sealer(ctx).seal([]);
    expect(batch.count).toBe(0);
    expect(batch.sealed.length).toBe(0);
    expect(batch.blindIndexes.length).toBe(0);
  });

  it("refuses a certno that is not 18 ASCII characters, naming its index", (ctx) => {
    const s = sealer(ctx);
    const ok = "53260119800101001X";
    const bad = [
      "53260119800101001",
      "53260119800101001XX",
      "",
      "５３２６０１１９８００１０１００１Ｘ",
      "53260119800101001é",
      "53260119800101001\u0158", // its low byte is ASCII "X": must not slip through
      "5326011980010100\u{1F600}", // 18 UTF-16 code units, not ASCII
    ];
    for (const certno of bad) {
      expect(() => s.seal([ok, ok, certno, ok]), JSON.stringify(certno)).toThrow(
        new Error(`certno at index 2 is not ${CERTNO_BYTES} ASCII characters`),
      );
    }
    const notStrings = [undefined, null, 532601198001010000, ["53260119800101001X"]];
    for (const value of notStrings) {
      expect(() => s.seal([ok, value as unknown as string])).toThrow(/certno at index 1 /);
    }
  });

  it("refuses keys that are not 32 bytes", (ctx) => {
    sealer(ctx);
    expect(() =>
      createCertnoBatchSealer(
        { encryption: randomBytes(16), blindIndex: keys.blindIndex },
        { implementation: option },
      ),
    ).toThrow(/32 bytes/);
  });
});

describe("native certno sealer", () => {
  it("is built and loads (required when HMB_REQUIRE_NATIVE=1)", (ctx) => {
    requireNative(ctx);
    expect(native.error).toBeUndefined();
  });

  it("is the default unless HMB_NATIVE_SEAL=0", (ctx) => {
    requireNative(ctx);
    expect(defaultCertnoSealerImplementation({})).toBe("openssl-native");
    expect(defaultCertnoSealerImplementation({ HMB_NATIVE_SEAL: "0" })).toBe("node-crypto");
    const before = process.env.HMB_NATIVE_SEAL;
    try {
      process.env.HMB_NATIVE_SEAL = "0";
      expect(createCertnoBatchSealer(keys).implementation).toBe("node-crypto");
      delete process.env.HMB_NATIVE_SEAL;
      expect(createCertnoBatchSealer(keys).implementation).toBe("openssl-native");
    } finally {
      if (before === undefined) delete process.env.HMB_NATIVE_SEAL;
      else process.env.HMB_NATIVE_SEAL = before;
    }
  });

  it("checks its inputs instead of writing out of bounds", (ctx) => {
    requireNative(ctx);
    const binding = nativeCertnoSealBinding();
    if (binding === undefined) throw new Error("binding missing although loaded");
    expect(() => new binding.Sealer(Buffer.alloc(31), Buffer.alloc(32))).toThrow(/32 bytes/);
    expect(() => new binding.Sealer(Buffer.alloc(32), Buffer.alloc(33))).toThrow(/32 bytes/);
    expect(() => new binding.Sealer("k" as unknown as Buffer, Buffer.alloc(32))).toThrow(TypeError);
    const s = new binding.Sealer(keys.encryption, keys.blindIndex);
    const n = 3;
    const plain = Buffer.from("53260119800101001X".repeat(n), "latin1");
    const ok = () => [plain, randomBytes(12 * n), Buffer.alloc(47 * n), Buffer.alloc(32 * n)] as const;
    {
      const [p, iv, sealed, bidx] = ok();
      s.seal(p, iv, sealed, bidx);
      expect(decrypt(keys, sealed.subarray(47, 94))).toBe("53260119800101001X");
    }
    const [p, iv, sealed, bidx] = ok();
    const cases: [string, () => void][] = [
      ["plain not a multiple of 18", () => s.seal(p.subarray(1), iv, sealed, bidx)],
      ["short ivs", () => s.seal(p, iv.subarray(1), sealed, bidx)],
      ["long ivs", () => s.seal(p, Buffer.alloc(12 * n + 12), sealed, bidx)],
      ["short sealed", () => s.seal(p, iv, sealed.subarray(1), bidx)],
      ["short blind index", () => s.seal(p, iv, sealed, bidx.subarray(0, 32 * n - 1))],
      ["output over input", () => s.seal(p, iv, p as Buffer, bidx)],
      ["outputs overlapping", () => s.seal(p, iv, sealed, sealed.subarray(0, 32 * n))],
      ["not a buffer", () => s.seal("x".repeat(18 * n) as unknown as Buffer, iv, sealed, bidx)],
      ["Uint16Array", () => s.seal(new Uint16Array(9 * n) as unknown as Buffer, iv, sealed, bidx)],
      ["too few arguments", () => (s.seal as (...a: unknown[]) => void)(p, iv, sealed)],
      [
        "not ASCII",
        () =>
          s.seal(
            Buffer.from(`${"5".repeat(35)}\u00c5`, "latin1"),
            iv.subarray(0, 24),
            sealed.subarray(0, 94),
            bidx.subarray(0, 64),
          ),
      ],
      ["not a Sealer", () => s.seal.call({}, p, iv, sealed, bidx)],
    ];
    for (const [what, call] of cases) {
      const before = Buffer.concat([sealed, bidx]);
      expect(call, what).toThrow();
      expect(Buffer.concat([sealed, bidx]).equals(before), `${what} wrote output`).toBe(true);
    }
    expect(cases[10]?.[1]).toThrow(/index 1 is not ASCII/);
  });
});
