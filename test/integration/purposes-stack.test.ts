/**
 * XEP-0363 1.2.0 purposes on the strict local stack, over real HTTP: each purpose through both
 * slot routes lands under its own prefix and downloads; disco#info advertises what the mode
 * honours; `ephemeral` is refused in `bucket` mode and, in `cdn` mode, served by the local CDN
 * until its expiry and answered 410 from then on; the strict S3 applies the lifecycle rules the
 * construct writes, on the clock the tests move.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeKey } from '../../lambda/core/keys.ts';
import { s3Signer } from '../../local/s3-sigv4.ts';
import { LOCAL_BUCKET, LOCAL_REGION, LOCAL_S3_CREDENTIALS, type LocalStack, startLocalStack } from '../../local/stack.ts';

const DAY_MS = 86_400_000;
const PURPOSE = 'urn:xmpp:http:upload:purpose:0';
let offsetMs = 0;
const now = () => new Date(Date.now() + offsetMs);
let bucket: LocalStack;
let cdn: LocalStack;

beforeAll(async () => {
  [bucket, cdn] = await Promise.all([
    startLocalStack({ env: { UPLOAD_PROFILE_RETENTION_DAYS: '30' }, now }),
    startLocalStack({ env: { UPLOAD_DOWNLOADS: 'cdn' }, now }),
  ]);
});
afterAll(async () => {
  await Promise.all([bucket?.close(), cdn?.close()]);
});
afterEach(() => {
  offsetMs = 0;
});

interface Granted {
  readonly put: string;
  readonly get: string;
}

const auth = (stack: LocalStack) => ({ authorization: `Bearer ${stack.secret}` });

async function jsonSlot(stack: LocalStack, size: number, fields: Record<string, string>): Promise<Response> {
  return fetch(`${stack.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { ...auth(stack), 'content-type': 'application/json' },
    body: JSON.stringify({ jid: 'alice@localhost/phone', filename: 'note.txt', size, contentType: 'text/plain', ...fields }),
  });
}

async function stanza(stack: LocalStack, payload: string): Promise<string> {
  const response = await fetch(`${stack.endpoint}/xmpp`, {
    method: 'POST',
    headers: { ...auth(stack), 'content-type': 'application/xmpp+xml' },
    body: `<iq type='get' id='p1' from='alice@localhost/phone' to='upload.localhost'>${payload}</iq>`,
  });
  expect(response.status).toBe(200);
  return (await response.text()).replace(/"/g, "'");
}

const xmlUnescape = (url: string) => url.replace(/&amp;/g, '&');

async function stanzaSlot(stack: LocalStack, size: number, child: string): Promise<Granted> {
  const xml = await stanza(
    stack,
    `<request xmlns='urn:xmpp:http:upload:0' filename='note.txt' size='${size}' content-type='text/plain'>${child}</request>`,
  );
  const put = /<put url='([^']+)'/.exec(xml)?.[1];
  const get = /<get url='([^']+)'/.exec(xml)?.[1];
  if (put === undefined || get === undefined) throw new Error(`no slot: ${xml}`);
  return { put: xmlUnescape(put), get: xmlUnescape(get) };
}

async function upload(slot: Granted, body: string): Promise<void> {
  const put = await fetch(slot.put, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body });
  expect(put.status).toBe(200);
}

/** A slot through one route or the other, uploaded. */
async function uploaded(stack: LocalStack, route: 'xmpp' | 'json', body: string, purpose?: string, expireBefore?: string) {
  let slot: Granted;
  if (route === 'json') {
    const fields: Record<string, string> = {
      ...(purpose === undefined ? {} : { purpose }),
      ...(expireBefore === undefined ? {} : { expireBefore }),
    };
    const response = await jsonSlot(stack, body.length, fields);
    expect(response.status).toBe(201);
    const json = (await response.json()) as { put: { url: string }; get: { url: string } };
    slot = { put: json.put.url, get: json.get.url };
  } else {
    const attribute = expireBefore === undefined ? '' : ` expire-before='${expireBefore}'`;
    slot = await stanzaSlot(stack, body.length, purpose === undefined ? '' : `<${purpose} xmlns='${PURPOSE}'${attribute}/>`);
  }
  await upload(slot, body);
  return slot;
}

const features = (xml: string) => [...xml.matchAll(/<feature var='([^']+)'\/>/g)].map((m) => m[1]).filter((f) => f?.startsWith(PURPOSE));
const keyOf = (stack: LocalStack, url: string) =>
  decodeURIComponent(new URL(url).pathname).slice(stack.cdnEndpoint === undefined ? `/${LOCAL_BUCKET}/`.length : 1);

describe('bucket mode on the strict local stack', () => {
  it('advertises message, profile and permanent, not ephemeral', async () => {
    const xml = await stanza(bucket, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);

    expect(features(xml)).toEqual([`${PURPOSE}#message`, `${PURPOSE}#profile`, `${PURPOSE}#permanent`]);
  });

  it.each([
    ['xmpp', undefined, 'message'],
    ['json', undefined, 'message'],
    ['xmpp', 'message', 'message'],
    ['json', 'profile', 'profile'],
    ['xmpp', 'profile', 'profile'],
    ['json', 'permanent', 'permanent'],
    ['xmpp', 'permanent', 'permanent'],
  ] as const)('grants a %s slot for purpose %s under uploads/%s/ and serves it', async (route, purpose, prefix) => {
    const slot = await uploaded(bucket, route, `a ${prefix} file`, purpose);

    expect(keyOf(bucket, slot.get)).toMatch(new RegExp(`^uploads/${prefix}/[0-9a-f-]{36}/note\\.txt$`));
    const get = await fetch(slot.get);
    expect(get.status).toBe(200);
    expect(await get.text()).toBe(`a ${prefix} file`);
  });

  it('refuses ephemeral on /xmpp with cancel/feature-not-implemented, saying why, and on /v1/slots with 422', async () => {
    const expireBefore = new Date(Date.now() + DAY_MS).toISOString();

    const xml = await stanza(
      bucket,
      `<request xmlns='urn:xmpp:http:upload:0' filename='a.txt' size='1'><ephemeral xmlns='${PURPOSE}' expire-before='${expireBefore}'/></request>`,
    );
    const json = await jsonSlot(bucket, 1, { purpose: 'ephemeral', expireBefore });

    expect(xml).toContain("<error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
    expect(xml).toContain('cannot promise that a file is gone by expire-before');
    expect(json.status).toBe(422);
    expect(((await json.json()) as { error: { condition: string } }).error.condition).toBe('purpose-not-supported');
  });

  it('expires each prefix by its own lifecycle rule: message after 7 days, profile after 30, permanent never', async () => {
    const message = await uploaded(bucket, 'json', 'message', 'message');
    const profile = await uploaded(bucket, 'xmpp', 'profile', 'profile');
    const permanent = await uploaded(bucket, 'json', 'permanent', 'permanent');
    const status = async () => Promise.all([message, profile, permanent].map(async (s) => (await fetch(s.get)).status));

    offsetMs = 6 * DAY_MS;
    const afterSixDays = await status();
    offsetMs = 9 * DAY_MS;
    const afterNineDays = await status();
    offsetMs = 32 * DAY_MS;
    const afterAMonth = await status();

    // An anonymous GET of a missing key is 403 (no s3:ListBucket), as on S3.
    expect({ afterSixDays, afterNineDays, afterAMonth }).toEqual({
      afterSixDays: [200, 200, 200],
      afterNineDays: [403, 200, 200],
      afterAMonth: [403, 403, 200],
    });
  });
});

describe('cdn mode on the strict local stack', () => {
  it('advertises all four purposes', async () => {
    const xml = await stanza(cdn, `<query xmlns='http://jabber.org/protocol/disco#info'/>`);

    expect(features(xml)).toEqual(['message', 'profile', 'ephemeral', 'permanent'].map((p) => `${PURPOSE}#${p}`));
  });

  it.each([
    ['xmpp', 'profile'],
    ['json', 'permanent'],
    ['json', 'message'],
  ] as const)('grants a %s slot for %s under its prefix, served by the local CDN', async (route, purpose) => {
    const slot = await uploaded(cdn, route, purpose, purpose);

    expect(slot.get.startsWith(`${cdn.cdnEndpoint}/uploads/${purpose}/`)).toBe(true);
    expect(await (await fetch(slot.get)).text()).toBe(purpose);
  });

  it.each(['xmpp', 'json'] as const)(
    'serves an ephemeral %s upload until its expire-before and answers 410 from then on',
    async (route) => {
      const expiry = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
      const slot = await uploaded(cdn, route, 'gone soon', 'ephemeral', expiry.toISOString());

      const before = await fetch(slot.get);
      const beforeBody = await before.text();
      offsetMs = expiry.getTime() - Date.now() + 1000;
      const after = await fetch(slot.get);
      const head = await fetch(slot.get, { method: 'HEAD' });

      expect(keyOf(cdn, slot.get)).toMatch(new RegExp(`^uploads/ephemeral/${expiry.getTime() / 1000}/[0-9a-f-]{36}/note\\.txt$`));
      expect([before.status, beforeBody]).toEqual([200, 'gone soon']);
      expect(after.status).toBe(410);
      expect(await after.text()).toBe(`This ephemeral file expired at ${expiry.toISOString()}.\n`);
      expect(head.status).toBe(410);
    },
  );

  it('serves nothing at an ephemeral URL whose expiry was edited to a later one', async () => {
    const expiry = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
    const slot = await uploaded(cdn, 'json', 'edited', 'ephemeral', expiry.toISOString());
    const later = slot.get.replace(`/ephemeral/${expiry.getTime() / 1000}/`, `/ephemeral/${expiry.getTime() / 1000 + 86_400}/`);

    offsetMs = expiry.getTime() - Date.now() + 1000;
    const edited = await fetch(later);

    expect(later).not.toBe(slot.get);
    expect(edited.status).toBe(403);
  });

  it('caps an expire-before beyond the longest ephemeral lifetime (retentionDays) in the key and the answer', async () => {
    const response = await jsonSlot(cdn, 1, { purpose: 'ephemeral', expireBefore: '2099-01-01T00:00:00Z' });
    const body = (await response.json()) as { key: string; expireBefore: string };
    const capped = Date.parse(body.expireBefore);

    expect(response.status).toBe(201);
    expect(capped).toBeLessThanOrEqual(Date.now() + 7 * DAY_MS);
    expect(capped).toBeGreaterThan(Date.now() + 7 * DAY_MS - 60_000);
    expect(body.key).toContain(`/ephemeral/${capped / 1000}/`);
  });

  it('deletes ephemeral objects by their prefix rule after the longest lifetime (7 days), as the construct writes it', async () => {
    const slot = await uploaded(cdn, 'json', 'old', 'ephemeral', new Date(Date.now() + DAY_MS).toISOString());
    const path = `/${LOCAL_BUCKET}/${encodeKey(keyOf(cdn, slot.get))}`;
    const s3 = new URL(cdn.s3Endpoint);
    const signer = s3Signer(LOCAL_REGION, LOCAL_S3_CREDENTIALS);
    // The owner's signed HEAD on the stack's clock: the bucket is private, so anonymous reads say nothing.
    const ownerHead = async () => {
      const request = { method: 'HEAD', protocol: 'http:', hostname: s3.hostname, port: Number(s3.port), path, query: {} };
      const headers = { host: s3.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
      const signed = await signer.sign({ ...request, headers }, { signingDate: now() });
      return (await fetch(`${cdn.s3Endpoint}${path}`, { method: 'HEAD', headers: signed.headers })).status;
    };

    offsetMs = 6 * DAY_MS;
    const afterSixDays = await ownerHead();
    offsetMs = 9 * DAY_MS;
    const afterNineDays = await ownerHead();

    expect({ afterSixDays, afterNineDays }).toEqual({ afterSixDays: 200, afterNineDays: 404 });
  });
});
