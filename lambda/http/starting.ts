/**
 * The answer of a Lambda that cannot serve yet (its secret did not load), shaped for the caller
 * of each route as the routes shape their refusals: an IQ error on `/xmpp` when the body shows an
 * IQ to answer (mod_rest relays only stanzas), a line of text on `/ejabberd`, the JSON error
 * elsewhere. It is a 503 with `Retry-After` either way, and it echoes nothing of the request.
 */
import { refusalStanza } from '../xmpp/refusal.ts';
import { MAX_BODY_BYTES, readBody, stanzaSource } from './body.ts';
import { textResponse } from './ejabberd.ts';
import { httpError } from './responses.ts';

const TEXT = 'The upload service is starting; try again shortly.';
const RETRY = { 'retry-after': '5' };

export async function startingResponse(request: Request, serviceJid: string): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/ejabberd' || pathname.startsWith('/ejabberd/')) return textResponse(503, TEXT, RETRY);
  if ((pathname === '/xmpp' || pathname.startsWith('/xmpp/')) && request.method === 'POST') {
    const body = await readBody(request, MAX_BODY_BYTES);
    const xml = refusalStanza(stanzaSource(body), { type: 'wait', condition: 'internal-server-error', text: TEXT }, serviceJid);
    if (xml !== undefined) {
      return new Response(xml, { status: 503, headers: { 'content-type': 'application/xmpp+xml; charset=utf-8', ...RETRY } });
    }
  }
  return httpError(503, 'store-unavailable', TEXT, 'wait', RETRY);
}
