/** `xmpp-s3-upload info`: the limits the slot endpoint enforces. */
import { askService, ENDPOINT_HELP, ENDPOINT_OPTIONS, EXIT, parseFlags } from './cli-common.ts';

const HELP = `Usage: xmpp-s3-upload info [--json]

Shows the service JID, the largest file, the quotas, the allowed types and the retention.

Options:
  --json           print the answer as JSON
${ENDPOINT_HELP}

Examples:
  xmpp-s3-upload info
  UPLOAD_ENDPOINT=https://abc.lambda-url.eu-west-1.on.aws UPLOAD_SECRET="$S" xmpp-s3-upload info`;

interface ServiceInfo {
  serviceJid: string;
  maxFileSizeBytes: number;
  dailyQuotaBytes: number;
  globalQuotaBytes: number;
  allowedTypes: string[];
  retentionDays: number;
  putUrlTtlSeconds: number;
  namespaces: string[];
}

const mib = (bytes: number): string => `${bytes} bytes (${(bytes / 1024 ** 2).toFixed(1)} MiB)`;

export async function runInfo(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseFlags(argv, { ...ENDPOINT_OPTIONS, json: { type: 'boolean' } }, HELP);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const answer = await askService(parsed.values, env, '/v1/info', { method: 'GET' });
  if ('code' in answer) return answer.code;
  const info = answer.body as ServiceInfo;
  if (parsed.values.json === true) {
    console.log(JSON.stringify(info, null, 2));
    return EXIT.ok;
  }
  console.log(
    [
      `service JID       ${info.serviceJid}`,
      `max file size     ${mib(info.maxFileSizeBytes)}`,
      `daily quota       ${info.dailyQuotaBytes === 0 ? 'off' : `${mib(info.dailyQuotaBytes)} per user, sliding 24 h`}`,
      `global quota      ${info.globalQuotaBytes === 0 ? 'off' : mib(info.globalQuotaBytes)}`,
      `allowed types     ${info.allowedTypes.length === 0 ? 'any' : info.allowedTypes.join(', ')}`,
      `retention         ${info.retentionDays === 0 ? 'kept' : `${info.retentionDays} days`}`,
      `PUT URL validity  ${info.putUrlTtlSeconds} s`,
      `namespaces        ${info.namespaces.join(', ')}`,
    ].join('\n'),
  );
  return EXIT.ok;
}
