/**
 * A real XMPP client (`@xmpp/client` 0.14) for the end-to-end tests: logs in over plain TCP on 127.0.0.1 and
 * sends raw IQs, returning the raw reply stanza (results and errors alike) so tests can compare it.
 */
import { randomUUID } from 'node:crypto';

/** The part of an ltx element the tests read. */
export interface Stanza {
  name: string;
  attrs: Record<string, string | undefined>;
  children: Array<Stanza | string>;
  is(name: string, xmlns?: string): boolean;
  getChild(name: string, xmlns?: string): Stanza | undefined;
  getChildren(name: string, xmlns?: string): Stanza[];
  getChildElements(): Stanza[];
  getChildText(name: string, xmlns?: string): string | null;
  getText(): string;
  toString(): string;
}

type XmlFactory = (name: string, attrs?: Record<string, string | undefined>, ...children: Array<Stanza | string>) => Stanza;

interface XmppClient {
  on(event: 'stanza', listener: (stanza: Stanza) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  start(): Promise<unknown>;
  stop(): Promise<unknown>;
  send(stanza: Stanza): Promise<void>;
  jid: { toString(): string } | null;
}

interface ClientModule {
  client(options: { service: string; domain: string; username: string; password: string; resource?: string }): XmppClient;
  xml: XmlFactory;
}

// @xmpp/client ships no types; a non-literal specifier keeps TypeScript from looking for them.
const CLIENT_MODULE = '@xmpp/client';
const xmppClient = (await import(CLIENT_MODULE)) as ClientModule;

/** Builds XML elements for requests. */
export const xml: XmlFactory = xmppClient.xml;

export interface TestClient {
  /** The full JID the server bound. */
  readonly jid: string;
  /** Sends an IQ (an `id` is added) and resolves with the reply stanza, or rejects after `timeoutMs`. */
  iq(type: 'get' | 'set', to: string, payload: Stanza, timeoutMs?: number): Promise<Stanza>;
  stop(): Promise<void>;
}

/** Logs `user@domain` in through `127.0.0.1:port` (plain TCP: the test configs allow it, nothing else should). */
export async function login(port: number, domain: string, user: string, password: string): Promise<TestClient> {
  const entity = xmppClient.client({ service: `xmpp://127.0.0.1:${port}`, domain, username: user, password, resource: 'e2e' });
  const waiting = new Map<string, (stanza: Stanza) => void>();
  entity.on('error', () => {
    // Surfaces as a rejected start() or a timed-out iq().
  });
  entity.on('stanza', (stanza) => {
    const id = stanza.attrs.id;
    if (stanza.name === 'iq' && id !== undefined && (stanza.attrs.type === 'result' || stanza.attrs.type === 'error'))
      waiting.get(id)?.(stanza);
  });
  await entity.start();
  return {
    jid: String(entity.jid),
    iq(type, to, payload, timeoutMs = 15_000) {
      const id = randomUUID();
      return new Promise<Stanza>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`no reply from ${to} to ${payload.toString()} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, (reply) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(reply);
        });
        entity.send(xml('iq', { type, to, id }, payload)).catch(reject);
      });
    },
    async stop() {
      await entity.stop().catch(() => {});
    },
  };
}
