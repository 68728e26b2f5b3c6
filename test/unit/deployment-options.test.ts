import { describe, expect, it } from 'vitest';
import { defaultLogRetentionDays, LOG_RETENTION_VALUES, parseDeploymentOptions } from '../../lib/deployment-options.ts';

const problemsOf = (raw: Record<string, unknown>, retentionDays: number | undefined = 7): readonly string[] => {
  const parsed = parseDeploymentOptions(raw, retentionDays);
  return parsed.ok ? [] : parsed.problems;
};

describe('defaultLogRetentionDays', () => {
  it.each([
    [7, 30],
    [1, 30],
    [28, 30],
    [29, 60],
    [30, 60],
    [31, 60],
    [200, 365],
    [366, 400],
    [3651, 3653],
    [3652, 0],
    [36_500, 0],
    [0, 0],
  ])('keeps the logs of files kept %i days for %i days (0 = never expire)', (retentionDays, logDays) => {
    expect(defaultLogRetentionDays(retentionDays)).toBe(logDays);
  });

  it('only ever picks a CloudWatch Logs value', () => {
    for (let days = 1; days <= 4000; days += 7) {
      const picked = defaultLogRetentionDays(days);
      expect(picked === 0 || (LOG_RETENTION_VALUES.includes(picked) && picked >= days)).toBe(true);
    }
  });
});

describe('parseDeploymentOptions', () => {
  it('applies the defaults: 256 MB, no reserved concurrency, logs for 30 days, no notification', () => {
    expect(parseDeploymentOptions({}, 7)).toEqual({
      ok: true,
      value: {
        memorySizeMb: 256,
        reservedConcurrency: undefined,
        logRetentionDays: 30,
        alarmEmail: undefined,
        alarmTopicArn: undefined,
        downloadCertificateArn: undefined,
        priceClass: undefined,
      },
    });
  });

  it('gives cdn mode PriceClass_100 and bucket mode, which has no distribution, no price class', () => {
    const cdn = parseDeploymentOptions({}, 7, { downloads: 'cdn', downloadDomain: undefined });
    const bucket = parseDeploymentOptions({}, 7, { downloads: 'bucket', downloadDomain: undefined });

    expect(cdn.ok && cdn.value.priceClass).toBe('PriceClass_100');
    expect(bucket.ok && bucket.value.priceClass).toBeUndefined();
  });

  it('checks the certificate and price class by their form alone when the configuration is invalid', () => {
    expect(
      parseDeploymentOptions({ downloadCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc', priceClass: 'x' }, 7),
    ).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(/^downloadCertificateArn: the certificate is in eu-west-1/),
        expect.stringMatching(/^priceClass: expected one of PriceClass_100/),
      ],
    });
  });

  it('reads strings (-c key=value) and numbers (props, cdk.json) alike', () => {
    const fromFlags = parseDeploymentOptions({ memorySizeMb: '512', reservedConcurrency: '20', logRetentionDays: '90' }, 7);
    const fromProps = parseDeploymentOptions({ memorySizeMb: 512, reservedConcurrency: 20, logRetentionDays: 90 }, 7);
    expect(fromFlags).toEqual(fromProps);
    expect(fromFlags.ok && fromFlags.value).toMatchObject({ memorySizeMb: 512, reservedConcurrency: 20, logRetentionDays: 90 });
  });

  it('accepts 0 (never expire) as the log retention, and requires it when files are kept forever', () => {
    expect(parseDeploymentOptions({ logRetentionDays: 0 }, 7)).toMatchObject({ ok: true, value: { logRetentionDays: 0 } });
    expect(parseDeploymentOptions({}, 0)).toMatchObject({ ok: true, value: { logRetentionDays: 0 } });
    expect(problemsOf({ logRetentionDays: 365 }, 0)).toEqual([expect.stringMatching(/^logRetentionDays: some files are kept forever/)]);
  });

  it.each([
    [{ memorySizeMb: '64' }, /^memorySizeMb: expected a whole number from 128 to 10240, got 64/],
    [{ memorySizeMb: 'lots' }, /^memorySizeMb: expected a whole number/],
    [{ reservedConcurrency: '0' }, /^reservedConcurrency: expected a whole number from 1/],
    [{ logRetentionDays: '10' }, /^logRetentionDays: expected 0 \(never expire\) or a CloudWatch Logs value \(1, 3, 5, 7, 14, 30/],
    [{ logRetentionDays: '9999' }, /^logRetentionDays: expected 0/],
    [{ logRetentionDays: '3' }, /^logRetentionDays: 3 days is shorter than the longest file retention \(7 days\)/],
    [{ alarmEmail: 'ops' }, /^alarmEmail: expected one e-mail address/],
    [{ alarmEmail: 'a@example.org,b@example.org' }, /^alarmEmail: expected one e-mail address/],
    [{ alarmTopicArn: 'arn:aws:sns:eu-west-1:123:alarms' }, /^alarmTopicArn: expected a standard SNS topic ARN/],
    [{ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms.fifo' }, /^alarmTopicArn: expected a standard SNS topic ARN/],
    [
      { alarmEmail: 'ops@example.org', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms' },
      /^alarmEmail, alarmTopicArn: set one of them/,
    ],
  ])('rejects %j naming the key', (raw, problem) => {
    expect(problemsOf(raw)).toEqual([expect.stringMatching(problem)]);
  });

  it('names every bad key at once', () => {
    expect(problemsOf({ memorySizeMb: '1', reservedConcurrency: '-1', logRetentionDays: '2', alarmEmail: 'x' })).toHaveLength(4);
  });

  it('checks the log retention on its own values when retentionDays itself is invalid', () => {
    expect(parseDeploymentOptions({ logRetentionDays: '3' }, undefined).ok).toBe(true);
    expect(parseDeploymentOptions({ logRetentionDays: '4' }, undefined)).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^logRetentionDays: expected 0/)],
    });
  });
});
