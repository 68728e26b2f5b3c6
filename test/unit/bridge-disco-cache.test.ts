import { describe, expect, it } from 'vitest';
import { createDiscoCache, discoKey, MAX_DISCO_ENTRIES } from '../../component/disco-cache.ts';
import { parseXml } from '../../component/xmpp-runtime.ts';

const INFO = 'http://jabber.org/protocol/disco#info';
const get = (query: string, id = 'q1', to = 'upload.example.org') =>
  parseXml(`<iq type='get' id='${id}' from='a@example.org/r' to='${to}'>${query}</iq>`);
const result = parseXml(`<iq type='result' id='q1'><query xmlns='${INFO}'><identity category='store' type='file'/></query></iq>`);

describe('discoKey', () => {
  it.each([
    ['disco#info', `<query xmlns='${INFO}'/>`, `upload.example.org\n${INFO}\n`],
    [
      'disco#items with a node',
      "<query xmlns='http://jabber.org/protocol/disco#items' node='n'/>",
      'upload.example.org\nhttp://jabber.org/protocol/disco#items\nn',
    ],
    ['a query with children', `<query xmlns='${INFO}'><x/></query>`, undefined],
    ['a query with another attribute', `<query xmlns='${INFO}' foo='1'/>`, undefined],
    ['a slot request', "<request xmlns='urn:xmpp:http:upload:0' filename='a' size='1'/>", undefined],
    ['two children', `<query xmlns='${INFO}'/><query xmlns='${INFO}'/>`, undefined],
  ])('keys %s as %j', (_name, query, key) => {
    expect(discoKey(get(query))).toBe(key);
  });
});

describe('createDiscoCache', () => {
  it('answers from the cache for ttl, addressed to the new requester, then forgets', () => {
    let now = 1000;
    const cache = createDiscoCache(5000, () => now);
    cache.remember(get(`<query xmlns='${INFO}'/>`), result);
    now = 5999;
    const answer = cache.answer(get(`<query xmlns='${INFO}'/>`, 'q2'));
    expect(answer?.toString()).toBe(
      `<iq type="result" id="q2" to="a@example.org/r" from="upload.example.org"><query xmlns="${INFO}"><identity category="store" type="file"/></query></iq>`,
    );
    now = 6000;
    expect(cache.answer(get(`<query xmlns='${INFO}'/>`, 'q3'))).toBeUndefined();
  });

  it('keeps nothing with ttl 0, nor errors', () => {
    const off = createDiscoCache(0);
    off.remember(get(`<query xmlns='${INFO}'/>`), result);
    expect(off.answer(get(`<query xmlns='${INFO}'/>`))).toBeUndefined();
    const on = createDiscoCache(5000);
    on.remember(get(`<query xmlns='${INFO}'/>`), parseXml("<iq type='error' id='q1'/>"));
    expect(on.answer(get(`<query xmlns='${INFO}'/>`))).toBeUndefined();
  });

  it(`holds at most ${MAX_DISCO_ENTRIES} entries, dropping the oldest`, () => {
    const cache = createDiscoCache(60_000, () => 0);
    for (let i = 0; i <= MAX_DISCO_ENTRIES; i += 1) cache.remember(get(`<query xmlns='${INFO}' node='n${i}'/>`), result);
    expect(cache.answer(get(`<query xmlns='${INFO}' node='n0'/>`))).toBeUndefined();
    expect(cache.answer(get(`<query xmlns='${INFO}' node='n${MAX_DISCO_ENTRIES}'/>`))).toBeDefined();
  });
});
