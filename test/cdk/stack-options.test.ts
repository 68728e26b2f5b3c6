import { type CfnResource, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './synth.ts';

type Statement = { Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown };

let synth: Synthesized;
let bucketId: string;

// Every value as a string, the way `cdk synth -c key=value` delivers it.
beforeAll(() => {
  synth = synthesize({
    domains: 'example.org,chat.example.org',
    retentionDays: '0',
    objectAcl: 'public-read',
    keyPrefix: 'files/',
    corsOrigins: 'https://chat.example.org',
    maxFileSizeBytes: '1048576',
    removalPolicy: 'destroy',
  });
  bucketId = Stack.of(synth.stack).getLogicalId(synth.stack.service.bucket.node.defaultChild as CfnResource);
});
afterAll(() => synth.cleanup());

const statementsOf = (type: string): Statement[] =>
  Object.values(synth.template.findResources(type)).flatMap(
    (r) => (r as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
const filesArn = () => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/files/*']] });

describe('XmppS3UploadStack with -c options', () => {
  it('has no expiry rule when retentionDays is 0, but still aborts multipart uploads', () => {
    const bucket = Object.values(synth.template.findResources('AWS::S3::Bucket'))[0] as {
      Properties: { LifecycleConfiguration: { Rules: Record<string, unknown>[] } };
    };
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rules.filter((r) => 'ExpirationInDays' in r || 'ExpirationDate' in r)).toEqual([]);
    expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }));
  });

  it('allows ACLs (ObjectWriter, public ACLs not blocked) when objectAcl is set', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: false,
        IgnorePublicAcls: false,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
    });
  });

  it('moves the public read and the write grant to the configured prefix, adding PutObjectAcl', () => {
    const publicAllows = statementsOf('AWS::S3::BucketPolicy').filter((s) => s.Effect === 'Allow');
    expect(publicAllows).toEqual([expect.objectContaining({ Principal: '*', Action: 's3:GetObject', Resource: filesArn() })]);
    const s3 = statementsOf('AWS::IAM::Policy').filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual([expect.objectContaining({ Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: filesArn() })]);
  });

  it('uses the configured CORS origins', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: { CorsRules: [Match.objectLike({ AllowedOrigins: ['https://chat.example.org'] })] },
    });
  });

  it('deletes bucket and table with the stack when removalPolicy is destroy', () => {
    synth.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    synth.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  it('hands the parsed (not the raw) values to the handler', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          UPLOAD_DOMAINS: '["example.org","chat.example.org"]',
          UPLOAD_DAILY_QUOTA_BYTES: '10485760',
          UPLOAD_OBJECT_ACL: 'public-read',
          UPLOAD_KEY_PREFIX: 'files/',
        }),
      },
    });
  });

  it('still passes cdk-nag, the IAM5 acknowledgment following the prefix', () => {
    const nag = synth.validationReport.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.violations).toEqual([]);
    expect(nag?.suppressedViolations.map((v) => v.ruleName)).toContain(`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/files/*]`);
  });
});
