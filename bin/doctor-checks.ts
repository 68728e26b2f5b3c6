/**
 * What `xmpp-s3-upload doctor` checks, in order, each on what a client really does: the endpoint
 * answers, takes the secret, describes itself, grants a slot; S3 takes the PUT, serves the bytes
 * back to an anonymous GET and HEAD, and answers a browser's CORS preflight. A failed check says
 * its likely cause and fix; the checks that need it are skipped.
 */
import { randomUUID } from 'node:crypto';
import { type Answer, call, json, s3ErrorCode, serviceError, text } from './doctor-http.ts';
import { PROBLEMS, type Problem } from './doctor-problems.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of the report. */
export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly cause?: string;
  readonly fix?: string;
}

/** What to check. */
export interface DoctorTarget {
  readonly endpoint: string;
  readonly secret: string;
  /** The probe's uploader; default `doctor@<service JID without its first label>`. */
  readonly jid?: string;
  /** The browser origin of the CORS check; default `https://<the probe JID's domain>`. */
  readonly origin?: string;
}

export const CHECKS = [
  'reachable',
  'secret accepted',
  'service info',
  'probe slot',
  'upload (PUT)',
  'download (GET)',
  'size (HEAD)',
  'CORS',
];

interface Info {
  readonly serviceJid: string;
  readonly maxFileSizeBytes: number;
  readonly allowedTypes: readonly string[];
  readonly retentionDays: number;
  readonly namespaces: readonly string[];
}
interface Slot {
  readonly put: { readonly url: string; readonly headers: Record<string, string> };
  readonly get: { readonly url: string };
  readonly key: string;
}

const isInfo = (body: unknown): body is Info => {
  const info = body as Partial<Info> | undefined;
  return (
    typeof info?.serviceJid === 'string' &&
    Number.isSafeInteger(info.maxFileSizeBytes) &&
    (info.maxFileSizeBytes ?? 0) > 0 &&
    Array.isArray(info.allowedTypes) &&
    Number.isSafeInteger(info.retentionDays) &&
    Array.isArray(info.namespaces) &&
    info.namespaces.includes('urn:xmpp:http:upload:0')
  );
};
const isSlot = (body: unknown): body is Slot => {
  const slot = body as Partial<Slot> | undefined;
  return typeof slot?.put?.url === 'string' && typeof slot.get?.url === 'string' && typeof slot.key === 'string';
};

/** A type the service accepts: text/plain, or the first allowed one (`image/*` → `image/x-doctor-probe`). */
const probeType = (allowed: readonly string[]): string => (allowed[0] ?? 'text/plain').replace(/\/\*$/, '/x-doctor-probe');
const parentDomain = (jid: string): string => (jid.split('.').length > 1 ? jid.slice(jid.indexOf('.') + 1) : jid);
const seen = (answer: Answer): string => (answer.ok ? `${answer.status}` : `no answer (${answer.reason})`);

/** Runs every check; never throws for what the service or S3 answers. */
export async function runChecks(target: DoctorTarget): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const pass = (detail: string) => void results.push({ check: CHECKS[results.length] as string, status: 'pass', detail });
  const fail = (detail: string, problem: Problem): CheckResult[] => {
    results.push({ check: CHECKS[results.length] as string, status: 'fail', detail, cause: problem.cause, fix: problem.fix });
    const failed = results.at(-1)?.check;
    while (results.length < CHECKS.length) {
      results.push({ check: CHECKS[results.length] as string, status: 'skip', detail: `needs "${failed}"` });
    }
    return results;
  };
  const auth = { authorization: `Bearer ${target.secret}` };

  const health = await call(`${target.endpoint}/healthz`);
  if (!health.ok || health.status !== 200) return fail(`GET /healthz: ${seen(health)}`, PROBLEMS.healthz(health));
  pass(`GET /healthz answered 200 in ${health.ms} ms`);

  const infoAnswer = await call(`${target.endpoint}/v1/info`, { headers: auth });
  if (!infoAnswer.ok) return fail(`GET /v1/info: ${seen(infoAnswer)}`, PROBLEMS.healthz(infoAnswer));
  if (infoAnswer.status === 401) return fail(`GET /v1/info with the secret: 401 ${serviceError(infoAnswer)}`, PROBLEMS.secret);
  pass(`GET /v1/info answered ${infoAnswer.status}`);

  const info = json(infoAnswer);
  if (infoAnswer.status !== 200 || !isInfo(info)) {
    return fail(`GET /v1/info answered ${infoAnswer.status}: ${text(infoAnswer, 120)}`, PROBLEMS.info);
  }
  pass(
    `${info.serviceJid}, files up to ${info.maxFileSizeBytes} bytes, kept ${info.retentionDays === 0 ? 'forever' : `${info.retentionDays} days`}`,
  );

  const jid = target.jid ?? `doctor@${parentDomain(info.serviceJid)}`;
  const origin = target.origin ?? `https://${jid.slice(jid.indexOf('@') + 1)}`;
  const bytes = new TextEncoder().encode(`xmpp-s3-upload doctor probe ${randomUUID()}\n`.slice(0, info.maxFileSizeBytes));
  const contentType = probeType(info.allowedTypes);
  const slotAnswer = await call(`${target.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ jid, filename: 'xmpp-s3-upload-doctor.txt', size: bytes.length, contentType }),
  });
  const slot = slotAnswer.ok ? json(slotAnswer) : undefined;
  if (!slotAnswer.ok || slotAnswer.status !== 201 || !isSlot(slot)) {
    const why = slotAnswer.ok ? serviceError(slotAnswer) : slotAnswer.reason;
    return fail(`POST /v1/slots as ${jid}: ${slotAnswer.ok ? slotAnswer.status : 'no answer'} ${why}`, PROBLEMS.slot(slotAnswer, jid));
  }
  pass(`granted to ${jid}: ${slot.key}`);

  // Exactly the signed headers, as an XMPP client sends them; fetch sets Content-Length from the body.
  const headers = Object.fromEntries(Object.entries(slot.put.headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
  const put = await call(slot.put.url, { method: 'PUT', headers: { ...headers, origin }, body: bytes });
  if (!put.ok || put.status !== 200) {
    return fail(`PUT: ${seen(put)} ${put.ok ? s3ErrorCode(put) || text(put, 120) : ''}`.trim(), PROBLEMS.put(put));
  }
  pass(`PUT answered 200 for ${bytes.length} bytes`);

  const get = await call(slot.get.url);
  if (!get.ok || get.status !== 200)
    return fail(`GET ${slot.get.url}: ${seen(get)} ${get.ok ? s3ErrorCode(get) : ''}`.trim(), PROBLEMS.get(get));
  if (Buffer.compare(Buffer.from(get.body), Buffer.from(bytes)) !== 0) {
    return fail(`GET ${slot.get.url}: 200 with ${get.body.length} other bytes`, PROBLEMS.otherBytes);
  }
  pass(`anonymous GET answered 200 with the same ${bytes.length} bytes`);

  const head = await call(slot.get.url, { method: 'HEAD' });
  const length = head.ok ? head.headers.get('content-length') : null;
  if (!head.ok || head.status !== 200 || length !== String(bytes.length)) {
    return fail(`HEAD: ${seen(head)}, Content-Length ${length ?? 'none'} (expected ${bytes.length})`, PROBLEMS.head);
  }
  pass(`HEAD answered 200, Content-Length ${length}`);

  const preflight = await call(slot.put.url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
  });
  const allowed = preflight.ok ? preflight.headers.get('access-control-allow-origin') : null;
  const methods = preflight.ok ? (preflight.headers.get('access-control-allow-methods') ?? '') : '';
  if (!preflight.ok || preflight.status !== 200 || (allowed !== '*' && allowed !== origin) || !/\bPUT\b/.test(methods)) {
    return fail(`preflight of a PUT from ${origin}: ${seen(preflight)}, Allow-Origin ${allowed ?? 'none'}`, PROBLEMS.cors(origin));
  }
  const putAllowed = put.headers.get('access-control-allow-origin');
  if (putAllowed !== '*' && putAllowed !== origin) {
    return fail(`the PUT answer has no Access-Control-Allow-Origin for ${origin}`, PROBLEMS.corsOnPut);
  }
  pass(`a PUT from ${origin} is allowed (preflight and answer)`);
  return results;
}
