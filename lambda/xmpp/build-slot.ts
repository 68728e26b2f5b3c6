/**
 * Slot requests and slots in both XEP-0363 namespaces. The values are read raw (strings, or
 * undefined when absent) and handed to the slot service, whose checks are shared with the
 * JSON route; nothing is trimmed or guessed here.
 */
import xml, { type Element } from '@xmpp/xml';
import type { Slot } from '../core/ports.ts';
import type { RawSlotRequest } from '../core/slot-request.ts';
import { NS, type UploadNamespace } from './namespaces.ts';
import { attribute, namespaceOf } from './parse-stanza.ts';

/** The text of the first child `<name/>` in namespace `ns`; undefined when there is none. */
function childText(parent: Element, name: string, ns: string): string | undefined {
  const child = parent.getChildElements().find((element) => element.getName() === name && namespaceOf(element) === ns);
  return child?.getText();
}

/**
 * Reads a `<request/>`: XEP-0363 §4 attributes `filename`, `size`, `content-type` in
 * `urn:xmpp:http:upload:0`; child elements of the same names in the 0.2 namespace.
 * @param from the stanza's `from`; the service reduces it to the requester's bare JID.
 */
export function readSlotRequest(request: Element, ns: UploadNamespace, from: string): RawSlotRequest {
  if (ns === NS.upload) {
    return {
      from,
      filename: attribute(request, 'filename'),
      size: attribute(request, 'size'),
      contentType: attribute(request, 'content-type'),
    };
  }
  return {
    from,
    filename: childText(request, 'filename', ns),
    size: childText(request, 'size', ns),
    contentType: childText(request, 'content-type', ns),
  };
}

/**
 * The `<slot/>` of a granted request. Current: `<put url/>` and `<get url/>` attributes
 * (XEP-0363 §4); 0.2: the URLs as text of `<put>` and `<get>`. No `<header>` elements:
 * everything S3 needs is in the presigned query, and clients copy only a few headers anyway
 * (docs/architecture.md "Slots").
 */
export function buildSlot(slot: Slot, ns: UploadNamespace): Element {
  if (ns === NS.upload) {
    return xml('slot', { xmlns: ns }, xml('put', { url: slot.put.url }), xml('get', { url: slot.get.url }));
  }
  return xml('slot', { xmlns: ns }, xml('put', {}, slot.put.url), xml('get', {}, slot.get.url));
}
