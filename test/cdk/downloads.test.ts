import { type CfnResource, Stack } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewerResponseCode } from '../../cdn/function-code.ts';
import { downloadCors, SECURITY_HEADERS } from '../../cdn/response-headers.ts';
import { NAG_REASONS } from '../../lib/nag-acknowledgments.ts';
import { OUTPUTS } from '../../lib/xmpp-s3-upload-stack.ts';
import { type Synthesized, synthesize } from './synth.ts';

type Statement = { Sid?: string; Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Props = Record<string, unknown>;

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';
/** The managed origin request policy "CORS-S3Origin" (Origin, Access-Control-Request-Headers/-Method). */
const CORS_S3_ORIGIN = '88a5eaf4-2fd4-4709-b370-b4c650ea3fcf';

let cdn: Synthesized;
let custom: Synthesized;

beforeAll(() => {
  cdn = synthesize({ domains: ['example.org'], downloads: 'cdn' });
  custom = synthesize({
    domains: 'example.org',
    downloads: 'cdn',
    downloadDomain: 'files.example.org',
    downloadCertificateArn: CERT,
    priceClass: 'PriceClass_All',
    corsOrigins: 'https://chat.example.org,https://*.example.net',
    safeTypes: 'image/*,application/pdf',
  });
});
afterAll(() => {
  cdn.cleanup();
  custom.cleanup();
});

const idOf = (s: Synthesized, construct: { node: { defaultChild?: unknown } }) =>
  Stack.of(s.stack).getLogicalId(construct.node.defaultChild as CfnResource);
const only = (s: Synthesized, type: string): Props => {
  const resources = Object.values(s.template.findResources(type));
  expect(resources, type).toHaveLength(1);
  return (resources[0] as { Properties: Props }).Properties;
};
const distributionConfig = (s: Synthesized) => only(s, 'AWS::CloudFront::Distribution').DistributionConfig as Props;
const behavior = (s: Synthesized) => distributionConfig(s).DefaultCacheBehavior as Props;
const envOf = (s: Synthesized) => ((only(s, 'AWS::Lambda::Function').Environment as Props).Variables as Props) ?? {};
const acknowledgedRules = (s: Synthesized): string[] => {
  const nag = s.validationReport.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.conclusion).toBe('success');
  expect(nag?.violations).toEqual([]);
  expect(s.errors).toEqual([]);
  for (const v of nag?.suppressedViolations ?? [])
    expect(v.reason).toBe(NAG_REASONS[v.ruleName.replace(/\[.*$/, '') as keyof typeof NAG_REASONS]);
  return [...new Set(nag?.suppressedViolations.map((v) => v.ruleName.replace(/\[.*$/, '')))].sort();
};

describe('cdn mode (cdk synth -c downloads=cdn)', () => {
  it('keeps the bucket fully private: all four Block Public Access settings, no Allow to "*"', () => {
    cdn.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    const statements = (only(cdn, 'AWS::S3::BucketPolicy').PolicyDocument as { Statement: Statement[] }).Statement;
    for (const s of statements) {
      const principal = JSON.stringify(s.Principal);
      if (s.Effect === 'Allow') expect(principal).not.toMatch(/"\*"/);
      else expect(s.Condition).toBeDefined(); // the TLS-only denies, which apply to everyone
    }
    expect(statements.filter((s) => s.Effect === 'Allow')).toHaveLength(1);
  });

  it('grants s3:GetObject on the upload prefix to CloudFront for this distribution only', () => {
    const bucket = idOf(cdn, cdn.stack.service.bucket);
    const distribution = idOf(cdn, cdn.stack.service.downloads?.distribution as never);
    const statements = (only(cdn, 'AWS::S3::BucketPolicy').PolicyDocument as { Statement: Statement[] }).Statement;

    expect(statements.filter((s) => s.Effect === 'Allow')).toEqual([
      {
        Sid: 'CloudFrontReadOfUploadPrefix',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/uploads/*']] },
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distribution }],
              ],
            },
          },
        },
      },
    ]);
  });

  it('reads the bucket through Origin Access Control, signing every request', () => {
    const oac = only(cdn, 'AWS::CloudFront::OriginAccessControl').OriginAccessControlConfig;
    const origins = distributionConfig(cdn).Origins as Props[];

    expect(oac).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    expect(origins).toEqual([
      expect.objectContaining({
        DomainName: { 'Fn::GetAtt': [idOf(cdn, cdn.stack.service.bucket), 'RegionalDomainName'] },
        OriginAccessControlId: { 'Fn::GetAtt': [Object.keys(cdn.template.findResources('AWS::CloudFront::OriginAccessControl'))[0], 'Id'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
      }),
    ]);
  });

  it('serves GET, HEAD and OPTIONS over HTTPS only, HTTP/2 and HTTP/3, uncompressed, PriceClass_100', () => {
    expect(behavior(cdn)).toMatchObject({
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
      CachedMethods: ['GET', 'HEAD'],
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: false,
      OriginRequestPolicyId: CORS_S3_ORIGIN,
    });
    expect(distributionConfig(cdn)).toMatchObject({
      HttpVersion: 'http2and3',
      PriceClass: 'PriceClass_100',
      IPV6Enabled: true,
      Enabled: true,
    });
    expect(distributionConfig(cdn).Aliases).toBeUndefined();
  });

  it('caches by path alone for a fixed day: no query string, headers or cookies reach the key or the origin', () => {
    expect(only(cdn, 'AWS::CloudFront::CachePolicy').CachePolicyConfig).toMatchObject({
      MinTTL: 86400,
      DefaultTTL: 86400,
      MaxTTL: 86400,
      ParametersInCacheKeyAndForwardedToOrigin: {
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'none' },
        CookiesConfig: { CookieBehavior: 'none' },
        EnableAcceptEncodingGzip: false,
        EnableAcceptEncodingBrotli: false,
      },
    });
  });

  it('runs the rendered viewer-response function (cloudfront-js-2.0), the same text the local CDN runs', () => {
    const functions = Object.entries(cdn.template.findResources('AWS::CloudFront::Function')) as [string, { Properties: Props }][];
    const [fnId, resource] = functions.find(([, f]) => String(f.Properties.FunctionCode).includes('SAFE_TYPES')) ?? [];
    const fn = resource?.Properties ?? {};
    const association = behavior(cdn).FunctionAssociations as Props[];

    expect(fn.FunctionCode).toBe(viewerResponseCode(['image/*', 'video/*', 'audio/*', 'text/plain']));
    expect(fn.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
    expect(fn.AutoPublish).toBe(true);
    // The other one is the ephemeral purpose's viewer-request function (test/cdk/purposes.test.ts).
    expect(functions).toHaveLength(2);
    expect(association).toContainEqual({ EventType: 'viewer-response', FunctionARN: { 'Fn::GetAtt': [fnId, 'FunctionARN'] } });
  });

  it('adds the headers of cdn/response-headers.ts, overriding the origin, and CORS for GET/HEAD', () => {
    const config = only(cdn, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: Record<string, Record<string, unknown>>;
      CorsConfig: Record<string, unknown>;
    };
    const security = config.SecurityHeadersConfig;
    const served = {
      'content-security-policy': security.ContentSecurityPolicy?.ContentSecurityPolicy,
      'x-content-type-options': security.ContentTypeOptions ? 'nosniff' : undefined,
      'strict-transport-security': `max-age=${security.StrictTransportSecurity?.AccessControlMaxAgeSec}`,
      'referrer-policy': security.ReferrerPolicy?.ReferrerPolicy,
      'x-frame-options': security.FrameOptions?.FrameOption,
    };

    expect(served).toEqual(SECURITY_HEADERS);
    for (const header of Object.values(security)) expect(header.Override).toBe(true);
    const cors = downloadCors(['*']);
    expect(config.CorsConfig).toEqual({
      AccessControlAllowOrigins: { Items: ['*'] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
      AccessControlAllowHeaders: { Items: [...cors.allowHeaders] },
      AccessControlExposeHeaders: { Items: [...cors.exposeHeaders] },
      AccessControlMaxAgeSec: cors.maxAgeSeconds,
      AccessControlAllowCredentials: false,
      OriginOverride: true,
    });
  });

  it("hands the Lambda the distribution's domain for GET URLs and outputs it with the distribution id", () => {
    const distribution = idOf(cdn, cdn.stack.service.downloads?.distribution as never);

    expect(envOf(cdn)).toMatchObject({ UPLOAD_DOWNLOADS: 'cdn', UPLOAD_DOWNLOAD_DOMAIN: { 'Fn::GetAtt': [distribution, 'DomainName'] } });
    cdn.template.hasOutput(OUTPUTS.distributionId, { Value: { Ref: distribution } });
    cdn.template.hasOutput(OUTPUTS.downloadBaseUrl, {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] },
    });
  });

  it('keeps the PUT path straight to S3: the Lambda role may only PutObject under the prefix', () => {
    const statements = Object.values(cdn.template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
    expect(statements.filter((s) => JSON.stringify(s.Action).includes('s3:'))).toEqual([
      expect.objectContaining({ Action: 's3:PutObject' }),
    ]);
  });

  it('is cdk-nag clean, acknowledging the CloudFront findings and no longer S2', () => {
    expect(acknowledgedRules(cdn)).toEqual(
      [
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR2',
        'AwsSolutions-CFR3',
        'AwsSolutions-CFR4',
        'AwsSolutions-IAM5',
        'AwsSolutions-S1',
        'AwsSolutions-SMG4',
      ].sort(),
    );
  });
});

describe('cdn mode with downloadDomain, a certificate and options', () => {
  it('serves the domain with the us-east-1 certificate, TLS 1.2 (2021) and SNI', () => {
    expect(distributionConfig(custom)).toMatchObject({
      Aliases: ['files.example.org'],
      ViewerCertificate: { AcmCertificateArn: CERT, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      PriceClass: 'PriceClass_All',
    });
  });

  it('builds GET URLs on https://<downloadDomain>', () => {
    expect(envOf(custom)).toMatchObject({ UPLOAD_DOWNLOAD_DOMAIN: 'files.example.org' });
    custom.template.hasOutput(OUTPUTS.downloadBaseUrl, { Value: 'https://files.example.org' });
  });

  it('renders its safeTypes into the function and its origins into the CORS policy', () => {
    const codes = Object.values(custom.template.findResources('AWS::CloudFront::Function')).map(
      (f) => (f as { Properties: Props }).Properties.FunctionCode,
    );
    expect(codes).toContain(viewerResponseCode(['image/*', 'application/pdf']));
    const cors = (only(custom, 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig as { CorsConfig: Props }).CorsConfig;
    expect(cors.AccessControlAllowOrigins).toEqual({ Items: ['https://chat.example.org', 'https://*.example.net'] });
  });

  it('has no TLS finding left to acknowledge', () => {
    expect(acknowledgedRules(custom)).not.toContain('AwsSolutions-CFR4');
    expect(acknowledgedRules(custom)).toContain('AwsSolutions-CFR3');
  });
});
