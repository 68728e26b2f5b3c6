/**
 * Helpers for the strict local S3 tests: presigned URLs made with the SDK's own signer the way
 * the slot service makes them, S3 error parsing, and an SDK client set up for path-style access.
 */
import { randomUUID } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { encodeKey, encodeSegment } from '../../lambda/core/keys.ts';

export const bucket = 'uploads-test';
export const keyPrefix = 'uploads/';
export const region = 'eu-central-1';
export const credentials = { accessKeyId: 'AKIALOCALTEST0000001', secretAccessKey: 'local-test-secret-0123456789' };
export const allowedOrigin = 'https://chat.example.org';

export type Creds = { accessKeyId: string; secretAccessKey: string };

export interface PresignOptions {
  method?: string;
  size?: number;
  contentType?: string;
  expiresIn?: number;
  signingDate: Date;
  creds?: Creds;
  signingRegion?: string;
}

/** A fresh key under the public prefix. */
export function newKey(filename = 'photo.jpg'): string {
  return `${keyPrefix}${randomUUID()}/${filename}`;
}

/** The unsigned (public) URL of a key. */
export function objectUrl(endpoint: string, key: string): string {
  return `${endpoint}/${bucket}/${encodeKey(key)}`;
}

/** A presigned URL as the SDK's presigner makes it: signed host, content-length and optional type, UNSIGNED-PAYLOAD. */
export async function presign(endpoint: string, key: string, options: PresignOptions): Promise<string> {
  const { method = 'PUT', size, contentType, expiresIn = 300, signingDate, creds = credentials, signingRegion = region } = options;
  const base = new URL(endpoint);
  const signer = new SignatureV4({
    service: 's3',
    region: signingRegion,
    credentials: creds,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });
  const headers: Record<string, string> = { host: base.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' };
  if (size !== undefined) headers['content-length'] = String(size);
  if (contentType !== undefined) headers['content-type'] = contentType;
  const path = `/${bucket}/${encodeKey(key)}`;
  const request = { method, protocol: 'http:', hostname: base.hostname, port: Number(base.port), path, query: {}, headers };
  const signed = await signer.presign(request, { expiresIn, signingDate });
  const query = Object.entries(signed.query ?? {}).map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(String(value))}`);
  return `${endpoint}${signed.path}?${query.join('&')}`;
}

/** A PUT with `fetch`, which sends Content-Length itself and no Content-Type unless given. */
export function put(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'PUT', body: new Uint8Array(body), headers });
}

/** Code and message of an S3 XML error body. */
export async function s3Error(res: Response): Promise<{ code: string | undefined; message: string | undefined }> {
  const xml = await res.text();
  return { code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1], message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] };
}

/** An SDK client as the CLI and tests use it against the local endpoint. */
export function sdkClient(endpoint: string, creds: Creds = credentials): S3Client {
  return new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    credentials: creds,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
}

/** The HTTP status of a rejected SDK call. */
export function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
