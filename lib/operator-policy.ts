/**
 * The operator's managed policy: exactly the rights of `xmpp-s3-upload files who|list|delete|purge`
 * (bin/files-command.ts), separate from the Lambda's role, which still cannot delete anything.
 * Attach it to the IAM user or role that handles abuse reports and account deletions.
 */
import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { LogStream } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TAKEDOWN_STREAM } from '../bin/ledger.ts';
import { prefixObjectsArn } from './defaults.ts';

export interface OperatorAccessProps {
  readonly bucket: IBucket;
  readonly keyPrefix: string;
  /** The function's log group: the ledger. */
  readonly logGroup: ILogGroup;
  /** `cdn` mode: the distribution whose cached copies a takedown drops. */
  readonly distributionId?: string | undefined;
  readonly removalPolicy: RemovalPolicy;
}

/** The takedown log stream (made here, so operators need no logs:CreateLogStream) and the policy. */
export class OperatorAccess extends Construct {
  readonly policy: ManagedPolicy;
  readonly takedownStream: LogStream;

  constructor(scope: Construct, id: string, props: OperatorAccessProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.takedownStream = new LogStream(this, 'TakedownStream', {
      logGroup: props.logGroup,
      logStreamName: TAKEDOWN_STREAM,
      removalPolicy: props.removalPolicy,
    });
    const streamArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: `${props.logGroup.logGroupName}:log-stream:${TAKEDOWN_STREAM}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const statements = [
      new PolicyStatement({ sid: 'QueryTheLedger', actions: ['logs:StartQuery'], resources: [props.logGroup.logGroupArn] }),
      // GetQueryResults takes a query id and supports no resource-level permission.
      new PolicyStatement({ sid: 'ReadLedgerQueryResults', actions: ['logs:GetQueryResults'], resources: ['*'] }),
      new PolicyStatement({ sid: 'RecordTakedowns', actions: ['logs:PutLogEvents'], resources: [streamArn] }),
      // Listing only under the upload prefix: how the commands tell a stored file from a missing one.
      new PolicyStatement({
        sid: 'FindUploads',
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.keyPrefix}*`] } },
      }),
      new PolicyStatement({
        sid: 'ReadAndDeleteUploads',
        actions: ['s3:GetObject', 's3:DeleteObject'],
        resources: [prefixObjectsArn(props.bucket.bucketArn, props.keyPrefix)],
      }),
    ];
    if (props.distributionId !== undefined) {
      statements.push(
        new PolicyStatement({
          sid: 'DropCachedCopies',
          actions: ['cloudfront:CreateInvalidation'],
          resources: [stack.formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: props.distributionId })],
        }),
      );
    }
    this.policy = new ManagedPolicy(this, 'Policy', {
      description: 'xmpp-s3-upload files who|list|delete|purge: read the upload ledger, delete uploads, record takedowns',
      statements,
    });
  }
}
