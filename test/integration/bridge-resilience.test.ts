/**
 * What the bridge does when the endpoint or the XMPP server misbehaves: one retry for the failures a retry
 * can fix, a deadline, a bound on requests in flight, the disco cache, the secret re-read on a 401, a
 * conflict and a second connection with the same JID. Real sockets: the fake XEP-0114 server and a scripted
 * HTTP endpoint on 127.0.0.1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, type BridgeLogLine, type BridgeOptions, startBridge } from '../../component/bridge.ts';
import { freePort } from '../e2e/support/run-dir.ts';
import { type FakeComponentServer, type FakeServerOptions, startFakeComponentServer } from './fake-component-server.ts';
import { ROTATED_SECRET, type ScriptedEndpoint, startScriptedEndpoint } from './scripted-endpoint.ts';

const COMPONENT_SECRET = 'component-secret-r';
const iq = (id: string, payload = "<ping xmlns='urn:xmpp:ping'/>") =>
  `<iq type='get' id='${id}' from='alice@test/r' to='upload.test'>${payload}</iq>`;
const DISCO_INFO = "<query xmlns='http://jabber.org/protocol/disco#info'/>";

describe('startBridge under faults', () => {
  let endpoint: ScriptedEndpoint;
  const running: Array<{ bridge: Bridge; xmpp: FakeComponentServer }> = [];
  let logs: BridgeLogLine[] = [];

  beforeAll(async () => {
    endpoint = await startScriptedEndpoint();
  });
  afterEach(async () => {
    for (const { bridge, xmpp } of running.splice(0)) {
      await bridge.stop();
      await xmpp.close();
    }
    logs = [];
  });
  afterAll(async () => {
    await endpoint?.close();
  });

  const start = async (over: Partial<BridgeOptions> = {}, serverOptions: FakeServerOptions = {}) => {
    const xmpp = await startFakeComponentServer(COMPONENT_SECRET, serverOptions);
    const bridge = await startBridge({
      jid: 'upload.test',
      server: `127.0.0.1:${xmpp.port}`,
      componentSecret: COMPONENT_SECRET,
      endpoint: endpoint.url,
      secret: 'endpoint-secret-r',
      timeoutMs: 3000,
      reconnectDelayMs: 50,
      twinProbe: { count: 8, waitMs: 200 },
      log: (line) => logs.push(line),
      ...over,
    });
    await bridge.connected;
    running.push({ bridge, xmpp });
    return { bridge, xmpp };
  };
  const lineOf = (id: string) => logs.find((line) => line.event === 'iq' && line.id === id);
  const waitForLine = (id: string) => expect.poll(() => lineOf(id)).toBeDefined();

  it.each([
    ['r503-1', 'HTTP 503', 'a 503 with Retry-After: 0'],
    ['r502-1', 'HTTP 502', 'a 502 without Retry-After'],
    ['reset-1', 'ECONNRESET', 'a connection reset before the answer'],
  ])('retries %s once and relays the second answer (%s, %s)', async (id, cause) => {
    const { xmpp } = await start();
    expect(await xmpp.request(iq(id), id)).toContain('type="result"');
    expect(endpoint.posts(id)).toBe(2);
    await waitForLine(id);
    expect(lineOf(id)).toMatchObject({ outcome: 'result', attempts: 2, cause: `retried after ${cause}` });
  });

  it.each([
    ['r503long-1', 'unavailable:server-error', 'HTTP 503; not retried: Retry-After 5 is over 2 s'],
    ['e500-1', 'unavailable:server-error', 'HTTP 500'],
    ['hang-1', 'unavailable:timeout', 'no answer within 300 ms'],
  ])('does not retry %s: answers %s with the cause', async (id, outcome, cause) => {
    const { xmpp } = await start({ timeoutMs: 300 });
    expect(await xmpp.request(iq(id), id)).toContain('<service-unavailable');
    expect(endpoint.posts(id)).toBe(1);
    await waitForLine(id);
    expect(lineOf(id)).toMatchObject({ outcome, cause });
  });

  it('does not retry a refused connection to an endpoint that never answered', async () => {
    const { xmpp } = await start({ endpoint: `http://127.0.0.1:${await freePort()}` });
    expect(await xmpp.request(iq('never-1'), 'never-1')).toContain('<service-unavailable');
    await waitForLine('never-1');
    expect(lineOf('never-1')).toMatchObject({
      outcome: 'unavailable:unreachable',
      cause: 'ECONNREFUSED; not retried: the endpoint never answered this bridge',
    });
  });

  it('retries a refused connection once when the endpoint answered before (a restart)', async () => {
    const restarting = await startScriptedEndpoint();
    const { xmpp } = await start({ endpoint: restarting.url });
    expect(await xmpp.request(iq('ok-before'), 'ok-before')).toContain('type="result"');
    await restarting.close();
    expect(await xmpp.request(iq('gone-1'), 'gone-1')).toContain('<service-unavailable');
    await waitForLine('gone-1');
    expect(lineOf('gone-1')).toMatchObject({
      outcome: 'unavailable:unreachable',
      attempts: 2,
      cause: expect.stringMatching(/^ECONNREFUSED; retried after ECONN(REFUSED|RESET)$/),
    });
  });

  it('re-reads the secret once on a 401 and retries with the new one', async () => {
    let reads = 0;
    const reloadSecret = async () => {
      reads += 1;
      return ROTATED_SECRET;
    };
    const { xmpp } = await start({ secret: 'old-secret', reloadSecret });
    expect(await xmpp.request(iq('auth-1'), 'auth-1')).toContain('type="result"');
    expect(await xmpp.request(iq('auth-2'), 'auth-2')).toContain('type="result"');
    expect(endpoint.secrets('auth-1')).toEqual(['old-secret', ROTATED_SECRET]);
    expect(endpoint.secrets('auth-2')).toEqual([ROTATED_SECRET]);
    expect(reads).toBe(1);
  });

  it('answers unauthorized when the re-read secret is the same', async () => {
    const { xmpp } = await start({ secret: 'old-secret', reloadSecret: async () => 'old-secret' });
    expect(await xmpp.request(iq('auth-3'), 'auth-3')).toContain('<service-unavailable');
    expect(endpoint.posts('auth-3')).toBe(1);
  });

  it('answers wait/resource-constraint at once beyond maxInFlight', async () => {
    const { xmpp } = await start({ maxInFlight: 2 });
    const held = [xmpp.request(iq('hold-1'), 'hold-1'), xmpp.request(iq('hold-2'), 'hold-2')];
    await expect.poll(() => endpoint.posts('hold-2')).toBe(1);
    const busy = await xmpp.request(iq('hold-3'), 'hold-3');
    expect(busy).toMatch(/<error type="wait"><resource-constraint xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/);
    expect(endpoint.posts('hold-3')).toBe(0);
    endpoint.release();
    for (const reply of await Promise.all(held)) expect(reply).toContain('type="result"');
    await waitForLine('hold-3');
    expect(lineOf('hold-3')).toMatchObject({ outcome: 'busy', cause: '2 requests in flight, the most allowed' });
  });

  it('answers disco#info from its cache until the cache time is over, and never caches errors', async () => {
    let now = 0;
    const { xmpp } = await start({ discoCacheMs: 60_000, now: () => now });
    await xmpp.request(iq('discoerr-1', DISCO_INFO), 'discoerr-1');
    await xmpp.request(iq('discoerr-2', DISCO_INFO), 'discoerr-2');
    expect(endpoint.posts('discoerr-2')).toBe(1);
    await xmpp.request(iq('disco-1', DISCO_INFO), 'disco-1');
    const cached = await xmpp.request(iq('disco-2', DISCO_INFO), 'disco-2');
    expect(cached).toMatch(
      /^<iq type="result" id="disco-2" to="alice@test\/r" from="upload.test"><query xmlns="http:\/\/jabber.org\/protocol\/disco#info">/,
    );
    expect(endpoint.posts('disco-2')).toBe(0);
    now = 60_001;
    await xmpp.request(iq('disco-3', DISCO_INFO), 'disco-3');
    expect(endpoint.posts('disco-3')).toBe(1);
  });

  it('stops for good when another connection takes its JID after login (conflict)', async () => {
    const { bridge, xmpp } = await start();
    xmpp.streamError('conflict', 'Replaced by a new connection');
    const ended = await bridge.ended;
    expect(ended.message).toMatch(/another connection logged in with this JID; stopping/);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'error', condition: 'conflict' }));
    expect(xmpp.authenticated()).toBe(1);
  });

  it('reports a second connection with the same JID that the server lets in', async () => {
    const { xmpp } = await start({}, { twins: true });
    const twin = await startBridge({
      jid: 'upload.test',
      server: `127.0.0.1:${xmpp.port}`,
      componentSecret: COMPONENT_SECRET,
      endpoint: endpoint.url,
      secret: 's',
      twinProbe: { count: 8, waitMs: 200 },
      log: (line) => logs.push(line),
    });
    running.push({ bridge: twin, xmpp });
    await twin.connected;
    await expect.poll(() => logs.filter((line) => line.event === 'twin').length).toBeGreaterThanOrEqual(2);
    expect(logs.find((line) => line.event === 'twin')).toMatchObject({
      message: expect.stringMatching(/another component is connected as upload\.test/),
    });
  });

  it('reports no twin when it is alone', async () => {
    const { xmpp } = await start();
    await expect.poll(() => (xmpp.output().match(/<message /g) ?? []).length).toBe(8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logs.filter((line) => line.event === 'twin')).toEqual([]);
  });

  it('logs in again only when the component secret changed', async () => {
    const { bridge, xmpp } = await start();
    bridge.updateSecrets({ secret: ROTATED_SECRET, componentSecret: COMPONENT_SECRET });
    expect(await xmpp.request(iq('auth-4'), 'auth-4')).toContain('type="result"');
    expect(endpoint.secrets('auth-4')).toEqual([ROTATED_SECRET]);
    expect(xmpp.authenticated()).toBe(1);
    xmpp.setSecret('component-secret-new');
    bridge.updateSecrets({ componentSecret: 'component-secret-new' });
    await expect.poll(() => xmpp.authenticated()).toBe(2);
    expect(logs.filter((line) => line.event === 'reload')).toEqual([
      { event: 'reload', secret: 'changed', componentSecret: 'unchanged', reconnect: false },
      { event: 'reload', secret: 'unchanged', componentSecret: 'changed', reconnect: true },
    ]);
  });
});
