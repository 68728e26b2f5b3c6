/**
 * The download keys (`downloads`, `safeTypes`, `downloadDomain`) and where GET URLs point. One
 * source of truth per mode: `bucket` mode serves from the bucket or `publicBaseUrl`; `cdn` mode
 * from `https://<downloadDomain>` or, without one, the distribution's own domain. A setting that
 * would contradict its mode is refused naming both keys, never silently ignored.
 */
import { absent, type Parsed } from './config-values.ts';
import { isDomain } from './jid.ts';

/** How GET URLs are served (docs/downloads.md). */
export type DownloadMode = 'bucket' | 'cdn';

/** Prosody's `http_file_share_safe_file_types`: the types a browser may show inline. */
export const PROSODY_SAFE_TYPES: readonly string[] = ['image/*', 'video/*', 'audio/*', 'text/plain'];

/** What the mode checks need of the keys parsed before `downloads`. */
export interface DownloadContext {
  readonly publicBaseUrl?: string | undefined;
  readonly objectAcl?: 'public-read' | undefined;
  readonly corsOrigins?: readonly string[];
}

// CloudFront's CORS settings take "*" alone or as the leftmost label of the host only.
const CLOUDFRONT_ORIGIN = /^(\*|https?:\/\/(\*\.)?[^*/\s?#]+)$/;

export function parseDownloads(value: unknown, context: DownloadContext): Parsed<DownloadMode> {
  if (absent(value)) return { ok: true, value: 'bucket' };
  if (value !== 'bucket' && value !== 'cdn') return { ok: false, problem: `expected "bucket" or "cdn", got ${JSON.stringify(value)}` };
  if (value === 'bucket') return { ok: true, value };
  const problems: string[] = [];
  if (context.publicBaseUrl !== undefined) {
    problems.push('"cdn" serves GET URLs from CloudFront, so publicBaseUrl must be unset (set downloadDomain for your own host name)');
  }
  if (context.objectAcl !== undefined) {
    problems.push('"cdn" keeps the bucket private, so objectAcl must be unset (public-read ACLs would publish every object)');
  }
  const bad = (context.corsOrigins ?? []).filter((origin) => !CLOUDFRONT_ORIGIN.test(origin));
  if (bad.length > 0) {
    problems.push(`CloudFront takes a corsOrigins "*" only alone or as the leftmost label (https://*.example.org): ${bad.join(', ')}`);
  }
  return problems.length === 0 ? { ok: true, value } : { ok: false, problem: problems.join('; ') };
}

/** A bare host name: no scheme, port, path or trailing dot; lower-cased. */
export function parseDownloadDomain(value: unknown, downloads: DownloadMode | undefined): Parsed<string | undefined> {
  if (absent(value)) return { ok: true, value: undefined };
  const host = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if (!isDomain(host) || !host.includes('.') || /^[\d.]+$/.test(host)) {
    return {
      ok: false,
      problem: `expected a host name such as "files.example.org" (no scheme, port or path), got ${JSON.stringify(value)}`,
    };
  }
  if (downloads !== 'cdn') {
    return {
      ok: false,
      problem: 'needs downloads "cdn": S3 cannot serve HTTPS on your own host name (for a proxy in front of the bucket, use publicBaseUrl)',
    };
  }
  return { ok: true, value: host };
}

/**
 * The bucket's own base URL: regional virtual-hosted style, or path style on a custom endpoint.
 * Here rather than beside the signer so that the construct computes it without loading the SDK.
 */
export function bucketBaseUrl(options: {
  readonly bucket: string;
  readonly region: string;
  readonly endpoint?: string | undefined;
}): string {
  if (options.endpoint !== undefined) return `${options.endpoint.replace(/\/+$/, '')}/${options.bucket}`;
  return `https://${options.bucket}.s3.${options.region}.amazonaws.com`;
}

/** What {@link downloadBaseUrl} reads of the configuration. */
export interface DownloadConfig {
  readonly downloads: DownloadMode;
  readonly downloadDomain: string | undefined;
  readonly publicBaseUrl: string | undefined;
}

/** Where the GET URLs of a running service point, besides the configuration. */
export interface DownloadOrigins {
  /** The bucket's own URL (`bucket` mode without `publicBaseUrl`). */
  readonly bucketUrl: string;
  /** The CDN's own URL, used in `cdn` mode without `downloadDomain` (the local CDN; in AWS the stack sets downloadDomain). */
  readonly cdnUrl?: string | undefined;
}

/**
 * The base of every GET URL, without a trailing slash: the one place that decides it.
 * @throws Error in `cdn` mode with neither `downloadDomain` nor a CDN URL to fall back on.
 */
export function downloadBaseUrl(config: DownloadConfig, origins: DownloadOrigins): string {
  if (config.downloads === 'bucket') return config.publicBaseUrl ?? origins.bucketUrl.replace(/\/+$/, '');
  if (config.downloadDomain !== undefined) return `https://${config.downloadDomain}`;
  if (origins.cdnUrl !== undefined) return origins.cdnUrl.replace(/\/+$/, '');
  throw new Error('downloads is "cdn" but UPLOAD_DOWNLOAD_DOMAIN is not set: the stack sets it to the distribution\'s domain');
}
