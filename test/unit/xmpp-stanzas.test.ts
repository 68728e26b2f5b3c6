import { type Element, Parser } from '@xmpp/xml';
import { describe, expect, it } from 'vitest';
import { parseConfig, type ServiceConfig } from '../../lambda/core/config.ts';
import { SlotError } from '../../lambda/core/errors.ts';
import { encodeKey } from '../../lambda/core/keys.ts';
import type { QuotaStore, UploadSigner } from '../../lambda/core/ports.ts';
import type { RawSlotRequest } from '../../lambda/core/slot-request.ts';
import { createSlotService } from '../../lambda/core/slot-service.ts';
import { formatStamp } from '../../lambda/xmpp/build-error.ts';
import { handleStanza, type StanzaContext, type StanzaOutcome } from '../../lambda/xmpp/handle-stanza.ts';
import { findXmlProblem } from '../../lambda/xmpp/xml-check.ts';

// Prepare: a real slot service with a deterministic signer, a no-op quota store and a frozen clock.
const NOW = new Date('2026-03-04T05:06:07.890Z');
const UUID = '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21';
const CONFIG = parseConfig({ domains: ['localhost'], allowedTypes: ['image/*', 'text/plain'], maxFileSizeBytes: 10_485_760 });
const NO_QUOTA: QuotaStore = { admit: async () => undefined, refund: async () => undefined };
const SIGNER: UploadSigner = {
  presignPut: async ({ key, sizeBytes, now }) => ({
    url: `https://bucket.s3.test/${encodeKey(key)}?X-Amz-Expires=300&size=${sizeBytes}`,
    expiresAt: new Date(now.getTime() + 300_000),
  }),
  publicUrl: (key) => `https://files.test/${encodeKey(key)}`,
};
const PUT = `https://bucket.s3.test/uploads/message/${UUID}/`;
const GET = `https://files.test/uploads/message/${UUID}/`;
const PURPOSE = 'urn:xmpp:http:upload:purpose:0';

interface Setup {
  readonly quota?: QuotaStore;
  readonly signer?: UploadSigner;
  readonly config?: ServiceConfig;
}

function context(setup: Setup = {}, calls: RawSlotRequest[] = []): StanzaContext {
  const config = setup.config ?? CONFIG;
  const service = createSlotService({
    config,
    quota: setup.quota ?? NO_QUOTA,
    signer: setup.signer ?? SIGNER,
    now: () => NOW,
    newId: () => UUID,
  });
  return {
    serviceJid: config.serviceJid,
    maxFileSizeBytes: config.maxFileSizeBytes,
    purposes: config.purposes,
    requestSlot: (raw) => {
      calls.push(raw);
      return service(raw);
    },
  };
}

type Tree = { name: string; attrs: Record<string, string>; children: (Tree | string)[] };
const STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Parses with the plain @xmpp/xml parser; whitespace-only text dropped, error texts as "*". */
function tree(text: string): Tree {
  const parser = new Parser();
  let root: Element | undefined;
  parser.on('start', (element: Element) => {
    root = element;
  });
  parser.on('element', (element: Element) => root?.append(element));
  parser.write(text);
  if (root === undefined) throw new Error(`no element in ${text}`);
  const convert = (element: Element): Tree => ({
    name: element.name,
    attrs: { ...element.attrs },
    children: element.children.flatMap((child): (Tree | string)[] => {
      if (typeof child !== 'string') return [convert(child)];
      if (element.name === 'text' && element.attrs.xmlns === STANZAS) return child.length > 0 ? ['*'] : [];
      return child.trim() === '' ? [] : [child];
    }),
  });
  return convert(root);
}

function reply(outcome: StanzaOutcome): string {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got ${JSON.stringify(outcome)}`);
  expect(findXmlProblem(outcome.xml)).toBeUndefined();
  return outcome.xml;
}

const USER = "from='juliet@localhost/balcony' to='upload.localhost'";
const BACK = "from='upload.localhost' to='juliet@localhost/balcony'";
const UP = 'urn:xmpp:http:upload:0';
const LEGACY = 'urn:xmpp:http:upload';
const err = (type: string, condition: string, extra = '') =>
  `<error type='${type}'><${condition} xmlns='${STANZAS}'/><text xmlns='${STANZAS}'>*</text>${extra}</error>`;

describe('handleStanza', () => {
  it.each([
    [
      'disco#info with identity, four features, the purposes a bucket can honour and a form per namespace',
      `<iq ${USER} id='d1' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
      'disco-info',
      `<iq ${BACK} id='d1' type='result'><query xmlns='http://jabber.org/protocol/disco#info'>
        <identity category='store' type='file' name='HTTP File Upload'/>
        <feature var='http://jabber.org/protocol/disco#info'/><feature var='${UP}'/><feature var='${LEGACY}'/><feature var='urn:xmpp:ping'/>
        <feature var='${PURPOSE}#message'/><feature var='${PURPOSE}#profile'/><feature var='${PURPOSE}#permanent'/>
        <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>${UP}</value></field>
          <field var='max-file-size'><value>10485760</value></field></x>
        <x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>${LEGACY}</value></field>
          <field var='max-file-size'><value>10485760</value></field></x>
      </query></iq>`,
    ],
    [
      'disco#items with an empty query',
      `<iq ${USER} id='d2' type='get'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
      'disco-items',
      `<iq ${BACK} id='d2' type='result'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
    ],
    [
      'ping with an empty result',
      `<iq ${USER} id='p1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
      'ping',
      `<iq ${BACK} id='p1' type='result'/>`,
    ],
    [
      'a slot request with put and get URLs as attributes, no headers',
      `<iq ${USER} id='s1' type='get'><request xmlns='${UP}' filename='très cool.jpg' size='23456' content-type='image/jpeg'/></iq>`,
      'slot',
      `<iq ${BACK} id='s1' type='result'><slot xmlns='${UP}'>
        <put url='${PUT}tr%C3%A8s%20cool.jpg?X-Amz-Expires=300&amp;size=23456'/><get url='${GET}tr%C3%A8s%20cool.jpg'/></slot></iq>`,
    ],
    [
      'a legacy slot request with the URLs as text',
      `<iq ${USER} id='s2' type='get'><request xmlns='${LEGACY}'><filename>a.txt</filename><size>5</size><content-type>text/plain</content-type></request></iq>`,
      'slot',
      `<iq ${BACK} id='s2' type='result'><slot xmlns='${LEGACY}'>
        <put>${PUT}a.txt?X-Amz-Expires=300&amp;size=5</put><get>${GET}a.txt</get></slot></iq>`,
    ],
    [
      'a component-namespace stanza, declaring the namespace in the reply',
      `<iq xmlns='jabber:component:accept' ${USER} id='c1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
      'ping',
      `<iq xmlns='jabber:component:accept' ${BACK} id='c1' type='result'/>`,
    ],
    [
      'a prefixed request, resolving its namespace',
      `<iq xmlns='jabber:client' xmlns:u='${UP}' ${USER} id='n1' type='get'><u:request filename='b.png' size='1' content-type='image/png'/></iq>`,
      'slot',
      `<iq xmlns='jabber:client' ${BACK} id='n1' type='result'><slot xmlns='${UP}'><put url='${PUT}b.png?X-Amz-Expires=300&amp;size=1'/><get url='${GET}b.png'/></slot></iq>`,
    ],
    [
      'an IQ to the bare domain, answered from that address',
      `<iq from='juliet@localhost/balcony' to='localhost' id='b1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
      'ping',
      `<iq from='localhost' to='juliet@localhost/balcony' id='b1' type='result'/>`,
    ],
    [
      'an IQ without to, answered from the service JID',
      `<iq from='juliet@localhost/balcony' id='b2' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
      'ping',
      `<iq ${BACK} id='b2' type='result'/>`,
    ],
  ])('answers %s', async (_name, body, outcome, expected) => {
    const result = await handleStanza(body, context());
    expect(tree(reply(result))).toEqual(tree(expected));
    expect(result).toMatchObject({ kind: 'reply', outcome });
  });

  const big = `<request xmlns='${UP}' filename='big.jpg' size='10000000000' content-type='image/jpeg'/>`;
  const tooLarge = (ns: string) => `<file-too-large xmlns='${ns}'><max-file-size>10485760</max-file-size></file-too-large>`;
  it.each([
    ['file too large (Prosody: size 10000000000)', big, 'file-too-large', big + err('modify', 'not-acceptable', tooLarge(UP))],
    [
      'file too large in the legacy namespace, the extra element in it too',
      `<request xmlns='${LEGACY}'><filename>big.jpg</filename><size>10000000000</size></request>`,
      'file-too-large',
      `<request xmlns='${LEGACY}'><filename>big.jpg</filename><size>10000000000</size></request>${err('modify', 'not-acceptable', tooLarge(LEGACY))}`,
    ],
    ['a negative size (Prosody: -1)', `<request xmlns='${UP}' filename='a.jpg' size='-1'/>`, 'bad-request', undefined],
    ['a filename with a slash (Prosody)', `<request xmlns='${UP}' filename='invalid/filename.dat' size='1'/>`, 'bad-request', undefined],
    [
      'a disallowed type (Prosody)',
      `<request xmlns='${UP}' filename='a.exe' size='1' content-type='application/x-executable'/>`,
      'type-not-allowed',
      undefined,
    ],
    ['a missing size', `<request xmlns='${UP}' filename='a.jpg'/>`, 'bad-request', undefined],
    ['a missing filename', `<request xmlns='${LEGACY}'><size>1</size></request>`, 'bad-request', undefined],
    ['a node on disco#info', `<query xmlns='http://jabber.org/protocol/disco#info' node='x'/>`, 'item-not-found', undefined],
    ['a node on disco#items', `<query xmlns='http://jabber.org/protocol/disco#items' node='x'/>`, 'item-not-found', undefined],
    ['an unknown payload', `<vCard xmlns='vcard-temp'/>`, 'unsupported', undefined],
    ['a payload in the wrong namespace', `<ping/>`, 'unsupported', undefined],
  ])('refuses %s', async (_name, payload, outcome, expected) => {
    const error: Record<string, string> = {
      'bad-request': err('modify', 'bad-request'),
      'type-not-allowed': err('modify', 'not-acceptable'),
      'item-not-found': err('cancel', 'item-not-found'),
      unsupported: err('cancel', 'service-unavailable'),
    };
    const result = await handleStanza(`<iq ${USER} id='e1' type='get'>${payload}</iq>`, context());
    expect(tree(reply(result))).toEqual(tree(`<iq ${BACK} id='e1' type='error'>${expected ?? payload + error[outcome]}</iq>`));
    expect(result).toMatchObject({ outcome });
  });

  it.each([
    [
      'no from',
      `<iq to='upload.localhost' id='f1' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
      `<iq from='upload.localhost' id='f1' type='error'><ping xmlns='urn:xmpp:ping'/>${err('modify', 'bad-request')}</iq>`,
    ],
    [
      'no id',
      `<iq ${USER} type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
      `<iq ${BACK} type='error'><ping xmlns='urn:xmpp:ping'/>${err('modify', 'bad-request')}</iq>`,
    ],
    [
      'an unknown type',
      `<iq ${USER} id='t1' type='fetch'><ping xmlns='urn:xmpp:ping'/></iq>`,
      `<iq ${BACK} id='t1' type='error'><ping xmlns='urn:xmpp:ping'/>${err('modify', 'bad-request')}</iq>`,
    ],
    [
      'no type',
      `<iq ${USER} id='t2'><ping xmlns='urn:xmpp:ping'/></iq>`,
      `<iq ${BACK} id='t2' type='error'><ping xmlns='urn:xmpp:ping'/>${err('modify', 'bad-request')}</iq>`,
    ],
    ['no payload', `<iq ${USER} id='t3' type='get'/>`, `<iq ${BACK} id='t3' type='error'>${err('modify', 'bad-request')}</iq>`],
    [
      'two payloads',
      `<iq ${USER} id='t4' type='get'><ping xmlns='urn:xmpp:ping'/><ping xmlns='urn:xmpp:ping'/></iq>`,
      `<iq ${BACK} id='t4' type='error'>${err('modify', 'bad-request')}</iq>`,
    ],
    [
      'a set (every known payload is a get)',
      `<iq ${USER} id='t5' type='set'><request xmlns='${UP}' filename='a.jpg' size='1'/></iq>`,
      `<iq ${BACK} id='t5' type='error'><request xmlns='${UP}' filename='a.jpg' size='1'/>${err('cancel', 'service-unavailable')}</iq>`,
    ],
    [
      'a prefixed payload, echoed without prefix',
      `<iq xmlns:p='urn:x' ${USER} id='t6' type='get'><p:q p:a='1' b='2'><p:c/></p:q></iq>`,
      `<iq ${BACK} id='t6' type='error'><q xmlns='urn:x' b='2'><c/></q>${err('cancel', 'service-unavailable')}</iq>`,
    ],
  ])('answers an IQ with %s by an error', async (_name, body, expected) => {
    expect(tree(reply(await handleStanza(body, context())))).toEqual(tree(expected));
  });

  const slotBody = `<iq ${USER} id='q1' type='get'><request xmlns='${UP}' filename='a.jpg' size='1000' content-type='image/jpeg'/></iq>`;
  const echo = `<request xmlns='${UP}' filename='a.jpg' size='1000' content-type='image/jpeg'/>`;
  const failing = (error: unknown): QuotaStore => ({ admit: async () => Promise.reject(error), refund: async () => undefined });
  it.each([
    [
      'a quota refusal with a retry stamp, rounded up to the second',
      { quota: failing(new SlotError('quota-exceeded', 'Daily quota used.', { retryAt: new Date('2026-03-05T01:02:03.004Z') })) },
      'quota-exceeded',
      err('wait', 'resource-constraint', `<retry xmlns='${UP}' stamp='2026-03-05T01:02:04Z'/>`),
    ],
    [
      'an unavailable store',
      { quota: failing(new SlotError('store-unavailable', 'Try later.')) },
      'store-unavailable',
      err('wait', 'internal-server-error'),
    ],
    [
      'a refused requester',
      { config: parseConfig({ domains: ['localhost'], access: ['romeo@localhost'] }) },
      'not-allowed',
      err('cancel', 'not-allowed'),
    ],
    [
      'a failing signer',
      { signer: { ...SIGNER, presignPut: async () => Promise.reject(new Error('secret-internals')) } },
      'internal',
      err('cancel', 'internal-server-error'),
    ],
  ])('maps %s', async (_name, setup: Setup, outcome, error) => {
    const result = await handleStanza(slotBody, context(setup));
    expect(tree(reply(result))).toEqual(tree(`<iq ${BACK} id='q1' type='error'>${echo}${error}</iq>`));
    expect(result).toMatchObject({ outcome });
    expect(reply(result)).not.toContain('secret');
  });

  it('answers a slot service that throws a non-SlotError with a neutral internal-server-error and keeps the cause', async () => {
    const cause = new TypeError('db password is hunter2');
    const ctx = { ...context(), requestSlot: async () => Promise.reject(cause) };
    const result = await handleStanza(slotBody, ctx);
    expect(tree(reply(result))).toEqual(tree(`<iq ${BACK} id='q1' type='error'>${echo}${err('cancel', 'internal-server-error')}</iq>`));
    expect(reply(result)).not.toContain('hunter2');
    expect(result).toMatchObject({ outcome: 'internal', cause });
  });

  it.each([
    [
      'the :0 attributes',
      `<request xmlns='${UP}' filename='a b.jpg' size='12' content-type='image/png'/>`,
      { filename: 'a b.jpg', size: '12', contentType: 'image/png' },
    ],
    ['absent attributes as undefined', `<request xmlns='${UP}'/>`, { filename: undefined, size: undefined, contentType: undefined }],
    [
      'an empty content-type as given',
      `<request xmlns='${UP}' filename='x' size='1' content-type=''/>`,
      { filename: 'x', size: '1', contentType: '' },
    ],
    [
      'the legacy children, untrimmed',
      `<request xmlns='${LEGACY}'><filename> x.txt</filename><size>7</size></request>`,
      { filename: ' x.txt', size: '7', contentType: undefined },
    ],
    [
      'a size beyond any number as text',
      `<request xmlns='${UP}' filename='x' size='${'9'.repeat(30)}'/>`,
      { filename: 'x', size: '9'.repeat(30), contentType: undefined },
    ],
  ])('hands the slot service %s', async (_name, payload, expected) => {
    const calls: RawSlotRequest[] = [];
    await handleStanza(`<iq ${USER} id='r1' type='get'>${payload}</iq>`, context({}, calls));
    expect(calls).toEqual([{ from: 'juliet@localhost/balcony', ...expected }]);
  });

  it.each([
    ['an iq result', `<iq ${USER} id='x' type='result'/>`],
    ['an iq error', `<iq ${USER} id='x' type='error'><error type='cancel'><item-not-found xmlns='${STANZAS}'/></error></iq>`],
    ['a message', `<message ${USER} type='chat'><body>hi</body></message>`],
    ['a presence', `<presence ${USER}/>`],
    ['a message without from', `<message to='upload.localhost'/>`],
    ['a server-namespace presence', `<presence xmlns='jabber:server' ${USER}/>`],
  ])('does not answer %s', async (_name, body) => {
    const calls: RawSlotRequest[] = [];
    expect(await handleStanza(body, context({}, calls))).toEqual({ kind: 'none', outcome: 'ignored' });
    expect(calls).toEqual([]);
  });

  const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><iq ${USER} id='x' type='get'>&lol2;</iq>`;
  const xxe = `<!DOCTYPE iq [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><iq ${USER} id='x' type='get'><ping xmlns='urn:xmpp:ping'>&xxe;</ping></iq>`;
  it.each([
    ['an empty body', '', /no element/],
    ['plain text', 'hello', /Text outside/],
    ['an unclosed stanza', `<iq ${USER} id='x' type='get'>`, /not closed/],
    ['two stanzas', `<presence/><presence/>`, /More than one element/],
    ['text after the stanza', `<presence/>x`, /Text outside/],
    ['a billion-laughs DTD', laughs, /Document type/],
    ['an external entity (XXE)', xxe, /Document type/],
    ['an undeclared entity', `<iq ${USER} id='x' type='get'>&xxe;</iq>`, /entity/],
    ['a comment', `<iq ${USER} id='x' type='get'><!-- hi --><ping xmlns='urn:xmpp:ping'/></iq>`, /comments/],
    ['a processing instruction', `<?php echo 1; ?><presence/>`, /Processing instructions/],
    ['an unquoted attribute', `<iq id=x/>`, /quoted value/],
    ['a duplicate attribute', `<iq id='a' id='b'/>`, /twice/],
    ['an undeclared prefix', `<iq><u:request/></iq>`, /not declared/],
    ['mismatched tags', `<iq><query></iq></query>`, /end tag/],
    ['a NUL character', `<iq id='\u0000'/>`, /character XML forbids/],
    ['an illegal character reference', `<iq id='&#1;'/>`, /not an XML character/],
    [
      'a lone surrogate in an attribute',
      `<iq ${USER} id='x' type='get'><request xmlns='urn:xmpp:http:upload:0' filename='a\ud800' size='1'/></iq>`,
      /U\+D800/,
    ],
    [
      'a surrogate as a character reference',
      `<iq ${USER} id='x' type='get'><request xmlns='urn:xmpp:http:upload:0' filename='a&#xD800;' size='1'/></iq>`,
      /not an XML character/,
    ],
    ['a root other than a stanza', `<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>`, /must be an <iq>/],
    ['a stanza in a foreign namespace', `<iq xmlns='urn:evil' id='x' type='get'/>`, /must be in/],
    ['nesting deeper than 64 levels', `<iq>${'<a>'.repeat(64)}${'</a>'.repeat(64)}</iq>`, /deeper/],
  ])('rejects %s as malformed', async (_name, body, text) => {
    const result = await handleStanza(body, context());
    expect(result.kind).toBe('malformed');
    expect(result.kind === 'malformed' && result.text).toMatch(text);
  });

  it.each([
    ['an XML declaration', `<?xml version='1.0' encoding='UTF-8'?>\n<iq ${USER} id='x' type='get'><ping xmlns='urn:xmpp:ping'/></iq>\n`],
    ['CDATA and character references', `<iq ${USER} id='&#x78;' type='get'><ping xmlns='urn:xmpp:ping'><![CDATA[<&>]]></ping></iq>`],
  ])('accepts %s', async (_name, body) => {
    expect(tree(reply(await handleStanza(body, context())))).toEqual(tree(`<iq ${BACK} id='x' type='result'/>`));
  });
});

describe('formatStamp', () => {
  it.each([
    ['2026-03-05T01:02:03.000Z', '2026-03-05T01:02:03Z'],
    ['2026-03-05T01:02:03.001Z', '2026-03-05T01:02:04Z'],
    ['2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00Z'],
  ])('formats %s as the XEP-0082 UTC time %s', (iso, stamp) => {
    expect(formatStamp(new Date(iso))).toBe(stamp);
  });
});
