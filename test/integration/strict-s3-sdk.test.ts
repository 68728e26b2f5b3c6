import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeKey } from '../../lambda/core/keys.ts';
import { type StrictS3, startStrictS3 } from '../../local/s3-strict.ts';
import * as h from './strict-s3-helpers.ts';
import { bucket, credentials, keyPrefix, newKey, put, region, s3Error, statusOf } from './strict-s3-helpers.ts';

/** Header-signed requests (AWS SDK admin calls) against the strict local S3, and its log option. */

let s3: StrictS3;
let dataDir: string;

const objectUrl = (key: string) => h.objectUrl(s3.endpoint, key);
const sdkClient = (creds?: h.Creds) => h.sdkClient(s3.endpoint, creds);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strict-s3-sdk-'));
  // The real clock: the SDK signs with it, and S3 allows 15 minutes of skew.
  s3 = await startStrictS3({ dataDir, bucket, keyPrefix, corsOrigins: [], credentials, region });
});

afterAll(async () => {
  await s3?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('startStrictS3: header-signed SDK calls', () => {
  it('serves HeadObject, PutObject and ListObjectsV2 from @aws-sdk/client-s3', async () => {
    const client = sdkClient();
    const key = newKey('sdk.bin');

    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from('sdk body'), ContentType: 'application/octet-stream' }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    const list = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key }));

    expect(head.ContentLength).toBe(8);
    expect(list.Contents?.map((o) => o.Key)).toEqual([key]);
  });

  it('refuses HeadObject signed with a wrong secret with 403', async () => {
    const client = sdkClient({ ...credentials, secretAccessKey: 'wrong-secret' });

    const error = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: newKey() })).catch((e: unknown) => e);

    expect(statusOf(error)).toBe(403);
  });

  it('refuses ListObjectsV2 signed with a wrong secret with SignatureDoesNotMatch', async () => {
    const client = sdkClient({ ...credentials, secretAccessKey: 'wrong-secret' });

    const error = await client.send(new ListObjectsV2Command({ Bucket: bucket })).catch((e: unknown) => e);

    expect((error as Error).name).toBe('SignatureDoesNotMatch');
  });

  it('refuses a header-signed PUT whose body does not match x-amz-content-sha256, storing nothing', async () => {
    const key = newKey('hash.txt');
    const endpoint = new URL(s3.endpoint);
    const signer = new SignatureV4({ service: 's3', region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: endpoint.hostname,
      path: `/${bucket}/${encodeKey(key)}`,
      headers: { host: endpoint.host, 'content-length': '5' },
      body: 'right',
    });

    const { host: _host, 'content-length': _length, ...headers } = signed.headers;
    const res = await fetch(objectUrl(key), { method: 'PUT', body: 'wrong', headers });
    const head = await sdkClient()
      .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      .catch((e: unknown) => e);

    expect([res.status, (await s3Error(res)).code]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    expect(statusOf(head)).toBe(404);
  });
});

describe('startStrictS3: logging', () => {
  it('logs one line per request through the log option, without the signed query', async () => {
    const lines: object[] = [];
    const logDir = await mkdtemp(join(tmpdir(), 'strict-s3-log-'));
    const logged = await startStrictS3({
      dataDir: logDir,
      bucket,
      keyPrefix,
      corsOrigins: [],
      credentials,
      region,
      log: (line) => lines.push(line),
    });
    try {
      const url = await h.presign(logged.endpoint, newKey(), { size: 3, signingDate: new Date() });

      const res = await put(url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`), Buffer.from('abc'));
      await res.text();

      expect(res.status).toBe(403);
      expect(lines).toEqual([expect.objectContaining({ method: 'PUT', status: 403 })]);
      expect(JSON.stringify(lines)).not.toContain('X-Amz-');
    } finally {
      await logged.close();
      await rm(logDir, { recursive: true, force: true });
    }
  });
});
