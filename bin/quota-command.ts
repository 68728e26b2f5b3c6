/**
 * `xmpp-s3-upload quota show|reset`: what the quota table counts for a user and for everyone,
 * read straight from DynamoDB (the local stack's dynalite, or the deployed table).
 */
import { createQuotaDynamoClient, LOCAL_DYNAMO_CREDENTIALS } from '../lambda/adapters/dynamo-client.ts';
import { DynamoQuotaStore } from '../lambda/adapters/dynamo-quota-store.ts';
import { DEFAULTS, envName } from '../lambda/core/config.ts';
import { SlotError } from '../lambda/core/errors.ts';
import { bareJid, parseJid } from '../lambda/core/jid.ts';
import { type QuotaLimits, quotaLimits } from '../lambda/core/quota.ts';
import { EXIT, localStackEnv, parseFlags, printError } from './cli-common.ts';

const HELP = `Usage: xmpp-s3-upload quota show <jid> [--json]
       xmpp-s3-upload quota reset <jid>
       xmpp-s3-upload quota reset --global

show   prints the bytes granted to a bare JID in the last 24 hours (each grant and when it
       stops counting) and the bytes all users were granted within the global window.
reset  forgets every grant of a JID (or, with --global, every global charge). Slots already
       granted keep working; only the counting starts over.

Options:
  --json       (show) print the usage as JSON
  --global     (reset) reset the global quota instead of a user's
  -h, --help   this text

Environment:
  UPLOAD_TABLE              the quota table's name (the QuotaTableName stack output); unset: the
                            table of the local stack running in this folder (npm start)
  UPLOAD_DYNAMODB_ENDPOINT  a local DynamoDB endpoint; unset: AWS with the default credentials and
                            region (AWS_PROFILE, AWS_REGION, ...)
  UPLOAD_DAILY_QUOTA_BYTES, UPLOAD_GLOBAL_QUOTA_BYTES, UPLOAD_MAX_FILE_SIZE_BYTES, UPLOAD_RETENTION_DAYS
                            the service's limits, shown beside the usage (defaults as the service's)

Examples:
  xmpp-s3-upload quota show alice@example.org
  UPLOAD_TABLE=my-upload-quota AWS_REGION=eu-west-1 xmpp-s3-upload quota show alice@example.org --json
  xmpp-s3-upload quota reset alice@example.org
  xmpp-s3-upload quota reset --global`;

const OPTIONS = { json: { type: 'boolean' }, global: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;

/** Runs the quota command; returns the exit code. */
export async function runQuota(argv: string[], processEnv: NodeJS.ProcessEnv): Promise<number> {
  // Without UPLOAD_TABLE, the table of the local stack running in this folder (npm start).
  const env = processEnv.UPLOAD_TABLE ? processEnv : { ...processEnv, ...localStackEnv() };
  const parsed = parseFlags(argv[0] === 'quota' ? argv.slice(1) : argv, OPTIONS, HELP, true);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const [action, jidArg, ...extra] = parsed.positionals;
  const global = parsed.values.global === true;
  const jid = jidArg === undefined ? undefined : parseJid(jidArg);
  const problem =
    action !== 'show' && action !== 'reset'
      ? 'expected "show" or "reset"'
      : extra.length > 0 || (global && (action === 'show' || jidArg !== undefined))
        ? 'too many arguments'
        : !global && jid === undefined
          ? `expected a JID, got ${jidArg === undefined ? 'nothing' : JSON.stringify(jidArg)}`
          : env.UPLOAD_TABLE === undefined || env.UPLOAD_TABLE === ''
            ? 'UPLOAD_TABLE is not set (the quota table name), and no local stack runs here (npm start)'
            : undefined;
  const limits = limitsFromEnv(env);
  if (problem !== undefined || typeof limits === 'string') {
    printError(`${problem ?? limits}\n\n${HELP}`);
    return EXIT.usage;
  }
  const endpoint = env.UPLOAD_DYNAMODB_ENDPOINT || undefined;
  const client = createQuotaDynamoClient(
    endpoint === undefined ? {} : { endpoint, region: env.AWS_REGION ?? 'us-east-1', credentials: LOCAL_DYNAMO_CREDENTIALS },
  );
  const store = new DynamoQuotaStore({ client, tableName: env.UPLOAD_TABLE as string, ...limits });
  try {
    if (action === 'reset') {
      await (global ? store.resetGlobal() : store.resetUser(bareJid(jid as NonNullable<typeof jid>)));
      console.log(
        global
          ? 'Reset the global quota: every global charge is forgotten.'
          : `Reset ${bareJid(jid as NonNullable<typeof jid>)}: every grant is forgotten.`,
      );
      return EXIT.ok;
    }
    const usage = await store.usage(bareJid(jid as NonNullable<typeof jid>), new Date());
    console.log(parsed.values.json === true ? JSON.stringify({ ...usage, ...limits }, null, 2) : formatUsage(usage, limits));
    return EXIT.ok;
  } catch (error) {
    const cause = error instanceof SlotError && error.cause instanceof Error ? error.cause.message : String(error);
    printError(`cannot read the quota table ${env.UPLOAD_TABLE} (${cause})`);
    return EXIT.unreachable;
  } finally {
    client.destroy();
  }
}

/** The limits the service would use, from the same `UPLOAD_*` variables and defaults. */
function limitsFromEnv(env: NodeJS.ProcessEnv): QuotaLimits | string {
  const max = DEFAULTS.maxFileSizeBytes.parse(env[envName('maxFileSizeBytes')], {});
  const daily = DEFAULTS.dailyQuotaBytes.parse(env[envName('dailyQuotaBytes')], max.ok ? { maxFileSizeBytes: max.value } : {});
  const global = DEFAULTS.globalQuotaBytes.parse(env[envName('globalQuotaBytes')], {});
  const retention = DEFAULTS.retentionDays.parse(env[envName('retentionDays')], {});
  if (!max.ok || !daily.ok || !global.ok || !retention.ok) {
    const bad = [max, daily, global, retention].flatMap((r) => (r.ok ? [] : [r.problem]));
    return `bad quota settings: ${bad.join('; ')}`;
  }
  return quotaLimits({ dailyQuotaBytes: daily.value, globalQuotaBytes: global.value, retentionDays: retention.value });
}

const mib = (bytes: number) => `${bytes} bytes (${(bytes / 1024 ** 2).toFixed(1)} MiB)`;
const of = (used: number, quota: number) => (quota === 0 ? `${mib(used)} (quota off)` : `${mib(used)} of ${mib(quota)}`);

function formatUsage(usage: Awaited<ReturnType<DynamoQuotaStore['usage']>>, limits: QuotaLimits): string {
  const days = limits.globalWindowMs / (24 * 3600 * 1000);
  return [
    `${usage.jid}: ${of(usage.dailyUsedBytes, limits.dailyQuotaBytes)} in the last 24 h`,
    ...usage.grants.map(
      (g) => `  ${g.at.toISOString()}  ${String(g.bytes).padStart(12)} bytes  counts until ${g.countsUntil.toISOString()}`,
    ),
    `global: ${of(usage.globalUsedBytes, limits.globalQuotaBytes)} within ${days} days` +
      (usage.globalNextFreeAt === undefined ? '' : `; the oldest bytes stop counting at ${usage.globalNextFreeAt.toISOString()}`),
  ].join('\n');
}
