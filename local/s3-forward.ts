/**
 * Streams an authorised request to s3rver and its answer back, never buffering a body. The
 * signature has been checked already, so the credentials are dropped on the way: s3rver knows
 * only its own key and checks request times against the real clock.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { Hash } from '@smithy/hash-node';
import { PRESIGN_PARAMS } from './s3-auth-params.ts';
import { failures, S3Failure, sendFailure } from './s3-errors.ts';
import type { S3Request } from './s3-request.ts';

/** How to forward one request. */
export interface ForwardPlan {
  readonly upstreamPort: number;
  readonly request: S3Request;
  /** The body must hash to this (header-signed requests with a `x-amz-content-sha256` digest). */
  readonly payloadSha256?: string;
  /** Anonymous callers lack s3:ListBucket, so S3 answers a missing key with 403, not 404. */
  readonly hideMissing: boolean;
}

/** Credentials are dropped before forwarding: s3rver knows only its own key. */
const AUTH_PARAMS = new Set([...PRESIGN_PARAMS, 'X-Amz-Security-Token']);
const DROPPED_REQUEST_HEADERS = new Set([
  'authorization',
  'host',
  'connection',
  'keep-alive',
  'expect',
  'te',
  'upgrade',
  'transfer-encoding',
]);
const DROPPED_RESPONSE_HEADERS = /^(access-control-|connection$|keep-alive$|transfer-encoding$|vary$)/;

/** Passes the body through, holding back the last chunk until its SHA-256 is known to match. */
class PayloadCheck extends Transform {
  readonly #hash = new Hash('sha256');
  #held: Buffer | undefined;
  constructor(readonly expected: string) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#hash.update(chunk);
    if (this.#held) this.push(this.#held);
    this.#held = chunk;
    callback();
  }
  override _flush(callback: TransformCallback): void {
    this.#hash.digest().then((digest) => {
      if (Buffer.from(digest).toString('hex') !== this.expected) {
        callback(
          new S3Failure('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400),
        );
        return;
      }
      callback(null, this.#held);
    }, callback);
  }
}

/**
 * s3rver stores a key as a file path, each segment a file or folder name plus a suffix of up to
 * 22 bytes (`._S3rver_metadata.json`), and crashes on names the file system refuses (255 bytes).
 * S3 keys may hold any segment up to the 1024-byte key limit, and a slot's filename may be 255 bytes
 * of UTF-8: such segments are stored under a hash of themselves instead (a listing shows that name).
 */
const MAX_STORED_SEGMENT_BYTES = 200;

function storedSegment(raw: string): string {
  const segment = decodeURIComponent(raw);
  if (Buffer.byteLength(segment, 'utf8') <= MAX_STORED_SEGMENT_BYTES) return raw;
  return `~sha256-${createHash('sha256').update(segment, 'utf8').digest('hex')}`;
}

/** Where s3rver keeps the object of `request` (path only). */
export function upstreamObjectPath(request: S3Request): string {
  return request.rawPath.split('/').map(storedSegment).join('/');
}

function upstreamPath(request: S3Request): string {
  const path = upstreamObjectPath(request);
  const query = request.query.filter((p) => !AUTH_PARAMS.has(p.name)).map((p) => p.raw);
  return query.length > 0 ? `${path}?${query.join('&')}` : path;
}

function fail(res: ServerResponse, method: string, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendFailure(
    res,
    error instanceof S3Failure ? error : new S3Failure('InternalError', 'We encountered an internal error. Please try again.', 500),
    method,
  );
}

function answer(res: ServerResponse, upstream: IncomingMessage, plan: ForwardPlan): void {
  const { method } = plan.request;
  if (plan.hideMissing && upstream.statusCode === 404) {
    upstream.resume();
    sendFailure(res, failures.accessDenied(), method);
    return;
  }
  for (const [name, value] of Object.entries(upstream.headers)) {
    if (value !== undefined && !DROPPED_RESPONSE_HEADERS.test(name)) res.setHeader(name, value);
  }
  // S3 answers a successful PutObject with 200 (XEP-0363 clients accept any 2xx).
  res.writeHead(method === 'PUT' && upstream.statusCode === 201 ? 200 : (upstream.statusCode ?? 502));
  pipeline(upstream, res, () => {});
}

/** Forwards `req` to s3rver per `plan` and streams the answer to `res`. */
export function forward(req: IncomingMessage, res: ServerResponse, plan: ForwardPlan): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !DROPPED_REQUEST_HEADERS.has(name)) headers[name] = value;
  }
  headers.host = `127.0.0.1:${plan.upstreamPort}`;
  const upstream = httpRequest({
    host: '127.0.0.1',
    port: plan.upstreamPort,
    method: plan.request.method,
    path: upstreamPath(plan.request),
    headers,
  });
  upstream.on('response', (upstreamRes) => answer(res, upstreamRes, plan));
  const done = (error: Error | null | undefined) => {
    if (error) fail(res, plan.request.method, error);
  };
  if (plan.payloadSha256 === undefined) pipeline(req, upstream, done);
  else pipeline(req, new PayloadCheck(plan.payloadSha256), upstream, done);
}
