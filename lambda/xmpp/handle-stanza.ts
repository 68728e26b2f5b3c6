/**
 * The one entry of the stanza side of `POST /xmpp` (docs/architecture.md "Slot endpoint"): one stanza
 * in, at most one reply out. Routing decides an {@link Answer}; {@link toOutcome} is the only
 * place that turns an answer into reply XML.
 */
import type { Element } from '@xmpp/xml';
import { SlotError, toSlotError } from '../core/errors.ts';
import type { Purpose } from '../core/purposes.ts';
import type { SlotService } from '../core/slot-service.ts';
import { buildDiscoInfo, buildDiscoItems } from './build-disco.ts';
import { buildError, type StanzaErrorSpec, toStanzaError } from './build-error.ts';
import { buildReply, copyPayload } from './build-reply.ts';
import { buildSlot, readSlotRequest } from './build-slot.ts';
import { isUploadNamespace, NS, type UploadNamespace } from './namespaces.ts';
import { attribute, namespaceOf, parseStanza, type Stanza } from './parse-stanza.ts';

export interface StanzaContext {
  /** The service's JID; replies to a stanza without `to` come from it. */
  readonly serviceJid: string;
  /** Announced in disco#info and in `<file-too-large>`. */
  readonly maxFileSizeBytes: number;
  /** The honoured XEP-0363 1.2.0 purposes, each a disco#info feature. */
  readonly purposes: readonly Purpose[];
  readonly requestSlot: SlotService;
}

/**
 * What became of a body. `outcome` is one word for the request log: `slot`, `disco-info`,
 * `disco-items`, `ping`, `unsupported`, `item-not-found`, `ignored`, or the SlotError
 * condition (`bad-request`, `file-too-large`, `quota-exceeded`, …). `cause` is the failure
 * behind an `internal`/`store-unavailable` reply, for the log only.
 */
export type StanzaOutcome =
  | { readonly kind: 'reply'; readonly xml: string; readonly outcome: string; readonly cause?: unknown; readonly from?: string }
  | { readonly kind: 'none'; readonly outcome: string }
  | { readonly kind: 'malformed'; readonly text: string };

type Answer =
  | { readonly type: 'result'; readonly outcome: string; readonly payload?: Element }
  | { readonly type: 'error'; readonly outcome: string; readonly error: StanzaErrorSpec; readonly cause?: unknown };

const result = (outcome: string, payload?: Element): Answer =>
  payload === undefined ? { type: 'result', outcome } : { type: 'result', outcome, payload };

/** Maps a refusal through the one table; every error of the slot logic passes here. */
function refusal(thrown: unknown, ns: UploadNamespace, ctx: StanzaContext): Answer {
  const error = toSlotError(thrown);
  const answer: Answer = { type: 'error', outcome: error.condition, error: toStanzaError(error, ns, ctx.maxFileSizeBytes) };
  return error.cause === undefined ? answer : { ...answer, cause: error.cause };
}

const badRequest = (text: string, ctx: StanzaContext): Answer => refusal(new SlotError('bad-request', text), NS.upload, ctx);

const UNSUPPORTED: Answer = {
  type: 'error',
  outcome: 'unsupported',
  error: { type: 'cancel', condition: 'service-unavailable', text: 'The upload service does not answer this request.' },
};

// XEP-0030 §3.1 / §4.1: the service has no nodes, so any node is not found.
const NO_NODE: Answer = {
  type: 'error',
  outcome: 'item-not-found',
  error: { type: 'cancel', condition: 'item-not-found', text: 'The upload service has no discovery nodes.' },
};

async function requestSlot(payload: Element, ns: UploadNamespace, from: string, ctx: StanzaContext): Promise<Answer> {
  try {
    const slot = await ctx.requestSlot(readSlotRequest(payload, ns, from));
    return result('slot', buildSlot(slot, ns));
  } catch (error) {
    return refusal(error, ns, ctx);
  }
}

/** Answers an IQ: the checks of RFC 6120 §8.2.3 (Prosody's stanza router answers a wrong child count alike), then the routes. */
async function answerIq(stanza: Stanza, payloads: readonly Element[], ctx: StanzaContext): Promise<Answer> {
  if (stanza.type !== 'get' && stanza.type !== 'set')
    return badRequest('An iq must have type get, set, result or error (RFC 6120 §8.2.3).', ctx);
  if (stanza.id === undefined) return badRequest('An iq must have an id (RFC 6120 §8.2.3).', ctx);
  if (stanza.from === undefined) return badRequest('The stanza has no from address, so the requester is unknown.', ctx);
  const [payload] = payloads;
  if (payload === undefined || payloads.length > 1) {
    return badRequest('An iq get or set must carry exactly one payload element (RFC 6120 §8.2.3).', ctx);
  }
  const ns = namespaceOf(payload);
  const name = payload.getName();
  // Every payload the service knows is a get (XEP-0030, XEP-0199, XEP-0363 §4); a set is unsupported, as in Prosody.
  if (stanza.type !== 'get') return UNSUPPORTED;
  if (name === 'query' && (ns === NS.discoInfo || ns === NS.discoItems)) {
    if (attribute(payload, 'node') !== undefined) return NO_NODE;
    return ns === NS.discoInfo
      ? result('disco-info', buildDiscoInfo(ctx.maxFileSizeBytes, ctx.purposes))
      : result('disco-items', buildDiscoItems());
  }
  if (name === 'ping' && ns === NS.ping) return result('ping');
  if (name === 'request' && isUploadNamespace(ns)) return requestSlot(payload, ns, stanza.from, ctx);
  return UNSUPPORTED;
}

/** The one place that serialises a reply: swapped addresses, the same id, the payload echoed in errors. */
function toOutcome(stanza: Stanza, payloads: readonly Element[], answer: Answer, ctx: StanzaContext): StanzaOutcome {
  // The requester, so the request log names it on refusals that never reached the slot service.
  const from = stanza.from === undefined ? {} : { from: stanza.from };
  if (answer.type === 'result') {
    const children = answer.payload === undefined ? [] : [answer.payload];
    return { kind: 'reply', xml: buildReply(stanza, ctx.serviceJid, 'result', ...children).toString(), outcome: answer.outcome, ...from };
  }
  const [payload] = payloads;
  const echo = payload !== undefined && payloads.length === 1 ? [copyPayload(payload, stanza.declaredNs ? stanza.ns : '')] : [];
  const xml = buildReply(stanza, ctx.serviceJid, 'error', ...echo, buildError(answer.error)).toString();
  return answer.cause === undefined
    ? { kind: 'reply', xml, outcome: answer.outcome, ...from }
    : { kind: 'reply', xml, outcome: answer.outcome, cause: answer.cause, ...from };
}

/**
 * Handles one stanza from `POST /xmpp`. Never throws: every body yields an outcome.
 * IQ get/set are answered as the upload service whatever their `to` (the integration only
 * forwards what is addressed to the service); IQ result/error, messages and presences get
 * no reply, so two services can never loop on each other's errors.
 */
export async function handleStanza(body: string, ctx: StanzaContext): Promise<StanzaOutcome> {
  let parsed: ReturnType<typeof parseStanza>;
  try {
    parsed = parseStanza(body);
  } catch {
    return { kind: 'malformed', text: 'The body is not well-formed XML.' };
  }
  if (!parsed.ok) return { kind: 'malformed', text: parsed.text };
  const { stanza } = parsed;
  if (stanza.name !== 'iq' || stanza.type === 'result' || stanza.type === 'error') return { kind: 'none', outcome: 'ignored' };
  const payloads = stanza.element.getChildElements();
  try {
    return toOutcome(stanza, payloads, await answerIq(stanza, payloads, ctx), ctx);
  } catch (error) {
    return toOutcome(stanza, [], refusal(error, NS.upload, ctx), ctx);
  }
}
