import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, type ConfigKey, DEFAULTS } from '../../lambda/core/config.ts';
import { XmppS3Upload, type XmppS3UploadProps, type XmppS3UploadServiceProps } from '../../lib/xmpp-s3-upload.ts';

/** The construct as a library user writes it: no context, no cdk-nag, no app of ours. */
const build = (props: XmppS3UploadProps) => {
  const stack = new Stack(new App(), 'Consumer');
  return { stack, upload: new XmppS3Upload(stack, 'Upload', props) };
};

const problemsOf = (props: XmppS3UploadProps): readonly string[] => {
  try {
    build(props);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('XmppS3Upload', () => {
  it('is a whole deployment from the domains alone, and exposes its parts', () => {
    const { stack, upload } = build({ domains: ['example.org'] });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    template.resourceCountIs('AWS::S3::Bucket', 1);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.resourceCountIs('AWS::Lambda::Url', 1);
    expect(upload.config.serviceJid).toBe('upload.example.org');
    expect(upload.config.maxFileSizeBytes).toBe(104_857_600);
    for (const part of [upload.bucket, upload.table, upload.secret, upload.handler, upload.functionUrl]) expect(part).toBeDefined();
    expect(stack.resolve(upload.endpoint)).toEqual({ 'Fn::Join': ['', ['https://', expect.anything()]] });
    expect(upload.prosodyConfig).toContain('Component "upload.example.org"');
    expect(upload.ejabberdConfig).toContain('"upload.example.org":');
    expect(upload.bridgeCommand).toContain('xmpp-s3-upload component --jid upload.example.org');
    expect(upload.alarmTopic).toBeUndefined();
  });

  it('takes typed values for the configuration keys and hands the parsed values to the handler', () => {
    const { stack } = build({ domains: ['Example.ORG'], maxFileSizeBytes: 1_048_576, allowedTypes: ['image/*'], retentionDays: 14 });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          UPLOAD_DOMAINS: '["example.org"]',
          UPLOAD_MAX_FILE_SIZE_BYTES: '1048576',
          UPLOAD_DAILY_QUOTA_BYTES: '10485760',
          UPLOAD_ALLOWED_TYPES: '["image/*"]',
        }),
      },
    });
  });

  it.each([
    [{ domains: [] }, [/^domains \(UPLOAD_DOMAINS\): required/]],
    [{ domains: ['example.org'], keyPrefix: 'no-slash' }, [/^keyPrefix \(UPLOAD_KEY_PREFIX\)/]],
    [
      { domains: ['example.org'], maxFileSizeBytes: 0, memorySizeMb: 100_000 },
      [/^maxFileSizeBytes \(UPLOAD_MAX_FILE_SIZE_BYTES\)/, /^memorySizeMb:/],
    ],
    [
      { domains: ['example.org'], retentionDays: 400, purposes: ['message'], logRetentionDays: 365 },
      [/^logRetentionDays: 365 days is shorter/],
    ],
  ] as const)('refuses %j before creating anything, naming every bad key', (props, problems) => {
    expect(problemsOf(props as XmppS3UploadProps)).toEqual(problems.map((p) => expect.stringMatching(p)));
  });
});

describe('XmppS3UploadServiceProps', () => {
  it('has exactly the configuration keys', () => {
    expectTypeOf<keyof XmppS3UploadServiceProps>().toEqualTypeOf<ConfigKey>();
  });

  it('documents each default as the DEFAULTS table does', () => {
    const source = readFileSync(new URL('../../lib/xmpp-s3-upload-props.ts', import.meta.url), 'utf8');
    const documented = (key: ConfigKey): string => {
      const at = source.indexOf(`  readonly ${key}`);
      const doc = source.slice(source.lastIndexOf('/**', at), at);
      return /@default (.+)/.exec(doc)?.[1]?.trim() ?? 'required';
    };
    for (const key of CONFIG_KEYS) expect({ key, shown: documented(key) }).toEqual({ key, shown: DEFAULTS[key].shown });
  });
});
