/**
 * Characters the platform refuses in any text it is given. PostgreSQL text and jsonb cannot hold NUL (the
 * insert fails); an unpaired UTF-16 surrogate, legal inside a JSON escape, is refused by jsonb or silently
 * turned into U+FFFD by the driver, so two different inputs would be stored as one; the other C0 control
 * characters (all but TAB, LF and CR) are never typed by a person and serve only to hide or garble what a
 * reader sees (terminal escapes in a log, a name that prints as something else).
 *
 * Scans by char code rather than with a Unicode regex: they run on every cell of a million-row roster and on
 * every string of every request.
 */

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const DEL = 0x7f;
const LAST_C1 = 0x9f;
const REPLACEMENT = 0xfffd;

/** Index just past a valid surrogate pair at `i`, or -1 when the surrogate there is unpaired. */
function pastSurrogate(text: string, i: number, c: number): number {
  if (c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return i + 2;
  }
  return -1;
}

/** True when free text (any JSON string, a note) holds a character no field may carry. */
export function hasForbiddenText(text: string): boolean {
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c < 0x20) {
      if (c !== TAB && c !== LF && c !== CR) return true;
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      i = pastSurrogate(text, i, c);
      if (i < 0) return true;
    } else i++;
  }
  return false;
}

/**
 * True when a one-line value (a cell of a roster file, a code) holds a character it may not carry: besides
 * the above, TAB, LF, CR, DEL and the C1 controls, and U+FFFD — what a GBK file read as UTF-8 turns into; a
 * name full of it is the wrong encoding, not a name.
 */
export function hasForbiddenInLine(text: string): boolean {
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= DEL && c <= LAST_C1) || c === REPLACEMENT) return true;
    if (c >= 0xd800 && c <= 0xdfff) {
      i = pastSurrogate(text, i, c);
      if (i < 0) return true;
    } else i++;
  }
  return false;
}

/** Words a refusal for a person: which characters are meant, in Chinese. */
export const FORBIDDEN_TEXT_MESSAGE = "含有不允许的字符（NUL 等控制字符或不成对的代理字符）";
