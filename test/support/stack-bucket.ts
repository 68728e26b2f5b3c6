/**
 * The upload bucket and the slot handler's permissions exactly as the CDK construct writes them:
 * synthesizes the real app (lib/create-app.ts, cdk-nag included) with the given context and returns
 * the bucket's, its policy's and the handler role's policies' CloudFormation properties. Handler bundling is skipped (`aws:cdk:bundling-stacks`): the
 * bucket does not depend on it, and esbuild would cost seconds per synth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { createApp } from '../../lib/create-app.ts';

export type CfnValue = unknown;

/** The CloudFormation view of the stack's upload bucket. */
export interface StackBucket {
  readonly logicalId: string;
  /** `Properties` of the `AWS::S3::Bucket`. */
  readonly properties: Readonly<Record<string, CfnValue>>;
  /** `PolicyDocument` of the `AWS::S3::BucketPolicy` attached to it (absent if none). */
  readonly policyDocument: CfnValue | undefined;
}

/** The parts of the synthesized stack the S3 tests apply elsewhere. */
export interface SynthesizedStack {
  readonly bucket: StackBucket;
  /** `PolicyDocument`s of the `AWS::IAM::Policy` resources attached to the slot handler's role. */
  readonly handlerPolicyDocuments: readonly CfnValue[];
}

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, CfnValue>;
}

/** Synthesizes the stack with `context` (over `domains: ["localhost"]`) and extracts its upload bucket and handler policies. */
export function synthStack(context: Readonly<Record<string, unknown>> = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'xmpp-s3-upload-bucket-'));
  try {
    const { app, stack } = createApp({ context: { domains: ['localhost'], ...context, 'aws:cdk:bundling-stacks': [] }, outdir });
    const template = app.synth().getStackArtifact(stack.artifactId).template as { Resources: Record<string, Resource> };
    const logicalId = stack.getLogicalId(stack.service.bucket.node.defaultChild as CfnBucket);
    const bucket = template.Resources[logicalId];
    if (bucket?.Type !== 'AWS::S3::Bucket') throw new Error(`no AWS::S3::Bucket ${logicalId} in the synthesized template`);
    const policies = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && JSON.stringify(r.Properties?.Bucket) === JSON.stringify({ Ref: logicalId }),
    );
    if (policies.length > 1) throw new Error(`${policies.length} bucket policies on ${logicalId}; expected at most one`);
    const role = stack.service.handler.role?.node.defaultChild as CfnRole | undefined;
    if (role === undefined) throw new Error('the slot handler has no role');
    const roleRef = JSON.stringify({ Ref: stack.getLogicalId(role) });
    const handlerPolicyDocuments = Object.values(template.Resources)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties?.Roles as CfnValue[] | undefined)?.some((x) => JSON.stringify(x) === roleRef),
      )
      .map((r) => r.Properties?.PolicyDocument);
    return {
      bucket: { logicalId, properties: bucket.Properties ?? {}, policyDocument: policies[0]?.Properties?.PolicyDocument },
      handlerPolicyDocuments,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
