/** `xmpp-s3-upload component`: runs the XEP-0114 component bridge until SIGINT or SIGTERM. */
import { type BridgeLogLine, DEFAULT_TIMEOUT_MS, startBridge } from '../component/bridge.ts';
import { callService, ENDPOINT_HELP, ENDPOINT_OPTIONS, EXIT, parseFlags, printError, resolveTarget, type Target } from './cli-common.ts';

const HELP = `Usage: xmpp-s3-upload component --jid JID --server HOST:PORT --component-secret S [options]

Connects to an XMPP server as the external component JID (XEP-0114), forwards every IQ sent to it
to the slot endpoint (POST <endpoint>/xmpp) and relays the answers. Reconnects by itself when the
XMPP server restarts. Logs one JSON line per IQ (from, outcome, ms) on stdout; never the secrets.
Runs until SIGINT or SIGTERM.

Options:
  --jid JID                 the component's JID, e.g. upload.example.org (env UPLOAD_COMPONENT_JID)
  --server HOST:PORT        the XMPP server's component port (env UPLOAD_COMPONENT_SERVER)
  --component-secret S      the component password set on the XMPP server (env UPLOAD_COMPONENT_SECRET)
  --timeout-ms N            how long to wait for the endpoint (default ${DEFAULT_TIMEOUT_MS})
${ENDPOINT_HELP}
Prefer the environment for secrets: flags are visible in the process list.

Examples:
  UPLOAD_COMPONENT_SECRET=… UPLOAD_SECRET=… xmpp-s3-upload component \\
    --jid upload.example.org --server 127.0.0.1:5347 --endpoint https://abc.lambda-url.eu-west-1.on.aws
  xmpp-s3-upload component --jid upload.localhost --server 127.0.0.1:5347 --component-secret dev
    (against the local stack started with "npm start")

Exit codes: 0 stopped by a signal, 1 the XMPP server refused the component (wrong secret or
unknown JID), 2 usage error.`;

const OPTIONS = {
  ...ENDPOINT_OPTIONS,
  jid: { type: 'string' },
  server: { type: 'string' },
  'component-secret': { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const;

export interface ComponentIo {
  /** Stops the bridge when aborted, like a signal (for tests). */
  readonly signal?: AbortSignal;
  readonly log?: (line: BridgeLogLine) => void;
}

/** Resolves on the first SIGINT/SIGTERM or abort of `signal`. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    signal?.addEventListener('abort', done);
    if (signal?.aborted) done();
  });
}

/**
 * Asks `GET /v1/info` once before connecting, so that a wrong secret, a wrong URL or a service JID that differs
 * from `--jid` shows up at start rather than as service-unavailable answers later. Only warns: the endpoint may
 * come up after the bridge.
 */
async function preflight(target: Target, jid: string): Promise<void> {
  const answer = await callService(target, '/v1/info', { method: 'GET' });
  if (!answer.ok) {
    printError(`warning: ${answer.message}; clients get service-unavailable until the endpoint answers`);
    return;
  }
  const serviceJid = (answer.body as { serviceJid?: unknown }).serviceJid;
  if (typeof serviceJid === 'string' && serviceJid !== jid) {
    printError(`warning: the endpoint serves ${serviceJid}, not ${jid}: set UPLOAD_SERVICE_JID there or --jid here to the same JID`);
  }
}

/** Runs the bridge; returns the exit code documented in the help text. */
export async function runComponent(argv: string[], env: NodeJS.ProcessEnv, io: ComponentIo = {}): Promise<number> {
  const parsed = parseFlags(argv, OPTIONS, HELP);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const { values } = parsed;
  const jid = values.jid ?? env.UPLOAD_COMPONENT_JID;
  const server = values.server ?? env.UPLOAD_COMPONENT_SERVER;
  const componentSecret = values['component-secret'] ?? env.UPLOAD_COMPONENT_SECRET;
  const timeoutMs = Number(values['timeout-ms'] ?? DEFAULT_TIMEOUT_MS);
  const target = resolveTarget(values, env);
  const problems = [
    jid ? '' : 'no --jid (or UPLOAD_COMPONENT_JID)',
    server && /^[^:\s]+:\d{1,5}$/.test(server) ? '' : '--server (or UPLOAD_COMPONENT_SERVER) must be HOST:PORT',
    componentSecret ? '' : 'no --component-secret (or UPLOAD_COMPONENT_SECRET)',
    Number.isInteger(timeoutMs) && timeoutMs > 0 ? '' : '--timeout-ms must be a positive integer',
    typeof target === 'string' ? target : /^https?:\/\//.test(target.endpoint) ? '' : '--endpoint must be an http(s) URL',
  ].filter(Boolean);
  if (problems.length > 0 || !jid || !server || !componentSecret || typeof target === 'string') {
    printError(`${problems.join('\n')}\n\nRun "xmpp-s3-upload component --help" for examples.`);
    return EXIT.usage;
  }

  const log = io.log ?? ((line: BridgeLogLine) => console.log(JSON.stringify({ time: new Date().toISOString(), ...line })));
  await preflight(target, jid);
  const bridge = await startBridge({ jid, server, componentSecret, endpoint: target.endpoint, secret: target.secret, timeoutMs, log });
  const stopped = untilStopped(io.signal);
  // A refusal before the first login ends the command; after that the bridge reconnects until stopped.
  const refusal = bridge.connected.then(
    () => stopped.then(() => undefined),
    (error: Error) => error,
  );
  const refused = await Promise.race([stopped.then(() => undefined), refusal]);
  await bridge.stop();
  if (refused instanceof Error) {
    printError(refused.message);
    return EXIT.refused;
  }
  return EXIT.ok;
}
