/**
 * Resolves the CloudFormation intrinsics a bucket policy holds (`Ref`, `Fn::GetAtt`, `Fn::Join`,
 * pseudo parameters) for a bucket outside AWS. Anything it does not know is an error naming it, so a
 * change to the construct that needs more fails here instead of applying half a policy.
 */
import type { CfnValue } from './stack-bucket.ts';

export interface IntrinsicContext {
  /** Logical ID of the bucket and the name it has on the target S3. */
  readonly bucketLogicalId: string;
  readonly bucketName: string;
  readonly region: string;
}

const PSEUDO: Readonly<Record<string, (c: IntrinsicContext) => string>> = {
  'AWS::Partition': () => 'aws',
  'AWS::URLSuffix': () => 'amazonaws.com',
  'AWS::Region': (c) => c.region,
};

function isObject(value: CfnValue): value is Record<string, CfnValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deeply resolves `value`; plain JSON comes back unchanged. */
export function resolveIntrinsics(value: CfnValue, context: IntrinsicContext): CfnValue {
  if (Array.isArray(value)) return value.map((item) => resolveIntrinsics(item, context));
  if (!isObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]?.startsWith('Fn::'))) return resolveOne(keys[0], value[keys[0]], context);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveIntrinsics(item, context)]));
}

function resolveOne(name: string, argument: CfnValue, context: IntrinsicContext): string {
  if (name === 'Ref' && argument === context.bucketLogicalId) return context.bucketName;
  if (name === 'Ref' && typeof argument === 'string' && PSEUDO[argument]) return PSEUDO[argument](context);
  if (name === 'Fn::GetAtt' && Array.isArray(argument) && argument[0] === context.bucketLogicalId && argument[1] === 'Arn') {
    return `arn:aws:s3:::${context.bucketName}`;
  }
  if (name === 'Fn::Join' && Array.isArray(argument) && typeof argument[0] === 'string' && Array.isArray(argument[1])) {
    return argument[1].map((part) => String(resolveIntrinsics(part, context))).join(argument[0]);
  }
  throw new Error(`cannot resolve ${JSON.stringify({ [name]: argument })} for a bucket outside AWS: teach test/support/cfn-intrinsics.ts`);
}
