/**
 * The whole XEP-0363 slot service as one construct: upload bucket (public-read prefix, or private
 * behind CloudFront in `cdn` mode), quota table, generated bearer secret, the slot Lambda behind a
 * Function URL, a dashboard and alarms.
 * Every default lives in `defaults.ts`; this file only wires resources together.
 */
import { Fn, Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type IFunctionUrl, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ServiceConfig } from '../lambda/core/config.ts';
import { bucketBaseUrl, downloadBaseUrl } from '../lambda/core/config-downloads.ts';
import {
  bucketProps,
  DEFAULT_REMOVAL_POLICY,
  DEFAULT_URL_5XX_RATE_PERCENT,
  FUNCTION_DEFAULTS,
  prefixObjectsArn,
  publicReadStatement,
  secretProps,
  tableProps,
} from './defaults.ts';
import { Downloads } from './downloads.ts';
import { functionEnvironment } from './environment.ts';
import { HANDLER, handlerCode } from './handler-code.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledgeNagFindings } from './nag-acknowledgments.ts';
import { OperatorAccess } from './operator-policy.ts';
import { parseProps } from './parse-props.ts';
import { bridgeCommand, ejabberdSnippet, prosodySnippet } from './snippets.ts';
import type { XmppS3UploadProps } from './xmpp-s3-upload-props.ts';

export type { XmppS3UploadProps, XmppS3UploadServiceProps } from './xmpp-s3-upload-props.ts';

/** The XEP-0363 HTTP File Upload slot service (one `cdk deploy`). */
export class XmppS3Upload extends Construct {
  /** The service configuration as the Lambda runs it (validated, defaults filled in). */
  readonly config: ServiceConfig;
  readonly bucket: Bucket;
  readonly table: Table;
  /** The bearer secret of the slot endpoint (generated at deploy time; its value is never in the template). */
  readonly secret: Secret;
  readonly handler: LambdaFunction;
  readonly functionUrl: IFunctionUrl;
  /** The slot endpoint, `https://<id>.lambda-url.<region>.on.aws` (no trailing slash). */
  readonly endpoint: string;
  readonly monitoring: Monitoring;
  /** The topic every alarm notifies, when `alarmEmail` or `alarmTopicArn` is set. */
  readonly alarmTopic: ITopic | undefined;
  /** Shell commands that install the bridge's secret files and run the bridge next to the XMPP server. */
  readonly bridgeCommand: string;
  /** Lines for prosody.cfg.lua. */
  readonly prosodyConfig: string;
  /** Lines for ejabberd.yml. */
  readonly ejabberdConfig: string;
  /** `cdn` mode only: the distribution in front of the private bucket. */
  readonly downloads: Downloads | undefined;
  /** The base of every GET URL (`https://…`, no trailing slash; may hold tokens). */
  readonly downloadBaseUrl: string;
  /** The function's log group: the request log, which is the upload ledger (docs/operations.md, Abuse and erasure). */
  readonly logGroup: LogGroup;
  /** The operator's managed policy (`files who|list|delete|purge`) and the takedown log stream. */
  readonly operatorAccess: OperatorAccess;

  /** @throws ConfigError naming every bad prop, before any resource is created. */
  constructor(scope: Construct, id: string, props: XmppS3UploadProps) {
    super(scope, id);
    const { config, options } = parseProps(props);
    this.config = config;
    const removalPolicy = props.removalPolicy ?? DEFAULT_REMOVAL_POLICY;

    this.bucket = new Bucket(this, 'Bucket', bucketProps(config, removalPolicy));
    if (config.downloads === 'bucket') this.bucket.addToResourcePolicy(publicReadStatement(this.bucket.bucketArn, config.keyPrefix));
    this.downloads =
      config.downloads === 'cdn'
        ? new Downloads(this, 'Downloads', {
            bucket: this.bucket,
            config,
            settings: options,
          })
        : undefined;
    // cdn mode: the Lambda builds GET URLs on downloadDomain, or on the distribution's own name.
    const served = { ...config, downloadDomain: this.downloads?.domainName ?? config.downloadDomain };
    this.downloadBaseUrl = downloadBaseUrl(served, {
      bucketUrl: bucketBaseUrl({ bucket: this.bucket.bucketName, region: Stack.of(this).region }),
    });
    this.table = new Table(this, 'QuotaTable', tableProps(removalPolicy));
    this.secret = new Secret(this, 'SlotSecret', secretProps());

    // Written by hand instead of grant*(): grants would add s3:Abort*/DeleteObject*, the
    // whole bucket, BatchWriteItem/Query/Scan and DescribeSecret, none of which the handler uses.
    const role = new Role(this, 'HandlerRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const retention = options.logRetentionDays === 0 ? RetentionDays.INFINITE : (options.logRetentionDays as RetentionDays);
    const logGroup = new LogGroup(this, 'HandlerLogs', { retention, removalPolicy });
    this.logGroup = logGroup;
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

    this.handler = new LambdaFunction(this, 'SlotHandler', {
      code: handlerCode(),
      handler: HANDLER,
      runtime: FUNCTION_DEFAULTS.runtime,
      architecture: FUNCTION_DEFAULTS.architecture,
      memorySize: options.memorySizeMb,
      timeout: props.timeout ?? FUNCTION_DEFAULTS.timeout,
      ...(options.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: options.reservedConcurrency }),
      role,
      logGroup,
      environment: functionEnvironment(served, {
        bucketName: this.bucket.bucketName,
        tableName: this.table.tableName,
        secretArn: this.secret.secretArn,
      }),
      description: `XEP-0363 slot endpoint for ${config.serviceJid}`,
    });
    // The handler checks the bearer secret itself (constant-time), so the URL needs no IAM auth.
    this.functionUrl = this.handler.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    // The Function URL ends with '/'; keep 'https://<host>' so '<endpoint>/xmpp' has no double slash.
    this.endpoint = Fn.join('', ['https://', Fn.select(2, Fn.split('/', this.functionUrl.url))]);

    this.operatorAccess = new OperatorAccess(this, 'OperatorAccess', {
      bucket: this.bucket,
      keyPrefix: config.keyPrefix,
      logGroup,
      distributionId: this.downloads?.distribution.distributionId,
      removalPolicy,
    });

    this.alarmTopic = this.createAlarmTopic(options.alarmEmail, options.alarmTopicArn);
    this.monitoring = new Monitoring(this, 'Monitoring', {
      fn: this.handler,
      url5xxRatePercent: props.url5xxRatePercent ?? DEFAULT_URL_5XX_RATE_PERCENT,
      alarmActions: [...(props.alarmActions ?? []), ...(this.alarmTopic === undefined ? [] : [new SnsAction(this.alarmTopic)])],
    });

    const snippet = {
      serviceJid: config.serviceJid,
      endpoint: this.endpoint,
      secretArn: this.secret.secretArn,
      region: Stack.of(this).region,
    };
    this.bridgeCommand = bridgeCommand(snippet);
    this.prosodyConfig = prosodySnippet(snippet);
    this.ejabberdConfig = ejabberdSnippet(snippet);

    acknowledgeNagFindings({
      bucket: this.bucket,
      secret: this.secret,
      role,
      keyPrefix: config.keyPrefix,
      publicRead: config.downloads === 'bucket',
      operatorPolicy: this.operatorAccess.policy,
    });
  }

  /** An e-mail topic of our own (TLS-only publishing), the operator's existing topic, or none. */
  private createAlarmTopic(email: string | undefined, topicArn: string | undefined): ITopic | undefined {
    if (topicArn !== undefined) return Topic.fromTopicArn(this, 'AlarmTopic', topicArn);
    if (email === undefined) return undefined;
    const topic = new Topic(this, 'AlarmTopic', { displayName: `xmpp-s3-upload alarms (${this.config.serviceJid})`, enforceSSL: true });
    topic.addSubscription(new EmailSubscription(email));
    return topic;
  }
}
