/**
 * A slot endpoint stand-in for the bridge tests whose answer is scripted by the IQ id's prefix (`<kind>-<n>`),
 * on a real HTTP server on 127.0.0.1. It counts the POSTs per id and remembers each bearer secret it saw.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedEndpoint {
  readonly url: string;
  /** POSTs received per IQ id. */
  posts(id: string): number;
  /** The bearer secrets of the POSTs for `id`, in order. */
  secrets(id: string): string[];
  /** Answers every held (`hold-*`) request. */
  release(): void;
  close(): Promise<void>;
}

/** Only this bearer secret passes `auth-*` IQs. */
export const ROTATED_SECRET = 'rotated-secret-2';

const result = (id: string, inner = '<pong/>') =>
  `<iq xmlns='jabber:client' type='result' id='${id}' from='upload.test' to='alice@test/r'>${inner}</iq>`;
const DISCO = "<query xmlns='http://jabber.org/protocol/disco#info'><identity category='store' type='file'/></query>";

export async function startScriptedEndpoint(): Promise<ScriptedEndpoint> {
  const posts = new Map<string, string[]>();
  const held: Array<() => void> = [];
  const ok = (res: ServerResponse, body: string) => res.writeHead(200, { 'content-type': 'application/xmpp+xml' }).end(body);

  const answer = (id: string, attempt: number, secret: string, req: IncomingMessage, res: ServerResponse) => {
    const kind = id.split('-')[0];
    if (kind === 'r503' && attempt === 1) return void res.writeHead(503, { 'retry-after': '0' }).end();
    if (kind === 'r502' && attempt === 1) return void res.writeHead(502).end();
    if (kind === 'r503long') return void res.writeHead(503, { 'retry-after': '5' }).end();
    if (kind === 'e500') return void res.writeHead(500).end();
    if (kind === 'reset' && attempt === 1) return void req.socket.destroy();
    if (kind === 'hang') return;
    if (kind === 'hold') return void held.push(() => ok(res, result(id)));
    if (kind === 'auth' && secret !== ROTATED_SECRET) return void res.writeHead(401).end();
    if (kind === 'disco') return void ok(res, result(id, DISCO));
    if (kind === 'discoerr')
      return void ok(
        res,
        `<iq type='error' id='${id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      );
    ok(res, result(id));
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const id = /id="([^"]+)"/.exec(body)?.[1] ?? '';
      const secret = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const seen = posts.get(id) ?? [];
      seen.push(secret);
      posts.set(id, seen);
      answer(id, seen.length, secret, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts: (id) => posts.get(id)?.length ?? 0,
    secrets: (id) => posts.get(id) ?? [],
    release() {
      for (const send of held.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
