/**
 * The whole XEP-0363 slot service as one construct: public-read upload bucket, quota table,
 * generated bearer secret, the slot Lambda behind a Function URL, a dashboard and alarms.
 * Every default lives in `defaults.ts`; this file only wires resources together.
 */
import { fileURLToPath } from 'node:url';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type IFunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  bucketProps,
  bundlingOptions,
  DEFAULT_REMOVAL_POLICY,
  DEFAULT_URL_5XX_RATE_PERCENT,
  FUNCTION_DEFAULTS,
  prefixObjectsArn,
  publicReadStatement,
  secretProps,
  tableProps,
} from './defaults.ts';
import { functionEnvironment } from './environment.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledgeNagFindings } from './nag-acknowledgments.ts';
import type { XmppS3UploadProps } from './xmpp-s3-upload-props.ts';

export type { XmppS3UploadProps } from './xmpp-s3-upload-props.ts';

/** The slot handler; the path is fixed so `cdk synth` needs no argument. */
export const SLOT_HANDLER_ENTRY = fileURLToPath(new URL('../lambda/slot.lambda.ts', import.meta.url));
/** The lock file pins the bundle's dependencies and makes synth independent of the working directory. */
const LOCK_FILE = fileURLToPath(new URL('../package-lock.json', import.meta.url));

/** The XEP-0363 HTTP File Upload slot service (one `cdk deploy`). */
export class XmppS3Upload extends Construct {
  readonly bucket: Bucket;
  readonly table: Table;
  readonly secret: Secret;
  readonly handler: NodejsFunction;
  readonly functionUrl: IFunctionUrl;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: XmppS3UploadProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;
    const sourceMap = props.sourceMap ?? FUNCTION_DEFAULTS.sourceMap;

    this.bucket = new Bucket(this, 'Bucket', bucketProps(config, removalPolicy));
    this.bucket.addToResourcePolicy(publicReadStatement(this.bucket.bucketArn, config.keyPrefix));
    this.table = new Table(this, 'QuotaTable', tableProps(removalPolicy));
    this.secret = new Secret(this, 'SlotSecret', secretProps());

    // Written by hand instead of grant*(): grants would add s3:Abort*/DeleteObject*, the
    // whole bucket, BatchWriteItem/Query/Scan and DescribeSecret, none of which the handler uses.
    const role = new Role(this, 'HandlerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const logGroup = new LogGroup(this, 'HandlerLogs', { retention: props.logRetention ?? FUNCTION_DEFAULTS.logRetention, removalPolicy });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    role.addToPolicy(
      new PolicyStatement({
        actions: config.objectAcl === undefined ? ['s3:PutObject'] : ['s3:PutObject', 's3:PutObjectAcl'],
        resources: [prefixObjectsArn(this.bucket.bucketArn, config.keyPrefix)],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));

    this.handler = new NodejsFunction(this, 'SlotHandler', {
      entry: props.entry ?? SLOT_HANDLER_ENTRY,
      handler: 'handler',
      depsLockFilePath: LOCK_FILE,
      runtime: FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      memorySize: props.memorySizeMb ?? FUNCTION_DEFAULTS.memorySizeMb,
      timeout: props.timeout ?? FUNCTION_DEFAULTS.timeout,
      ...(props.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrency }),
      role,
      logGroup,
      bundling: bundlingOptions(sourceMap),
      environment: functionEnvironment(
        config,
        { bucketName: this.bucket.bucketName, tableName: this.table.tableName, secretArn: this.secret.secretArn },
        sourceMap,
      ),
      description: `XEP-0363 slot endpoint for ${config.serviceJid}`,
    });
    // The handler checks the bearer secret itself (constant-time), so the URL needs no IAM auth.
    this.functionUrl = this.handler.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      fn: this.handler,
      url5xxRatePercent: props.url5xxRatePercent ?? DEFAULT_URL_5XX_RATE_PERCENT,
      alarmActions: props.alarmActions ?? [],
    });
    acknowledgeNagFindings({ bucket: this.bucket, secret: this.secret, role, handler: this.handler, keyPrefix: config.keyPrefix });
  }
}
