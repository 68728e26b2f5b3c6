/**
 * The Lambda entry behind the Function URL: reads the configuration once at cold start (a bad
 * value fails the init, naming the key), the secret once from Secrets Manager, and hands each
 * event to the same routes the local stack serves.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { loadSecrets } from './adapters/secret.ts';
import { wireSlotService } from './adapters/wire-slot-service.ts';
import { configFromEnv, parseConfig } from './core/config.ts';
import { quotaLatencyLine, requestLine } from './http/emf.ts';
import { type FunctionUrlEvent, type FunctionUrlResult, toRequest, toResult } from './http/function-url.ts';
import { createRoutes } from './http/routes.ts';
import { startingResponse } from './http/starting.ts';

const env = process.env;
const config = parseConfig(configFromEnv(env));
const region = required('AWS_REGION');
const service = env.AWS_LAMBDA_FUNCTION_NAME ?? 'xmpp-s3-upload';
// EMF lines must reach stdout unprefixed for CloudWatch to extract the metrics.
const write = (line: string) => process.stdout.write(`${line}\n`);

const { requestSlot } = wireSlotService({
  config,
  region,
  bucket: required('UPLOAD_BUCKET'),
  tableName: required('UPLOAD_TABLE'),
  s3Credentials: fromEnv(),
  onQuotaCall: (ms) => write(quotaLatencyLine(ms, service, new Date())),
});

let routes: Promise<(request: Request) => Promise<Response>> | undefined;

/** The routes, once the secret is loaded; a failed load is retried by the next event. */
function ready(): Promise<(request: Request) => Promise<Response>> {
  routes ??= loadSecrets(required('UPLOAD_SECRET_ARN'), region).then(
    (secrets) =>
      createRoutes({
        config,
        secret: secrets.current,
        previousSecret: secrets.previous,
        requestSlot,
        now: () => new Date(),
        log: (record) => write(requestLine(record, service, new Date())),
      }),
    (error: unknown) => {
      routes = undefined;
      throw error;
    },
  );
  return routes;
}

// Start reading the secret during init, so its round trip overlaps the rest of the cold start.
ready().catch(() => undefined);

export async function handler(event: FunctionUrlEvent): Promise<FunctionUrlResult> {
  const serve = await ready().catch((error: unknown) => {
    console.error(JSON.stringify({ level: 'error', message: 'cannot load the shared secret', cause: String(error) }));
    return undefined;
  });
  if (serve === undefined) return toResult(await startingResponse(toRequest(event), config.serviceJid));
  return toResult(await serve(toRequest(event)));
}

function required(name: string): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}
