/**
 * `GET /ejabberd/<secret>` against ejabberd's side of the contract, as `mod_http_upload`
 * (ejabberd 25.10 to 26.07, src/mod_http_upload.erl `create_slot/7`) and Erlang's httpc build
 * and read it. The twin below lives with the test; the routes, the slot policy, the in-memory
 * quota and the S3 signer are the real ones.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryQuotaStore } from '../../lambda/adapters/quota-memory.ts';
import { createS3Signer } from '../../lambda/adapters/s3-presigner.ts';
import { parseConfig } from '../../lambda/core/config.ts';
import { SlotError } from '../../lambda/core/errors.ts';
import { quotaLimits } from '../../lambda/core/quota.ts';
import type { RawSlotRequest } from '../../lambda/core/slot-request.ts';
import { createSlotService, type SlotService } from '../../lambda/core/slot-service.ts';
import { basicSecret, EJABBERD_STATUS, parseEjabberdQuery } from '../../lambda/http/ejabberd.ts';
import { createRoutes, type RequestRecord } from '../../lambda/http/routes.ts';

const SECRET = 'ejabberd-secret-0123456789abcdef';
const PREVIOUS = 'previous-secret-0123456789abcdef';
const NOW = new Date('2026-12-02T12:00:00Z');
const config = parseConfig({ domains: ['example.org'], maxFileSizeBytes: 10_000, dailyQuotaBytes: 20_000 });

/** `misc:url_encode/1`: every byte but `A-Za-z0-9_.-/:` as `%XX` (upper-case hex). */
function erlangUrlEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-/:]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

interface ClientRequest {
  readonly jid: string;
  readonly name: string;
  readonly size: number;
  /** The slot request's content-type; ejabberd sends `application/octet-stream` for none. */
  readonly contentType?: string;
}

/**
 * The request ejabberd sends for a slot: `<service_url>?jid=…&name=…&size=…&content_type=…`, no
 * headers of its own; httpc turns the URL's user info into Basic auth (`string:tokens(UserInfo, ":")`:
 * two tokens are user and password, one is a user with an empty password).
 */
function ejabberdRequest(serviceUrl: string, slot: ClientRequest): Request {
  const contentType = slot.contentType === undefined || slot.contentType === '' ? 'application/octet-stream' : slot.contentType;
  const url = `${serviceUrl}?jid=${erlangUrlEncode(slot.jid)}&name=${erlangUrlEncode(slot.name)}&size=${erlangUrlEncode(String(slot.size))}&content_type=${erlangUrlEncode(contentType)}`;
  const match = /^(https?:\/\/)([^@/]*)@(.*)$/.exec(url);
  const headers = new Headers();
  if (match === null) return new Request(url, { headers });
  const tokens = (match[2] ?? '').split(':').filter((token) => token !== '');
  if (tokens.length === 2) headers.set('authorization', `Basic ${Buffer.from(`${tokens[0]}:${tokens[1]}`).toString('base64')}`);
  if (tokens.length === 1) headers.set('authorization', `Basic ${Buffer.from(`${tokens[0]}:`).toString('base64')}`);
  return new Request(`${match[1]}${match[3]}`, { headers });
}

type EjabberdReply =
  | { slot: { put: string; get: string } }
  | { error: 'resource-constraint' | 'not-allowed' | 'not-acceptable' | 'service-unavailable' };

/** How ejabberd reads the answer: a 2xx body split at LF (trailing empty parts trimmed), exactly two `http…` lines. */
async function ejabberdReads(response: Response): Promise<EjabberdReply> {
  const body = await response.text();
  if (response.status >= 200 && response.status <= 299) {
    const lines = body.split('\n');
    while (lines.length > 0 && lines.at(-1) === '') lines.pop();
    const [put, get] = lines;
    if (lines.length === 2 && put?.startsWith('http') && get?.startsWith('http')) return { slot: { put, get } };
    return { error: 'service-unavailable' };
  }
  if (response.status === 402) return { error: 'resource-constraint' };
  if (response.status === 403) return { error: 'not-allowed' };
  if (response.status === 413) return { error: 'not-acceptable' };
  return { error: 'service-unavailable' };
}

function setup(requestSlot?: SlotService) {
  const logs: RequestRecord[] = [];
  const seen: RawSlotRequest[] = [];
  const real = createSlotService({
    config,
    quota: createMemoryQuotaStore(quotaLimits(config)),
    signer: createS3Signer({
      bucket: 'upload-bucket',
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
      putUrlTtlSeconds: 300,
    }),
    now: () => NOW,
    newId: () => '0f8fad5b-d9cb-469f-a165-70867728950e',
  });
  const service: SlotService = async (raw) => {
    seen.push(raw);
    return (requestSlot ?? real)(raw);
  };
  const routes = createRoutes({
    config,
    secret: SECRET,
    previousSecret: PREVIOUS,
    requestSlot: service,
    now: () => NOW,
    log: (r) => logs.push(r),
  });
  return { routes, logs, seen };
}

const SERVICE_URL = `https://abc.lambda-url.eu-west-1.on.aws/ejabberd/${SECRET}`;
const alice = (slot: Partial<ClientRequest> = {}): ClientRequest => ({
  jid: 'alice@example.org',
  name: 'cat.jpg',
  size: 1234,
  contentType: 'image/jpeg',
  ...slot,
});

describe("ejabberd's service_url request", () => {
  it('gets the PUT and GET URL as two lines that ejabberd reads as a slot, unchanged', async () => {
    const { routes, logs } = setup();

    const response = await routes(ejabberdRequest(SERVICE_URL, alice()));
    const reply = await ejabberdReads(response);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(reply).toEqual({
      slot: {
        put: expect.stringMatching(
          /^https:\/\/upload-bucket\.s3\.eu-west-1\.amazonaws\.com\/uploads\/.+\/cat\.jpg\?X-Amz-.*&X-Amz-Signature=[0-9a-f]{64}/,
        ),
        get: expect.stringMatching(/^https:\/\/upload-bucket\.s3\.eu-west-1\.amazonaws\.com\/uploads\/.+\/cat\.jpg$/),
      },
    });
    if (!('slot' in reply)) throw new Error('no slot');
    expect(new URL(reply.slot.put).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect(logs[0]).toMatchObject({ method: 'GET', route: 'GET /ejabberd/:secret', status: 200, outcome: 'granted', sizeBytes: 1234 });
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });

  it('treats application/octet-stream, what ejabberd sends for no type, as no type: the PUT URL signs none', async () => {
    const { routes, seen } = setup();

    const reply = await ejabberdReads(await routes(ejabberdRequest(SERVICE_URL, alice({ contentType: undefined }))));

    expect(seen[0]?.contentType).toBeUndefined();
    if (!('slot' in reply)) throw new Error(`no slot: ${JSON.stringify(reply)}`);
    expect(new URL(reply.slot.put).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
  });

  it.each([
    ['spaces and a plus', 'my cat + dog.jpg'],
    ['query syntax', 'a&b=c?d#e%41.png'],
    ['non-ASCII (NFC)', 'résumé 猫 🐱.pdf'],
    ['quotes and brackets', `it's "(x)" [1] <2>.txt`],
  ])('hands the filename with %s to the slot policy exactly as the client sent it', async (_name, filename) => {
    const { routes, seen } = setup();

    const reply = await ejabberdReads(await routes(ejabberdRequest(SERVICE_URL, alice({ name: filename, jid: 'bob+work@example.org' }))));

    expect(seen[0]).toEqual({ from: 'bob+work@example.org', filename, size: '1234', contentType: 'image/jpeg' });
    expect('slot' in reply).toBe(true);
  });

  it.each([
    ['as the password of ejabberd:<secret>@', `https://ejabberd:${SECRET}@abc.lambda-url.eu-west-1.on.aws/ejabberd`],
    ['as the user of <secret>@ (httpc sends "<secret>:")', `https://${SECRET}@abc.lambda-url.eu-west-1.on.aws/ejabberd`],
    ['the previous secret, in the path', `https://abc.lambda-url.eu-west-1.on.aws/ejabberd/${PREVIOUS}`],
    ['in a path written with a final slash', `https://abc.lambda-url.eu-west-1.on.aws/ejabberd/${SECRET}/`],
    ['the previous secret, as the password', `https://ejabberd:${PREVIOUS}@abc.lambda-url.eu-west-1.on.aws/ejabberd`],
  ])('accepts the secret %s', async (_name, serviceUrl) => {
    const { routes, logs } = setup();

    const reply = await ejabberdReads(await routes(ejabberdRequest(serviceUrl, alice())));

    expect('slot' in reply).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    expect(JSON.stringify(logs)).not.toContain(PREVIOUS);
  });

  it.each([
    ['a wrong path secret', 'https://h/ejabberd/wrong-secret-0123456789abcdef'],
    ['a wrong password', 'https://ejabberd:wrong-secret-0123456789abcdef@h/ejabberd'],
    ['no secret at all', 'https://h/ejabberd'],
    ['the secret as a query parameter (ejabberd then appends a second "?")', `https://h/ejabberd?secret=${SECRET}`],
  ])('refuses %s with 401 in plain text, which ejabberd reads as service-unavailable, and echoes nothing', async (_name, serviceUrl) => {
    const { routes, seen } = setup();

    const response = await routes(ejabberdRequest(serviceUrl, alice()));
    const shown = JSON.stringify([...response.headers]) + (await response.clone().text());

    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(shown).toContain('shared secret');
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('wrong-secret');
    expect(await ejabberdReads(response)).toEqual({ error: 'service-unavailable' });
    expect(seen).toEqual([]);
  });
});

describe('the refusals, as ejabberd maps their status', () => {
  it.each([
    ['a file over the limit', 413, 'not-acceptable', 'limit is 10000 bytes', alice({ size: 10_001 })],
    ['a user of another domain', 403, 'not-allowed', 'may not upload', alice({ jid: 'mallory@evil.example' })],
    ['a filename with a slash', 400, 'service-unavailable', 'must not contain "/"', alice({ name: 'a/b.txt' })],
    ['a content type that is no type', 400, 'service-unavailable', 'content type', alice({ contentType: 'image/' })],
  ] as const)('%s: %i, the client gets %s, the text says why', async (_name, status, condition, text, slot) => {
    const { routes, logs } = setup();

    const response = await routes(ejabberdRequest(SERVICE_URL, slot));
    const body = await response.clone().text();

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(body).toContain(text);
    expect(body).not.toContain(SECRET);
    expect(await ejabberdReads(response)).toEqual({ error: condition });
    expect(logs[0]?.status).toBe(status);
  });

  it('answers a used-up daily quota with 402 (resource-constraint) and Retry-After in seconds', async () => {
    const { routes } = setup();
    const big = alice({ size: 9000 });

    const first = await routes(ejabberdRequest(SERVICE_URL, big));
    const second = await routes(ejabberdRequest(SERVICE_URL, big));
    const third = await routes(ejabberdRequest(SERVICE_URL, big));

    expect([first.status, second.status, third.status]).toEqual([200, 200, 402]);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(third.headers.get('retry-after'))).toBeLessThanOrEqual(24 * 3600);
    expect(await third.clone().text()).toMatch(/quota/i);
    expect(await ejabberdReads(third)).toEqual({ error: 'resource-constraint' });
  });

  it.each([
    ['type-not-allowed', 413, 'not-acceptable', new SlotError('type-not-allowed', 'Files of type text/html are not allowed here.')],
    [
      'store-unavailable',
      503,
      'service-unavailable',
      new SlotError('store-unavailable', 'The quota store is unavailable; try again later.'),
    ],
    ['an unexpected failure', 500, 'service-unavailable', new Error('db password is hunter2')],
  ] as const)('%s: %i, the client gets %s, no internals shown', async (_name, status, condition, thrown) => {
    const { routes } = setup(async () => {
      throw thrown;
    });
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const response = await routes(ejabberdRequest(SERVICE_URL, alice()));
      const body = await response.clone().text();

      expect(response.status).toBe(status);
      expect(body).not.toContain('hunter2');
      expect(body.trim().length).toBeGreaterThan(10);
      expect(await ejabberdReads(response)).toEqual({ error: condition });
      expect(JSON.stringify(errors)).not.toContain(SECRET);
    } finally {
      console.error = original;
    }
  });

  it('maps every condition to a status, and only quota, access and size to the ones ejabberd gives a meaning', () => {
    expect(EJABBERD_STATUS).toEqual({
      'quota-exceeded': 402,
      'not-allowed': 403,
      'file-too-large': 413,
      'type-not-allowed': 413,
      'bad-request': 400,
      'purpose-not-supported': 422,
      'store-unavailable': 503,
      internal: 500,
    });
  });

  it('refuses another method with 405 in plain text, and grants nothing on HEAD', async () => {
    const { routes, seen } = setup();

    const post = await routes(new Request(`${SERVICE_URL}?jid=a%40example.org&name=a&size=1`, { method: 'POST' }));
    const head = await routes(new Request(`${SERVICE_URL}?jid=a%40example.org&name=a&size=1`, { method: 'HEAD' }));

    expect([post.status, head.status]).toEqual([405, 405]);
    expect(post.headers.get('allow')).toBe('GET');
    expect(await post.text()).not.toContain(SECRET);
    expect(seen).toEqual([]);
  });
});

describe('parseEjabberdQuery', () => {
  it.each([
    ['a missing name', 'jid=a%40b&size=1&content_type=x%2Fy', 'missing: name'],
    ['no parameters', '', 'missing: jid, name, size'],
    ['a repeated size', 'jid=a%40b&name=a&size=1&size=2', 'size appears more than once'],
    ['a broken escape', 'jid=a%40b&name=%E0%A4&size=1', 'name is not valid percent-encoded UTF-8'],
    ['an encoded lone surrogate', 'jid=a%40b&name=%ED%A0%80&size=1', 'name is not valid percent-encoded UTF-8'],
  ])('refuses %s with bad-request naming it', (_name, query, text) => {
    expect(() => parseEjabberdQuery(query)).toThrow(text);
  });

  it('reads "+" as a plus (ejabberd encodes a plus as %2B, a space as %20), ignores unknown parameters', () => {
    expect(parseEjabberdQuery('jid=a%40b&name=a+b%20c&size=7&content_type=&later=1')).toEqual({
      from: 'a@b',
      filename: 'a+b c',
      size: '7',
      contentType: undefined,
    });
    expect(parseEjabberdQuery('jid=a%40b&name=a&size=7&content_type=Application%2FOctet-Stream').contentType).toBeUndefined();
    expect(parseEjabberdQuery('jid=a%40b&name=a&size=7&content_type=image%2Fpng').contentType).toBe('image/png');
  });
});

describe('basicSecret', () => {
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

  it.each([
    ['user and password', basic('ejabberd:s3cret'), 's3cret'],
    ['a user with an empty password', basic('s3cret:'), 's3cret'],
    ['a password with a colon', basic('u:a:b'), 'a:b'],
    ['no colon', basic('s3cret'), undefined],
    ['a Bearer token', 'Bearer s3cret', undefined],
    ['no header', null, undefined],
    ['not base64', 'Basic ***', undefined],
  ])('reads %s', (_name, header, expected) => {
    expect(basicSecret(header)).toBe(expected);
  });
});

describe('properties of the query as ejabberd encodes it', () => {
  const value = fc.string({ unit: 'grapheme', maxLength: 30 });

  it('every value ejabberd can encode comes back exactly as the client sent it (2,000 runs)', () => {
    fc.assert(
      fc.property(value, value, fc.nat(), value, (jid, name, size, type) => {
        const query = `jid=${erlangUrlEncode(jid)}&name=${erlangUrlEncode(name)}&size=${size}&content_type=${erlangUrlEncode(type)}`;
        const expectedType = type === '' || type.toLowerCase() === 'application/octet-stream' ? undefined : type;

        expect(parseEjabberdQuery(query)).toEqual({ from: jid, filename: name, size: String(size), contentType: expectedType });
      }),
      { numRuns: 2000 },
    );
  });

  it('any query gets a defined status in plain text, never a 500, and a slot only for an allowed requester (2,000 runs)', async () => {
    const { routes } = setup();
    const statuses = new Set<number>();
    const part = (name: string, arbitrary: fc.Arbitrary<string>) =>
      fc.oneof(
        arbitrary.map((v) => `${name}=${erlangUrlEncode(v)}`),
        fc.string().map((v) => `${name}=${v}`),
        fc.constant(''),
      );
    const query = fc
      .tuple(
        part('jid', fc.oneof(fc.constant('alice@example.org'), fc.constant('eve@elsewhere.example'), value)),
        part('name', fc.oneof(fc.constant('a.jpg'), value)),
        part('size', fc.oneof(fc.nat({ max: 20_000 }).map(String), value)),
        part('content_type', fc.oneof(fc.constant('image/png'), fc.constant(''), value)),
        fc.string(),
      )
      .map((parts) => parts.filter((p) => p !== '').join('&'));
    await fc.assert(
      fc.asyncProperty(query, async (search) => {
        const response = await routes(new Request(`${SERVICE_URL}?${search.replace(/#/g, '%23')}`));
        const body = await response.text();
        statuses.add(response.status);

        expect([200, 400, 402, 403, 413]).toContain(response.status);
        expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        expect(body).not.toContain(SECRET);
        if (response.status === 200) {
          expect(body).toMatch(/^https:\/\/\S+\nhttps:\/\/\S+\n$/);
          expect(new URL(`https://x/?${search}`).searchParams.get('jid')?.toLowerCase()).toMatch(/@example\.org$/);
        }
      }),
      // A grant, a refusal of access and a bad query always among the runs, so the last check does not rest on chance
      // (random queries reach 403 only about once in 500).
      {
        numRuns: 2000,
        examples: [
          ['jid=alice%40example.org&name=a.jpg&size=10&content_type=image%2Fpng'],
          ['jid=eve%40elsewhere.example&name=a.jpg&size=10&content_type=image%2Fpng'],
          ['name=a.jpg'],
        ],
      },
    );
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400, 403]));
  });
});
