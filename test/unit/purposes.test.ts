import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../lambda/core/config.ts';
import { SlotError } from '../../lambda/core/errors.ts';
import { decidePurpose, parseDateTime } from '../../lambda/core/purpose-request.ts';
import { purposeRetentions } from '../../lambda/core/purposes.ts';

// Prepare: a frozen clock, one config per download mode.
const NOW = new Date('2026-11-22T12:00:00.000Z');
const bucket = parseConfig({ domains: ['localhost'] });
const cdn = parseConfig({ domains: ['localhost'], downloads: 'cdn' });

const refusal = (act: () => unknown): SlotError => {
  try {
    act();
  } catch (error) {
    if (error instanceof SlotError) return error;
    throw error;
  }
  throw new Error('expected a SlotError');
};
const problems = (raw: Record<string, unknown>): readonly string[] => {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('the purposes key', () => {
  it('defaults to every purpose the download mode can honour: no ephemeral in bucket mode', () => {
    expect(bucket.purposes).toEqual(['message', 'profile', 'permanent']);
    expect(cdn.purposes).toEqual(['message', 'profile', 'ephemeral', 'permanent']);
  });

  it('takes a subset as a list or a comma-separated string, in the XEP order, without repeats', () => {
    expect(parseConfig({ domains: ['localhost'], purposes: 'permanent,message,message' }).purposes).toEqual(['message', 'permanent']);
    expect(parseConfig({ domains: ['localhost'], downloads: 'cdn', purposes: ['ephemeral', 'message'] }).purposes).toEqual([
      'message',
      'ephemeral',
    ]);
  });

  it.each([
    ['an unknown purpose', { purposes: 'message,avatar' }, /^purposes \(UPLOAD_PURPOSES\): unknown purpose "avatar"/],
    ['a list without message', { purposes: ['profile'] }, /must include "message"/],
    ['ephemeral in bucket mode', { purposes: 'message,ephemeral' }, /"ephemeral" needs downloads "cdn"/],
    ['a non-list', { purposes: 5 }, /^purposes \(UPLOAD_PURPOSES\): expected a list/],
    ['a negative profileRetentionDays', { profileRetentionDays: '-1' }, /^profileRetentionDays \(UPLOAD_PROFILE_RETENTION_DAYS\)/],
  ])('refuses %s, naming the key', (_name, raw, problem) => {
    expect(problems({ domains: ['localhost'], ...raw })).toEqual([expect.stringMatching(problem)]);
  });
});

describe('purposeRetentions', () => {
  it('gives each honoured purpose its prefix and days: message retentionDays, profile kept, permanent kept', () => {
    expect(purposeRetentions(bucket)).toEqual([
      { purpose: 'message', prefix: 'uploads/message/', expireAfterDays: 7 },
      { purpose: 'profile', prefix: 'uploads/profile/', expireAfterDays: undefined },
      { purpose: 'permanent', prefix: 'uploads/permanent/', expireAfterDays: undefined },
    ]);
  });

  it('expires profile after profileRetentionDays and ephemeral after the longest ephemeral lifetime (retentionDays)', () => {
    const config = parseConfig({ domains: ['localhost'], downloads: 'cdn', retentionDays: 30, profileRetentionDays: 365, keyPrefix: 'f/' });

    expect(purposeRetentions(config).map((r) => [r.prefix, r.expireAfterDays])).toEqual([
      ['f/message/', 30],
      ['f/profile/', 365],
      ['f/ephemeral/', 30],
      ['f/permanent/', undefined],
    ]);
  });

  it('keeps message uploads with retentionDays 0 but still bounds ephemeral ones, by 7 days', () => {
    const config = parseConfig({ domains: ['localhost'], downloads: 'cdn', retentionDays: 0 });

    expect(purposeRetentions(config).map((r) => r.expireAfterDays)).toEqual([undefined, undefined, 7, undefined]);
  });
});

describe('parseDateTime (XEP-0082 DateTime)', () => {
  it.each([
    ['2026-12-24T18:00:00Z', '2026-12-24T18:00:00.000Z'],
    ['2026-12-24T18:00:00.5Z', '2026-12-24T18:00:00.500Z'],
    ['2026-12-24T18:00:00.123456Z', '2026-12-24T18:00:00.123Z'],
    ['2026-12-24T19:30:00+01:30', '2026-12-24T18:00:00.000Z'],
    ['2026-12-24T13:00:00-05:00', '2026-12-24T18:00:00.000Z'],
    ['2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseDateTime(text, 'expire-before').toISOString()).toBe(iso);
  });

  it.each([
    '2026-12-24',
    '2026-12-24T18:00:00',
    '2026-12-24 18:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-12-24T24:00:00Z',
    '2026-12-24T18:60:00Z',
    '2026-12-24T18:00:60Z',
    '2026-12-24T18:00:00+25:00',
    '2026-12-24T18:00:00+01:60',
    '1798135200',
    ' 2026-12-24T18:00:00Z',
    '',
  ])('refuses %j with bad-request', (text) => {
    const error = refusal(() => parseDateTime(text, 'expire-before'));
    expect(error.condition).toBe('bad-request');
    expect(error.text).toContain('XEP-0082');
  });
});

describe('decidePurpose', () => {
  it('takes message when the request names no purpose', () => {
    expect(decidePurpose(undefined, undefined, bucket, NOW)).toEqual({ purpose: 'message' });
  });

  it.each(['message', 'profile', 'permanent'] as const)('takes %s without expire-before', (purpose) => {
    expect(decidePurpose(purpose, undefined, bucket, NOW)).toEqual({ purpose });
  });

  it('takes ephemeral in cdn mode with its expiry rounded down to the second', () => {
    expect(decidePurpose('ephemeral', '2026-11-23T12:00:00.900Z', cdn, NOW)).toEqual({
      purpose: 'ephemeral',
      expireBefore: new Date('2026-11-23T12:00:00.000Z'),
    });
  });

  it('caps an expire-before beyond the longest ephemeral lifetime (retentionDays) instead of refusing it', () => {
    expect(decidePurpose('ephemeral', '2027-11-22T12:00:00Z', cdn, NOW).expireBefore).toEqual(new Date('2026-11-29T12:00:00.000Z'));
  });

  it.each([
    ['an unknown purpose', 'avatar', undefined, cdn, /Unknown upload purpose "avatar"/],
    ['a purpose that is not a string', 7, undefined, cdn, /Unknown upload purpose number/],
    ['expire-before on message', 'message', '2026-11-23T00:00:00Z', cdn, /Only the ephemeral purpose takes expire-before/],
    ['ephemeral without expire-before', 'ephemeral', undefined, cdn, /needs expire-before/],
    ['a malformed expire-before', 'ephemeral', 'tomorrow', cdn, /XEP-0082/],
    ['an expire-before in the past', 'ephemeral', '2026-11-22T11:59:59Z', cdn, /already passed/],
    ['an expire-before within the current second', 'ephemeral', '2026-11-22T12:00:00.500Z', cdn, /already passed/],
    ['a malformed expire-before in bucket mode (syntax first)', 'ephemeral', 'soon', bucket, /XEP-0082/],
  ])('refuses %s with bad-request', (_name, purpose, expireBefore, config, text) => {
    const error = refusal(() => decidePurpose(purpose, expireBefore, config, NOW));

    expect(error.condition).toBe('bad-request');
    expect(error.text).toMatch(text);
  });

  it('refuses ephemeral in bucket mode with purpose-not-supported, saying why', () => {
    const error = refusal(() => decidePurpose('ephemeral', '2026-11-23T12:00:00Z', bucket, NOW));

    expect(error.condition).toBe('purpose-not-supported');
    expect(error.text).toMatch(/cannot promise that a file is gone by expire-before/);
    expect(error.text).toContain('message, profile, permanent');
  });

  it('refuses a purpose the operator left out with purpose-not-supported, listing the accepted ones', () => {
    const config = parseConfig({ domains: ['localhost'], purposes: 'message' });
    const error = refusal(() => decidePurpose('permanent', undefined, config, NOW));

    expect(error.condition).toBe('purpose-not-supported');
    expect(error.text).toBe('This service does not accept uploads for the purpose permanent; it accepts message.');
  });
});
