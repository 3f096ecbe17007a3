/**
 * Batch sealing of certnos for roster import: per row, AES-256-GCM in the layout of platform/crypto
 * `encrypt` (so `decrypt` opens it) and the HMAC-SHA256 blind index of `blindIndex`, for a whole batch per
 * call.
 *
 * Two implementations:
 * - "openssl-native": the N-API addon in native/certno-seal (built by `npm run build:native`, also run by
 *   `prepare`). It binds the OpenSSL inside the node binary and keeps one cipher context (key schedule set
 *   once, only the IV changes per row) and one HMAC context, so a row costs about 0.4 µs instead of the
 *   ~7 µs of node:crypto's per-call object set-up.
 * - "node-crypto": createCipheriv + createHmac per row; used when the addon is not built or fails its
 *   self-test, or when HMB_NATIVE_SEAL=0.
 * Both draw the IVs from a pooled CSPRNG buffer in JS (at most one `randomFillSync` call per batch).
 */
import { createCipheriv, createHmac, randomFillSync } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { blindIndex, type DataKeys } from "./crypto.js";

/** Sealed values for a batch of certnos, row i at [i*SEALED_BYTES, (i+1)*SEALED_BYTES) etc. */
export interface SealedBatch {
  readonly sealed: Buffer;
  readonly blindIndexes: Buffer;
  readonly count: number;
}

export const CERTNO_BYTES = 18;
/** version(1) ‖ iv(12) ‖ tag(16) ‖ ciphertext(18), as platform/crypto `encrypt`. */
export const SEALED_BYTES = 47;
export const BLIND_INDEX_BYTES = 32;

export type CertnoSealerImplementation = "openssl-native" | "node-crypto";

export interface CertnoBatchSealer {
  readonly implementation: CertnoSealerImplementation;
  /** certnos: validated 18-char ASCII strings (throws a plain Error naming the index otherwise). */
  seal(certnos: readonly string[]): SealedBatch;
}

export interface CertnoBatchSealerOptions {
  /** Default: native when the addon loaded and HMB_NATIVE_SEAL is not "0", else node. */
  implementation?: "native" | "node";
}

const CIPHERTEXT_VERSION = 1; // platform/crypto.ts VERSION
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;
/** IVs for this many rows are drawn per `randomBytes` call when batches are small. */
const IV_POOL_ROWS = 8192;

/** The addon's exports (native/certno-seal/src/certno_seal.c). */
export interface CertnoSealBinding {
  readonly Sealer: new (
    encryptionKey: Uint8Array,
    blindIndexKey: Uint8Array,
  ) => {
    seal(certnos: Uint8Array, ivs: Uint8Array, sealedOut: Uint8Array, blindIndexOut: Uint8Array): void;
  };
  readonly CERTNO_BYTES: number;
  readonly IV_BYTES: number;
  readonly SEALED_BYTES: number;
  readonly BLIND_INDEX_BYTES: number;
}

export interface NativeSealerStatus {
  /** The addon loaded and passed its self-test against node:crypto. */
  readonly loaded: boolean;
  /** Where it was looked for. */
  readonly path: string;
  /** Why it is not in use (not built, failed to load, failed the self-test). */
  readonly error?: string;
}

/** Relative to the package root (the directory of package.json above this module, in src/ or dist/src/). */
export const NATIVE_ADDON_PATH = "native/certno-seal/build/Release/certno_seal.node";

function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return here;
  }
}

let nativeState: { status: NativeSealerStatus; binding?: CertnoSealBinding } | undefined;

function loadNative(): { status: NativeSealerStatus; binding?: CertnoSealBinding } {
  if (nativeState !== undefined) return nativeState;
  const path = join(packageRoot(), NATIVE_ADDON_PATH);
  if (!existsSync(path)) {
    nativeState = { status: { loaded: false, path, error: "not built (npm run build:native)" } };
    return nativeState;
  }
  try {
    const binding = createRequire(import.meta.url)(path) as CertnoSealBinding;
    selfTest(binding);
    nativeState = { status: { loaded: true, path }, binding };
  } catch (e) {
    nativeState = { status: { loaded: false, path, error: e instanceof Error ? e.message : String(e) } };
  }
  return nativeState;
}

/**
 * Seals one known certno with fixed keys and IV through the addon and through node:crypto and requires
 * identical bytes, so a stale or mis-built addon is never used.
 */
function selfTest(binding: CertnoSealBinding): void {
  if (
    binding.CERTNO_BYTES !== CERTNO_BYTES ||
    binding.IV_BYTES !== IV_BYTES ||
    binding.SEALED_BYTES !== SEALED_BYTES ||
    binding.BLIND_INDEX_BYTES !== BLIND_INDEX_BYTES
  ) {
    throw new Error("self-test failed: the addon's row sizes differ (stale build? npm run build:native)");
  }
  const encryption = Buffer.alloc(KEY_BYTES, 0x5a);
  const index = Buffer.alloc(KEY_BYTES, 0xa5);
  const certno = "11010519491231002x";
  const iv = Buffer.from("000102030405060708090a0b", "hex");
  const sealed = Buffer.alloc(SEALED_BYTES);
  const bidx = Buffer.alloc(BLIND_INDEX_BYTES);
  new binding.Sealer(encryption, index).seal(Buffer.from(certno, "latin1"), iv, sealed, bidx);
  const cipher = createCipheriv("aes-256-gcm", encryption, iv);
  const body = Buffer.concat([cipher.update(certno, "latin1"), cipher.final()]);
  const expected = Buffer.concat([Buffer.from([CIPHERTEXT_VERSION]), iv, cipher.getAuthTag(), body]);
  const expectedIndex = createHmac("sha256", index).update(certno.toUpperCase()).digest();
  if (!sealed.equals(expected) || !bidx.equals(expectedIndex)) {
    throw new Error("self-test failed: the addon's output differs from node:crypto");
  }
}

/** Whether the native addon is available, where it was looked for, and why not. */
export function nativeSealerStatus(): NativeSealerStatus {
  return loadNative().status;
}

/** The raw addon (undefined when not loaded), for tests of its own input checks. */
export function nativeCertnoSealBinding(): CertnoSealBinding | undefined {
  return loadNative().binding;
}

/** The implementation `createCertnoBatchSealer(keys)` picks without options. */
export function defaultCertnoSealerImplementation(
  env: NodeJS.ProcessEnv = process.env,
): CertnoSealerImplementation {
  return env.HMB_NATIVE_SEAL !== "0" && loadNative().binding !== undefined ? "openssl-native" : "node-crypto";
}

export function createCertnoBatchSealer(
  keys: DataKeys,
  options: CertnoBatchSealerOptions = {},
): CertnoBatchSealer {
  if (keys.encryption.length !== KEY_BYTES || keys.blindIndex.length !== KEY_BYTES) {
    throw new Error("data keys must be 32 bytes");
  }
  const wanted =
    options.implementation ?? (defaultCertnoSealerImplementation() === "openssl-native" ? "native" : "node");
  if (wanted === "node") return new NodeCryptoSealer(keys);
  const { binding, status } = loadNative();
  if (binding === undefined) throw new Error(`native certno sealer unavailable: ${status.error}`);
  return new NativeSealer(binding, keys);
}

/** The error for row `index`; wipes the plaintext packed so far. */
function invalidCertno(index: number, packed: Buffer): Error {
  packed.fill(0);
  return new Error(`certno at index ${index} is not ${CERTNO_BYTES} ASCII characters`);
}

/**
 * Checks every certno (18 chars, all < 0x80) and packs them into `scratch` (grown when too small), row i
 * at i*18; returns the packed bytes. Callers zero them after use.
 */
function packCertnos(certnos: readonly string[], scratch: Scratch): Buffer {
  const out = scratch.take(certnos.length * CERTNO_BYTES);
  let at = 0;
  for (let i = 0; i < certnos.length; i++) {
    const certno = certnos[i];
    if (typeof certno !== "string" || certno.length !== CERTNO_BYTES) throw invalidCertno(i, out);
    for (let j = 0; j < CERTNO_BYTES; j++) {
      const code = certno.charCodeAt(j);
      if (code > 0x7f) throw invalidCertno(i, out);
      out[at++] = code;
    }
  }
  return out;
}

/**
 * A buffer reused from batch to batch for the packed plaintext: fresh memory costs a page fault per 4 KiB
 * on first touch, which on the reference VM is more than sealing the rows in it.
 */
class Scratch {
  private buffer = Buffer.alloc(0);

  take(bytes: number): Buffer {
    if (bytes > this.buffer.length) this.buffer = Buffer.alloc(Math.max(bytes, 2 * this.buffer.length));
    return this.buffer.subarray(0, bytes);
  }
}

/**
 * CSPRNG bytes for IVs: a pool refilled (one `randomFillSync` call, at most one per batch) when it cannot
 * serve a whole batch, and grown when a batch is larger than it. Bytes once handed out are never handed
 * out again; they are copied into the sealed rows before the pool can be refilled.
 */
class IvPool {
  private pool = Buffer.alloc(0);
  private at = 0;

  take(count: number): Buffer {
    const bytes = count * IV_BYTES;
    if (this.at + bytes > this.pool.length) {
      if (bytes > this.pool.length) this.pool = Buffer.alloc(Math.max(bytes, IV_POOL_ROWS * IV_BYTES));
      randomFillSync(this.pool);
      this.at = 0;
    }
    const ivs = this.pool.subarray(this.at, this.at + bytes);
    this.at += bytes;
    return ivs;
  }
}

class NativeSealer implements CertnoBatchSealer {
  readonly implementation = "openssl-native";
  private readonly sealer: InstanceType<CertnoSealBinding["Sealer"]>;
  private readonly ivs = new IvPool();
  private readonly scratch = new Scratch();

  constructor(binding: CertnoSealBinding, keys: DataKeys) {
    this.sealer = new binding.Sealer(keys.encryption, keys.blindIndex);
  }

  seal(certnos: readonly string[]): SealedBatch {
    const plain = packCertnos(certnos, this.scratch);
    const count = certnos.length;
    const sealed = Buffer.allocUnsafe(count * SEALED_BYTES);
    const blindIndexes = Buffer.allocUnsafe(count * BLIND_INDEX_BYTES);
    try {
      this.sealer.seal(plain, this.ivs.take(count), sealed, blindIndexes);
    } finally {
      plain.fill(0);
    }
    return { sealed, blindIndexes, count };
  }
}

class NodeCryptoSealer implements CertnoBatchSealer {
  readonly implementation = "node-crypto";
  private readonly ivs = new IvPool();
  private readonly scratch = new Scratch();

  constructor(private readonly keys: DataKeys) {}

  seal(certnos: readonly string[]): SealedBatch {
    const plain = packCertnos(certnos, this.scratch);
    const count = certnos.length;
    const ivs = this.ivs.take(count);
    const sealed = Buffer.allocUnsafe(count * SEALED_BYTES);
    const blindIndexes = Buffer.allocUnsafe(count * BLIND_INDEX_BYTES);
    try {
      for (let i = 0; i < count; i++) {
        const row = sealed.subarray(i * SEALED_BYTES, (i + 1) * SEALED_BYTES);
        row[0] = CIPHERTEXT_VERSION;
        ivs.copy(row, 1, i * IV_BYTES, (i + 1) * IV_BYTES);
        const cipher = createCipheriv("aes-256-gcm", this.keys.encryption, row.subarray(1, 1 + IV_BYTES));
        const body = cipher.update(plain.subarray(i * CERTNO_BYTES, (i + 1) * CERTNO_BYTES));
        cipher.final();
        cipher.getAuthTag().copy(row, 1 + IV_BYTES);
        body.copy(row, HEADER_BYTES);
        blindIndex(this.keys, certnos[i] as string).copy(blindIndexes, i * BLIND_INDEX_BYTES);
      }
    } finally {
      plain.fill(0);
    }
    return { sealed, blindIndexes, count };
  }
}
