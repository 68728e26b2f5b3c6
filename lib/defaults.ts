/**
 * Every default of the stack's resources, as small pure functions returning props (the
 * aws-solutions-constructs `*-defaults.ts` pattern). The construct only wires these together,
 * so docs/deploy.md's "Default settings" table has exactly one source.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, TableEncryption, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  BlockPublicAccess,
  BucketEncryption,
  type BucketProps,
  type CorsRule,
  HttpMethods,
  type LifecycleRule,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { SecretProps } from 'aws-cdk-lib/aws-secretsmanager';
import { QUOTA_PARTITION_KEY, QUOTA_TTL_ATTRIBUTE } from '../lambda/adapters/quota-table.ts';
import type { ServiceConfig } from '../lambda/core/config.ts';
import { expiringRetentions } from '../lambda/core/purposes.ts';

/**
 * Defaults of the slot Lambda (memory: `deployment-options.ts`). The runtime is pinned to the
 * Node.js the bundle targets (scripts/handler-bundle.ts, `node24`).
 */
export const FUNCTION_DEFAULTS = {
  timeout: Duration.seconds(10),
  runtime: Runtime.NODEJS_24_X,
  architecture: Architecture.ARM_64,
} as const;

/** Alarm on a Function URL 5xx rate at or above this percentage of requests in 5 minutes. */
export const DEFAULT_URL_5XX_RATE_PERCENT = 5;

/** Bucket and table outlive the stack unless the operator says otherwise. */
export const DEFAULT_REMOVAL_POLICY = RemovalPolicy.RETAIN;

/** Secret length: 48 alphanumerics (~285 bits), no punctuation so it survives shell and XML quoting. */
export const SECRET_LENGTH = 48;

/** The object ARN pattern of the public upload prefix: `<bucketArn>/<keyPrefix>*`. */
export function prefixObjectsArn(bucketArn: string, keyPrefix: string): string {
  return `${bucketArn}/${keyPrefix}*`;
}

/**
 * One expiry rule per honoured purpose that expires (`expire-<purpose>` on `<keyPrefix><purpose>/`:
 * message after `retentionDays`, profile after `profileRetentionDays`, ephemeral after its longest
 * lifetime; none for a kept one), and always abort stale multipart uploads.
 */
export function lifecycleRules(config: ServiceConfig): LifecycleRule[] {
  const abort: LifecycleRule = { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) };
  const expiring = expiringRetentions(config).map(
    ({ purpose, prefix, expireAfterDays }): LifecycleRule => ({
      id: `expire-${purpose}`,
      prefix,
      expiration: Duration.days(expireAfterDays),
    }),
  );
  return [...expiring, abort];
}

/** Browser clients (Converse.js) preflight the PUT and read the ETag; they send only Content-Type. */
export function corsRules(config: ServiceConfig): CorsRule[] {
  return [
    {
      allowedMethods: [HttpMethods.PUT, HttpMethods.GET, HttpMethods.HEAD],
      allowedOrigins: [...config.corsOrigins],
      allowedHeaders: ['Content-Type'],
      exposedHeaders: ['ETag'],
      maxAge: 3000,
    },
  ];
}

/**
 * ACLs stay disabled unless `objectAcl` asks for them; Block Public Access blocks ACLs but not
 * the one public-read policy, because XEP-0363 GET URLs are fetched without credentials. In
 * `cdn` mode only CloudFront reads, so all four settings are on.
 */
export function bucketProps(config: ServiceConfig, removalPolicy: RemovalPolicy): BucketProps {
  const acls = config.objectAcl !== undefined;
  return {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: acls ? ObjectOwnership.OBJECT_WRITER : ObjectOwnership.BUCKET_OWNER_ENFORCED,
    blockPublicAccess:
      config.downloads === 'cdn'
        ? BlockPublicAccess.BLOCK_ALL
        : new BlockPublicAccess({
            blockPublicAcls: !acls,
            ignorePublicAcls: !acls,
            blockPublicPolicy: false,
            restrictPublicBuckets: false,
          }),
    cors: corsRules(config),
    lifecycleRules: lifecycleRules(config),
    removalPolicy,
  };
}

/** Anonymous read of objects under the prefix only: no listing, nothing outside it. */
export function publicReadStatement(bucketArn: string, keyPrefix: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'PublicReadOfUploadPrefix',
    effect: Effect.ALLOW,
    principals: [new StarPrincipal()],
    actions: ['s3:GetObject'],
    resources: [prefixObjectsArn(bucketArn, keyPrefix)],
  });
}

/** On-demand, TTL, point-in-time recovery, encrypted with the AWS managed key. */
export function tableProps(removalPolicy: RemovalPolicy): TableProps {
  return {
    partitionKey: { name: QUOTA_PARTITION_KEY, type: AttributeType.STRING },
    timeToLiveAttribute: QUOTA_TTL_ATTRIBUTE,
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: TableEncryption.AWS_MANAGED,
    removalPolicy,
  };
}

/** Generated by Secrets Manager at deploy time, so the value never appears in the template. */
export function secretProps(): SecretProps {
  return {
    description: 'Bearer secret of the XEP-0363 slot endpoint (read once per Lambda cold start)',
    generateSecretString: { excludePunctuation: true, passwordLength: SECRET_LENGTH },
  };
}
