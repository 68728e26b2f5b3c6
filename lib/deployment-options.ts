/**
 * The deploy-time knobs that are not service configuration (memory, reserved concurrency, log
 * retention, alarm notifications, `cdn` mode's certificate and price class), validated by the same rules whether they come from CDK
 * context (`-c memorySizeMb=512`, strings) or from the construct's props (numbers). Pure.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ServiceConfig } from '../lambda/core/config.ts';
import { absent, type Parsed, parseInteger } from '../lambda/core/config-values.ts';
import { type DownloadSettings, parseDownloadSettings } from './download-settings.ts';

/** The knobs as the construct uses them. */
export interface DeploymentOptions extends DownloadSettings {
  readonly memorySizeMb: number;
  /** Undefined: the function shares the account's unreserved pool. */
  readonly reservedConcurrency: number | undefined;
  /** 0 means never expire. */
  readonly logRetentionDays: number;
  readonly alarmEmail: string | undefined;
  readonly alarmTopicArn: string | undefined;
}

export type DeploymentOptionKey = keyof DeploymentOptions;

/** Lambda's memory range, in MB. */
export const MEMORY_SIZE_MB = { default: 256, min: 128, max: 10_240 } as const;

/** The retention values CloudWatch Logs accepts (CDK's enum, without its INFINITE stand-in). */
export const LOG_RETENTION_VALUES: readonly number[] = Object.values(RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v !== RetentionDays.INFINITE)
  .sort((a, b) => a - b);

/** The ledger of granted slots is in the log group: keep lines at least this long, and as long as the files. */
export const MIN_LOG_RETENTION_DAYS = 30;
/**
 * A file outlives its grant by more than `retentionDays`: the PUT may come up to an hour after
 * the grant, and S3's lifecycle rounds the expiry up to the next midnight UTC. Two days cover both,
 * so the ledger line of a file is still there on the file's last day.
 */
export const LEDGER_MARGIN_DAYS = 2;

/** The smallest CloudWatch value ≥ max(retentionDays + 2, 30); 0 (never expire) when files are kept forever. */
export function defaultLogRetentionDays(retentionDays: number): number {
  if (retentionDays === 0) return 0;
  const floor = Math.max(retentionDays + LEDGER_MARGIN_DAYS, MIN_LOG_RETENTION_DAYS);
  return LOG_RETENTION_VALUES.find((v) => v >= floor) ?? 0;
}

const named = <T>(key: DeploymentOptionKey, parsed: Parsed<T>): Parsed<T> =>
  parsed.ok ? parsed : { ok: false, problem: `${key}: ${parsed.problem}` };

function parseLogRetentionDays(value: unknown, retentionDays: number | undefined): Parsed<number> {
  if (absent(value)) return { ok: true, value: retentionDays === undefined ? 0 : defaultLogRetentionDays(retentionDays) };
  const days = parseInteger(value, 0, 0, Number.MAX_SAFE_INTEGER);
  if (!days.ok) return days;
  if (days.value !== 0 && !LOG_RETENTION_VALUES.includes(days.value)) {
    return {
      ok: false,
      problem: `expected 0 (never expire) or a CloudWatch Logs value (${LOG_RETENTION_VALUES.join(', ')}), got ${days.value}`,
    };
  }
  if (retentionDays === undefined) return days;
  if (retentionDays === 0 && days.value !== 0) {
    return {
      ok: false,
      problem: `some files are kept forever (the permanent purpose, or retentionDays or profileRetentionDays 0), so the upload ledger in the logs must be too: use 0 or leave it unset, or stop keeping files forever`,
    };
  }
  if (days.value !== 0 && days.value < retentionDays + LEDGER_MARGIN_DAYS) {
    return {
      ok: false,
      problem: `${days.value} days is shorter than the longest file retention (${retentionDays} days) + ${LEDGER_MARGIN_DAYS}: the logs hold the upload ledger, which must outlive the files (the lifecycle rule rounds up to midnight)`,
    };
  }
  return days;
}

function parseReservedConcurrency(value: unknown): Parsed<number | undefined> {
  if (absent(value)) return { ok: true, value: undefined };
  // 0 would throttle every request: a stopped service is `cdk destroy` or a throttle, not a deploy option.
  return parseInteger(value, 0, 1, 100_000);
}

function parseAlarmEmail(value: unknown): Parsed<string | undefined> {
  if (absent(value)) return { ok: true, value: undefined };
  if (typeof value === 'string' && /^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$/.test(value.trim())) return { ok: true, value: value.trim() };
  return { ok: false, problem: `expected one e-mail address, got ${JSON.stringify(value)}` };
}

function parseAlarmTopicArn(value: unknown): Parsed<string | undefined> {
  if (absent(value)) return { ok: true, value: undefined };
  // CloudWatch alarms cannot notify FIFO topics.
  if (typeof value === 'string' && /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(value)) return { ok: true, value };
  return { ok: false, problem: `expected a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got ${JSON.stringify(value)}` };
}

/**
 * Validates the knobs; `retentionDays` is how long the service keeps its longest-lived files
 * (`longestRetentionDays` of lambda/core/purposes.ts, 0 = some forever), which the log retention must cover
 * (undefined when it is itself invalid: the log retention is then checked on its own), and
 * `downloads` the service's download mode and domain, which the certificate and price class must
 * fit (undefined when the configuration is invalid: only their form is checked).
 * @returns the options, or one problem per bad key, each starting with the key.
 */
export function parseDeploymentOptions(
  raw: { readonly [K in DeploymentOptionKey]?: unknown },
  retentionDays: number | undefined,
  downloads?: Pick<ServiceConfig, 'downloads' | 'downloadDomain'>,
): { readonly ok: true; readonly value: DeploymentOptions } | { readonly ok: false; readonly problems: string[] } {
  const memorySizeMb = named(
    'memorySizeMb',
    parseInteger(raw.memorySizeMb, MEMORY_SIZE_MB.default, MEMORY_SIZE_MB.min, MEMORY_SIZE_MB.max),
  );
  const reservedConcurrency = named('reservedConcurrency', parseReservedConcurrency(raw.reservedConcurrency));
  const logRetentionDays = named('logRetentionDays', parseLogRetentionDays(raw.logRetentionDays, retentionDays));
  const alarmEmail = named('alarmEmail', parseAlarmEmail(raw.alarmEmail));
  const alarmTopicArn = named('alarmTopicArn', parseAlarmTopicArn(raw.alarmTopicArn));
  const problems = [memorySizeMb, reservedConcurrency, logRetentionDays, alarmEmail, alarmTopicArn].flatMap((p) =>
    p.ok ? [] : [p.problem],
  );
  const cdn = parseDownloadSettings(raw, downloads);
  if (!cdn.ok) problems.push(...cdn.problems);
  if (alarmEmail.ok && alarmTopicArn.ok && alarmEmail.value !== undefined && alarmTopicArn.value !== undefined) {
    problems.push('alarmEmail, alarmTopicArn: set one of them (subscribe the address to your topic instead)');
  }
  if (
    !memorySizeMb.ok ||
    !reservedConcurrency.ok ||
    !logRetentionDays.ok ||
    !alarmEmail.ok ||
    !alarmTopicArn.ok ||
    !cdn.ok ||
    problems.length > 0
  ) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    value: {
      memorySizeMb: memorySizeMb.value,
      reservedConcurrency: reservedConcurrency.value,
      logRetentionDays: logRetentionDays.value,
      alarmEmail: alarmEmail.value,
      alarmTopicArn: alarmTopicArn.value,
      ...cdn.value,
    },
  };
}
