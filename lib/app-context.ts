/**
 * Reads the deployment's settings from CDK context (`cdk.json` or `-c key=value`). Service
 * keys are the configuration keys of `lambda/core/config.ts` and go through the same
 * `parseConfig` as the Lambda, so a bad value fails synth and names the key. A `-c` value
 * arrives as a string, a `cdk.json` value as JSON; `parseConfig` takes both.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { ConfigError, parseConfig, type ServiceConfig } from '../lambda/core/config.ts';
import { absent, type Parsed } from '../lambda/core/config-values.ts';
import { longestRetentionDays } from '../lambda/core/purposes.ts';
import { DEFAULT_REMOVAL_POLICY } from './defaults.ts';
import { type DeploymentOptionKey, type DeploymentOptions, MEMORY_SIZE_MB, parseDeploymentOptions } from './deployment-options.ts';
import { DOWNLOAD_DEFAULTS } from './download-settings.ts';

/** Deployment keys that are not service configuration, with their defaults (undefined: none, or derived). */
export const DEPLOYMENT_DEFAULTS = {
  /** CloudFormation stack name. */
  stackName: 'XmppS3Upload',
  /** `retain` (default) or `destroy`: what happens to the bucket and table on `cdk destroy`. */
  removalPolicy: 'retain',
  /** Lambda memory, 128 to 10240 MB. */
  memorySizeMb: MEMORY_SIZE_MB.default,
  /** Reserved concurrency of the Lambda; none by default. */
  reservedConcurrency: undefined,
  /** Log retention (the ledger); derived from retentionDays, see `defaultLogRetentionDays`. */
  logRetentionDays: undefined,
  /** An address the alarms notify through a new SNS topic; none by default. */
  alarmEmail: undefined,
  /** An existing SNS topic the alarms notify; none by default. */
  alarmTopicArn: undefined,
  /** `cdn` mode: the ACM certificate (us-east-1) of `downloadDomain`, and the distribution's price class. */
  ...DOWNLOAD_DEFAULTS,
} as const satisfies Record<string, unknown> & Record<DeploymentOptionKey, unknown>;

/** What bin/app.ts needs to build the stack. */
export interface AppSettings {
  readonly config: ServiceConfig;
  readonly stackName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly options: DeploymentOptions;
}

// CDK's own context keys carry ':' or '@' ("aws:cdk:…", "@aws-cdk/…"); a plain camelCase key is
// ours, so a misspelt one ("retentionDay") reaches parseConfig and fails instead of being ignored.
const isOwnKey = (key: string): boolean => /^[a-z][A-Za-z0-9]*$/.test(key);

function parseRemovalPolicy(value: unknown): Parsed<RemovalPolicy> {
  if (absent(value)) return { ok: true, value: DEFAULT_REMOVAL_POLICY };
  if (value === 'retain') return { ok: true, value: RemovalPolicy.RETAIN };
  if (value === 'destroy') return { ok: true, value: RemovalPolicy.DESTROY };
  return { ok: false, problem: `removalPolicy: expected "retain" or "destroy", got ${JSON.stringify(value)}` };
}

function parseStackName(value: unknown): Parsed<string> {
  if (absent(value)) return { ok: true, value: DEPLOYMENT_DEFAULTS.stackName };
  if (typeof value === 'string' && /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(value)) return { ok: true, value };
  return { ok: false, problem: `stackName: expected a CloudFormation stack name, got ${JSON.stringify(value)}` };
}

/**
 * Splits the context into service configuration and deployment keys and validates both.
 * @throws ConfigError naming every bad key at once.
 */
export function readAppSettings(context: Readonly<Record<string, unknown>>): AppSettings {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(context)) {
    if (isOwnKey(key) && !(key in DEPLOYMENT_DEFAULTS)) raw[key] = value;
  }
  const problems: string[] = [];
  let config: ServiceConfig | undefined;
  try {
    config = parseConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const removalPolicy = parseRemovalPolicy(context.removalPolicy);
  const stackName = parseStackName(context.stackName);
  for (const parsed of [removalPolicy, stackName]) if (!parsed.ok) problems.push(parsed.problem);
  const options = parseDeploymentOptions(context, config === undefined ? undefined : longestRetentionDays(config), config);
  if (!options.ok) problems.push(...options.problems);
  if (config === undefined || !removalPolicy.ok || !stackName.ok || !options.ok || problems.length > 0) throw new ConfigError(problems);
  return { config, stackName: stackName.value, removalPolicy: removalPolicy.value, options: options.value };
}
