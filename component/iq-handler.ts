/**
 * What the bridge does with one IQ request: a cached disco answer, `wait`/`resource-constraint` when too many
 * requests are in flight, or the endpoint's answer (after at most one retry); then exactly one log line.
 */
import { type Answer, answerFor, payloadOf } from './answer.ts';
import type { DiscoCache } from './disco-cache.ts';
import type { EndpointClient } from './endpoint-client.ts';
import { busyReply, toHttpBody } from './stanza.ts';
import type { XmlElement } from './xmpp-runtime.ts';

/** The log line of one IQ; never holds a secret. */
export interface IqLogLine {
  readonly event: 'iq';
  readonly from?: string;
  readonly id?: string;
  readonly type?: string;
  readonly payload?: string;
  /** `result`, `error`, `no-reply`, `cached`, `busy`, `unavailable:<reason>`, `aborted`, `lost`. */
  readonly outcome: string;
  readonly status?: number;
  /** POSTs made when more than one. */
  readonly attempts?: number;
  /** Why the IQ failed, or why it needed a retry. */
  readonly cause?: string;
  readonly ms: number;
}

export interface IqHandlerOptions {
  readonly client: EndpointClient;
  readonly cache: DiscoCache;
  readonly maxInFlight: number;
  /** Sends on the component stream; rejects when the stream is down. */
  readonly send: (stanza: XmlElement) => Promise<void>;
  readonly log: (line: IqLogLine) => void;
}

export interface IqHandler {
  handle(stanza: XmlElement): void;
}

export function createIqHandler(options: IqHandlerOptions): IqHandler {
  let inFlight = 0;

  /** Sends the answer (the requester's server bounces it when the stream dropped meanwhile) and logs. */
  const finish = async (stanza: XmlElement, started: number, answer: Answer, extra: Partial<IqLogLine>) => {
    let outcome = answer.label;
    if (answer.reply) await options.send(answer.reply).catch(() => (outcome = 'lost'));
    const { from, id, type } = stanza.attrs;
    const ms = Math.round(performance.now() - started);
    const cause = [answer.cause, extra.cause].filter((part) => part !== undefined).join('; ') || undefined;
    options.log({
      event: 'iq',
      from,
      id,
      type,
      payload: payloadOf(stanza),
      outcome,
      ...extra,
      ...(cause === undefined ? {} : { cause }),
      ms,
    });
  };

  return {
    handle(stanza) {
      const started = performance.now();
      const cached = options.cache.answer(stanza);
      if (cached) return void finish(stanza, started, { reply: cached, label: 'cached' }, {});
      if (inFlight >= options.maxInFlight) {
        const cause = `${inFlight} requests in flight, the most allowed`;
        return void finish(stanza, started, { reply: busyReply(stanza), label: 'busy', cause }, {});
      }
      inFlight += 1;
      options.client
        .send(toHttpBody(stanza))
        .then(({ outcome, attempts, retriedAfter }) => {
          const extra = {
            ...(outcome.kind === 'failed' && outcome.status === undefined ? {} : { status: outcome.status }),
            ...(attempts > 1 ? { attempts } : {}),
            ...(retriedAfter === undefined ? {} : { cause: `retried after ${retriedAfter}` }),
          };
          if (outcome.kind === 'failed' && outcome.reason === 'aborted')
            return finish(stanza, started, { reply: null, label: 'aborted' }, extra);
          const answer = answerFor(outcome, stanza);
          if (answer.reply) options.cache.remember(stanza, answer.reply);
          return finish(stanza, started, answer, extra);
        })
        .finally(() => {
          inFlight -= 1;
        });
    },
  };
}
