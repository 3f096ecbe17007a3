/**
 * 公民身份号码 (GB 11643-1999): 17 digits + ISO 7064 MOD 11-2 check character.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = "10X98765432";

export function certnoCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11] as string;
}

export function isValidCertno(certno: string): boolean {
  if (certno.length !== 18) return false;
  for (let i = 0; i < 17; i++) {
    const c = certno.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const last = certno[17] === "x" ? "X" : certno[17];
  if (last !== certnoCheckChar(certno)) return false;
  const month = Number(certno.slice(10, 12));
  const day = Number(certno.slice(12, 14));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/** Builds a valid number from region (6 digits), birth date (yyyymmdd) and a 3-digit sequence (odd = male). */
export function makeCertno(region: string, birthDate: string, sequence: number): string {
  const first17 = `${region}${birthDate}${String(sequence % 1000).padStart(3, "0")}`;
  return first17 + certnoCheckChar(first17);
}

/** "532622199001011234" → "5326**********1234": what every non-owner sees. */
export function maskCertno(certno: string): string {
  if (certno.length < 8) return "*".repeat(certno.length);
  return `${certno.slice(0, 4)}${"*".repeat(certno.length - 8)}${certno.slice(-4)}`;
}
