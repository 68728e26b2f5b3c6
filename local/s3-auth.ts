/**
 * Authenticates a request the way S3 does: no credentials at all is anonymous (the access
 * policy decides), anything signed must be a well-formed, current SigV4 signature by a known
 * access key over the request as received. Refusals are S3's own codes.
 */
import { headerClaim, presignedClaim, type SignatureClaim } from './s3-auth-params.ts';
import { failures, S3Failure } from './s3-errors.ts';
import type { S3Request } from './s3-request.ts';
import { expectedSignature, type S3Credentials, sameSignature } from './s3-sigv4.ts';

/** What the verifier needs to know: the one key pair it accepts, its region, its clock. */
export interface AuthOptions {
  readonly credentials: S3Credentials;
  readonly region: string;
  readonly now: () => Date;
}

/** Who made a request; a signed request may carry the SHA-256 of its body to check while streaming. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'signed'; readonly accessKeyId: string; readonly payloadSha256?: string };

/** S3 tolerates 15 minutes of clock skew for signed requests. */
const MAX_SKEW_MS = 15 * 60_000;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

function checkTime(claim: SignatureClaim, now: Date): void {
  const skewMs = claim.signingDate.getTime() - now.getTime();
  if (claim.expiresSeconds === undefined) {
    if (Math.abs(skewMs) > MAX_SKEW_MS) {
      throw new S3Failure('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
        RequestTime: stamp(claim.signingDate),
        ServerTime: stamp(now),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
    return;
  }
  const expiresAt = new Date(claim.signingDate.getTime() + claim.expiresSeconds * 1000);
  if (now > expiresAt) {
    throw new S3Failure('AccessDenied', 'Request has expired', 403, {
      'X-Amz-Expires': String(claim.expiresSeconds),
      Expires: stamp(expiresAt),
      ServerTime: stamp(now),
    });
  }
  if (skewMs > MAX_SKEW_MS) throw failures.accessDenied('Request is not valid yet');
}

/** S3 refuses `x-amz-*` headers that the signature does not cover. */
function checkHeadersSigned(request: S3Request, claim: SignatureClaim): void {
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !claim.signedHeaders.includes(name));
  if (unsigned.length > 0) {
    throw new S3Failure('AccessDenied', 'There were headers present in the request which were not signed', 403, {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

function checkPayloadHeader(value: string | undefined): string | undefined {
  if (value === undefined) throw new S3Failure('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
  if (value === 'UNSIGNED-PAYLOAD') return undefined;
  if (HEX_SHA256.test(value)) return value.toLowerCase();
  if (value.startsWith('STREAMING-'))
    throw new S3Failure('NotImplemented', 'aws-chunked uploads are not supported by the strict local S3.', 501);
  throw new S3Failure(
    'InvalidArgument',
    'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, or a valid sha256 value.',
    400,
  );
}

/** Authenticates `request`; throws an `S3Failure` with S3's code when S3 would refuse it. */
export async function authenticate(request: S3Request, options: AuthOptions): Promise<Principal> {
  const authorization = request.headers.authorization;
  const presigned = request.query.some((p) => p.name === 'X-Amz-Algorithm');
  const legacy = request.query.some((p) => p.name === 'Signature' || p.name === 'AWSAccessKeyId');
  if ([authorization !== undefined, presigned, legacy].filter(Boolean).length > 1) {
    throw new S3Failure(
      'InvalidArgument',
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      400,
    );
  }
  if (legacy || (authorization !== undefined && !authorization.startsWith('AWS4-HMAC-SHA256 '))) {
    throw new S3Failure(
      'InvalidRequest',
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
      400,
    );
  }
  if (authorization === undefined && !presigned) return { kind: 'anonymous' };
  const claim = authorization === undefined ? presignedClaim(request, options.region) : headerClaim(request, options.region, authorization);
  if (claim.accessKeyId !== options.credentials.accessKeyId) {
    throw new S3Failure('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, {
      AWSAccessKeyId: claim.accessKeyId,
    });
  }
  checkTime(claim, options.now());
  if (request.headers['x-amz-security-token'] !== undefined || request.query.some((p) => p.name === 'X-Amz-Security-Token')) {
    throw new S3Failure('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
  }
  const payloadSha256 = authorization === undefined ? undefined : checkPayloadHeader(request.headers['x-amz-content-sha256']);
  checkHeadersSigned(request, claim);
  const expected = await expectedSignature(request, claim, options.credentials);
  if (!sameSignature(expected, claim.signature)) throw failures.signatureMismatch(claim.accessKeyId);
  return payloadSha256 === undefined
    ? { kind: 'signed', accessKeyId: claim.accessKeyId }
    : { kind: 'signed', accessKeyId: claim.accessKeyId, payloadSha256 };
}
