/**
 * Every slot request gets an answer even when the quota store accepts connections and never
 * answers: Prosody 0.12's HTTP client (mod_rest) has no timeout, so an endpoint that hangs leaves
 * the client's IQ unanswered for good. The Lambda's wiring (keep-alive DynamoDB client, quota
 * deadlines of lambda/adapters/quota-deadline.ts) runs against a TCP server that holds every
 * connection open in silence; the routes are served over real HTTP. No timing is asserted here
 * (the bound is the budgets' sum, docs/architecture.md "Decisions"), only that the answer comes
 * and says what happened.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_DYNAMO_CREDENTIALS } from '../../lambda/adapters/dynamo-client.ts';
import { wireSlotService } from '../../lambda/adapters/wire-slot-service.ts';
import { parseConfig } from '../../lambda/core/config.ts';
import { createRoutes } from '../../lambda/http/routes.ts';
import { type ServedRoutes, serveRoutes } from '../../local/serve-routes.ts';

const SECRET = 'answer-bound-secret-0123456789ab';
let silent: Server;
const sockets: Socket[] = [];
let served: ServedRoutes;

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const config = parseConfig({ domains: ['example.org'] });
  const { requestSlot } = wireSlotService({
    config,
    region: 'us-east-1',
    bucket: 'bucket',
    tableName: 'table',
    s3Credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    dynamoEndpoint: `http://127.0.0.1:${address.port}`,
    dynamoCredentials: LOCAL_DYNAMO_CREDENTIALS,
  });
  served = await serveRoutes(createRoutes({ config, secret: SECRET, requestSlot, now: () => new Date() }), 0);
});

afterAll(async () => {
  await served?.close();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

describe('a quota store that never answers', () => {
  it('an IQ posted as mod_rest posts it gets wait/internal-server-error, as a stanza', async () => {
    const iq =
      "<iq id='h1' type='get' to='upload.example.org' from='alice@example.org/phone'><request xmlns='urn:xmpp:http:upload:0' filename='a.jpg' size='10'/></iq>";

    const response = await fetch(`${served.url}/xmpp/${SECRET}`, {
      method: 'POST',
      headers: { 'content-type': 'application/xmpp+xml' },
      body: iq,
    });
    const body = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/xmpp+xml');
    expect(body).toMatch(/<error type="wait"><internal-server-error xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"\/>/);
    expect(sockets.length).toBeGreaterThan(0);
  });

  it("ejabberd's service_url call gets 503 (service-unavailable) with a text", async () => {
    const response = await fetch(`${served.url}/ejabberd/${SECRET}?jid=alice%40example.org&name=a.jpg&size=10&content_type=image%2Fjpeg`);

    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/\S/);
  });
});
