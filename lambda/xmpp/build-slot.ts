/**
 * Slot requests and slots in both XEP-0363 namespaces. The values are read raw (strings, or
 * undefined when absent) and handed to the slot service, whose checks are shared with the
 * JSON route; nothing is trimmed or guessed here.
 */
import xml, { type Element } from '@xmpp/xml';
import { SlotError } from '../core/errors.ts';
import type { Slot } from '../core/ports.ts';
import { PURPOSE_NS } from '../core/purposes.ts';
import type { RawSlotRequest } from '../core/slot-request.ts';
import { NS, type UploadNamespace } from './namespaces.ts';
import { attribute, namespaceOf } from './parse-stanza.ts';

/** The text of the first child `<name/>` in namespace `ns`; undefined when there is none. */
function childText(parent: Element, name: string, ns: string): string | undefined {
  const child = parent.getChildElements().find((element) => element.getName() === name && namespaceOf(element) === ns);
  return child?.getText();
}

/**
 * The XEP-0363 1.2.0 purpose of a `<request/>`: at most one empty child in
 * `urn:xmpp:http:upload:purpose:0`, its name the purpose, `expire-before` on `<ephemeral/>`.
 * Whether the name is a purpose at all is the slot service's check.
 * @throws SlotError `bad-request` for two purposes or a purpose element with content.
 */
function readPurpose(request: Element): Pick<RawSlotRequest, 'purpose' | 'expireBefore'> {
  const found = request.getChildElements().filter((element) => namespaceOf(element) === PURPOSE_NS);
  if (found.length === 0) return {};
  const [child] = found;
  if (found.length > 1 || child === undefined) throw new SlotError('bad-request', 'A request may name one purpose only.');
  const name = child.getName().replace(/^[^:]*:/, '');
  if (child.getChildElements().length > 0 || child.getText().trim() !== '') {
    throw new SlotError('bad-request', `The purpose element <${name.slice(0, 40)}/> must be empty.`);
  }
  const expireBefore = attribute(child, 'expire-before');
  return expireBefore === undefined ? { purpose: name } : { purpose: name, expireBefore };
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
      ...readPurpose(request),
    };
  }
  return {
    from,
    filename: childText(request, 'filename', ns),
    size: childText(request, 'size', ns),
    contentType: childText(request, 'content-type', ns),
    ...readPurpose(request),
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
