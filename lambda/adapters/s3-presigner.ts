/**
 * Presigned S3 PUT URLs with the AWS SDK's own SigV4 signer, called directly: this is what
 * `S3RequestPresigner` does underneath, without building an S3 client or its middleware
 * stack (which `getSignedUrl` does per call, and which adds flexible-checksum parameters that
 * real S3 then rejects for a presigned upload).
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { bucketBaseUrl } from '../core/config-downloads.ts';
import { encodeKey, encodeSegment } from '../core/keys.ts';
import type { PresignPutInput, UploadSigner } from '../core/ports.ts';

export interface S3SignerOptions {
  readonly bucket: string;
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly putUrlTtlSeconds: number;
  /** An S3-compatible endpoint (`http://127.0.0.1:4569`); URLs are then path-style. */
  readonly endpoint?: string | undefined;
  /** Base of GET URLs; defaults to the bucket's URL. */
  readonly publicBaseUrl?: string | undefined;
  /** `public-read` puts `x-amz-acl` into the signed query. */
  readonly objectAcl?: 'public-read' | undefined;
}

export function createS3Signer(options: S3SignerOptions): UploadSigner {
  const signer = new SignatureV4({
    service: 's3',
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as sent: each segment encoded once, never twice.
    uriEscapePath: false,
    applyChecksum: false,
  });
  const base = new URL(bucketBaseUrl(options));
  const basePath = base.pathname.replace(/\/+$/, '');
  const publicBase = options.publicBaseUrl ?? base.href.replace(/\/+$/, '');

  return {
    async presignPut({ key, sizeBytes, contentType, now }: PresignPutInput) {
      const headers: Record<string, string> = {
        host: base.host,
        'content-length': String(sizeBytes),
        // Hoisted into the query; S3 must not expect a hash of a body it has not seen.
        'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD',
      };
      // Sign the type exactly as requested, or not at all when none was given (docs/architecture.md, Storage).
      if (contentType !== undefined) headers['content-type'] = contentType;
      if (options.objectAcl !== undefined) headers['x-amz-acl'] = options.objectAcl;
      const signed = await signer.presign(
        {
          method: 'PUT',
          protocol: base.protocol,
          hostname: base.hostname,
          port: portOf(base),
          path: `${basePath}/${encodeKey(key)}`,
          headers,
          query: {},
        },
        { expiresIn: options.putUrlTtlSeconds, signingDate: now },
      );
      const query = Object.entries(signed.query ?? {})
        .map(([name, value]) => `${encodeSegment(name)}=${encodeSegment(String(value))}`)
        .join('&');
      return { url: `${base.origin}${signed.path}?${query}`, expiresAt: new Date(now.getTime() + options.putUrlTtlSeconds * 1000) };
    },
    publicUrl(key: string) {
      return `${publicBase}/${encodeKey(key)}`;
    },
  };
}

function portOf(url: URL): number | undefined {
  return url.port === '' ? undefined : Number(url.port);
}
