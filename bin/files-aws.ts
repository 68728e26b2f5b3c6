/**
 * The `files` commands' adapters on AWS: the ledger in CloudWatch Logs (Logs Insights StartQuery /
 * GetQueryResults; takedowns with PutLogEvents into the function's own log group), the bucket in
 * S3 (HeadObject, DeleteObject), the cache of `cdn` mode in CloudFront (CreateInvalidation). The
 * S3 adapter also serves the local stack, against its strict S3. Every right they use is in the
 * stack's operator policy (lib/operator-policy.ts), and an AccessDenied says so.
 */
import { type CloudWatchLogsClient, GetQueryResultsCommand, PutLogEventsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';
import { encodeKey } from '../lambda/core/keys.ts';
import { EXIT } from './cli-common.ts';
import type { CdnCache, Ledger, ObjectInfo, ObjectStore } from './files-ports.ts';
import { FilesError } from './files-ports.ts';
import {
  INSIGHTS_MAX_ROWS,
  type InsightsRow,
  insightsQuery,
  type LedgerQuery,
  type LedgerRecord,
  matches,
  recordOf,
  rowFields,
  TAKEDOWN_STREAM,
  takedownLine,
} from './ledger.ts';

/** The operator policy's output, named in every AccessDenied. */
const POLICY_HINT = 'attach the managed policy of the stack output OperatorPolicyArn to your IAM user or role';

/** An SDK failure in the operator's words: no credentials, no right, or the call's own message. */
export function describeAwsError(error: unknown, action: string): FilesError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(message)) {
    return new FilesError(
      `${action}: no AWS credentials (${message}). Set AWS_PROFILE or the AWS_* variables of an operator allowed by OperatorPolicyArn.`,
      EXIT.denied,
    );
  }
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || status === 403) {
    return new FilesError(`${action}: access denied (${name || 'HTTP 403'}): ${POLICY_HINT}`, EXIT.denied);
  }
  if (name === 'ResourceNotFoundException' || name === 'NoSuchBucket') {
    return new FilesError(`${action}: ${message} (is the outputs file of the stack in this region?)`, EXIT.usage);
  }
  return new FilesError(`${action}: ${name ? `${name}: ` : ''}${message}`, EXIT.unreachable);
}

export interface InsightsOptions {
  readonly logGroupName: string;
  readonly client: CloudWatchLogsClient;
  /** @default 1000 ms */
  readonly pollMs?: number;
  /** @default 120 s */
  readonly timeoutMs?: number;
  readonly now?: () => Date;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One Logs Insights query over [start, end] (epoch seconds), polled to completion. */
async function runQuery(options: InsightsOptions, queryString: string, start: number, end: number): Promise<InsightsRow[]> {
  const { client } = options;
  const started = await client.send(
    new StartQueryCommand({ logGroupName: options.logGroupName, queryString, startTime: start, endTime: end, limit: INSIGHTS_MAX_ROWS }),
  );
  const queryId = started.queryId;
  if (queryId === undefined) throw new Error('StartQuery returned no query id');
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    const result = await client.send(new GetQueryResultsCommand({ queryId }));
    if (result.status === 'Complete') return (result.results ?? []) as InsightsRow[];
    if (result.status === 'Failed' || result.status === 'Cancelled' || result.status === 'Timeout') {
      throw new Error(`the Logs Insights query ended ${result.status}`);
    }
    if (Date.now() > deadline) throw new Error(`the Logs Insights query ${queryId} did not finish in time`);
    await sleep(options.pollMs ?? 1000);
  }
}

/**
 * Every record of a query, across Logs Insights' row limit: a full page is followed by the same
 * query up to its oldest row's second, and rows seen twice (same `@ptr`) are dropped.
 */
export async function queryLedger(
  options: InsightsOptions,
  query: LedgerQuery,
  run: (q: string, start: number, end: number) => Promise<InsightsRow[]> = (q, s, e) => runQuery(options, q, s, e),
): Promise<LedgerRecord[]> {
  const queryString = insightsQuery(query);
  const start = 'since' in query && query.since !== undefined ? Math.floor(query.since.getTime() / 1000) : 0;
  let end = Math.ceil((options.now?.() ?? new Date()).getTime() / 1000);
  const seen = new Set<string>();
  const records: LedgerRecord[] = [];
  for (;;) {
    const rows = await run(queryString, start, end);
    let oldest = end;
    for (const row of rows) {
      const fields = rowFields(row);
      const ptr = fields['@ptr'];
      if (ptr !== undefined) {
        if (seen.has(ptr)) continue;
        seen.add(ptr);
      }
      const at = Date.parse(`${(fields['@timestamp'] ?? '').replace(' ', 'T')}Z`);
      if (!Number.isNaN(at)) oldest = Math.min(oldest, Math.floor(at / 1000));
      const record = recordOf(fields);
      if (record !== undefined && matches(record, query)) records.push(record);
    }
    if (rows.length < INSIGHTS_MAX_ROWS || oldest <= start || oldest >= end) return records;
    end = oldest;
  }
}

/** The ledger in the function's log group; takedowns go to the stream the stack made for them (no logs:CreateLogStream). */
export function insightsLedger(options: InsightsOptions): Ledger {
  const { client, logGroupName } = options;
  return {
    async find(query) {
      try {
        return await queryLedger(options, query);
      } catch (error) {
        throw describeAwsError(error, `querying the ledger in ${logGroupName}`);
      }
    },
    async record(takedown) {
      try {
        await client.send(
          new PutLogEventsCommand({
            logGroupName,
            logStreamName: TAKEDOWN_STREAM,
            logEvents: [{ timestamp: takedown.takenDownAt.getTime(), message: takedownLine(takedown) }],
          }),
        );
      } catch (error) {
        throw describeAwsError(error, `recording the takedown of ${takedown.key} in ${logGroupName}`);
      }
    },
  };
}

export interface S3StoreOptions {
  readonly bucket: string;
  readonly region: string;
  /** A local S3 (path-style); absent: AWS. */
  readonly endpoint?: string;
  /** Static keys (the local stack's); absent: the default provider chain. */
  readonly credentials?: AwsCredentialIdentity;
}

/**
 * The upload bucket. Whether a key is stored is asked with ListObjectsV2 on the key as prefix,
 * which the operator policy's prefix-conditioned s3:ListBucket allows (a HEAD of a missing key
 * answers 403 rather than 404 when S3 cannot match that condition); a stored key is then read
 * with HeadObject for its type.
 */
export function s3Store(options: S3StoreOptions): ObjectStore & { close(): void } {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint, forcePathStyle: true }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const where = `s3://${options.bucket}`;
  return {
    async head(key): Promise<ObjectInfo | undefined> {
      try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: options.bucket, Prefix: key, MaxKeys: 1 }));
        if (listed.Contents?.[0]?.Key !== key) return undefined;
        const head = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }));
        return { sizeBytes: head.ContentLength ?? 0, contentType: head.ContentType, lastModified: head.LastModified };
      } catch (error) {
        const name = (error as Error).name;
        if (
          name === 'NotFound' ||
          name === 'NoSuchKey' ||
          (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
        )
          return undefined;
        throw describeAwsError(error, `reading ${where}/${key}`);
      }
    },
    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
      } catch (error) {
        throw describeAwsError(error, `deleting ${where}/${key}`);
      }
    },
    close: () => client.destroy(),
  };
}

/** CloudFront invalidation paths of keys: `/<key>`, each segment percent-encoded as in the GET URL. */
export function invalidationPaths(keys: readonly string[]): string[] {
  return [...new Set(keys.map((key) => `/${encodeKey(key)}`))];
}

/** `cdn` mode's cache: one invalidation for all the keys of a command. */
export async function cloudFrontCache(distributionId: string, region: string): Promise<CdnCache & { close(): void }> {
  const { CloudFrontClient, CreateInvalidationCommand } = await import('@aws-sdk/client-cloudfront');
  const client = new CloudFrontClient({ region });
  return {
    async invalidate(keys) {
      const paths = invalidationPaths(keys);
      if (paths.length === 0) return 'nothing to invalidate';
      try {
        const answer = await client.send(
          new CreateInvalidationCommand({
            DistributionId: distributionId,
            InvalidationBatch: {
              CallerReference: `xmpp-s3-upload-${Date.now()}-${paths.length}`,
              Paths: { Quantity: paths.length, Items: paths },
            },
          }),
        );
        return `CloudFront invalidation ${answer.Invalidation?.Id ?? '(no id)'} of ${paths.length} path(s) on ${distributionId}`;
      } catch (error) {
        throw describeAwsError(error, `invalidating ${paths.length} path(s) on the distribution ${distributionId}`);
      }
    },
    close: () => client.destroy(),
  };
}
