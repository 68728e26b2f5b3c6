/**
 * A bucket on the test RGW configured as the stack configures its bucket: the synthesized bucket
 * properties and policy, translated to S3 calls, minus the few RGW 16.2 cannot take. Each of those
 * is named here with what RGW answers; test/integration/rgw-bucket-config.test.ts checks that RGW
 * still answers so, and docs/development.md lists them.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { type BucketOperation, bucketOperations } from './bucket-config.ts';
import type { Rgw } from './rgw.ts';
import type { StackBucket } from './stack-bucket.ts';

/** Bucket properties of the stack that are not applied to RGW, and why. */
export const RGW_NOT_APPLIED: Readonly<Record<string, string>> = {
  PublicAccessBlockConfiguration:
    'RGW 16.2 refuses EVERY PutObject with 403 once BlockPublicAcls is on (its canned-ACL check is inverted: ' +
    'tracker.ceph.com/issues/49135, fixed in ceph/ceph#64290, 2025); the stack sets it only to keep ACLs out, ' +
    'and presigned PUTs carry none',
  BucketEncryption: 'RGW 16.2 answers 400 InvalidArgument: SSE-S3 bucket encryption came with Ceph 17; it is invisible to clients',
  OwnershipControls: 'RGW 16.2 answers 400 InvalidArgument: it has no object ownership controls; ACLs play no part in the upload path',
};

/** The stack's operations for `bucket`, split into those applied to RGW and those left out. */
export function rgwOperations(stackBucket: StackBucket, bucket: string, rgw: Rgw): { applied: BucketOperation[]; left: BucketOperation[] } {
  const all = bucketOperations(stackBucket, bucket, rgw.region);
  return { applied: all.filter((o) => !(o.property in RGW_NOT_APPLIED)), left: all.filter((o) => o.property in RGW_NOT_APPLIED) };
}

/** Creates `bucket` on RGW and applies the stack's configuration to it; throws naming a call RGW refused. */
export async function createStackBucket(rgw: Rgw, bucket: string, stackBucket: StackBucket): Promise<BucketOperation[]> {
  const client = rgw.client();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const { applied } = rgwOperations(stackBucket, bucket, rgw);
  for (const operation of applied) {
    await operation.send(client).catch((error: Error) => {
      throw new Error(`RGW refused the stack's ${operation.property} on ${bucket}: ${error.name} ${error.message}`);
    });
  }
  return applied;
}
