/**
 * Characters the platform refuses in any text it is given. PostgreSQL text and jsonb cannot hold NUL (the
 * insert fails); an unpaired UTF-16 surrogate, legal inside a JSON escape, is refused by jsonb or silently
 * turned into U+FFFD by the driver, so two different inputs would be stored as one; the other C0 control
 * characters (all but TAB, LF and CR) are never typed by a person and serve only to hide or garble what a
 * reader sees (terminal escapes in a log, a name that prints as something else).
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const FORBIDDEN_TEXT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\p{Cs}]/u;

/**
 * One-line values (names, codes, numbers in a file): also TAB, LF, CR, DEL and the C1 controls, and U+FFFD,
 * which is what a GBK file read as UTF-8 turns into — a name full of it is the wrong encoding, not a name.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
const FORBIDDEN_IN_LINE = /[\u0000-\u001F\u007F-\u009F\p{Cs}\uFFFD]/u;

/** True when free text (any JSON string, a note) holds a character no field may carry. */
export function hasForbiddenText(text: string): boolean {
  return FORBIDDEN_TEXT.test(text);
}

/** True when a one-line value (a cell of a roster file, a code) holds a character it may not carry. */
export function hasForbiddenInLine(text: string): boolean {
  return FORBIDDEN_IN_LINE.test(text);
}

/** Words a refusal for a person: which characters are meant, in Chinese. */
export const FORBIDDEN_TEXT_MESSAGE = "含有不允许的字符（NUL 等控制字符或不成对的代理字符）";
