/**
 * CDK app entry (`cdk.json` runs it with tsx, after bundling the handler). Service configuration
 * comes from context: `cdk.json` or `-c key=value`, keys as in docs/configuration.md.
 */
import { ConfigError } from '../lambda/core/config.ts';
import { createApp } from '../lib/create-app.ts';

try {
  createApp().app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // The message already lists every bad key; a stack trace would only bury it.
  console.error(error.message);
  process.exitCode = 1;
}
