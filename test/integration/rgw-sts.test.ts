/**
 * The production signing path on a real S3: the slot handler's own IAM policy (from the synthesized
 * stack) becomes an RGW role, its temporary credentials (with a session token) reach the slot
 * service through the Lambda's own credential provider (`fromEnv`), and the PUT URLs it signs carry
 * `X-Amz-Security-Token` exactly as the deployed Lambda's do.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Signer } from '../../lambda/adapters/s3-presigner.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type Rgw, startRgw } from '../support/rgw.ts';
import type { SessionCredentials } from '../support/rgw-iam.ts';
import { prepareRgwUploads } from '../support/rgw-uploads.ts';
import { synthStack } from '../support/stack-bucket.ts';

const BUCKET = 'xmpp-s3-upload-sts';

let rgw: Rgw;
let role: SessionCredentials;
let stack: LocalStack;

// 600 s: on a fresh machine the first start installs Ceph (apt), perhaps after the XMPP servers' install.
beforeAll(async () => {
  rgw = await startRgw({ sts: true });
  ({ credentials: role } = await prepareRgwUploads(rgw, BUCKET, synthStack()));
  // What Lambda does for the function: the role's credentials as environment variables.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: role.accessKeyId,
    AWS_SECRET_ACCESS_KEY: role.secretAccessKey,
    AWS_SESSION_TOKEN: role.sessionToken,
  });
  stack = await startLocalStack({ s3: { endpoint: rgw.endpoint, bucket: BUCKET, region: rgw.region, credentials: fromEnv() } });
}, 600_000);

afterAll(async () => {
  await stack?.close();
  await rgw?.close();
});

async function slot(
  filename: string,
  size: number,
): Promise<{ put: { url: string; headers: Record<string, string> }; get: { url: string } }> {
  const res = await fetch(`${stack.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${stack.secret}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ jid: 'alice@localhost/phone', filename, size, contentType: 'image/png' }),
  });
  expect(res.status).toBe(201);
  return res.json();
}

const put = (url: string, body: Buffer) =>
  fetch(url, { method: 'PUT', body: new Uint8Array(body), headers: { 'Content-Type': 'image/png' } });
const code = async (res: Response) => `${res.status} ${/<Code>([^<]*)<\/Code>/.exec(await res.text())?.[1]}`;

describe('PUT URLs signed with role credentials and a session token, on Ceph RGW', () => {
  it('carries the session token in the URL, and RGW stores the upload and serves it back', async () => {
    const body = randomBytes(2048);
    const granted = await slot('from the role.png', body.length);

    const res = await put(granted.put.url, body);
    const got = await fetch(granted.get.url);

    expect(new URL(granted.put.url).searchParams.get('X-Amz-Security-Token')).toBe(role.sessionToken);
    expect(new URL(granted.put.url).searchParams.get('X-Amz-Credential')?.startsWith(`${role.accessKeyId}/`)).toBe(true);
    expect(res.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);
  });

  it.each([
    // RGW cannot decrypt a token whose first character changed and says InvalidArgument; AWS S3 says InvalidToken.
    [
      'a tampered session token',
      (url: URL) => url.searchParams.set('X-Amz-Security-Token', `Q${role.sessionToken.slice(1)}`),
      '400 InvalidArgument',
    ],
    // With STS on, RGW answers every failed signature with AccessDenied (what AWS says here was not measured).
    ['no session token', (url: URL) => url.searchParams.delete('X-Amz-Security-Token'), '403 AccessDenied'],
  ])('refuses a PUT with %s and stores nothing', async (_case, alter, expected) => {
    const body = randomBytes(64);
    const granted = await slot('tampered.png', body.length);
    const url = new URL(granted.put.url);
    alter(url);

    const res = await put(url.href, body);
    const got = await fetch(granted.get.url);

    expect(await code(res)).toBe(expected);
    expect(got.status).toBe(403);
  });

  it('refuses a key outside the prefix, as the handler role may PUT only under it', async () => {
    const signer = createS3Signer({
      bucket: BUCKET,
      region: rgw.region,
      credentials: fromEnv(),
      putUrlTtlSeconds: 300,
      endpoint: rgw.endpoint,
    });
    const { url } = await signer.presignPut({
      key: `private/${randomUUID()}/x.png`,
      sizeBytes: 3,
      contentType: 'image/png',
      now: new Date(),
    });

    expect(await code(await put(url, Buffer.from('abc')))).toBe('403 AccessDenied');
  });
});
