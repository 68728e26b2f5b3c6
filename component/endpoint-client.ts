/**
 * The bridge's side of the slot endpoint: one deadline per IQ, the one retry of retry-policy.ts, and the
 * endpoint secret, which can be replaced while running (SIGHUP) and is re-read once when the endpoint
 * answers 401 (the secret was rotated before the bridge was told).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type ForwardFailure, type ForwardOutcome, forwardStanza, xmppUrl } from './forward.ts';
import { retryDecision } from './retry-policy.ts';

export interface EndpointClientOptions {
  /** The endpoint's base URL. */
  readonly endpoint: string;
  readonly secret: string;
  /** Everything for one IQ, retry included, ends by then. */
  readonly deadlineMs: number;
  /** Reads the secret again (from its file); undefined when it cannot change. */
  readonly reloadSecret?: () => Promise<string>;
  /** Aborts every exchange when the bridge stops. */
  readonly signal?: AbortSignal;
  /** @default Math.random */
  readonly random?: () => number;
}

/** What became of one IQ: the last outcome, how many POSTs it took, and why a retry happened. */
export interface Exchange {
  readonly outcome: ForwardOutcome;
  readonly attempts: number;
  /** The failure of the first attempt when there was a second. */
  readonly retriedAfter?: string;
}

export interface EndpointClient {
  /** Posts one stanza; never throws. */
  send(body: string): Promise<Exchange>;
  /** Replaces the endpoint secret for every exchange from now on; true when it differs from the one in use. */
  setSecret(secret: string): boolean;
}

export function createEndpointClient(options: EndpointClientOptions): EndpointClient {
  const random = options.random ?? Math.random;
  let secret = options.secret;
  let endpointAnswered = false;
  const url = new URL(xmppUrl(options.endpoint));
  let reloading: Promise<string | undefined> | undefined;

  /** One re-read for every IQ that met the same 401 at once; a failed read keeps the secret. */
  const reload = (): Promise<string | undefined> => {
    const read = options.reloadSecret;
    if (read === undefined) return Promise.resolve(undefined);
    reloading ??= read()
      .catch(() => undefined)
      .finally(() => {
        reloading = undefined;
      });
    return reloading;
  };

  /** The secret for the retry after a 401 with `used`, or undefined when there is no other one. */
  const secretAfter401 = async (used: string): Promise<string | undefined> => {
    if (secret !== used) return secret;
    const fresh = await reload();
    if (fresh === undefined || fresh === used) return undefined;
    secret = fresh;
    return fresh;
  };

  return {
    setSecret(next) {
      const changed = next !== secret;
      secret = next;
      return changed;
    },
    async send(body) {
      const deadline = performance.now() + options.deadlineMs;
      let retriedAfter: string | undefined;
      for (let attempt = 1; ; attempt += 1) {
        const used = secret;
        const timeoutMs = Math.max(1, Math.round(deadline - performance.now()));
        const outcome = await forwardStanza(body, {
          url,
          secret: used,
          timeoutMs,
          freshConnection: attempt > 1,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
        if (outcome.kind !== 'failed' || outcome.status !== undefined) endpointAnswered = true;
        const done = (): Exchange => ({ outcome, attempts: attempt, ...(retriedAfter === undefined ? {} : { retriedAfter }) });
        if (outcome.kind !== 'failed' || outcome.reason === 'aborted' || attempt > 1) return done();
        if (outcome.status === 401) {
          const next = await secretAfter401(used);
          if (next === undefined) return done();
          retriedAfter = 'HTTP 401 (re-read the secret)';
          continue;
        }
        const decision = retryDecision(outcome, {
          attempt,
          remainingMs: deadline - performance.now(),
          endpointAnswered,
          nowMs: Date.now(),
          random,
        });
        if (!decision.retry) return decision.why === undefined ? done() : { ...done(), outcome: withWhy(outcome, decision.why) };
        retriedAfter = outcome.cause;
        const slept = await sleep(decision.delayMs, true, options.signal ? { signal: options.signal } : {}).catch(() => false);
        if (!slept) return { outcome: { kind: 'failed', reason: 'aborted', cause: 'the bridge stopped' }, attempts: attempt };
      }
    },
  };
}

/** Adds why there was no retry to the failure's cause, for the log. */
function withWhy(failure: ForwardFailure, why: string): ForwardFailure {
  return { ...failure, cause: `${failure.cause}; not retried: ${why}` };
}
