import { describe, expect, it } from 'vitest';
import { isRequestIq, parseReply, toHttpBody, unavailableReply } from '../../component/stanza.ts';
import { parseXml } from '../../component/xmpp-runtime.ts';

const request = parseXml(
  "<iq type='get' id='r1' from='alice@example.org/phone' to='upload.example.org'><ping xmlns='urn:xmpp:ping'/></iq>",
);

describe('isRequestIq', () => {
  it.each([
    ["<iq type='get' id='1'/>", true],
    ["<iq type='set' id='1'/>", true],
    ["<iq type='result' id='1'/>", false],
    ["<iq type='error' id='1'/>", false],
    ["<message type='chat'/>", false],
    ['<presence/>', false],
  ])('%s → %s', (xml, expected) => {
    expect(isRequestIq(parseXml(xml))).toBe(expected);
  });
});

describe('toHttpBody', () => {
  it.each([
    ['jabber:component:accept', ''],
    ['jabber:server', ''],
    ['jabber:client', ''],
  ])('drops the stream namespace %s so the endpoint reads jabber:client', (ns) => {
    const body = toHttpBody(parseXml(`<iq xmlns='${ns}' type='get' id='1'><q xmlns='urn:x'/></iq>`));
    expect(body).toBe('<iq type="get" id="1"><q xmlns="urn:x"/></iq>');
  });

  it('keeps the stanza it was given unchanged', () => {
    const stanza = parseXml("<iq xmlns='jabber:component:accept' type='get' id='1'/>");
    toHttpBody(stanza);
    expect(stanza.attrs.xmlns).toBe('jabber:component:accept');
  });
});

describe('parseReply', () => {
  it.each([
    [
      'a result with the same id',
      "<iq xmlns='jabber:client' type='result' id='r1' to='alice@example.org/phone' from='upload.example.org'/>",
      true,
    ],
    ['an error with the same id', "<iq type='error' id='r1'><error type='cancel'/></iq>", true],
    ['another id', "<iq type='result' id='other'/>", false],
    ['a get', "<iq type='get' id='r1'/>", false],
    ['a message', "<message id='r1'/>", false],
    ['truncated XML', "<iq type='result' id='r1'>", false],
    ['mismatched tags', "<iq type='result' id='r1'></message>", false],
    ['two stanzas', "<iq type='result' id='r1'/><iq type='result' id='r1'/>", false],
    ['text', 'ok', false],
  ])('accepts %s: %s', (_name, body, accepted) => {
    expect(parseReply(body, request) !== null).toBe(accepted);
  });

  it('addresses a reply without to/from back to the requester, without the client namespace', () => {
    expect(parseReply("<iq xmlns='jabber:client' type='result' id='r1'/>", request)?.toString()).toBe(
      '<iq type="result" id="r1" to="alice@example.org/phone" from="upload.example.org"/>',
    );
  });
});

describe('unavailableReply', () => {
  it('answers wait/service-unavailable with a text (RFC 6120 §8.3.3.19)', () => {
    expect(unavailableReply(request, 'Try later.').toString()).toBe(
      '<iq type="error" id="r1" to="alice@example.org/phone" from="upload.example.org"><error type="wait">' +
        '<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>' +
        '<text xmlns="urn:ietf:params:xml:ns:xmpp-stanzas" xml:lang="en">Try later.</text></error></iq>',
    );
  });
});
