/**
 * Stanza `<error/>` elements (RFC 6120 §8.3). Every refusal of the slot logic is a
 * {@link SlotError}; {@link toStanzaError} maps it through the one {@link CONDITIONS} table and
 * adds the XEP-0363 §5 extras. Protocol errors of the endpoint itself (service-unavailable,
 * item-not-found) use {@link buildError} directly.
 */
import xml, { type Element } from '@xmpp/xml';
import { CONDITIONS, type SlotError, type XmppErrorType } from '../core/errors.ts';
import { NS, type UploadNamespace } from './namespaces.ts';

/** What an `<error/>` says: RFC 6120 §8.3.2 type, §8.3.3 defined condition, optional text and extra element. */
export interface StanzaErrorSpec {
  readonly type: XmppErrorType;
  readonly condition: string;
  readonly text?: string;
  /** An application-specific condition element (RFC 6120 §8.3.4). */
  readonly extra?: Element;
}

export function buildError(spec: StanzaErrorSpec): Element {
  const children = [xml(spec.condition, { xmlns: NS.stanzas })];
  if (spec.text !== undefined) children.push(xml('text', { xmlns: NS.stanzas }, spec.text));
  if (spec.extra !== undefined) children.push(spec.extra);
  return xml('error', { type: spec.type }, ...children);
}

/**
 * An XEP-0082 DateTime in UTC without fractions (`2026-01-02T03:04:05Z`). Fractions are
 * rounded up, so a client that waits until the stamp never retries too early.
 */
export function formatStamp(date: Date): string {
  const seconds = Math.ceil(date.getTime() / 1000);
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}Z`;
}

/**
 * The XEP-0363 §5 element that says why a slot was refused: `<file-too-large>` with the limit,
 * in the request's own namespace (0.2 clients look for it there), or `<retry stamp>` for quotas.
 */
function extraElement(error: SlotError, ns: UploadNamespace, maxFileSizeBytes: number): Element | undefined {
  if (error.condition === 'file-too-large') {
    const limit = error.maxFileSizeBytes ?? maxFileSizeBytes;
    return xml('file-too-large', { xmlns: ns }, xml('max-file-size', {}, String(limit)));
  }
  if (error.condition === 'quota-exceeded' && error.retryAt !== undefined && Number.isFinite(error.retryAt.getTime())) {
    return xml('retry', { xmlns: NS.upload, stamp: formatStamp(error.retryAt) });
  }
  return undefined;
}

/**
 * Maps a refusal to an error by its condition. Callers pass anything else through
 * `toSlotError` first, which makes it `internal` with a neutral text (no internals reach the
 * requester).
 * @param ns the namespace of the request that failed, for the extra element.
 * @param maxFileSizeBytes the limit to announce when the error does not carry one.
 */
export function toStanzaError(error: SlotError, ns: UploadNamespace, maxFileSizeBytes: number): StanzaErrorSpec {
  const mapping = CONDITIONS[error.condition];
  const extra = extraElement(error, ns, maxFileSizeBytes);
  return { type: mapping.xmppType, condition: mapping.xmppCondition, text: error.text, ...(extra === undefined ? {} : { extra }) };
}
