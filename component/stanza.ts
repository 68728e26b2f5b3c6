/**
 * Pure stanza helpers for the bridge: what to forward, how it travels over HTTP, and the one error the bridge
 * answers by itself. No policy lives here: every answer except "endpoint unavailable" comes from the endpoint.
 */
import { parseXml, type XmlElement, xml } from './xmpp-runtime.ts';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
/** Stream namespaces a stanza may carry; over HTTP a stanza with no `xmlns` means `jabber:client` (docs/architecture.md). */
const STREAM_NAMESPACES = new Set(['jabber:component:accept', 'jabber:server', 'jabber:client']);

/** RFC 6120 §8.2.3: only `get`/`set` IQs are requests; results and errors are never answered. */
export function isRequestIq(stanza: XmlElement): boolean {
  return stanza.name === 'iq' && (stanza.attrs.type === 'get' || stanza.attrs.type === 'set');
}

/** A copy of `stanza` without its stream namespace, so that each side applies its own default. */
function withoutStreamNamespace(stanza: XmlElement): XmlElement {
  const { xmlns, ...attrs } = stanza.attrs;
  const copy = xml(stanza.name, xmlns !== undefined && !STREAM_NAMESPACES.has(xmlns) ? { ...attrs, xmlns } : attrs);
  // Shares the children: serialising does not touch them, and the original is not sent again.
  copy.children = stanza.children;
  return copy;
}

/** The HTTP body for a stanza received on the component stream. */
export function toHttpBody(stanza: XmlElement): string {
  return withoutStreamNamespace(stanza).toString();
}

/**
 * Reads the endpoint's reply to `request`. Returns null unless it is one IQ result or error with the request's
 * id (RFC 6120 §8.2.3): anything else would leave the requester waiting for an answer that never comes.
 */
export function parseReply(body: string, request: XmlElement): XmlElement | null {
  let reply: XmlElement;
  try {
    reply = parseXml(body);
  } catch {
    return null;
  }
  if (reply.name !== 'iq') return null;
  if (reply.attrs.type !== 'result' && reply.attrs.type !== 'error') return null;
  if (reply.attrs.id !== request.attrs.id) return null;
  const out = withoutStreamNamespace(reply);
  out.attrs.to ??= request.attrs.from;
  out.attrs.from ??= request.attrs.to;
  return out;
}

/**
 * An error the bridge answers by itself, with a human text that never names the endpoint or its secret.
 * `wait` tells clients to try again later (RFC 6120 §8.3.2).
 */
export function bridgeErrorReply(request: XmlElement, condition: 'service-unavailable' | 'resource-constraint', text: string): XmlElement {
  return xml(
    'iq',
    { type: 'error', id: request.attrs.id, to: request.attrs.from, from: request.attrs.to },
    xml('error', { type: 'wait' }, xml(condition, { xmlns: NS_STANZAS }), xml('text', { xmlns: NS_STANZAS, 'xml:lang': 'en' }, text)),
  );
}

/** The answer when the endpoint cannot answer: `wait`/`service-unavailable` (RFC 6120 §8.3.3.19). */
export function unavailableReply(request: XmlElement, text: string): XmlElement {
  return bridgeErrorReply(request, 'service-unavailable', text);
}

/** The answer when too many requests are in flight: `wait`/`resource-constraint` (RFC 6120 §8.3.3.18). */
export function busyReply(request: XmlElement): XmlElement {
  return bridgeErrorReply(request, 'resource-constraint', 'The upload service is busy; try again in a moment.');
}
