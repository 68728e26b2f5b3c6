/**
 * The Lambda's environment: the whole validated configuration as `UPLOAD_*` variables (the
 * handler parses them with the same `parseConfig` that validated them at synth) plus the names
 * of the resources it uses. The secret's value is never here, only its ARN.
 */
import { CONFIG_KEYS, envName, type ServiceConfig } from '../lambda/core/config.ts';

/** Names of the deployed resources the handler needs (CDK tokens at synth time). */
export interface ResourceNames {
  readonly bucketName: string;
  readonly tableName: string;
  readonly secretArn: string;
}

/** Lists as JSON arrays, numbers in decimal, an unset optional value as '' (which `configFromEnv` skips). */
export function envValue(value: ServiceConfig[keyof ServiceConfig]): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return JSON.stringify(value);
  return String(value);
}

/** Every config key as `UPLOAD_<KEY>`, then `UPLOAD_BUCKET`, `UPLOAD_TABLE`, `UPLOAD_SECRET_ARN`. */
export function functionEnvironment(config: ServiceConfig, names: ResourceNames): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of CONFIG_KEYS) env[envName(key)] = envValue(config[key]);
  env.UPLOAD_BUCKET = names.bucketName;
  env.UPLOAD_TABLE = names.tableName;
  env.UPLOAD_SECRET_ARN = names.secretArn;
  return env;
}
