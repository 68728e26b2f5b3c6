/**
 * The local stand-in for `cdn` mode's CloudFront distribution: GET/HEAD/OPTIONS only, the query
 * string dropped (the cache policy forwards none), the object read from the strict local S3 with
 * a SigV4-signed request as Origin Access Control reads it, the viewer-request function (with
 * `ephemeral` honoured) run before it, the viewer-response function run on
 * every answer below 400 (the very code `cdk synth` deploys, cdn/function-code.ts), then the
 * response headers policy (cdn/response-headers.ts) applied. Plain HTTP on 127.0.0.1: TLS,
 * HTTP/2-3 and the edge cache are CloudFront's and are not imitated.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';
import type { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { viewerRequestCode, viewerResponseCode } from '../cdn/function-code.ts';
import { downloadCors } from '../cdn/response-headers.ts';
import {
  type CfEvent,
  type CfHandler,
  type CfResponse,
  fromCfHeaders,
  loadFunction,
  toCfCookies,
  toCfHeaders,
  toCfQuery,
} from '../cdn/runtime.ts';
import type { Purpose } from '../lambda/core/purposes.ts';
import { applyResponseHeadersPolicy } from './cdn-policy.ts';
import { errorXml, S3Failure } from './s3-errors.ts';
import { s3Signer } from './s3-sigv4.ts';

export interface LocalCdnOptions {
  /** The local S3 (strict embedded or external, `http://127.0.0.1:PORT`), path-style. */
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly region: string;
  /** Signs the origin requests, as OAC signs with CloudFront's service principal (a session token goes along). */
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The bucket policy grants the distribution `s3:GetObject` under this prefix only. */
  readonly keyPrefix: string;
  readonly safeTypes: readonly string[];
  readonly corsOrigins: readonly string[];
  /** With `ephemeral`, the viewer-request function runs, as the construct associates it. @default `['message']` */
  readonly purposes?: readonly Purpose[];
  /** The functions' clock (`Date.now()`); tests move it past an ephemeral expiry. @default the real clock */
  readonly now?: () => Date;
  /** @default an ephemeral port */
  readonly port?: number;
  readonly log?: (line: object) => void;
}

export interface LocalCdn {
  /** `http://127.0.0.1:PORT`; GET URLs are `<url>/<key>`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The SHA-256 of an empty body: origin requests carry none. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** The managed CORS-S3Origin origin request policy's headers, and the ones CloudFront itself forwards to S3. */
const FORWARDED = [
  'origin',
  'access-control-request-method',
  'access-control-request-headers',
  'range',
  'if-none-match',
  'if-modified-since',
];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/** The distribution's functions: viewer-request only with `ephemeral` honoured. */
interface Functions {
  readonly request: CfHandler | undefined;
  readonly response: CfHandler;
}

type Origin = { status: number; headers: Record<string, string | string[]>; body?: IncomingMessage | string };

function s3Refusal(failure: S3Failure): Origin {
  const body = errorXml(failure, 'LOCALCDN');
  return {
    status: failure.status,
    headers: { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)) },
    body,
  };
}

function fetchOrigin(req: IncomingMessage, rawPath: string, options: LocalCdnOptions, signer: SignatureV4): Promise<Origin> {
  const s3 = new URL(options.s3Endpoint);
  const headers: Record<string, string> = { host: s3.host, 'x-amz-content-sha256': EMPTY_SHA256 };
  for (const name of FORWARDED) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  const path = `/${options.bucket}${rawPath}`;
  return signer
    .sign(
      { method: req.method ?? 'GET', protocol: 'http:', hostname: s3.hostname, port: Number(s3.port), path, query: {}, headers },
      // On the stack's clock, which the strict S3 checks the signing time against.
      options.now === undefined ? {} : { signingDate: options.now() },
    )
    .then(
      (signed) =>
        new Promise<Origin>((resolve, reject) => {
          const upstream = httpRequest({ host: s3.hostname, port: s3.port, method: signed.method, path, headers: signed.headers });
          upstream.once('response', (res) => {
            const out: Record<string, string | string[]> = {};
            for (const [name, value] of Object.entries(res.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
            resolve({ status: res.statusCode ?? 502, headers: out, body: res });
          });
          upstream.once('error', reject);
          upstream.end();
        }),
    );
}

function cfEvent(req: IncomingMessage, rawPath: string, rawQuery: string, eventType: CfEvent['context']['eventType']): CfEvent {
  return {
    version: '1.0',
    context: { distributionDomainName: 'local-cdn', distributionId: 'LOCALCDN', eventType, requestId: 'local' },
    viewer: { ip: req.socket.remoteAddress ?? '127.0.0.1' },
    request: {
      method: req.method ?? 'GET',
      uri: rawPath,
      querystring: toCfQuery(rawQuery),
      headers: toCfHeaders(Object.fromEntries(Object.entries(req.headersDistinct).filter(([name]) => name !== 'cookie'))),
      cookies: toCfCookies(req.headers.cookie),
    },
  };
}

/**
 * The viewer-request function's verdict: undefined to go on to the origin (the function returned
 * the request), or the response it generated, which CloudFront sends without the viewer-response function.
 */
async function viewerRequest(run: CfHandler, req: IncomingMessage, rawPath: string, rawQuery: string): Promise<Origin | undefined> {
  const result = (await run(cfEvent(req, rawPath, rawQuery, 'viewer-request'))) as
    | (Partial<CfResponse> & { body?: { encoding?: string; data?: string } })
    | undefined;
  if (typeof result?.statusCode !== 'number') return undefined;
  const body = result.body?.data ?? '';
  const headers = fromCfHeaders(result.headers ?? {});
  return { status: result.statusCode, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body };
}

async function viewerResponse(run: CfHandler, req: IncomingMessage, rawPath: string, rawQuery: string, origin: Origin) {
  const event: CfEvent = {
    ...cfEvent(req, rawPath, rawQuery, 'viewer-response'),
    response: { statusCode: origin.status, statusDescription: '', headers: toCfHeaders(origin.headers), cookies: {} },
  };
  const result = (await run(event)) as CfResponse | undefined;
  if (typeof result?.statusCode !== 'number' || typeof result.headers !== 'object') throw new Error('the function returned no response');
  return { status: result.statusCode, headers: fromCfHeaders(result.headers) };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: LocalCdnOptions, functions: Functions, signer: SignatureV4) {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const rawQuery = mark < 0 ? '' : url.slice(mark + 1);
  let origin: Origin;
  const generated =
    functions.request === undefined || (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS')
      ? undefined
      : await viewerRequest(functions.request, req, rawPath, rawQuery);
  if (generated !== undefined) {
    origin = generated;
  } else if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
    const text = 'This distribution is not configured to allow the HTTP request method that was used for this request.\n';
    origin = { status: 403, headers: { 'content-type': 'text/plain', 'content-length': String(text.length) }, body: text };
  } else {
    let key: string | undefined;
    try {
      key = decodeURIComponent(rawPath.slice(1));
    } catch {
      key = undefined;
    }
    if (key === undefined || !rawPath.startsWith('/'))
      origin = s3Refusal(new S3Failure('InvalidURI', "Couldn't parse the specified URI.", 400));
    else if (method !== 'OPTIONS' && !key.startsWith(options.keyPrefix)) origin = s3Refusal(new S3Failure('AccessDenied', 'Access Denied'));
    else origin = await fetchOrigin(req, rawPath, options, signer);
    // The distribution may GetObject but not ListBucket, so S3 answers it a missing key with 403.
    if (origin.status === 404 && typeof origin.body === 'object') {
      origin.body.resume();
      origin = s3Refusal(new S3Failure('AccessDenied', 'Access Denied'));
    }
  }
  let answer = { status: origin.status, headers: origin.headers };
  if (origin.status < 400 && generated === undefined) {
    answer = await viewerResponse(functions.response, req, rawPath, rawQuery, origin).catch(() => {
      if (typeof origin.body === 'object') origin.body.resume();
      origin = s3Refusal(new S3Failure('FunctionExecutionError', 'The CloudFront function failed.', 502));
      return { status: origin.status, headers: origin.headers };
    });
  }
  const policyRequest = {
    method,
    origin: req.headers.origin,
    accessControlRequestMethod: req.headers['access-control-request-method'] as string | undefined,
  };
  const headers = applyResponseHeadersPolicy(answer.headers, policyRequest, downloadCors(options.corsOrigins));
  res.writeHead(answer.status, { ...headers, via: '1.1 local-cdn (xmpp-s3-upload)' });
  if (typeof origin.body === 'object') pipeline(origin.body, res, () => {});
  else res.end(method === 'HEAD' ? undefined : origin.body);
}

/** Starts the local CDN on 127.0.0.1. */
export async function startLocalCdn(options: LocalCdnOptions): Promise<LocalCdn> {
  const clock = options.now === undefined ? {} : { now: options.now };
  const functions: Functions = {
    response: loadFunction(viewerResponseCode(options.safeTypes), clock),
    request: options.purposes?.includes('ephemeral') ? loadFunction(viewerRequestCode(options.keyPrefix), clock) : undefined,
  };
  const signer = s3Signer(options.region, options.credentials);
  const server = createServer((req, res) => {
    if (options.log) {
      const started = Date.now();
      res.once('finish', () =>
        options.log?.({ cdn: req.method, path: req.url?.split('?')[0], status: res.statusCode, ms: Date.now() - started }),
      );
    }
    handle(req, res, options, functions, signer).catch(() => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
