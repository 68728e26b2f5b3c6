/**
 * The response headers policy of `cdn` mode applied the way CloudFront applies one
 * ("Understanding response headers policies", CloudFront Developer Guide): the security headers
 * on every response, replacing the origin's; CORS headers only on CORS requests from an allowed
 * origin — `Access-Control-Allow-Origin` (and the exposed headers) on a simple request, plus the
 * allowed methods, headers and max age on a preflight. The origin's own CORS headers never pass
 * (origin override).
 */
import { type DownloadCors, SECURITY_HEADERS } from '../cdn/response-headers.ts';

/** What the policy looks at in the viewer's request. */
export interface PolicyRequest {
  readonly method: string;
  readonly origin: string | undefined;
  readonly accessControlRequestMethod: string | undefined;
}

/** `*`, an exact origin, or `scheme://*.domain` for any subdomain (CloudFront's one wildcard form). */
export function allowedOrigin(cors: DownloadCors, origin: string): string | undefined {
  if (cors.allowOrigins.includes('*')) return '*';
  for (const allowed of cors.allowOrigins) {
    if (allowed === origin) return origin;
    const wildcard = /^(https?:\/\/)\*(\..+)$/.exec(allowed);
    if (wildcard?.[1] !== undefined && wildcard[2] !== undefined) {
      const [, scheme, domain] = wildcard;
      const host = origin.startsWith(scheme) ? origin.slice(scheme.length) : '';
      if (host.endsWith(domain) && /^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(host.slice(0, -domain.length))) return origin;
    }
  }
  return undefined;
}

function corsHeaders(cors: DownloadCors, request: PolicyRequest): Record<string, string> {
  const allow = request.origin === undefined ? undefined : allowedOrigin(cors, request.origin);
  if (allow === undefined) return {};
  const headers: Record<string, string> = { 'access-control-allow-origin': allow };
  if (request.method === 'OPTIONS' && request.accessControlRequestMethod !== undefined) {
    headers['access-control-allow-methods'] = cors.allowMethods.join(', ');
    headers['access-control-allow-headers'] = cors.allowHeaders.join(', ');
    headers['access-control-max-age'] = String(cors.maxAgeSeconds);
  } else if (cors.exposeHeaders.length > 0) {
    headers['access-control-expose-headers'] = cors.exposeHeaders.join(', ');
  }
  return headers;
}

/** The response's headers (lower-case names) after the policy. */
export function applyResponseHeadersPolicy(
  headers: Readonly<Record<string, string | string[]>>,
  request: PolicyRequest,
  cors: DownloadCors,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (!name.startsWith('access-control-')) out[name] = value;
  return { ...out, ...SECURITY_HEADERS, ...corsHeaders(cors, request) };
}
