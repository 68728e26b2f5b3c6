/**
 * Purposes through both slot routes (`POST /xmpp`, `POST /v1/slots`) and disco#info, with the real
 * routes and slot service, the in-memory quota twin and a deterministic signer, on a frozen clock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryQuotaStore } from '../../lambda/adapters/quota-memory.ts';
import { parseConfig, type ServiceConfig } from '../../lambda/core/config.ts';
import { encodeKey } from '../../lambda/core/keys.ts';
import type { UploadSigner } from '../../lambda/core/ports.ts';
import { quotaLimits } from '../../lambda/core/quota.ts';
import { createSlotService } from '../../lambda/core/slot-service.ts';
import { createRoutes } from '../../lambda/http/routes.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const UUID = '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21';
const SECRET = 'purpose-test-secret-0123456789';
const PURPOSE = 'urn:xmpp:http:upload:purpose:0';
const SIGNER: UploadSigner = {
  presignPut: async ({ key, now }) => ({
    url: `https://s3.test/${encodeKey(key)}?X-Amz-Signature=s`,
    expiresAt: new Date(now.getTime() + 300_000),
  }),
  publicUrl: (key) => `https://files.test/${encodeKey(key)}`,
};

function service(env: Record<string, unknown> = {}, newId: () => string = () => UUID) {
  const config: ServiceConfig = parseConfig({ domains: ['localhost'], ...env });
  const requestSlot = createSlotService({
    config,
    quota: createMemoryQuotaStore(quotaLimits(config)),
    signer: SIGNER,
    now: () => NOW,
    newId,
  });
  const routes = createRoutes({ config, secret: SECRET, requestSlot, now: () => NOW });
  const auth = { authorization: `Bearer ${SECRET}` };
  return {
    json: (body: Record<string, unknown>) =>
      routes(
        new Request('http://slot.test/v1/slots', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ jid: 'alice@localhost/phone', filename: 'a.jpg', size: 10, ...body }),
        }),
      ),
    stanza: async (payload: string) => {
      const response = await routes(
        new Request('http://slot.test/xmpp', {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/xmpp+xml' },
          body: `<iq xmlns='jabber:client' type='get' id='p1' from='alice@localhost/phone' to='upload.localhost'>${payload}</iq>`,
        }),
      );
      expect(response.status).toBe(200);
      return response.text();
    },
    info: async () => (await (await routes(new Request('http://slot.test/v1/info', { headers: auth }))).json()) as Record<string, unknown>,
  };
}

const request = (child = '') => `<request xmlns='urn:xmpp:http:upload:0' filename='a.jpg' size='10'>${child}</request>`;
const features = (xml: string): string[] => [...xml.matchAll(/<feature var="([^"]+)"\/>/g)].map((m) => m[1] as string);

describe.each([
  ['bucket', {}, ['message', 'profile', 'permanent']],
  ['cdn', { downloads: 'cdn' }, ['message', 'profile', 'ephemeral', 'permanent']],
  ['cdn with purposes=message,permanent', { downloads: 'cdn', purposes: 'message,permanent' }, ['message', 'permanent']],
])('%s mode', (_mode, env, honoured) => {
  const s = service(env);

  it('advertises exactly the honoured purposes in disco#info and lists them in /v1/info', async () => {
    const xml = await s.stanza(`<query xmlns='http://jabber.org/protocol/disco#info'/>`);

    expect(features(xml).filter((f) => f.startsWith(PURPOSE))).toEqual(honoured.map((p) => `${PURPOSE}#${p}`));
    expect((await s.info()).purposes).toEqual(honoured);
  });
});

describe('each purpose through both routes', () => {
  const cdn = service({ downloads: 'cdn', downloadDomain: 'files.example.org' });

  it.each([
    ['no purpose', '', {}, `uploads/message/${UUID}/a.jpg`],
    ['message', `<message xmlns='${PURPOSE}'/>`, { purpose: 'message' }, `uploads/message/${UUID}/a.jpg`],
    ['profile', `<profile xmlns='${PURPOSE}'/>`, { purpose: 'profile' }, `uploads/profile/${UUID}/a.jpg`],
    ['permanent', `<permanent xmlns='${PURPOSE}'/>`, { purpose: 'permanent' }, `uploads/permanent/${UUID}/a.jpg`],
    [
      'ephemeral',
      `<ephemeral xmlns='${PURPOSE}' expire-before='2026-11-23T12:00:00Z'/>`,
      { purpose: 'ephemeral', expireBefore: '2026-11-23T12:00:00Z' },
      `uploads/ephemeral/1795435200/${UUID}/a.jpg`,
    ],
    [
      'ephemeral, prefixed, with an offset',
      `<p:ephemeral xmlns:p='${PURPOSE}' expire-before='2026-11-23T13:00:00+01:00'/>`,
      { purpose: 'ephemeral', expireBefore: '2026-11-23T13:00:00+01:00' },
      `uploads/ephemeral/1795435200/${UUID}/a.jpg`,
    ],
  ] as [string, string, { purpose?: string; expireBefore?: string }, string][])(
    'grants %s under its prefix',
    async (_name, child, fields, key) => {
      const xml = await cdn.stanza(request(child));
      const response = await cdn.json(fields);
      const body = (await response.json()) as { key: string; purpose: string; expireBefore?: string };

      expect(xml).toContain(`<get url="https://files.test/${key}"/>`);
      expect(response.status).toBe(201);
      expect(body.key).toBe(key);
      expect(body.purpose).toBe(fields.purpose ?? 'message');
      if (fields.purpose === 'ephemeral') expect(body.expireBefore).toBe('2026-11-23T12:00:00.000Z');
    },
  );

  it('reports the capped expiry of an ephemeral slot in the JSON answer and the key', async () => {
    const response = await cdn.json({ purpose: 'ephemeral', expireBefore: '2030-01-01T00:00:00Z' });
    const body = (await response.json()) as { key: string; expireBefore: string };

    expect(body.expireBefore).toBe('2026-11-29T12:00:00.000Z');
    expect(body.key).toBe(`uploads/ephemeral/${Date.parse('2026-11-29T12:00:00Z') / 1000}/${UUID}/a.jpg`);
  });
});

describe('malformed purposes', () => {
  const cdn = service({ downloads: 'cdn', downloadDomain: 'files.example.org' });
  const badRequest = "<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>";

  it.each([
    ['an unknown purpose element', `<avatar xmlns='${PURPOSE}'/>`, 'Unknown upload purpose'],
    ['two purposes', `<message xmlns='${PURPOSE}'/><profile xmlns='${PURPOSE}'/>`, 'one purpose only'],
    ['a purpose with content', `<profile xmlns='${PURPOSE}'>big</profile>`, 'must be empty'],
    ['a purpose with a child', `<profile xmlns='${PURPOSE}'><x/></profile>`, 'must be empty'],
    ['ephemeral without expire-before', `<ephemeral xmlns='${PURPOSE}'/>`, 'needs expire-before'],
    ['a malformed expire-before', `<ephemeral xmlns='${PURPOSE}' expire-before='next week'/>`, 'XEP-0082'],
    ['expire-before on profile', `<profile xmlns='${PURPOSE}' expire-before='2026-11-23T12:00:00Z'/>`, 'Only the ephemeral'],
  ])('answers %s on /xmpp with modify/bad-request', async (_name, child, text) => {
    const xml = await cdn.stanza(request(child));

    expect(xml).toContain("type='error'".replace(/'/g, '"'));
    expect(xml.replace(/"/g, "'")).toContain(badRequest);
    expect(xml).toContain(text);
  });

  it('ignores a child in another namespace, as before purposes', async () => {
    expect(await cdn.stanza(request(`<profile xmlns='urn:example:other'/>`))).toContain(`uploads/message/${UUID}/a.jpg`);
  });

  it.each([
    ['an unknown purpose', { purpose: 'avatar' }, 'Unknown upload purpose "avatar"'],
    ['a non-string purpose', { purpose: 3 }, 'The field "purpose" must be a string.'],
    ['a non-string expireBefore', { purpose: 'ephemeral', expireBefore: 1795435200 }, 'The field "expireBefore" must be a string.'],
    ['ephemeral without expireBefore', { purpose: 'ephemeral' }, 'needs expire-before'],
    ['a malformed expireBefore', { purpose: 'ephemeral', expireBefore: '2026-11-23' }, 'XEP-0082'],
    [
      'expireBefore without a purpose',
      { expireBefore: '2026-11-23T12:00:00Z' },
      'Only the ephemeral purpose takes expire-before, not message.',
    ],
  ])('answers %s on /v1/slots with 400 bad-request', async (_name, fields, text) => {
    const response = await cdn.json(fields);
    const body = (await response.json()) as { error: { condition: string; type: string; text: string } };

    expect(response.status).toBe(400);
    expect(body.error).toMatchObject({ condition: 'bad-request', type: 'modify' });
    expect(body.error.text).toContain(text);
  });
});

describe('a purpose not honoured', () => {
  const bucket = service();

  it('answers ephemeral in bucket mode on /xmpp with cancel/feature-not-implemented and a text that says why', async () => {
    const xml = (await bucket.stanza(request(`<ephemeral xmlns='${PURPOSE}' expire-before='2026-11-23T12:00:00Z'/>`))).replace(/"/g, "'");

    expect(xml).toContain("<error type='cancel'><feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
    expect(xml).toContain('cannot promise that a file is gone by expire-before');
    expect(xml).not.toContain('<slot');
  });

  it('answers ephemeral in bucket mode on /v1/slots with 422 purpose-not-supported', async () => {
    const response = await bucket.json({ purpose: 'ephemeral', expireBefore: '2026-11-23T12:00:00Z' });

    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      error: { condition: 'purpose-not-supported', type: 'cancel', text: expect.stringContaining('does not offer the ephemeral purpose') },
    });
  });

  it('answers a purpose the operator left out alike', async () => {
    const only = service({ purposes: 'message' });

    expect((await only.stanza(request(`<permanent xmlns='${PURPOSE}'/>`))).replace(/"/g, "'")).toContain(
      "<error type='cancel'><feature-not-implemented",
    );
    expect((await only.json({ purpose: 'profile' })).status).toBe(422);
  });
});

describe('quotas', () => {
  it('count every purpose against the same daily quota', async () => {
    const s = service({ downloads: 'cdn', downloadDomain: 'files.example.org', maxFileSizeBytes: 10, dailyQuotaBytes: 30 }, randomUUID);

    const granted = [
      await s.json({ purpose: 'profile' }),
      await s.json({ purpose: 'permanent' }),
      await s.json({ purpose: 'ephemeral', expireBefore: '2026-11-23T12:00:00Z' }),
    ];
    const refused = await s.json({ purpose: 'message' });

    expect(granted.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(refused.status).toBe(429);
  });
});
