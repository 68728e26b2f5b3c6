/**
 * What an anonymous caller may do, mirroring the deployed bucket: the bucket policy grants
 * `s3:GetObject` to everyone on `<bucket>/<keyPrefix>*` and nothing else — no writes, no
 * listing, no other object subresources (ACL, tagging, …).
 */
import { failures, S3Failure } from './s3-errors.ts';
import type { S3Request } from './s3-request.ts';

/** The public part of the bucket. */
export interface PublicReadPolicy {
  readonly bucket: string;
  readonly keyPrefix: string;
  /** false: no anonymous read at all, as with S3 Block Public Access on the account. @default true */
  readonly publicRead?: boolean;
}

/** Query parameters that make a GET another action than `s3:GetObject` (S3 "subresources"). */
const SUBRESOURCES = new Set([
  'acl',
  'attributes',
  'legal-hold',
  'retention',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versions',
  'list-type',
  'location',
  'policy',
  'cors',
]);

/** Throws S3's refusal unless an anonymous request is a plain GET/HEAD under the public prefix. */
export function authorizeAnonymous(request: S3Request, policy: PublicReadPolicy): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') throw failures.accessDenied();
  // Block Public Access makes S3 ignore the public bucket policy: anonymous reads get the plain AccessDenied.
  if (policy.publicRead === false) throw failures.accessDenied();
  if (request.bucket !== policy.bucket || request.key === '' || !request.key.startsWith(policy.keyPrefix)) throw failures.accessDenied();
  if (request.query.some((p) => SUBRESOURCES.has(p.name))) throw failures.accessDenied();
  if (request.query.some((p) => p.name.startsWith('response-'))) {
    throw new S3Failure('InvalidRequest', 'Request specific response headers cannot be used for anonymous GET requests.', 400);
  }
}
