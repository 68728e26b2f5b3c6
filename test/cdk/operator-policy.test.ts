import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTPUTS } from '../../lib/xmpp-s3-upload-stack.ts';
import { type Synthesized, synthesize } from './synth.ts';

/** The operator's managed policy (`xmpp-s3-upload files`), the ledger's log group and its outputs. */
let bucket: Synthesized;
let cdn: Synthesized;
let month: Synthesized;
let weekly: Synthesized;

beforeAll(() => {
  bucket = synthesize({ domains: 'example.org' });
  cdn = synthesize({ domains: ['example.org'], downloads: 'cdn' });
  month = synthesize({ domains: 'example.org', retentionDays: '30', purposes: 'message' });
  weekly = synthesize({ domains: 'example.org', purposes: 'message,profile', profileRetentionDays: '7' });
});
afterAll(() => {
  for (const s of [bucket, cdn, month, weekly]) s?.cleanup();
});

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

const only = (s: Synthesized, type: string): { logicalId: string; props: Record<string, unknown> } => {
  const found = Object.entries(s.template.findResources(type));
  expect(found, type).toHaveLength(1);
  const [logicalId, resource] = found[0] as [string, { Properties: Record<string, unknown> }];
  return { logicalId, props: resource.Properties };
};
const operatorStatements = (s: Synthesized): Statement[] =>
  (only(s, 'AWS::IAM::ManagedPolicy').props.PolicyDocument as { Statement: Statement[] }).Statement;
const actionsOf = (statements: Statement[]) => statements.flatMap((st) => (Array.isArray(st.Action) ? st.Action : [st.Action])).sort();
const bucketId = (s: Synthesized) => only(s, 'AWS::S3::Bucket').logicalId;
const logGroupId = (s: Synthesized) => only(s, 'AWS::Logs::LogGroup').logicalId;

describe('the operator policy', () => {
  it('holds exactly the rights of files who|list|delete|purge in bucket mode', () => {
    const statements = operatorStatements(bucket);

    expect(actionsOf(statements)).toEqual([
      'logs:GetQueryResults',
      'logs:PutLogEvents',
      'logs:StartQuery',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
    ]);
    expect(statements.every((st) => (st as { Effect?: string }).Effect === 'Allow')).toBe(true);
  });

  it('limits each right to its resource: the log group, the takedown stream, the upload prefix', () => {
    const bySid = Object.fromEntries(operatorStatements(bucket).map((st) => [st.Sid, st]));
    const b = bucketId(bucket);

    expect(bySid.QueryTheLedger?.Resource).toEqual({ 'Fn::GetAtt': [logGroupId(bucket), 'Arn'] });
    expect(bySid.ReadLedgerQueryResults?.Resource).toBe('*');
    expect(JSON.stringify(bySid.RecordTakedowns?.Resource)).toContain(':log-stream:operator-takedowns');
    expect(bySid.FindUploads).toMatchObject({
      Resource: { 'Fn::GetAtt': [b, 'Arn'] },
      Condition: { StringLike: { 's3:prefix': ['uploads/*'] } },
    });
    expect(bySid.ReadAndDeleteUploads?.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [b, 'Arn'] }, '/uploads/*']] });
  });

  it('adds CreateInvalidation on the one distribution in cdn mode, and nothing of CloudFront in bucket mode', () => {
    const invalidation = operatorStatements(cdn).find((st) => st.Sid === 'DropCachedCopies');
    const distribution = only(cdn, 'AWS::CloudFront::Distribution').logicalId;

    expect(invalidation?.Action).toBe('cloudfront:CreateInvalidation');
    expect(JSON.stringify(invalidation?.Resource)).toContain(`"Ref":"${distribution}"`);
    expect(JSON.stringify(invalidation?.Resource)).toContain(':distribution/');
    expect(actionsOf(operatorStatements(bucket)).some((a) => a.startsWith('cloudfront:'))).toBe(false);
  });

  it('is attached to nobody: the operator attaches it', () => {
    const props = only(bucket, 'AWS::IAM::ManagedPolicy').props;

    expect(props.Roles ?? []).toEqual([]);
    expect(props.Users ?? []).toEqual([]);
    expect(props.Groups ?? []).toEqual([]);
  });

  it('leaves the Lambda role unable to delete, list or read objects', () => {
    for (const s of [bucket, cdn]) {
      const roleStatements = Object.values(s.template.findResources('AWS::IAM::Policy')).flatMap(
        (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
      );
      const actions = actionsOf(roleStatements);
      expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:PutObject']);
      expect(actions.some((a) => /Delete/i.test(a))).toBe(false);
    }
  });

  it('makes the takedown log stream in the function’s log group, so operators need no CreateLogStream', () => {
    bucket.template.hasResourceProperties('AWS::Logs::LogStream', {
      LogGroupName: { Ref: logGroupId(bucket) },
      LogStreamName: 'operator-takedowns',
    });
  });

  it('outputs OperatorPolicyArn, LogGroupName and RetentionDays for the files commands', () => {
    bucket.template.hasOutput(OUTPUTS.operatorPolicyArn, { Value: { Ref: only(bucket, 'AWS::IAM::ManagedPolicy').logicalId } });
    bucket.template.hasOutput(OUTPUTS.logGroupName, { Value: { Ref: logGroupId(bucket) } });
    bucket.template.hasOutput(OUTPUTS.retentionDays, { Value: '7' });
  });
});

describe('the ledger’s retention', () => {
  it('keeps the log group past the files: 7 days of files, 30 of ledger; 30 of files, 60 of ledger; kept files, kept ledger', () => {
    weekly.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    // the defaults honour permanent (and keep profile uploads): their ledger lines never expire
    bucket.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.absent() });
    month.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 60 });
    month.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 30 })]) },
    });
  });

  it('is the function’s own log group, so the ledger lines land there', () => {
    bucket.template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId(bucket) } } });
  });
});
