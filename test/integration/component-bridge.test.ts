/**
 * The component bridge against a fake XEP-0114 server and a fake slot endpoint with canned answers; the real
 * servers and the real endpoint are covered by test/e2e/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bridge, type BridgeLogLine, startBridge } from '../../component/bridge.ts';
import { type FakeComponentServer, startFakeComponentServer } from './fake-component-server.ts';

const COMPONENT_SECRET = 'component-secret-1';
const SECRET = 'endpoint-secret-1';

interface Seen {
  readonly authorization?: string;
  readonly contentType?: string;
  readonly path?: string;
  readonly body: string;
}

/** Canned answers chosen by the IQ id's prefix. */
function answer(id: string, body: string, res: ServerResponse): void {
  const kind = id.split('-')[0];
  const xmppReply = (reply: string) => res.writeHead(200, { 'content-type': 'application/xmpp+xml' }).end(reply);
  if (kind === 'ok')
    return void xmppReply(`<iq xmlns='jabber:client' type='result' id='${id}' from='upload.test' to='alice@test/r'><pong/></iq>`);
  if (kind === 'none') return void res.writeHead(202).end();
  if (kind === 'bad') return void xmppReply('this is not xml <');
  if (kind === 'wrongid') return void xmppReply(`<iq type='result' id='other' to='alice@test/r'/>`);
  if (kind === 'slow') return void setTimeout(() => xmppReply(body), 3000).unref();
  res.writeHead(Number(kind)).end('{"error":{}}');
}

describe('startBridge', () => {
  let xmpp: FakeComponentServer;
  let http: Server;
  let endpoint: string;
  let bridge: Bridge;
  const seen: Seen[] = [];
  const logs: BridgeLogLine[] = [];

  beforeAll(async () => {
    xmpp = await startFakeComponentServer(COMPONENT_SECRET);
    http = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], path: req.url, body });
        answer(/id="([^"]+)"/.exec(body)?.[1] ?? '', body, res);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const address = http.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    bridge = await startBridge({
      jid: 'upload.test',
      server: `127.0.0.1:${xmpp.port}`,
      componentSecret: COMPONENT_SECRET,
      endpoint,
      secret: SECRET,
      timeoutMs: 300,
      reconnectDelayMs: 50,
      reconnectMaxDelayMs: 200,
      log: (line) => logs.push(line),
    });
    await bridge.connected;
  });

  afterAll(async () => {
    await bridge?.stop();
    await xmpp?.close();
    http?.closeAllConnections();
    await new Promise((resolve) => http?.close(resolve));
  });

  const iq = (id: string, type = 'get') =>
    `<iq type='${type}' id='${id}' from='alice@test/r' to='upload.test'><ping xmlns='urn:xmpp:ping'/></iq>`;

  it('posts the stanza to <endpoint>/xmpp with the bearer secret and relays the reply', async () => {
    const reply = await xmpp.request(iq('ok-1'), 'ok-1');
    expect(reply).toBe('<iq type="result" id="ok-1" from="upload.test" to="alice@test/r"><pong/></iq>');
    const request = seen.find((s) => s.body.includes('ok-1'));
    expect(request).toEqual({
      authorization: `Bearer ${SECRET}`,
      contentType: 'application/xmpp+xml',
      path: '/xmpp',
      body: '<iq type="get" id="ok-1" from="alice@test/r" to="upload.test"><ping xmlns="urn:xmpp:ping"/></iq>',
    });
  });

  it.each([
    ['500', 'unavailable:server-error'],
    ['401', 'unavailable:unauthorized'],
    ['400', 'unavailable:rejected'],
    ['slow', 'unavailable:timeout'],
    ['bad', 'unavailable:bad-reply'],
    ['wrongid', 'unavailable:bad-reply'],
  ])('answers wait/service-unavailable when the endpoint answers %s', async (kind, outcome) => {
    const id = `${kind}-2`;
    const reply = await xmpp.request(iq(id), id);
    expect(reply).toMatch(
      new RegExp(
        `^<iq type="error" id="${id}" to="alice@test/r" from="upload.test"><error type="wait"><service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/><text [^>]+>[^<]+</text></error></iq>$`,
      ),
    );
    expect(reply).not.toContain(SECRET);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'iq', id, from: 'alice@test/r', outcome }));
  });

  it('sends nothing back when the endpoint answers 202', async () => {
    xmpp.push(iq('none-3', 'set'));
    await xmpp.request(iq('ok-3'), 'ok-3');
    await expect.poll(() => logs.some((line) => line.event === 'iq' && line.id === 'none-3')).toBe(true);
    expect(xmpp.output()).not.toContain('none-3');
    expect(logs).toContainEqual(expect.objectContaining({ id: 'none-3', outcome: 'no-reply', status: 202 }));
  });

  it('forwards neither IQ results and errors nor messages', async () => {
    const before = seen.length;
    xmpp.push("<iq type='result' id='ok-r' from='alice@test/r' to='upload.test'/>");
    xmpp.push("<message id='ok-m' from='alice@test/r' to='upload.test'><body>hi</body></message>");
    await xmpp.request(iq('ok-4'), 'ok-4');
    expect(seen.slice(before).map((s) => /id="([^"]+)"/.exec(s.body)?.[1])).toEqual(['ok-4']);
  });

  it('reconnects after the server drops the connection', async () => {
    const before = xmpp.authenticated();
    xmpp.drop();
    await expect.poll(() => xmpp.authenticated(), { timeout: 5000 }).toBe(before + 1);
    expect(await xmpp.request(iq('ok-5'), 'ok-5')).toContain('<pong/>');
  });

  it('never logs the secrets', () => {
    const text = JSON.stringify(logs);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(COMPONENT_SECRET);
  });

  it('rejects connected when the server refuses the component secret', async () => {
    const wrong = await startBridge({
      jid: 'upload.test',
      server: `127.0.0.1:${xmpp.port}`,
      componentSecret: 'wrong',
      endpoint,
      secret: SECRET,
    });
    await expect(wrong.connected).rejects.toThrow(/not-authorized/);
    await wrong.stop();
  });
});
