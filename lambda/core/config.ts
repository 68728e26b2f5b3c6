/**
 * The service configuration: one {@link DEFAULTS} table, one pure {@link parseConfig} that
 * runs once at start and rejects every bad key at once. Values come either as strings
 * (`UPLOAD_*` environment variables, see {@link configFromEnv}) or as JSON values (CDK context).
 */

import { type DownloadMode, PROSODY_SAFE_TYPES, parseDownloadDomain, parseDownloads } from './config-downloads.ts';
import {
  absent,
  ConfigError,
  type Parsed,
  parseAccess,
  parseCorsOrigins,
  parseDomains,
  parseInteger,
  parseKeyPrefix,
  parseMimeList,
  parseObjectAcl,
  parsePublicBaseUrl,
  parsePutUrlTtl,
  parseServiceJid,
} from './config-values.ts';
import { type Purpose, parsePurposes } from './purposes.ts';

export { ConfigError } from './config-values.ts';

export interface ServiceConfig {
  readonly domains: readonly string[];
  readonly serviceJid: string;
  readonly maxFileSizeBytes: number;
  readonly dailyQuotaBytes: number;
  readonly globalQuotaBytes: number;
  readonly allowedTypes: readonly string[];
  readonly access: readonly string[];
  readonly putUrlTtlSeconds: number;
  readonly retentionDays: number;
  readonly keyPrefix: string;
  /** Without a trailing slash; undefined means the bucket's own URL. */
  readonly publicBaseUrl: string | undefined;
  readonly objectAcl: 'public-read' | undefined;
  readonly corsOrigins: readonly string[];
  readonly downloads: DownloadMode;
  /** Types served inline in `cdn` mode (`image/*` wildcards); an empty list serves every type as an attachment. */
  readonly safeTypes: readonly string[];
  /** Host name of GET URLs in `cdn` mode; undefined means the distribution's own domain. */
  readonly downloadDomain: string | undefined;
  /** XEP-0363 1.2 purposes advertised and accepted (lambda/core/purposes.ts), in the XEP's order; always with `message`. */
  readonly purposes: readonly Purpose[];
  /** Days before the lifecycle rule deletes a `profile` upload; 0 = keep. */
  readonly profileRetentionDays: number;
}

export type ConfigKey = keyof ServiceConfig;

/** S3's limit for a single PUT (5 GiB): larger files need multipart, which XEP-0363 has not. */
export const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
/**
 * The longest PUT URL validity accepted. SigV4 itself allows seven days, but the Lambda signs
 * with its role's temporary credentials, and S3 refuses a presigned URL once they have expired.
 * AWS publishes no lifetime for them (Lambda does not follow the role's session duration), so the
 * cap is one hour, the default STS session: far inside the 6–12 h that Lambda-signed URLs are
 * reported to last, and far beyond the seconds an XEP-0363 client takes to start its PUT.
 */
export const MAX_PUT_URL_TTL_SECONDS = 3600;

interface KeySpec<K extends ConfigKey> {
  /** The default as docs/configuration.md shows it. */
  readonly shown: string;
  readonly meaning: string;
  readonly parse: (value: unknown, partial: Partial<ServiceConfig>) => Parsed<ServiceConfig[K]>;
}

/**
 * Every configuration key, its one default and its meaning; the table in docs/configuration.md
 * is tested against this table. Keys are parsed in this order, so a default may
 * depend on a key above it.
 */
export const DEFAULTS: { readonly [K in ConfigKey]: KeySpec<K> } = {
  domains: { shown: 'required', meaning: 'XMPP domains served; their users may upload by default', parse: (v) => parseDomains(v) },
  serviceJid: {
    shown: '`upload.<first domain>`',
    meaning: "the upload service's JID in stanzas",
    parse: (v, p) => parseServiceJid(v, `upload.${p.domains?.[0] ?? 'invalid'}`),
  },
  maxFileSizeBytes: {
    shown: '104857600',
    meaning: 'larger requests get file-too-large (at most 5 GiB, the S3 single-PUT limit)',
    parse: (v) => parseInteger(v, 104_857_600, 1, MAX_SINGLE_PUT_BYTES),
  },
  dailyQuotaBytes: {
    shown: '10 × `maxFileSizeBytes`',
    meaning: 'bytes per bare JID in a sliding 24 h window; 0 = off',
    parse: (v, p) => parseInteger(v, 10 * (p.maxFileSizeBytes ?? 0), 0, Number.MAX_SAFE_INTEGER),
  },
  globalQuotaBytes: {
    shown: '0 (off)',
    meaning: 'bytes for all users within the retention window (7 days when retention is 0); 0 = off',
    parse: (v) => parseInteger(v, 0, 0, Number.MAX_SAFE_INTEGER),
  },
  allowedTypes: { shown: '`[]` (any)', meaning: 'MIME types allowed, `image/*` wildcards', parse: (v) => parseMimeList(v) },
  access: {
    shown: '`[]` (the domains)',
    meaning: 'bare JIDs and domains allowed to upload',
    parse: (v) => parseAccess(v),
  },
  putUrlTtlSeconds: {
    shown: '300',
    meaning: `validity of a PUT URL, seconds (1 to ${MAX_PUT_URL_TTL_SECONDS}: the Lambda role's credentials must outlive it)`,
    parse: (v) => parsePutUrlTtl(v, 300, MAX_PUT_URL_TTL_SECONDS),
  },
  retentionDays: {
    shown: '7',
    meaning:
      'days before the lifecycle rule deletes a `message` upload (the default purpose); 0 = keep; also the longest `ephemeral` lifetime (7 days when 0)',
    parse: (v) => parseInteger(v, 7, 0, 36_500),
  },
  keyPrefix: { shown: '`uploads/`', meaning: 'the public key prefix, ends with `/`', parse: (v) => parseKeyPrefix(v, 'uploads/') },
  publicBaseUrl: {
    shown: 'bucket URL',
    meaning: 'base of GET URLs (custom domain or CDN)',
    parse: (v) => parsePublicBaseUrl(v),
  },
  objectAcl: {
    shown: 'none',
    meaning:
      '`public-read` adds `x-amz-acl` to the PUT query (buckets that still use ACLs; AWS S3 honours it there, Ceph RGW 16.2 ignores it)',
    parse: (v) => parseObjectAcl(v),
  },
  corsOrigins: { shown: '`["*"]`', meaning: 'origins allowed by the bucket CORS rule', parse: (v) => parseCorsOrigins(v, ['*']) },
  downloads: {
    shown: '`bucket`',
    meaning: '`bucket`: GET URLs on the bucket (public-read prefix); `cdn`: CloudFront in front of a private bucket (docs/downloads.md)',
    parse: (v, p) => parseDownloads(v, p),
  },
  safeTypes: {
    shown: '`["image/*","video/*","audio/*","text/plain"]`',
    meaning: '`cdn` mode: types served inline; any other download gets `Content-Disposition: attachment`',
    parse: (v) => (absent(v) ? { ok: true, value: [...PROSODY_SAFE_TYPES] } : parseMimeList(v)),
  },
  downloadDomain: {
    shown: "the distribution's domain",
    meaning: '`cdn` mode: host name of GET URLs (`https://<downloadDomain>/<key>`); needs `downloadCertificateArn`',
    parse: (v, p) => parseDownloadDomain(v, p.downloads),
  },
  purposes: {
    shown: 'all the mode can honour',
    meaning:
      'XEP-0363 1.2 purposes advertised and accepted, of `message`, `profile`, `ephemeral`, `permanent`; must include `message`; `ephemeral` needs `cdn` (docs/downloads.md)',
    parse: (v, p) => parsePurposes(v, p.downloads),
  },
  profileRetentionDays: {
    shown: '0 (keep)',
    meaning: 'days before the lifecycle rule deletes a `profile` upload (avatars); 0 = keep',
    parse: (v) => parseInteger(v, 0, 0, 36_500),
  },
};

export const CONFIG_KEYS = Object.keys(DEFAULTS) as ConfigKey[];

/** The environment variable of a key: `UPLOAD_` + SCREAMING_SNAKE (`UPLOAD_MAX_FILE_SIZE_BYTES`). */
export function envName(key: ConfigKey): string {
  return `UPLOAD_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Picks the `UPLOAD_*` variables of every config key; unset and empty variables are left out. */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): Partial<Record<ConfigKey, string>> {
  const raw: Partial<Record<ConfigKey, string>> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return raw;
}

/**
 * Validates raw values (strings or JSON values) into a {@link ServiceConfig}.
 * @throws ConfigError naming every bad key at once; unknown keys are errors too.
 */
export function parseConfig(raw: Readonly<Record<string, unknown>>): ServiceConfig {
  const problems: string[] = [];
  for (const key of Object.keys(raw)) {
    if (!(key in DEFAULTS)) problems.push(`${key}: unknown configuration key`);
  }
  const partial: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const spec = DEFAULTS[key] as KeySpec<ConfigKey>;
    const result = spec.parse(raw[key], partial as Partial<ServiceConfig>);
    if (result.ok) partial[key] = result.value;
    else problems.push(`${key} (${envName(key)}): ${result.problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return partial as unknown as ServiceConfig;
}
