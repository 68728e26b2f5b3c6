import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../lambda/http/function-url.ts';

/**
 * How the real Lambda entry loads its secret from a Secrets Manager stand-in that misbehaves the
 * way a real one can: it does not answer at all (a cold start must not hang until the Lambda
 * times out), and the secret has no AWSPREVIOUS version yet (a secret never rotated).
 */
const SECRET = 'lambda-secret-0123456789abcdef';
let secrets: Server;
let mode: 'hang' | 'current-only' = 'hang';
const held: import('node:http').ServerResponse[] = [];
let handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;
const logged: string[] = [];

beforeAll(async () => {
  secrets = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      if (mode === 'hang') {
        held.push(res);
        return;
      }
      const stage = (JSON.parse(body) as { VersionStage?: string }).VersionStage ?? 'AWSCURRENT';
      res.writeHead(stage === 'AWSCURRENT' ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify(
          stage === 'AWSCURRENT'
            ? { ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:upload', SecretString: SECRET, VersionStages: [stage] }
            : {
                __type: 'ResourceNotFoundException',
                Message: `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
              },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'ASIALAMBDAROLEEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'lambda-role-secret-access-key',
    AWS_SESSION_TOKEN: 'session-token-of-the-role',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
    UPLOAD_DOMAINS: 'example.org',
    UPLOAD_DAILY_QUOTA_BYTES: '0',
    UPLOAD_BUCKET: 'upload-bucket',
    UPLOAD_TABLE: 'unused',
    UPLOAD_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:upload',
  });
  ({ handler } = await import('../../lambda/slot.lambda.ts'));
});

afterAll(async () => {
  vi.restoreAllMocks();
  for (const res of held) res.destroy();
  secrets?.closeAllConnections();
  await new Promise((resolve) => secrets?.close(resolve));
});

const info = (): FunctionUrlEvent => ({
  rawPath: '/v1/info',
  headers: { authorization: `Bearer ${SECRET}` },
  requestContext: { domainName: 'abc.lambda-url.eu-west-1.on.aws', http: { method: 'GET' } },
});

describe('the secret load of the Lambda handler', () => {
  // Without a bound the first event waited for ever, and Lambda answered its own timeout (502).
  it('answers 503 "starting" with Retry-After when Secrets Manager does not answer, well before the Lambda timeout', {
    timeout: 9000,
  }, async () => {
    const result = await handler(info());

    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('5');
    expect(JSON.parse(result.body).error.condition).toBe('store-unavailable');
    expect(logged.join('\n')).toContain('cannot load the shared secret');
  });

  it('answers a stanza on /xmpp/<secret> while starting as mod_rest reads it: an IQ error, 503, no echo of the path', {
    timeout: 9000,
  }, async () => {
    const iq = "<iq id='s1' type='get' to='upload.example.org' from='alice@example.org/a'><ping xmlns='urn:xmpp:ping'/></iq>";

    const result = await handler({
      rawPath: `/xmpp/${SECRET}`,
      headers: { 'content-type': 'application/xmpp+xml' },
      body: iq,
      requestContext: { domainName: 'abc.lambda-url.eu-west-1.on.aws', http: { method: 'POST' } },
    });

    expect(result.statusCode).toBe(503);
    expect(result.headers['content-type']).toContain('application/xmpp+xml');
    expect(result.body).toContain('<error type="wait"><internal-server-error');
    expect(result.body).toContain('id="s1"');
    expect(result.body).not.toContain(SECRET);
  });

  it('loads again on the next event, and works without an AWSPREVIOUS version', async () => {
    mode = 'current-only';

    const result = await handler(info());

    expect(result.statusCode).toBe(200);
    expect(logged.join('\n')).not.toContain(SECRET);
  });
});
