import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../../cdn/response-headers.ts';
import { LOCAL_BUCKET, type LocalStack, startLocalStack } from '../../local/stack.ts';

/** `cdn` mode on the strict local stack: private bucket, local CDN with the deployed function and headers. */
let cdn: LocalStack;
/** The same stack in the default `bucket` mode. */
let bucket: LocalStack;
const chat = 'https://chat.example.org';

beforeAll(async () => {
  [cdn, bucket] = await Promise.all([
    startLocalStack({ env: { UPLOAD_DOWNLOADS: 'cdn', UPLOAD_CORS_ORIGINS: chat } }),
    startLocalStack({ env: { UPLOAD_CORS_ORIGINS: chat } }),
  ]);
});
afterAll(async () => {
  await Promise.all([cdn?.close(), bucket?.close()]);
});

interface Slot {
  put: { url: string; headers: Record<string, string> };
  get: { url: string };
  key: string;
}

async function upload(stack: LocalStack, filename: string, body: Uint8Array, slotType?: string, putHeaders: Record<string, string> = {}) {
  const response = await fetch(`${stack.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jid: 'mallory@localhost', filename, size: body.byteLength, contentType: slotType }),
  });
  expect(response.status).toBe(201);
  const slot = (await response.json()) as Slot;
  const put = await fetch(slot.put.url, { method: 'PUT', headers: { ...slot.put.headers, ...putHeaders }, body: new Uint8Array(body) });
  expect(put.status).toBe(200);
  return slot;
}

const html = new TextEncoder().encode('<script>alert(document.domain)</script>');
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
/** What an attacker adds, unsigned, to the PUT of a slot requested as `cat.jpg` with no type. */
const hostile = {
  'content-type': 'text/html',
  'content-disposition': 'inline',
  'content-encoding': 'identity',
  'cache-control': 'public, max-age=31536000',
};

const expectSecurityHeaders = (response: Response) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name), name).toBe(value);
};

describe('UPLOAD_DOWNLOADS=cdn on the strict local stack', () => {
  it('hands out GET URLs on the local CDN, and the bucket refuses anonymous reads', async () => {
    const slot = await upload(cdn, 'cat.png', png, 'image/png');
    const direct = await fetch(`${cdn.s3Endpoint}/${LOCAL_BUCKET}/${slot.key}`);

    expect(slot.get.url.startsWith(`${cdn.cdnEndpoint}/uploads/`)).toBe(true);
    expect(direct.status).toBe(403);
    expect(await direct.text()).toContain('<Code>AccessDenied</Code>');
  });

  it("serves an HTML upload as an attachment with CSP and nosniff, without the uploader's headers", async () => {
    const slot = await upload(cdn, 'cat.jpg', html, undefined, hostile);

    const response = await fetch(slot.get.url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''cat.jpg");
    expectSecurityHeaders(response);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('cache-control')).toBeNull();
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(html);
  });

  it('serves a PNG inline with CSP and nosniff', async () => {
    const slot = await upload(cdn, 'cat.png', png, 'image/png');

    const response = await fetch(slot.get.url);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''cat.png");
    expectSecurityHeaders(response);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png);
  });

  it('answers a HEAD with the size and the same headers', async () => {
    const slot = await upload(cdn, 'notes.txt', new TextEncoder().encode('twelve bytes'), 'text/plain');

    const response = await fetch(slot.get.url, { method: 'HEAD' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('12');
    expect(response.headers.get('content-disposition')).toBe("inline; filename*=UTF-8''notes.txt");
    expectSecurityHeaders(response);
  });

  it('adds CORS for a listed browser origin only, on GET and on a preflight', async () => {
    const slot = await upload(cdn, 'cat.png', png, 'image/png');

    const listed = await fetch(slot.get.url, { headers: { origin: chat } });
    const other = await fetch(slot.get.url, { headers: { origin: 'https://evil.example' } });
    const preflight = await fetch(slot.get.url, {
      method: 'OPTIONS',
      headers: { origin: chat, 'access-control-request-method': 'GET', 'access-control-request-headers': 'content-type' },
    });

    expect(listed.headers.get('access-control-allow-origin')).toBe(chat);
    expect(listed.headers.get('access-control-expose-headers')).toBe('ETag');
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(chat);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
  });

  it('ignores the query string, so S3 response-* overrides cannot change the type', async () => {
    const slot = await upload(cdn, 'cat.png', png, 'image/png');

    const response = await fetch(`${slot.get.url}?response-content-type=text%2Fhtml&response-content-disposition=inline`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
  });

  it('refuses writes, keys outside the prefix and missing keys with 403, security headers included', async () => {
    const slot = await upload(cdn, 'cat.png', png, 'image/png');

    const write = await fetch(slot.get.url, { method: 'PUT', body: 'x' });
    const outside = await fetch(`${cdn.cdnEndpoint}/private/report.txt`);
    const missing = await fetch(`${cdn.cdnEndpoint}/uploads/00000000-0000-4000-8000-000000000000/none.txt`);

    for (const response of [write, outside, missing]) {
      expect(response.status).toBe(403);
      expectSecurityHeaders(response);
      expect(response.headers.get('content-disposition')).toBeNull();
    }
  });
});

describe('the default bucket mode next to it', () => {
  it('still serves GET URLs from the bucket as stored, without security headers (what cdn mode fixes)', async () => {
    const slot = await upload(bucket, 'cat.jpg', html, undefined, hostile);

    const response = await fetch(slot.get.url);

    expect(bucket.cdnEndpoint).toBeUndefined();
    expect(slot.get.url.startsWith(`${bucket.s3Endpoint}/${LOCAL_BUCKET}/uploads/`)).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.headers.get('content-disposition')).toBe('inline');
    expect(response.headers.get('content-encoding')).toBe('identity');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000');
    expect(response.headers.get('content-security-policy')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBeNull();
  });
});
