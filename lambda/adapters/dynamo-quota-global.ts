/**
 * The global quota item. Layout (docs/quotas.md, Item layout): `pk = global#`, one number attribute
 * `b<bucket index>` per time bucket (lambda/core/quota-buckets.ts), `tot` their sum, `old` the
 * oldest bucket index, `v` a version, `expiresAt` the TTL.
 *
 * Every slot of every user goes through this one item, so the fast path must not conflict:
 * a single conditional UpdateItem `ADD`s the bytes, allowed only while `tot` is exact (no
 * bucket has left the window) and leaves room. DynamoDB serialises writes to an item, so
 * concurrent admissions can never overshoot. Pruning takes a read and a version-conditioned
 * rewrite, about once per bucket length.
 */
import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { QuotaCharge } from '../core/ports.ts';
import { quotaRefusal } from '../core/quota.ts';
import { type Bucket, bucketCounted, bucketIndex, bucketMsFor, liveBuckets, oldestCountedBucket } from '../core/quota-buckets.ts';
import { fitWithin } from '../core/quota-window.ts';
import { conditionalWrite, n, putIfVersion, retryOnConflict, storeCall } from './dynamo-client.ts';
import { GLOBAL_ITEM_KEY, QUOTA_PARTITION_KEY, QUOTA_TTL_ATTRIBUTE } from './quota-table.ts';

const KEY = { [QUOTA_PARTITION_KEY]: { S: GLOBAL_ITEM_KEY } };
const BUCKET_ATTRIBUTE = /^b(\d+)$/;

/** The global item as read: its buckets and version (0 when there is no item). */
export interface GlobalRecord {
  readonly buckets: Bucket[];
  readonly version: number;
}

/** The global item of one table, enforcing `quotaBytes` within `windowMs`. */
export class GlobalQuotaItem {
  readonly bucketMs: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly quotaBytes: number,
    readonly windowMs: number,
  ) {
    this.bucketMs = bucketMsFor(windowMs);
  }

  /** Charges a slot. @throws SlotError `quota-exceeded` or `store-unavailable`. */
  async charge(charge: QuotaCharge): Promise<void> {
    const nowMs = charge.now.getTime();
    const size = charge.sizeBytes;
    await retryOnConflict(async () => {
      if (await this.add(nowMs, size)) return true;
      const record = await this.read();
      const live = liveBuckets(record.buckets, nowMs, this.windowMs, this.bucketMs);
      const fit = fitWithin(this.counted(live), size, this.quotaBytes, nowMs);
      if (!fit.fits) throw quotaRefusal('global', fit, this.quotaBytes);
      const index = bucketIndex(nowMs, this.bucketMs);
      const current = live.find((b) => b.index === index)?.bytes ?? 0;
      const buckets = [...live.filter((b) => b.index !== index), { index, bytes: current + size }];
      return await this.rewrite(record.version, buckets, nowMs);
    });
  }

  /** Takes a charge back from its bucket; nothing to do once the bucket has been pruned. */
  async refund(charge: QuotaCharge): Promise<void> {
    const bucket = `b${bucketIndex(charge.now.getTime(), this.bucketMs)}`;
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: KEY,
      UpdateExpression: 'ADD #tot :minus, #bk :minus, #v :one',
      ConditionExpression: 'attribute_exists(#bk) AND #bk >= :b',
      ExpressionAttributeNames: { '#tot': 'tot', '#bk': bucket, '#v': 'v' },
      ExpressionAttributeValues: { ':minus': n(-charge.sizeBytes), ':b': n(charge.sizeBytes), ':one': n(1) },
    });
    await conditionalWrite(() => this.client.send(command));
  }

  /** The item, read consistently. */
  async read(): Promise<GlobalRecord> {
    const { Item } = await storeCall(() =>
      this.client.send(new GetItemCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true })),
    );
    const buckets: Bucket[] = [];
    for (const [name, value] of Object.entries(Item ?? {})) {
      const match = BUCKET_ATTRIBUTE.exec(name);
      if (match?.[1] !== undefined) buckets.push({ index: Number(match[1]), bytes: Number(value.N) });
    }
    return { buckets, version: Number(Item?.v?.N ?? 0) };
  }

  /** The buckets as window entries. */
  counted(buckets: readonly Bucket[]) {
    return buckets.map((b) => bucketCounted(b, this.windowMs, this.bucketMs));
  }

  /** Deletes the item: every global charge is forgotten. */
  async reset(): Promise<void> {
    await storeCall(() => this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: KEY })));
  }

  private ttl(buckets: readonly Bucket[], nowMs: number): AttributeValue {
    const newest = Math.max(bucketIndex(nowMs, this.bucketMs), ...buckets.map((b) => b.index));
    return n(Math.ceil(((newest + 1) * this.bucketMs + this.windowMs) / 1000) + 3600);
  }

  /** The fast path: false when the condition failed (full, or a bucket to prune). */
  private async add(nowMs: number, size: number): Promise<boolean> {
    const index = bucketIndex(nowMs, this.bucketMs);
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: KEY,
      UpdateExpression: 'SET #old = if_not_exists(#old, :k), #ttl = :ttl ADD #tot :b, #bk :b, #v :one',
      ConditionExpression: 'attribute_not_exists(#tot) OR (#tot <= :limit AND (attribute_not_exists(#old) OR #old >= :cutoff))',
      ExpressionAttributeNames: { '#old': 'old', '#ttl': QUOTA_TTL_ATTRIBUTE, '#tot': 'tot', '#bk': `b${index}`, '#v': 'v' },
      ExpressionAttributeValues: {
        ':k': n(index),
        ':ttl': this.ttl([], nowMs),
        ':b': n(size),
        ':one': n(1),
        ':limit': n(this.quotaBytes - size),
        ':cutoff': n(oldestCountedBucket(nowMs, this.windowMs, this.bucketMs)),
      },
    });
    return conditionalWrite(() => this.client.send(command));
  }

  /** Replaces the item if nobody wrote it since `version` was read; false otherwise. */
  private async rewrite(version: number, buckets: readonly Bucket[], nowMs: number): Promise<boolean> {
    const item: Record<string, AttributeValue> = {
      ...KEY,
      tot: n(buckets.reduce((sum, b) => sum + b.bytes, 0)),
      [QUOTA_TTL_ATTRIBUTE]: this.ttl(buckets, nowMs),
    };
    for (const b of buckets) item[`b${b.index}`] = n(b.bytes);
    if (buckets.length > 0) item.old = n(Math.min(...buckets.map((b) => b.index)));
    return putIfVersion(this.client, this.tableName, item, version);
  }
}
