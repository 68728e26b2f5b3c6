/**
 * Runs one S3 case against one backend the way the product does it: the slot request goes through
 * lambda/core (filename, size and type checks, key naming), the PUT URL comes from the product's
 * presigner, the client PUTs with only Content-Length and Content-Type (as XMPP clients do), and an
 * anonymous GET of the slot's public URL tells whether the object was stored and intact.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createS3Signer } from '../../lambda/adapters/s3-presigner.ts';
import type { ServiceConfig } from '../../lambda/core/config.ts';
import { objectKey } from '../../lambda/core/keys.ts';
import { decideSlot } from '../../lambda/core/slot-service.ts';
import type { S3Case } from './s3-cases.ts';

/** One S3 implementation under test. */
export interface S3Backend {
  readonly name: string;
  readonly kind: 'strict' | 'rgw';
  readonly endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  readonly config: ServiceConfig;
}

/** What a case observes: the PUT's answer and what an anonymous GET of the public URL then finds. */
export interface Outcome {
  readonly put: string;
  readonly get: string;
}

async function describe(res: Response, origin: string | undefined): Promise<string> {
  const text = await res.text();
  const code = res.status === 200 ? '' : ` ${/<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '(no code)'}`;
  const cors = origin === undefined ? '' : `, Access-Control-Allow-Origin ${res.headers.get('access-control-allow-origin') ?? 'absent'}`;
  return `${res.status}${code}${cors}`;
}

export async function runCase(backend: S3Backend, c: S3Case): Promise<Outcome> {
  const { config } = backend;
  const body = randomBytes(c.sizeBytes ?? 1024);
  const request = decideSlot(
    { from: 'alice@localhost/phone', filename: c.filename ?? 'photo.jpg', size: body.length, contentType: c.contentType ?? 'image/jpeg' },
    config,
    new Date(),
  );
  const key = objectKey(c.keyPrefix ?? config.keyPrefix, randomUUID(), request.filename, request);
  const signer = createS3Signer({
    bucket: backend.bucket,
    region: backend.region,
    credentials: c.credentials?.(backend.credentials) ?? backend.credentials,
    putUrlTtlSeconds: config.putUrlTtlSeconds,
    endpoint: backend.endpoint,
    objectAcl: c.objectAcl,
  });
  const now = new Date(Date.now() - (c.signedSecondsAgo ?? 0) * 1000);
  const signed = await signer.presignPut({ key, sizeBytes: request.sizeBytes, contentType: request.contentType, now });
  const getUrl = signer.publicUrl(key);
  const putUrl = c.alterUrl?.(signed.url, getUrl) ?? signed.url;
  const sentType = c.sendContentType === undefined ? request.contentType : (c.sendContentType ?? undefined);
  const sent = c.sendBytes === undefined ? body : randomBytes(c.sendBytes);
  const headers: Record<string, string> = { ...(sentType === undefined ? {} : { 'Content-Type': sentType }), ...c.headers };
  const res = await fetch(putUrl, { method: 'PUT', body: new Uint8Array(sent), headers });
  const put = await describe(res, c.headers?.Origin);
  const got = await fetch(getUrl);
  if (got.status !== 200) return { put, get: await describe(got, undefined) };
  const same = Buffer.from(await got.arrayBuffer()).equals(body);
  return { put, get: `${same ? 'the same bytes' : 'OTHER bytes'} as ${got.headers.get('content-type')}` };
}
