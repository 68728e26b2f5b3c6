/**
 * The parts of an incoming request that S3 authorises on: the raw path (S3 signs the path as
 * sent, single-encoded), the DECODED query (S3 canonicalises from decoded values, so a client
 * that re-encodes `%2F` as `/` still matches), lower-cased headers, and the bucket and key.
 */
import type { IncomingMessage } from 'node:http';
import { S3Failure } from './s3-errors.ts';

/** One query parameter: decoded name and value, plus the raw text for forwarding. */
export interface QueryParam {
  readonly name: string;
  readonly value: string;
  readonly raw: string;
}

/** An incoming path-style S3 request, parsed once. */
export interface S3Request {
  readonly method: string;
  readonly rawPath: string;
  readonly query: readonly QueryParam[];
  /** Lower-cased names; repeated headers joined with `,` as SigV4 canonicalises them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly bucket: string;
  /** Decoded object key; empty for bucket-level and service-level requests. */
  readonly key: string;
}

const invalidUri = () => new S3Failure('InvalidURI', "Couldn't parse the specified URI.", 400);

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalidUri();
  }
}

function parseQuery(rawQuery: string): QueryParam[] {
  return rawQuery
    .split('&')
    .filter((raw) => raw !== '')
    .map((raw) => {
      const eq = raw.indexOf('=');
      const name = eq < 0 ? raw : raw.slice(0, eq);
      const value = eq < 0 ? '' : raw.slice(eq + 1);
      return { name: decode(name), value: decode(value), raw };
    });
}

/** Parses `/<bucket>/<key>?<query>`; throws `InvalidURI` for bad percent-encoding. */
export function parseS3Request(req: IncomingMessage): S3Request {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const rawQuery = mark < 0 ? '' : url.slice(mark + 1);
  if (!rawPath.startsWith('/')) throw invalidUri();
  const slash = rawPath.indexOf('/', 1);
  const bucket = decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash));
  const key = slash < 0 ? '' : decode(rawPath.slice(slash + 1));
  // S3 keys may hold `.` and `..` segments, but s3rver maps keys to file paths: refuse them
  // rather than let a key escape the data directory.
  if (key.split('/').some((segment) => segment === '.' || segment === '..')) throw invalidUri();
  const headers: Record<string, string> = Object.create(null);
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values.join(',');
  }
  return { method: req.method ?? 'GET', rawPath, query: parseQuery(rawQuery), headers, bucket, key };
}

/** The first value of a query parameter, by exact (case-sensitive) name, as S3 reads them. */
export function queryValue(request: S3Request, name: string): string | undefined {
  return request.query.find((param) => param.name === name)?.value;
}

/** The decoded query as the SDK signer takes it, without the parameters named in `omit`. */
export function queryRecord(request: S3Request, omit: ReadonlySet<string>): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = Object.create(null);
  for (const { name, value } of request.query) {
    if (omit.has(name)) continue;
    const seen = record[name];
    record[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return record;
}
