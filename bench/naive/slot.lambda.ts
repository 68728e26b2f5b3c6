/**
 * The naive slot Lambda the cold-start benchmark compares against: the same job as lambda/slot.lambda.ts
 * for `POST /v1/slots` (secret from Secrets Manager once per cold start, bearer check, a conditional daily
 * quota write in DynamoDB, a presigned PUT, a public GET URL), written the way the SDK documentation
 * suggests — `S3Client` + `getSignedUrl`, `DynamoDBClient`, `SecretsManagerClient`. Benchmark code only:
 * it is bundled exactly like the real handler and never deployed.
 */
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

interface UrlEvent {
  readonly rawPath: string;
  readonly headers?: Record<string, string | undefined>;
  readonly body?: string;
  readonly requestContext: { readonly http: { readonly method: string } };
}

const env = process.env;
const bucket = env.UPLOAD_BUCKET ?? '';
const table = env.UPLOAD_TABLE ?? '';
const maxBytes = Number(env.UPLOAD_MAX_FILE_SIZE_BYTES ?? 104_857_600);
const dailyBytes = Number(env.UPLOAD_DAILY_QUOTA_BYTES ?? maxBytes * 10);
const s3 = new S3Client({ requestChecksumCalculation: 'WHEN_REQUIRED' });
const dynamo = new DynamoDBClient({});
let secret: Promise<string | undefined> | undefined;

const reply = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
  isBase64Encoded: false,
});

/** Charges one day bucket per user: a naive fixed-window counter, one conditional UpdateItem. */
async function charge(jid: string, size: number): Promise<boolean> {
  if (dailyBytes === 0) return true;
  const day = new Date().toISOString().slice(0, 10);
  try {
    await dynamo.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { pk: { S: `naive#${jid}#${day}` } },
        UpdateExpression: 'ADD usedBytes :size',
        ConditionExpression: 'attribute_not_exists(usedBytes) OR usedBytes <= :room',
        ExpressionAttributeValues: { ':size': { N: String(size) }, ':room': { N: String(dailyBytes - size) } },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export async function handler(event: UrlEvent) {
  secret ??= new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: env.UPLOAD_SECRET_ARN })).then((r) => r.SecretString);
  const expected = await secret;
  if (event.requestContext.http.method !== 'POST' || event.rawPath !== '/v1/slots') return reply(404, { error: 'not found' });
  if (expected === undefined || event.headers?.authorization !== `Bearer ${expected}`) return reply(401, { error: 'unauthorized' });
  const { jid, filename, size, contentType } = JSON.parse(event.body ?? '{}') as Record<string, unknown>;
  if (typeof jid !== 'string' || typeof filename !== 'string' || typeof size !== 'number' || size <= 0 || filename.includes('/')) {
    return reply(400, { error: 'bad request' });
  }
  if (size > maxBytes) return reply(413, { error: 'file too large' });
  const bare = jid.split('/')[0] ?? jid;
  if (!(await charge(bare, size))) return reply(429, { error: 'quota exceeded' });
  const key = `uploads/${randomUUID()}/${filename}`;
  const type = typeof contentType === 'string' && contentType !== '' ? contentType : undefined;
  const command = new PutObjectCommand({ Bucket: bucket, Key: key, ContentLength: size, ContentType: type });
  const url = await getSignedUrl(s3, command, { expiresIn: 300, signableHeaders: new Set(['content-type', 'content-length']) });
  const region = await s3.config.region();
  const get = `https://${bucket}.s3.${region}.amazonaws.com/${key.split('/').map(encodeURIComponent).join('/')}`;
  const headers: Record<string, string> = { 'Content-Length': String(size), ...(type === undefined ? {} : { 'Content-Type': type }) };
  return reply(201, { put: { url, headers }, get: { url: get }, key, expiresAt: new Date(Date.now() + 300_000).toISOString() });
}
