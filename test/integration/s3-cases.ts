/**
 * The S3 case table both backends (the strict local S3 and Ceph RGW) must answer identically. Each
 * case is a slot as the product grants it and a PUT as a client sends it, with one thing changed.
 * `awsNote` records where AWS S3 itself answers otherwise or in other detail, with the evidence.
 */
import type { S3Backend } from './s3-case-run.ts';

type Credentials = S3Backend['credentials'];

export interface S3Case {
  readonly name: string;
  /** The slot request (defaults: photo.jpg, 1024 bytes, image/jpeg). */
  readonly filename?: string;
  readonly sizeBytes?: number;
  /** `''` requests a slot with no type, as browsers do for unknown types. */
  readonly contentType?: string;
  readonly keyPrefix?: string;
  readonly objectAcl?: 'public-read';
  readonly credentials?: (own: Credentials) => Credentials;
  /** Sign as if the slot had been granted this long ago. */
  readonly signedSecondsAgo?: number;
  /** What the client does differently: other byte count, other type (`null`: none), URL, headers. */
  readonly sendBytes?: number;
  readonly sendContentType?: string | null;
  readonly alterUrl?: (putUrl: string, getUrl: string) => string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expected: Expected;
  /** Where RGW knowingly answers otherwise than the strict local S3: its outcome and what that means. */
  readonly rgw?: Expected & { readonly why: string };
  readonly awsNote?: string;
}

interface Expected {
  readonly put: string;
  readonly get: string;
}

/** What `backend` must answer to `c`. */
export function expectedOf(c: S3Case, kind: S3Backend['kind']): Expected {
  return kind === 'rgw' && c.rgw !== undefined ? { put: c.rgw.put, get: c.rgw.get } : c.expected;
}

const ORIGIN = 'https://chat.example.org';
const stored = (type: string) => `the same bytes as ${type}`;
const ok = { put: '200', get: stored('image/jpeg') };
const absent = '403 AccessDenied';
const refused = (code: string) => ({ put: `403 ${code}`, get: absent });
const tamper = (url: string) => url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);

/** A name whose UTF-8 form is exactly 255 bytes (the filename limit): 125 × "ü" (2 bytes) + "x.txt". */
export const NAME_255_BYTES = `${'ü'.repeat(125)}x.txt`;

const awkward: readonly [string, string][] = [
  ['a space', 'holiday photo.jpg'],
  ['a plus', '1+1=2.jpg'],
  ['a percent sign', '100% sure %2F.jpg'],
  ['a tilde', '~backup~.jpg'],
  ['an apostrophe', "it's mine.jpg"],
  ['parentheses', 'photo (1).jpg'],
  ['an exclamation mark', 'wow!.jpg'],
  ['?, #, & and =', 'what?#a&b=c.jpg'],
  ['unicode', 'Grüße aus Köln 日本 Ελλάδα.jpg'],
  ['emoji', '🎉 party 🐈‍⬛.jpg'],
  ['a 255-byte UTF-8 name', NAME_255_BYTES],
  ['a 600-byte name the service shortens to 254 bytes', `${'ü'.repeat(300)}.jpg`],
];

export const S3_CASES: readonly S3Case[] = [
  { name: 'stores a PUT as XMPP clients send it (Content-Length and Content-Type only)', expected: ok },
  ...awkward.map(([what, filename]): S3Case => ({ name: `stores and serves a filename with ${what}`, filename, expected: ok })),
  { name: 'stores a 1 MiB PUT byte for byte', sizeBytes: 1024 * 1024, expected: ok },
  { name: 'stores an empty file', sizeBytes: 0, contentType: 'text/plain', expected: { put: '200', get: stored('text/plain') } },
  {
    name: 'stores a type the slot did not sign (S3 ignores unsigned headers)',
    contentType: '',
    sendContentType: 'text/plain; charset=utf-8',
    expected: { put: '200', get: stored('text/plain; charset=utf-8') },
  },
  { name: 'accepts a query whose %2F the client re-encoded as /', alterUrl: (url) => url.replaceAll('%2F', '/'), expected: ok },
  { name: 'refuses another size than the slot’s (one byte more)', sendBytes: 1025, expected: refused('SignatureDoesNotMatch') },
  { name: 'refuses another size than the slot’s (one byte less)', sendBytes: 1023, expected: refused('SignatureDoesNotMatch') },
  { name: 'refuses another type than the signed one', sendContentType: 'image/png', expected: refused('SignatureDoesNotMatch') },
  { name: 'refuses no type where one was signed', sendContentType: null, expected: refused('SignatureDoesNotMatch') },
  { name: 'refuses a tampered signature', alterUrl: tamper, expected: refused('SignatureDoesNotMatch') },
  {
    name: 'refuses a URL signed with another secret',
    credentials: (own) => ({ ...own, secretAccessKey: `${own.secretAccessKey}x` }),
    expected: refused('SignatureDoesNotMatch'),
  },
  {
    name: 'refuses a URL signed with an unknown access key',
    credentials: (own) => ({ ...own, accessKeyId: 'AKIAUNKNOWN000000000' }),
    expected: refused('InvalidAccessKeyId'),
  },
  {
    name: 'refuses an expired URL (signed putUrlTtlSeconds + 60 s ago)',
    signedSecondsAgo: 360,
    expected: refused('AccessDenied'),
    awsNote: 'AWS and the strict local S3 say "Request has expired" in <Message>; RGW leaves <Message> empty',
  },
  { name: 'refuses an anonymous PUT to the GET URL', alterUrl: (_put, get) => get, expected: refused('AccessDenied') },
  {
    name: 'answers a browser’s PUT with CORS headers',
    headers: { Origin: ORIGIN },
    expected: { put: '200, Access-Control-Allow-Origin *', get: stored('image/jpeg') },
  },
  {
    name: 'answers a refused browser PUT with CORS headers, so the browser sees the 403',
    headers: { Origin: ORIGIN },
    sendBytes: 1025,
    expected: { put: '403 SignatureDoesNotMatch, Access-Control-Allow-Origin *', get: absent },
    rgw: {
      put: '403 SignatureDoesNotMatch, Access-Control-Allow-Origin absent',
      get: absent,
      why: 'RGW 16.2 adds CORS headers only to successful answers: a browser client reports a CORS error instead of the 403 (docs/local-stack.md)',
    },
    awsNote: 'what AWS S3 sends on a refused PUT was not measured here (no AWS account)',
  },
  {
    name: 'ignores x-amz-acl=public-read hoisted into the query (objectAcl) outside the public prefix',
    keyPrefix: 'private/',
    objectAcl: 'public-read',
    expected: { put: '200', get: absent },
    awsNote:
      'AWS S3 honours the hoisted x-amz-acl on a bucket with ACLs enabled (the GET would be 200); RGW 16.2 ignores it ' +
      '(it honours only an x-amz-acl header, which XMPP clients do not send), and the strict local S3 has no ACLs',
  },
];
