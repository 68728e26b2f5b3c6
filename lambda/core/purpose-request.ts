/**
 * The purpose of one slot request (XEP-0363 1.2.0): which purpose, and for `ephemeral` the
 * XEP-0082 time after which the file must not be available. Both edges (stanza child, JSON
 * field) hand the raw values here.
 */
import { SlotError } from './errors.ts';
import { DEFAULT_PURPOSE, isPurpose, latestEphemeralExpiry, PURPOSES, type Purpose, type PurposeConfig } from './purposes.ts';

/** A request's purpose as decided: `expireBefore` (whole seconds, perhaps capped) for `ephemeral` only. */
export interface DecidedPurpose {
  readonly purpose: Purpose;
  readonly expireBefore?: Date;
}

// XEP-0082 §3.2 DateTime: CCYY-MM-DDThh:mm:ss[.sss]TZD, TZD "Z" or ±hh:mm.
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):(\d{2}))$/;

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value);

/**
 * Parses an XEP-0082 DateTime into a Date.
 * @throws SlotError `bad-request` for anything else, including impossible dates (February 30).
 */
export function parseDateTime(value: unknown, what: string): Date {
  const match = typeof value === 'string' ? DATETIME.exec(value) : null;
  const bad = new SlotError('bad-request', `${what} must be an XEP-0082 DateTime such as "2026-12-24T18:00:00Z", got ${shown(value)}.`);
  if (match === null) throw bad;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const fraction = match[7] === undefined ? 0 : Math.floor(Number(`0${match[7]}`) * 1000);
  const offsetMinutes = match[8] === 'Z' ? 0 : (match[9] === '-' ? -1 : 1) * (Number(match[10]) * 60 + Number(match[11]));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59 || Number(match[11] ?? 0) > 59 || Number(match[10] ?? 0) > 23)
    throw bad;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, fraction);
  if (new Date(local).getUTCDate() !== day) throw bad;
  return new Date(local - offsetMinutes * 60_000);
}

/** Why a purpose is not honoured, in words the requester can act on. */
function notHonoured(purpose: Purpose, config: PurposeConfig): SlotError {
  const accepted = config.purposes.join(', ');
  const text =
    purpose === 'ephemeral' && !config.purposes.includes('ephemeral')
      ? 'This service cannot promise that a file is gone by expire-before: downloads are served straight from ' +
        `the storage, which deletes by the day, so it does not offer the ephemeral purpose. It accepts ${accepted}.`
      : `This service does not accept uploads for the purpose ${purpose}; it accepts ${accepted}.`;
  return new SlotError('purpose-not-supported', text);
}

/**
 * Decides the purpose of a request: absent means `message`; an unknown one, an `expireBefore`
 * on anything but `ephemeral`, an `ephemeral` without one, or one that is not ahead of `now` is
 * `bad-request`; a purpose the service does not honour is `purpose-not-supported`. An
 * `expireBefore` later than the longest ephemeral lifetime is capped to it (never refused), and
 * rounded down to the second the key holds: the file is then gone earlier, never later.
 */
export function decidePurpose(rawPurpose: unknown, rawExpireBefore: unknown, config: PurposeConfig, now: Date): DecidedPurpose {
  if (rawPurpose !== undefined && !isPurpose(rawPurpose)) {
    throw new SlotError('bad-request', `Unknown upload purpose ${shown(rawPurpose)}; XEP-0363 defines ${PURPOSES.join(', ')}.`);
  }
  const purpose = rawPurpose ?? DEFAULT_PURPOSE;
  if (purpose !== 'ephemeral') {
    if (rawExpireBefore !== undefined)
      throw new SlotError('bad-request', `Only the ephemeral purpose takes expire-before, not ${purpose}.`);
    if (!config.purposes.includes(purpose)) throw notHonoured(purpose, config);
    return { purpose };
  }
  if (rawExpireBefore === undefined)
    throw new SlotError('bad-request', 'The ephemeral purpose needs expire-before, the time the file must be gone by.');
  const requested = parseDateTime(rawExpireBefore, 'expire-before');
  if (!config.purposes.includes('ephemeral')) throw notHonoured(purpose, config);
  const latest = latestEphemeralExpiry(config, now);
  const seconds = Math.floor(Math.min(requested.getTime(), latest.getTime()) / 1000);
  if (seconds * 1000 <= now.getTime()) throw new SlotError('bad-request', `expire-before ${shown(rawExpireBefore)} has already passed.`);
  return { purpose, expireBefore: new Date(seconds * 1000) };
}
