/**
 * Every default of `cdn` mode's CloudFront resources, as small pure functions returning props
 * (the `defaults.ts` pattern): the construct in `downloads.ts` only wires them together.
 */
import { Duration } from 'aws-cdk-lib';
import {
  CacheCookieBehavior,
  CacheHeaderBehavior,
  type CachePolicyProps,
  CacheQueryStringBehavior,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  type ResponseHeadersPolicyProps,
} from 'aws-cdk-lib/aws-cloudfront';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { downloadCors, HSTS_MAX_AGE_SECONDS, SECURITY_HEADERS } from '../cdn/response-headers.ts';
import { prefixObjectsArn } from './defaults.ts';

/**
 * How long an edge keeps a download. Keys are never reused, so nothing goes stale; the bound is
 * deletion: the lifecycle rule does not invalidate, so a deleted file may be served from an edge
 * for up to this long unless its path is invalidated.
 */
export const EDGE_TTL = Duration.days(1);

/**
 * The cache key is the path alone: no query string (S3's `response-*` overrides never reach the
 * origin), no headers, no cookies. Min = default = max TTL, so an uploader's `Cache-Control`
 * cannot stretch it; no compression (the function strips any `Content-Encoding`, so CloudFront
 * must not add one, and uploads are mostly compressed media already).
 */
export function cachePolicyProps(): CachePolicyProps {
  return {
    comment: 'xmpp-s3-upload downloads: keys are never reused; path-only cache key',
    minTtl: EDGE_TTL,
    defaultTtl: EDGE_TTL,
    maxTtl: EDGE_TTL,
    queryStringBehavior: CacheQueryStringBehavior.none(),
    headerBehavior: CacheHeaderBehavior.none(),
    cookieBehavior: CacheCookieBehavior.none(),
    enableAcceptEncodingGzip: false,
    enableAcceptEncodingBrotli: false,
  };
}

const REFERRER_POLICIES: Record<(typeof SECURITY_HEADERS)['referrer-policy'], HeadersReferrerPolicy> = {
  'no-referrer': HeadersReferrerPolicy.NO_REFERRER,
};
const FRAME_OPTIONS: Record<(typeof SECURITY_HEADERS)['x-frame-options'], HeadersFrameOption> = { DENY: HeadersFrameOption.DENY };

/** cdn/response-headers.ts as a CloudFront policy; every header replaces the origin's. */
export function responseHeadersPolicyProps(corsOrigins: readonly string[]): ResponseHeadersPolicyProps {
  const cors = downloadCors(corsOrigins);
  return {
    comment: 'xmpp-s3-upload downloads: the serving headers of Prosody mod_http_file_share, plus CORS for GET/HEAD',
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: SECURITY_HEADERS['content-security-policy'], override: true },
      contentTypeOptions: { override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.seconds(HSTS_MAX_AGE_SECONDS), includeSubdomains: false, override: true },
      referrerPolicy: { referrerPolicy: REFERRER_POLICIES[SECURITY_HEADERS['referrer-policy']], override: true },
      frameOptions: { frameOption: FRAME_OPTIONS[SECURITY_HEADERS['x-frame-options']], override: true },
    },
    corsBehavior: {
      accessControlAllowOrigins: [...cors.allowOrigins],
      accessControlAllowMethods: [...cors.allowMethods],
      accessControlAllowHeaders: [...cors.allowHeaders],
      accessControlExposeHeaders: [...cors.exposeHeaders],
      accessControlMaxAge: Duration.seconds(cors.maxAgeSeconds),
      accessControlAllowCredentials: cors.allowCredentials,
      originOverride: true,
    },
  };
}

/** The one read grant of `cdn` mode: this distribution (through OAC) may get objects under the prefix. */
export function distributionReadStatement(bucketArn: string, keyPrefix: string, distributionArn: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'CloudFrontReadOfUploadPrefix',
    effect: Effect.ALLOW,
    principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
    actions: ['s3:GetObject'],
    resources: [prefixObjectsArn(bucketArn, keyPrefix)],
    conditions: { StringEquals: { 'AWS:SourceArn': distributionArn } },
  });
}
