/**
 * Props of the {@link XmppS3Upload} construct; each default is one value in `defaults.ts`.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ServiceConfig } from '../lambda/core/config.ts';

export interface XmppS3UploadProps {
  /** The service configuration, already validated by `parseConfig` (lambda/core/config.ts). */
  readonly config: ServiceConfig;
  /**
   * What happens to the bucket, the table and the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Lambda memory in MB (CPU scales with it).
   * @default 256
   */
  readonly memorySizeMb?: number;
  /**
   * Lambda timeout.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the Lambda's log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Bundle a source map and set `NODE_OPTIONS=--enable-source-maps` (larger bundle, slower cold start).
   * @default false
   */
  readonly sourceMap?: boolean;
  /**
   * Reserved concurrency: caps what a flood of (even unauthenticated) requests can cost.
   * @default - none; the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Alarm on a Function URL 5xx rate at or above this percentage over 5 minutes.
   * @default 5
   */
  readonly url5xxRatePercent?: number;
  /**
   * Actions (e.g. an SNS topic) run by every alarm.
   * @default - no actions; the alarms show in the console only
   */
  readonly alarmActions?: readonly IAlarmAction[];
  /**
   * The handler entry file, for a fork that wraps its own handler.
   * @default lambda/slot.lambda.ts
   */
  readonly entry?: string;
}
