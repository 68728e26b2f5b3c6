/**
 * What the operator commands share: exit codes, the endpoint and secret they talk to, and
 * errors in plain words.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** `denied`: missing AWS credentials or a missing right (the `files` commands). */
export const EXIT = { ok: 0, refused: 1, usage: 2, unreachable: 3, failed: 4, denied: 5 } as const;

/** Where `npm start` listens by default and keeps its generated secret. */
export const LOCAL_ENDPOINT = 'http://127.0.0.1:5050';
export const LOCAL_SECRET_FILE = '.local-data/secret';
/**
 * The record of the local stack running on `.local-data` (removed on stop): its pid, so a second
 * `npm start` on the folder is refused, and its endpoint and quota table, so the commands find
 * it on any PORT.
 */
export const LOCAL_STACK_FILE = '.local-data/stack.json';

export interface LocalStackRecord {
  readonly pid: number;
  /** Absent while the stack is still starting. */
  readonly endpoint?: string;
  readonly table?: string;
  readonly dynamoEndpoint?: string;
  /** What the `files` commands act on: the request log (the ledger), the strict S3, the GET URL base. */
  readonly files?: LocalFilesRecord;
}

export interface LocalFilesRecord {
  readonly requestLog: string;
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly region: string;
  readonly downloadBaseUrl: string;
  readonly cdn: boolean;
  readonly retentionDays: number;
}

/** The local S3's one key pair: a fixed development value, not a secret (the strict S3 refuses any other). */
export const LOCAL_S3_CREDENTIALS = {
  accessKeyId: 'AKIALOCALXMPPS3UPLOAD',
  secretAccessKey: 'local-stack-secret-access-key-0123456789',
} as const;

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The record in `file`, and whether its process still runs; undefined when there is none. A
 * record that cannot be read (a stack killed while writing it) counts as stale.
 */
export function readLocalStack(file = LOCAL_STACK_FILE): { readonly record: LocalStackRecord; readonly running: boolean } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as LocalStackRecord;
    const running = Number.isSafeInteger(record.pid) && record.pid > 0 && isProcessAlive(record.pid);
    return { record, running };
  } catch {
    return { record: { pid: 0 }, running: false };
  }
}

/** The running local stack's record; undefined when none runs in this folder. */
export function runningLocalStack(): LocalStackRecord | undefined {
  const found = readLocalStack();
  return found?.running === true ? found.record : undefined;
}

/** `UPLOAD_TABLE` and `UPLOAD_DYNAMODB_ENDPOINT` of a running local stack, when there is one. */
export function localStackEnv(): Record<string, string> {
  const record = runningLocalStack();
  if (record?.table === undefined || record.dynamoEndpoint === undefined) return {};
  return { UPLOAD_TABLE: record.table, UPLOAD_DYNAMODB_ENDPOINT: record.dynamoEndpoint };
}

export function printError(message: string): void {
  console.error(`xmpp-s3-upload: ${message}`);
}

export const ENDPOINT_OPTIONS = {
  endpoint: { type: 'string' },
  secret: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const ENDPOINT_HELP = `  --endpoint URL   the slot endpoint (env UPLOAD_ENDPOINT; default: the local stack running in this
                   folder, as ${LOCAL_STACK_FILE} records it, else ${LOCAL_ENDPOINT})
  --secret S       the shared secret (env UPLOAD_SECRET; default: the local stack's ${LOCAL_SECRET_FILE})`;

/** What {@link parseFlags} returns for `options` (named, so declarations can be emitted). */
export type ParsedFlags<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: boolean; strict: true }>
>;

/** Parses flags; a usage problem is printed with the help text and returns undefined. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  help: string,
  positionals = false,
): ParsedFlags<T> | 'help' | undefined {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
    if ((parsed.values as Record<string, unknown>).help === true) {
      console.log(help);
      return 'help' as const;
    }
    return parsed;
  } catch (error) {
    printError(`${error instanceof Error ? error.message : String(error)}\n\n${help}`);
    return undefined;
  }
}

export interface Target {
  readonly endpoint: string;
  readonly secret: string;
}

/** The endpoint and secret from flags, environment, or the files of the local stack running in this folder. */
export function resolveTarget(
  values: { endpoint?: string | undefined; secret?: string | undefined },
  env: NodeJS.ProcessEnv,
): Target | string {
  const local = (values.endpoint ?? env.UPLOAD_ENDPOINT) === undefined ? runningLocalStack()?.endpoint : undefined;
  const endpoint = (values.endpoint ?? env.UPLOAD_ENDPOINT ?? local ?? LOCAL_ENDPOINT).replace(/\/+$/, '');
  let secret = values.secret ?? env.UPLOAD_SECRET;
  if (secret === undefined && existsSync(LOCAL_SECRET_FILE)) secret = readFileSync(LOCAL_SECRET_FILE, 'utf8').trim();
  if (secret === undefined) return `no secret: pass --secret or set UPLOAD_SECRET (or start the local stack with "npm start")`;
  return { endpoint, secret };
}

export type ServiceAnswer =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly code: number; readonly message: string };

/** Calls the slot endpoint; refusals and failures come back as an exit code and a sentence. */
export async function callService(target: Target, path: string, init: { method: string; body?: unknown }): Promise<ServiceAnswer> {
  let response: Response;
  try {
    response = await fetch(`${target.endpoint}${path}`, {
      method: init.method,
      headers: { authorization: `Bearer ${target.secret}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { ok: false, code: EXIT.unreachable, message: `cannot reach ${target.endpoint} (${cause})` };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: shown as text below
  }
  if (response.ok) return { ok: true, status: response.status, body };
  const error = (body as { error?: { condition?: string; text?: string; retryAt?: string } }).error;
  const detail =
    error === undefined
      ? text.slice(0, 200)
      : `${error.text ?? ''} (${error.condition ?? 'error'}${error.retryAt ? `, retry at ${error.retryAt}` : ''})`;
  const code = response.status >= 500 ? EXIT.unreachable : EXIT.refused;
  return { ok: false, code, message: `the service answered ${response.status}: ${detail}` };
}

/** Resolves the endpoint and calls it; a problem is printed and comes back as the exit code. */
export async function askService(
  values: { endpoint?: string | undefined; secret?: string | undefined },
  env: NodeJS.ProcessEnv,
  path: string,
  init: { method: string; body?: unknown },
): Promise<{ readonly body: unknown } | { readonly code: number }> {
  const target = resolveTarget(values, env);
  if (typeof target === 'string') {
    printError(target);
    return { code: EXIT.usage };
  }
  const answer = await callService(target, path, init);
  if (!answer.ok) {
    printError(answer.message);
    return { code: answer.code };
  }
  return { body: answer.body };
}
