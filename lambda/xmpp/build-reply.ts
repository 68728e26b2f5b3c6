/**
 * IQ replies (RFC 6120 §8.2.3, after xmpp.js `packages/iq/callee.js` `buildReply`): the
 * addresses swapped, the id kept, the stanza namespace declared exactly as the request did.
 */
import xml, { type Element } from '@xmpp/xml';
import { attribute, namespaceOf, type Stanza } from './parse-stanza.ts';

/**
 * A result or error `<iq>` answering `request`. Its `from` is the address the request was
 * sent to, so the requester can match the reply (xmpp.js and others check it); only a
 * request without `to` is answered from the service JID.
 */
export function buildReply(request: Stanza, serviceJid: string, type: 'result' | 'error', ...children: Element[]): Element {
  return xml(
    'iq',
    {
      xmlns: request.declaredNs ? request.ns : undefined,
      from: request.to ?? serviceJid,
      to: request.from,
      id: request.id,
      type,
    },
    ...children,
  );
}

/**
 * A copy of a payload element for an error reply (RFC 6120 §8.3.1 lets an error include the
 * original XML; XEP-0363 §5's examples do). The copy uses no prefixes: every element gets its
 * resolved namespace as a default `xmlns` where it changes, and prefixed attributes other
 * than `xml:*` are left out, so the copy never refers to a declaration it lost.
 */
export function copyPayload(element: Element, parentNs = ''): Element {
  const ns = namespaceOf(element);
  const attrs: Record<string, string> = ns === parentNs ? {} : { xmlns: ns };
  for (const key of Object.keys(element.attrs)) {
    const value = attribute(element, key);
    const prefixed = key.includes(':') && !key.startsWith('xml:');
    if (value !== undefined && key !== 'xmlns' && !key.startsWith('xmlns:') && !prefixed) attrs[key] = value;
  }
  const copy = xml(element.getName(), attrs);
  for (const child of element.children) {
    if (typeof child === 'string') copy.t(child);
    else copy.cnode(copyPayload(child, ns));
  }
  return copy;
}
