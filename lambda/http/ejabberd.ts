/**
 * `GET /ejabberd/<secret>`: the slot service as ejabberd's `mod_http_upload` `service_url` calls it
 * (docs/servers.md "ejabberd ≥ 25.10 with `service_url`"). ejabberd sends
 * `GET <service_url>?jid=<bare JID>&name=…&size=…&content_type=…` with each value percent-encoded
 * byte by byte (only `A-Za-z0-9_.-/:` stay as they are), no headers, and gives up after 5 s. It
 * reads a 2xx body as two LF-separated lines, PUT URL then GET URL, and turns 402 into
 * `resource-constraint`, 403 into `not-allowed`, 413 into `not-acceptable` and any other status
 * into `service-unavailable`; it reads no body of a refusal, but an operator's curl does, so every
 * refusal says in plain text what was wrong.
 */
import { type Condition, SlotError } from '../core/errors.ts';
import type { Slot } from '../core/ports.ts';
import type { RawSlotRequest } from '../core/slot-request.ts';
import { retryAfter } from './responses.ts';

/** What ejabberd sends when the client named no content type (`?DEFAULT_CONTENT_TYPE`); signing it would refuse every other type. */
export const EJABBERD_DEFAULT_TYPE = 'application/octet-stream';

const PARAMETERS = ['jid', 'name', 'size', 'content_type'] as const;
const REQUIRED = ['jid', 'name', 'size'] as const;

/**
 * The HTTP status of each refusal, chosen for what ejabberd makes of it: the only statuses it
 * maps to a condition of its own are 402, 403 and 413. A type that is not allowed answers 413
 * too, so the client gets `not-acceptable`, as the stanza route answers it (415 would reach the
 * client as `service-unavailable`, an invitation to retry).
 */
export const EJABBERD_STATUS = {
  'quota-exceeded': 402,
  'not-allowed': 403,
  'file-too-large': 413,
  'type-not-allowed': 413,
  'bad-request': 400,
  // Not reached: this route asks for `message`, which every configuration honours; 422 as on /v1/slots.
  'purpose-not-supported': 422,
  'store-unavailable': 503,
  internal: 500,
} as const satisfies Record<Condition, number>;

/**
 * The secret of an `Authorization: Basic` header, as Erlang's httpc builds it from the
 * `user:password@` of a URL: the password, or the user when the password is empty
 * (`https://<secret>@host/…` arrives as `<secret>:`). The user name is otherwise ignored.
 */
export function basicSecret(header: string | null): string | undefined {
  const match = header === null ? null : /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const credentials = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon === -1) return undefined;
  const password = credentials.slice(colon + 1);
  return password === '' ? credentials.slice(0, colon) : password;
}

/** One query value, percent-decoded as ejabberd encodes it; a `+` is a plus (RFC 3986), never a space. */
function decodeValue(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new SlotError('bad-request', `The query parameter ${name} is not valid percent-encoded UTF-8.`);
  }
}

/**
 * Reads ejabberd's query into the raw request every route hands to the slot service.
 * `content_type=application/octet-stream` (ejabberd's stand-in for "none") and an empty or
 * absent `content_type` mean no type: the PUT URL then signs none. Unknown parameters are
 * ignored, so a later ejabberd may add some.
 * @param search the query string without its `?`.
 * @throws SlotError `bad-request` naming the missing, repeated or undecodable parameter.
 */
export function parseEjabberdQuery(search: string): RawSlotRequest {
  const values = new Map<string, string>();
  for (const pair of search === '' ? [] : search.split('&')) {
    const at = pair.indexOf('=');
    const name = at === -1 ? pair : pair.slice(0, at);
    if (!(PARAMETERS as readonly string[]).includes(name)) continue;
    if (values.has(name)) throw new SlotError('bad-request', `The query parameter ${name} appears more than once.`);
    values.set(name, decodeValue(name, at === -1 ? '' : pair.slice(at + 1)));
  }
  const missing = REQUIRED.filter((name) => !values.has(name));
  if (missing.length > 0) {
    throw new SlotError(
      'bad-request',
      `The query must carry jid, name, size and content_type, as ejabberd's service_url sends them; missing: ${missing.join(', ')}.`,
    );
  }
  const type = values.get('content_type');
  const contentType = type === undefined || type === '' || type.toLowerCase() === EJABBERD_DEFAULT_TYPE ? undefined : type;
  return { from: values.get('jid'), filename: values.get('name'), size: values.get('size'), contentType };
}

const TEXT_HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/** A plain-text answer of this route; the text never holds the request path. */
export function textResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, { status, headers: { ...TEXT_HEADERS, ...headers } });
}

/** A granted slot as ejabberd reads it: the PUT URL, LF, the GET URL (a final LF, which ejabberd trims). */
export function ejabberdSlot(slot: Slot): Response {
  return textResponse(200, `${slot.put.url}\n${slot.get.url}`);
}

/** A refusal with its status and text; a quota refusal carries `Retry-After` in whole seconds (at least 1). */
export function ejabberdRefusal(error: SlotError, now: Date): Response {
  const headers: Record<string, string> = {};
  if (error.retryAt !== undefined && Number.isFinite(error.retryAt.getTime())) {
    headers['retry-after'] = retryAfter(error.retryAt, now);
  }
  return textResponse(EJABBERD_STATUS[error.condition], error.text, headers);
}
