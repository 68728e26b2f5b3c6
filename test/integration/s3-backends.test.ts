/**
 * The S3 case table against two independent S3 implementations: the strict local S3 (s3rver
 * behind our SigV4 verifier) and Ceph's RADOS Gateway, a real S3 implementation that shares no
 * code with the AWS SDK signer. A case where they disagree fails and names the case and backend.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/core/config.ts';
import { type StrictS3, startStrictS3 } from '../../local/s3-strict.ts';
import { type Rgw, startRgw } from '../support/rgw.ts';
import { createStackBucket } from '../support/rgw-bucket.ts';
import { synthStack } from '../support/stack-bucket.ts';
import { runCase, type S3Backend } from './s3-case-run.ts';
import { expectedOf, S3_CASES } from './s3-cases.ts';

const BUCKET = 'xmpp-s3-upload-cases';
const config = parseConfig({ domains: ['localhost'] });
const credentials = { accessKeyId: 'AKIALOCALCASES000001', secretAccessKey: 'local-cases-secret-0123456789' };

let strict: StrictS3 | undefined;
let rgw: Rgw | undefined;
let dataDir: string | undefined;
let backends: S3Backend[] = [];

// 600 s: on a fresh machine the first start installs Ceph (apt), perhaps after the XMPP servers' install.
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 's3-cases-'));
  strict = await startStrictS3({
    dataDir,
    bucket: BUCKET,
    keyPrefix: config.keyPrefix,
    corsOrigins: config.corsOrigins,
    credentials,
    region: 'eu-central-1',
  });
  rgw = await startRgw();
  await createStackBucket(rgw, BUCKET, synthStack().bucket);
  backends = [
    { name: 'strict local S3', kind: 'strict', endpoint: strict.endpoint, bucket: BUCKET, region: 'eu-central-1', credentials, config },
    { name: 'Ceph RGW', kind: 'rgw', endpoint: rgw.endpoint, bucket: BUCKET, region: rgw.region, credentials: rgw.credentials, config },
  ];
}, 600_000);

afterAll(async () => {
  await rgw?.close();
  await strict?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('S3 case table: strict local S3 and Ceph RGW answer alike', () => {
  it.each(S3_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const outcomes = Object.fromEntries(await Promise.all(backends.map(async (b) => [b.name, await runCase(b, c)] as const)));

    expect(outcomes).toEqual(Object.fromEntries(backends.map((b) => [b.name, expectedOf(c, b.kind)])));
  });
});
