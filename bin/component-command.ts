/** `xmpp-s3-upload component`: runs the XEP-0114 component bridge as a daemon until SIGINT or SIGTERM. */
import { readFileSync } from 'node:fs';
import { type BridgeLogLine, startBridge } from '../component/bridge.ts';
import { type BridgeSettings, parseConfigFile, resolveBridgeSettings, type SecretSource } from '../component/bridge-config.ts';
import { BRIDGE_DEFAULTS } from '../component/bridge-defaults.ts';
import { readSecretFile } from '../component/secret-file.ts';
import { callService, ENDPOINT_OPTIONS, EXIT, LOCAL_ENDPOINT, parseFlags, printError, resolveTarget, type Target } from './cli-common.ts';

const HELP = `Usage: xmpp-s3-upload component [--config FILE] [--jid JID] [--server HOST:PORT] [--endpoint URL]
                                [--secret-file FILE] [--component-secret-file FILE]

Connects to an XMPP server as the external component JID (XEP-0114), forwards every IQ sent to it
to the slot endpoint (POST <endpoint>/xmpp) and relays the answers. Reconnects by itself when the
XMPP server restarts. Logs one JSON line per IQ (from, outcome, cause, ms) on stdout; never the
secrets. Runs until SIGINT or SIGTERM; SIGHUP re-reads the secret files (and logs in again only
when the component secret changed).

Options (each also an environment variable, or a KEY=VALUE line of the --config file):
  --config FILE                 KEY=VALUE lines with the names below (systemd EnvironmentFile syntax)
  --jid JID                     UPLOAD_COMPONENT_JID: the component's JID, e.g. upload.example.org
  --server HOST:PORT            UPLOAD_COMPONENT_SERVER: the XMPP server's component port
  --endpoint URL                UPLOAD_ENDPOINT: the slot endpoint (default ${LOCAL_ENDPOINT}, npm start)
  --secret-file FILE            UPLOAD_SECRET_FILE: holds the endpoint's secret (or UPLOAD_SECRET)
  --component-secret-file FILE  UPLOAD_COMPONENT_SECRET_FILE: holds the component password set on
                                the XMPP server (or UPLOAD_COMPONENT_SECRET)
  --timeout-ms N                UPLOAD_COMPONENT_TIMEOUT_MS: per-IQ deadline, retry included (default ${BRIDGE_DEFAULTS.timeoutMs})
  --max-in-flight N             UPLOAD_COMPONENT_MAX_IN_FLIGHT: IQs at the endpoint at once; more are
                                answered wait/resource-constraint (default ${BRIDGE_DEFAULTS.maxInFlight})
  --disco-cache-seconds N       UPLOAD_COMPONENT_DISCO_CACHE_SECONDS: reuse disco answers (default ${BRIDGE_DEFAULTS.discoCacheSeconds}, 0 off)
  --secret S, --component-secret S
                                the secrets themselves: visible in the process list, avoid them
A flag wins over the environment, the environment over the config file.

Examples:
  xmpp-s3-upload component --config /etc/xmpp-s3-upload/bridge.conf
  UPLOAD_SECRET_FILE=/etc/xmpp-s3-upload/slot-secret UPLOAD_COMPONENT_SECRET_FILE=/etc/xmpp-s3-upload/component-secret \\
    xmpp-s3-upload component --jid upload.example.org --server 127.0.0.1:5347 --endpoint https://abc.lambda-url.eu-west-1.on.aws
  UPLOAD_COMPONENT_SECRET=dev xmpp-s3-upload component --jid upload.localhost --server 127.0.0.1:5347
    (against the local stack started with "npm start")

Exit codes: 0 stopped by a signal, 1 the XMPP server refused the component (wrong secret, unknown
JID, or another connection has the JID), 2 usage or configuration error.`;

const OPTIONS = {
  ...ENDPOINT_OPTIONS,
  config: { type: 'string' },
  jid: { type: 'string' },
  server: { type: 'string' },
  'secret-file': { type: 'string' },
  'component-secret': { type: 'string' },
  'component-secret-file': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'max-in-flight': { type: 'string' },
  'disco-cache-seconds': { type: 'string' },
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

/** A secret's value now: given, read from its file, or absent. */
async function secretValue(source: SecretSource, key: string, problems: string[]): Promise<string | undefined> {
  if (source.kind === 'value') return source.value;
  if (source.kind === 'none') return undefined;
  const read = await readSecretFile(source.path, key);
  if (!read.ok) problems.push(read.problem);
  else if (read.warning !== undefined) printError(`warning: ${read.warning}`);
  return read.ok ? read.value : undefined;
}

/** The settings from flags, environment and `--config`, or the exit code after printing what is wrong. */
function settingsFrom(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): BridgeSettings | number {
  let file = {};
  const problems: string[] = [];
  const configPath = typeof values.config === 'string' ? values.config : undefined;
  if (configPath !== undefined) {
    try {
      const parsed = parseConfigFile(readFileSync(configPath, 'utf8'), configPath);
      problems.push(...parsed.problems);
      file = parsed.values;
    } catch (error) {
      problems.push(`cannot read --config ${configPath} (${(error as { code?: string }).code ?? String(error)})`);
    }
  }
  const flags = Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const resolved = resolveBridgeSettings(flags, env, file);
  if ('problems' in resolved) problems.push(...resolved.problems);
  if (problems.length > 0 || !('settings' in resolved)) {
    printError(`${problems.join('\n')}\n\nRun "xmpp-s3-upload component --help" for examples.`);
    return EXIT.usage;
  }
  return resolved.settings;
}

/** Runs the bridge; returns the exit code documented in the help text. */
export async function runComponent(argv: string[], env: NodeJS.ProcessEnv, io: ComponentIo = {}): Promise<number> {
  const parsed = parseFlags(argv, OPTIONS, HELP);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const settings = settingsFrom(parsed.values, env);
  if (typeof settings === 'number') return settings;
  const problems: string[] = [];
  const componentSecret = await secretValue(settings.componentSecret, 'UPLOAD_COMPONENT_SECRET_FILE', problems);
  const secret = await secretValue(settings.secret, 'UPLOAD_SECRET_FILE', problems);
  const target = resolveTarget({ endpoint: settings.endpoint, secret }, {});
  if (typeof target === 'string') problems.push(target);
  if (problems.length > 0 || componentSecret === undefined || typeof target === 'string') {
    printError(problems.join('\n'));
    return EXIT.usage;
  }

  const log = io.log ?? ((line: BridgeLogLine) => console.log(JSON.stringify({ time: new Date().toISOString(), ...line })));
  // Installed first: Node's default for SIGHUP ends the process.
  const reread = rereadOnHangup(settings, log);
  try {
    await preflight(target, settings.jid);
    const { secret: secretSource } = settings;
    const bridge = await startBridge({
      jid: settings.jid,
      server: settings.server,
      componentSecret,
      endpoint: target.endpoint,
      secret: target.secret,
      timeoutMs: settings.timeoutMs,
      maxInFlight: settings.maxInFlight,
      discoCacheMs: settings.discoCacheSeconds * 1000,
      ...(secretSource.kind === 'file' ? { reloadSecret: () => readSecret(secretSource.path, 'UPLOAD_SECRET_FILE') } : {}),
      log,
    });
    reread.attach(bridge);
    const stopped = untilStopped(io.signal).then(() => undefined);
    // A refusal before the first login ends the command; after that only a conflict does.
    const refusal = bridge.connected.then(
      () => Promise.race([stopped, bridge.ended]),
      (error: Error) => error,
    );
    const refused = await Promise.race([stopped, refusal]);
    await bridge.stop();
    if (refused instanceof Error) {
      printError(refused.message);
      return EXIT.refused;
    }
    return EXIT.ok;
  } finally {
    reread.detach();
  }
}

async function readSecret(path: string, key: string): Promise<string> {
  const read = await readSecretFile(path, key);
  if (!read.ok) throw new Error(read.problem);
  return read.value;
}

/** SIGHUP re-reads both secret files; a file that cannot be read keeps the secret in use and is logged. */
function rereadOnHangup(settings: BridgeSettings, log: (line: BridgeLogLine) => void) {
  let bridge: { updateSecrets(secrets: { secret?: string; componentSecret?: string }): void } | undefined;
  const onHangup = () => {
    const read = async (source: SecretSource, key: string) => {
      if (source.kind !== 'file') return undefined;
      return readSecret(source.path, key).catch((error: Error) => {
        log({ event: 'error', message: `SIGHUP: ${error.message}; keeping the secret in use` });
        return undefined;
      });
    };
    void Promise.all([read(settings.secret, 'UPLOAD_SECRET_FILE'), read(settings.componentSecret, 'UPLOAD_COMPONENT_SECRET_FILE')]).then(
      ([secret, componentSecret]) =>
        bridge?.updateSecrets({
          ...(secret === undefined ? {} : { secret }),
          ...(componentSecret === undefined ? {} : { componentSecret }),
        }),
    );
  };
  process.on('SIGHUP', onHangup);
  return {
    attach(started: typeof bridge) {
      bridge = started;
    },
    detach() {
      process.off('SIGHUP', onHangup);
    },
  };
}
