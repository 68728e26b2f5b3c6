/**
 * Well-formed Unicode for every string a request carries. A JavaScript string may hold a lone
 * UTF-16 surrogate (JSON's `"\ud800"` escape makes one), which is no character at all: it cannot
 * be encoded as UTF-8, so `encodeURIComponent` throws on it and DynamoDB refuses it. Edges check
 * for it before anything is charged, so such a request is a `bad-request`, never a 500.
 */
import { SlotError } from './errors.ts';

// With the u flag a surrogate pair is one astral code point, so only lone surrogates match.
const LONE_SURROGATE = /\p{Cs}/u;

/** The first lone surrogate of `text` as `U+D800`, or undefined when the text is well-formed. */
export function loneSurrogate(text: string): string | undefined {
  const match = LONE_SURROGATE.exec(text);
  return match === null ? undefined : `U+${(match[0].codePointAt(0) ?? 0).toString(16).toUpperCase()}`;
}

/**
 * @param what how the text names the value, e.g. `The filename`, `The field "jid"`.
 * @throws SlotError `bad-request` when `value` is a string holding a lone surrogate.
 */
export function checkWellFormed(value: unknown, what: string): void {
  if (typeof value !== 'string') return;
  const found = loneSurrogate(value);
  if (found !== undefined) {
    throw new SlotError('bad-request', `${what} is not well-formed Unicode: it holds a lone UTF-16 surrogate (${found}).`);
  }
}
