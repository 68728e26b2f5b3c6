import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StrictS3, startStrictS3 } from '../../local/s3-strict.ts';
import * as h from './strict-s3-helpers.ts';

/** `publicRead: false`: the strict local S3 as an account with S3 Block Public Access answers. */
let s3: StrictS3;
let dataDir: string;
const now = new Date();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'strict-s3-bpa-'));
  const { bucket, keyPrefix, credentials, region, allowedOrigin } = h;
  s3 = await startStrictS3({
    dataDir,
    bucket,
    keyPrefix,
    credentials,
    region,
    corsOrigins: [allowedOrigin],
    publicRead: false,
    now: () => now,
  });
});

afterAll(async () => {
  await s3?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('startStrictS3 with publicRead: false', () => {
  it('still stores a presigned PUT, but refuses the anonymous GET and HEAD of it with 403 AccessDenied', async () => {
    const key = h.newKey('note.txt');
    const body = randomBytes(64);
    const url = await h.presign(s3.endpoint, key, { size: body.length, signingDate: now });

    const stored = await h.put(url, body);
    const get = await fetch(h.objectUrl(s3.endpoint, key));
    const head = await fetch(h.objectUrl(s3.endpoint, key), { method: 'HEAD' });

    expect(stored.status).toBe(200);
    expect(get.status).toBe(403);
    expect(await h.s3Error(get)).toEqual({ code: 'AccessDenied', message: 'Access Denied' });
    expect(head.status).toBe(403);
  });
});
