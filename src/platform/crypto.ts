/**
 * Personal data at rest: AES-256-GCM for certno and phone, plus a keyed blind index (HMAC-SHA256) so a
 * record can be found by ID number without decrypting every row. Both keys derive (HKDF) from one master
 * key given in HMB_DATA_KEY (base64, 32 bytes); the demo generates one into ./data/.
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
  if (fromEnv !== undefined && fromEnv !== "") return deriveKeys(Buffer.from(fromEnv, "base64"));
  if (env.NODE_ENV === "production") throw new Error("HMB_DATA_KEY is required when NODE_ENV=production");
  if (!existsSync(keyFile)) {
    mkdirSync(dirname(keyFile), { recursive: true });
    writeFileSync(keyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  return deriveKeys(Buffer.from(readFileSync(keyFile, "utf8").trim(), "base64"));
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
