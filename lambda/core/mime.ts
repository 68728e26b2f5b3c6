/**
 * MIME type syntax (RFC 6838 §4.2 names, RFC 9110 §8.3.1 parameters) and the allow-list
 * match. A slot request's content type is signed into the PUT URL exactly as sent, so it
 * must be a single header-safe line.
 */
const NAME = '[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}';
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[^"\\\\\\x00-\\x1f\\x7f]|\\\\[^\\x00-\\x1f\\x7f])*"';
const MEDIA_TYPE = new RegExp(`^${NAME}/${NAME}$`);
const CONTENT_TYPE = new RegExp(`^${NAME}/${NAME}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*[ \\t]*$`);

/** A bare `type/subtype`. */
export function isMimeType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

/** A `type/*` wildcard of an allow-list. */
export function isMimeWildcard(value: string): boolean {
  return value.endsWith('/*') && MEDIA_TYPE.test(`${value.slice(0, -1)}x`);
}

/** A Content-Type header value: `type/subtype` with optional parameters (`; charset=utf-8`). */
export function isContentType(value: string): boolean {
  return value.length <= 255 && CONTENT_TYPE.test(value);
}

/** The lower-cased `type/subtype` of a content type, parameters dropped. */
export function essence(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** Whether a content type is allowed; an empty list allows any type. */
export function isTypeAllowed(contentType: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true;
  if (contentType === undefined) return false;
  const type = essence(contentType);
  return allowed.some((entry) => (entry.endsWith('/*') ? type.startsWith(entry.slice(0, -1)) : type === entry));
}
