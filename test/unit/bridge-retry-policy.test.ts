import { describe, expect, it } from 'vitest';
import { BRIDGE_DEFAULTS } from '../../component/bridge-defaults.ts';
import type { ForwardFailure } from '../../component/forward.ts';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, type RetryContext, retryDecision } from '../../component/retry-policy.ts';
import { FUNCTION_DEFAULTS } from '../../lib/defaults.ts';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const ctx = (over: Partial<RetryContext> = {}): RetryContext => ({
  attempt: 1,
  remainingMs: 10_000,
  endpointAnswered: true,
  nowMs: NOW,
  random: () => 0.5,
  ...over,
});
const network = (errno: string): ForwardFailure => ({ kind: 'failed', reason: 'unreachable', cause: errno, errno });
const status = (code: number, retryAfter?: string): ForwardFailure => ({
  kind: 'failed',
  reason: code >= 500 ? 'server-error' : code === 401 ? 'unauthorized' : 'rejected',
  status: code,
  cause: `HTTP ${code}`,
  ...(retryAfter === undefined ? {} : { retryAfter }),
});

describe('retryDecision', () => {
  it.each([
    ['a reset connection', network('ECONNRESET'), 150],
    ['a broken pipe', network('EPIPE'), 150],
    ['a refusal by an endpoint that answered before', network('ECONNREFUSED'), 150],
    ['a 502', status(502), 150],
    ['a 504', status(504), 150],
    ['a 503 with Retry-After: 1', status(503, '1'), 1025],
    ['a 503 with Retry-After as an HTTP date 2 s ahead', status(503, new Date(NOW + 2000).toUTCString()), 2025],
  ])('retries %s once, after a jittered delay', (_name, failure, delayMs) => {
    expect(retryDecision(failure, ctx())).toEqual({ retry: true, delayMs });
  });

  it.each([
    ['a second failure', network('ECONNRESET'), ctx({ attempt: 2 }), undefined],
    [
      'a refusal by an endpoint that never answered',
      network('ECONNREFUSED'),
      ctx({ endpointAnswered: false }),
      'the endpoint never answered this bridge',
    ],
    ['a Retry-After over 2 s', status(503, '3'), ctx(), 'Retry-After 3 is over 2 s'],
    ['a retry that would not fit the deadline', network('ECONNRESET'), ctx({ remainingMs: 600 }), 'too little of the deadline left'],
    ['a 500', status(500), ctx(), undefined],
    ['a 400', status(400), ctx(), undefined],
    ['an unknown host', network('ENOTFOUND'), ctx(), undefined],
    ['a timeout', { kind: 'failed', reason: 'timeout', cause: 'no answer' } as ForwardFailure, ctx(), undefined],
  ])('does not retry %s', (_name, failure, context, why) => {
    expect(retryDecision(failure, context)).toEqual(why === undefined ? { retry: false } : { retry: false, why });
  });

  it('spreads the delays of a burst between 50 and 250 ms', () => {
    const delays = [0, 0.25, 0.999].map((r) => retryDecision(network('ECONNRESET'), ctx({ random: () => r })));
    expect(delays).toEqual([50, 100, 249].map((delayMs) => ({ retry: true, delayMs })));
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['2', 2000],
    [new Date(NOW + 1500).toUTCString(), 1000],
    [new Date(NOW - 5000).toUTCString(), 0],
    ['soon', undefined],
    ['1.5', undefined],
  ])('reads %j as %s ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });
});

describe('BRIDGE_DEFAULTS', () => {
  it('waits longer for an IQ than the Lambda may run, retry and the longest Retry-After included', () => {
    expect(BRIDGE_DEFAULTS.timeoutMs).toBeGreaterThan(FUNCTION_DEFAULTS.timeout.toMilliseconds() + MAX_RETRY_AFTER_MS);
  });
});
