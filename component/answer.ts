/**
 * What the bridge sends back for each endpoint outcome. The endpoint decides every answer; the bridge adds only
 * its own `wait`/`service-unavailable` when the endpoint gave none it can relay.
 */
import type { ForwardOutcome } from './forward.ts';
import { parseReply, unavailableReply } from './stanza.ts';
import type { XmlElement } from './xmpp-runtime.ts';

/** Texts for the requester; they name no endpoint, status or secret. */
const TEXT: Record<string, string> = {
  unauthorized: 'The upload service is misconfigured; try again later.',
  'bad-reply': 'The upload service gave an invalid answer; try again later.',
};

/** The name of the IQ's payload, for the log: `<namespace> <element>`. */
export function payloadOf(stanza: XmlElement): string | undefined {
  const [child] = stanza.getChildElements();
  return child ? `${child.attrs.xmlns ?? ''} ${child.name}`.trim() : undefined;
}

/** What to send back for an endpoint outcome (the reply, or nothing), its label for the log and the failure's cause. */
export interface Answer {
  readonly reply: XmlElement | null;
  readonly label: string;
  readonly cause?: string;
}

/** Decides what to send back for an endpoint outcome: the reply, nothing, or the bridge's own error. */
export function answerFor(outcome: ForwardOutcome, request: XmlElement): Answer {
  if (outcome.kind === 'no-reply') return { reply: null, label: 'no-reply' };
  if (outcome.kind === 'reply') {
    const reply = parseReply(outcome.body, request);
    if (reply) return { reply, label: reply.attrs.type === 'error' ? 'error' : 'result' };
    return {
      reply: unavailableReply(request, TEXT['bad-reply'] ?? ''),
      label: 'unavailable:bad-reply',
      cause: 'not one IQ result or error with the request id',
    };
  }
  const text = TEXT[outcome.reason] ?? 'The upload service is temporarily unavailable; try again later.';
  return { reply: unavailableReply(request, text), label: `unavailable:${outcome.reason}`, cause: outcome.cause };
}
