import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lambda/core/config.ts';
import { readAppSettings } from '../../lib/app-context.ts';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0';

const problemsOf = (context: Record<string, unknown>): readonly string[] => {
  try {
    readAppSettings({ domains: 'example.org', ...context });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('downloadCertificateArn and priceClass', () => {
  it('default to no certificate and PriceClass_100, and take the three price classes', () => {
    expect(readAppSettings({ domains: 'example.org', downloads: 'cdn' }).options).toMatchObject({
      downloadCertificateArn: undefined,
      priceClass: 'PriceClass_100',
    });
    for (const priceClass of ['PriceClass_100', 'PriceClass_200', 'PriceClass_All']) {
      expect(readAppSettings({ domains: 'example.org', downloads: 'cdn', priceClass }).options.priceClass).toBe(priceClass);
    }
  });

  it('take a us-east-1 certificate for a downloadDomain', () => {
    const settings = readAppSettings({
      domains: 'example.org',
      downloads: 'cdn',
      downloadDomain: 'files.example.org',
      downloadCertificateArn: CERT,
    });

    expect(settings.options.downloadCertificateArn).toBe(CERT);
    expect(settings.config.downloadDomain).toBe('files.example.org');
  });

  it.each([
    [
      'a certificate from another region',
      { downloadDomain: 'files.example.org', downloadCertificateArn: CERT.replace('us-east-1', 'eu-west-1') },
      /^downloadCertificateArn: the certificate is in eu-west-1, but CloudFront takes ACM certificates from us-east-1 only/,
    ],
    [
      'something else than an ACM ARN',
      { downloadDomain: 'files.example.org', downloadCertificateArn: 'files.example.org' },
      /^downloadCertificateArn: expected an ACM certificate ARN/,
    ],
    [
      'a downloadDomain without certificate',
      { downloadDomain: 'files.example.org' },
      /^downloadCertificateArn: required with downloadDomain files\.example\.org/,
    ],
    ['a certificate without downloadDomain', { downloadCertificateArn: CERT }, /^downloadCertificateArn: set downloadDomain too/],
    [
      'an unknown price class',
      { priceClass: 'PriceClass_50' },
      /^priceClass: expected one of PriceClass_100, PriceClass_200, PriceClass_All/,
    ],
  ])('refuse %s in cdn mode, naming the key', (_case, context, problem) => {
    expect(problemsOf({ downloads: 'cdn', ...context })).toEqual([expect.stringMatching(problem)]);
  });

  it('are refused in bucket mode, which has no distribution', () => {
    expect(problemsOf({ downloadCertificateArn: CERT, priceClass: 'PriceClass_All' })).toEqual([
      'downloadCertificateArn: needs downloads "cdn" (bucket mode has no distribution)',
      'priceClass: needs downloads "cdn" (bucket mode has no distribution)',
    ]);
  });

  it('are never taken for service configuration keys', () => {
    const settings = readAppSettings({ domains: 'example.org', downloads: 'cdn', priceClass: 'PriceClass_All' });

    expect(Object.keys(settings.config)).not.toContain('priceClass');
  });
});
