/**
 * The deployable stack: the {@link XmppS3Upload} construct plus the outputs an operator pastes
 * into the XMPP server. Environment-agnostic (no lookups), so `cdk synth` needs no credentials.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { XmppS3Upload, type XmppS3UploadProps } from './xmpp-s3-upload.ts';

export interface XmppS3UploadStackProps extends StackProps, XmppS3UploadProps {}

/** Output keys, so scripts and tests read them by name. */
export const OUTPUTS = {
  endpoint: 'SlotEndpoint',
  bucket: 'BucketName',
  table: 'QuotaTableName',
  secretArn: 'SlotSecretArn',
  functionName: 'FunctionName',
  dashboard: 'DashboardName',
  prosody: 'ProsodyConfig',
  ejabberd: 'EjabberdConfig',
  bridge: 'BridgeCommand',
  distributionId: 'DistributionId',
  downloadBaseUrl: 'DownloadBaseUrl',
  operatorPolicyArn: 'OperatorPolicyArn',
  logGroupName: 'LogGroupName',
  retentionDays: 'RetentionDays',
} as const;

/** One stack holding the whole service. */
export class XmppS3UploadStack extends Stack {
  readonly service: XmppS3Upload;

  constructor(scope: Construct, id: string, props: XmppS3UploadStackProps) {
    super(scope, id, {
      description: 'XEP-0363 HTTP File Upload slots from a Lambda, files in S3, quotas in DynamoDB (xmpp-s3-upload)',
      ...props,
    });
    const service = new XmppS3Upload(this, 'Service', props);
    this.service = service;

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output(OUTPUTS.endpoint, service.endpoint, 'Slot endpoint (Function URL): POST /xmpp, POST /v1/slots, GET /v1/info');
    output(OUTPUTS.bucket, service.bucket.bucketName, 'Upload bucket');
    output(OUTPUTS.table, service.table.tableName, 'Quota table');
    output(OUTPUTS.secretArn, service.secret.secretArn, 'Bearer secret of the slot endpoint (value in Secrets Manager)');
    output(OUTPUTS.functionName, service.handler.functionName, 'Slot Lambda (force cold starts after a secret rotation)');
    output(OUTPUTS.dashboard, service.monitoring.dashboard.dashboardName, 'CloudWatch dashboard');
    output(OUTPUTS.prosody, service.prosodyConfig, 'Prosody: add to prosody.cfg.lua, then run the bridge');
    output(OUTPUTS.ejabberd, service.ejabberdConfig, 'ejabberd: merge into ejabberd.yml, then run the bridge');
    output(OUTPUTS.bridge, service.bridgeCommand, 'Component bridge: install its secret files and run it next to the XMPP server');
    output(OUTPUTS.downloadBaseUrl, service.downloadBaseUrl, 'Base of the GET URLs: <DownloadBaseUrl>/<key>');
    output(
      OUTPUTS.operatorPolicyArn,
      service.operatorAccess.policy.managedPolicyArn,
      'Managed policy of the operator commands (xmpp-s3-upload files who|list|delete|purge): attach it to your operator user or role',
    );
    output(
      OUTPUTS.logGroupName,
      service.logGroup.logGroupName,
      'Log group of the slot Lambda: the request log, which is the upload ledger',
    );
    output(
      OUTPUTS.retentionDays,
      String(service.config.retentionDays),
      'Days an upload is kept (0: kept); the files commands tell expired from never uploaded by it',
    );
    if (service.downloads !== undefined) {
      output(
        OUTPUTS.distributionId,
        service.downloads.distribution.distributionId,
        'CloudFront distribution serving the downloads (cdn mode)',
      );
    }
  }
}
