/**
 * End to end with Debian's Prosody 0.12: a real client, Prosody, the component bridge, the slot endpoint of
 * the local stack, and the strict embedded S3; the uploads also run through a second stack signing for Ceph RGW.
 * Fails (never skips) when Prosody or Ceph is missing and cannot be installed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, type BridgeLogLine, startBridge } from '../../component/bridge.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { ensureXmppServers } from './support/install.ts';
import { type ProsodyRun, prepareProsody } from './support/prosody.ts';
import { type RgwStack, startRgwStack } from './support/rgw-stack.ts';
import { freePort, runDirCleanup, waitFor } from './support/run-dir.ts';
import { NS_UPLOAD, slotRequest, summarise } from './support/upload-flow.ts';
import { type FlowContext, RGW_SERVICE_JID, SERVICE_JID, STACK_ENV, uploadFlowTests, uploadTests } from './support/upload-suite.ts';
import { login, type TestClient } from './support/xmpp-client.ts';

const COMPONENT_SECRET = randomBytes(12).toString('hex');
const RECONNECT = { reconnectDelayMs: 200, reconnectMaxDelayMs: 1000 };

describe('Prosody 0.12 with the component bridge', () => {
  let prosody: ProsodyRun;
  let stack: LocalStack;
  let rgwStack: RgwStack | undefined;
  const bridges: Bridge[] = [];
  const clients: TestClient[] = [];
  const logs: BridgeLogLine[] = [];
  let context: FlowContext | undefined;
  const cleanup = runDirCleanup();

  const connect = async (jid: string, endpoint: string, secret: string) => {
    const bridge = await startBridge({
      jid,
      server: `127.0.0.1:${prosody.componentPort}`,
      componentSecret: COMPONENT_SECRET,
      endpoint,
      secret,
      ...RECONNECT,
      log: (line) => logs.push(line),
    });
    bridges.push(bridge);
    await bridge.connected;
    return bridge;
  };
  const user = async (name: string, domain: string) => {
    const client = await login(prosody.c2sPort, domain, name, `${name}-password`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    ensureXmppServers();
    stack = await startLocalStack({ env: STACK_ENV });
    rgwStack = await startRgwStack();
    prosody = await prepareProsody(COMPONENT_SECRET);
    prosody.register('alice', 'localhost', 'alice-password');
    prosody.register('bob', 'other.localhost', 'bob-password');
    await prosody.start();
    await connect(SERVICE_JID, stack.endpoint, stack.secret);
    await connect(RGW_SERVICE_JID, rgwStack.stack.endpoint, rgwStack.stack.secret);
    await connect('unreachable.localhost', `http://127.0.0.1:${await freePort()}`, stack.secret);
    await connect('misconfigured.localhost', stack.endpoint, 'not-the-secret');
    context = { alice: await user('alice', 'localhost'), bob: await user('bob', 'other.localhost') };
  }, 600_000);

  afterAll(async () => {
    for (const client of clients) await client.stop();
    for (const bridge of bridges) await bridge.stop();
    await prosody?.stop();
    cleanup(prosody?.runDir, context !== undefined);
    await stack?.close();
    await rgwStack?.close();
  });

  const ctx = () => {
    if (!context) throw new Error('beforeAll did not finish');
    return context;
  };

  uploadFlowTests('localhost', ctx);
  uploadTests(RGW_SERVICE_JID, 'Ceph RGW (with session-token URLs)', ctx);

  it.each([
    ['refuses connections', 'unreachable.localhost'],
    ['rejects the bridge secret', 'misconfigured.localhost'],
  ])('answers wait/service-unavailable itself when the endpoint %s', async (_why, jid) => {
    const reply = await ctx().alice.iq('get', jid, slotRequest(NS_UPLOAD, { filename: 'a.txt', size: 1 }));
    expect(summarise(reply)).toBe('error wait service-unavailable');
    expect(reply.toString()).not.toContain(stack.secret);
  });

  it('logs one line per IQ with from, outcome and ms, and never the secrets', () => {
    const iqs = logs.filter((line) => line.event === 'iq');
    expect(iqs.length).toBeGreaterThan(5);
    expect(iqs.every((line) => typeof line.from === 'string' && typeof line.outcome === 'string' && typeof line.ms === 'number')).toBe(
      true,
    );
    expect(iqs.map((line) => line.outcome)).toEqual(
      expect.arrayContaining(['result', 'error', 'unavailable:unreachable', 'unavailable:unauthorized']),
    );
    const text = JSON.stringify(logs);
    expect(text).not.toContain(stack.secret);
    expect(text).not.toContain(COMPONENT_SECRET);
  });

  it('refuses a second bridge with the same JID, which reports the conflict (Prosody: kick_new)', async () => {
    const second = await startBridge({
      jid: SERVICE_JID,
      server: `127.0.0.1:${prosody.componentPort}`,
      componentSecret: COMPONENT_SECRET,
      endpoint: stack.endpoint,
      secret: stack.secret,
      ...RECONNECT,
    });
    await expect(second.connected).rejects.toThrow(
      `refused component ${SERVICE_JID}: conflict (another component is already connected with this JID: stop it first)`,
    );
    await second.stop();
    expect(bridges[0]?.status()).toBe('online');
  });

  it('grants slots again after Prosody restarts and the bridge reconnects', async () => {
    for (const client of clients.splice(0)) await client.stop();
    await prosody.stop();
    await prosody.start();
    const alice = await user('alice', 'localhost');
    let last = '';
    await waitFor(
      'a slot after the restart',
      async () => {
        const reply = await alice.iq(
          'get',
          SERVICE_JID,
          slotRequest(NS_UPLOAD, { filename: 'after.txt', size: 3, contentType: 'text/plain' }),
        );
        last = summarise(reply);
        return last === `result slot ${NS_UPLOAD}`;
      },
      30_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last reply: ${last}`);
    });
    expect(bridges[0]?.status()).toBe('online');
    expect(logs.filter((line) => line.event === 'connection' && line.status === 'reconnecting').length).toBeGreaterThan(0);
  }, 60_000);
});
