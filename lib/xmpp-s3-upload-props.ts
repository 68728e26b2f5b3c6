/**
 * Props of the {@link XmppS3Upload} construct. The service keys are named as in the configuration
 * table (docs/configuration.md) and validated inside the construct by the same `parseConfig` as the
 * Lambda; each `@default` is the one in `DEFAULTS` (lambda/core/config.ts), and a test holds them equal.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { PriceClassName } from './download-settings.ts';

/** The service configuration (the Lambda's `UPLOAD_*` variables). */
export interface XmppS3UploadServiceProps {
  /** XMPP domains served; their users may upload by default. */
  readonly domains: readonly string[];
  /**
   * The upload service's JID in stanzas.
   * @default `upload.<first domain>`
   */
  readonly serviceJid?: string;
  /**
   * Larger requests get file-too-large (at most 5 GiB, the S3 single-PUT limit).
   * @default 104857600
   */
  readonly maxFileSizeBytes?: number;
  /**
   * Bytes per bare JID in a sliding 24 h window; 0 = off.
   * @default 10 × `maxFileSizeBytes`
   */
  readonly dailyQuotaBytes?: number;
  /**
   * Bytes for all users within the retention window; 0 = off.
   * @default 0 (off)
   */
  readonly globalQuotaBytes?: number;
  /**
   * MIME types allowed, `image/*` wildcards.
   * @default `[]` (any)
   */
  readonly allowedTypes?: readonly string[];
  /**
   * Bare JIDs and domains allowed to upload.
   * @default `[]` (the domains)
   */
  readonly access?: readonly string[];
  /**
   * Validity of a PUT URL, seconds (1 to 3600: the Lambda role's temporary credentials must outlive it).
   * @default 300
   */
  readonly putUrlTtlSeconds?: number;
  /**
   * Days before the lifecycle rule deletes an upload; 0 = keep.
   * @default 7
   */
  readonly retentionDays?: number;
  /**
   * The public key prefix, ends with `/`.
   * @default `uploads/`
   */
  readonly keyPrefix?: string;
  /**
   * Base of GET URLs (custom domain or CDN).
   * @default bucket URL
   */
  readonly publicBaseUrl?: string;
  /**
   * `public-read` adds `x-amz-acl` to the PUT query (buckets that still use ACLs).
   * @default none
   */
  readonly objectAcl?: 'public-read';
  /**
   * Origins allowed by the bucket CORS rule.
   * @default `["*"]`
   */
  readonly corsOrigins?: readonly string[];
  /**
   * `bucket`: GET URLs on the bucket (public-read prefix); `cdn`: CloudFront in front of a private
   * bucket (docs/downloads.md).
   * @default `bucket`
   */
  readonly downloads?: 'bucket' | 'cdn';
  /**
   * `cdn` mode: types served inline (`image/*` wildcards); any other download gets
   * `Content-Disposition: attachment`.
   * @default `["image/*","video/*","audio/*","text/plain"]`
   */
  readonly safeTypes?: readonly string[];
  /**
   * `cdn` mode: host name of GET URLs (`https://<downloadDomain>/<key>`); needs `downloadCertificateArn`.
   * @default the distribution's domain
   */
  readonly downloadDomain?: string;
  /**
   * XEP-0363 1.2 purposes advertised and accepted, of `message`, `profile`, `ephemeral`,
   * `permanent`; must include `message`; `ephemeral` needs `cdn` (docs/downloads.md).
   * @default all the mode can honour
   */
  readonly purposes?: readonly ('message' | 'profile' | 'ephemeral' | 'permanent')[];
  /**
   * Days before the lifecycle rule deletes a `profile` upload (avatars); 0 = keep.
   * @default 0 (keep)
   */
  readonly profileRetentionDays?: number;
}

/** What the deployment adds around the service. */
export interface XmppS3UploadProps extends XmppS3UploadServiceProps {
  /**
   * What happens to the bucket, the table and the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Lambda memory in MB, 128 to 10240 (CPU scales with it).
   * @default 256
   */
  readonly memorySizeMb?: number;
  /**
   * Lambda timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Days the Lambda's log group keeps lines (it holds the upload ledger); 0 = never expire. A
   * CloudWatch Logs value, at least `retentionDays`, and 0 when `retentionDays` is 0.
   * @default the smallest CloudWatch value ≥ max(`retentionDays` + 2, 30); 0 when `retentionDays` is 0
   */
  readonly logRetentionDays?: number;
  /**
   * Reserved concurrency: caps what a flood of (even unauthenticated) requests can cost.
   * @default - none; the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Alarm on a Function URL 5xx rate at or above this percentage over 5 minutes.
   * @default 5
   */
  readonly url5xxRatePercent?: number;
  /**
   * An address to notify of every alarm: creates an SNS topic with this e-mail subscription
   * (AWS mails a confirmation link first). Not together with `alarmTopicArn`.
   * @default - no e-mail
   */
  readonly alarmEmail?: string;
  /**
   * An existing standard SNS topic that every alarm notifies. Not together with `alarmEmail`.
   * @default - no topic
   */
  readonly alarmTopicArn?: string;
  /**
   * Further actions run by every alarm.
   * @default - none
   */
  readonly alarmActions?: readonly IAlarmAction[];
  /**
   * `cdn` mode with `downloadDomain`: the ARN of an ACM certificate in us-east-1 that covers it.
   * @default - none; GET URLs on the distribution's `*.cloudfront.net` domain
   */
  readonly downloadCertificateArn?: string;
  /**
   * `cdn` mode: where the distribution has edge locations (and what they cost).
   * @default 'PriceClass_100' (North America and Europe)
   */
  readonly priceClass?: PriceClassName;
}
