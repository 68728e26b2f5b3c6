/**
 * The XEP-0114 component bridge: connects to an XMPP server as a component, forwards every IQ request addressed
 * to it to the slot endpoint, and relays the endpoint's reply. It holds no policy (docs/architecture.md,
 * Integrations); what it adds is operational: retries, a deadline, a bound, a disco cache (docs/bridge.md).
 */
import { BRIDGE_DEFAULTS } from './bridge-defaults.ts';
import { createDiscoCache } from './disco-cache.ts';
import { createEndpointClient } from './endpoint-client.ts';
import { createIqHandler, type IqLogLine } from './iq-handler.ts';
import { isRequestIq } from './stanza.ts';
import { createTwinProbe } from './twin-probe.ts';
import { createComponent } from './xmpp-runtime.ts';

/** One log line; never holds a secret. */
export type BridgeLogLine =
  | IqLogLine
  | { event: 'connection'; status: string; server: string }
  | { event: 'error'; message: string; condition?: string }
  | { event: 'twin'; jid: string; server: string; message: string }
  | { event: 'reload'; secret: 'changed' | 'unchanged'; componentSecret: 'changed' | 'unchanged'; reconnect: boolean };

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
  /** Reads the endpoint secret anew; called once when the endpoint answers 401. */
  readonly reloadSecret?: () => Promise<string>;
  /** @default BRIDGE_DEFAULTS.timeoutMs */
  readonly timeoutMs?: number;
  /** @default BRIDGE_DEFAULTS.maxInFlight */
  readonly maxInFlight?: number;
  /** How long disco#info/#items results are reused; 0 turns the cache off. @default 60 s */
  readonly discoCacheMs?: number;
  /** First reconnect delay, doubled after each failed attempt. @default 1000 */
  readonly reconnectDelayMs?: number;
  /** @default 30000 */
  readonly reconnectMaxDelayMs?: number;
  /** Probes for a second connection with the same JID after each login. @default { count: 8, waitMs: 3000 } */
  readonly twinProbe?: { readonly count: number; readonly waitMs: number };
  /** The disco cache's clock, in ms (tests move it). @default performance.now */
  readonly now?: () => number;
  readonly log?: (line: BridgeLogLine) => void;
}

export interface Bridge {
  /** Resolves when the server first accepts the component; rejects if it refuses it (bad secret, unknown host). */
  readonly connected: Promise<void>;
  /** Resolves when the bridge gave up for good after a login: another connection took its JID (`conflict`). */
  readonly ended: Promise<Error>;
  /** The connection status (`online`, `disconnect`, `connecting`, …). */
  status(): string;
  /** Replaces the secrets; a changed component secret logs in again with it. */
  updateSecrets(secrets: { readonly secret?: string; readonly componentSecret?: string }): void;
  /** Closes the stream and stops reconnecting; in-flight requests are aborted without an answer. */
  stop(): Promise<void>;
}

/** Stream errors before the first login that retrying cannot fix (RFC 6120 §4.9.3), with what they mean here. */
const FATAL_CONDITIONS: Record<string, string> = {
  'not-authorized': 'the component secret is not the one the server has for this JID',
  'host-unknown': 'the server has no component configured with this JID',
  conflict: 'another component is already connected with this JID: stop it first',
  'improper-addressing': 'the server expects another JID',
};

/** Connects the bridge; it keeps reconnecting (with backoff) until `stop()`. */
export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const log = options.log ?? (() => {});
  const firstDelayMs = options.reconnectDelayMs ?? 1000;
  const maxDelayMs = options.reconnectMaxDelayMs ?? 30_000;
  const stopping = new AbortController();
  let componentSecret = options.componentSecret;
  const { entity, reconnect } = createComponent({
    service: `xmpp://${options.server}`,
    domain: options.jid,
    password: () => componentSecret,
  });
  reconnect.delay = firstDelayMs;
  const client = createEndpointClient({
    endpoint: options.endpoint,
    secret: options.secret,
    deadlineMs: options.timeoutMs ?? BRIDGE_DEFAULTS.timeoutMs,
    signal: stopping.signal,
    ...(options.reloadSecret === undefined ? {} : { reloadSecret: options.reloadSecret }),
  });
  const iqs = createIqHandler({
    client,
    cache: createDiscoCache(options.discoCacheMs ?? BRIDGE_DEFAULTS.discoCacheSeconds * 1000, options.now),
    maxInFlight: options.maxInFlight ?? BRIDGE_DEFAULTS.maxInFlight,
    send: (stanza) => entity.send(stanza),
    log,
  });
  const probe = createTwinProbe({
    jid: options.jid,
    onTwin: (evidence) =>
      log({
        event: 'twin',
        jid: options.jid,
        server: options.server,
        message: `another component is connected as ${options.jid} (${evidence}); the server shares the IQs between them: stop the other one unless it is meant to be there`,
      }),
    ...options.twinProbe,
  });

  let everOnline = false;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const connected = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  connected.catch(() => {});
  let end: ((error: Error) => void) | undefined;
  const ended = new Promise<Error>((resolve) => {
    end = resolve;
  });

  let online = false;
  entity.on('status', (status) => {
    if (status === 'online') {
      everOnline = online = true;
      reconnect.delay = firstDelayMs;
      settle?.resolve();
      log({ event: 'connection', status, server: options.server });
      probe.start((stanza) => entity.send(stanza));
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
    const meaning = error.condition === undefined ? undefined : FATAL_CONDITIONS[error.condition];
    if (!everOnline && meaning !== undefined) {
      reconnect.stop();
      settle?.reject(new Error(`${options.server} refused component ${options.jid}: ${error.condition} (${meaning})`));
    } else if (error.condition === 'conflict') {
      // Prosody with component_conflict_resolve = "kick_old" replaced this connection by a newer one; logging in
      // again would replace that one in turn, and the two would take turns forever.
      reconnect.stop();
      const message = `${options.server} closed component ${options.jid}: another connection logged in with this JID; stopping (start this bridge again once the other is gone)`;
      log({ event: 'error', message, condition: 'conflict' });
      end?.(new Error(message));
      return;
    }
    log({ event: 'error', message: error.message, ...(error.condition ? { condition: error.condition } : {}) });
  });

  entity.on('stanza', (stanza) => {
    if (probe.receive(stanza) || !isRequestIq(stanza)) return;
    iqs.handle(stanza);
  });

  entity.start().catch(() => {
    // Reported through the 'error' event; @xmpp/reconnect retries after the socket closes.
  });

  return {
    connected,
    ended,
    status: () => entity.status,
    updateSecrets(secrets) {
      const secretChanged = secrets.secret !== undefined && client.setSecret(secrets.secret);
      const next = secrets.componentSecret;
      const componentChanged = next !== undefined && next !== componentSecret;
      if (next !== undefined) componentSecret = next;
      const changed = (yes: boolean) => (yes ? 'changed' : 'unchanged') as 'changed' | 'unchanged';
      log({ event: 'reload', secret: changed(secretChanged), componentSecret: changed(componentChanged), reconnect: componentChanged });
      // The next stream open authenticates with the new secret; @xmpp/reconnect opens it after the disconnect.
      if (componentChanged) entity.disconnect().catch(() => {});
    },
    async stop() {
      reconnect.stop();
      probe.stop();
      stopping.abort();
      settle?.reject(new Error('bridge stopped'));
      await entity.stop().catch(() => {});
    },
  };
}
