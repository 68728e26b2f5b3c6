/**
 * The JSON form of a slot request (`POST /v1/slots`) and of a granted slot. The body is
 * parsed into the same raw request the stanza edge produces, so one policy decides both.
 */
import { SlotError } from '../core/errors.ts';
import type { Slot } from '../core/ports.ts';
import type { RawSlotRequest } from '../core/slot-request.ts';
import { checkWellFormed } from '../core/unicode.ts';

const FIELDS = new Set(['jid', 'filename', 'size', 'contentType', 'purpose', 'expireBefore']);

/**
 * @throws SlotError `bad-request` naming what is wrong with the body.
 */
export function parseSlotJson(text: string): RawSlotRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SlotError('bad-request', 'The body is not valid JSON; expected {"jid", "filename", "size", "contentType"?}.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SlotError('bad-request', 'The body must be a JSON object {"jid", "filename", "size", "contentType"?}.');
  }
  // Before any other check, so no text echoes a lone surrogate and nothing downstream meets one.
  for (const [key, value] of Object.entries(body)) {
    checkWellFormed(key, 'A field name');
    checkWellFormed(value, `The field ${JSON.stringify(key)}`);
  }
  const unknown = Object.keys(body).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) throw new SlotError('bad-request', `Unknown field(s): ${unknown.slice(0, 5).join(', ')}.`);
  const fields = body as Record<string, unknown>;
  if (typeof fields.jid !== 'string') throw new SlotError('bad-request', 'The field "jid" must be a string.');
  // purpose and, for ephemeral, its XEP-0082 expireBefore (XEP-0363 1.2.0) are checked by the slot service like the stanza's.
  for (const name of ['contentType', 'purpose', 'expireBefore'] as const) {
    if (fields[name] !== undefined && typeof fields[name] !== 'string') {
      throw new SlotError('bad-request', `The field ${JSON.stringify(name)} must be a string.`);
    }
  }
  return {
    from: fields.jid,
    filename: fields.filename,
    size: fields.size,
    contentType: fields.contentType,
    ...(fields.purpose === undefined ? {} : { purpose: fields.purpose }),
    ...(fields.expireBefore === undefined ? {} : { expireBefore: fields.expireBefore }),
  };
}

/** The 201 body of a granted slot; `expireBefore` is the ephemeral expiry as granted (perhaps capped). */
export function slotJson(slot: Slot): unknown {
  return {
    put: slot.put,
    get: slot.get,
    key: slot.key,
    expiresAt: slot.expiresAt.toISOString(),
    purpose: slot.purpose,
    ...(slot.expireBefore === undefined ? {} : { expireBefore: slot.expireBefore.toISOString() }),
  };
}
