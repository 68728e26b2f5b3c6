import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, configFromEnv, DEFAULTS, envName, parseConfig } from '../../lambda/core/config.ts';

const parseProblems = (raw: Record<string, unknown>): string[] => {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('parseConfig', () => {
  it('fills every default from the DEFAULTS table', () => {
    const config = parseConfig({ domains: ['example.org'] });

    expect(config).toEqual({
      domains: ['example.org'],
      serviceJid: 'upload.example.org',
      maxFileSizeBytes: 104_857_600,
      dailyQuotaBytes: 1_048_576_000,
      globalQuotaBytes: 0,
      allowedTypes: [],
      access: [],
      putUrlTtlSeconds: 300,
      retentionDays: 7,
      keyPrefix: 'uploads/',
      publicBaseUrl: undefined,
      objectAcl: undefined,
      corsOrigins: ['*'],
      downloads: 'bucket',
      safeTypes: ['image/*', 'video/*', 'audio/*', 'text/plain'],
      downloadDomain: undefined,
      purposes: ['message', 'profile', 'permanent'],
      profileRetentionDays: 0,
    });
  });

  it('reads UPLOAD_* environment strings, lists as JSON or comma-separated', () => {
    const env = {
      UPLOAD_DOMAINS: 'example.org, Example.NET',
      UPLOAD_MAX_FILE_SIZE_BYTES: '1000',
      UPLOAD_ALLOWED_TYPES: '["image/*","text/plain"]',
      UPLOAD_ACCESS: 'Alice@example.org,friends.example',
      UPLOAD_PUBLIC_BASE_URL: 'https://files.example.org/',
      UPLOAD_OBJECT_ACL: 'public-read',
      UPLOAD_EMPTY_IS_UNSET: '',
      HOME: '/root',
    };

    const config = parseConfig(configFromEnv(env));

    expect(config.domains).toEqual(['example.org', 'example.net']);
    expect(config.maxFileSizeBytes).toBe(1000);
    expect(config.dailyQuotaBytes).toBe(10_000);
    expect(config.allowedTypes).toEqual(['image/*', 'text/plain']);
    expect(config.access).toEqual(['alice@example.org', 'friends.example']);
    expect(config.publicBaseUrl).toBe('https://files.example.org');
    expect(config.objectAcl).toBe('public-read');
  });

  it.each([
    ['domains', undefined, 'required'],
    ['domains', 'not a domain', 'is not a domain name'],
    ['serviceJid', 'alice@example.org', 'domain JID'],
    ['maxFileSizeBytes', '-1', 'whole number'],
    ['maxFileSizeBytes', '1.5', 'whole number'],
    ['maxFileSizeBytes', 6 * 1024 ** 3, 'from 1 to 5368709120'],
    ['maxFileSizeBytes', '0x10', 'whole number'],
    ['dailyQuotaBytes', 'lots', 'whole number'],
    ['allowedTypes', 'images', 'MIME type'],
    ['access', 'alice@example.org/phone', 'bare JID'],
    ['putUrlTtlSeconds', '604800', 'at most 3600'],
    ['putUrlTtlSeconds', '3601', "the Lambda role's temporary credentials"],
    ['putUrlTtlSeconds', '0', 'from 1 to 3600'],
    ['retentionDays', 'forever', 'whole number'],
    ['keyPrefix', '/uploads/', 'ending with "/"'],
    ['keyPrefix', 'uploads', 'ending with "/"'],
    ['keyPrefix', '../x/', 'ending with "/"'],
    ['publicBaseUrl', 'ftp://files.example.org', 'http(s) URL'],
    ['publicBaseUrl', 'https://files.example.org/?a=1', 'http(s) URL'],
    ['objectAcl', 'private', 'public-read'],
    ['corsOrigins', 'https://a.example/path', 'origin'],
    ['downloads', 'cloudfront', '"bucket" or "cdn"'],
    ['safeTypes', 'images', 'MIME type'],
    ['downloadDomain', 'files.example.org', 'needs downloads "cdn"'],
  ])('rejects %s = %j naming the key', (key, value, problem) => {
    const raw: Record<string, unknown> = { domains: ['example.org'], [key]: value };

    const problems = parseProblems(raw);

    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${key} (${envName(key as never)})`);
    expect(problems[0]).toContain(problem);
  });

  it('accepts a putUrlTtlSeconds of exactly the cap, 3600', () => {
    expect(parseConfig({ domains: ['example.org'], putUrlTtlSeconds: '3600' }).putUrlTtlSeconds).toBe(3600);
  });

  it('names every bad key at once, and unknown keys too', () => {
    const problems = parseProblems({ domains: ['example.org'], maxFileSizeBytes: 'x', retentionDays: -1, maxFileSize: 5 });

    expect(problems.map((p) => p.split(' ')[0])).toEqual(['maxFileSize:', 'maxFileSizeBytes', 'retentionDays']);
  });

  it('derives envName as UPLOAD_ + SCREAMING_SNAKE', () => {
    expect(envName('maxFileSizeBytes')).toBe('UPLOAD_MAX_FILE_SIZE_BYTES');
    expect(envName('serviceJid')).toBe('UPLOAD_SERVICE_JID');
  });
});

describe('docs/configuration.md table', () => {
  it('lists exactly the DEFAULTS keys with their defaults and env names', () => {
    const table = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of table.split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      const key = /^`(\w+)`$/.exec(cells[1] ?? '')?.[1];
      if (key !== undefined && /^`UPLOAD_/.test(cells[2] ?? '')) rows.set(key, cells);
    }

    expect([...rows.keys()]).toEqual(CONFIG_KEYS);
    for (const key of CONFIG_KEYS) {
      expect(rows.get(key)?.[2], key).toBe(`\`${envName(key)}\``);
      expect(rows.get(key)?.[3], key).toBe(DEFAULTS[key].shown);
    }
  });
});
