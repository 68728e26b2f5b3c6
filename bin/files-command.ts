/**
 * `xmpp-s3-upload files who|list|delete|purge`: abuse reports and account deletion
 * (docs/operations.md, Abuse and erasure). The ledger is the request log; the files are in the
 * bucket. Against the deployed stack with `--outputs FILE` and the operator's AWS credentials
 * (the OperatorPolicyArn output holds exactly the rights), or against `npm start` in this folder.
 */
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { bucketBaseUrl } from '../lambda/core/config-downloads.ts';
import { bareJid, parseJid } from '../lambda/core/jid.ts';
import { DAY_MS } from '../lambda/core/quota-window.ts';
import { EXIT, parseFlags, printError, runningLocalStack } from './cli-common.ts';
import { type FilesBackend, FilesError, type ObjectInfo } from './files-ports.ts';
import { type FileRef, type Grant, parseFileRef, parseSince, type Takedown } from './ledger.ts';
import { readStackOutputs, requireOutput } from './stack-outputs.ts';

const HELP = `Usage: xmpp-s3-upload files who <GET-URL|key>... [--json]
       xmpp-s3-upload files list --jid JID [--since 7d|DATE] [--all] [--json]
       xmpp-s3-upload files delete <GET-URL|key>... [--yes] [--reason TEXT] [--json]
       xmpp-s3-upload files purge --jid JID [--yes] [--reason TEXT] [--json]

who     the uploader of a file (bare JID), its size, type, purpose, when it was granted and
        whether it is stored, was never uploaded, or was taken down
list    the files of a JID still stored (--all: every slot granted to it, with its state)
delete  deletes the files (in cdn mode also drops the CDN's cached copies) and records the
        takedown in the ledger; asks first unless --yes
purge   deletes every stored file of a JID (account deletion, erasure request), prints what it
        deleted, records each takedown; asks first unless --yes

Where: --outputs FILE (the file of "cdk deploy --outputs-file FILE"; your AWS credentials, which
need the managed policy of the OperatorPolicyArn output), else the local stack of "npm start"
running in this folder (its ledger is .local-data/requests.log).

Options:
  --outputs FILE   the deployed stack's outputs (BucketName, LogGroupName, DistributionId, ...)
  --stack NAME     the stack in FILE, when it holds more than one
  --jid JID        (list, purge) the user; a full JID is reduced to the bare one
  --since WHEN     (list) grants since 7d, 24h, 30m ago or an ISO date (default: the whole ledger)
  --all            (list) every slot, also those not stored
  --yes            (delete, purge) do not ask
  --reason TEXT    (delete, purge) recorded with the takedown, e.g. the abuse ticket
  --by NAME        (delete, purge) who acts, recorded with the takedown (default user@host)
  --json           machine-readable output
  -h, --help       this text

Examples:
  xmpp-s3-upload files who https://uploads.example.org/uploads/0b7c…/cat.jpg --outputs cdk-outputs.json
  xmpp-s3-upload files delete https://uploads.example.org/uploads/0b7c…/cat.jpg --reason "ticket 123"
  xmpp-s3-upload files purge --jid alice@example.org --yes --json

Exit codes: 0 done, 1 no such file in the ledger or the bucket, 2 usage error (or no
confirmation), 3 a store is unreachable, 4 some files could not be handled, 5 no AWS
credentials or a right missing (the message names the OperatorPolicyArn output).`;

const OPTIONS = {
  outputs: { type: 'string' },
  stack: { type: 'string' },
  jid: { type: 'string' },
  since: { type: 'string' },
  all: { type: 'boolean' },
  yes: { type: 'boolean' },
  reason: { type: 'string' },
  by: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** What is known of one slot: its grant, its object, its takedowns, and so its state. */
export interface SlotState {
  readonly key: string;
  readonly grant: Grant | undefined;
  readonly stored: ObjectInfo | undefined;
  readonly takedowns: readonly Takedown[];
  readonly state: 'stored' | 'upload-pending' | 'never-uploaded' | 'expired' | 'taken-down' | 'unknown';
}

/**
 * The state of a slot. Absent objects: taken down (a takedown is recorded), still pending (the
 * PUT URL is valid), expired (older than the retention plus the lifecycle rule's rounding to the
 * next midnight), or else never uploaded.
 */
export function slotState(
  key: string,
  grant: Grant | undefined,
  stored: ObjectInfo | undefined,
  takedowns: readonly Takedown[],
  retentionDays: number | undefined,
  now: Date,
): SlotState {
  const base = { key, grant, stored, takedowns };
  if (stored !== undefined) return { ...base, state: 'stored' };
  if (takedowns.length > 0) return { ...base, state: 'taken-down' };
  if (grant === undefined) return { ...base, state: 'unknown' };
  if (now < grant.putExpiresAt) return { ...base, state: 'upload-pending' };
  // retentionDays is the message purpose's (ephemeral ones live no longer); profile and permanent uploads may be kept longer.
  const expiring = grant.purpose === 'message' || grant.purpose === 'ephemeral';
  if (
    expiring &&
    retentionDays !== undefined &&
    retentionDays > 0 &&
    now.getTime() > grant.grantedAt.getTime() + (retentionDays + 1) * DAY_MS
  ) {
    return { ...base, state: 'expired' };
  }
  return { ...base, state: 'never-uploaded' };
}

const STATE_TEXT: Record<SlotState['state'], string> = {
  stored: 'stored',
  'upload-pending': 'not uploaded yet (the PUT URL is still valid)',
  'never-uploaded': 'never uploaded (granted, but nothing was PUT before the PUT URL expired)',
  expired: 'not stored: older than the retention, deleted by the lifecycle rule (or never uploaded)',
  'taken-down': 'taken down',
  unknown: 'not in the ledger and not in the bucket',
};

/** Opens the stores a run acts on (tests hand in their own local stack's). */
export type OpenBackend = (
  values: { readonly outputs?: string | undefined; readonly stack?: string | undefined },
  env: NodeJS.ProcessEnv,
) => Promise<FilesBackend>;

/** Runs the files command; returns the exit code. */
export async function runFiles(argv: string[], env: NodeJS.ProcessEnv, open: OpenBackend = openBackend): Promise<number> {
  const parsed = parseFlags(argv[0] === 'files' ? argv.slice(1) : argv, OPTIONS, HELP, true);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const [action, ...args] = parsed.positionals;
  const values = parsed.values as Values;
  const usage = checkUsage(action, args, values);
  if (usage !== undefined) {
    printError(`${usage}\n\nRun "xmpp-s3-upload files --help" for the options.`);
    return EXIT.usage;
  }
  let backend: FilesBackend;
  try {
    backend = await open(values, env);
  } catch (error) {
    printError(error instanceof Error ? error.message : String(error));
    return error instanceof FilesError ? error.code : EXIT.usage;
  }
  try {
    const jid = values.jid === undefined ? undefined : bareJid(parseJid(values.jid) as NonNullable<ReturnType<typeof parseJid>>);
    switch (action) {
      case 'who':
        return await who(backend, args, values);
      case 'list':
        return await list(backend, jid as string, values);
      case 'delete':
        return await remove(backend, args, values);
      default:
        return await purge(backend, jid as string, values);
    }
  } catch (error) {
    printError(error instanceof Error ? error.message : String(error));
    return error instanceof FilesError ? error.code : EXIT.unreachable;
  } finally {
    backend.close();
  }
}

function checkUsage(action: string | undefined, args: string[], values: Values): string | undefined {
  if (action !== 'who' && action !== 'list' && action !== 'delete' && action !== 'purge') {
    return `expected who, list, delete or purge, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`;
  }
  const byJid = action === 'list' || action === 'purge';
  if (byJid) {
    if (args.length > 0) return `${action} takes --jid JID, not ${JSON.stringify(args[0])}`;
    if (values.jid === undefined) return `${action} needs --jid JID`;
    if (parseJid(values.jid) === undefined) return `${JSON.stringify(values.jid)} is not a JID`;
  } else {
    if (args.length === 0) return `${action} needs a GET URL or a key`;
    if (values.jid !== undefined) return `${action} takes GET URLs or keys, not --jid (use list or purge)`;
  }
  if (values.since !== undefined && action !== 'list') return '--since is for list only';
  if (values.since !== undefined && parseSince(values.since, new Date()) === undefined) {
    return `--since: expected 7d, 24h, 30m or an ISO date, got ${JSON.stringify(values.since)}`;
  }
  if (values.all === true && action !== 'list') return '--all is for list only';
  const destructive = action === 'delete' || action === 'purge';
  if (!destructive && (values.yes === true || values.reason !== undefined || values.by !== undefined)) {
    return '--yes, --reason and --by are for delete and purge';
  }
  return undefined;
}

/** The deployed stack from its outputs file, or the local stack running in this folder. */
const openBackend: OpenBackend = async (values, env) => {
  if (values.outputs === undefined) {
    const local = runningLocalStack();
    if (local?.files === undefined) {
      throw new FilesError(
        'no --outputs FILE, and no local stack runs in this folder: pass the outputs file of "cdk deploy --outputs-file FILE", or run "npm start"',
        EXIT.usage,
      );
    }
    const { localBackend } = await import('./files-local.ts');
    return localBackend(local.files, `the local stack (${local.files.requestLog})`);
  }
  const file = values.outputs;
  let outputs: Record<string, string>;
  try {
    outputs = readStackOutputs(file, values.stack);
  } catch (error) {
    throw new FilesError(error instanceof Error ? error.message : String(error), EXIT.usage);
  }
  const need = (key: string) => {
    try {
      return requireOutput(outputs, key, file);
    } catch (error) {
      throw new FilesError(
        `${(error as Error).message}${key === 'LogGroupName' ? ' (a stack deployed before the ledger: deploy this version)' : ''}`,
        EXIT.usage,
      );
    }
  };
  const bucket = need('BucketName');
  const logGroupName = need('LogGroupName');
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? need('SlotSecretArn').split(':')[3] ?? '';
  const aws = await import('./files-aws.ts');
  const { CloudWatchLogsClient } = await import('@aws-sdk/client-cloudwatch-logs');
  const logs = new CloudWatchLogsClient({ region });
  const objects = aws.s3Store({ bucket, region });
  const distributionId = outputs.DistributionId;
  const cdn = distributionId === undefined ? undefined : await aws.cloudFrontCache(distributionId, region);
  const retention = Number(outputs.RetentionDays);
  const bases = [
    ...(outputs.DownloadBaseUrl === undefined ? [] : [outputs.DownloadBaseUrl]),
    bucketBaseUrl({ bucket, region }),
    `https://s3.${region}.amazonaws.com/${bucket}`,
    `https://${bucket}.s3.amazonaws.com`,
  ];
  return {
    where: `the stack of ${file} (${bucket}, ${logGroupName}, ${region})`,
    ledger: aws.insightsLedger({ logGroupName, client: logs }),
    objects,
    cdn,
    downloadBases: bases,
    retentionDays: Number.isInteger(retention) ? retention : undefined,
    close: () => {
      logs.destroy();
      objects.close();
      cdn?.close();
    },
  };
};

/** Runs `work` over `items`, at most `limit` at a time, keeping the order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A reported file: its ledger records (by slot id), its key, its object. */
async function lookUp(backend: FilesBackend, ref: FileRef, now: Date): Promise<SlotState> {
  const records = await backend.ledger.find({ slotId: ref.slotId });
  const grant = records.find((r): r is Grant => r.kind === 'grant');
  const takedowns = records.filter((r): r is Takedown => r.kind === 'takedown');
  const key = grant?.key ?? ref.key ?? takedowns[0]?.key;
  if (key === undefined) return { key: ref.input, grant, stored: undefined, takedowns, state: 'unknown' };
  const stored = await backend.objects.head(key);
  return slotState(key, grant, stored, takedowns, backend.retentionDays, now);
}

function resolveRefs(backend: FilesBackend, inputs: readonly string[]): FileRef[] | string {
  const refs: FileRef[] = [];
  for (const input of inputs) {
    const ref = parseFileRef(input, backend.downloadBases);
    if (typeof ref === 'string') return ref;
    refs.push(ref);
  }
  return refs;
}

const iso = (at: Date | undefined) => at?.toISOString();

function stateJson(s: SlotState): object {
  return {
    key: s.key,
    state: s.state,
    slotId: s.grant?.slotId,
    jid: s.grant?.jid ?? s.takedowns[0]?.jid,
    sizeBytes: s.grant?.sizeBytes,
    contentType: s.grant?.contentType,
    grantedAt: iso(s.grant?.grantedAt),
    putExpiresAt: iso(s.grant?.putExpiresAt),
    purpose: s.grant?.purpose,
    stored: s.stored === undefined ? null : { ...s.stored, lastModified: iso(s.stored.lastModified) },
    takedowns: s.takedowns.map((t) => ({ ...t, kind: undefined, takenDownAt: iso(t.takenDownAt) })),
  };
}

function stateText(s: SlotState): string {
  const g = s.grant;
  const lines = [s.key];
  if (g === undefined)
    lines.push('  uploader  unknown: no grant in the ledger (older than the log retention, or not a slot of this service)');
  else {
    lines.push(`  uploader  ${g.jid}`);
    lines.push(`  file      ${g.sizeBytes} bytes, ${g.contentType ?? '(no type)'}, purpose ${g.purpose}`);
    lines.push(`  granted   ${g.grantedAt.toISOString()}  (PUT URL valid until ${g.putExpiresAt.toISOString()})`);
  }
  const stored = s.stored === undefined ? '' : `: ${s.stored.sizeBytes} bytes since ${iso(s.stored.lastModified) ?? '?'}`;
  lines.push(`  state     ${STATE_TEXT[s.state]}${stored}`);
  for (const t of s.takedowns) {
    lines.push(`  takedown  ${t.takenDownAt.toISOString()} by ${t.by} (${t.action}${t.reason === undefined ? '' : `: ${t.reason}`})`);
  }
  return lines.join('\n');
}

/** The state of each reported URL or key, four lookups at a time. */
async function lookUpAll(backend: FilesBackend, inputs: string[]): Promise<SlotState[]> {
  const refs = resolveRefs(backend, inputs);
  if (typeof refs === 'string') throw new FilesError(refs, EXIT.usage);
  const now = new Date();
  return mapLimit(refs, 4, (ref) => lookUp(backend, ref, now));
}

async function who(backend: FilesBackend, inputs: string[], values: Values): Promise<number> {
  const states = await lookUpAll(backend, inputs);
  if (values.json === true) console.log(JSON.stringify({ where: backend.where, files: states.map(stateJson) }, null, 2));
  else console.log(states.map(stateText).join('\n\n'));
  return states.some((s) => s.state === 'unknown') ? EXIT.refused : EXIT.ok;
}

/** Every slot granted to a JID, with its object. */
async function slotsOf(backend: FilesBackend, jid: string, since: Date | undefined): Promise<SlotState[]> {
  const grants = (await backend.ledger.find({ jid, since })).filter((r): r is Grant => r.kind === 'grant');
  const now = new Date();
  return mapLimit(grants, 8, async (grant) =>
    slotState(grant.key, grant, await backend.objects.head(grant.key), [], backend.retentionDays, now),
  );
}

async function list(backend: FilesBackend, jid: string, values: Values): Promise<number> {
  const since = values.since === undefined ? undefined : parseSince(values.since, new Date());
  const slots = await slotsOf(backend, jid, since);
  const stored = slots.filter((s) => s.state === 'stored');
  if (values.json === true) {
    const body = {
      where: backend.where,
      jid,
      since: iso(since),
      files: stored.map(stateJson),
      slots: values.all === true ? slots.map(stateJson) : undefined,
    };
    console.log(JSON.stringify(body, null, 2));
    return EXIT.ok;
  }
  const shown = values.all === true ? slots : stored;
  const counts = Object.entries(
    slots.reduce<Record<string, number>>((acc, s) => {
      acc[s.state] = (acc[s.state] ?? 0) + 1;
      return acc;
    }, {}),
  )
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  console.log(
    [
      `${jid}: ${stored.length} file(s) stored; ${slots.length} slot(s) granted${since === undefined ? '' : ` since ${since.toISOString()}`}${counts === '' ? '' : ` (${counts})`}`,
      ...shown.map(
        (s) =>
          `  ${s.grant?.grantedAt.toISOString()}  ${String(s.stored?.sizeBytes ?? s.grant?.sizeBytes).padStart(10)} bytes  ${s.key}${values.all === true ? `  [${s.state}]` : ''}`,
      ),
    ].join('\n'),
  );
  return EXIT.ok;
}

/** Whether to go on: `--yes`, or a "y" at the terminal; otherwise says why it is not `verb` (e.g. "deleting"). */
async function confirm(question: string, verb: string, values: Values): Promise<boolean> {
  if (values.yes === true) return true;
  if (!process.stdin.isTTY) {
    printError(`not ${verb}: no terminal to confirm on; pass --yes`);
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    if (/^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())) return true;
  } finally {
    rl.close();
  }
  printError(`not ${verb}: not confirmed`);
  return false;
}

/** Deletes stored files, records their takedowns, drops the CDN's copies; `states` must be stored ones. */
async function takeDown(backend: FilesBackend, states: readonly SlotState[], action: 'delete' | 'purge', values: Values) {
  const by = values.by ?? `${userInfo().username}@${hostname()}`;
  const deleted: SlotState[] = [];
  const failed: { key: string; error: string }[] = [];
  for (const s of states) {
    try {
      await backend.objects.delete(s.key);
      const takedown = {
        key: s.key,
        slotId: s.grant?.slotId,
        jid: s.grant?.jid,
        action,
        takenDownAt: new Date(),
        by,
        reason: values.reason,
      };
      await backend.ledger.record(takedown);
      deleted.push({ ...s, stored: undefined, takedowns: [...s.takedowns, { kind: 'takedown', ...takedown }], state: 'taken-down' });
    } catch (error) {
      // A missing right stops the run: every further call would fail alike.
      if (error instanceof FilesError && error.code === EXIT.denied) throw error;
      failed.push({ key: s.key, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const cdn = backend.cdn === undefined || deleted.length === 0 ? undefined : await backend.cdn.invalidate(deleted.map((s) => s.key));
  return { deleted, failed, cdn };
}

function printTakedown(result: Awaited<ReturnType<typeof takeDown>>, skipped: readonly SlotState[], values: Values, head: object): void {
  if (values.json === true) {
    console.log(
      JSON.stringify(
        {
          ...head,
          deleted: result.deleted.map(stateJson),
          notStored: skipped.map(stateJson),
          failed: result.failed,
          cdn: result.cdn ?? null,
        },
        null,
        2,
      ),
    );
    return;
  }
  const lines = result.deleted.map((s) => `deleted  ${s.key}  (${s.grant?.jid ?? 'uploader unknown'}, ${s.grant?.sizeBytes ?? '?'} bytes)`);
  for (const s of skipped) lines.push(`skipped  ${s.key}  (${STATE_TEXT[s.state]})`);
  for (const f of result.failed) lines.push(`FAILED   ${f.key}  (${f.error})`);
  if (result.cdn !== undefined) lines.push(`cdn      ${result.cdn}`);
  lines.push(`${result.deleted.length} file(s) deleted, takedowns recorded in the ledger`);
  console.log(lines.join('\n'));
}

async function remove(backend: FilesBackend, inputs: string[], values: Values): Promise<number> {
  const states = await lookUpAll(backend, inputs);
  const stored = states.filter((s) => s.state === 'stored');
  const skipped = states.filter((s) => s.state !== 'stored');
  if (stored.length > 0) {
    const question = `Delete ${stored.length} file(s) from ${backend.where}?\n${stored.map((s) => `  ${s.key}`).join('\n')}\n`;
    if (!(await confirm(question, 'deleting', values))) return EXIT.usage;
  }
  const result = await takeDown(backend, stored, 'delete', values);
  printTakedown(result, skipped, values, { where: backend.where });
  if (result.failed.length > 0) return EXIT.failed;
  return states.some((s) => s.state === 'unknown') ? EXIT.refused : EXIT.ok;
}

async function purge(backend: FilesBackend, jid: string, values: Values): Promise<number> {
  const slots = await slotsOf(backend, jid, undefined);
  const stored = slots.filter((s) => s.state === 'stored');
  if (stored.length > 0) {
    const bytes = stored.reduce((sum, s) => sum + (s.stored?.sizeBytes ?? 0), 0);
    if (!(await confirm(`Delete all ${stored.length} file(s) of ${jid} (${bytes} bytes) from ${backend.where}?`, 'purging', values))) {
      return EXIT.usage;
    }
  }
  const result = await takeDown(backend, stored, 'purge', values);
  printTakedown(result, [], values, { where: backend.where, jid, slotsGranted: slots.length });
  return result.failed.length > 0 ? EXIT.failed : EXIT.ok;
}
