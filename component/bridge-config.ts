/**
 * The bridge daemon's settings from flags, the environment and a `--config` file (docs/bridge.md). Pure: the
 * caller reads the files. Precedence per key: flag, then environment, then the file. Each secret comes from
 * a value or from a file, and never has to be on the command line.
 */
import { BRIDGE_DEFAULTS } from './bridge-defaults.ts';

/** Every key a `--config` file (or the environment) may set, with the flag that overrides it. */
export const BRIDGE_KEYS = {
  UPLOAD_COMPONENT_JID: 'jid',
  UPLOAD_COMPONENT_SERVER: 'server',
  UPLOAD_ENDPOINT: 'endpoint',
  UPLOAD_SECRET: 'secret',
  UPLOAD_SECRET_FILE: 'secret-file',
  UPLOAD_COMPONENT_SECRET: 'component-secret',
  UPLOAD_COMPONENT_SECRET_FILE: 'component-secret-file',
  UPLOAD_COMPONENT_TIMEOUT_MS: 'timeout-ms',
  UPLOAD_COMPONENT_MAX_IN_FLIGHT: 'max-in-flight',
  UPLOAD_COMPONENT_DISCO_CACHE_SECONDS: 'disco-cache-seconds',
} as const;

export type BridgeKey = keyof typeof BRIDGE_KEYS;
export type BridgeFlag = (typeof BRIDGE_KEYS)[BridgeKey];

/** Where a secret comes from; a file is read at start, on SIGHUP and (the endpoint's) after a 401. */
export type SecretSource =
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'none' };

export interface BridgeSettings {
  readonly jid: string;
  readonly server: string;
  /** Undefined: the local stack's endpoint (`npm start`). */
  readonly endpoint: string | undefined;
  readonly secret: SecretSource;
  readonly componentSecret: SecretSource;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  readonly discoCacheSeconds: number;
}

/**
 * Parses `KEY=VALUE` lines as systemd's EnvironmentFile= reads them: blank lines and lines starting with `#`
 * or `;` are skipped, a value may be wrapped in single or double quotes. Unknown keys are refused, each named.
 */
export function parseConfigFile(text: string, name: string): { values: Partial<Record<BridgeKey, string>>; problems: string[] } {
  const values: Partial<Record<BridgeKey, string>> = {};
  const problems: string[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    const key = match?.[1] ?? '';
    if (match === null) problems.push(`${name}:${index + 1}: expected KEY=VALUE`);
    else if (!(key in BRIDGE_KEYS)) problems.push(`${name}:${index + 1}: unknown key ${key}`);
    else values[key as BridgeKey] = unquote(match[2] ?? '');
  }
  return { values, problems };
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  return value;
}

type Level = Partial<Record<BridgeKey, string | undefined>>;

/** One secret from the first level that names it, as a value or a file (not both at one level). */
function secretFrom(levels: readonly [string, Level][], valueKey: BridgeKey, fileKey: BridgeKey, problems: string[]): SecretSource {
  for (const [where, level] of levels) {
    const value = level[valueKey] || undefined;
    const path = level[fileKey] || undefined;
    if (value !== undefined && path !== undefined) problems.push(`${where} sets both ${valueKey} and ${fileKey}: keep one`);
    if (path !== undefined) return { kind: 'file', path };
    if (value !== undefined) return { kind: 'value', value };
  }
  return { kind: 'none' };
}

function integer(text: string | undefined, fallback: number, min: number, key: BridgeKey, problems: string[]): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) problems.push(`${key} (--${BRIDGE_KEYS[key]}) must be an integer ≥ ${min}, got "${text}"`);
  return value;
}

/** The settings, or every problem at once, each naming its key. */
export function resolveBridgeSettings(
  flags: Partial<Record<BridgeFlag, string | undefined>>,
  env: Readonly<Record<string, string | undefined>>,
  file: Partial<Record<BridgeKey, string>>,
): { settings: BridgeSettings } | { problems: string[] } {
  const fromFlags: Level = {};
  const fromEnv: Level = {};
  for (const [key, flag] of Object.entries(BRIDGE_KEYS) as [BridgeKey, BridgeFlag][]) {
    fromFlags[key] = flags[flag];
    fromEnv[key] = env[key];
  }
  const levels: [string, Level][] = [
    ['the command line', fromFlags],
    ['the environment', fromEnv],
    ['the config file', file],
  ];
  const pick = (key: BridgeKey) => levels.map(([, level]) => level[key] || undefined).find((value) => value !== undefined);
  const problems: string[] = [];
  const jid = pick('UPLOAD_COMPONENT_JID');
  const server = pick('UPLOAD_COMPONENT_SERVER');
  const endpoint = pick('UPLOAD_ENDPOINT');
  if (!jid) problems.push('no --jid (or UPLOAD_COMPONENT_JID)');
  if (!server || !/^[^:\s]+:\d{1,5}$/.test(server)) problems.push('--server (or UPLOAD_COMPONENT_SERVER) must be HOST:PORT');
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) problems.push('--endpoint (or UPLOAD_ENDPOINT) must be an http(s) URL');
  const secret = secretFrom(levels, 'UPLOAD_SECRET', 'UPLOAD_SECRET_FILE', problems);
  const componentSecret = secretFrom(levels, 'UPLOAD_COMPONENT_SECRET', 'UPLOAD_COMPONENT_SECRET_FILE', problems);
  if (componentSecret.kind === 'none') problems.push('no component secret: set UPLOAD_COMPONENT_SECRET_FILE (or --component-secret-file)');
  const settings: BridgeSettings = {
    jid: jid ?? '',
    server: server ?? '',
    endpoint,
    secret,
    componentSecret,
    timeoutMs: integer(pick('UPLOAD_COMPONENT_TIMEOUT_MS'), BRIDGE_DEFAULTS.timeoutMs, 1, 'UPLOAD_COMPONENT_TIMEOUT_MS', problems),
    maxInFlight: integer(
      pick('UPLOAD_COMPONENT_MAX_IN_FLIGHT'),
      BRIDGE_DEFAULTS.maxInFlight,
      1,
      'UPLOAD_COMPONENT_MAX_IN_FLIGHT',
      problems,
    ),
    discoCacheSeconds: integer(
      pick('UPLOAD_COMPONENT_DISCO_CACHE_SECONDS'),
      BRIDGE_DEFAULTS.discoCacheSeconds,
      0,
      'UPLOAD_COMPONENT_DISCO_CACHE_SECONDS',
      problems,
    ),
  };
  return problems.length > 0 ? { problems } : { settings };
}
