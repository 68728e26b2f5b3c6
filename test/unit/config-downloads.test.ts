import { describe, expect, it } from 'vitest';
import { wireSlotService } from '../../lambda/adapters/wire-slot-service.ts';
import { ConfigError, parseConfig } from '../../lambda/core/config.ts';
import { downloadBaseUrl } from '../../lambda/core/config-downloads.ts';

const problemsOf = (raw: Record<string, unknown>): string[] => {
  try {
    parseConfig({ domains: 'example.org', ...raw });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('the download keys', () => {
  it('takes cdn mode with a download domain, lower-cased', () => {
    const config = parseConfig({ domains: 'example.org', downloads: 'cdn', downloadDomain: 'Files.Example.org' });

    expect(config).toMatchObject({ downloads: 'cdn', downloadDomain: 'files.example.org' });
  });

  it('takes an empty safeTypes list (every download an attachment) and wildcards', () => {
    expect(parseConfig({ domains: 'example.org', safeTypes: '[]' }).safeTypes).toEqual([]);
    expect(parseConfig({ domains: 'example.org', safeTypes: 'image/*,Application/PDF' }).safeTypes).toEqual(['image/*', 'application/pdf']);
  });

  it.each([
    ['publicBaseUrl', { publicBaseUrl: 'https://files.example.org' }, 'publicBaseUrl must be unset (set downloadDomain'],
    ['objectAcl', { objectAcl: 'public-read' }, 'objectAcl must be unset'],
    ['a mid-host CORS wildcard', { corsOrigins: 'https://*.example.org,https://chat-*.example.org' }, 'https://chat-*.example.org'],
  ])('refuses cdn mode with %s, naming both keys', (_case, raw, problem) => {
    const problems = problemsOf({ downloads: 'cdn', ...raw });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^downloads \(UPLOAD_DOWNLOADS\): /);
    expect(problems[0]).toContain(problem);
  });

  it('names every contradiction of cdn mode at once', () => {
    const problems = problemsOf({ downloads: 'cdn', publicBaseUrl: 'https://f.example.org', objectAcl: 'public-read' });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('publicBaseUrl');
    expect(problems[0]).toContain('objectAcl');
  });

  it('keeps bucket mode as it was: publicBaseUrl, objectAcl and any S3 CORS origin still work', () => {
    const raw = { publicBaseUrl: 'https://files.example.org', objectAcl: 'public-read', corsOrigins: 'https://chat-*.example.org' };

    expect(problemsOf(raw)).toEqual([]);
  });

  it.each([
    ['https://files.example.org', 'host name'],
    ['files.example.org:8443', 'host name'],
    ['files.example.org/x', 'host name'],
    ['192.0.2.1', 'host name'],
    ['localhost', 'host name'],
  ])('refuses downloadDomain %j', (value, problem) => {
    const problems = problemsOf({ downloads: 'cdn', downloadDomain: value });

    expect(problems).toEqual([expect.stringMatching(new RegExp(`^downloadDomain \\(UPLOAD_DOWNLOAD_DOMAIN\\): .*${problem}`))]);
  });

  it('refuses downloadDomain in bucket mode and points to publicBaseUrl', () => {
    expect(problemsOf({ downloadDomain: 'files.example.org' })).toEqual([
      expect.stringContaining(
        'needs downloads "cdn": S3 cannot serve HTTPS on your own host name (for a proxy in front of the bucket, use publicBaseUrl)',
      ),
    ]);
  });
});

describe('downloadBaseUrl', () => {
  const origins = { bucketUrl: 'https://b.s3.eu-west-1.amazonaws.com/', cdnUrl: 'http://127.0.0.1:4000/' };
  const config = { downloads: 'bucket' as const, downloadDomain: undefined, publicBaseUrl: undefined };

  it('is the bucket URL, or publicBaseUrl, in bucket mode', () => {
    expect(downloadBaseUrl(config, origins)).toBe('https://b.s3.eu-west-1.amazonaws.com');
    expect(downloadBaseUrl({ ...config, publicBaseUrl: 'https://files.example.org' }, origins)).toBe('https://files.example.org');
  });

  it('is https://<downloadDomain>, else the CDN URL, in cdn mode', () => {
    expect(downloadBaseUrl({ ...config, downloads: 'cdn', downloadDomain: 'files.example.org' }, origins)).toBe(
      'https://files.example.org',
    );
    expect(downloadBaseUrl({ ...config, downloads: 'cdn' }, origins)).toBe('http://127.0.0.1:4000');
  });

  it('refuses cdn mode with nowhere to point (a Lambda whose stack set no domain)', () => {
    expect(() => downloadBaseUrl({ ...config, downloads: 'cdn' }, { bucketUrl: origins.bucketUrl })).toThrow(
      /UPLOAD_DOWNLOAD_DOMAIN is not set/,
    );
  });
});

describe('wireSlotService', () => {
  // Quotas off: no store call, so the slot is built without any server.
  const wire = (raw: Record<string, unknown>) =>
    wireSlotService({
      config: parseConfig({ domains: 'example.org', dailyQuotaBytes: 0, ...raw }),
      region: 'eu-west-1',
      bucket: 'uploads-bucket',
      tableName: 'quota',
      s3Credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
    }).requestSlot({ from: 'alice@example.org', filename: 'cat.png', size: 3 });

  it('puts GET URLs on the download domain in cdn mode, and PUT URLs still on the bucket', async () => {
    const slot = await wire({ downloads: 'cdn', downloadDomain: 'files.example.org' });

    expect(slot.get.url).toBe(`https://files.example.org/${slot.key}`);
    expect(slot.put.url.startsWith(`https://uploads-bucket.s3.eu-west-1.amazonaws.com/${slot.key}?`)).toBe(true);
  });

  it('puts GET URLs on the bucket in bucket mode', async () => {
    const slot = await wire({});

    expect(slot.get.url).toBe(`https://uploads-bucket.s3.eu-west-1.amazonaws.com/${slot.key}`);
  });
});
