/**
 * Builds the CDK app: settings from context, the one stack, and cdk-nag's AwsSolutions checks
 * as a policy-validation plugin (cdk-nag 3: `Validations.of(app).addPlugins`, not an Aspect),
 * so every `cdk synth` fails on a finding that is neither fixed nor acknowledged with a reason.
 */
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readAppSettings } from './app-context.ts';
import { XmppS3UploadStack } from './xmpp-s3-upload-stack.ts';

/**
 * @throws ConfigError naming every bad context key, before any resource is created.
 */
export function createApp(options: AppProps = {}): { app: App; stack: XmppS3UploadStack } {
  const app = new App(options);
  const settings = readAppSettings(app.node.getAllContext());
  const stack = new XmppS3UploadStack(app, settings.stackName, {
    ...settings.config,
    ...settings.options,
    removalPolicy: settings.removalPolicy,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
