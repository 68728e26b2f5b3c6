/**
 * Validates the construct's props with the Lambda's own `parseConfig` (service keys) and the
 * deploy-time rules of `deployment-options.ts`, so a bad prop fails synth naming its key, exactly
 * as the same value would fail in `cdk.json`, `-c key=value` or an `UPLOAD_*` variable.
 */
import { CONFIG_KEYS, ConfigError, parseConfig, type ServiceConfig } from '../lambda/core/config.ts';
import { longestRetentionDays } from '../lambda/core/purposes.ts';
import { type DeploymentOptions, parseDeploymentOptions } from './deployment-options.ts';
import type { XmppS3UploadProps } from './xmpp-s3-upload-props.ts';

/** The props, validated. */
export interface ParsedProps {
  readonly config: ServiceConfig;
  readonly options: DeploymentOptions;
}

/**
 * @throws ConfigError naming every bad key at once.
 */
export function parseProps(props: XmppS3UploadProps): ParsedProps {
  const raw: Record<string, unknown> = {};
  // Only the service keys: the props also carry deployment keys (and, from the stack, StackProps).
  for (const key of CONFIG_KEYS) raw[key] = props[key];
  let config: ServiceConfig | undefined;
  const problems: string[] = [];
  try {
    config = parseConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  // With a bad configuration (already reported) the log retention, certificate and price class are checked on their own.
  const options = parseDeploymentOptions(props, config === undefined ? undefined : longestRetentionDays(config), config);
  if (!options.ok) problems.push(...options.problems);
  if (config === undefined || !options.ok) throw new ConfigError(problems);
  return { config, options: options.value };
}
