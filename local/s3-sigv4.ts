/**
 * Recomputes a request's SigV4 signature with the AWS SDK's own signer (no hand-written
 * crypto) and compares it in constant time. The signer is fed exactly what S3 canonicalises:
 * the raw path (`uriEscapePath: false`, as for S3), the decoded query minus the signature,
 * only the headers the client listed as signed, and for presigned URLs `UNSIGNED-PAYLOAD`.
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { PRESIGN_PARAMS, type SignatureClaim } from './s3-auth-params.ts';
import { queryRecord, type S3Request } from './s3-request.ts';

/** Static credentials the strict S3 accepts. */
export interface S3Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

type SignableRequest = Parameters<SignatureV4['presign']>[0];

const PAYLOAD_HEADER = 'x-amz-content-sha256';
/**
 * Stands in for the body, which is streamed and never buffered: given a body that is neither
 * string nor bytes, the SDK's signer canonicalises the payload as `UNSIGNED-PAYLOAD`, which is
 * what S3 uses for presigned URLs. Header-signed requests carry their hash in a header.
 */
const STREAMED_BODY = Object.freeze({ streamed: true });

function signableRequest(request: S3Request, claim: SignatureClaim, presigned: boolean): SignableRequest {
  const headers: Record<string, string> = {};
  for (const name of claim.signedHeaders) {
    const value = request.headers[name];
    // A signed header the request lacks stays out, so the recomputed signature cannot match.
    if (value !== undefined) headers[name] = value;
  }
  const payloadHash = request.headers[PAYLOAD_HEADER];
  if (!presigned && payloadHash !== undefined) headers[PAYLOAD_HEADER] = payloadHash;
  const query = queryRecord(request, presigned ? PRESIGN_PARAMS : new Set());
  const [hostname = '', port] = (request.headers.host ?? '').split(':');
  return {
    method: request.method,
    protocol: 'http:',
    hostname,
    port: port ? Number(port) : undefined,
    path: request.rawPath,
    query,
    headers,
    body: STREAMED_BODY,
  };
}

function signatureOf(authorization: unknown): string {
  return typeof authorization === 'string' ? (/Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '') : '';
}

/** The SDK's SigV4 signer set up as S3 signs: the path as sent, no checksum. */
export function s3Signer(region: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
    applyChecksum: false,
  });
}

/** The signature S3 would expect for this request under `credentials`. */
export async function expectedSignature(request: S3Request, claim: SignatureClaim, credentials: S3Credentials): Promise<string> {
  const signer = s3Signer(claim.region, credentials);
  const signed = new Set(claim.signedHeaders);
  const common = { signingDate: claim.signingDate, signingRegion: claim.region, signingService: claim.service, signableHeaders: signed };
  if (claim.expiresSeconds !== undefined) {
    const presigned = await signer.presign(signableRequest(request, claim, true), {
      ...common,
      expiresIn: claim.expiresSeconds,
      unhoistableHeaders: signed,
    });
    return String(presigned.query?.['X-Amz-Signature'] ?? '');
  }
  const unsigned = signed.has(PAYLOAD_HEADER) ? new Set<string>() : new Set([PAYLOAD_HEADER]);
  const result = await signer.sign(signableRequest(request, claim, false), { ...common, unsignableHeaders: unsigned });
  return signatureOf(result.headers.authorization);
}

/** Constant-time comparison of two hex signatures. */
export function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}
