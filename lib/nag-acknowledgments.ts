/**
 * The cdk-nag AwsSolutions findings this design keeps on purpose, each acknowledged on the one
 * resource it concerns, with the reason. docs/security.md lists the same table
 * (test/cdk/stack.test.ts checks that every finding is acknowledged and nothing else fails).
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IManagedPolicy, IRole } from 'aws-cdk-lib/aws-iam';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/** The resources that carry an acknowledged finding. */
export interface NagTargets {
  readonly bucket: Bucket;
  readonly secret: ISecret;
  readonly role: IRole;
  readonly keyPrefix: string;
  /** bucket mode: the prefix is publicly readable. */
  readonly publicRead: boolean;
  /** The operator's managed policy (lib/operator-policy.ts). */
  readonly operatorPolicy: IManagedPolicy & IConstruct;
}

/** Rule id → reason; docs/security.md shows this table. */
export const NAG_REASONS = {
  'AwsSolutions-S1':
    'No S3 server access logs: the handler logs every granted slot (bare JID, key, slot id, size, type, grant time) as one JSON line in its log group, ' +
    'kept at least as long as the files: the upload ledger that xmpp-s3-upload files queries; operator takedowns are recorded there too. ' +
    'Access logs would need a second bucket. Turn on CloudTrail S3 data events if per-download records are required.',
  'AwsSolutions-S2':
    'Block Public Access cannot be fully on: XEP-0363 GET URLs are fetched without credentials, so the bucket policy grants anonymous ' +
    's3:GetObject on the upload prefix only (no listing, nothing outside it). Public ACLs stay blocked unless objectAcl is set.',
  'AwsSolutions-SMG4':
    'No automatic rotation: the secret is shared with the bridge next to the XMPP server, which cannot follow a rotation by itself. ' +
    'Rotate by hand as the deploy guide describes (new value, restart the bridge, force Lambda cold starts).',
  'AwsSolutions-IAM5':
    'Object keys are <keyPrefix><purpose>/<uuid>/<filename>, unknown before a slot is granted, so s3:PutObject (Lambda role) and ' +
    's3:GetObject/s3:DeleteObject (operator policy) need a wildcard, limited to the upload prefix of this one bucket; ' +
    'logs:GetQueryResults (operator policy) takes a query id and supports no resource-level permission.',
  'AwsSolutions-CFR1':
    'No geo restriction (cdn mode): XEP-0363 recipients are wherever the users of the XMPP domains are; a GET URL is an unguessable capability, not a regional resource.',
  'AwsSolutions-CFR2':
    'No AWS WAF (cdn mode): the distribution serves static objects under unguessable keys, GET/HEAD/OPTIONS only, from a cache; a web ACL would add a monthly and per-request charge for rules that have no application to protect.',
  'AwsSolutions-CFR3':
    'No CloudFront access logs (cdn mode): the handler logs every granted slot (bare JID, key, slot id, size, type, grant time) as one JSON line, the upload ledger that xmpp-s3-upload files queries; standard logs would need a second bucket with ACLs enabled and record every download URL. Turn them on if per-download records are required.',
  'AwsSolutions-CFR4':
    'Default *.cloudfront.net certificate (cdn mode without downloadDomain): CloudFront fixes its security policy at TLSv1 and it cannot be raised; set downloadDomain and downloadCertificateArn for TLSv1.2_2021.',
} as const;

type NagRule = keyof typeof NAG_REASONS;

const acknowledge = (target: IConstruct, rule: NagRule, finding = ''): void =>
  Validations.of(target).acknowledge({ id: `AwsSolutions::${rule}${finding}`, reason: NAG_REASONS[rule] });

/** Acknowledges exactly the findings of {@link NAG_REASONS}, each on its own resource. */
export function acknowledgeNagFindings(targets: NagTargets): void {
  acknowledge(targets.bucket, 'AwsSolutions-S1');
  // cdn mode keeps all of Block Public Access on: nothing to acknowledge.
  if (targets.publicRead) acknowledge(targets.bucket, 'AwsSolutions-S2');
  acknowledge(targets.secret, 'AwsSolutions-SMG4');
  // The finding names the bucket by its logical ID, so compute it rather than hard-code it.
  const bucketId = Stack.of(targets.bucket).getLogicalId(targets.bucket.node.defaultChild as CfnResource);
  acknowledge(targets.role, 'AwsSolutions-IAM5', `[Resource::<${bucketId}.Arn>/${targets.keyPrefix}*]`);
  acknowledge(targets.operatorPolicy, 'AwsSolutions-IAM5', `[Resource::<${bucketId}.Arn>/${targets.keyPrefix}*]`);
  acknowledge(targets.operatorPolicy, 'AwsSolutions-IAM5', '[Resource::*]');
}

/** cdn mode's findings on its distribution; CFR4 only on the default certificate, which cannot do better. */
export function acknowledgeDownloadFindings(distribution: IConstruct, ownCertificate: boolean): void {
  acknowledge(distribution, 'AwsSolutions-CFR1');
  acknowledge(distribution, 'AwsSolutions-CFR2');
  acknowledge(distribution, 'AwsSolutions-CFR3');
  if (!ownCertificate) acknowledge(distribution, 'AwsSolutions-CFR4');
}
