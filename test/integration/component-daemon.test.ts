/**
 * `xmpp-s3-upload component --config FILE` as a real child process, the way systemd runs it: the settings and
 * both secrets from files, SIGHUP re-reading the secret files (logging in again only when the component
 * secret changed), the secret re-read on a 401, and SIGTERM ending it with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../e2e/support/run-dir.ts';
import { type FakeComponentServer, startFakeComponentServer } from './fake-component-server.ts';
import { ROTATED_SECRET, type ScriptedEndpoint, startScriptedEndpoint } from './scripted-endpoint.ts';

const CLI = resolve(import.meta.dirname, '../../bin/cli.ts');
const iq = (id: string) => `<iq type='get' id='${id}' from='alice@test/r' to='upload.test'><ping xmlns='urn:xmpp:ping'/></iq>`;

describe('xmpp-s3-upload component as a daemon', () => {
  let dir: string;
  let xmpp: FakeComponentServer;
  let endpoint: ScriptedEndpoint;
  let child: ChildProcess;
  let stdout = '';
  let stderr = '';
  const exited = { code: undefined as number | null | undefined };
  const lines = () =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const secretFile = (name: string, value: string) => {
    writeFileSync(join(dir, name), `${value}\n`);
    chmodSync(join(dir, name), 0o600);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-daemon-'));
    xmpp = await startFakeComponentServer('component-secret-1');
    endpoint = await startScriptedEndpoint();
    secretFile('slot-secret', 'slot-secret-1');
    secretFile('component-secret', 'component-secret-1');
    writeFileSync(
      join(dir, 'bridge.conf'),
      [
        '# as installed in /etc/xmpp-s3-upload/bridge.conf',
        'UPLOAD_COMPONENT_JID=upload.test',
        `UPLOAD_COMPONENT_SERVER=127.0.0.1:${xmpp.port}`,
        `UPLOAD_ENDPOINT=${endpoint.url}`,
        `UPLOAD_SECRET_FILE=${join(dir, 'slot-secret')}`,
        `UPLOAD_COMPONENT_SECRET_FILE=${join(dir, 'component-secret')}`,
      ].join('\n'),
    );
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('UPLOAD_')));
    child = spawn(process.execPath, ['--import', 'tsx', CLI, 'component', '--config', join(dir, 'bridge.conf')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => (exited.code = code));
    await waitFor('the bridge to log in', () => xmpp.online() === 1 || exited.code !== undefined, 20_000);
    if (exited.code !== undefined) throw new Error(`the bridge exited with ${exited.code}: ${stderr}`);
  }, 30_000);

  afterAll(async () => {
    if (exited.code === undefined) child?.kill('SIGKILL');
    await xmpp?.close();
    await endpoint?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hangup = async (expected: Record<string, unknown>) => {
    const before = lines().filter((line) => line.event === 'reload').length;
    child.kill('SIGHUP');
    await expect
      .poll(() =>
        lines()
          .filter((line) => line.event === 'reload')
          .slice(before),
      )
      .toEqual([expect.objectContaining(expected)]);
  };

  it('reads its settings and both secrets from the files', async () => {
    expect(await xmpp.request(iq('ok-1'), 'ok-1')).toContain('type="result"');
    expect(endpoint.secrets('ok-1')).toEqual(['slot-secret-1']);
  });

  it('re-reads the endpoint secret on SIGHUP without logging in again', async () => {
    secretFile('slot-secret', 'slot-secret-2');
    await hangup({ secret: 'changed', componentSecret: 'unchanged', reconnect: false });
    expect(await xmpp.request(iq('ok-2'), 'ok-2')).toContain('type="result"');
    expect(endpoint.secrets('ok-2')).toEqual(['slot-secret-2']);
    expect(xmpp.authenticated()).toBe(1);
  });

  it('logs in again with a changed component secret on SIGHUP', async () => {
    xmpp.setSecret('component-secret-2');
    secretFile('component-secret', 'component-secret-2');
    await hangup({ secret: 'unchanged', componentSecret: 'changed', reconnect: true });
    await expect.poll(() => xmpp.authenticated(), { timeout: 10_000 }).toBe(2);
    expect(await xmpp.request(iq('ok-3'), 'ok-3')).toContain('type="result"');
  });

  it('keeps the secrets in use when a file is empty on SIGHUP, and says so', async () => {
    secretFile('slot-secret', '');
    child.kill('SIGHUP');
    await expect
      .poll(() => lines().some((line) => line.event === 'error' && /slot-secret is empty; keeping/.test(String(line.message))))
      .toBe(true);
    expect(await xmpp.request(iq('ok-4'), 'ok-4')).toContain('type="result"');
    expect(endpoint.secrets('ok-4')).toEqual(['slot-secret-2']);
  });

  it('re-reads the endpoint secret file once when the endpoint answers 401', async () => {
    secretFile('slot-secret', ROTATED_SECRET);
    expect(await xmpp.request(iq('auth-1'), 'auth-1')).toContain('type="result"');
    expect(endpoint.secrets('auth-1')).toEqual(['slot-secret-2', ROTATED_SECRET]);
  });

  it('never prints a secret', () => {
    for (const secret of ['slot-secret-1', 'slot-secret-2', 'component-secret-1', 'component-secret-2', ROTATED_SECRET]) {
      expect(stdout + stderr).not.toContain(secret);
    }
  });

  it('exits 0 on SIGTERM', async () => {
    child.kill('SIGTERM');
    await expect.poll(() => exited.code, { timeout: 10_000 }).toBe(0);
  });
});
