/**
 * The response headers policy of `cdn` mode as plain data: the security headers of Prosody's
 * mod_http_file_share (its CSP and nosniff on every download) plus HSTS and Referrer-Policy, and
 * CORS for GET/HEAD. `lib/downloads.ts` turns this into the CloudFront policy and the local CDN
 * applies it as CloudFront does, so both serve the same headers from one definition.
 */

/** One year, as Prosody's `Strict-Transport-Security`; no includeSubDomains (the operator's other hosts are not ours to pin). */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** Added to every download response, replacing any the origin sent (CloudFront "origin override"). */
export const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'strict-transport-security': `max-age=${HSTS_MAX_AGE_SECONDS}`,
  'referrer-policy': 'no-referrer',
  // Prosody still sends it for browsers without CSP frame-ancestors.
  'x-frame-options': 'DENY',
} as const;

/** The CORS part of the policy. */
export interface DownloadCors {
  /** `["*"]`, or origins (`https://*.example.org` wildcards as CloudFront takes them). */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly ('GET' | 'HEAD')[];
  /** As the bucket's CORS rule: S3 answers the preflight's status, so both must agree. */
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds: number;
  /** Downloads need no cookies or credentials. */
  readonly allowCredentials: false;
}

/** CORS for browser clients fetching downloads (encrypted `aesgcm://` files always are). */
export function downloadCors(corsOrigins: readonly string[]): DownloadCors {
  return {
    allowOrigins: corsOrigins.includes('*') ? ['*'] : [...corsOrigins],
    allowMethods: ['GET', 'HEAD'],
    allowHeaders: ['Content-Type'],
    exposeHeaders: ['ETag'],
    maxAgeSeconds: 3000,
    allowCredentials: false,
  };
}
