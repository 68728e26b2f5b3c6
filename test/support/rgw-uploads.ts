/**
 * An RGW bucket the slot service can sign for as it does in AWS: configured as the stack configures
 * its bucket, with the slot handler's own S3 permissions (from the synthesized stack) as an RGW role
 * whose temporary credentials (with a session token) sign the URLs.
 */
import type { ExternalS3 } from '../../local/stack.ts';
import { resolveIntrinsics } from './cfn-intrinsics.ts';
import type { Rgw } from './rgw.ts';
import { createStackBucket } from './rgw-bucket.ts';
import type { SessionCredentials } from './rgw-iam.ts';
import type { SynthesizedStack } from './stack-bucket.ts';

interface Statement {
  readonly Action: string | string[];
}

/** The handler role's S3 statements for `bucket` (the rest is for logs, DynamoDB and the secret, which RGW does not serve). */
export function handlerS3Policy(synthesized: SynthesizedStack, bucket: string, region: string): { Version: string; Statement: unknown } {
  const statements = synthesized.handlerPolicyDocuments.flatMap((d) => (d as { Statement: Statement[] }).Statement);
  const s3 = statements.filter((s) => [s.Action].flat().every((action) => action.startsWith('s3:')));
  if (s3.length === 0) throw new Error('the slot handler role has no S3 statement');
  const context = { bucketLogicalId: synthesized.bucket.logicalId, bucketName: bucket, region };
  return { Version: '2012-10-17', Statement: resolveIntrinsics(s3, context) };
}

/** Creates `bucket` as the stack's and returns where and with which role credentials to sign for it; needs `startRgw({ sts: true })`. */
export async function prepareRgwUploads(
  rgw: Rgw,
  bucket: string,
  synthesized: SynthesizedStack,
): Promise<ExternalS3 & { readonly credentials: SessionCredentials }> {
  await createStackBucket(rgw, bucket, synthesized.bucket);
  const credentials = await rgw.assumeRole('slot-handler', handlerS3Policy(synthesized, bucket, rgw.region));
  return { endpoint: rgw.endpoint, bucket, region: rgw.region, credentials };
}
