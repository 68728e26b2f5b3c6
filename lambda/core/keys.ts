/**
 * Object keys and their URL form. A key is `<keyPrefix><uuid v4>/<filename>`: the UUID makes
 * it unguessable, the filename keeps the extension (XEP-0363 §4 SHOULD) and, having been
 * checked for `/`, `\` and `..`, can never leave its UUID folder.
 */

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The S3 key of a slot. The filename must have passed `checkFilename`. */
export function objectKey(keyPrefix: string, uuid: string, filename: string): string {
  if (!UUID_V4.test(uuid)) throw new Error(`not a lower-case UUID v4: ${uuid}`);
  return `${keyPrefix}${uuid}/${filename}`;
}

/** RFC 3986 percent-encoding of one path segment: everything but unreserved characters. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key as a URL path, each segment encoded exactly once (`+` → `%2B`, space → `%20`). */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}
