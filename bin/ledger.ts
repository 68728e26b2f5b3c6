/**
 * The upload ledger as the `files` commands read it (docs/operations.md, Abuse and erasure): the
 * request log's grant lines (key, slot id, bare JID, size, type, grant time, PUT expiry, purpose)
 * and the takedown lines `files delete` and `files purge` add. Pure: the Logs Insights query
 * strings, the parsing of their results and of the local stack's log lines, and the reading of a
 * reported GET URL. The adapters (bin/files-aws.ts, bin/files-local.ts) only move bytes.
 */
import { isSlotId, slotIdOfKey } from '../lambda/core/keys.ts';

/** One granted slot, as its request line recorded it. */
export interface Grant {
  readonly kind: 'grant';
  readonly key: string;
  readonly slotId: string;
  /** Bare JID of the uploader. */
  readonly jid: string;
  readonly sizeBytes: number;
  readonly contentType: string | undefined;
  readonly grantedAt: Date;
  readonly putExpiresAt: Date;
  readonly purpose: string;
}

/** One object deleted by an operator, as `files delete` or `files purge` recorded it. */
export interface Takedown {
  readonly kind: 'takedown';
  readonly key: string;
  readonly slotId: string | undefined;
  /** The uploader, when the ledger knew it. */
  readonly jid: string | undefined;
  readonly action: 'delete' | 'purge';
  readonly takenDownAt: Date;
  /** Who ran the command (`user@host`, or `--by`). */
  readonly by: string;
  readonly reason: string | undefined;
}

export type LedgerRecord = Grant | Takedown;

/** What a ledger is asked: everything about one slot, or the grants to one JID. */
export type LedgerQuery = { readonly slotId: string } | { readonly jid: string; readonly since?: Date | undefined };

/** The field a takedown line carries in `event`, beside the request lines' `outcome`. */
export const TAKEDOWN_EVENT = 'takedown';
/** The log stream the operator's takedown lines go to, in the function's log group. */
export const TAKEDOWN_STREAM = 'operator-takedowns';
/** Logs Insights returns at most this many rows per query; more are fetched by narrowing the time range. */
export const INSIGHTS_MAX_ROWS = 10_000;

const FIELDS = [
  'outcome',
  'event',
  'key',
  'slotId',
  'jid',
  'sizeBytes',
  'contentType',
  'grantedAt',
  'putExpiresAt',
  'purpose',
  'action',
  'takenDownAt',
  'by',
  'reason',
] as const;

/**
 * A Logs Insights string literal. Only values that need no escaping are ever put in a query (slot
 * ids, and JIDs and domains without quotes or backslashes), so no escaping rule is relied upon.
 * @throws Error for anything else: a bug, since callers choose what to quote.
 */
const NEEDS_ESCAPING = /["'\\`\p{Cc}]/u;

export function insightsLiteral(value: string): string {
  if (NEEDS_ESCAPING.test(value) || value.length === 0) throw new Error(`not a safe Logs Insights literal: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

/**
 * The Logs Insights query of a ledger question. A JID with a quote or a backslash (XEP-0106
 * escapes, `d\27artagnan@…`) is looked up by its domain, and the exact JID is matched on the
 * rows ({@link matches}), so every JID is found without trusting an escaping rule.
 */
export function insightsQuery(query: LedgerQuery): string {
  let filter: string;
  if ('slotId' in query) {
    if (!isSlotId(query.slotId)) throw new Error(`not a slot id: ${query.slotId}`);
    filter = `slotId = ${insightsLiteral(query.slotId)} and (outcome = "granted" or event = "${TAKEDOWN_EVENT}")`;
  } else {
    const safe = !NEEDS_ESCAPING.test(query.jid);
    const domain = query.jid.slice(query.jid.lastIndexOf('@') + 1);
    filter = `outcome = "granted" and ${safe ? `jid = ${insightsLiteral(query.jid)}` : `jid like ${insightsLiteral(`@${domain}`)}`}`;
  }
  return [`fields @timestamp, ${FIELDS.join(', ')}`, `filter ${filter}`, 'sort @timestamp desc', `limit ${INSIGHTS_MAX_ROWS}`].join('\n| ');
}

/** One row of GetQueryResults. */
export type InsightsRow = readonly { readonly field?: string | undefined; readonly value?: string | undefined }[];

/** A result row as plain fields (`@ptr` and the like are kept; unknown fields are ignored later). */
export function rowFields(row: InsightsRow): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const { field, value } of row) if (field !== undefined && value !== undefined) fields[field] = value;
  return fields;
}

const date = (value: string | undefined): Date | undefined => {
  if (value === undefined) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
};

/** A grant or takedown from its fields; undefined for any other line, or one missing what the ledger needs. */
export function recordOf(fields: Readonly<Record<string, string | undefined>>): LedgerRecord | undefined {
  const { key, slotId, jid } = fields;
  if (fields.outcome === 'granted') {
    const sizeBytes = Number(fields.sizeBytes);
    const grantedAt = date(fields.grantedAt);
    const putExpiresAt = date(fields.putExpiresAt);
    if (key === undefined || slotId === undefined || jid === undefined || grantedAt === undefined || putExpiresAt === undefined)
      return undefined;
    if (!Number.isSafeInteger(sizeBytes)) return undefined;
    return {
      kind: 'grant',
      key,
      slotId,
      jid,
      sizeBytes,
      contentType: fields.contentType === '' ? undefined : fields.contentType,
      grantedAt,
      putExpiresAt,
      purpose: fields.purpose ?? 'message',
    };
  }
  if (fields.event === TAKEDOWN_EVENT) {
    const takenDownAt = date(fields.takenDownAt);
    if (key === undefined || takenDownAt === undefined) return undefined;
    return {
      kind: 'takedown',
      key,
      slotId,
      jid,
      action: fields.action === 'purge' ? 'purge' : 'delete',
      takenDownAt,
      by: fields.by ?? 'unknown',
      reason: fields.reason,
    };
  }
  return undefined;
}

/** Whether a record answers a query: the exact test, applied to every row whatever store it came from. */
export function matches(record: LedgerRecord, query: LedgerQuery): boolean {
  if ('slotId' in query) return record.slotId === query.slotId;
  if (record.kind !== 'grant' || record.jid !== query.jid) return false;
  return query.since === undefined || record.grantedAt >= query.since;
}

/** A log line (JSON) as flat string fields; undefined when it is not a JSON object. */
export function lineFields(line: string): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[name] = String(value);
  }
  return fields;
}

/** The line a takedown is recorded as (the same JSON the local ledger and Logs Insights read). */
export function takedownLine(takedown: Omit<Takedown, 'kind'>): string {
  return JSON.stringify({
    level: 'info',
    event: TAKEDOWN_EVENT,
    action: takedown.action,
    key: takedown.key,
    ...(takedown.slotId === undefined ? {} : { slotId: takedown.slotId }),
    ...(takedown.jid === undefined ? {} : { jid: takedown.jid }),
    takenDownAt: takedown.takenDownAt.toISOString(),
    by: takedown.by,
    ...(takedown.reason === undefined ? {} : { reason: takedown.reason }),
  });
}

/** What an operator names: a GET URL or a key. */
export interface FileRef {
  readonly input: string;
  /** The key, when the input says it (a key, or a URL under a known download base). */
  readonly key: string | undefined;
  readonly slotId: string;
}

/**
 * Reads a GET URL or a key. A URL under one of `bases` (the DownloadBaseUrl, the bucket's own
 * URLs) gives its key; any other URL of this service still gives its slot id, and the ledger the key.
 * @returns a sentence saying what is wrong, for anything that names no slot.
 */
export function parseFileRef(input: string, bases: readonly string[]): FileRef | string {
  if (/^https?:\/\//i.test(input)) {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      return `${JSON.stringify(input)} is not a URL`;
    }
    const bare = `${url.origin}${url.pathname}`;
    for (const base of bases) {
      const prefix = `${base.replace(/\/+$/, '')}/`;
      if (!bare.startsWith(prefix)) continue;
      const key = decodePath(bare.slice(prefix.length));
      const slotId = key === undefined ? undefined : slotIdOfKey(key);
      if (key !== undefined && slotId !== undefined) return { input, key, slotId };
    }
    const segments = url.pathname.split('/').map(decodePath);
    const slotId = segments.slice(0, -1).find((s): s is string => s !== undefined && isSlotId(s));
    if (slotId === undefined) return `${input} is not a GET URL of this service (no slot id in its path)`;
    return { input, key: undefined, slotId };
  }
  const key = input.replace(/^\/+/, '');
  const slotId = slotIdOfKey(key);
  if (slotId === undefined)
    return `${JSON.stringify(input)} is neither a GET URL nor a key of this service (<keyPrefix><purpose>/…<uuid>/<filename>)`;
  return { input, key, slotId };
}

function decodePath(path: string): string | undefined {
  try {
    return path
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
  } catch {
    return undefined;
  }
}

/** `7d`, `24h`, `30m` or an ISO date: the start of `--since`. @returns undefined when it is neither. */
export function parseSince(value: string, now: Date): Date | undefined {
  const relative = /^(\d{1,6})([dhm])$/.exec(value);
  if (relative !== null) {
    const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(value)) return undefined;
  return date(value);
}
