/**
 * Validation of what a requester announces (XEP-0363 §4): filename, size, content type.
 * Every edge (stanza, JSON) hands the raw values here, so the rules live in one place.
 */
import { SlotError } from './errors.ts';
import { isContentType } from './mime.ts';
import { checkWellFormed } from './unicode.ts';

/** What an edge extracted from a request, unchecked. */
export interface RawSlotRequest {
  /** The requester: a full or bare JID. */
  readonly from: unknown;
  readonly filename: unknown;
  readonly size: unknown;
  readonly contentType?: unknown;
  /** XEP-0363 1.2.0 purpose name; undefined when the request named none. */
  readonly purpose?: unknown;
  /** The `ephemeral` purpose's `expire-before` (XEP-0082 DateTime). */
  readonly expireBefore?: unknown;
}

/** Filenames longer than this (in UTF-8 bytes) are shortened; common file systems stop at 255. */
export const MAX_FILENAME_BYTES = 255;
/** An extension longer than this is part of the stem when shortening. */
const MAX_EXTENSION_CHARS = 16;
// Control characters, and the bidirectional overrides that make "evil‮gpj.exe" look like a picture.
const FORBIDDEN = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

const utf8Length = (text: string): number => Buffer.byteLength(text, 'utf8');

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const char of text) {
    used += utf8Length(char);
    if (used > maxBytes) break;
    out += char;
  }
  return out;
}

/**
 * Checks a filename and returns it in the form used in the key: NFC-normalised, and
 * shortened to {@link MAX_FILENAME_BYTES} by cutting the stem while keeping the extension.
 * @throws SlotError `bad-request` for empty names, `.`/`..`, `/`, `\`, control characters, lone surrogates.
 */
export function checkFilename(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new SlotError('bad-request', 'The filename is missing or empty.');
  checkWellFormed(value, 'The filename');
  const name = value.normalize('NFC');
  if (name === '.' || name === '..') throw new SlotError('bad-request', `The filename "${name}" is not a file name.`);
  if (name.includes('/') || name.includes('\\')) throw new SlotError('bad-request', 'The filename must not contain "/" or "\\".');
  if (FORBIDDEN.test(name))
    throw new SlotError('bad-request', 'The filename must not contain control or bidirectional-override characters.');
  if (utf8Length(name) <= MAX_FILENAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS + 1 ? name.slice(dot) : '';
  const stem = extension === '' ? name : name.slice(0, dot);
  return truncateUtf8(stem, MAX_FILENAME_BYTES - utf8Length(extension)) + extension;
}

/**
 * Parses the announced size: a non-negative whole number in decimal digits. Sizes beyond
 * what a number can hold are valid syntax but too large, so they come back as Infinity and
 * the policy answers file-too-large, as Prosody does for "10000000000".
 * @throws SlotError `bad-request` for anything else (negative, fractional, hex, blank).
 */
export function checkSize(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0)
    return Number.isSafeInteger(value) ? value : Number.POSITIVE_INFINITY;
  if (typeof value === 'string' && /^[0-9]{1,400}$/.test(value)) {
    const size = Number(value);
    return Number.isSafeInteger(size) ? size : Number.POSITIVE_INFINITY;
  }
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value;
  throw new SlotError('bad-request', `The size must be a whole number of bytes, got ${shown}.`);
}

/**
 * Checks the announced content type. Absent or empty means "none" (browsers send an empty
 * Content-Type for unknown types), and an unsigned type lets the client send any.
 * @throws SlotError `bad-request` when it is not a single valid Content-Type value.
 */
export function checkContentType(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  checkWellFormed(value, 'The content type');
  if (typeof value === 'string' && isContentType(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  throw new SlotError('bad-request', `The content type must look like "image/png", got ${shown}.`);
}
