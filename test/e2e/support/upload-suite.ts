/**
 * The client flow both server tests run: discovery through the server, the reply case table, and real uploads
 * through the slots (XEP-0363 §2–§5). Each test file starts its server, the local stack and the bridge.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  discoInfo,
  type FileRequest,
  findUploadServices,
  NS_LEGACY,
  NS_PURPOSE,
  NS_UPLOAD,
  purpose,
  putAndGet,
  slotRequest,
  slotUrls,
  summarise,
} from './upload-flow.ts';
import { type Stanza, type TestClient, xml } from './xmpp-client.ts';

export const SERVICE_JID = 'upload.localhost';
/** The same service signing for Ceph RGW instead of the strict local S3 (a second local stack and bridge). */
export const RGW_SERVICE_JID = 'rgw-upload.localhost';
export const MAX_FILE_SIZE_BYTES = 1_048_576;

/** The local stack's configuration in both tests: only `localhost` is served. */
export const STACK_ENV = {
  UPLOAD_DOMAINS: 'localhost',
  UPLOAD_SERVICE_JID: SERVICE_JID,
  UPLOAD_MAX_FILE_SIZE_BYTES: String(MAX_FILE_SIZE_BYTES),
};

export interface FlowContext {
  /** alice@localhost, a user of the served domain. */
  readonly alice: TestClient;
  /** bob@other.localhost, a user of a domain the service does not serve. */
  readonly bob: TestClient;
}

interface ReplyCase {
  readonly name: string;
  readonly user: 'alice' | 'bob';
  readonly type?: 'get' | 'set';
  readonly payload: () => Stanza;
  readonly expected: string;
}

const file = (over: Partial<FileRequest> = {}): FileRequest => ({ filename: 'photo.jpg', size: 2048, contentType: 'image/jpeg', ...over });

/** Every reply a client can get through the bridge, as `summarise` prints it. */
export const REPLY_CASES: readonly ReplyCase[] = [
  {
    name: 'grants a slot (urn:xmpp:http:upload:0)',
    user: 'alice',
    payload: () => slotRequest(NS_UPLOAD, file()),
    expected: `result slot ${NS_UPLOAD}`,
  },
  {
    name: 'grants a slot (legacy urn:xmpp:http:upload)',
    user: 'alice',
    payload: () => slotRequest(NS_LEGACY, file()),
    expected: `result slot ${NS_LEGACY}`,
  },
  {
    name: 'refuses a file above max-file-size with file-too-large (:0)',
    user: 'alice',
    payload: () => slotRequest(NS_UPLOAD, file({ size: MAX_FILE_SIZE_BYTES + 1 })),
    expected: `error modify not-acceptable file-too-large max=${MAX_FILE_SIZE_BYTES}`,
  },
  {
    name: 'refuses a file above max-file-size with file-too-large (legacy)',
    user: 'alice',
    payload: () => slotRequest(NS_LEGACY, file({ size: MAX_FILE_SIZE_BYTES + 1 })),
    expected: `error modify not-acceptable file-too-large max=${MAX_FILE_SIZE_BYTES}`,
  },
  {
    name: 'refuses a user of a domain not served with not-allowed',
    user: 'bob',
    payload: () => slotRequest(NS_UPLOAD, file()),
    expected: 'error cancel not-allowed',
  },
  {
    name: 'refuses a filename with a slash with bad-request',
    user: 'alice',
    payload: () => slotRequest(NS_UPLOAD, file({ filename: 'a/b.jpg' })),
    expected: 'error modify bad-request',
  },
  {
    name: 'grants a slot for an XEP-0363 1.2 purpose (<profile/>)',
    user: 'alice',
    payload: () => slotRequest(NS_UPLOAD, file(), purpose('profile')),
    expected: `result slot ${NS_UPLOAD}`,
  },
  {
    name: 'refuses the ephemeral purpose in bucket mode with feature-not-implemented',
    user: 'alice',
    payload: () =>
      slotRequest(NS_UPLOAD, file(), purpose('ephemeral', { 'expire-before': new Date(Date.now() + 86_400_000).toISOString() })),
    expected: 'error cancel feature-not-implemented',
  },
  {
    name: 'refuses an unknown purpose with bad-request',
    user: 'alice',
    payload: () => slotRequest(NS_UPLOAD, file(), purpose('stories')),
    expected: 'error modify bad-request',
  },
  { name: 'answers an XEP-0199 ping', user: 'alice', payload: () => xml('ping', { xmlns: 'urn:xmpp:ping' }), expected: 'result' },
  {
    name: 'answers any other IQ with service-unavailable',
    user: 'alice',
    payload: () => xml('query', { xmlns: 'jabber:iq:version' }),
    expected: 'error cancel service-unavailable',
  },
];

/** Registers the shared tests; `ctx()` is read inside each test, after the file's beforeAll. */
export function uploadFlowTests(domain: string, ctx: () => FlowContext): void {
  it(`finds ${SERVICE_JID} through the disco#items of ${domain} and reads max-file-size from its disco#info`, async () => {
    const { alice } = ctx();
    // Both services of the test (strict local S3 and RGW) are listed; this one must be among them.
    expect(await findUploadServices(alice, domain)).toContain(SERVICE_JID);
    const info = await discoInfo(alice, SERVICE_JID);
    expect(info.identity).toBe('store/file');
    expect(info.features).toEqual(expect.arrayContaining([NS_UPLOAD, NS_LEGACY]));
    expect(info.maxFileSize).toEqual({ [NS_UPLOAD]: MAX_FILE_SIZE_BYTES, [NS_LEGACY]: MAX_FILE_SIZE_BYTES });
    // bucket mode: every XEP-0363 1.2 purpose but ephemeral.
    expect(info.features.filter((f) => f.startsWith(NS_PURPOSE))).toEqual(
      ['message', 'profile', 'permanent'].map((name) => `${NS_PURPOSE}#${name}`),
    );
  });

  for (const { name, user, type, payload, expected } of REPLY_CASES) {
    it(name, async () => {
      const reply = await ctx()[user].iq(type ?? 'get', SERVICE_JID, payload());
      expect(reply.attrs.from).toBe(SERVICE_JID);
      expect(summarise(reply)).toBe(expected);
    });
  }

  uploadTests(SERVICE_JID, 'the strict local S3', ctx);
}

/** Real uploads through slots of `serviceJid`, whose local stack signs for `store`. */
export function uploadTests(serviceJid: string, store: string, ctx: () => FlowContext): void {
  it.each([NS_UPLOAD, NS_LEGACY])(
    `uploads into ${store} through a %s slot with only Content-Type and Content-Length and gets the bytes back`,
    async (ns) => {
      const body = randomBytes(4096);
      const contentType = 'application/octet-stream';
      const reply = await ctx().alice.iq(
        'get',
        serviceJid,
        slotRequest(ns, { filename: 'report 1+1.bin', size: body.length, contentType }),
      );
      expect(summarise(reply)).toBe(`result slot ${ns}`);
      const urls = slotUrls(reply, ns);
      expect(urls.headers).toEqual([]);
      expect(urls.put.startsWith('http://127.0.0.1:')).toBe(true);
      const result = await putAndGet(urls, body, contentType);
      expect({ put: result.put, get: result.get }).toEqual({ put: 200, get: 200 });
      expect(Buffer.from(result.bytes).equals(body)).toBe(true);
    },
  );

  it.each(['profile', 'permanent'])(
    `uploads into ${store} through a slot for the %s purpose, under its own prefix, and gets the bytes back`,
    async (name) => {
      const body = randomBytes(2048);
      const reply = await ctx().alice.iq(
        'get',
        serviceJid,
        slotRequest(NS_UPLOAD, { filename: 'avatar.png', size: body.length, contentType: 'image/png' }, purpose(name)),
      );
      expect(summarise(reply)).toBe(`result slot ${NS_UPLOAD}`);
      const urls = slotUrls(reply, NS_UPLOAD);
      expect(new URL(urls.get).pathname).toMatch(new RegExp(`/uploads/${name}/[0-9a-f-]{36}/avatar\\.png$`));
      const result = await putAndGet(urls, body, 'image/png');
      expect({ put: result.put, get: result.get }).toEqual({ put: 200, get: 200 });
      expect(Buffer.from(result.bytes).equals(body)).toBe(true);
    },
  );

  it(`refuses a PUT into ${store} of another size than requested (the URL signs Content-Length)`, async () => {
    const reply = await ctx().alice.iq(
      'get',
      serviceJid,
      slotRequest(NS_UPLOAD, { filename: 'x.bin', size: 100, contentType: 'application/octet-stream' }),
    );
    const result = await putAndGet(slotUrls(reply, NS_UPLOAD), randomBytes(101), 'application/octet-stream');
    expect(result.put).toBe(403);
  });
}
