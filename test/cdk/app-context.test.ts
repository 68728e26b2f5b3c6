import { readFileSync } from 'node:fs';
import { RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/config.ts';
import { DEPLOYMENT_DEFAULTS, readAppSettings } from '../../lib/app-context.ts';
import { createApp } from '../../lib/create-app.ts';

const problemsOf = (context: Record<string, unknown>): readonly string[] => {
  try {
    readAppSettings(context);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('readAppSettings', () => {
  it('reads JSON context (cdk.json) and string context (-c) alike', () => {
    const fromJson = readAppSettings({ domains: ['example.org'], retentionDays: 3, allowedTypes: ['image/*'] });
    const fromFlags = readAppSettings({ domains: 'example.org', retentionDays: '3', allowedTypes: '["image/*"]' });
    expect(fromFlags.config).toEqual(fromJson.config);
    expect(fromJson.config.retentionDays).toBe(3);
  });

  it('applies the deployment defaults: stack XmppS3Upload, bucket and table retained', () => {
    const settings = readAppSettings({ domains: ['example.org'] });
    expect(settings.stackName).toBe('XmppS3Upload');
    expect(settings.removalPolicy).toBe(RemovalPolicy.RETAIN);
    expect(readAppSettings({ domains: ['example.org'], removalPolicy: 'destroy' }).removalPolicy).toBe(RemovalPolicy.DESTROY);
  });

  it('reads the deploy-time knobs, which are not service configuration', () => {
    const settings = readAppSettings({
      domains: 'example.org',
      memorySizeMb: '1024',
      reservedConcurrency: '5',
      alarmEmail: 'ops@example.org',
    });
    expect(settings.options).toMatchObject({
      memorySizeMb: 1024,
      reservedConcurrency: 5,
      alarmEmail: 'ops@example.org',
      // permanent uploads are honoured by default, so the ledger is kept forever too
      logRetentionDays: 0,
    });
  });

  it('ignores CDK context keys such as aws:cdk:* and @aws-cdk/*', () => {
    const settings = readAppSettings({ domains: ['example.org'], 'aws:cdk:bundling-stacks': ['**'], '@aws-cdk/core:flag': false });
    expect(settings.config.domains).toEqual(['example.org']);
  });

  it.each([
    [{}, /^domains \(UPLOAD_DOMAINS\): required/],
    [{ domains: ['example.org'], retentionDays: 'abc' }, /^retentionDays \(UPLOAD_RETENTION_DAYS\)/],
    [{ domains: ['example.org'], keyPrefix: 'no-slash' }, /^keyPrefix \(UPLOAD_KEY_PREFIX\)/],
    [{ domains: ['example.org'], retentionDay: '3' }, /^retentionDay: unknown configuration key/],
    [{ domains: ['example.org'], removalPolicy: 'keep' }, /^removalPolicy: expected "retain" or "destroy"/],
    [{ domains: ['example.org'], stackName: 'bad name' }, /^stackName: expected a CloudFormation stack name/],
    [{ domains: ['example.org'], memorySizeMb: '64' }, /^memorySizeMb: expected a whole number from 128 to 10240/],
    [{ domains: ['example.org'], reservedConcurrency: 'many' }, /^reservedConcurrency: expected a whole number/],
    [
      { domains: ['example.org'], retentionDays: '14', purposes: 'message', logRetentionDays: '7' },
      /^logRetentionDays: 7 days is shorter than the longest file retention/,
    ],
    [{ domains: ['example.org'], logRetentionDays: '30' }, /^logRetentionDays: some files are kept forever \(the permanent purpose/],
    [{ domains: ['example.org'], alarmEmail: 'ops' }, /^alarmEmail: expected one e-mail address/],
    [{ domains: ['example.org'], alarmTopicArn: 'alarms' }, /^alarmTopicArn: expected a standard SNS topic ARN/],
  ])('rejects %j naming the key', (context, problem) => {
    expect(problemsOf(context)).toEqual([expect.stringMatching(problem)]);
  });

  it('names every bad key at once', () => {
    expect(problemsOf({ domains: ['example.org'], maxFileSizeBytes: '-1', objectAcl: 'private', removalPolicy: 'x' })).toHaveLength(3);
  });
});

describe('createApp', () => {
  it('fails before synth, naming the key, when the context holds a bad value', () => {
    expect(() => createApp({ context: { domains: ['example.org'], putUrlTtlSeconds: '0' } })).toThrow(
      /putUrlTtlSeconds \(UPLOAD_PUT_URL_TTL_SECONDS\)/,
    );
  });
});

describe('docs/configuration.md deployment table', () => {
  it('lists exactly the DEPLOYMENT_DEFAULTS keys, with their defaults', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const rows = new Map<string, string>();
    for (const line of doc.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      const key = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
      if (key !== undefined && cells.length === 5) rows.set(key, (cells[2] ?? '').replaceAll('`', ''));
    }

    expect([...rows.keys()]).toEqual(Object.keys(DEPLOYMENT_DEFAULTS));
    for (const [key, value] of Object.entries(DEPLOYMENT_DEFAULTS)) {
      if (key !== 'logRetentionDays') expect(rows.get(key), key).toBe(value === undefined ? 'none' : String(value));
    }
  });
});
