/**
 * End to end with Debian's ejabberd 23.01: a real client, ejabberd (an `ejabberd_service` listener for the
 * upload host), the component bridge, the slot endpoint of the local stack, and the strict embedded S3; the
 * uploads also run through a second stack signing for Ceph RGW. Fails (never skips) when ejabberd or Ceph is
 * missing and cannot be installed.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, type BridgeLogLine, startBridge } from '../../component/bridge.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type EjabberdRun, prepareEjabberd } from './support/ejabberd.ts';
import { ensureXmppServers } from './support/install.ts';
import { type RgwStack, startRgwStack } from './support/rgw-stack.ts';
import { runDirCleanup, waitFor } from './support/run-dir.ts';
import { discoItems, NS_UPLOAD, slotRequest, summarise } from './support/upload-flow.ts';
import { type FlowContext, RGW_SERVICE_JID, SERVICE_JID, STACK_ENV, uploadFlowTests, uploadTests } from './support/upload-suite.ts';
import { login, type TestClient } from './support/xmpp-client.ts';

const COMPONENT_SECRET = randomBytes(12).toString('hex');

describe('ejabberd 23.01 with the component bridge', () => {
  let ejabberd: EjabberdRun;
  let stack: LocalStack;
  let bridge: Bridge | undefined;
  let rgwBridge: Bridge | undefined;
  let rgwStack: RgwStack | undefined;
  const logs: BridgeLogLine[] = [];
  const clients: TestClient[] = [];
  let context: FlowContext | undefined;
  const cleanup = runDirCleanup();

  const user = async (name: string, domain: string) => {
    const client = await login(ejabberd.c2sPort, domain, name, `${name}-password`);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    ensureXmppServers();
    stack = await startLocalStack({ env: STACK_ENV });
    rgwStack = await startRgwStack();
    ejabberd = await prepareEjabberd(COMPONENT_SECRET);
    await ejabberd.start();
    await ejabberd.register('alice', 'localhost', 'alice-password');
    await ejabberd.register('bob', 'other.localhost', 'bob-password');
    bridge = await startBridge({
      jid: SERVICE_JID,
      server: `127.0.0.1:${ejabberd.componentPort}`,
      componentSecret: COMPONENT_SECRET,
      endpoint: stack.endpoint,
      secret: stack.secret,
      reconnectDelayMs: 200,
      reconnectMaxDelayMs: 1000,
      log: (line) => logs.push(line),
    });
    await bridge.connected;
    rgwBridge = await startBridge({
      jid: RGW_SERVICE_JID,
      server: `127.0.0.1:${ejabberd.componentPort}`,
      componentSecret: COMPONENT_SECRET,
      endpoint: rgwStack.stack.endpoint,
      secret: rgwStack.stack.secret,
    });
    await rgwBridge.connected;
    context = { alice: await user('alice', 'localhost'), bob: await user('bob', 'other.localhost') };
  }, 600_000);

  afterAll(async () => {
    for (const client of clients) await client.stop();
    await bridge?.stop();
    await rgwBridge?.stop();
    await ejabberd?.stop();
    cleanup(ejabberd?.runDir, context !== undefined);
    await stack?.close();
    await rgwStack?.close();
  });

  const ctx = () => {
    if (!context) throw new Error('beforeAll did not finish');
    return context;
  };

  uploadFlowTests('localhost', ctx);
  uploadTests(RGW_SERVICE_JID, 'Ceph RGW (with session-token URLs)', ctx);

  it('lets a second bridge with the same JID in, and both report the twin (ejabberd shares the stanzas)', async () => {
    const twinLogs: BridgeLogLine[] = [];
    const twin = await startBridge({
      jid: SERVICE_JID,
      server: `127.0.0.1:${ejabberd.componentPort}`,
      componentSecret: COMPONENT_SECRET,
      endpoint: stack.endpoint,
      secret: stack.secret,
      log: (line) => twinLogs.push(line),
    });
    try {
      await twin.connected;
      await waitFor(
        'both bridges to report the twin',
        () => [logs, twinLogs].every((l) => l.some((line) => line.event === 'twin')),
        15_000,
      );
      expect(twinLogs.find((line) => line.event === 'twin')).toMatchObject({
        message: expect.stringContaining(`another component is connected as ${SERVICE_JID}`),
      });
    } finally {
      await twin.stop();
    }
  }, 30_000);

  it('grants slots again after ejabberd restarts and the bridge reconnects', async () => {
    for (const client of clients.splice(0)) await client.stop();
    await ejabberd.stop();
    await ejabberd.start();
    const alice = await user('alice', 'localhost');
    let last = '';
    await waitFor(
      'a slot after the restart',
      async () => {
        // ejabberd lists the component in disco#items only while it is connected.
        if (!(await discoItems(alice, 'localhost')).includes(SERVICE_JID)) return false;
        last = summarise(
          await alice.iq('get', SERVICE_JID, slotRequest(NS_UPLOAD, { filename: 'after.txt', size: 3, contentType: 'text/plain' })),
        );
        return last === `result slot ${NS_UPLOAD}`;
      },
      30_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last reply: ${last}`);
    });
    expect(bridge?.status()).toBe('online');
  }, 90_000);
});
