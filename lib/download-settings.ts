/**
 * The deployment-only settings of `cdn` mode (CDK context or construct props, not Lambda
 * configuration): the ACM certificate of `downloadDomain` and the distribution's price class.
 * Pure; validated against the service configuration so that a contradiction names its keys.
 */
import type { ServiceConfig } from '../lambda/core/config.ts';
import { absent } from '../lambda/core/config-values.ts';

/** CloudFront's price classes: where the distribution has edge locations. */
export const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const;
export type PriceClassName = (typeof PRICE_CLASSES)[number];

/** The defaults, also the keys' entries in `DEPLOYMENT_DEFAULTS` (lib/app-context.ts) and the deployment table. */
export const DOWNLOAD_DEFAULTS = {
  /** None: GET URLs on the distribution's `*.cloudfront.net` domain. */
  downloadCertificateArn: undefined,
  /** North America and Europe only: the lowest prices (docs/downloads.md). */
  priceClass: 'PriceClass_100',
} as const satisfies Record<string, string | undefined>;

export interface DownloadSettings {
  readonly downloadCertificateArn: string | undefined;
  /** Undefined without a distribution (`bucket` mode), so the parsed settings can be passed on as props. */
  readonly priceClass: PriceClassName | undefined;
}

/** CloudFront takes viewer certificates from ACM in this region only. */
export const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;

function certificateProblem(value: unknown, config: Pick<ServiceConfig, 'downloadDomain'> | undefined): string | undefined {
  if (absent(value)) {
    return config?.downloadDomain === undefined
      ? undefined
      : `required with downloadDomain ${config.downloadDomain}: CloudFront serves its own host name only with an ACM certificate (in ${CLOUDFRONT_CERTIFICATE_REGION}) that covers it`;
  }
  const region = typeof value === 'string' ? ACM_ARN.exec(value)?.[1] : undefined;
  if (region === undefined)
    return `expected an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>), got ${JSON.stringify(value)}`;
  if (region !== CLOUDFRONT_CERTIFICATE_REGION) {
    return `the certificate is in ${region}, but CloudFront takes ACM certificates from ${CLOUDFRONT_CERTIFICATE_REGION} only: request or import it there`;
  }
  if (config === undefined) return undefined;
  return config.downloadDomain === undefined ? 'set downloadDomain too: the certificate is for that host name' : undefined;
}

/**
 * Validates the two keys against the configuration's `downloads` and `downloadDomain`; with no
 * configuration (it is invalid itself, and reported) only their form is checked.
 * @returns the settings, or one problem per bad key, each starting with the key.
 */
export function parseDownloadSettings(
  raw: { readonly downloadCertificateArn?: unknown; readonly priceClass?: unknown },
  config: Pick<ServiceConfig, 'downloads' | 'downloadDomain'> | undefined,
): { readonly ok: true; readonly value: DownloadSettings } | { readonly ok: false; readonly problems: string[] } {
  const problems: string[] = [];
  const cdnOnly = 'needs downloads "cdn" (bucket mode has no distribution)';
  if (config?.downloads === 'bucket') {
    for (const key of ['downloadCertificateArn', 'priceClass'] as const) if (!absent(raw[key])) problems.push(`${key}: ${cdnOnly}`);
  } else {
    const certificate = certificateProblem(raw.downloadCertificateArn, config);
    if (certificate !== undefined) problems.push(`downloadCertificateArn: ${certificate}`);
    if (!absent(raw.priceClass) && !PRICE_CLASSES.includes(raw.priceClass as PriceClassName)) {
      problems.push(`priceClass: expected one of ${PRICE_CLASSES.join(', ')}, got ${JSON.stringify(raw.priceClass)}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      downloadCertificateArn: absent(raw.downloadCertificateArn)
        ? DOWNLOAD_DEFAULTS.downloadCertificateArn
        : (raw.downloadCertificateArn as string),
      priceClass: !absent(raw.priceClass)
        ? (raw.priceClass as PriceClassName)
        : config?.downloads === 'cdn'
          ? DOWNLOAD_DEFAULTS.priceClass
          : undefined,
    },
  };
}
