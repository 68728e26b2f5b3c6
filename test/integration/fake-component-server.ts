/**
 * A minimal XEP-0114 server side for bridge tests: accepts the stream, checks the handshake, lets the test push
 * stanzas to the component and read what it sends back. Listens on 127.0.0.1 with an ephemeral port.
 */
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';

export interface FakeComponentServer {
  readonly port: number;
  /** Streams whose handshake succeeded so far. */
  authenticated(): number;
  /** Everything the component sent on the current connection. */
  output(): string;
  /** Sends a stanza to the authenticated component and resolves with the reply carrying `id`. */
  request(stanza: string, id: string, timeoutMs?: number): Promise<string>;
  /** Sends a stanza without waiting for anything. */
  push(stanza: string): void;
  /** Drops every connection, as a server restart does. */
  drop(): void;
  /** Ends the current connection with a stream error (RFC 6120 §4.9.3), e.g. `conflict`. */
  streamError(condition: string, text?: string): void;
  /** Changes the component secret for handshakes from now on. */
  setSecret(secret: string): void;
  /** Streams connected and authenticated now. */
  online(): number;
  close(): Promise<void>;
}

const STREAM_NS = "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept'";

function replyIn(text: string, id: string): string | undefined {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`<iq\\b[^>]*\\bid=["']${escaped}["'][^>]*?(/>|>[\\s\\S]*?</iq>)`).exec(text);
  return match?.[0];
}

export interface FakeServerOptions {
  /**
   * Keeps every authenticated stream instead of only the newest, and shares the messages a component sends to
   * its own JID between them in turn, as ejabberd 23.01 does with two components of one JID.
   */
  readonly twins?: boolean;
}

/** Self-closing messages (what the bridge's twin probes are), as xmpp.js serialises them. */
const MESSAGE = /<message\b[^>]*\/>/g;

export async function startFakeComponentServer(initialSecret: string, options: FakeServerOptions = {}): Promise<FakeComponentServer> {
  let secret = initialSecret;
  const sockets = new Set<Socket>();
  const streams: Array<{ socket: Socket; buffer: string; routed: number }> = [];
  let turn = 0;
  let current: { socket: Socket; buffer: string; routed: number } | undefined;
  let authenticatedCount = 0;
  const listeners = new Set<() => void>();

  const server = createServer((socket) => {
    sockets.add(socket);
    const streamId = `s${Math.random().toString(36).slice(2)}`;
    const state = { socket, buffer: '', routed: 0 };
    socket.on('close', () => {
      sockets.delete(socket);
      const index = streams.indexOf(state);
      if (index >= 0) streams.splice(index, 1);
    });
    socket.on('error', () => {});
    socket.on('data', (data) => {
      state.buffer += data.toString();
      if (state.buffer.includes('<stream:stream') && !state.buffer.includes('<handshake')) {
        socket.write(`<?xml version='1.0'?><stream:stream ${STREAM_NS} id='${streamId}' from='upload.test'>`);
      }
      const handshake = /<handshake>([0-9a-f]*)<\/handshake>/.exec(state.buffer);
      if (handshake && current?.socket !== socket) {
        const expected = createHash('sha1')
          .update(streamId + secret)
          .digest('hex');
        if (handshake[1] === expected) {
          socket.write('<handshake/>');
          authenticatedCount += 1;
          if (!options.twins) streams.length = 0;
          streams.push(state);
          current = state;
          state.buffer = '';
        } else {
          socket.end("<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>");
        }
      }
      // A real server routes what a component sends to its own JID back to a connection of that JID.
      if (streams.includes(state)) {
        MESSAGE.lastIndex = state.routed;
        for (let m = MESSAGE.exec(state.buffer); m !== null; m = MESSAGE.exec(state.buffer)) {
          state.routed = MESSAGE.lastIndex;
          const target = options.twins ? streams[turn++ % streams.length] : state;
          target?.socket.write(m[0]);
        }
      }
      for (const notify of listeners) notify();
      // RFC 6120 §4.4: answer the component's stream close with ours.
      if (state.buffer.includes('</stream:stream>')) socket.end('</stream:stream>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const push = (stanza: string) => {
    if (!current) throw new Error('no authenticated component');
    current.socket.write(stanza);
  };

  return {
    port,
    authenticated: () => authenticatedCount,
    output: () => current?.buffer ?? '',
    push,
    request(stanza, id, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const reply = replyIn(current?.buffer ?? '', id);
          if (reply === undefined) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(reply);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no reply to ${id} within ${timeoutMs} ms; got: ${current?.buffer}`));
        }, timeoutMs);
        listeners.add(check);
        push(stanza);
      });
    },
    drop() {
      current = undefined;
      streams.length = 0;
      for (const socket of sockets) socket.destroy();
    },
    streamError(condition, text) {
      const body = text === undefined ? '' : `<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>${text}</text>`;
      current?.socket.end(
        `<stream:error><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>${body}</stream:error></stream:stream>`,
      );
    },
    setSecret(next) {
      secret = next;
    },
    online: () => streams.length,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
