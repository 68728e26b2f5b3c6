import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionUrlEvent, FunctionUrlResult } from '../../lambda/http/function-url.ts';
import { type LocalDynamo, startDynamo } from '../../local/dynamo.ts';

/**
 * The real Lambda entry (`lambda/slot.lambda.ts`) with its real AWS SDK clients, pointed by the
 * SDK's service-specific endpoint variables at dynalite and at a stand-in Secrets Manager.
 */
const SECRET = 'lambda-secret-0123456789abcdef';
const PREVIOUS = 'lambda-previous-secret-0123456789';
const TABLE = 'quota-lambda-test';
let dynamo: LocalDynamo;
let secrets: Server;
const stagesAsked: string[] = [];
let handler: (event: FunctionUrlEvent) => Promise<FunctionUrlResult>;

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: TABLE });
  secrets = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const stage = (JSON.parse(body) as { VersionStage?: string }).VersionStage ?? 'AWSCURRENT';
      stagesAsked.push(stage);
      res.writeHead(target === 'secretsmanager.GetSecretValue' ? 200 : 400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:upload',
          Name: 'upload',
          SecretString: stage === 'AWSPREVIOUS' ? PREVIOUS : SECRET,
          VersionStages: [stage],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => secrets.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'ASIALAMBDAROLEEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'lambda-role-secret-access-key',
    AWS_SESSION_TOKEN: 'session-token-of-the-role',
    AWS_LAMBDA_FUNCTION_NAME: 'upload-fn',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secrets.address() as AddressInfo).port}`,
    UPLOAD_DOMAINS: 'example.org',
    UPLOAD_MAX_FILE_SIZE_BYTES: '1000',
    UPLOAD_DAILY_QUOTA_BYTES: '1500',
    UPLOAD_BUCKET: 'upload-bucket',
    UPLOAD_TABLE: TABLE,
    UPLOAD_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:upload',
  });
  ({ handler } = await import('../../lambda/slot.lambda.ts'));
});

afterAll(async () => {
  await dynamo?.close();
  await new Promise((resolve) => secrets?.close(resolve));
});

const event = (path: string, body?: string, headers: Record<string, string> = {}): FunctionUrlEvent => ({
  rawPath: path,
  rawQueryString: '',
  headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json', ...headers },
  requestContext: { domainName: 'abc.lambda-url.eu-west-1.on.aws', http: { method: body === undefined ? 'GET' : 'POST' } },
  ...(body === undefined ? {} : { body: Buffer.from(body).toString('base64'), isBase64Encoded: true }),
});

const slotRequest = (size: number) =>
  JSON.stringify({ jid: 'alice@example.org/phone', filename: 'a b.png', size, contentType: 'image/png' });

describe('the Lambda handler', () => {
  it('grants a slot presigned with the role credentials, session token included', async () => {
    const result = await handler(event('/v1/slots', slotRequest(800)));

    expect(result.statusCode).toBe(201);
    const slot = JSON.parse(result.body);
    const put = new URL(slot.put.url);
    expect(put.host).toBe('upload-bucket.s3.eu-west-1.amazonaws.com');
    expect(put.pathname).toMatch(/^\/uploads\/message\/[0-9a-f-]{36}\/a%20b\.png$/);
    expect(put.searchParams.get('X-Amz-Security-Token')).toBe('session-token-of-the-role');
    expect(put.searchParams.get('X-Amz-Credential')).toMatch(/^ASIALAMBDAROLEEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(put.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
    expect([...put.searchParams.keys()].some((k) => k.toLowerCase().includes('checksum'))).toBe(false);
    expect(slot.get.url).toBe(`https://upload-bucket.s3.eu-west-1.amazonaws.com${put.pathname}`);
  });

  it('charges the quota in DynamoDB: the next slot over 1500 bytes a day is refused with a retry time', async () => {
    const result = await handler(event('/v1/slots', slotRequest(800)));

    expect(result.statusCode).toBe(429);
    expect(Number(result.headers['retry-after'])).toBeGreaterThan(86_000);
    expect(JSON.parse(result.body).error.condition).toBe('quota-exceeded');
  });

  it('reads the secret once per cold start: its current and its previous version', async () => {
    await handler(event('/v1/info'));
    await handler(event('/healthz'));

    expect(stagesAsked.sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  });

  it('accepts the previous version (AWSPREVIOUS) as well, so a rotation has no 401 window', async () => {
    const header = await handler(event('/v1/info', undefined, { authorization: `Bearer ${PREVIOUS}` }));
    const ping = `<iq type='get' id='p1' from='alice@example.org/phone' to='upload.example.org'><ping xmlns='urn:xmpp:ping'/></iq>`;
    const path = await handler(event(`/xmpp/${PREVIOUS}`, ping, { authorization: '', 'content-type': 'application/xmpp+xml' }));
    const other = await handler(event('/v1/info', undefined, { authorization: 'Bearer some-older-secret-0123456789' }));

    expect([header.statusCode, path.statusCode, other.statusCode]).toEqual([200, 200, 401]);
  });

  it('shows the secret of GET /xmpp/<secret> nowhere: not in the answer, not in a log line', async () => {
    const lines: string[] = [];
    const spies = [process.stdout, process.stderr].map((stream) =>
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0),
    );
    const errors = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
    try {
      const result = await handler(event(`/xmpp/${SECRET}`, undefined, { authorization: '' }));

      expect(result.statusCode).toBe(405);
      expect(JSON.stringify(result)).not.toContain(SECRET);
      expect(lines.join('\n')).toContain('GET /xmpp/:secret');
      expect(lines.join('\n')).not.toContain(SECRET);
    } finally {
      for (const spy of [...spies, errors]) spy.mockRestore();
    }
  });

  it('writes one line per slot to stdout: the ledger entry, its metrics and the quota-store latency', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => lines.push(String(chunk)) > 0);
    let result: Awaited<ReturnType<typeof handler>>;
    try {
      result = await handler(
        event('/v1/slots', JSON.stringify({ jid: 'Bob@example.org/desk', filename: 'b.txt', size: 5, contentType: 'text/plain' })),
      );
    } finally {
      spy.mockRestore();
    }

    expect(result.statusCode).toBe(201);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '');
    const { key } = JSON.parse(result.body);
    expect(line).toMatchObject({
      outcome: 'granted',
      jid: 'bob@example.org',
      key,
      slotId: key.split('/').at(-2), // uploads/<purpose>/<uuid>/<name>
      sizeBytes: 5,
      contentType: 'text/plain',
      purpose: 'message',
      Service: 'upload-fn',
      SlotsGranted: 1,
    });
    expect(Date.parse(line.putExpiresAt) - Date.parse(line.grantedAt)).toBe(300_000);
    expect(typeof line.QuotaStoreLatency).toBe('number');
  });

  it('refuses a wrong secret', async () => {
    const result = await handler(event('/v1/info', undefined, { authorization: 'Bearer wrong-secret-000000000' }));

    expect(result.statusCode).toBe(401);
  });
});
