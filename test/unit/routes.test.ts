import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/core/config.ts';
import { SlotError } from '../../lambda/core/errors.ts';
import type { SlotService } from '../../lambda/core/slot-service.ts';
import { createRoutes, type RequestRecord } from '../../lambda/http/routes.ts';

const SECRET = 'test-secret-0123456789';
const NOW = new Date('2026-11-22T12:00:00Z');
const config = parseConfig({ domains: ['localhost'], maxFileSizeBytes: 1000 });

const granting: SlotService = async (raw) => ({
  key: `uploads/u/${String(raw.filename)}`,
  sizeBytes: Number(raw.size),
  put: { url: 'https://s3.example/put?X-Amz-Signature=x', headers: { 'Content-Length': String(raw.size) } },
  get: { url: 'https://s3.example/get' },
  expiresAt: new Date(NOW.getTime() + 300_000),
  slotId: '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21',
  jid: String(raw.from).split('/')[0] ?? '',
  contentType: typeof raw.contentType === 'string' ? raw.contentType : undefined,
  grantedAt: NOW,
  purpose: 'message',
});

function setup(requestSlot: SlotService = granting) {
  const logs: RequestRecord[] = [];
  const routes = createRoutes({ config, secret: SECRET, requestSlot, now: () => NOW, log: (r) => logs.push(r) });
  return { routes, logs };
}

const auth = { authorization: `Bearer ${SECRET}` };
const json = (body: unknown, headers: Record<string, string> = auth) =>
  new Request('http://x/v1/slots', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const stanza = (xml: string, path = '/xmpp', headers: Record<string, string> = auth) =>
  new Request(`http://x${path}`, { method: 'POST', headers: { 'content-type': 'application/xmpp+xml', ...headers }, body: xml });

const slotIq = `<iq type='get' id='s1' from='alice@localhost/res' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='a.txt' size='12' content-type='text/plain'/></iq>`;

describe('GET /healthz', () => {
  it('answers 200 without a secret', async () => {
    const { routes } = setup();

    const response = await routes(new Request('http://x/healthz'));

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok\n');
  });
});

describe('the shared secret', () => {
  it.each([
    ['no header', {}],
    ['a wrong secret', { authorization: 'Bearer wrong-secret-0123456789' }],
    ['a prefix of the secret', { authorization: `Bearer ${SECRET.slice(0, -1)}` }],
    ['basic auth', { authorization: `Basic ${SECRET}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    const { routes, logs } = setup();

    const response = await routes(json({ jid: 'alice@localhost', filename: 'a', size: 1 }, headers));

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect((await response.json()).error.condition).toBe('unauthorized');
    expect(logs[0]).toMatchObject({ route: 'POST /v1/slots', status: 401, outcome: 'unauthorized' });
  });

  it('accepts the secret in the path for /xmpp/<secret>, and never logs it', async () => {
    const { routes, logs } = setup();

    const response = await routes(stanza(slotIq, `/xmpp/${SECRET}`, {}));

    expect(response.status).toBe(200);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    expect(logs[0]?.route).toBe('POST /xmpp/:secret');
  });

  it('accepts the previous secret too (rotation), in the header and in the path', async () => {
    const previous = 'previous-secret-0123456789';
    const routes = createRoutes({ config, secret: SECRET, previousSecret: previous, requestSlot: granting, now: () => NOW });

    const header = await routes(json({ jid: 'alice@localhost', filename: 'a', size: 1 }, { authorization: `Bearer ${previous}` }));
    const path = await routes(stanza(slotIq, `/xmpp/${previous}`, {}));
    const current = await routes(json({ jid: 'alice@localhost', filename: 'a', size: 1 }));
    const other = await routes(
      json({ jid: 'alice@localhost', filename: 'a', size: 1 }, { authorization: 'Bearer other-secret-0123456789' }),
    );

    expect([header.status, path.status, current.status, other.status]).toEqual([201, 200, 201, 401]);
  });

  it('refuses a previous secret shorter than 16 characters at start', () => {
    expect(() => createRoutes({ config, secret: SECRET, previousSecret: 'short', requestSlot: granting, now: () => NOW })).toThrow(
      /at least 16 characters/,
    );
  });

  it('refuses a wrong path secret', async () => {
    const { routes } = setup();

    expect((await routes(stanza(slotIq, '/xmpp/nope', {}))).status).toBe(401);
  });
});

describe('POST /v1/slots', () => {
  it('answers 201 with the slot', async () => {
    const { routes, logs } = setup();

    const response = await routes(json({ jid: 'alice@localhost/phone', filename: 'a.txt', size: 12, contentType: 'text/plain' }));

    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({
      put: { url: 'https://s3.example/put?X-Amz-Signature=x', headers: { 'Content-Length': '12' } },
      get: { url: 'https://s3.example/get' },
      key: 'uploads/u/a.txt',
      expiresAt: '2026-11-22T12:05:00.000Z',
      purpose: 'message',
    });
    expect(logs[0]).toMatchObject({
      status: 201,
      outcome: 'granted',
      jid: 'alice@localhost',
      sizeBytes: 12,
      key: 'uploads/u/a.txt',
      slotId: '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21',
      contentType: 'text/plain',
      grantedAt: '2026-11-22T12:00:00.000Z',
      putExpiresAt: '2026-11-22T12:05:00.000Z',
      purpose: 'message',
    });
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['an array', '[]', 'JSON object'],
    ['an unknown field', '{"jid":"a@localhost","filename":"a","size":1,"type":"x"}', 'Unknown field(s): type'],
    ['a missing jid', '{"filename":"a","size":1}', '"jid"'],
    ['a numeric contentType', '{"jid":"a@localhost","filename":"a","size":1,"contentType":5}', '"contentType"'],
  ])('answers 400 bad-request for %s', async (_name, body, text) => {
    const { routes } = setup();

    const response = await routes(
      new Request('http://x/v1/slots', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body }),
    );

    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error).toMatchObject({ condition: 'bad-request', type: 'modify' });
    expect(error.text).toContain(text);
  });

  it.each([
    ['file-too-large', new SlotError('file-too-large', 'too big', { maxFileSizeBytes: 1000 }), 413, { maxFileSize: 1000 }],
    ['type-not-allowed', new SlotError('type-not-allowed', 'no'), 415, {}],
    ['not-allowed', new SlotError('not-allowed', 'no'), 403, {}],
    ['store-unavailable', new SlotError('store-unavailable', 'later'), 503, {}],
    ['an unexpected failure', new Error('db password is hunter2'), 500, {}],
  ])('maps %s to its status', async (_name, thrown, status, extra) => {
    const { routes } = setup(async () => {
      throw thrown;
    });

    const response = await routes(json({ jid: 'alice@localhost', filename: 'a', size: 1 }));

    expect(response.status).toBe(status);
    const body = await response.text();
    expect(JSON.parse(body).error).toMatchObject(extra);
    expect(body).not.toContain('hunter2');
  });

  it('logs the bare JID and the condition of a refusal', async () => {
    const { routes, logs } = setup(async () => {
      throw new SlotError('not-allowed', 'no');
    });

    await routes(json({ jid: 'Mallory@Localhost/phone', filename: 'a', size: 1 }));

    expect(logs[0]).toMatchObject({ outcome: 'not-allowed', jid: 'mallory@localhost' });
    expect(logs[0]).not.toHaveProperty('key');
  });

  it('answers a quota refusal with 429, Retry-After and retryAt', async () => {
    const retryAt = new Date('2026-11-22T12:00:30.200Z');
    const { routes } = setup(async () => {
      throw new SlotError('quota-exceeded', 'Daily quota used up.', { retryAt });
    });

    const response = await routes(json({ jid: 'alice@localhost', filename: 'a', size: 1 }));

    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('31');
    expect((await response.json()).error).toEqual({
      condition: 'quota-exceeded',
      type: 'wait',
      text: 'Daily quota used up.',
      retryAt: '2026-11-22T12:00:30.200Z',
    });
  });

  it.each([
    ['a filename', '{"jid":"alice@localhost","filename":"a\\ud800b","size":1}', 'filename'],
    ['a field name', '{"jid":"alice@localhost","filename":"a","size":1,"x\\udfff":1}', 'field name'],
    ['an unknown field', '{"jid":"alice@localhost","filename":"a","size":1,"note":"\\ud800"}', '"note"'],
  ])('refuses a lone surrogate in %s with 400 and says where it is', async (_name, body, named) => {
    let called = false;
    const { routes } = setup(async (raw) => {
      called = true;
      return granting(raw);
    });

    const response = await routes(
      new Request('http://x/v1/slots', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body }),
    );

    expect(response.status).toBe(400);
    const { error } = await response.json();
    expect(error.condition).toBe('bad-request');
    expect(error.text).toContain(named);
    expect(error.text).toContain('lone UTF-16 surrogate');
    expect(called).toBe(false);
  });

  it('refuses another media type with 415', async () => {
    const { routes } = setup();

    const response = await routes(
      new Request('http://x/v1/slots', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' }),
    );

    expect(response.status).toBe(415);
  });

  it('refuses a body above the cap with 413, declared or not', async () => {
    const { routes } = setup();
    const big = JSON.stringify({ jid: 'a@localhost', filename: 'x'.repeat(70_000), size: 1 });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });

    const declared = await routes(json(JSON.parse(big)));
    const undeclared = await routes(
      new Request('http://x/v1/slots', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );

    expect(declared.status).toBe(413);
    expect(undeclared.status).toBe(413);
  });
});

describe('POST /xmpp', () => {
  it('logs the bare JID of a stanza refused before the slot service (two payloads)', async () => {
    const { routes, logs } = setup();

    await routes(stanza(slotIq.replace('</iq>', '<ping xmlns="urn:xmpp:ping"/></iq>')));

    expect(logs[0]).toMatchObject({ outcome: 'bad-request', jid: 'alice@localhost' });
  });

  it('answers a slot request with the reply stanza', async () => {
    const { routes, logs } = setup();

    const response = await routes(stanza(slotIq));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/xmpp+xml');
    const text = await response.text();
    expect(text).toContain("id='s1'".replace(/'/g, '"'));
    expect(text).toContain('https://s3.example/get');
    expect(logs[0]).toMatchObject({ status: 200, sizeBytes: 12 });
  });

  it('answers 202 without a body for a stanza that gets no reply', async () => {
    const { routes } = setup();

    const response = await routes(stanza("<message from='alice@localhost' to='upload.localhost'><body>hi</body></message>"));

    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it.each([['<iq'], ['<iq/><iq/>'], ['not xml'], ['']])('answers 400 for the malformed body %j', async (body) => {
    const { routes } = setup();

    const response = await routes(stanza(body));

    expect(response.status).toBe(400);
    expect((await response.json()).error.condition).toBe('bad-request');
  });
});

describe('GET /v1/info', () => {
  it('shows the limits', async () => {
    const { routes } = setup();

    const response = await routes(new Request('http://x/v1/info', { headers: auth }));

    expect(await response.json()).toMatchObject({
      serviceJid: 'upload.localhost',
      maxFileSizeBytes: 1000,
      namespaces: ['urn:xmpp:http:upload:0', 'urn:xmpp:http:upload'],
      retentionDays: 7,
    });
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 for an unknown path', async () => {
    const { routes } = setup();

    expect((await routes(new Request('http://x/admin', { headers: auth }))).status).toBe(404);
  });

  it('answers 405 with Allow for a wrong method', async () => {
    const { routes } = setup();

    const response = await routes(new Request('http://x/v1/slots', { headers: auth }));

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it.each([
    ['GET /xmpp/<secret> (405)', `/xmpp/${SECRET}`, 405],
    ['an unknown path holding the secret (404)', `/xmpp-old/${SECRET}/x`, 404],
    ['a percent-encoded secret (405)', `/xmpp/${encodeURIComponent(SECRET).replace(/-/g, '%2D')}`, 405],
  ])('never echoes the request path: %s', async (_name, path, status) => {
    const { routes, logs } = setup();
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const response = await routes(new Request(`http://x${path}`));
      const shown = JSON.stringify([...response.headers]) + (await response.text());

      expect(response.status).toBe(status);
      expect(shown).not.toContain(SECRET);
      expect(shown).not.toContain(path);
      expect(shown).not.toContain('xmpp-old');
      expect(JSON.stringify([logs, errors])).not.toContain(SECRET);
    } finally {
      console.error = original;
    }
  });
});
