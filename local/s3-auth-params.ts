/**
 * Reads the SigV4 parameters of a request, from the query of a presigned URL or from an
 * `Authorization: AWS4-HMAC-SHA256 …` header, and rejects malformed ones with the codes and
 * wording S3 uses (AuthorizationQueryParametersError / AuthorizationHeaderMalformed, 400).
 */
import { failures, type S3Failure } from './s3-errors.ts';
import { queryValue, type S3Request } from './s3-request.ts';

/** The query parameters a SigV4 presigned URL adds; the signer recomputes them. */
export const PRESIGN_PARAMS: ReadonlySet<string> = new Set([
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]);

/** SigV4 presigned URLs live at most a week (S3 and the SDK both cap X-Amz-Expires). */
export const MAX_EXPIRES_SECONDS = 604_800;

/** What a signed request claims: who signed, for which scope and time, over which headers. */
export interface SignatureClaim {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
  readonly signingDate: Date;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** Presigned URLs only: validity after `signingDate`. */
  readonly expiresSeconds?: number;
}

const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const SIGNED_HEADERS = /^[a-z0-9!#$%&'*+.^_`|~-]+(;[a-z0-9!#$%&'*+.^_`|~-]+)*$/;

/** Parses an ISO 8601 basic-format timestamp (`20261122T133000Z`); undefined when malformed. */
export function parseLongDate(text: string): Date | undefined {
  const m = LONG_DATE.exec(text);
  if (!m) return undefined;
  const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function checkScope(credential: string, longDate: string, region: string, fail: (m: string) => S3Failure) {
  const parts = credential.split('/');
  const [accessKeyId, day, scopeRegion, service, terminal] = parts;
  if (parts.length !== 5 || !accessKeyId || !day || !scopeRegion || !service || !terminal) {
    throw fail('the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
  }
  if (day !== longDate.slice(0, 8)) throw fail(`Invalid credential date "${day}". This date is not the same as X-Amz-Date: "${longDate}".`);
  if (scopeRegion !== region) throw fail(`the region '${scopeRegion}' is wrong; expecting '${region}'`);
  if (service !== 's3') throw fail(`incorrect service "${service}". This endpoint belongs to "s3".`);
  if (terminal !== 'aws4_request') throw fail(`incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
  return { accessKeyId, region: scopeRegion, service };
}

function checkSignedHeaders(list: string, fail: (m: string) => S3Failure): string[] {
  if (!SIGNED_HEADERS.test(list)) throw fail(`SignedHeaders "${list}" is malformed; expecting lower-case names separated by ";".`);
  const names = list.split(';');
  if (!names.includes('host')) throw fail('SignedHeaders must include "host".');
  return names;
}

const QUERY_AUTH = [...PRESIGN_PARAMS];

/** The claim of a query-presigned request (`X-Amz-Algorithm` present). */
export function presignedClaim(request: S3Request, region: string): SignatureClaim {
  // A repeated authentication parameter is ambiguous; no signer sends one.
  const repeated = QUERY_AUTH.find((name) => request.query.filter((p) => p.name === name).length > 1);
  if (repeated !== undefined) throw failures.queryParameters(`${repeated} must appear only once.`);
  const [algorithm, credential, longDate, expires, signedHeaders, signature] = QUERY_AUTH.map((name) => queryValue(request, name));
  if (!algorithm || !credential || !longDate || !expires || !signedHeaders || !signature) {
    throw failures.queryParameters(`Query-string authentication version 4 requires the ${QUERY_AUTH.join(', ')} parameters.`);
  }
  if (algorithm !== 'AWS4-HMAC-SHA256') throw failures.queryParameters('X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
  const signingDate = parseLongDate(longDate);
  if (!signingDate) throw failures.queryParameters("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
  if (!/^-?\d+$/.test(expires)) throw failures.queryParameters('X-Amz-Expires should be a number');
  const expiresSeconds = Number(expires);
  if (expiresSeconds < 0) throw failures.queryParameters('X-Amz-Expires must be non-negative');
  if (expiresSeconds > MAX_EXPIRES_SECONDS) {
    throw failures.queryParameters(`X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}`);
  }
  const fail = (m: string) => failures.queryParameters(`Error parsing the X-Amz-Credential parameter; ${m}`);
  const scope = checkScope(credential, longDate, region, fail);
  return { ...scope, signingDate, expiresSeconds, signedHeaders: checkSignedHeaders(signedHeaders, fail), signature };
}

/** The claim of a header-signed request (`Authorization: AWS4-HMAC-SHA256 …`). */
export function headerClaim(request: S3Request, region: string, authorization: string): SignatureClaim {
  const fail = (m: string) => failures.headerMalformed(`The authorization header is malformed; ${m}`);
  const fields = new Map<string, string>();
  for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const [credential, signedHeaders, signature] = ['Credential', 'SignedHeaders', 'Signature'].map((name) => fields.get(name));
  if (!credential || !signedHeaders || !signature)
    throw fail('the authorization header requires three components: Credential, SignedHeaders, and Signature.');
  const longDate = request.headers['x-amz-date'] ?? '';
  const signingDate = parseLongDate(longDate);
  if (!signingDate) throw failures.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
  const scope = checkScope(credential, longDate, region, fail);
  return { ...scope, signingDate, signedHeaders: checkSignedHeaders(signedHeaders, fail), signature };
}
