/**
 * Bucket CORS as S3 evaluates it, for the one rule the deployed bucket has: the configured
 * origins may PUT, GET and HEAD with a `Content-Type` header. Browser clients (Converse.js)
 * preflight every PUT and need `Access-Control-Allow-Origin` on the PUT response itself, or the
 * object is stored but the client reports a failure.
 */
import { escapeXml, S3Failure } from './s3-errors.ts';
import type { S3Request } from './s3-request.ts';

export const CORS_METHODS = ['PUT', 'GET', 'HEAD'] as const;
export const CORS_HEADERS = ['content-type'] as const;
export const CORS_EXPOSE_HEADERS = ['ETag'] as const;
export const CORS_MAX_AGE_SECONDS = 3000;

/** An allowed origin pattern, with S3's single `*` wildcard. */
function originPattern(origin: string): RegExp {
  const parts = origin.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/** Matches an Origin against the configured origins; `wildcard` when only `*` matched it. */
export function matchOrigin(origins: readonly string[], origin: string | undefined): { wildcard: boolean } | undefined {
  if (origin === undefined) return undefined;
  if (origins.some((o) => o !== '*' && originPattern(o).test(origin))) return { wildcard: false };
  return origins.includes('*') ? { wildcard: true } : undefined;
}

function commonHeaders(origin: string, wildcard: boolean): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': wildcard ? '*' : origin,
    'Access-Control-Allow-Methods': CORS_METHODS.join(', '),
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(', '),
    'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
    ...(wildcard ? {} : { 'Access-Control-Allow-Credentials': 'true' }),
    Vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
}

/** CORS headers for an actual (non-preflight) request: none unless its Origin and method are allowed. */
export function corsResponseHeaders(request: S3Request, origins: readonly string[]): Record<string, string> {
  const match = matchOrigin(origins, request.headers.origin);
  if (!match || !(CORS_METHODS as readonly string[]).includes(request.method)) return {};
  return commonHeaders(request.headers.origin ?? '', match.wildcard);
}

/** The headers of a successful preflight; throws S3's refusal otherwise. */
export function preflightHeaders(request: S3Request, origins: readonly string[]): Record<string, string> {
  const origin = request.headers.origin;
  const method = request.headers['access-control-request-method'];
  if (!origin) throw new S3Failure('BadRequest', 'Insufficient information. Origin request header needed.', 400);
  if (!method) throw new S3Failure('BadRequest', 'Invalid Access-Control-Request-Method: null', 400);
  const requested = (request.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const match = matchOrigin(origins, origin);
  const allowed =
    (CORS_METHODS as readonly string[]).includes(method) && requested.every((h) => (CORS_HEADERS as readonly string[]).includes(h));
  if (!match || !allowed) {
    throw new S3Failure(
      'AccessForbidden',
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      403,
      { Method: method, ResourceType: request.key === '' ? 'BUCKET' : 'OBJECT' },
    );
  }
  const headers = commonHeaders(origin, match.wildcard);
  return requested.length > 0 ? { ...headers, 'Access-Control-Allow-Headers': requested.join(', ') } : headers;
}

/** The same rule as a `CORSConfiguration` document, so s3rver's GetBucketCors answers it too. */
export function corsConfigurationXml(origins: readonly string[]): string {
  const el = (name: string, values: readonly (string | number)[]) =>
    values.map((v) => `<${name}>${escapeXml(String(v))}</${name}>`).join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    el('AllowedOrigin', origins) +
    el('AllowedMethod', CORS_METHODS) +
    el('AllowedHeader', CORS_HEADERS) +
    el('ExposeHeader', CORS_EXPOSE_HEADERS) +
    el('MaxAgeSeconds', [CORS_MAX_AGE_SECONDS]) +
    '</CORSRule></CORSConfiguration>'
  );
}
