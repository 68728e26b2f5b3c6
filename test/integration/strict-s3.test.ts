import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StrictS3, startStrictS3 } from '../../local/s3-strict.ts';
import * as h from './strict-s3-helpers.ts';
import { allowedOrigin, bucket, credentials, keyPrefix, newKey, put, region, s3Error } from './strict-s3-helpers.ts';

/** The verifier's frozen clock; presigned URLs are dated relative to it. */
const serverNow = new Date();

let s3: StrictS3;
let dataDir: string;

const objectUrl = (key: string) => h.objectUrl(s3.endpoint, key);
const presign = (key: string, options: Partial<h.PresignOptions> = {}) =>
  h.presign(s3.endpoint, key, { signingDate: serverNow, ...options });
const sdkClient = (creds?: h.Creds) => h.sdkClient(s3.endpoint, creds);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strict-s3-'));
  s3 = await startStrictS3({ dataDir, bucket, keyPrefix, corsOrigins: [allowedOrigin], credentials, region, now: () => serverNow });
});

afterAll(async () => {
  await s3?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('startStrictS3: presigned PUT and public GET', () => {
  it('stores a PUT signed for its size and type with 200 and serves the same bytes to an anonymous GET', async () => {
    const key = newKey();
    const body = randomBytes(1234);

    const res = await put(await presign(key, { size: body.length, contentType: 'image/jpeg' }), body, { 'Content-Type': 'image/jpeg' });
    const got = await fetch(objectUrl(key));

    expect(res.status).toBe(200);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  });

  it('streams a 5 MiB upload and download intact', async () => {
    const key = newKey('video.mp4');
    const body = randomBytes(5 * 1024 * 1024);

    const res = await put(await presign(key, { size: body.length, contentType: 'video/mp4' }), body, { 'Content-Type': 'video/mp4' });
    const got = await fetch(objectUrl(key));

    expect(res.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  });

  it('accepts a unicode filename with spaces and + percent-encoded once', async () => {
    const key = newKey('Grüße aus Köln + 日本 (1).txt');
    const body = Buffer.from('hallo');
    const url = await presign(key, { size: body.length, contentType: 'text/plain' });

    const res = await put(url, body, { 'Content-Type': 'text/plain' });
    const got = await fetch(objectUrl(key));

    expect(url).toContain('Gr%C3%BC%C3%9Fe%20aus%20K%C3%B6ln%20%2B%20');
    expect(res.status).toBe(200);
    expect(await got.text()).toBe('hallo');
  });

  it('accepts a query whose %2F a client re-encoded as /', async () => {
    const key = newKey();
    const body = Buffer.from('re-encoded');
    const url = await presign(key, { size: body.length });
    const [base, query = ''] = url.split('?');

    const res = await put(`${base}?${query.replaceAll('%2F', '/')}`, body);

    expect(query).toContain('%2F');
    expect(res.status).toBe(200);
  });

  it('accepts a Content-Type that was not signed, as S3 ignores unsigned headers, and stores it', async () => {
    const key = newKey('note.txt');
    const body = Buffer.from('typed');

    const res = await put(await presign(key, { size: body.length }), body, { 'Content-Type': 'text/plain' });
    const got = await fetch(objectUrl(key));

    expect(res.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/plain');
  });
});

describe('startStrictS3: refusals like S3', () => {
  const body = Buffer.from('0123456789');
  const tamper = (url: string) => url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);

  it.each([
    ['another size', () => presign(newKey(), { size: body.length + 1 }), {}, 403, 'SignatureDoesNotMatch'],
    [
      'another type',
      () => presign(newKey(), { size: body.length, contentType: 'image/png' }),
      { 'Content-Type': 'image/jpeg' },
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'no type where one was signed',
      () => presign(newKey(), { size: body.length, contentType: 'image/png' }),
      {},
      403,
      'SignatureDoesNotMatch',
    ],
    ['a tampered signature', async () => tamper(await presign(newKey(), { size: body.length })), {}, 403, 'SignatureDoesNotMatch'],
    [
      'a wrong secret',
      () => presign(newKey(), { size: body.length, creds: { ...credentials, secretAccessKey: 'nope' } }),
      {},
      403,
      'SignatureDoesNotMatch',
    ],
    [
      'an unknown access key',
      () => presign(newKey(), { size: body.length, creds: { ...credentials, accessKeyId: 'AKIAUNKNOWN' } }),
      {},
      403,
      'InvalidAccessKeyId',
    ],
    ['an unsigned x-amz-acl header', () => presign(newKey(), { size: body.length }), { 'x-amz-acl': 'public-read' }, 403, 'AccessDenied'],
    [
      'an expired URL',
      () => presign(newKey(), { size: body.length, expiresIn: 300, signingDate: new Date(serverNow.getTime() - 301_000) }),
      {},
      403,
      'AccessDenied',
    ],
    [
      'a URL dated 20 minutes ahead',
      () => presign(newKey(), { size: body.length, signingDate: new Date(serverNow.getTime() + 20 * 60_000) }),
      {},
      403,
      'AccessDenied',
    ],
    [
      'X-Amz-Expires above a week',
      async () => (await presign(newKey(), { size: body.length })).replace('X-Amz-Expires=300', 'X-Amz-Expires=604801'),
      {},
      400,
      'AuthorizationQueryParametersError',
    ],
    [
      'another region',
      () => presign(newKey(), { size: body.length, signingRegion: 'us-east-1' }),
      {},
      400,
      'AuthorizationQueryParametersError',
    ],
    ['no signature at all', async () => objectUrl(newKey()), {}, 403, 'AccessDenied'],
  ])('refuses a PUT with %s', async (_case, makeUrl, headers, status, code) => {
    const url = await makeUrl();

    const res = await put(url, body, headers as Record<string, string>);

    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/xml');
    expect((await s3Error(res)).code).toBe(code);
  });

  it('says why an expired URL was refused and stores nothing', async () => {
    const key = newKey();
    const url = await presign(key, { size: body.length, signingDate: new Date(serverNow.getTime() - 3600_000) });

    const res = await put(url, body);
    const head = await fetch(objectUrl(key), { method: 'HEAD' });

    expect(await s3Error(res)).toEqual({ code: 'AccessDenied', message: 'Request has expired' });
    expect(head.status).toBe(403);
  });

  it('refuses anonymous GETs outside the public prefix and anonymous listing, and hides missing keys', async () => {
    const client = sdkClient();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'private/report.txt', Body: 'secret' }));

    const outside = await fetch(`${s3.endpoint}/${bucket}/private/report.txt`);
    const listing = await fetch(`${s3.endpoint}/${bucket}?list-type=2`);
    const missing = await fetch(objectUrl(newKey()));
    const signedOutside = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'private/report.txt' }));

    expect([outside.status, (await s3Error(outside)).code]).toEqual([403, 'AccessDenied']);
    expect([listing.status, (await s3Error(listing)).code]).toEqual([403, 'AccessDenied']);
    expect([missing.status, (await s3Error(missing)).code]).toEqual([403, 'AccessDenied']);
    expect(await signedOutside.Body?.transformToString()).toBe('secret');
  });
});

describe('startStrictS3: CORS', () => {
  function preflight(origin: string, method: string, headers = 'content-type'): Promise<Response> {
    return fetch(objectUrl(newKey()), {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
    });
  }

  it('answers an allowed preflight with the origin, methods and requested header', async () => {
    const res = await preflight(allowedOrigin, 'PUT');

    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(res.headers.get('access-control-allow-methods')).toBe('PUT, GET, HEAD');
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
    expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
  });

  it.each([
    ['another origin', 'https://evil.example', 'PUT', 'content-type'],
    ['a DELETE', allowedOrigin, 'DELETE', 'content-type'],
    ['an unlisted header', allowedOrigin, 'PUT', 'content-type, x-custom'],
  ])('refuses a preflight from %s with 403', async (_case, origin, method, headers) => {
    const res = await preflight(origin, method, headers);

    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect((await s3Error(res)).code).toBe('AccessForbidden');
  });

  it('puts Access-Control-Allow-Origin on the PUT and GET responses for an allowed origin only', async () => {
    const key = newKey();
    const body = Buffer.from('cors');

    const res = await put(await presign(key, { size: body.length }), body, { Origin: allowedOrigin });
    const got = await fetch(objectUrl(key), { headers: { Origin: allowedOrigin } });
    const other = await fetch(objectUrl(key), { headers: { Origin: 'https://evil.example' } });

    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
    expect(got.headers.get('access-control-allow-origin')).toBe(allowedOrigin);
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
