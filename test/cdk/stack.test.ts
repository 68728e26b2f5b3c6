import { type CfnResource, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, envName } from '../../lambda/core/config.ts';
import { NAG_REASONS } from '../../lib/nag-acknowledgments.ts';
import { OUTPUTS } from '../../lib/xmpp-s3-upload-stack.ts';
import { type Synthesized, synthesize } from './synth.ts';

type Statement = { Effect: string; Principal?: unknown; Action: string | string[]; Resource: unknown; Condition?: unknown };

let synth: Synthesized;
let ids: { bucket: string; table: string; secret: string; fn: string };

beforeAll(() => {
  synth = synthesize({ domains: ['example.org'] });
  const service = synth.stack.service;
  const id = (c: { node: { defaultChild?: unknown } }) => Stack.of(synth.stack).getLogicalId(c.node.defaultChild as CfnResource);
  ids = { bucket: id(service.bucket), table: id(service.table), secret: id(service.secret), fn: id(service.handler) };
});
afterAll(() => synth.cleanup());

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const only = <T>(items: Record<string, T>): T => {
  const values = Object.values(items);
  expect(values).toHaveLength(1);
  return values[0] as T;
};
const prefixArn = (bucket: string, prefix: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, `/${prefix}*`]] });

describe('XmppS3UploadStack with the default configuration', () => {
  it('grants anonymous s3:GetObject on the upload prefix only, and nothing else to anyone', () => {
    const policy = only(synth.template.findResources('AWS::S3::BucketPolicy')) as {
      Properties: { PolicyDocument: { Statement: Statement[] } };
    };
    const allows = policy.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({ Principal: '*', Action: 's3:GetObject', Resource: prefixArn(ids.bucket, 'uploads/') }),
    ]);
    const denies = policy.Properties.PolicyDocument.Statement.filter((s) => s.Effect === 'Deny');
    expect(denies).toContainEqual(expect.objectContaining({ Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('has no CloudFront in bucket mode (the default): GET URLs go to the bucket', () => {
    const types = Object.values(synth.template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    expect(types.filter((type) => type.startsWith('AWS::CloudFront::'))).toEqual([]);
    expect(synth.stack.service.downloads).toBeUndefined();
  });

  it('blocks public ACLs but not the public-read policy, with ACLs disabled and S3-managed encryption', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
  });

  it('expires the message prefix after retentionDays and aborts multipart uploads after a day', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'uploads/message/', ExpirationInDays: 7, Status: 'Enabled' }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
        ]),
      },
    });
  });

  it('allows browser PUT/GET/HEAD with Content-Type and exposes ETag', () => {
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedMethods: ['PUT', 'GET', 'HEAD'],
            AllowedOrigins: ['*'],
            AllowedHeaders: ['Content-Type'],
            ExposedHeaders: ['ETag'],
          }),
        ],
      },
    });
  });

  it('retains the bucket, the table and the logs by default', () => {
    synth.template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    synth.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    synth.template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
  });

  it('creates an on-demand quota table with TTL, point-in-time recovery and encryption', () => {
    synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('runs the pre-built handler on Node.js 24, arm64, 256 MB, 10 s, behind an unauthenticated Function URL', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 10,
      Handler: 'index.handler',
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('^[0-9a-f]{64}\\.zip$') },
      ReservedConcurrentExecutions: Match.absent(),
    });
    synth.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [ids.fn, 'Arn'] } });
    // permanent uploads are honoured by default: the ledger of their grants is kept as long as they are
    synth.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.absent() });
  });

  it('passes every config key and the resource names as environment, never the secret value', () => {
    const fn = only(synth.template.findResources('AWS::Lambda::Function')) as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const env = fn.Properties.Environment.Variables;
    expect(Object.keys(env).sort()).toEqual([...CONFIG_KEYS.map(envName), 'UPLOAD_BUCKET', 'UPLOAD_TABLE', 'UPLOAD_SECRET_ARN'].sort());
    expect(env).toMatchObject({
      UPLOAD_DOMAINS: '["example.org"]',
      UPLOAD_SERVICE_JID: 'upload.example.org',
      UPLOAD_BUCKET: { Ref: ids.bucket },
      UPLOAD_TABLE: { Ref: ids.table },
      UPLOAD_SECRET_ARN: { Ref: ids.secret },
    });
    expect(JSON.stringify(synth.template.toJSON())).not.toContain('resolve:secretsmanager');
    synth.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { ExcludePunctuation: true, PasswordLength: 48 },
      SecretString: Match.absent(),
    });
  });

  it('gives the role only PutObject on the prefix, item actions on the table and the one secret', () => {
    const role = only(synth.template.findResources('AWS::IAM::Role')) as { Properties: Record<string, unknown> };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = Object.values(synth.template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
    );
    const s3 = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([expect.objectContaining({ Action: 's3:PutObject', Resource: prefixArn(ids.bucket, 'uploads/') })]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': [ids.table, 'Arn'] },
      }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: ids.secret } }));
    for (const s of statements) {
      expect(actionsOf(s).filter((a) => a.includes('*'))).toEqual([]);
      expect(s.Resource).not.toBe('*');
    }
  });

  it('alarms on Lambda errors, throttles and the Function URL 5xx rate, notifying no one unless asked', () => {
    synth.template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    synth.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(synth.template.findResources('AWS::CloudWatch::Alarm'))) {
      expect((alarm as { Properties: { AlarmActions?: unknown } }).Properties.AlarmActions).toBeUndefined();
    }
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Throttles', Namespace: 'AWS/Lambda' });
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: { MetricName: 'Url5xxCount', Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: { Ref: ids.fn } }] },
          }),
        }),
      ]),
    });
    synth.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('outputs the endpoint, names, ARN and paste-ready server snippets', () => {
    for (const key of Object.values(OUTPUTS)) {
      if (key !== OUTPUTS.distributionId) synth.template.hasOutput(key, { Value: Match.anyValue() });
    }
    expect(synth.template.findOutputs(OUTPUTS.distributionId)).toEqual({});
    synth.template.hasOutput(OUTPUTS.downloadBaseUrl, {
      Value: { 'Fn::Join': ['', ['https://', { Ref: ids.bucket }, '.s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
    });
    synth.template.hasOutput(OUTPUTS.secretArn, { Value: { Ref: ids.secret } });
    synth.template.hasOutput(OUTPUTS.functionName, { Value: { Ref: ids.fn } });
    synth.template.hasOutput(OUTPUTS.bucket, { Value: { Ref: ids.bucket } });
    synth.template.hasOutput(OUTPUTS.table, { Value: { Ref: ids.table } });
    synth.template.hasOutput(OUTPUTS.endpoint, {
      Value: {
        'Fn::Join': ['', ['https://', { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [Match.anyValue(), 'FunctionUrl'] }] }] }]],
      },
    });
    synth.template.hasOutput(OUTPUTS.prosody, { Value: Match.stringLikeRegexp('Component "upload\\.example\\.org"') });
    synth.template.hasOutput(OUTPUTS.ejabberd, { Value: Match.stringLikeRegexp('"upload\\.example\\.org":\\n\\s+password:') });
    const bridge = JSON.stringify(synth.template.findOutputs(OUTPUTS.bridge));
    expect(bridge).toContain('sudo xmpp-s3-upload component --jid upload.example.org --server 127.0.0.1:5347 --endpoint https://');
    expect(bridge).toContain('--secret-file /etc/xmpp-s3-upload/slot-secret --component-secret-file /etc/xmpp-s3-upload/component-secret');
    expect(bridge).toContain('aws secretsmanager get-secret-value');
    expect(bridge).not.toMatch(/npx|--secret |--component-secret /);
  });

  it('leaves no cdk-nag AwsSolutions finding unacknowledged, and acknowledges each with its reason', () => {
    const nag = synth.validationReport.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);
    const ruleOf = (name: string) => name.replace(/\[.*$/, '');
    const acknowledged = new Set(nag?.suppressedViolations.map((v) => ruleOf(v.ruleName)));
    // The CloudFront findings are cdn mode's (test/cdk/downloads.test.ts).
    expect([...acknowledged].sort()).toEqual(
      Object.keys(NAG_REASONS)
        .filter((rule) => !rule.startsWith('AwsSolutions-CFR'))
        .sort(),
    );
    for (const v of nag?.suppressedViolations ?? []) expect(v.reason).toBe(NAG_REASONS[ruleOf(v.ruleName) as keyof typeof NAG_REASONS]);
    expect(synth.errors).toEqual([]);
  });
});
