/**
 * A strict local S3: s3rver (which checks no SigV4 signature and takes anonymous writes)
 * behind a verifier that refuses what real S3 refuses — bad, missing or expired signatures, a
 * size or type other than the signed one, anonymous writes and listing — and answers CORS like
 * the deployed bucket, and expires objects by the lifecycle rules given (local/s3-lifecycle.ts,
 * on the verifier's clock). Path-style URLs only: `http://127.0.0.1:PORT/<bucket>/<key>`.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { authorizeAnonymous } from './s3-access.ts';
import { type AuthOptions, authenticate } from './s3-auth.ts';
import { corsConfigurationXml, corsResponseHeaders, preflightHeaders } from './s3-cors.ts';
import { S3Failure, sendFailure } from './s3-errors.ts';
import { forward, upstreamObjectPath } from './s3-forward.ts';
import { type ExpirationRule, expireIfDue } from './s3-lifecycle.ts';
import { parseS3Request } from './s3-request.ts';
import type { S3Credentials } from './s3-sigv4.ts';

/** Options of {@link startStrictS3}. */
export interface StrictS3Options {
  /** Where s3rver keeps buckets and objects. */
  readonly dataDir: string;
  readonly bucket: string;
  /** Anonymous GET/HEAD is allowed under this prefix only (the bucket policy's public part). */
  readonly keyPrefix: string;
  /**
   * false: anonymous GET/HEAD are refused with 403 AccessDenied everywhere, as S3 does when Block
   * Public Access (account, organisation or bucket) overrides the public-read policy.
   * @default true
   */
  readonly publicRead?: boolean;
  /** Bucket CORS origins (`*` or origins with one `*` wildcard); `[]` disables CORS. */
  readonly corsOrigins: readonly string[];
  /** Lifecycle expiration rules, applied when a GET or HEAD meets an expired object. @default none */
  readonly lifecycle?: readonly ExpirationRule[];
  /** The one key pair the verifier accepts. */
  readonly credentials: S3Credentials;
  readonly region: string;
  /** @default an ephemeral port */
  readonly port?: number;
  /** The verifier's clock. @default `() => new Date()` */
  readonly now?: () => Date;
  /** Called once per answered request; nothing is logged without it. Never sees the query (it holds signatures). */
  readonly log?: (line: object) => void;
}

/** A running strict S3. */
export interface StrictS3 {
  /** `http://127.0.0.1:PORT`, for path-style clients (`forcePathStyle: true`). */
  readonly endpoint: string;
  close(): Promise<void>;
}

interface Context {
  readonly options: StrictS3Options;
  readonly auth: AuthOptions;
  readonly upstreamPort: number;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const { options } = ctx;
  const method = req.method ?? 'GET';
  try {
    const request = parseS3Request(req);
    if (method === 'OPTIONS') {
      for (const [name, value] of Object.entries(preflightHeaders(request, options.corsOrigins))) res.setHeader(name, value);
      res.writeHead(200, { 'Content-Length': '0' }).end();
      return;
    }
    for (const [name, value] of Object.entries(corsResponseHeaders(request, options.corsOrigins))) res.setHeader(name, value);
    const principal = await authenticate(request, ctx.auth);
    if (principal.kind === 'anonymous') authorizeAnonymous(request, options);
    const payloadSha256 = principal.kind === 'signed' ? principal.payloadSha256 : undefined;
    if ((method === 'GET' || method === 'HEAD') && request.key !== '' && options.lifecycle !== undefined) {
      await expireIfDue({
        key: request.key,
        path: upstreamObjectPath(request),
        upstreamPort: ctx.upstreamPort,
        rules: options.lifecycle,
        now: ctx.auth.now(),
      });
    }
    forward(req, res, {
      upstreamPort: ctx.upstreamPort,
      request,
      hideMissing: principal.kind === 'anonymous',
      ...(payloadSha256 ? { payloadSha256 } : {}),
    });
  } catch (error) {
    // The body of a refused request is read and dropped, so the connection stays usable.
    req.resume();
    const failure =
      error instanceof S3Failure ? error : new S3Failure('InternalError', 'We encountered an internal error. Please try again.', 500);
    if (!(error instanceof S3Failure)) options.log?.({ msg: 'strict-s3 internal error', error: String(error) });
    sendFailure(res, failure, method);
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts s3rver on an internal ephemeral port and the verifying proxy in front of it. */
export async function startStrictS3(options: StrictS3Options): Promise<StrictS3> {
  await mkdir(options.dataDir, { recursive: true });
  const configs = options.corsOrigins.length > 0 ? [Buffer.from(corsConfigurationXml(options.corsOrigins))] : [];
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: options.dataDir,
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket, configs }],
  });
  const { port: upstreamPort } = await s3rver.run();
  const ctx: Context = {
    options,
    auth: { credentials: options.credentials, region: options.region, now: options.now ?? (() => new Date()) },
    upstreamPort,
  };
  const server = createServer((req, res) => {
    if (options.log) {
      const started = Date.now();
      res.once('finish', () =>
        options.log?.({ method: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }),
      );
    }
    void handle(req, res, ctx);
  });
  let port: number;
  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    await s3rver.close();
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await s3rver.close();
    },
  };
}
