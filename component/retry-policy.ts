/**
 * When the bridge tries a stanza a second time (docs/bridge.md, "Retries"). Pure: the caller passes the clock
 * and the random source. One retry at most, and only for failures a second attempt can fix without the
 * requester noticing: a reset connection (a kept-alive socket the endpoint or a middlebox dropped), a refused
 * connection to an endpoint that answered before (a restart), and 502/503/504 (a Lambda cold start or throttle).
 */
import type { ForwardFailure } from './forward.ts';

/** Network errors that mean the connection broke, not that the endpoint is wrong. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** Gateway statuses the endpoint's front (Function URL, proxy) answers while the function is unavailable. */
const RETRY_STATUSES = new Set([502, 503, 504]);

/** The longest `Retry-After` the bridge waits for; a longer one is answered at once (the client retries later). */
export const MAX_RETRY_AFTER_MS = 2000;
/** Retry delay without `Retry-After`: `JITTER_MIN_MS` plus up to `JITTER_SPAN_MS`, so retries of a burst spread. */
export const JITTER_MIN_MS = 50;
export const JITTER_SPAN_MS = 200;
/** A retry is only worth it when at least this much of the IQ's deadline is left after the wait. */
export const MIN_ATTEMPT_MS = 500;

export interface RetryContext {
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** What is left of the IQ's deadline now. */
  readonly remainingMs: number;
  /** Whether the endpoint ever answered this bridge (any HTTP status): a refusal then means a restart. */
  readonly endpointAnswered: boolean;
  readonly nowMs: number;
  /** In [0, 1). */
  readonly random: () => number;
}

/** The wait before the one retry of `failure`, or the reason there is none. */
export type RetryDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly why?: string };

/** `Retry-After` (RFC 9110 §10.2.3: seconds or an HTTP date) as milliseconds from `nowMs`; undefined when unreadable. */
export function parseRetryAfter(value: string, nowMs: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day and month; Date.parse alone would read "1.5" as a date in 2001.
  const at = /^[A-Za-z]{3}, /.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Decides whether `failure` gets its one retry, and after how long. */
export function retryDecision(failure: ForwardFailure, ctx: RetryContext): RetryDecision {
  if (ctx.attempt > 1) return { retry: false };
  const jitter = JITTER_MIN_MS + Math.floor(ctx.random() * JITTER_SPAN_MS);
  let delayMs: number;
  if (failure.reason === 'unreachable' && failure.errno !== undefined && RESET_CODES.has(failure.errno)) delayMs = jitter;
  else if (failure.reason === 'unreachable' && failure.errno === 'ECONNREFUSED') {
    if (!ctx.endpointAnswered) return { retry: false, why: 'the endpoint never answered this bridge' };
    delayMs = jitter;
  } else if (failure.reason === 'server-error' && failure.status !== undefined && RETRY_STATUSES.has(failure.status)) {
    const asked = failure.retryAfter === undefined ? undefined : parseRetryAfter(failure.retryAfter, ctx.nowMs);
    if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) return { retry: false, why: `Retry-After ${failure.retryAfter} is over 2 s` };
    delayMs = asked === undefined ? jitter : asked + Math.floor(ctx.random() * JITTER_MIN_MS);
  } else return { retry: false };
  if (delayMs + MIN_ATTEMPT_MS > ctx.remainingMs) return { retry: false, why: 'too little of the deadline left' };
  return { retry: true, delayMs };
}
