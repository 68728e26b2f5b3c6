/**
 * S3-shaped failures of the strict local S3. S3 answers every refusal with an XML `<Error>`
 * document whose `<Code>` clients branch on (the AWS SDK maps it to an exception name), so
 * the verifier throws one of these and the server writes it once.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/** A refusal as S3 words it: HTTP status, S3 error code, message, optional extra elements. */
export class S3Failure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 403,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'S3Failure';
  }
}

/** Shorthands for the failures the verifier raises more than once. */
export const failures = {
  accessDenied: (message = 'Access Denied') => new S3Failure('AccessDenied', message),
  signatureMismatch: (accessKeyId: string) =>
    new S3Failure(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      403,
      { AWSAccessKeyId: accessKeyId },
    ),
  queryParameters: (message: string) => new S3Failure('AuthorizationQueryParametersError', message, 400),
  headerMalformed: (message: string) => new S3Failure('AuthorizationHeaderMalformed', message, 400),
};

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for XML content. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c);
}

/** The XML body S3 sends with an error. */
export function errorXml(failure: S3Failure, requestId: string): string {
  const extra = Object.entries(failure.details).map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
    `<Code>${escapeXml(failure.code)}</Code><Message>${escapeXml(failure.message)}</Message>` +
    `${extra.join('')}<RequestId>${requestId}</RequestId></Error>`
  );
}

/** Writes a failure; a HEAD answer carries no body, as with S3. */
export function sendFailure(res: ServerResponse, failure: S3Failure, method: string): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = errorXml(failure, requestId);
  res.statusCode = failure.status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('x-amz-request-id', requestId);
  if (method === 'HEAD') {
    res.end();
    return;
  }
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
