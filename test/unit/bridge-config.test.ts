import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BRIDGE_KEYS, parseConfigFile, resolveBridgeSettings } from '../../component/bridge-config.ts';
import { BRIDGE_DEFAULTS } from '../../component/bridge-defaults.ts';

const BASE = {
  UPLOAD_COMPONENT_JID: 'upload.example.org',
  UPLOAD_COMPONENT_SERVER: '127.0.0.1:5347',
  UPLOAD_COMPONENT_SECRET_FILE: '/etc/xmpp-s3-upload/component-secret',
};

describe('parseConfigFile', () => {
  it('reads KEY=VALUE lines as systemd EnvironmentFile does: comments, blanks, quotes', () => {
    const text = [
      '# the bridge',
      '; also a comment',
      '',
      'UPLOAD_COMPONENT_JID=upload.example.org',
      '  UPLOAD_COMPONENT_SERVER = 127.0.0.1:5347  ',
      'UPLOAD_ENDPOINT="https://abc.lambda-url.eu-west-1.on.aws/"',
      "UPLOAD_SECRET_FILE='/etc/xmpp-s3-upload/slot secret'",
    ].join('\n');
    expect(parseConfigFile(text, 'bridge.conf')).toEqual({
      values: {
        UPLOAD_COMPONENT_JID: 'upload.example.org',
        UPLOAD_COMPONENT_SERVER: '127.0.0.1:5347',
        UPLOAD_ENDPOINT: 'https://abc.lambda-url.eu-west-1.on.aws/',
        UPLOAD_SECRET_FILE: '/etc/xmpp-s3-upload/slot secret',
      },
      problems: [],
    });
  });

  it('names every line it refuses, with its number', () => {
    const { problems } = parseConfigFile('UPLOAD_COMPONENT_JID=a\nUPLOAD_JID=b\nnot a line\n', 'bridge.conf');
    expect(problems).toEqual(['bridge.conf:2: unknown key UPLOAD_JID', 'bridge.conf:3: expected KEY=VALUE']);
  });
});

describe('resolveBridgeSettings', () => {
  it('takes the defaults and the secrets from files', () => {
    expect(resolveBridgeSettings({}, {}, { ...BASE, UPLOAD_SECRET_FILE: '/s' })).toEqual({
      settings: {
        jid: 'upload.example.org',
        server: '127.0.0.1:5347',
        endpoint: undefined,
        secret: { kind: 'file', path: '/s' },
        componentSecret: { kind: 'file', path: BASE.UPLOAD_COMPONENT_SECRET_FILE },
        timeoutMs: BRIDGE_DEFAULTS.timeoutMs,
        maxInFlight: BRIDGE_DEFAULTS.maxInFlight,
        discoCacheSeconds: BRIDGE_DEFAULTS.discoCacheSeconds,
      },
    });
  });

  it('lets a flag win over the environment and the environment over the file', () => {
    const resolved = resolveBridgeSettings(
      { jid: 'flag.example.org' },
      { UPLOAD_COMPONENT_JID: 'env.example.org', UPLOAD_COMPONENT_SERVER: '10.0.0.1:5347', UPLOAD_SECRET: 'from-env' },
      { ...BASE, UPLOAD_SECRET_FILE: '/s', UPLOAD_COMPONENT_MAX_IN_FLIGHT: '8' },
    );
    expect(resolved).toMatchObject({
      settings: { jid: 'flag.example.org', server: '10.0.0.1:5347', secret: { kind: 'value', value: 'from-env' }, maxInFlight: 8 },
    });
  });

  it('takes a secret file flag over a secret in the environment', () => {
    const resolved = resolveBridgeSettings({ 'component-secret-file': '/c' }, { UPLOAD_COMPONENT_SECRET: 'x' }, BASE);
    expect(resolved).toMatchObject({ settings: { componentSecret: { kind: 'file', path: '/c' } } });
  });

  it('refuses every bad value at once, naming its key', () => {
    const resolved = resolveBridgeSettings(
      {},
      { UPLOAD_SECRET: 'a', UPLOAD_SECRET_FILE: '/s' },
      {
        UPLOAD_COMPONENT_SERVER: 'nohost',
        UPLOAD_ENDPOINT: 'ftp://x',
        UPLOAD_COMPONENT_TIMEOUT_MS: '0',
        UPLOAD_COMPONENT_DISCO_CACHE_SECONDS: '-1',
      },
    );
    expect(resolved).toEqual({
      problems: [
        'no --jid (or UPLOAD_COMPONENT_JID)',
        '--server (or UPLOAD_COMPONENT_SERVER) must be HOST:PORT',
        '--endpoint (or UPLOAD_ENDPOINT) must be an http(s) URL',
        'the environment sets both UPLOAD_SECRET and UPLOAD_SECRET_FILE: keep one',
        'no component secret: set UPLOAD_COMPONENT_SECRET_FILE (or --component-secret-file)',
        'UPLOAD_COMPONENT_TIMEOUT_MS (--timeout-ms) must be an integer ≥ 1, got "0"',
        'UPLOAD_COMPONENT_DISCO_CACHE_SECONDS (--disco-cache-seconds) must be an integer ≥ 0, got "-1"',
      ],
    });
  });
});

describe('docs/bridge.md', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '../../docs/bridge.md'), 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `(UPLOAD_[A-Z_]+)` \| `--([a-z-]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], { flag: m[2], fallback: m[3]?.trim() }]),
  );

  it('has a row for every key, with its flag', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(BRIDGE_KEYS).sort());
    for (const [key, flag] of Object.entries(BRIDGE_KEYS)) expect(rows.get(key)?.flag).toBe(flag);
  });

  it.each([
    ['UPLOAD_COMPONENT_TIMEOUT_MS', BRIDGE_DEFAULTS.timeoutMs],
    ['UPLOAD_COMPONENT_MAX_IN_FLIGHT', BRIDGE_DEFAULTS.maxInFlight],
    ['UPLOAD_COMPONENT_DISCO_CACHE_SECONDS', BRIDGE_DEFAULTS.discoCacheSeconds],
  ])('gives %s the default of BRIDGE_DEFAULTS (%d)', (key, value) => {
    expect(rows.get(key)?.fallback).toBe(String(value));
  });
});
