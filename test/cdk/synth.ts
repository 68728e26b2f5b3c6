/**
 * Synthesizes the real app (cdk-nag plugin included) into a temporary cloud assembly, with
 * cdk.json's feature flags under the given context, as `cdk synth` runs it. The handler is the
 * pre-built bundle (`npm run build`); test files share one synth per configuration.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { createApp } from '../../lib/create-app.ts';
import type { XmppS3UploadStack } from '../../lib/xmpp-s3-upload-stack.ts';

export interface Synthesized {
  readonly stack: XmppS3UploadStack;
  readonly template: Template;
  /** CDK's policy-validation report (cdk-nag's findings, acknowledged or not). */
  readonly validationReport: ValidationReport;
  /** Error annotations of the stack (the assembly's messages, without a second synth). */
  readonly errors: readonly unknown[];
  readonly cleanup: () => void;
}

export interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly conclusion: string;
    readonly violations: readonly { readonly ruleName: string }[];
    readonly suppressedViolations: readonly { readonly ruleName: string; readonly acknowledgedId: string; readonly reason: string }[];
  }[];
}

/** cdk.json's feature flags (`@aws-cdk/…` keys), without its service context. */
export const FEATURE_FLAGS: Record<string, unknown> = Object.fromEntries(
  Object.entries((JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: object }).context).filter(
    ([key]) => key.startsWith('@'),
  ),
);

export function synthesize(context: Record<string, unknown>): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'xmpp-s3-upload-cdk-'));
  const { app, stack } = createApp({ context: { ...FEATURE_FLAGS, ...context }, outdir });
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  const validationReport = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as ValidationReport;
  const errors = assembly.getStackArtifact(stack.artifactId).messages.filter((m) => m.level === 'error');
  return { stack, template, validationReport, errors, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
