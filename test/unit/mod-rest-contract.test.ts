/**
 * `/xmpp/<secret>` against Prosody mod_rest's side of the contract (prosody-modules mod_rest, last
 * changed 2023-10, as measured with Prosody 0.12.3; docs/servers.md). mod_rest is not packaged in
 * Debian, so the twin below — living with the test — does what mod_rest does: the start-up
 * OPTIONS probe, each IQ POSTed as Prosody serialises it (no `xmlns`, single quotes), and the
 * answer read by its own Content-Type, relayed only when it is a stanza of the same kind.
 * The routes and the slot policy are the real ones.
 */
import { type Element, Parser } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { createMemoryQuotaStore } from '../../lambda/adapters/quota-memory.ts';
import { parseConfig } from '../../lambda/core/config.ts';
import { quotaLimits } from '../../lambda/core/quota.ts';
import { createSlotService } from '../../lambda/core/slot-service.ts';
import { createRoutes, type RequestRecord } from '../../lambda/http/routes.ts';

const SECRET = 'mod-rest-secret-0123456789abcdef';
const WRONG = 'old-rest-secret-0123456789abcdef';
const NOW = new Date('2026-12-02T12:00:00Z');
const config = parseConfig({ domains: ['example.org'], maxFileSizeBytes: 10_000 });
const CALLBACK = `https://abc.lambda-url.eu-west-1.on.aws/xmpp/${SECRET}`;
/** What mod_rest's callback sends as Accept (`supported_inputs`, without the optional CBOR). */
const MOD_REST_ACCEPT = 'application/xmpp+xml, application/json, application/x-www-form-urlencoded, text/plain';
const SUPPORTED_OUTPUTS = ['application/xmpp+xml', 'application/json', 'application/x-www-form-urlencoded'];

function setup() {
  const logs: RequestRecord[] = [];
  const requestSlot = createSlotService({
    config,
    quota: createMemoryQuotaStore(quotaLimits(config)),
    signer: {
      presignPut: async ({ key, now }) => ({
        url: `https://put.example/${key}?X-Amz-Signature=00&a=b`,
        expiresAt: new Date(now.getTime() + 300_000),
      }),
      publicUrl: (key) => `https://get.example/${key}`,
    },
    now: () => NOW,
    newId: () => '0f8fad5b-d9cb-469f-a165-70867728950e',
  });
  const routes = createRoutes({ config, secret: SECRET, requestSlot, now: () => NOW, log: (r) => logs.push(r) });
  return { routes, logs };
}

/** mod_rest's `decide_type`: the supported type named earliest in the header, else the first supported one. */
function decideType(accept: string, supported: readonly string[]): string {
  let chosen = supported[0] ?? '';
  for (const type of supported.slice(1)) {
    const at = (t: string) => (accept.includes(t) ? accept.indexOf(t) : 1000);
    if (at(type) < at(chosen)) chosen = type;
  }
  return chosen;
}

/** Prosody's net.http request: Host and User-Agent, plus the caller's headers. */
const prosodyRequest = (url: string, init: { method: string; headers?: Record<string, string>; body?: string }) =>
  new Request(url, { ...init, headers: { 'user-agent': 'Prosody XMPP Server', ...init.headers } });

/** The start-up probe: `OPTIONS <callback>` with no body; "Connected" only on 200, and the Accept header sets the type it posts. */
async function probe(routes: (r: Request) => Promise<Response>, url: string) {
  const response = await routes(prosodyRequest(url, { method: 'OPTIONS' }));
  const said = await response.text();
  if (response.status !== 200) return { status: 'warn' as const, code: response.status, said, response };
  const accept = response.headers.get('accept');
  return {
    status: 'connected' as const,
    sendType: accept === null ? 'application/xmpp+xml' : decideType(accept, SUPPORTED_OUTPUTS),
    response,
  };
}

function parseXml(text: string): Element | undefined {
  const parser = new Parser();
  let root: Element | undefined;
  let failed = false;
  parser.on('start', (element: Element) => {
    root = element;
  });
  parser.on('element', (element: Element) => root?.append(element));
  parser.on('error', () => {
    failed = true;
  });
  parser.write(text);
  return failed ? undefined : root;
}

interface ClientSees {
  readonly type: 'result' | 'error';
  /** The first child of the reply (the payload, or `<error/>`). */
  readonly payload?: Element;
  readonly error?: { type: string; condition: string; text?: string };
  /** Whether the endpoint's own stanza was relayed, rather than one mod_rest made up from the status. */
  readonly relayed: boolean;
}

/**
 * What the client gets back for an IQ get/set: mod_rest parses the body by the answer's
 * Content-Type (only `application/xmpp+xml` as XML here); a stanza of the same name is relayed
 * (type forced to `result` unless it is `error`); else it makes one from the status — an EMPTY
 * result for any 2xx, 202/204 included, or a generic error.
 */
async function clientSees(response: Response): Promise<ClientSees> {
  const body = await response.text();
  const type = (response.headers.get('content-type') ?? '').split(/[; ]/)[0];
  const parsed = response.status === 202 || response.status === 204 || type !== 'application/xmpp+xml' ? undefined : parseXml(body);
  if (parsed?.name === 'iq') {
    const error = parsed.getChild('error');
    if (parsed.attrs.type === 'error' && error !== undefined) {
      const condition = error.children.find((c): c is Element => typeof c !== 'string' && c.name !== 'text');
      return {
        type: 'error',
        error: { type: String(error.attrs.type), condition: condition?.name ?? '', text: error.getChildText('text') ?? undefined },
        relayed: true,
      };
    }
    const payload = parsed.children.find((c): c is Element => typeof c !== 'string');
    return payload === undefined ? { type: 'result', relayed: true } : { type: 'result', payload, relayed: true };
  }
  if (response.status >= 200 && response.status < 300) return { type: 'result', relayed: false };
  return { type: 'error', error: { type: 'cancel', condition: `from-status-${response.status}` }, relayed: false };
}

/** An IQ as mod_rest posts it: Prosody's serialisation (no xmlns, single quotes), its headers (net.http adds Content-Length). */
function post(iq: string, url = CALLBACK): Request {
  const headers = {
    'content-type': 'application/xmpp+xml',
    'content-language': 'en',
    'content-length': String(Buffer.byteLength(iq)),
    accept: MOD_REST_ACCEPT,
  };
  return prosodyRequest(url, { method: 'POST', headers, body: iq });
}

const iq = (payload: string, type = 'get', id = 'q1') =>
  `<iq id='${id}' type='${type}' to='upload.example.org' from='alice@example.org/phone'>${payload}</iq>`;
const slotRequest = (filename: string, size: number) =>
  iq(`<request xmlns='urn:xmpp:http:upload:0' filename='${filename}' size='${size}' content-type='image/jpeg'/>`);

/** Headers and body of an answer, for the no-echo checks. */
const shown = async (response: Response) => JSON.stringify([...response.headers]) + (await response.clone().text());

describe("mod_rest's start-up probe", () => {
  it('gets 200 with Accept: application/xmpp+xml once the secret is checked, so the module is "Connected" and posts XML', async () => {
    const { routes, logs } = setup();

    const result = await probe(routes, CALLBACK);

    expect(result).toMatchObject({ status: 'connected', sendType: 'application/xmpp+xml' });
    expect(result.response.headers.get('allow')).toBe('POST, OPTIONS');
    expect(logs[0]).toMatchObject({ method: 'OPTIONS', route: 'OPTIONS /xmpp/:secret', status: 200, outcome: 'options' });
  });

  it('gets 401 for a wrong secret, and what mod_rest logs of it ("Endpoint said: …") holds neither path nor secret', async () => {
    const { routes, logs } = setup();

    const result = await probe(routes, `https://abc.lambda-url.eu-west-1.on.aws/xmpp/${WRONG}`);

    expect(result).toMatchObject({ status: 'warn', code: 401 });
    expect(JSON.stringify([...result.response.headers]) + result.said).not.toContain(WRONG);
    expect(result.said).not.toContain('/xmpp/');
    expect(logs[0]).toMatchObject({ status: 401, outcome: 'unauthorized' });
    expect(JSON.stringify(logs)).not.toContain(WRONG);
  });

  it('works on /xmpp with a bearer token too, and refuses it without one', async () => {
    const { routes } = setup();

    const ok = await routes(new Request('https://h/xmpp', { method: 'OPTIONS', headers: { authorization: `Bearer ${SECRET}` } }));
    const refused = await routes(new Request('https://h/xmpp', { method: 'OPTIONS' }));

    expect([ok.status, ok.headers.get('accept'), refused.status]).toEqual([200, 'application/xmpp+xml', 401]);
  });
});

describe('every IQ mod_rest posts gets a full <iq> as application/xmpp+xml', () => {
  it.each([
    ['disco#info', iq("<query xmlns='http://jabber.org/protocol/disco#info'/>"), 'query'],
    ['disco#items', iq("<query xmlns='http://jabber.org/protocol/disco#items'/>"), 'query'],
    ['a slot request', slotRequest('cat.jpg', 1234), 'slot'],
  ])('%s: 200 with the result the client needs, relayed by mod_rest', async (_name, stanza, payload) => {
    const { routes } = setup();

    const response = await routes(post(stanza));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/xmpp+xml; charset=utf-8');
    const seen = await clientSees(response);
    expect(seen).toMatchObject({ type: 'result', relayed: true });
    expect(seen.payload?.name).toBe(payload);
  });

  it('a ping: 200 with an empty result of its own, not a 202 (which mod_rest would make into a result for any IQ)', async () => {
    const { routes } = setup();

    const response = await routes(post(iq("<ping xmlns='urn:xmpp:ping'/>")));

    expect(response.status).toBe(200);
    expect(await clientSees(response)).toEqual({ type: 'result', relayed: true });
  });

  it.each([
    ['an unknown IQ get', iq("<query xmlns='jabber:iq:version'/>"), 'cancel', 'service-unavailable', 'does not answer'],
    [
      'a set of a slot request',
      iq("<request xmlns='urn:xmpp:http:upload:0' filename='a' size='1'/>", 'set'),
      'cancel',
      'service-unavailable',
      'does not answer',
    ],
    ['an IQ with two payloads', iq("<ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/>"), 'modify', 'bad-request', 'exactly one'],
    ['a file over the limit', slotRequest('big.jpg', 10_001), 'modify', 'not-acceptable', 'limit is 10000 bytes'],
    ['a bad filename', slotRequest('a/b', 1), 'modify', 'bad-request', 'must not contain'],
  ])('%s: an IQ error the client reads with our condition and text', async (_name, stanza, type, condition, text) => {
    const { routes } = setup();

    const response = await routes(post(stanza));
    const seen = await clientSees(response);

    expect(response.status).toBe(200);
    expect(seen).toMatchObject({ type: 'error', relayed: true, error: { type, condition } });
    expect(seen.error?.text).toContain(text);
  });

  it('an IQ result or error the client sends gets 202 (mod_rest relays nothing for those)', async () => {
    const { routes } = setup();

    const result = await routes(post(iq('', 'result')));
    const error = await routes(post(iq("<error type='cancel'/>", 'error')));

    expect([result.status, error.status]).toEqual([202, 202]);
  });
});

describe('refusals of the HTTP layer are stanza errors mod_rest relays', () => {
  it('a wrong secret: 401 with auth/not-authorized, so the client learns the server is misconfigured', async () => {
    const { routes, logs } = setup();

    const response = await routes(post(slotRequest('cat.jpg', 10), `https://abc.lambda-url.eu-west-1.on.aws/xmpp/${WRONG}`));
    const text = await shown(response);
    const seen = await clientSees(response);

    expect(response.status).toBe(401);
    expect(seen).toMatchObject({ type: 'error', relayed: true, error: { type: 'auth', condition: 'not-authorized' } });
    expect(seen.error?.text).toContain('shared secret');
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain('/xmpp/');
    expect(logs[0]).toMatchObject({ status: 401, outcome: 'unauthorized' });
  });

  it('a wrong secret with a body that is no stanza: the JSON 401 as before (there is nothing to answer)', async () => {
    const { routes } = setup();

    const response = await routes(post('not xml', `https://h/xmpp/${WRONG}`));

    expect(response.status).toBe(401);
    expect((await response.json()).error.condition).toBe('unauthorized');
  });

  it('an oversize stanza: 413 with modify/policy-violation naming the limit', async () => {
    const { routes } = setup();
    const big = slotRequest('x'.repeat(70_000), 1);

    const response = await routes(post(big));
    const seen = await clientSees(response);

    expect(response.status).toBe(413);
    expect(seen).toMatchObject({ type: 'error', relayed: true, error: { type: 'modify', condition: 'policy-violation' } });
    expect(seen.error?.text).toContain('65536 bytes');
  });

  it('an oversize stanza sent without Content-Length (streamed): the same stanza error', async () => {
    const { routes } = setup();
    const bytes = new TextEncoder().encode(slotRequest('x'.repeat(70_000), 1));
    const body = new ReadableStream({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 8192) controller.enqueue(bytes.slice(at, at + 8192));
        controller.close();
      },
    });

    const response = await routes(
      new Request(CALLBACK, { method: 'POST', headers: { 'content-type': 'application/xmpp+xml' }, body, duplex: 'half' } as RequestInit),
    );

    expect(response.status).toBe(413);
    expect((await clientSees(response)).error?.condition).toBe('policy-violation');
  });

  it('a stanza nested too deep: 400 with modify/policy-violation', async () => {
    const { routes } = setup();
    const deep = iq(`${'<x xmlns="urn:example">'.repeat(70)}${'</x>'.repeat(70)}`);

    const response = await routes(post(deep));
    const seen = await clientSees(response);

    expect(response.status).toBe(400);
    expect(seen).toMatchObject({ type: 'error', relayed: true, error: { type: 'modify', condition: 'policy-violation' } });
    expect(seen.error?.text).toContain('nested deeper than 64');
  });

  it('a malformed IQ whose start tag reads: 400 with modify/bad-request and the problem', async () => {
    const { routes } = setup();

    const response = await routes(post("<iq id='m1' type='get' to='upload.example.org' from='a@example.org/r'><request></iq>"));
    const seen = await clientSees(response);

    expect(response.status).toBe(400);
    expect(seen).toMatchObject({ type: 'error', relayed: true, error: { type: 'modify', condition: 'bad-request' } });
    expect(seen.error?.text).toContain('Unexpected end tag');
  });

  it('answers the IQ by its own id and addresses, as mod_rest expects (it rewrites them anyway)', async () => {
    const { routes } = setup();

    const response = await routes(post(slotRequest('x'.repeat(70_000), 1).replace("id='q1'", "id='big&amp;1'")));
    const reply = parseXml(await response.text());

    expect(reply?.attrs).toEqual({ from: 'upload.example.org', to: 'alice@example.org/phone', id: 'big&1', type: 'error' });
  });
});

describe('no answer echoes the request path', () => {
  it('for any method, body or secret on the stanza routes', async () => {
    const { routes, logs } = setup();
    const paths = [`/xmpp/${SECRET}`, `/xmpp/${WRONG}`, `/xmpp/${WRONG}/extra`, `/xmpp/%ZZ${WRONG}`];
    const answers: Response[] = [];
    for (const path of paths) {
      const url = `https://abc.lambda-url.eu-west-1.on.aws${path}`;
      for (const method of ['GET', 'PUT', 'DELETE', 'OPTIONS']) answers.push(await routes(prosodyRequest(url, { method })));
      answers.push(await routes(post(slotRequest('a.jpg', 1), url)));
      answers.push(await routes(post(slotRequest('x'.repeat(70_000), 1), url)));
      answers.push(await routes(post('<iq', url)));
    }

    for (const response of answers) {
      const text = await shown(response);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(WRONG);
    }
    expect(answers.every((r) => r.status !== 500)).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    expect(JSON.stringify(logs)).not.toContain(WRONG);
  });
});
