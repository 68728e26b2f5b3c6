/**
 * The slot endpoint as one Web `Request → Response` function (docs/architecture.md, Slot endpoint).
 * The Lambda entry and the local server are thin shims over it; tests call it directly.
 */
import type { ServiceConfig } from '../core/config.ts';
import { toSlotError } from '../core/errors.ts';
import { bareJid, parseJid } from '../core/jid.ts';
import { ephemeralMaxDays } from '../core/purposes.ts';
import type { SlotService } from '../core/slot-service.ts';
import type { StanzaErrorSpec } from '../xmpp/build-error.ts';
import { handleStanza } from '../xmpp/handle-stanza.ts';
import { refusalStanza } from '../xmpp/refusal.ts';
import { TOO_DEEP } from '../xmpp/xml-check.ts';
import { bearerToken, secretChecker } from './auth.ts';
import { MAX_BODY_BYTES, readBody, stanzaSource } from './body.ts';
import { basicSecret, ejabberdRefusal, ejabberdSlot, parseEjabberdQuery, textResponse } from './ejabberd.ts';
import { httpError, jsonResponse, slotErrorResponse } from './responses.ts';
import { parseSlotJson, slotJson } from './slot-json.ts';

/** One line of the request log; never holds the secret. */
export interface RequestRecord {
  readonly method: string;
  /** The route pattern (`POST /xmpp/:secret`), never the raw path. */
  readonly route: string;
  readonly status: number;
  /** `granted`, a refusal condition, or what the request was (`disco-info`, `info`, …). */
  readonly outcome: string;
  /** Bare JID of the requester, on grants and on refusals alike (when the request named a valid one). */
  readonly jid?: string;
  readonly sizeBytes?: number;
  readonly latencyMs: number;
  /** Granted slots only: the ledger (docs/operations.md, Abuse and erasure). */
  readonly key?: string;
  readonly slotId?: string;
  readonly contentType?: string;
  readonly grantedAt?: string;
  readonly putExpiresAt?: string;
  readonly purpose?: string;
}

export interface RouteDeps {
  readonly config: ServiceConfig;
  readonly secret: string;
  /** Also accepted, so a rotation has no 401 window: Secrets Manager's AWSPREVIOUS, `UPLOAD_PREVIOUS_SECRET` locally. */
  readonly previousSecret?: string | undefined;
  readonly requestSlot: SlotService;
  readonly now: () => Date;
  readonly log?: (record: RequestRecord) => void;
  /** @default MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
}

export const XMPP_CONTENT_TYPE = 'application/xmpp+xml';
const NOT_FOUND_TEXT = 'No such route; the endpoint serves POST /xmpp, POST /v1/slots, GET /v1/info, GET /ejabberd and GET /healthz.';
const XML_TYPES = new Set([XMPP_CONTENT_TYPE, 'application/xml', 'text/xml']);
/** What the client reads when its server's integration (mod_rest's callback URL, the bridge) holds a wrong secret. */
const STANZA_UNAUTHORIZED: StanzaErrorSpec = {
  type: 'auth',
  condition: 'not-authorized',
  text: "The upload service refused this XMPP server's shared secret; the server's operator must update it.",
};
const UNAUTHORIZED_TEXT = 'A valid shared secret is required (Authorization: Bearer <secret>).';
const EJABBERD_UNAUTHORIZED_TEXT =
  'A valid shared secret is required: in the service_url path (/ejabberd/<secret>) or as its password (https://ejabberd:<secret>@…/ejabberd).';

/** How a route is called, and so how its refusals are shaped: JSON, a stanza when there is one to answer, or plain text. */
type Style = 'json' | 'xmpp' | 'text';

interface Found {
  readonly pattern: string;
  readonly handler?: Handler;
  readonly allow?: string;
  readonly style?: Style;
  /** The secret from the path; undefined when the segment does not decode. */
  readonly pathSecret?: string | undefined;
  /** The secret may come as Basic credentials (what Erlang's httpc makes of `user:password@`). */
  readonly basic?: true;
}

interface Outcome {
  outcome: string;
  route: string;
  jid?: string;
  sizeBytes?: number;
  grant?: Pick<RequestRecord, 'key' | 'slotId' | 'contentType' | 'grantedAt' | 'putExpiresAt' | 'purpose'>;
}

/** The bare JID of a raw requester, when it is a valid JID; the request log never holds a resource. */
function requesterJid(from: unknown): string | undefined {
  const jid = typeof from === 'string' ? parseJid(from) : undefined;
  return jid === undefined ? undefined : bareJid(jid);
}

type Handler = (request: Request, out: Outcome) => Promise<Response>;

export function createRoutes(deps: RouteDeps): (request: Request) => Promise<Response> {
  const isSecret = secretChecker([deps.secret, deps.previousSecret]);
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;

  /** The slot service, recording who was granted what for the request log. */
  const recordingSlots =
    (out: Outcome): SlotService =>
    async (raw) => {
      // Set before asking, so a refusal's line names the requester too.
      const jid = requesterJid(raw.from);
      if (jid !== undefined) out.jid = jid;
      const slot = await deps.requestSlot(raw);
      out.jid = slot.jid;
      out.sizeBytes = slot.sizeBytes;
      out.grant = {
        key: slot.key,
        slotId: slot.slotId,
        ...(slot.contentType === undefined ? {} : { contentType: slot.contentType }),
        grantedAt: slot.grantedAt.toISOString(),
        putExpiresAt: slot.expiresAt.toISOString(),
        purpose: slot.purpose,
      };
      return slot;
    };

  /**
   * A refusal of the HTTP layer on /xmpp: the error `<iq>` answering the IQ in `text` (mod_rest
   * relays it to the client), else the JSON error. The status stays the HTTP one either way.
   */
  const stanzaOrJson = (status: number, condition: string, text: string | undefined, error: StanzaErrorSpec): Response => {
    const xml = text === undefined ? undefined : refusalStanza(text, error, deps.config.serviceJid);
    if (xml !== undefined) return xmppResponse(status, xml);
    return httpError(status, condition, error.text ?? condition, error.type);
  };

  const xmpp: Handler = async (request, out) => {
    const type = mediaType(request);
    if (!XML_TYPES.has(type)) return httpError(415, 'unsupported-media-type', `Send one stanza as ${XMPP_CONTENT_TYPE}.`);
    const body = await readBody(request, maxBodyBytes);
    if (!body.ok && body.status === 413) {
      const text = `The stanza is larger than ${maxBodyBytes} bytes, the most the upload service reads.`;
      return stanzaOrJson(413, 'payload-too-large', body.head, { type: 'modify', condition: 'policy-violation', text });
    }
    if (!body.ok) return httpError(body.status, 'bad-request', body.text);
    const { config } = deps;
    const result = await handleStanza(body.text, {
      serviceJid: config.serviceJid,
      maxFileSizeBytes: config.maxFileSizeBytes,
      purposes: config.purposes,
      requestSlot: recordingSlots(out),
    });
    if (result.kind === 'malformed') {
      const condition = result.text === TOO_DEEP ? 'policy-violation' : 'bad-request';
      return stanzaOrJson(400, 'bad-request', body.text, { type: 'modify', condition, text: result.text });
    }
    if (result.kind === 'reply' && result.cause !== undefined) logCause(out.route, result.cause);
    if (result.kind === 'reply' && out.jid === undefined) {
      const jid = requesterJid(result.from);
      if (jid !== undefined) out.jid = jid;
    }
    out.outcome = result.outcome === 'slot' ? 'granted' : result.outcome;
    if (result.kind === 'none') return new Response(null, { status: 202 });
    return xmppResponse(200, result.xml);
  };

  /** `GET /ejabberd`: ejabberd's `service_url` call, answered in its two-line text contract. */
  const ejabberd: Handler = async (request, out) => {
    try {
      const slot = await recordingSlots(out)(parseEjabberdQuery(new URL(request.url).search.slice(1)));
      out.outcome = 'granted';
      return ejabberdSlot(slot);
    } catch (error) {
      const refusal = toSlotError(error);
      if (refusal.cause !== undefined) logCause(out.route, refusal.cause);
      out.outcome = refusal.condition;
      return ejabberdRefusal(refusal, deps.now());
    }
  };

  const slots: Handler = async (request, out) => {
    if (mediaType(request) !== 'application/json')
      return httpError(415, 'unsupported-media-type', 'Send the slot request as application/json.');
    const body = await readBody(request, maxBodyBytes);
    if (!body.ok) return httpError(body.status, body.status === 413 ? 'payload-too-large' : 'bad-request', body.text);
    try {
      const slot = await recordingSlots(out)(parseSlotJson(body.text));
      out.outcome = 'granted';
      return jsonResponse(201, slotJson(slot));
    } catch (error) {
      const refusal = toSlotError(error);
      if (refusal.cause !== undefined) logCause(out.route, refusal.cause);
      out.outcome = refusal.condition;
      return slotErrorResponse(refusal, deps.now());
    }
  };

  const info: Handler = async (_request, out) => {
    out.outcome = 'info';
    const { config } = deps;
    return jsonResponse(200, {
      serviceJid: config.serviceJid,
      maxFileSizeBytes: config.maxFileSizeBytes,
      namespaces: ['urn:xmpp:http:upload:0', 'urn:xmpp:http:upload'],
      allowedTypes: config.allowedTypes,
      dailyQuotaBytes: config.dailyQuotaBytes,
      globalQuotaBytes: config.globalQuotaBytes,
      retentionDays: config.retentionDays,
      putUrlTtlSeconds: config.putUrlTtlSeconds,
      purposes: config.purposes,
      profileRetentionDays: config.profileRetentionDays,
      ...(config.purposes.includes('ephemeral') ? { ephemeralMaxDays: ephemeralMaxDays(config) } : {}),
    });
  };

  /** Finds the handler; without a path secret (or Basic) the secret comes as `Authorization: Bearer`. */
  function route(method: string, path: string): Found {
    if (path === '/healthz') return { pattern: 'GET /healthz', allow: 'GET, HEAD' };
    if (path === '/xmpp') return { pattern: `${method} /xmpp`, handler: xmpp, allow: 'POST, OPTIONS', style: 'xmpp' };
    if (path.startsWith('/xmpp/')) {
      const pathSecret = decodePath(path.slice(6));
      return { pattern: `${method} /xmpp/:secret`, handler: xmpp, allow: 'POST, OPTIONS', style: 'xmpp', pathSecret };
    }
    if (path === '/v1/slots') return { pattern: 'POST /v1/slots', handler: slots, allow: 'POST' };
    if (path === '/v1/info') return { pattern: 'GET /v1/info', handler: info, allow: 'GET, HEAD' };
    if (path === '/ejabberd') return { pattern: 'GET /ejabberd', handler: ejabberd, allow: 'GET', style: 'text', basic: true };
    if (path.startsWith('/ejabberd/')) {
      // A service_url written with a final slash arrives as /ejabberd/<secret>/.
      const pathSecret = decodePath(path.slice(10).replace(/\/$/, ''));
      return { pattern: 'GET /ejabberd/:secret', handler: ejabberd, allow: 'GET', style: 'text', pathSecret };
    }
    return { pattern: `${method} (unknown)` };
  }

  function secretOf(found: Found, request: Request): string | undefined {
    if ('pathSecret' in found) return found.pathSecret;
    const header = request.headers.get('authorization');
    return found.basic === true ? basicSecret(header) : bearerToken(header);
  }

  /** A wrong or missing secret, shaped for the route's caller. */
  async function unauthorized(found: Found, request: Request): Promise<Response> {
    if (found.style === 'text')
      return textResponse(401, EJABBERD_UNAUTHORIZED_TEXT, { 'www-authenticate': 'Basic realm="xmpp-s3-upload"' });
    const bearer = { 'www-authenticate': 'Bearer' };
    if (found.style === 'xmpp' && request.method === 'POST' && XML_TYPES.has(mediaType(request))) {
      const body = await readBody(request, maxBodyBytes);
      const xml = refusalStanza(stanzaSource(body), STANZA_UNAUTHORIZED, deps.config.serviceJid);
      if (xml !== undefined) return xmppResponse(401, xml, bearer);
    }
    return httpError(401, 'unauthorized', UNAUTHORIZED_TEXT, 'auth', bearer);
  }

  async function dispatch(request: Request, out: Outcome): Promise<Response> {
    const { pathname } = new URL(request.url);
    const found = route(request.method, pathname);
    out.route = found.pattern;
    // No text echoes the path: on /xmpp/<secret> and /ejabberd/<secret> it holds the secret.
    if (found.allow === undefined) return httpError(404, 'not-found', NOT_FOUND_TEXT, 'cancel');
    if (!found.allow.split(', ').includes(request.method)) {
      const text = `This route accepts ${found.allow} only.`;
      if (found.style === 'text') return textResponse(405, text, { allow: found.allow });
      return httpError(405, 'method-not-allowed', text, 'cancel', { allow: found.allow });
    }
    if (found.handler === undefined) {
      out.outcome = 'healthy';
      return new Response(request.method === 'HEAD' ? null : 'ok\n', { status: 200, headers: { 'content-type': 'text/plain' } });
    }
    if (!isSecret(secretOf(found, request))) {
      out.outcome = 'unauthorized';
      return unauthorized(found, request);
    }
    // Prosody mod_rest's start-up probe: 200 and the one type the stanza routes take.
    if (request.method === 'OPTIONS') {
      out.outcome = 'options';
      return new Response(null, { status: 200, headers: { accept: XMPP_CONTENT_TYPE, allow: found.allow, 'cache-control': 'no-store' } });
    }
    return found.handler(request, out);
  }

  return async (request) => {
    const started = performance.now();
    const out: Outcome = { outcome: 'error', route: 'unknown' };
    let response: Response;
    try {
      response = await dispatch(request, out);
    } catch (error) {
      // Unexpected: a bug or a failure no adapter translated. Nothing internal reaches the client.
      const failure = toSlotError(error);
      out.outcome = failure.condition;
      logCause(out.route, failure.cause ?? failure);
      response = slotErrorResponse(failure, deps.now());
    }
    if (out.outcome === 'error') out.outcome = response.ok ? 'ok' : `http-${response.status}`;
    deps.log?.({
      method: request.method,
      route: out.route,
      status: response.status,
      outcome: out.outcome,
      ...(out.jid === undefined ? {} : { jid: out.jid }),
      ...(out.sizeBytes === undefined ? {} : { sizeBytes: out.sizeBytes }),
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...(out.outcome === 'granted' ? out.grant : {}),
    });
    return response;
  };
}

function xmppResponse(status: number, xml: string, headers: Record<string, string> = {}): Response {
  return new Response(xml, {
    status,
    headers: { 'content-type': `${XMPP_CONTENT_TYPE}; charset=utf-8`, 'cache-control': 'no-store', ...headers },
  });
}

/** A failure's cause, logged once at the edge; the client only ever sees the neutral text. */
function logCause(route: string, cause: unknown): void {
  const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  console.error(JSON.stringify({ level: 'error', route, cause: message }));
}

function mediaType(request: Request): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function decodePath(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
