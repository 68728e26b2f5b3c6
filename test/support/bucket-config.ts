/**
 * Translates the stack's bucket (its CloudFormation properties and bucket policy, as synthesized)
 * into S3 API calls, so the configuration the construct really writes can be applied to another S3
 * (Ceph RGW in the tests). Every bucket property is either translated or refused by name: a property
 * added to the construct later fails here until it is translated (or explicitly not applicable).
 */
import {
  type CORSRule,
  type LifecycleRule,
  type OwnershipControlsRule,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
  type ServerSideEncryptionRule,
} from '@aws-sdk/client-s3';
import { resolveIntrinsics } from './cfn-intrinsics.ts';
import type { StackBucket } from './stack-bucket.ts';

type Cfn = Record<string, unknown>;

/** One S3 call that carries one CloudFormation property of the bucket. */
export interface BucketOperation {
  /** The CloudFormation property (`CorsConfiguration`) or `BucketPolicy`. */
  readonly property: string;
  /** What is sent, for messages and assertions. */
  readonly input: unknown;
  send(client: S3Client): Promise<unknown>;
}

const pick = <T>(from: Cfn, key: string): T => from[key] as T;

/** CloudFormation's rule names → the S3 API's (`ExposedHeaders` → `ExposeHeaders`, `MaxAge` → `MaxAgeSeconds`). */
function corsRule(rule: Cfn): CORSRule {
  refuseUnknown('CorsRules[]', rule, ['AllowedHeaders', 'AllowedMethods', 'AllowedOrigins', 'ExposedHeaders', 'Id', 'MaxAge']);
  return {
    ID: pick(rule, 'Id'),
    AllowedHeaders: pick(rule, 'AllowedHeaders'),
    AllowedMethods: pick(rule, 'AllowedMethods'),
    AllowedOrigins: pick(rule, 'AllowedOrigins'),
    ExposeHeaders: pick(rule, 'ExposedHeaders'),
    MaxAgeSeconds: pick(rule, 'MaxAge'),
  };
}

function lifecycleRule(rule: Cfn): LifecycleRule {
  refuseUnknown('LifecycleConfiguration.Rules[]', rule, ['Id', 'Status', 'Prefix', 'ExpirationInDays', 'AbortIncompleteMultipartUpload']);
  const expiration = pick<number | undefined>(rule, 'ExpirationInDays');
  const abort = pick<{ DaysAfterInitiation: number } | undefined>(rule, 'AbortIncompleteMultipartUpload');
  return {
    ID: pick(rule, 'Id'),
    Status: pick(rule, 'Status'),
    Filter: { Prefix: pick<string | undefined>(rule, 'Prefix') ?? '' },
    ...(expiration === undefined ? {} : { Expiration: { Days: expiration } }),
    ...(abort === undefined ? {} : { AbortIncompleteMultipartUpload: { DaysAfterInitiation: abort.DaysAfterInitiation } }),
  };
}

function refuseUnknown(where: string, value: Cfn, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: no S3 translation for ${unknown.join(', ')} (test/support/bucket-config.ts)`);
}

type Translator = (value: Cfn, bucket: string) => BucketOperation;

const op = (property: string, input: unknown, send: (client: S3Client) => Promise<unknown>): BucketOperation => ({ property, input, send });

/** One translator per bucket property the construct writes. */
const TRANSLATORS: Readonly<Record<string, Translator>> = {
  CorsConfiguration: (value, Bucket) => {
    const input = { Bucket, CORSConfiguration: { CORSRules: pick<Cfn[]>(value, 'CorsRules').map(corsRule) } };
    return op('CorsConfiguration', input, (c) => c.send(new PutBucketCorsCommand(input)));
  },
  LifecycleConfiguration: (value, Bucket) => {
    const input = { Bucket, LifecycleConfiguration: { Rules: pick<Cfn[]>(value, 'Rules').map(lifecycleRule) } };
    return op('LifecycleConfiguration', input, (c) => c.send(new PutBucketLifecycleConfigurationCommand(input)));
  },
  PublicAccessBlockConfiguration: (value, Bucket) => {
    refuseUnknown('PublicAccessBlockConfiguration', value, [
      'BlockPublicAcls',
      'BlockPublicPolicy',
      'IgnorePublicAcls',
      'RestrictPublicBuckets',
    ]);
    const input = { Bucket, PublicAccessBlockConfiguration: value };
    return op('PublicAccessBlockConfiguration', input, (c) => c.send(new PutPublicAccessBlockCommand(input)));
  },
  OwnershipControls: (value, Bucket) => {
    const input = { Bucket, OwnershipControls: { Rules: pick<OwnershipControlsRule[]>(value, 'Rules') } };
    return op('OwnershipControls', input, (c) => c.send(new PutBucketOwnershipControlsCommand(input)));
  },
  BucketEncryption: (value, Bucket) => {
    const rules = pick<ServerSideEncryptionRule[]>(value, 'ServerSideEncryptionConfiguration');
    const input = { Bucket, ServerSideEncryptionConfiguration: { Rules: rules } };
    return op('BucketEncryption', input, (c) => c.send(new PutBucketEncryptionCommand(input)));
  },
};

/**
 * The S3 calls that give `bucketName` the stack's bucket configuration, policy last (so a policy
 * that locks the owner out cannot stop the others).
 * @throws naming each bucket property or intrinsic that has no translation.
 */
export function bucketOperations(stackBucket: StackBucket, bucketName: string, region: string): BucketOperation[] {
  const context = { bucketLogicalId: stackBucket.logicalId, bucketName, region };
  const unknown = Object.keys(stackBucket.properties).filter((key) => !(key in TRANSLATORS));
  if (unknown.length > 0)
    throw new Error(`bucket properties without an S3 translation: ${unknown.join(', ')} (test/support/bucket-config.ts)`);
  const operations = Object.entries(stackBucket.properties).map(([key, value]) =>
    (TRANSLATORS[key] as Translator)(resolveIntrinsics(value, context) as Cfn, bucketName),
  );
  if (stackBucket.policyDocument !== undefined) {
    const input = { Bucket: bucketName, Policy: JSON.stringify(resolveIntrinsics(stackBucket.policyDocument, context)) };
    operations.push(op('BucketPolicy', input, (c) => c.send(new PutBucketPolicyCommand(input))));
  }
  return operations;
}
