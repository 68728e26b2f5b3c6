/** `xmpp-s3-upload component` against the fake XEP-0114 server: flags, environment and exit codes. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runComponent } from '../../bin/component-command.ts';
import type { BridgeLogLine } from '../../component/bridge.ts';
import { type FakeComponentServer, startFakeComponentServer } from './fake-component-server.ts';

describe('runComponent', () => {
  let xmpp: FakeComponentServer;
  beforeAll(async () => {
    xmpp = await startFakeComponentServer('component-secret-2');
  });
  afterAll(async () => {
    await xmpp?.close();
  });
  /** A bridge the fake server accepts, pointing at an endpoint that is down. */
  const onlineEnv = () => ({
    UPLOAD_COMPONENT_JID: 'upload.test',
    UPLOAD_COMPONENT_SERVER: `127.0.0.1:${xmpp.port}`,
    UPLOAD_COMPONENT_SECRET: 'component-secret-2',
    UPLOAD_ENDPOINT: 'http://127.0.0.1:9',
    UPLOAD_SECRET: 'endpoint-secret-2',
  });
  const quiet = () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'log').mockImplementation(() => {});
  };

  it('prints help with examples and exits 0', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await runComponent(['--help'], {})).toBe(0);
    expect(log.mock.calls.join('\n')).toMatch(/Examples:[\s\S]*--jid upload\.example\.org/);
    log.mockRestore();
  });

  it.each([
    [['--server', '127.0.0.1:5347', '--component-secret', 'x', '--secret', 's'], /no --jid/],
    [['--jid', 'upload.test', '--server', 'nohost', '--component-secret', 'x', '--secret', 's'], /HOST:PORT/],
    [['--jid', 'upload.test', '--server', '127.0.0.1:5347', '--secret', 's'], /no component secret: set UPLOAD_COMPONENT_SECRET_FILE/],
    [
      ['--jid', 'upload.test', '--server', '127.0.0.1:5347', '--component-secret', 'x', '--secret', 's', '--endpoint', 'ftp://x'],
      /http\(s\) URL/,
    ],
    [['--bogus'], /bogus/],
    [['--config', '/nonexistent/bridge.conf'], /cannot read --config \/nonexistent\/bridge\.conf \(ENOENT\)/],
    [
      ['--jid', 'upload.test', '--server', '127.0.0.1:5347', '--component-secret-file', '/nonexistent/c'],
      /cannot read \/nonexistent\/c \(ENOENT\)/,
    ],
  ])('exits 2 on a usage error (%j)', async (argv, message) => {
    quiet();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runComponent(argv, {})).toBe(2);
    expect(error.mock.calls.join('\n')).toMatch(message);
    vi.restoreAllMocks();
  });

  it('exits 1 when the XMPP server refuses the component secret', async () => {
    quiet();
    const env = {
      UPLOAD_COMPONENT_JID: 'upload.test',
      UPLOAD_COMPONENT_SERVER: `127.0.0.1:${xmpp.port}`,
      UPLOAD_COMPONENT_SECRET: 'wrong',
      UPLOAD_SECRET: 's',
    };
    expect(await runComponent([], env, { log: () => {} })).toBe(1);
    vi.restoreAllMocks();
  });

  it('runs from the environment until stopped, then exits 0', async () => {
    const lines: BridgeLogLine[] = [];
    const stop = new AbortController();
    const env = onlineEnv();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const running = runComponent([], env, { signal: stop.signal, log: (line) => lines.push(line) });
    await expect.poll(() => lines.some((line) => line.event === 'connection' && line.status === 'online')).toBe(true);
    stop.abort();
    expect(await running).toBe(0);
    expect(error.mock.calls.join('\n')).toMatch(/warning: cannot reach http:\/\/127\.0\.0\.1:9/);
    vi.restoreAllMocks();
  });

  it('exits 1 when another connection takes the JID after login', async () => {
    const lines: BridgeLogLine[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const env = onlineEnv();
    const running = runComponent([], env, { log: (line) => lines.push(line) });
    await expect.poll(() => lines.some((line) => line.event === 'connection' && line.status === 'online')).toBe(true);
    xmpp.streamError('conflict', 'Replaced by a new connection');
    expect(await running).toBe(1);
    expect(error.mock.calls.join('\n')).toMatch(/another connection logged in with this JID/);
    vi.restoreAllMocks();
  });
});
