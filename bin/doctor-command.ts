/** `xmpp-s3-upload doctor`: proves a deployment (or the local stack) end to end, one ✓/✗ line per check. */
import { readFileSync } from 'node:fs';
import { loadSecret } from '../lambda/adapters/secret.ts';
import { ENDPOINT_HELP, ENDPOINT_OPTIONS, EXIT, parseFlags, printError, resolveTarget, type Target } from './cli-common.ts';
import { CHECKS, type CheckResult, runChecks } from './doctor-checks.ts';
import { readStackOutputs, requireOutput } from './stack-outputs.ts';

const HELP = `Usage: xmpp-s3-upload doctor [--outputs FILE [--stack NAME]] [options]

Checks a deployed stack (or the local stack of "npm start") as a client uses it: the endpoint
answers, accepts the secret and describes itself, grants a probe slot; S3 takes a small PUT to
that slot, serves the same bytes to an anonymous GET and the same size to a HEAD, and answers a
browser's CORS preflight. One line per check; each failure with its likely cause and a fix.
The probe is a real upload: it counts against the probe JID's quota and stays until the
lifecycle rule deletes it.

Options:
  --outputs FILE        the file of "cdk deploy --outputs-file FILE": endpoint and secret ARN
                        from there, the secret's value from Secrets Manager (your AWS credentials)
  --stack NAME          the stack in FILE, when it holds more than one
  --secret-file FILE    read the secret from FILE (env UPLOAD_SECRET_FILE)
  --jid JID             the probe's uploader (default doctor@<domain of the service JID>)
  --origin URL          the browser origin of the CORS check (default https://<the JID's domain>)
  --json                print the results as JSON
${ENDPOINT_HELP}

Examples:
  cdk deploy --outputs-file outputs.json && xmpp-s3-upload doctor --outputs outputs.json
  xmpp-s3-upload doctor --endpoint https://abc.lambda-url.eu-west-1.on.aws --secret-file /etc/xmpp-s3-upload/slot-secret
  xmpp-s3-upload doctor     (against "npm start")

Exit codes: 0 every check passed, 2 usage error, 4 a check failed.`;

const OPTIONS = {
  ...ENDPOINT_OPTIONS,
  outputs: { type: 'string' },
  stack: { type: 'string' },
  'secret-file': { type: 'string' },
  jid: { type: 'string' },
  origin: { type: 'string' },
  json: { type: 'boolean' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** The endpoint and secret, plus a report line when the secret came from Secrets Manager. */
async function target(values: Values, env: NodeJS.ProcessEnv): Promise<{ target?: Target; line?: CheckResult; usage?: string }> {
  const secretFile = values['secret-file'] ?? env.UPLOAD_SECRET_FILE;
  let secret = values.secret;
  if (secret === undefined && secretFile !== undefined) {
    try {
      secret = readFileSync(secretFile, 'utf8').trim();
    } catch (error) {
      return { usage: `cannot read the secret file ${secretFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})` };
    }
  }
  if (values.outputs === undefined) {
    const resolved = resolveTarget({ endpoint: values.endpoint, secret }, env);
    return typeof resolved === 'string' ? { usage: resolved } : { target: resolved };
  }
  let endpoint: string;
  let secretArn: string;
  try {
    const outputs = readStackOutputs(values.outputs, values.stack);
    endpoint = (values.endpoint ?? requireOutput(outputs, 'SlotEndpoint', values.outputs)).replace(/\/+$/, '');
    secretArn = requireOutput(outputs, 'SlotSecretArn', values.outputs);
  } catch (error) {
    return { usage: error instanceof Error ? error.message : String(error) };
  }
  secret ??= env.UPLOAD_SECRET;
  if (secret !== undefined) return { target: { endpoint, secret } };
  const check = 'secret from Secrets Manager';
  try {
    secret = await loadSecret(secretArn, secretArn.split(':')[3] ?? '');
    return { target: { endpoint, secret }, line: { check, status: 'pass', detail: `read ${secretArn}` } };
  } catch (error) {
    const detail = `${secretArn}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    return {
      line: {
        check,
        status: 'fail',
        detail,
        cause: 'no AWS credentials here, or they may not call secretsmanager:GetSecretValue on this secret',
        fix: 'run with the credentials you deployed with (AWS_PROFILE=…), or pass --secret-file FILE',
      },
    };
  }
}

const MARK = { pass: '✓', fail: '✗', skip: '-' } as const;

function print(endpoint: string, results: readonly CheckResult[]): void {
  const width = Math.max(...results.map((r) => r.check.length));
  const lines = [`xmpp-s3-upload doctor  ${endpoint}`];
  for (const r of results) {
    lines.push(`${MARK[r.status]} ${r.check.padEnd(width)}  ${r.status === 'skip' ? `skipped: ${r.detail}` : r.detail}`);
    const indent = ' '.repeat(width + 4);
    if (r.cause !== undefined) lines.push(`${indent}likely cause: ${r.cause}`);
    if (r.fix !== undefined) lines.push(`${indent}fix: ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push(failed === 0 ? `doctor: all ${results.length} checks passed` : `doctor: ${failed} of ${results.length} checks failed`);
  console.log(lines.join('\n'));
}

export async function runDoctor(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseFlags(argv, OPTIONS, HELP);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const { values } = parsed;
  const resolved = await target(values, env);
  if (resolved.usage !== undefined) {
    printError(`${resolved.usage}\n\nRun "xmpp-s3-upload doctor --help" for examples.`);
    return EXIT.usage;
  }
  const checks =
    resolved.target === undefined
      ? CHECKS.map((check): CheckResult => ({ check, status: 'skip', detail: 'needs "secret from Secrets Manager"' }))
      : await runChecks({
          ...resolved.target,
          ...(values.jid === undefined ? {} : { jid: values.jid }),
          ...(values.origin === undefined ? {} : { origin: values.origin }),
        });
  const results = [...(resolved.line === undefined ? [] : [resolved.line]), ...checks];
  if (values.json === true) console.log(JSON.stringify({ endpoint: resolved.target?.endpoint, results }, null, 2));
  else print(resolved.target?.endpoint ?? '(no endpoint)', results);
  return results.every((r) => r.status === 'pass') ? EXIT.ok : EXIT.failed;
}
