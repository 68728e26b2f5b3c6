/**
 * Object keys and their URL form. A key is `<keyPrefix><purpose>/<uuid v4>/<filename>`, and for
 * `ephemeral` `<keyPrefix>ephemeral/<expiry, Unix seconds>/<uuid v4>/<filename>`: the purpose
 * segment puts each purpose under its own lifecycle rule, the UUID makes the key unguessable,
 * the filename keeps the extension (XEP-0363 §4 SHOULD) and, having been checked for `/`, `\`
 * and `..`, can never leave its UUID folder. An ephemeral key's expiry cannot be edited into a
 * later one: the object exists only at the key the PUT was signed for.
 */
import type { SlotRequest } from './ports.ts';
import { purposePrefix } from './purposes.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Whether a string is a slot id: a lower-case UUID v4, as keys hold them. */
export const isSlotId = (value: string): boolean => UUID_V4.test(value);

/** The slot id of a key: its one UUID segment, whatever the purpose segments before it. */
export function slotIdOfKey(key: string): string | undefined {
  // The last segment is the filename, which may itself look like a UUID.
  return key.split('/').slice(0, -1).find(isSlotId);
}

/** Where a slot's object goes: its purpose and, for `ephemeral`, its expiry. */
export type KeyPlacement = Pick<SlotRequest, 'purpose' | 'expireBefore'>;

/** The S3 key of a slot. The filename must have passed `checkFilename`. */
export function objectKey(keyPrefix: string, uuid: string, filename: string, placement: KeyPlacement): string {
  if (!isSlotId(uuid)) throw new Error(`not a lower-case UUID v4: ${uuid}`);
  const prefix = purposePrefix(keyPrefix, placement.purpose);
  if (placement.purpose !== 'ephemeral') return `${prefix}${uuid}/${filename}`;
  if (placement.expireBefore === undefined) throw new Error('an ephemeral key needs its expiry');
  return `${prefix}${Math.floor(placement.expireBefore.getTime() / 1000)}/${uuid}/${filename}`;
}

/** RFC 3986 percent-encoding of one path segment: everything but unreserved characters. */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A key as a URL path, each segment encoded exactly once (`+` → `%2B`, space → `%20`). */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}
