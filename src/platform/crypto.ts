/**
 * Personal data at rest: AES-256-GCM for certno and phone, plus a keyed blind index (HMAC-SHA256) so a
 * record can be found by ID number without decrypting every row. Both keys derive (HKDF) from one master
 * key given in HMB_DATA_KEY (base64, 32 random bytes; weak keys are refused); the demo generates one into
 * ./data/.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface DataKeys {
  readonly encryption: Buffer;
  readonly blindIndex: Buffer;
}

export function deriveKeys(master: Buffer): DataKeys {
  if (master.length !== 32) throw new Error("HMB_DATA_KEY must be 32 bytes (base64-encoded)");
  const derive = (info: string) => Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), info, 32));
  return { encryption: derive("hmb/aes-gcm/v1"), blindIndex: derive("hmb/blind-index/v1") };
}

/** Where the development key file lives: beside the PGlite data directory (data/hmb-data.key by default). */
export function defaultKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  const dataDir = env.HMB_DATA_DIR;
  if (dataDir === undefined || dataDir === "") return "data/hmb-data.key";
  return join(dirname(resolve(dataDir)), "hmb-data.key");
}

/** HMB_DATA_KEY, else a key file (created on first use, mode 0600) — the file is for demos and development. */
export function loadDataKeys(env: NodeJS.ProcessEnv = process.env, keyFile = defaultKeyFile(env)): DataKeys {
  const fromEnv = env.HMB_DATA_KEY;
  if (fromEnv !== undefined && fromEnv !== "") return deriveKeys(parseMasterKey(fromEnv, "HMB_DATA_KEY"));
  if (env.NODE_ENV === "production") throw new Error("HMB_DATA_KEY is required when NODE_ENV=production");
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  return deriveKeys(parseMasterKey(readFileSync(keyFile, "utf8"), keyFile));
}

/** 32 bytes in standard base64: 43 characters and one `=`. */
const MASTER_KEY_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
/**
 * 32 random bytes take about 30 distinct values (256·(1 − (255/256)^32) ≈ 30.2); fewer than 16 happens by
 * chance with a probability of about 3·10⁻¹⁷, so such a key was made by hand (a pattern, a counter, a word).
 */
const MIN_DISTINCT_KEY_BYTES = 16;
const HOW_TO_MAKE_A_KEY = "请用 `openssl rand -base64 32` 生成";

/**
 * The master key as given (HMB_DATA_KEY or the key file), refused unless it is 32 bytes that look random:
 * not all one byte (all zero included), not a pattern repeated, not a counter, not printable text (a
 * passphrase), not too few distinct bytes. deriveKeys itself does not check: it also serves keys that are
 * already bytes (tests, benchmarks).
 */
export function parseMasterKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (!MASTER_KEY_BASE64.test(trimmed)) {
    throw new Error(`${source} 无效：应为 32 字节随机密钥的 base64（44 个字符），${HOW_TO_MAKE_A_KEY}`);
  }
  const key = Buffer.from(trimmed, "base64");
  const weakness = keyWeakness(key);
  if (weakness !== undefined) {
    throw new Error(`${source} 是弱密钥（${weakness}），不能用于加密个人信息：${HOW_TO_MAKE_A_KEY}`);
  }
  return key;
}

/** Why a 32-byte key is not random-looking, or undefined when it looks random. */
export function keyWeakness(key: Buffer): string | undefined {
  if (key.length !== 32) return "长度不是 32 字节";
  if (key.every((b) => b === key[0])) return "所有字节相同";
  for (let period = 1; period <= key.length / 2; period++) {
    if (key.every((b, i) => i < period || b === key[i - period])) return `以 ${period} 字节为周期重复`;
  }
  const step = ((key[1] as number) - (key[0] as number) + 256) % 256;
  if (key.every((b, i) => i === 0 || (b - (key[i - 1] as number) + 256) % 256 === step)) return "等差序列";
  // Random bytes are all printable with a probability of (95/256)^32 ≈ 2·10⁻¹⁴: this is a passphrase.
  if (key.every((b) => b >= 0x20 && b <= 0x7e)) return "全是可打印字符（像口令而不是随机字节）";
  if (new Set(key).size < MIN_DISTINCT_KEY_BYTES) return "不同字节过少";
  return undefined;
}

const VERSION = 1;

/** version(1) ‖ iv(12) ‖ tag(16) ‖ ciphertext */
export function encrypt(keys: DataKeys, plaintext: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keys.encryption, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

export function decrypt(keys: DataKeys, sealed: Uint8Array): string {
  const buf = Buffer.from(sealed);
  if (buf[0] !== VERSION) throw new Error("unknown ciphertext version");
  const decipher = createDecipheriv("aes-256-gcm", keys.encryption, buf.subarray(1, 13));
  decipher.setAuthTag(buf.subarray(13, 29));
  return Buffer.concat([decipher.update(buf.subarray(29)), decipher.final()]).toString("utf8");
}

export function blindIndex(keys: DataKeys, value: string): Buffer {
  return createHmac("sha256", keys.blindIndex).update(value.toUpperCase()).digest();
}

export function hmacHex(secret: string, message: string): string {
  return createHmac("sha256", secret).update(message).digest("hex");
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || !/^[0-9a-f]*$/i.test(a)) return false;
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
