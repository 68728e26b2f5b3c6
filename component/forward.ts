/**
 * One HTTP exchange with the slot endpoint: `POST <endpoint>/xmpp` with one stanza (DESIGN.md, Slot endpoint).
 * Uses the global fetch (undici), which keeps connections alive between requests.
 */

/** What the endpoint did with a stanza. */
export type ForwardOutcome =
  | { readonly kind: 'reply'; readonly status: number; readonly body: string }
  | { readonly kind: 'no-reply'; readonly status: number }
  | { readonly kind: 'failed'; readonly reason: FailureReason; readonly status?: number };

/** Why no answer came: each is logged, and the requester gets `wait`/`service-unavailable`. */
export type FailureReason = 'unauthorized' | 'rejected' | 'server-error' | 'timeout' | 'unreachable' | 'aborted';

export interface ForwardOptions {
  /** The endpoint's base URL; `/xmpp` is appended. */
  readonly endpoint: string;
  /** Sent as `Authorization: Bearer`; never logged. */
  readonly secret: string;
  readonly timeoutMs: number;
  /** Aborts the request when the bridge stops. */
  readonly signal?: AbortSignal;
}

/** The URL stanzas are posted to. */
export function xmppUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/xmpp`;
}

/** Maps a non-2xx status to the reason logged for it. */
function failureFor(status: number): FailureReason {
  if (status === 401 || status === 403) return 'unauthorized';
  if (status >= 500) return 'server-error';
  return 'rejected';
}

/** Posts one stanza and classifies the answer; never throws. */
export async function forwardStanza(body: string, options: ForwardOptions): Promise<ForwardOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const response = await fetch(xmppUrl(options.endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/xmpp+xml', authorization: `Bearer ${options.secret}` },
      body,
      signal,
    });
    const text = await response.text();
    const { status } = response;
    if (!response.ok) return { kind: 'failed', reason: failureFor(status), status };
    // 202 (and an empty 2xx) means the endpoint has nothing to send back (e.g. an IQ error it ignored).
    if (status === 202 || status === 204 || text.trim() === '') return { kind: 'no-reply', status };
    return { kind: 'reply', status, body: text };
  } catch {
    if (timeout.aborted) return { kind: 'failed', reason: 'timeout' };
    if (options.signal?.aborted) return { kind: 'failed', reason: 'aborted' };
    return { kind: 'failed', reason: 'unreachable' };
  }
}
