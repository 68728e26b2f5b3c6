/**
 * One HTTP exchange with the slot endpoint: `POST <endpoint>/xmpp` with one stanza (docs/architecture.md, Slot endpoint).
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

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

/** Kept-alive connections to the endpoint, shared by every forwarded stanza. */
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/** The status and body of one POST; rejects on network errors, the timeout and the abort signal. */
function post(url: URL, body: string, options: ForwardOptions): Promise<{ status: number; text: string }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'POST',
      agent: url.protocol === 'https:' ? agents['https:'] : agents['http:'],
      headers: {
        'content-type': 'application/xmpp+xml',
        'content-length': Buffer.byteLength(body),
        authorization: `Bearer ${options.secret}`,
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const timer = setTimeout(() => request.destroy(new TimeoutError()), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('error', reject);
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text });
      });
    });
    request.end(body);
  });
}

class TimeoutError extends Error {}

/**
 * Posts one stanza and classifies the answer; never throws. Uses node:http with a keep-alive
 * agent rather than fetch: a round trip on loopback costs a third of undici's.
 */
export async function forwardStanza(body: string, options: ForwardOptions): Promise<ForwardOutcome> {
  try {
    const { status, text } = await post(new URL(xmppUrl(options.endpoint)), body, options);
    if (status < 200 || status > 299) return { kind: 'failed', reason: failureFor(status), status };
    // 202 (and an empty 2xx) means the endpoint has nothing to send back (e.g. an IQ error it ignored).
    if (status === 202 || status === 204 || text.trim() === '') return { kind: 'no-reply', status };
    return { kind: 'reply', status, body: text };
  } catch (error) {
    if (error instanceof TimeoutError) return { kind: 'failed', reason: 'timeout' };
    if (options.signal?.aborted) return { kind: 'failed', reason: 'aborted' };
    return { kind: 'failed', reason: 'unreachable' };
  }
}
