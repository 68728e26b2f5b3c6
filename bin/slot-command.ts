/**
 * `xmpp-s3-upload slot`: asks the slot endpoint for a slot and prints its URLs, like
 * MongooseIM's `mongooseimctl httpUpload getUrl`.
 */
import { askService, ENDPOINT_HELP, ENDPOINT_OPTIONS, EXIT, parseFlags, printError } from './cli-common.ts';

const HELP = `Usage: xmpp-s3-upload slot --jid JID --name FILENAME --size BYTES [--type MIME]
                           [--purpose PURPOSE [--expire-before TIME]] [--json]

Requests an upload slot as JID and prints the PUT URL (with the headers the PUT must carry)
and the GET URL. Counts against the JID's quota like any slot.

Options:
  --jid JID        the uploader (its bare JID is checked against the access list)
  --name NAME      the filename, as it will appear in the GET URL
  --size BYTES     the exact size of the file
  --type MIME      the Content-Type the upload will send (signed into the URL)
  --purpose NAME   XEP-0363 1.2 purpose: message (default), profile, permanent, ephemeral
  --expire-before TIME  with ephemeral: XEP-0082 time the file must be gone by (2026-12-24T18:00:00Z)
  --json           print the slot as JSON
${ENDPOINT_HELP}

Examples:
  xmpp-s3-upload slot --jid alice@example.org --name cat.jpg --size 52133 --type image/jpeg
  xmpp-s3-upload slot --endpoint https://abc.lambda-url.eu-west-1.on.aws --secret "$S" \\
    --jid alice@example.org --name notes.txt --size 12 --json`;

export interface SlotAnswer {
  put: { url: string; headers: Record<string, string> };
  get: { url: string };
  key: string;
  expiresAt: string;
  purpose: string;
  expireBefore?: string;
}

export async function runSlot(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const options = {
    ...ENDPOINT_OPTIONS,
    jid: { type: 'string' },
    name: { type: 'string' },
    size: { type: 'string' },
    type: { type: 'string' },
    purpose: { type: 'string' },
    'expire-before': { type: 'string' },
    json: { type: 'boolean' },
  } as const;
  const parsed = parseFlags(argv, options, HELP);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const { jid, name, size, type, purpose } = parsed.values;
  const expireBefore = parsed.values['expire-before'];
  if (jid === undefined || name === undefined || size === undefined) {
    printError(`--jid, --name and --size are required\n\n${HELP}`);
    return EXIT.usage;
  }
  const answer = await askService(parsed.values, env, '/v1/slots', {
    method: 'POST',
    body: { jid, filename: name, size: /^\d+$/.test(size) ? Number(size) : size, contentType: type, purpose, expireBefore },
  });
  if ('code' in answer) return answer.code;
  const slot = answer.body as SlotAnswer;
  if (parsed.values.json === true) {
    console.log(JSON.stringify(slot, null, 2));
    return EXIT.ok;
  }
  const headers = Object.entries(slot.put.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const gone = slot.expireBefore === undefined ? '' : `\n    ${slot.purpose}: answers 410 from ${slot.expireBefore}`;
  console.log(`PUT ${slot.put.url}\n    headers: ${headers}\n    valid until ${slot.expiresAt}\nGET ${slot.get.url}${gone}`);
  return EXIT.ok;
}
