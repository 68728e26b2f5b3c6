import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/** The local stack with a clock the tests can move, end to end over real HTTP. */
let stack: LocalStack;
let offsetMs = 0;

beforeAll(async () => {
  stack = await startLocalStack({
    env: { UPLOAD_MAX_FILE_SIZE_BYTES: String(8 * 1024 * 1024) },
    now: () => new Date(Date.now() + offsetMs),
  });
});

afterAll(async () => {
  await stack?.close();
});

interface SlotBody {
  put: { url: string; headers: Record<string, string> };
  get: { url: string };
  key: string;
}

async function jsonSlot(filename: string, size: number, contentType?: string): Promise<SlotBody> {
  const response = await fetch(`${stack.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jid: 'alice@localhost/laptop', filename, size, contentType }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as SlotBody;
}

async function stanzaSlot(
  path: string,
  headers: Record<string, string>,
  filename: string,
  size: number,
): Promise<{ put: string; get: string }> {
  const iq = `<iq type='get' id='x1' from='alice@localhost/phone' to='upload.localhost'><request xmlns='urn:xmpp:http:upload:0' filename='${filename}' size='${size}' content-type='text/plain'/></iq>`;
  const response = await fetch(`${stack.endpoint}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/xmpp+xml', ...headers },
    body: iq,
  });
  expect(response.status).toBe(200);
  const xml = await response.text();
  const url = (tag: string) => (new RegExp(`<${tag} url=["']([^"']+)["']`).exec(xml)?.[1] ?? '').replace(/&amp;/g, '&');
  return { put: url('put'), get: url('get') };
}

/** A PUT as XMPP clients send it: only Content-Type and Content-Length. */
const put = (url: string, body: Uint8Array, contentType?: string) =>
  fetch(url, { method: 'PUT', headers: contentType === undefined ? {} : { 'content-type': contentType }, body: new Uint8Array(body) });

const errorCode = async (response: Response) => /<Code>([^<]+)<\/Code>/.exec(await response.text())?.[1];

describe('a slot from every route', () => {
  it.each([
    ['POST /xmpp with a bearer token', '/xmpp', true],
    ['POST /xmpp/<secret>', 'secret-in-path', false],
  ])('%s yields a working PUT and GET', async (_name, path, bearer) => {
    const body = new TextEncoder().encode('stanza route\n');
    const slot = await stanzaSlot(
      path === 'secret-in-path' ? `/xmpp/${stack.secret}` : path,
      bearer ? { authorization: `Bearer ${stack.secret}` } : {},
      'note.txt',
      body.byteLength,
    );

    expect((await put(slot.put, body, 'text/plain')).status).toBe(200);
    expect(await (await fetch(slot.get)).text()).toBe('stanza route\n');
  });

  it('POST /v1/slots yields a working PUT and GET', async () => {
    const body = new TextEncoder().encode('json route\n');
    const slot = await jsonSlot('note.txt', body.byteLength, 'text/plain');

    expect((await put(slot.put.url, body, slot.put.headers['Content-Type'])).status).toBe(200);
    expect(await (await fetch(slot.get.url)).text()).toBe('json route\n');
  });
});

describe('round trips', () => {
  it('returns 5 MiB byte-identical', async () => {
    const body = randomBytes(5 * 1024 * 1024);
    const slot = await jsonSlot('big.bin', body.byteLength, 'application/octet-stream');

    const uploaded = await put(slot.put.url, body, 'application/octet-stream');
    const downloaded = Buffer.from(await (await fetch(slot.get.url)).arrayBuffer());

    expect(uploaded.status).toBe(200);
    expect(downloaded.equals(body)).toBe(true);
  });

  it('keeps a unicode filename with spaces and + in one encoding', async () => {
    const body = new TextEncoder().encode('ünïcödé');
    const slot = await jsonSlot('Grüße an alle + 🎉.txt', body.byteLength, 'text/plain; charset=utf-8');

    expect(slot.get.url).toContain('/Gr%C3%BC%C3%9Fe%20an%20alle%20%2B%20%F0%9F%8E%89.txt');
    expect((await put(slot.put.url, body, 'text/plain; charset=utf-8')).status).toBe(200);
    const got = await fetch(slot.get.url);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('ünïcödé');
    expect(slot.key.endsWith('/Grüße an alle + 🎉.txt')).toBe(true);
  });

  it('accepts any Content-Type when the slot was requested without one', async () => {
    const body = new TextEncoder().encode('typeless');
    const slot = await jsonSlot('blob', body.byteLength);

    expect(slot.put.url).toContain('X-Amz-SignedHeaders=content-length%3Bhost&');
    expect((await put(slot.put.url, body)).status).toBe(200);
  });
});

describe('the strict S3 refuses what real S3 refuses', () => {
  const body = new TextEncoder().encode('twelve bytes');

  it('another size: SignatureDoesNotMatch', async () => {
    const slot = await jsonSlot('a.txt', body.byteLength + 1, 'text/plain');

    const response = await put(slot.put.url, new Uint8Array(body.byteLength + 2), 'text/plain');

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('another type: SignatureDoesNotMatch', async () => {
    const slot = await jsonSlot('a.txt', body.byteLength, 'text/plain');

    const response = await put(slot.put.url, body, 'text/html');

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('a tampered signature: SignatureDoesNotMatch', async () => {
    const slot = await jsonSlot('a.txt', body.byteLength, 'text/plain');
    const tampered = slot.put.url.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);

    const response = await put(tampered, body, 'text/plain');

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('an expired URL: AccessDenied', async () => {
    offsetMs = -301_000;
    const slot = await jsonSlot('a.txt', body.byteLength, 'text/plain');
    offsetMs = 0;

    const response = await put(slot.put.url, body, 'text/plain');

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('an anonymous PUT: AccessDenied, and nothing stored', async () => {
    const slot = await jsonSlot('a.txt', body.byteLength, 'text/plain');

    const response = await put(slot.get.url, body, 'text/plain');

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
    // Real S3 answers 403, not 404, for a missing key to a reader without s3:ListBucket.
    expect((await fetch(slot.get.url)).status).toBe(403);
  });
});

describe('secret rotation on the local stack', () => {
  it('accepts UPLOAD_PREVIOUS_SECRET as well as UPLOAD_SECRET, and nothing else', async () => {
    const current = 'local-current-secret-0123456789';
    const previous = 'local-previous-secret-0123456789';
    const rotating = await startLocalStack({ env: { UPLOAD_SECRET: current, UPLOAD_PREVIOUS_SECRET: previous } });
    try {
      const status = async (secret: string) =>
        (await fetch(`${rotating.endpoint}/v1/info`, { headers: { authorization: `Bearer ${secret}` } })).status;

      expect([await status(current), await status(previous), await status('another-secret-0123456789')]).toEqual([200, 200, 401]);
    } finally {
      await rotating.close();
    }
  });
});
