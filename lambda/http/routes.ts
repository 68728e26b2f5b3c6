/**
 * The slot endpoint as one Web `Request → Response` function (docs/architecture.md, Slot endpoint).
 * The Lambda entry and the local server are thin shims over it; tests call it directly.
 */
import type { ServiceConfig } from '../core/config.ts';
import { toSlotError } from '../core/errors.ts';
import { ephemeralMaxDays } from '../core/purposes.ts';
import type { SlotService } from '../core/slot-service.ts';
import { handleStanza } from '../xmpp/handle-stanza.ts';
import { bearerToken, secretChecker } from './auth.ts';
import { MAX_BODY_BYTES, readBody } from './body.ts';
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
  readonly jid?: string;
  readonly sizeBytes?: number;
  readonly latencyMs: number;
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
const NOT_FOUND_TEXT = 'No such route; the endpoint serves POST /xmpp, POST /v1/slots, GET /v1/info and GET /healthz.';
const XML_TYPES = new Set([XMPP_CONTENT_TYPE, 'application/xml', 'text/xml']);

interface Outcome {
  outcome: string;
  route: string;
  jid?: string;
  sizeBytes?: number;
}

type Handler = (request: Request, out: Outcome) => Promise<Response>;

export function createRoutes(deps: RouteDeps): (request: Request) => Promise<Response> {
  const isSecret = secretChecker([deps.secret, deps.previousSecret]);
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;

  /** The slot service, recording who was granted what for the request log. */
  const recordingSlots =
    (out: Outcome): SlotService =>
    async (raw) => {
      const slot = await deps.requestSlot(raw);
      out.jid = typeof raw.from === 'string' ? raw.from.split('/')[0] : undefined;
      out.sizeBytes = slot.sizeBytes;
      return slot;
    };

  const xmpp: Handler = async (request, out) => {
    const type = mediaType(request);
    if (!XML_TYPES.has(type)) return httpError(415, 'unsupported-media-type', `Send one stanza as ${XMPP_CONTENT_TYPE}.`);
    const body = await readBody(request, maxBodyBytes);
    if (!body.ok) return httpError(body.status, body.status === 413 ? 'payload-too-large' : 'bad-request', body.text);
    const { config } = deps;
    const result = await handleStanza(body.text, {
      serviceJid: config.serviceJid,
      maxFileSizeBytes: config.maxFileSizeBytes,
      purposes: config.purposes,
      requestSlot: recordingSlots(out),
    });
    if (result.kind === 'malformed') return httpError(400, 'bad-request', result.text);
    if (result.kind === 'reply' && result.cause !== undefined) logCause(out.route, result.cause);
    out.outcome = result.outcome === 'slot' ? 'granted' : result.outcome;
    if (result.kind === 'none') return new Response(null, { status: 202 });
    return new Response(result.xml, {
      status: 200,
      headers: { 'content-type': `${XMPP_CONTENT_TYPE}; charset=utf-8`, 'cache-control': 'no-store' },
    });
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

  /** Finds the handler; `undefined` path secret means "use the Authorization header". */
  function route(method: string, path: string): { pattern: string; handler?: Handler; allow?: string; pathSecret?: string } {
    if (path === '/healthz') return { pattern: 'GET /healthz', allow: 'GET, HEAD' };
    if (path === '/xmpp') return { pattern: 'POST /xmpp', handler: xmpp, allow: 'POST' };
    if (path.startsWith('/xmpp/'))
      return { pattern: 'POST /xmpp/:secret', handler: xmpp, allow: 'POST', pathSecret: decodePath(path.slice(6)) };
    if (path === '/v1/slots') return { pattern: 'POST /v1/slots', handler: slots, allow: 'POST' };
    if (path === '/v1/info') return { pattern: 'GET /v1/info', handler: info, allow: 'GET, HEAD' };
    return { pattern: `${method} (unknown)` };
  }

  async function dispatch(request: Request, out: Outcome): Promise<Response> {
    const { pathname } = new URL(request.url);
    const found = route(request.method, pathname);
    out.route = found.pattern;
    // Neither text echoes the path: on /xmpp/<secret> it holds the secret.
    if (found.allow === undefined) return httpError(404, 'not-found', NOT_FOUND_TEXT, 'cancel');
    if (!found.allow.split(', ').includes(request.method)) {
      return httpError(405, 'method-not-allowed', `This route accepts ${found.allow} only.`, 'cancel', { allow: found.allow });
    }
    if (found.handler === undefined) {
      out.outcome = 'healthy';
      return new Response(request.method === 'HEAD' ? null : 'ok\n', { status: 200, headers: { 'content-type': 'text/plain' } });
    }
    const token = 'pathSecret' in found ? found.pathSecret : bearerToken(request.headers.get('authorization'));
    if (!isSecret(token)) {
      out.outcome = 'unauthorized';
      return httpError(401, 'unauthorized', 'A valid shared secret is required (Authorization: Bearer <secret>).', 'auth', {
        'www-authenticate': 'Bearer',
      });
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
    });
    return response;
  };
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
