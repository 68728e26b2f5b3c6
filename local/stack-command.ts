/**
 * `npm start` / `xmpp-s3-upload local`: runs the local stack in the foreground, keeps its
 * data and its generated secret in `.local-data/`, logs one JSON line per request, and stops
 * cleanly on SIGINT or SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { EXIT, LOCAL_SECRET_FILE, LOCAL_STACK_FILE, parseFlags, printError } from '../bin/cli-common.ts';
import { ConfigError } from '../lambda/core/config.ts';
import { LOCAL_BUCKET, LOCAL_TABLE, startLocalStack } from './stack.ts';
import { claimDataDir, recordStack, releaseDataDir } from './stack-lock.ts';

const DATA_DIR = '.local-data';

const HELP = `Usage: npm start  (or: xmpp-s3-upload local)

Runs the slot endpoint on 127.0.0.1 with strict embedded S3 and embedded DynamoDB. Data and the
generated secret stay in ${DATA_DIR}/ between runs; delete it to start afresh.

One stack per folder: a second one on the same ${DATA_DIR}/ is refused (exit code 1), naming the
running one. The running stack notes its endpoint in ${LOCAL_STACK_FILE}, so slot, upload, info and
quota find it on any PORT.

Environment:
  PORT              the slot endpoint's port (default 5050; 0 picks a free one)
  UPLOAD_SECRET     the shared secret (default: generated once, kept in ${LOCAL_SECRET_FILE})
  UPLOAD_PREVIOUS_SECRET  accepted as well, to rehearse a secret rotation
  UPLOAD_DOMAINS    XMPP domains served (default localhost)
  UPLOAD_DOWNLOADS  cdn: a private bucket behind a local CDN with CloudFront's headers (docs/downloads.md)
  UPLOAD_<KEY>      any configuration key, e.g. UPLOAD_MAX_FILE_SIZE_BYTES=1048576`;

function localSecret(env: NodeJS.ProcessEnv): string {
  if (env.UPLOAD_SECRET !== undefined && env.UPLOAD_SECRET !== '') return env.UPLOAD_SECRET;
  if (existsSync(LOCAL_SECRET_FILE)) return readFileSync(LOCAL_SECRET_FILE, 'utf8').trim();
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(LOCAL_SECRET_FILE, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export async function runLocal(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseFlags(argv, { help: { type: 'boolean', short: 'h' } }, HELP);
  if (parsed === 'help') return EXIT.ok;
  if (parsed === undefined) return EXIT.usage;
  const port = Number(env.PORT ?? 5050);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    printError(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`);
    return EXIT.usage;
  }
  mkdirSync(DATA_DIR, { recursive: true });
  // Before anything touches the folder: a second dynalite on it would crash on the first one's lock.
  const claim = claimDataDir();
  if (!claim.ok) {
    printError(claim.text);
    return EXIT.refused;
  }
  if (claim.replaced !== undefined) {
    console.error(`(the record of a stopped stack, pid ${claim.replaced.pid}, was left in ${LOCAL_STACK_FILE}; replaced)`);
  }
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
      port,
      dataDir: DATA_DIR,
      env: { ...env, UPLOAD_SECRET: localSecret(env) },
      log: (record) => console.log(JSON.stringify({ time: new Date().toISOString(), ...record })),
    });
  } catch (error) {
    releaseDataDir();
    printError(
      error instanceof ConfigError
        ? error.message
        : `cannot start the local stack: ${error instanceof Error ? error.message : String(error)}`,
    );
    return error instanceof ConfigError ? EXIT.usage : EXIT.unreachable;
  }
  const { endpoint, secret, config } = stack;
  recordStack({ endpoint, table: LOCAL_TABLE, dynamoEndpoint: stack.dynamoEndpoint });
  console.error(`xmpp-s3-upload local stack
  slot endpoint  ${endpoint}   (POST /xmpp, POST /v1/slots, GET /v1/info, GET /ejabberd, GET /healthz)
  secret         ${secret}   (kept in ${LOCAL_SECRET_FILE})
  S3             ${stack.s3Endpoint}/${LOCAL_BUCKET}   (strict SigV4, ${stack.cdnEndpoint === undefined ? `public GET under ${config.keyPrefix}` : 'private: anonymous reads refused'})
${
  stack.cdnEndpoint === undefined
    ? ''
    : `  CDN            ${stack.cdnEndpoint}   (downloads=cdn: the viewer-response function and the response headers of CloudFront)
`
}  DynamoDB       ${stack.dynamoEndpoint}
  domains        ${config.domains.join(', ')}   service JID ${config.serviceJid}

Try it:
  curl -s -X POST ${endpoint}/v1/slots -H "Authorization: Bearer ${secret}" \\
    -H 'Content-Type: application/json' \\
    -d '{"jid":"alice@${config.domains[0]}","filename":"hello.txt","size":6,"contentType":"text/plain"}'
  # then PUT the bytes to put.url with the headers in put.headers, and GET get.url:
  npm run cli -- upload README.md --jid alice@${config.domains[0]}
  npm run cli -- quota show alice@${config.domains[0]}
  npm run cli -- doctor
  # ejabberd's service_url and Prosody mod_rest's rest_callback_url for this stack:
  #   ${endpoint}/ejabberd/${secret}   ${endpoint}/xmpp/${secret}

Stop with Ctrl-C.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.error('stopping…');
  releaseDataDir();
  await stack.close();
  return EXIT.ok;
}
