/**
 * Refusals of the HTTP layer on `POST /xmpp` as stanza errors (docs/architecture.md "Slot
 * endpoint"): Prosody's mod_rest parses every answer by its Content-Type and relays only a
 * stanza, so a wrong secret, an oversize body or a stanza nested too deep is answered as an IQ
 * error the client can read, whenever the body shows an IQ get/set to answer. Only the root's
 * start tag is needed for that: an oversize body is never read in full, and a body nested too
 * deep is refused before it is built.
 */
import { buildError, type StanzaErrorSpec } from './build-error.ts';
import { buildReply } from './build-reply.ts';
import { parseStanza, type Stanza } from './parse-stanza.ts';

const LEADING = /^[ \t\r\n]*(?:<\?xml[^>]*\?>)?[ \t\r\n]*/;

/** The root start tag of `text` as a childless element (`<iq …/>`), or undefined when it is not complete. */
function rootStartTag(text: string): string | undefined {
  const start = LEADING.exec(text)?.[0].length ?? 0;
  if (text[start] !== '<') return undefined;
  let quote: string | undefined;
  for (let at = start + 1; at < text.length; at += 1) {
    const char = text[at];
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '>') return text[at - 1] === '/' ? text.slice(start, at + 1) : `${text.slice(start, at)}/>`;
  }
  return undefined;
}

/**
 * The IQ get/set with an id that `text` (a whole body, or its first bytes) is, read from the whole
 * body when it parses and from the root's start tag otherwise; undefined when there is nothing
 * that expects an answer.
 */
export function answerableIq(text: string): Stanza | undefined {
  const whole = parseStanza(text);
  const tag = whole.ok ? undefined : rootStartTag(text);
  const parsed = whole.ok ? whole : tag === undefined ? undefined : parseStanza(tag);
  if (parsed === undefined || !parsed.ok) return undefined;
  const { stanza } = parsed;
  if (stanza.name !== 'iq' || (stanza.type !== 'get' && stanza.type !== 'set') || stanza.id === undefined) return undefined;
  return stanza;
}

/** The error `<iq>` answering the IQ in `text`, or undefined when `text` holds none to answer. */
export function refusalStanza(text: string, error: StanzaErrorSpec, serviceJid: string): string | undefined {
  const iq = answerableIq(text);
  return iq === undefined ? undefined : buildReply(iq, serviceJid, 'error', buildError(error)).toString();
}
