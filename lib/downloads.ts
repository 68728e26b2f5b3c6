/**
 * `cdn` mode (docs/downloads.md): a CloudFront distribution in front of the fully private upload
 * bucket. The bucket is its origin through Origin Access Control; GET/HEAD/OPTIONS only,
 * HTTPS only, HTTP/2 and HTTP/3; a path-only cache key; the response headers policy of
 * cdn/response-headers.ts; the viewer-response function of cdn/viewer-response.js, rendered
 * with `safeTypes`; and, when `ephemeral` is honoured, the viewer-request function of
 * cdn/viewer-request.js, which answers 410 for an ephemeral key from its expiry on (on every
 * path: it decodes the URI as S3 does, which a path-pattern behavior would not). The PUT path is
 * untouched: uploads go straight to S3, presigned.
 */
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachedMethods,
  CachePolicy,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { viewerRequestCode, viewerResponseCode } from '../cdn/function-code.ts';
import { ConfigError, type ServiceConfig } from '../lambda/core/config.ts';
import { cachePolicyProps, responseHeadersPolicyProps } from './download-defaults.ts';
import { DOWNLOAD_DEFAULTS, type DownloadSettings, type PriceClassName } from './download-settings.ts';
import { acknowledgeDownloadFindings } from './nag-acknowledgments.ts';
import { PrefixOacOrigin } from './prefix-oac-origin.ts';

export interface DownloadsProps {
  /** The upload bucket; its policy gets the distribution's read grant on the prefix. */
  readonly bucket: IBucket;
  readonly config: ServiceConfig;
  /** Validated with the configuration by `parseDeploymentOptions` (lib/deployment-options.ts). */
  readonly settings: DownloadSettings;
}

/** The distribution that serves GET URLs in `cdn` mode. */
export class Downloads extends Construct {
  readonly distribution: Distribution;
  readonly viewerResponse: EdgeFunction;
  /** With `ephemeral` among the purposes: refuses an ephemeral download from its expiry on. */
  readonly viewerRequest: EdgeFunction | undefined;
  /** The host of GET URLs: `downloadDomain`, or the distribution's `*.cloudfront.net` name (a token). */
  readonly domainName: string;

  constructor(scope: Construct, id: string, props: DownloadsProps) {
    super(scope, id);
    const { config } = props;
    if (config.downloads !== 'cdn') throw new ConfigError(['downloads: the Downloads construct is for "cdn" mode']);
    const { downloadCertificateArn, priceClass } = props.settings;

    this.viewerResponse = new EdgeFunction(this, 'ViewerResponse', {
      code: FunctionCode.fromInline(viewerResponseCode(config.safeTypes)),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'xmpp-s3-upload: Content-Disposition attachment unless safeTypes; drops uploader-set encoding and caching headers',
    });
    this.viewerRequest = config.purposes.includes('ephemeral')
      ? new EdgeFunction(this, 'ViewerRequest', {
          code: FunctionCode.fromInline(viewerRequestCode(config.keyPrefix)),
          runtime: FunctionRuntime.JS_2_0,
          comment: 'xmpp-s3-upload: 410 for an ephemeral upload (XEP-0363 1.2 purpose) from the expiry in its key on',
        })
      : undefined;
    const functionAssociations = [
      ...(this.viewerRequest === undefined ? [] : [{ function: this.viewerRequest, eventType: FunctionEventType.VIEWER_REQUEST }]),
      { function: this.viewerResponse, eventType: FunctionEventType.VIEWER_RESPONSE },
    ];
    const custom =
      downloadCertificateArn === undefined || config.downloadDomain === undefined
        ? {}
        : {
            domainNames: [config.downloadDomain],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', downloadCertificateArn),
            // Effective with an own certificate only: the default *.cloudfront.net one always accepts TLSv1.
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          };
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `XEP-0363 downloads for ${config.serviceJid}`,
      defaultBehavior: {
        origin: new PrefixOacOrigin(props.bucket, config.keyPrefix),
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: CachedMethods.CACHE_GET_HEAD,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: new CachePolicy(this, 'CachePolicy', cachePolicyProps()),
        // Origin and Access-Control-Request-*, so S3 can answer a preflight; not in the cache key.
        originRequestPolicy: OriginRequestPolicy.CORS_S3_ORIGIN,
        responseHeadersPolicy: new ResponseHeadersPolicy(this, 'ResponseHeaders', responseHeadersPolicyProps(config.corsOrigins)),
        compress: false,
        functionAssociations,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass[PRICE_CLASS_MEMBERS[priceClass ?? DOWNLOAD_DEFAULTS.priceClass]],
      enableIpv6: true,
      ...custom,
    });
    this.domainName = config.downloadDomain ?? this.distribution.distributionDomainName;
    acknowledgeDownloadFindings(this.distribution, downloadCertificateArn !== undefined);
  }
}

const PRICE_CLASS_MEMBERS = {
  PriceClass_100: 'PRICE_CLASS_100',
  PriceClass_200: 'PRICE_CLASS_200',
  PriceClass_All: 'PRICE_CLASS_ALL',
} as const satisfies Record<PriceClassName, keyof typeof PriceClass>;
