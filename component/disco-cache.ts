/**
 * Short-lived copies of the endpoint's disco#info and disco#items results (XEP-0030), so that every client
 * login's service discovery does not cost a Lambda call. The answers depend only on the service's
 * configuration, never on the requester, so one copy serves everyone until it expires.
 */
import { type XmlElement, xml } from './xmpp-runtime.ts';

const DISCO_NAMESPACES = new Set(['http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items']);
/** A bound on entries, so that queries for many nodes or resources cannot grow the cache without end. */
export const MAX_DISCO_ENTRIES = 256;

export interface DiscoCache {
  /** The cached answer to `request`, addressed to its sender, or undefined. */
  answer(request: XmlElement): XmlElement | undefined;
  /** Keeps `reply` when `request` is a cacheable disco query and `reply` a result. */
  remember(request: XmlElement, reply: XmlElement): void;
}

/** The cache key of a plain disco get (`to`, namespace, node), or undefined for anything else. */
export function discoKey(request: XmlElement): string | undefined {
  if (request.name !== 'iq' || request.attrs.type !== 'get') return undefined;
  const children = request.getChildElements();
  const [query] = children;
  if (children.length !== 1 || query === undefined || query.name !== 'query' || query.children.length > 0) return undefined;
  const { xmlns, node, ...rest } = query.attrs;
  if (xmlns === undefined || !DISCO_NAMESPACES.has(xmlns) || Object.keys(rest).length > 0) return undefined;
  return `${request.attrs.to ?? ''}\n${xmlns}\n${node ?? ''}`;
}

/** A cache keeping results for `ttlMs` (0: keeps nothing) on the clock `now`. */
export function createDiscoCache(ttlMs: number, now: () => number = () => performance.now()): DiscoCache {
  const entries = new Map<string, { readonly until: number; readonly children: XmlElement['children'] }>();
  return {
    answer(request) {
      const key = ttlMs > 0 ? discoKey(request) : undefined;
      const entry = key === undefined ? undefined : entries.get(key);
      if (key === undefined || entry === undefined) return undefined;
      if (entry.until <= now()) {
        entries.delete(key);
        return undefined;
      }
      const reply = xml('iq', { type: 'result', id: request.attrs.id, to: request.attrs.from, from: request.attrs.to });
      // Shared, never changed: serialising does not touch the children.
      reply.children = entry.children;
      return reply;
    },
    remember(request, reply) {
      const key = ttlMs > 0 ? discoKey(request) : undefined;
      if (key === undefined || reply.attrs.type !== 'result') return;
      if (!entries.has(key) && entries.size >= MAX_DISCO_ENTRIES) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
      entries.set(key, { until: now() + ttlMs, children: reply.children });
    },
  };
}
