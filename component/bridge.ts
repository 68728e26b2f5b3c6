/**
 * The XEP-0114 component bridge: connects to an XMPP server as a component, forwards every IQ request addressed
 * to it to the slot endpoint, and relays the endpoint's reply. It holds no policy (docs/architecture.md, Integrations).
 */
import { performance } from 'node:perf_hooks';
import { answerFor, payloadOf } from './answer.ts';
import { forwardStanza } from './forward.ts';
import { isRequestIq, toHttpBody } from './stanza.ts';
import { createComponent } from './xmpp-runtime.ts';

/** One log line; never holds a secret. */
export type BridgeLogLine =
  | { event: 'iq'; from?: string; id?: string; type?: string; payload?: string; outcome: string; status?: number; ms: number }
  | { event: 'connection'; status: string; server: string }
  | { event: 'error'; message: string; condition?: string };

export interface BridgeOptions {
  /** The component's JID, e.g. `upload.example.org`. */
  readonly jid: string;
  /** The server's component port, `host:port`. */
  readonly server: string;
  /** The XEP-0114 shared secret configured on the XMPP server. */
  readonly componentSecret: string;
  /** The slot endpoint's base URL. */
  readonly endpoint: string;
  /** The endpoint's bearer secret. */
  readonly secret: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** First reconnect delay, doubled after each failed attempt. @default 1000 */
  readonly reconnectDelayMs?: number;
  /** @default 30000 */
  readonly reconnectMaxDelayMs?: number;
  readonly log?: (line: BridgeLogLine) => void;
}

export interface Bridge {
  /** Resolves when the server first accepts the component; rejects if it refuses it (bad secret, unknown host). */
  readonly connected: Promise<void>;
  /** The connection status (`online`, `disconnect`, `connecting`, …). */
  status(): string;
  /** Closes the stream and stops reconnecting; in-flight requests are aborted without an answer. */
  stop(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Stream errors before the first login that retrying cannot fix (RFC 6120 §4.9.3). */
const FATAL_CONDITIONS = new Set(['not-authorized', 'host-unknown', 'conflict', 'improper-addressing']);

/** Connects the bridge; it keeps reconnecting (with backoff) until `stop()`. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const firstDelayMs = options.reconnectDelayMs ?? 1000;
  const maxDelayMs = options.reconnectMaxDelayMs ?? 30_000;
  const stopping = new AbortController();
  const { entity, reconnect } = createComponent({
    service: `xmpp://${options.server}`,
    domain: options.jid,
    password: options.componentSecret,
  });
  reconnect.delay = firstDelayMs;

  let everOnline = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  connected.catch(() => {});

  let online = false;
  entity.on('status', (status) => {
    if (status === 'online') {
      everOnline = online = true;
      reconnect.delay = firstDelayMs;
      settle?.resolve();
      log({ event: 'connection', status, server: options.server });
    } else if (status === 'disconnect' && online) {
      online = false;
      log({ event: 'connection', status, server: options.server });
    }
  });
  reconnect.on('reconnecting', () => {
    // Exponential backoff on top of @xmpp/reconnect's fixed delay: the next attempt waits twice as long.
    reconnect.delay = Math.min(reconnect.delay * 2, maxDelayMs);
    log({ event: 'connection', status: 'reconnecting', server: options.server });
  });
  entity.on('error', (error) => {
    log({ event: 'error', message: error.message, ...(error.condition ? { condition: error.condition } : {}) });
    if (!everOnline && error.condition && FATAL_CONDITIONS.has(error.condition)) {
      reconnect.stop();
      settle?.reject(new Error(`${options.server} refused component ${options.jid}: ${error.condition}`));
    }
  });

  entity.on('stanza', (stanza) => {
    if (!isRequestIq(stanza)) return;
    const started = performance.now();
    forwardStanza(toHttpBody(stanza), { endpoint: options.endpoint, secret: options.secret, timeoutMs, signal: stopping.signal })
      .then(async (outcome) => {
        const { status } = outcome;
        if (outcome.kind === 'failed' && outcome.reason === 'aborted') return { label: 'aborted', status };
        const { reply, label } = answerFor(outcome, stanza);
        // The connection may have dropped while the endpoint answered: the requester's server bounces it then.
        if (reply) await entity.send(reply);
        return { label, status };
      })
      .catch(() => ({ label: 'lost', status: undefined }))
      .then(({ label, status }) => {
        const { from, id, type } = stanza.attrs;
        const ms = Math.round(performance.now() - started);
        log({ event: 'iq', from, id, type, payload: payloadOf(stanza), outcome: label, ...(status === undefined ? {} : { status }), ms });
      });
  });

  entity.start().catch(() => {
    // Reported through the 'error' event; @xmpp/reconnect retries after the socket closes.
  });

  return {
    connected,
    status: () => entity.status,
    async stop() {
      reconnect.stop();
      stopping.abort();
      settle?.reject(new Error('bridge stopped'));
      await entity.stop().catch(() => {});
    },
  };
}
