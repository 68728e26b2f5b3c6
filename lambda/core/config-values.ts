/**
 * Parsers for single configuration values. Each accepts the string form of an environment
 * variable and the JSON form of CDK context, returns a value or a problem, and never falls
 * back silently: an absent value takes the default, a present bad one is a problem.
 */
import { bareJid, isDomain, parseJid } from './jid.ts';
import { isMimeType, isMimeWildcard } from './mime.ts';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/** Every bad configuration key at once, one line each. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });
/** A value the caller left out: undefined, null or the empty string (`-c key=` on the command line). */
export const absent = (value: unknown): boolean => value === undefined || value === null || value === '';

export function parseInteger(value: unknown, fallback: number, min: number, max: number): Parsed<number> {
  if (absent(value)) return ok(fallback);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) return bad(`expected a whole number, got ${JSON.stringify(value)}`);
  if (n < min || n > max) return bad(`expected a whole number from ${min} to ${max}, got ${n}`);
  return ok(n);
}

/**
 * A PUT URL's validity, capped at `max`: the URLs are signed with the Lambda role's temporary
 * credentials, and a presigned URL stops working when its credentials expire, whatever its
 * `X-Amz-Expires` says (docs/configuration.md explains the cap).
 */
export function parsePutUrlTtl(value: unknown, fallback: number, max: number): Parsed<number> {
  const parsed = parseInteger(value, fallback, 1, Number.MAX_SAFE_INTEGER);
  if (!parsed.ok) return parseInteger(value, fallback, 1, max);
  if (parsed.value <= max) return parsed;
  return bad(
    `at most ${max} seconds, got ${parsed.value}: PUT URLs are signed with the Lambda role's temporary credentials, ` +
      'and a URL stops working when they expire, whatever its expiry says (docs/configuration.md)',
  );
}

/** A list: a JSON array, or a string holding a JSON array or comma-separated items. */
export function parseList(value: unknown): Parsed<string[]> {
  if (absent(value)) return ok([]);
  let items: unknown = value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        items = JSON.parse(text);
      } catch {
        return bad(`expected a JSON array or a comma-separated list, got ${JSON.stringify(value)}`);
      }
    } else items = text.split(',');
  }
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    return bad(`expected a list of strings, got ${JSON.stringify(value)}`);
  }
  return ok(items.map((item) => item.trim()).filter((item) => item !== ''));
}

function parseEach(value: unknown, check: (item: string) => string | undefined, what: string): Parsed<string[]> {
  const list = parseList(value);
  if (!list.ok) return list;
  const out: string[] = [];
  for (const item of list.value) {
    const normal = check(item);
    if (normal === undefined) return bad(`${JSON.stringify(item)} is not ${what}`);
    out.push(normal);
  }
  return ok(out);
}

const domainOf = (item: string): string | undefined => {
  const lower = item.toLowerCase();
  return isDomain(lower) ? lower : undefined;
};

export function parseDomains(value: unknown): Parsed<string[]> {
  if (absent(value)) return bad('required: the XMPP domains this service uploads for, e.g. "example.org"');
  const domains = parseEach(value, domainOf, 'a domain name');
  if (domains.ok && domains.value.length === 0) return bad('required: at least one domain');
  return domains;
}

export function parseServiceJid(value: unknown, fallback: string): Parsed<string> {
  if (absent(value)) return ok(fallback);
  const domain = typeof value === 'string' ? domainOf(value) : undefined;
  return domain === undefined ? bad(`expected a domain JID such as "upload.example.org", got ${JSON.stringify(value)}`) : ok(domain);
}

export function parseAccess(value: unknown): Parsed<string[]> {
  return parseEach(
    value,
    (item) => {
      const jid = parseJid(item);
      return jid === undefined || jid.resource !== undefined ? undefined : bareJid(jid);
    },
    'a bare JID or a domain',
  );
}

export function parseMimeList(value: unknown): Parsed<string[]> {
  return parseEach(
    value,
    (item) => {
      const lower = item.toLowerCase();
      return isMimeType(lower) || isMimeWildcard(lower) ? lower : undefined;
    },
    'a MIME type or a "type/*" wildcard',
  );
}

export function parseCorsOrigins(value: unknown, fallback: string[]): Parsed<string[]> {
  if (absent(value)) return ok(fallback);
  const origins = parseEach(
    value,
    (item) => (item === '*' || /^https?:\/\/[^/\s?#]+$/.test(item) ? item : undefined),
    'an origin ("*" or scheme://host[:port])',
  );
  if (origins.ok && origins.value.length === 0) return bad('expected at least one origin');
  return origins;
}

export function parseKeyPrefix(value: unknown, fallback: string): Parsed<string> {
  if (absent(value)) return ok(fallback);
  // Safe S3 key characters only, so the public-read policy resource and URLs need no escaping.
  if (
    typeof value !== 'string' ||
    !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/$/.test(value) ||
    value.split('/').some((s) => s === '.' || s === '..')
  ) {
    return bad(`expected segments of A-Z a-z 0-9 _ . - ending with "/", e.g. "uploads/", got ${JSON.stringify(value)}`);
  }
  return ok(value);
}

export function parsePublicBaseUrl(value: unknown): Parsed<string | undefined> {
  if (absent(value)) return ok(undefined);
  if (typeof value === 'string') {
    try {
      const url = new URL(value);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '' && url.username === '') {
        return ok(url.href.replace(/\/+$/, ''));
      }
    } catch {
      // reported below
    }
  }
  return bad(`expected an http(s) URL without query or fragment, got ${JSON.stringify(value)}`);
}

export function parseObjectAcl(value: unknown): Parsed<'public-read' | undefined> {
  if (absent(value) || value === 'none') return ok(undefined);
  return value === 'public-read' ? ok('public-read') : bad(`expected "public-read" or "none", got ${JSON.stringify(value)}`);
}
