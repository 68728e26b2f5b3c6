/**
 * One HTTP exchange with the slot endpoint: `POST <endpoint>/xmpp` with one stanza (docs/architecture.md, Slot
 * endpoint). Retries, the deadline and the secret live in endpoint-client.ts; this file only classifies.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** What the endpoint did with a stanza. */
export type ForwardOutcome =
  | { readonly kind: 'reply'; readonly status: number; readonly body: string }
  | { readonly kind: 'no-reply'; readonly status: number }
  | ForwardFailure;

/** No usable answer; `cause` says why in words for the log (never the secret or the URL's path). */
export interface ForwardFailure {
  readonly kind: 'failed';
  readonly reason: FailureReason;
  readonly cause: string;
  readonly status?: number;
  /** The system error code of a network failure (`ECONNRESET`, `ECONNREFUSED`, …). */
  readonly errno?: string;
  /** The answer's `Retry-After` header, as sent. */
  readonly retryAfter?: string;
}

/** Why no answer came: each is logged, and the requester gets `wait`/`service-unavailable`. */
export type FailureReason = 'unauthorized' | 'rejected' | 'server-error' | 'timeout' | 'unreachable' | 'aborted';

export interface ForwardOptions {
  /** Where stanzas are posted: {@link xmppUrl} of the endpoint, parsed once by the caller. */
  readonly url: URL;
  /** Sent as `Authorization: Bearer`; never logged. */
  readonly secret: string;
  readonly timeoutMs: number;
  /** Aborts the request when the bridge stops. */
  readonly signal?: AbortSignal;
  /** Opens a new connection instead of reusing a kept-alive one (a retry after a reset must not meet the same fate). */
  readonly freshConnection?: boolean;
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

/** Kept-alive connections to the endpoint, shared by every forwarded stanza. */
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly retryAfter: string | undefined;
}

/** The status and body of one POST; rejects on network errors, a cut-off answer, the timeout and the abort signal. */
function post(url: URL, body: string, options: ForwardOptions): Promise<Answer> {
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'POST',
      agent: options.freshConnection === true ? false : https ? agents['https:'] : agents['http:'],
      headers: {
        'content-type': 'application/xmpp+xml',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${options.secret}`,
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const timer = setTimeout(() => request.destroy(new TimeoutError()), options.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    request.on('error', fail);
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('error', fail);
      response.on('end', () => {
        // A connection reset after the headers ends the body early: that answer is not the endpoint's.
        if (!response.complete) return fail(Object.assign(new Error('answer cut off'), { code: 'ECONNRESET' }));
        clearTimeout(timer);
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, text, retryAfter });
      });
    });
    request.end(body);
  });
}

class TimeoutError extends Error {}

/** The system error code of a failed request, when it has one. */
function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Posts one stanza and classifies the answer; never throws. Uses node:http with a keep-alive
 * agent rather than fetch: a round trip on loopback costs a third of undici's.
 */
export async function forwardStanza(body: string, options: ForwardOptions): Promise<ForwardOutcome> {
  try {
    const { status, text, retryAfter } = await post(options.url, body, options);
    if (status < 200 || status > 299) {
      const failure = { kind: 'failed', reason: failureFor(status), status, cause: `HTTP ${status}` } as const;
      return retryAfter === undefined ? failure : { ...failure, retryAfter };
    }
    // 202 (and an empty 2xx) means the endpoint has nothing to send back (e.g. an IQ error it ignored).
    if (status === 202 || status === 204 || text.trim() === '') return { kind: 'no-reply', status };
    return { kind: 'reply', status, body: text };
  } catch (error) {
    if (error instanceof TimeoutError) return { kind: 'failed', reason: 'timeout', cause: `no answer within ${options.timeoutMs} ms` };
    if (options.signal?.aborted) return { kind: 'failed', reason: 'aborted', cause: 'the bridge stopped' };
    const errno = errnoOf(error);
    const cause = errno ?? (error instanceof Error ? error.message : String(error));
    return { kind: 'failed', reason: 'unreachable', cause, ...(errno === undefined ? {} : { errno }) };
  }
}
