import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../lambda/core/config.ts';
import { SlotError } from '../../lambda/core/errors.ts';
import { encodeKey } from '../../lambda/core/keys.ts';
import type { UploadSigner } from '../../lambda/core/ports.ts';
import { checkFilename, type RawSlotRequest } from '../../lambda/core/slot-request.ts';
import { createSlotService, decideSlot } from '../../lambda/core/slot-service.ts';
import { handleStanza, type StanzaContext, type StanzaOutcome } from '../../lambda/xmpp/handle-stanza.ts';
import { parseStanza } from '../../lambda/xmpp/parse-stanza.ts';
import { findXmlProblem } from '../../lambda/xmpp/xml-check.ts';

// Prepare: the real slot service, a deterministic signer, no quotas, a frozen clock.
const CONFIG = parseConfig({ domains: ['localhost'], allowedTypes: ['image/*', 'text/plain'], maxFileSizeBytes: 10_485_760 });
const UUID = '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21';
const SIGNER: UploadSigner = {
  presignPut: async ({ key, now }) => ({ url: `https://bucket.s3.test/${encodeKey(key)}?X-Amz-Expires=300&a=b`, expiresAt: now }),
  publicUrl: (key) => `https://files.test/${encodeKey(key)}`,
};
const UP = 'urn:xmpp:http:upload:0';
const LEGACY = 'urn:xmpp:http:upload';

function context(calls: RawSlotRequest[]): StanzaContext {
  const service = createSlotService({
    config: CONFIG,
    quota: { admit: async () => undefined, refund: async () => undefined },
    signer: SIGNER,
    now: () => new Date('2026-03-04T05:06:07Z'),
    newId: () => UUID,
  });
  return {
    serviceJid: CONFIG.serviceJid,
    maxFileSizeBytes: CONFIG.maxFileSizeBytes,
    purposes: CONFIG.purposes,
    requestSlot: (raw) => {
      calls.push(raw);
      return service(raw);
    },
  };
}

/** Runs a body and checks what must hold for every input; returns the outcome for more checks. */
async function run(body: string, calls: RawSlotRequest[] = []): Promise<StanzaOutcome> {
  const outcome = await handleStanza(body, context(calls));
  expect(['reply', 'none', 'malformed']).toContain(outcome.kind);
  if (outcome.kind === 'malformed') {
    expect(outcome.text.length).toBeGreaterThan(0);
    expect(calls).toEqual([]);
    return outcome;
  }
  const request = parseStanza(body);
  if (!request.ok) throw new Error('a body that parses for the handler must parse for the test');
  const { name, type } = request.stanza;
  const answerable = name === 'iq' && type !== 'result' && type !== 'error';
  expect(outcome.kind).toBe(answerable ? 'reply' : 'none');
  if (outcome.kind === 'none') return outcome;
  expect(findXmlProblem(outcome.xml)).toBeUndefined();
  const reply = parseStanza(outcome.xml);
  if (!reply.ok) throw new Error(`unparsable reply ${outcome.xml}`);
  const { stanza } = reply;
  expect([stanza.name, stanza.ns, stanza.from, stanza.to, stanza.id]).toEqual([
    'iq',
    request.stanza.ns,
    request.stanza.to ?? CONFIG.serviceJid,
    request.stanza.from,
    request.stanza.id,
  ]);
  expect(stanza.type).toBe(
    outcome.outcome === 'slot' || outcome.outcome.startsWith('disco') || outcome.outcome === 'ping' ? 'result' : 'error',
  );
  // Error replies echo the request's payload, which may be named anything; only results are checked.
  const slot = stanza.type === 'result' ? stanza.element.getChildElements().find((child) => child.getName() === 'slot') : undefined;
  if (outcome.outcome === 'slot') {
    // Slots only for requests the policy accepts.
    expect(type).toBe('get');
    expect(calls).toHaveLength(1);
    expect(() => decideSlot(calls[0] as RawSlotRequest, CONFIG, new Date())).not.toThrow();
    expect(slot).toBeDefined();
  } else expect(slot).toBeUndefined();
  return outcome;
}

const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (text: string): string =>
  escapeText(text).replace(/'/g, '&apos;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
const attrs = (values: Record<string, string | undefined>): string =>
  Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ` ${key}='${escapeAttr(value ?? '')}'`)
    .join('');
// Independent of the code under test: XML 1.0 §2.2 Char.
const isXmlText = (text: string): boolean => !/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(text);

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((codes) => String.fromCharCode(...codes)),
);
/** Mostly printable text, sometimes anything. */
const texts = fc.oneof({ arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 4 }, { arbitrary: anyString, weight: 1 });
const markupSoup = fc.string({
  unit: fc.constantFrom(
    '<',
    '>',
    '/',
    '=',
    "'",
    '"',
    '&',
    ';',
    '!',
    '?',
    '[',
    ']',
    '-',
    ' ',
    'iq',
    'x',
    'a:',
    'xmlns',
    '#',
    'CDATA',
    'amp',
  ),
  maxLength: 60,
});

interface SlotModel {
  readonly legacy: boolean;
  readonly stanzaNs: string | undefined;
  readonly type: string;
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly id: string | undefined;
  readonly filename: string | undefined;
  readonly size: string | undefined;
  readonly contentType: string | undefined;
}

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 6 });
const often = <T>(usual: fc.Arbitrary<T>, ...rare: fc.Arbitrary<T>[]) =>
  fc.oneof({ arbitrary: usual, weight: 3 * rare.length }, ...rare.map((arbitrary) => ({ arbitrary, weight: 1 })));
const goodNames = fc
  .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom('.png', '.jpg', '.txt', ''))
  .map(([stem, ext]) => stem + ext);
const filenames = often(
  goodNames,
  fc.constantFrom(
    'très cool.jpg',
    'invalid/filename.dat',
    '..',
    '.',
    'a\\b.png',
    'evil\u202egpj.exe',
    `${'x'.repeat(300)}.png`,
    '',
    'a+b&c.txt',
    '😀.png',
  ),
  anyString,
);
const sizes = often(
  fc.integer({ min: 0, max: 2 * CONFIG.maxFileSizeBytes }).map(String),
  fc.bigInt(-5n, 10n ** 30n).map(String),
  fc.constantFrom('-1', '10000000000', '10485760', '10485761', '', '01', ' 5', '1e3', '0x10', '１２', '1.5'),
  anyString,
);
const types = often(
  fc.constantFrom('image/png', 'image/jpeg; charset=x', 'text/plain', 'IMAGE/PNG'),
  fc.constantFrom('application/x-executable', '', 'a/b\r\nX: y', 'image/'),
  anyString,
);
const slotModels: fc.Arbitrary<SlotModel> = fc.record({
  legacy: fc.boolean(),
  stanzaNs: fc.constantFrom(undefined, 'jabber:client', 'jabber:component:accept', 'jabber:server'),
  type: often(fc.constant('get'), fc.constant('set')),
  from: maybe(
    often(
      fc.constantFrom('juliet@localhost/balcony', 'Romeo@LOCALHOST'),
      fc.constantFrom('localhost', 'eve@evil.example/x', 'not a jid', ''),
      anyString,
    ),
  ),
  to: maybe(fc.constantFrom('upload.localhost', 'localhost', 'other.example')),
  id: maybe(often(fc.constantFrom('s1', ''), anyString)),
  filename: maybe(filenames),
  size: maybe(sizes),
  contentType: maybe(types),
});

function slotBody(m: SlotModel): string {
  const request = m.legacy
    ? `<request xmlns='${LEGACY}'>${(['filename', 'size', 'content-type'] as const)
        .map((key, i) => [key, [m.filename, m.size, m.contentType][i]] as const)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `<${key}>${escapeText(value ?? '')}</${key}>`)
        .join('')}</request>`
    : `<request${attrs({ xmlns: UP, filename: m.filename, size: m.size, 'content-type': m.contentType })}/>`;
  return `<iq${attrs({ xmlns: m.stanzaNs, from: m.from, to: m.to, id: m.id, type: m.type })}>${request}</iq>`;
}

/** The oracle: what the service must answer, from the model alone. */
function expectedOutcome(m: SlotModel): string {
  const values = [m.from, m.to, m.id, m.filename, m.size, m.contentType];
  if (values.some((value) => value !== undefined && !isXmlText(value))) return 'malformed';
  if (m.id === undefined || m.from === undefined) return 'bad-request';
  if (m.type === 'set') return 'unsupported';
  try {
    decideSlot({ from: m.from, filename: m.filename, size: m.size, contentType: m.contentType }, CONFIG, new Date());
    return 'slot';
  } catch (error) {
    return error instanceof SlotError ? error.condition : 'thrown';
  }
}

interface Node {
  readonly name: string;
  readonly attrs: Record<string, string>;
  readonly children: readonly (Node | string)[];
}
const NAMES = ['iq', 'message', 'presence', 'query', 'request', 'ping', 'slot', 'filename', 'size', 'p:q', 'a', 'error'];
const ATTRIBUTES = ['from', 'to', 'id', 'type', 'xmlns', 'xmlns:p', 'filename', 'size', 'content-type', 'node', 'p:a', 'xml:lang'];
const VALUES = fc.oneof(
  fc.constantFrom(UP, LEGACY, 'jabber:client', 'jabber:component:accept', 'urn:xmpp:ping', 'http://jabber.org/protocol/disco#info'),
  fc.constantFrom(
    'http://jabber.org/protocol/disco#items',
    'get',
    'set',
    'result',
    'error',
    'juliet@localhost/x',
    'upload.localhost',
    '1',
    '-1',
    'a.jpg',
  ),
  texts,
);
const { element: elements } = fc.letrec<{ element: Node; node: Node | string }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, texts, tie('element')),
  element: fc.record({
    name: fc.constantFrom(...NAMES),
    attrs: fc.dictionary(fc.constantFrom(...ATTRIBUTES), VALUES, { maxKeys: 6 }),
    children: fc.array(tie('node'), { maxLength: 4 }),
  }),
}));
// Payloads the service knows, with random attributes and children, so the trees reach every route.
const legacyFields = fc.record({
  name: fc.constantFrom('filename', 'size', 'content-type'),
  attrs: fc.constant({}),
  children: fc.array(fc.oneof(filenames, sizes, types), { maxLength: 2 }),
});
const knownPayloads: fc.Arbitrary<Node> = fc.record({
  name: fc.constantFrom('query', 'ping', 'request'),
  attrs: fc
    .tuple(
      fc.dictionary(fc.constantFrom(...ATTRIBUTES), VALUES, { maxKeys: 2 }),
      fc.record(
        {
          xmlns: fc.constantFrom(
            'http://jabber.org/protocol/disco#info',
            'http://jabber.org/protocol/disco#items',
            'urn:xmpp:ping',
            UP,
            LEGACY,
          ),
          node: fc.string({ maxLength: 3 }),
          filename: filenames,
          size: sizes,
          'content-type': types,
        },
        { requiredKeys: ['xmlns'] },
      ),
    )
    .map(([random, known]) => ({ ...random, ...known })),
  children: fc.array(fc.oneof(legacyFields, elements, texts), { maxLength: 3 }),
});
const stanzaAttrs = fc.record(
  {
    from: often(fc.constantFrom('juliet@localhost/balcony'), texts),
    to: often(fc.constantFrom('upload.localhost', 'localhost'), texts),
    id: texts,
    type: often(fc.constantFrom('get', 'set'), fc.constantFrom('result', 'error', ''), texts),
    xmlns: fc.constantFrom('jabber:client', 'jabber:component:accept', 'jabber:server', 'urn:other', ''),
    'xmlns:p': fc.constantFrom('urn:p', UP, 'jabber:client'),
  },
  { requiredKeys: [] },
);
const stanzas: fc.Arbitrary<Node> = fc.record({
  name: often(fc.constant('iq'), fc.constantFrom('message', 'presence', 'x', 'p:iq')),
  attrs: fc
    .tuple(fc.dictionary(fc.constantFrom(...ATTRIBUTES), VALUES, { maxKeys: 3 }), stanzaAttrs)
    .map(([random, known]) => ({ ...random, ...known })),
  children: often(fc.tuple(often(knownPayloads, elements)), fc.array(fc.oneof(knownPayloads, elements, texts), { maxLength: 3 })),
});

function serialise(node: Node | string, escaped: boolean): string {
  if (typeof node === 'string') return escaped ? escapeText(node) : node;
  const attributes = Object.entries(node.attrs)
    .map(([key, value]) => ` ${key}='${escaped ? escapeAttr(value) : value}'`)
    .join('');
  return `<${node.name}${attributes}>${node.children.map((child) => serialise(child, escaped)).join('')}</${node.name}>`;
}

const RUNS = { random: 3000, trees: 3000, models: 3000, truncated: 1000, mutated: 1500, tricks: 1000 };

const validModels: fc.Arbitrary<SlotModel> = fc.record({
  legacy: fc.boolean(),
  stanzaNs: fc.constantFrom(undefined, 'jabber:client', 'jabber:component:accept'),
  type: fc.constant('get'),
  from: fc.constantFrom('juliet@localhost/balcony', 'romeo@localhost'),
  to: fc.constantFrom('upload.localhost', undefined),
  id: fc.nat().map((n) => `v${n}`),
  filename: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).filter((name) => {
    try {
      return isXmlText(name) && checkFilename(name).length > 0;
    } catch {
      return false;
    }
  }),
  size: fc.integer({ min: 0, max: 10_485_760 }).map(String),
  contentType: fc.constantFrom('image/png', 'text/plain; charset=utf-8'),
});

const TRICKS = [
  '<!DOCTYPE iq [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>',
  '<!DOCTYPE iq SYSTEM "file:///etc/passwd">',
  '<!DOCTYPE iq [<!ENTITY % p SYSTEM "http://127.0.0.1/x.dtd"> %p;]>',
  '<!ENTITY x "y">',
  '&lol2;',
  '&xxe;',
  '&#0;',
  '&#xD800;',
  '<?xml-stylesheet href="x"?>',
  '<!-- c -->',
  '<![CDATA[',
  '<?xml version="1.1"?>',
];

// Thousands of runs per property: a generous limit so a loaded CI machine does not cut them short.
describe('handleStanza under random and adversarial input', { timeout: 180_000 }, () => {
  it(`never throws on ${RUNS.random} random strings and markup soup`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyString, markupSoup), async (body) => {
        await run(body);
      }),
      { numRuns: RUNS.random },
    );
  });

  it(`keeps every invariant on ${RUNS.trees} random XML trees`, async () => {
    await fc.assert(
      fc.asyncProperty(stanzas, often(fc.constant(true), fc.constant(false)), async (stanza, escaped) => {
        await run(serialise(stanza, escaped));
      }),
      { numRuns: RUNS.trees },
    );
  });

  it(`answers ${RUNS.models} modelled slot requests exactly as the policy decides`, async () => {
    await fc.assert(
      fc.asyncProperty(slotModels, async (model) => {
        const calls: RawSlotRequest[] = [];
        const outcome = await run(slotBody(model), calls);
        const expected = expectedOutcome(model);
        expect(outcome.kind === 'reply' ? outcome.outcome : outcome.kind).toBe(expected);
        // The values reach the slot service exactly as the model holds them: escaping, unicode and all.
        const { from, filename, size, contentType } = model;
        const asked = expected !== 'malformed' && from !== undefined && model.id !== undefined && model.type === 'get';
        expect(calls).toEqual(asked ? [{ from, filename, size, contentType }] : []);
        if (outcome.kind === 'reply' && expected === 'slot') {
          expect(outcome.xml).toContain(encodeKey(checkFilename(model.filename)).replace(/&/g, '&amp;'));
        }
      }),
      { numRuns: RUNS.models },
    );
  });

  it(`rejects ${RUNS.truncated} truncated valid requests as malformed`, async () => {
    await fc.assert(
      fc.asyncProperty(validModels, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), async (model, cut) => {
        const body = slotBody(model);
        expect(await run(body)).toMatchObject({ kind: 'reply', outcome: 'slot' });
        expect((await run(body.slice(0, Math.floor(cut * body.length)))).kind).toBe('malformed');
      }),
      { numRuns: RUNS.truncated },
    );
  });

  const edit = fc.record({ at: fc.nat(), op: fc.constantFrom('insert', 'delete', 'replace'), char: fc.oneof(markupSoup, anyString) });
  it(`keeps every invariant on ${RUNS.mutated} mutated valid requests`, async () => {
    await fc.assert(
      fc.asyncProperty(validModels, fc.array(edit, { minLength: 1, maxLength: 4 }), async (model, edits) => {
        let body = slotBody(model);
        for (const { at, op, char } of edits) {
          const i = at % (body.length + 1);
          body = body.slice(0, i) + (op === 'delete' ? '' : char) + body.slice(op === 'insert' ? i : i + 1);
        }
        await run(body);
      }),
      { numRuns: RUNS.mutated },
    );
  });

  it(`rejects ${RUNS.tricks} requests carrying DTD, entity, comment or PI tricks`, async () => {
    await fc.assert(
      fc.asyncProperty(validModels, fc.constantFrom(...TRICKS), fc.nat(), async (model, trick, at) => {
        const body = slotBody(model);
        const i = at % (body.length + 1);
        expect((await run(body.slice(0, i) + trick + body.slice(i))).kind).toBe('malformed');
      }),
      { numRuns: RUNS.tricks },
    );
  });

  it('answers a huge size and a huge unicode filename without throwing', async () => {
    const body = `<iq from='juliet@localhost/x' id='h' type='get'><request xmlns='${UP}' filename='${'😀'.repeat(5000)}.png' size='${'9'.repeat(400)}'/></iq>`;
    expect(await run(body)).toMatchObject({ kind: 'reply', outcome: 'file-too-large' });
  });
});
