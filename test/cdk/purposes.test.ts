import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewerRequestCode } from '../../cdn/function-code.ts';
import { type Synthesized, synthesize } from './synth.ts';

type Rule = { Id?: string; Prefix?: string; ExpirationInDays?: number; Status?: string; AbortIncompleteMultipartUpload?: unknown };
type Props = Record<string, unknown>;

let bucketMode: Synthesized;
let cdnMode: Synthesized;
let kept: Synthesized;

beforeAll(() => {
  bucketMode = synthesize({ domains: ['example.org'], profileRetentionDays: '90' });
  cdnMode = synthesize({ domains: ['example.org'], downloads: 'cdn', retentionDays: '14', keyPrefix: 'files/' });
  kept = synthesize({ domains: ['example.org'], downloads: 'cdn', retentionDays: '0', purposes: 'message,permanent' });
});
afterAll(() => {
  for (const s of [bucketMode, cdnMode, kept]) s?.cleanup();
});

const only = (s: Synthesized, type: string): Props => {
  const resources = Object.values(s.template.findResources(type));
  expect(resources, type).toHaveLength(1);
  return (resources[0] as { Properties: Props }).Properties;
};
const rules = (s: Synthesized): Rule[] => (only(s, 'AWS::S3::Bucket').LifecycleConfiguration as { Rules: Rule[] }).Rules;
const expiring = (s: Synthesized) =>
  rules(s)
    .filter((r) => r.ExpirationInDays !== undefined)
    .map((r) => [r.Id, r.Prefix, r.ExpirationInDays]);
const associations = (s: Synthesized) =>
  (
    ((only(s, 'AWS::CloudFront::Distribution').DistributionConfig as Props).DefaultCacheBehavior as Props).FunctionAssociations as {
      EventType: string;
    }[]
  ).map((a) => a.EventType);
const envOf = (s: Synthesized) => (only(s, 'AWS::Lambda::Function').Environment as { Variables: Props }).Variables;

describe('per-purpose lifecycle rules', () => {
  it('bucket mode: message after retentionDays, profile after profileRetentionDays, permanent kept, no ephemeral', () => {
    expect(expiring(bucketMode)).toEqual([
      ['expire-message', 'uploads/message/', 7],
      ['expire-profile', 'uploads/profile/', 90],
    ]);
    expect(rules(bucketMode).every((r) => r.Status === 'Enabled')).toBe(true);
    expect(rules(bucketMode)).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }));
  });

  it('cdn mode: the ephemeral prefix expires after its longest lifetime (retentionDays), profile kept by default', () => {
    expect(expiring(cdnMode)).toEqual([
      ['expire-message', 'files/message/', 14],
      ['expire-ephemeral', 'files/ephemeral/', 14],
    ]);
  });

  it('keeps message uploads with retentionDays 0, and writes no rule for a purpose left out', () => {
    expect(expiring(kept)).toEqual([]);
    expect(rules(kept)).toHaveLength(1);
  });

  it('has no rule whose prefix is the whole public prefix, which would also expire kept purposes', () => {
    for (const s of [bucketMode, cdnMode, kept]) {
      expect(rules(s).map((r) => r.Prefix)).not.toContain('uploads/');
      expect(rules(s).map((r) => r.Prefix)).not.toContain('files/');
    }
  });
});

describe('the ephemeral download function', () => {
  it('is associated as viewer-request, before the viewer-response one, when ephemeral is honoured', () => {
    const fn = Object.values(cdnMode.template.findResources('AWS::CloudFront::Function')).map(
      (r) => (r as { Properties: Props }).Properties,
    );

    expect(associations(cdnMode)).toEqual(['viewer-request', 'viewer-response']);
    expect(fn.map((f) => f.FunctionCode)).toContain(viewerRequestCode('files/'));
    expect(fn.find((f) => f.FunctionCode === viewerRequestCode('files/'))?.FunctionConfig).toMatchObject({ Runtime: 'cloudfront-js-2.0' });
  });

  it('is absent when ephemeral is not honoured', () => {
    expect(associations(kept)).toEqual(['viewer-response']);
    expect(Object.keys(kept.template.findResources('AWS::CloudFront::Function'))).toHaveLength(1);
  });
});

describe('the purposes in the Lambda environment', () => {
  it('passes the honoured purposes and profileRetentionDays to the handler', () => {
    expect(envOf(bucketMode)).toMatchObject({ UPLOAD_PURPOSES: '["message","profile","permanent"]', UPLOAD_PROFILE_RETENTION_DAYS: '90' });
    expect(envOf(cdnMode)).toMatchObject({ UPLOAD_PURPOSES: '["message","profile","ephemeral","permanent"]' });
  });
});

describe('a purposes value the mode cannot honour', () => {
  it.each([
    ['ephemeral in bucket mode', { purposes: 'message,ephemeral' }, /purposes \(UPLOAD_PURPOSES\): "ephemeral" needs downloads "cdn"/],
    ['an unknown purpose', { downloads: 'cdn', purposes: 'message,stories' }, /purposes \(UPLOAD_PURPOSES\): unknown purpose "stories"/],
  ])('fails synth naming the key: %s', (_name, context, problem) => {
    expect(() => synthesize({ domains: ['example.org'], ...context })).toThrow(problem);
  });
});
