/**
 * The DynamoDB client of the quota store and the few error rules every quota operation
 * shares. Timeouts are short and retries few on purpose: a slot request waits for the store,
 * and an unreachable store must answer `store-unavailable` within the operation's deadline
 * (lambda/adapters/quota-deadline.ts), not hang until the Lambda or the XMPP client gives up.
 */
import { type AttributeValue, DynamoDBClient, type DynamoDBClientConfig, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SlotError } from '../core/errors.ts';
import { storeUnavailable } from '../core/quota.ts';
import { type Deadline, isSpent } from './quota-deadline.ts';
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
  /** Reuse connections; false opens one per request (the fault tests aim a fault at one request). @default true */
  readonly keepAlive?: boolean;
}

/** Fixed dummy credentials for a local endpoint (dynalite): it checks none, but the SDK insists on signing. */
export const LOCAL_DYNAMO_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** A DynamoDB client tuned to fail fast: 500 ms to connect, 1 s per attempt, 2 attempts. */
export function createQuotaDynamoClient(options: QuotaClientOptions = {}): DynamoDBClient {
  const requestTimeout = options.requestTimeoutMs ?? 1000;
  const agent = { keepAlive: options.keepAlive ?? true, maxSockets: 128 };
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

/** Rounds per operation (conflicts and transient failures together) before giving up. */
export const MAX_ATTEMPTS = 8;
/** Below this much time left a failed round is not run again: its calls could not finish. */
const MIN_ROUND_MS = 200;
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/** A store failure that running the operation again cannot cure (budget spent, contention). */
class FinalStoreFailure extends Error {
  override readonly name = 'FinalStoreFailure';
}

/** The failure of an operation whose deadline passed: nothing more is sent. */
function budgetSpent(deadline: Deadline, cause?: unknown): SlotError {
  const text = `quota store budget of ${deadline.budgetMs} ms spent`;
  return storeUnavailable(new FinalStoreFailure(text, cause === undefined ? undefined : { cause }));
}

/**
 * Whether a store failure may pass by itself: no answer from DynamoDB at all (reset, refused,
 * timed out), throttling, or a 5xx. A 4xx such as a ValidationException never does.
 */
export function isTransientFailure(error: unknown): boolean {
  if (!(error instanceof SlotError) || error.condition !== 'store-unavailable') return false;
  const cause = error.cause as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (cause === undefined || cause instanceof FinalStoreFailure) return false;
  const status = cause.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || THROTTLING.has(cause.name ?? '');
}

/** Random back-off between optimistic retries: up to 5 ms × 2^attempt, capped at 100 ms and by the deadline. */
export function backoff(attempt: number, deadline: Deadline, minMs = 0): Promise<void> {
  const ms = Math.min(Math.max(0, deadline.remainingMs()), minMs + Math.random() * Math.min(100, 5 * 2 ** attempt));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `step` until it reports done (true), backing off after each conflict (false) and after
 * each transient store failure: every step is idempotent per slot id, so running it again after
 * a failure whose write may have been applied charges nothing twice. Running out of rounds or of
 * time is a store failure: answering `store-unavailable` is safe, granting unaccounted is not,
 * and running into the Lambda timeout would refund nothing.
 */
export async function retryOnConflict(step: (attempt: number) => Promise<boolean>, deadline: Deadline): Promise<void> {
  let failure: unknown;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (isSpent(deadline)) throw failure ?? budgetSpent(deadline);
    try {
      if (await step(attempt)) return;
      await backoff(attempt, deadline);
    } catch (error) {
      if (!isTransientFailure(error) || deadline.remainingMs() < MIN_ROUND_MS) throw error;
      failure = error;
      await backoff(attempt, deadline, 20);
    }
  }
  throw failure ?? storeUnavailable(new FinalStoreFailure(`quota item still contended after ${MAX_ATTEMPTS} attempts`));
}

/**
 * Runs a DynamoDB call under `deadline` (its abort signal goes to the SDK, which then stops its
 * own retries too); any failure but a failed condition becomes `store-unavailable`.
 */
export async function storeCall<T>(call: (abortSignal: AbortSignal) => Promise<T>, deadline: Deadline): Promise<T> {
  if (isSpent(deadline)) throw budgetSpent(deadline);
  try {
    return await call(deadline.signal);
  } catch (error) {
    if (isConditionFailed(error)) throw error;
    throw isSpent(deadline) ? budgetSpent(deadline, error) : storeUnavailable(error);
  }
}

/** Runs a conditional write: true when it was applied, false when its condition did not hold. */
export async function conditionalWrite(call: (abortSignal: AbortSignal) => Promise<unknown>, deadline: Deadline): Promise<boolean> {
  try {
    await storeCall(call, deadline);
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
 * `version` was read (0: the item must not exist yet); false when someone did. Sent again by the
 * SDK after it was applied, it finds a newer version and fails: a rewrite never applies twice.
 */
export function putIfVersion(
  client: DynamoDBClient,
  tableName: string,
  item: Record<string, AttributeValue>,
  version: number,
  deadline: Deadline,
): Promise<boolean> {
  const command = new PutItemCommand({
    TableName: tableName,
    Item: { ...item, v: n(version + 1) },
    ConditionExpression: version === 0 ? 'attribute_not_exists(#pk)' : '#v = :v',
    ExpressionAttributeNames: version === 0 ? { '#pk': QUOTA_PARTITION_KEY } : { '#v': 'v' },
    ...(version === 0 ? {} : { ExpressionAttributeValues: { ':v': n(version) } }),
  });
  return conditionalWrite((abortSignal) => client.send(command, { abortSignal }), deadline);
}
