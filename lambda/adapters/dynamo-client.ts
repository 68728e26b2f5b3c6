/**
 * The DynamoDB client of the quota store and the few error rules every quota operation
 * shares. Timeouts are short and retries few on purpose: a slot request waits for the store,
 * and an unreachable store must answer `store-unavailable` within about two seconds, not hang
 * until the XMPP client gives up.
 */
import { type AttributeValue, DynamoDBClient, type DynamoDBClientConfig, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { storeUnavailable } from '../core/quota.ts';
import { QUOTA_PARTITION_KEY } from './quota-table.ts';

export interface QuotaClientOptions {
  readonly region?: string;
  /** A local endpoint (dynalite); absent for AWS. */
  readonly endpoint?: string;
  readonly credentials?: DynamoDBClientConfig['credentials'];
  /** Per attempt, connect plus response; connecting may take half of it. @default 1000 */
  readonly requestTimeoutMs?: number;
  /** Attempts per call, the first included (the SDK retries throttling and network errors). @default 2 */
  readonly maxAttempts?: number;
}

/** Fixed dummy credentials for a local endpoint (dynalite): it checks none, but the SDK insists on signing. */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** A DynamoDB client tuned to fail fast: 500 ms to connect, 1 s per attempt, 2 attempts. */
export function createQuotaDynamoClient(options: QuotaClientOptions = {}): DynamoDBClient {
  const requestTimeout = options.requestTimeoutMs ?? 1000;
  const agent = { keepAlive: true, maxSockets: 128 };
  return new DynamoDBClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: Math.ceil(requestTimeout / 2),
      requestTimeout,
      throwOnRequestTimeout: true,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
}

/** Whether a DynamoDB call failed only because its condition did not hold (the item changed or is full). */
export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Optimistic writes per admission before giving up; beyond this, contention is pathological. */
export const MAX_ATTEMPTS = 8;

/** Random back-off between optimistic retries: up to 5 ms × 2^attempt, capped at 100 ms. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(100, 5 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `step` until it reports done (true), backing off after each conflict (false). Running
 * out of attempts is a store failure: answering `store-unavailable` is safe, granting
 * unaccounted is not.
 */
export async function retryOnConflict(step: (attempt: number) => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (await step(attempt)) return;
    await backoff(attempt);
  }
  throw storeUnavailable(new Error(`quota item still contended after ${MAX_ATTEMPTS} attempts`));
}

/** Runs a DynamoDB call; any failure but a failed condition becomes `store-unavailable`. */
export async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isConditionFailed(error)) throw error;
    throw storeUnavailable(error);
  }
}

/** Runs a conditional write: true when it was applied, false when its condition did not hold. */
export async function conditionalWrite(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await storeCall(call);
    return true;
  } catch (error) {
    if (isConditionFailed(error)) return false;
    throw error;
  }
}

/** A number attribute. */
export const n = (value: number): AttributeValue => ({ N: String(value) });

/**
 * Replaces a whole item, stamped with version `version + 1`, if nobody wrote it since
 * `version` was read (0: the item must not exist yet); false when someone did.
 */
export function putIfVersion(
  client: DynamoDBClient,
  tableName: string,
  item: Record<string, AttributeValue>,
  version: number,
): Promise<boolean> {
  const command = new PutItemCommand({
    TableName: tableName,
    Item: { ...item, v: n(version + 1) },
    ConditionExpression: version === 0 ? 'attribute_not_exists(#pk)' : '#v = :v',
    ExpressionAttributeNames: version === 0 ? { '#pk': QUOTA_PARTITION_KEY } : { '#v': 'v' },
    ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': n(version) } }),
  });
  return conditionalWrite(() => client.send(command));
}
