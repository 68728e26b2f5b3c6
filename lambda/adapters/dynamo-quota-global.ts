/**
 * The global quota item. Layout (docs/quotas.md, Item layout): `pk = global#`, one number
 * attribute `b<bucket index>` per time bucket (lambda/core/quota-buckets.ts), `tot` their sum,
 * `old` the oldest bucket index, `m0`…`m3` string sets marking the slots charged in the last
 * seconds (lambda/adapters/quota-marks.ts), `v` a version, `expiresAt` the TTL.
 *
 * Every slot of every user goes through this one item, so the fast path must not conflict:
 * a single conditional UpdateItem `ADD`s the bytes and the slot's mark, allowed only while `tot` is
 * exact (no bucket has left the window), leaves room, and the slot is not marked yet. DynamoDB
 * serialises writes to an item, so concurrent admissions can never overshoot, and a copy of an
 * applied write that the SDK sends again finds its mark and changes nothing. Pruning takes a read
 * and a version-conditioned rewrite, about once per bucket length.
 */
import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { QuotaCharge } from '../core/ports.ts';
import { quotaRefusal } from '../core/quota.ts';
import { type Bucket, bucketCounted, bucketIndex, bucketMsFor, liveBuckets, oldestCountedBucket } from '../core/quota-buckets.ts';
import { fitWithin } from '../core/quota-window.ts';
import { conditionalWrite, n, putIfVersion, retryOnConflict, storeCall } from './dynamo-client.ts';
import type { Deadline } from './quota-deadline.ts';
import { isMarked, keptMarks, MAX_MARKS, type Marks, markAttribute, markOf, readMarks, staleMarkAttributes } from './quota-marks.ts';
import { GLOBAL_ITEM_KEY, QUOTA_PARTITION_KEY, QUOTA_TTL_ATTRIBUTE } from './quota-table.ts';

const KEY = { [QUOTA_PARTITION_KEY]: { S: GLOBAL_ITEM_KEY } };
const BUCKET_ATTRIBUTE = /^b(\d+)$/;

/** The global item as read: its buckets, recent slot marks and version (0 when there is no item). */
export interface GlobalRecord {
  readonly buckets: Bucket[];
  readonly marks: Marks;
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

  /** Charges a slot, once however often a write is sent. @throws SlotError `quota-exceeded` or `store-unavailable`. */
  async charge(charge: QuotaCharge, deadline: Deadline): Promise<void> {
    const nowMs = charge.now.getTime();
    const size = charge.sizeBytes;
    const mark = markOf(charge.slotId, nowMs);
    await retryOnConflict(async () => {
      if (await this.add(nowMs, size, mark, deadline)) return true;
      const record = await this.read(deadline);
      if (isMarked(record.marks, nowMs, mark)) return true;
      const live = liveBuckets(record.buckets, nowMs, this.windowMs, this.bucketMs);
      const fit = fitWithin(this.counted(live), size, this.quotaBytes, nowMs);
      if (!fit.fits) throw quotaRefusal('global', fit, this.quotaBytes);
      const index = bucketIndex(nowMs, this.bucketMs);
      const current = live.find((b) => b.index === index)?.bytes ?? 0;
      const buckets = [...live.filter((b) => b.index !== index), { index, bytes: current + size }];
      return await this.rewrite(record, buckets, nowMs, mark, deadline);
    }, deadline);
  }

  /**
   * Takes a charge back from its bucket, only while its slot is still marked: a refund sent
   * twice, or for a charge that was never applied, changes nothing. Nothing to do either once
   * the bucket has been pruned.
   */
  async refund(charge: QuotaCharge, deadline: Deadline): Promise<void> {
    const nowMs = charge.now.getTime();
    const mark = markOf(charge.slotId, nowMs);
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: KEY,
      UpdateExpression: 'ADD #tot :minus, #bk :minus, #v :one DELETE #m :marks',
      ConditionExpression: 'attribute_exists(#bk) AND #bk >= :b AND contains(#m, :mark)',
      ExpressionAttributeNames: { '#tot': 'tot', '#bk': `b${bucketIndex(nowMs, this.bucketMs)}`, '#v': 'v', '#m': markAttribute(nowMs) },
      ExpressionAttributeValues: {
        ':minus': n(-charge.sizeBytes),
        ':b': n(charge.sizeBytes),
        ':one': n(1),
        ':mark': { S: mark },
        ':marks': { SS: [mark] },
      },
    });
    await conditionalWrite((abortSignal) => this.client.send(command, { abortSignal }), deadline);
  }

  /** The item, read consistently. */
  async read(deadline: Deadline): Promise<GlobalRecord> {
    const command = new GetItemCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true });
    const { Item } = await storeCall((abortSignal) => this.client.send(command, { abortSignal }), deadline);
    const buckets: Bucket[] = [];
    for (const [name, value] of Object.entries(Item ?? {})) {
      const match = BUCKET_ATTRIBUTE.exec(name);
      if (match?.[1] !== undefined) buckets.push({ index: Number(match[1]), bytes: Number(value.N) });
    }
    return { buckets, marks: readMarks(Item), version: Number(Item?.v?.N ?? 0) };
  }

  /** The buckets as window entries. */
  counted(buckets: readonly Bucket[]) {
    return buckets.map((b) => bucketCounted(b, this.windowMs, this.bucketMs));
  }

  /** Deletes the item: every global charge is forgotten. */
  async reset(deadline: Deadline): Promise<void> {
    const command = new DeleteItemCommand({ TableName: this.tableName, Key: KEY });
    await storeCall((abortSignal) => this.client.send(command, { abortSignal }), deadline);
  }

  private ttl(buckets: readonly Bucket[], nowMs: number): AttributeValue {
    const newest = Math.max(bucketIndex(nowMs, this.bucketMs), ...buckets.map((b) => b.index));
    return n(Math.ceil(((newest + 1) * this.bucketMs + this.windowMs) / 1000) + 3600);
  }

  /** The fast path: false when the condition failed (full, a bucket to prune, marks to prune, or applied already). */
  private async add(nowMs: number, size: number, mark: string, deadline: Deadline): Promise<boolean> {
    const index = bucketIndex(nowMs, this.bucketMs);
    const stale = staleMarkAttributes(nowMs);
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: KEY,
      UpdateExpression: `SET #old = if_not_exists(#old, :k), #ttl = :ttl ADD #tot :b, #bk :b, #v :one, #m :marks REMOVE ${stale.join(', ')}`,
      ConditionExpression:
        'attribute_not_exists(#tot) OR (NOT contains(#m, :mark) AND #tot <= :limit AND ' +
        '(attribute_not_exists(#old) OR #old >= :cutoff) AND (attribute_not_exists(#m) OR size(#m) < :maxMarks))',
      ExpressionAttributeNames: {
        '#old': 'old',
        '#ttl': QUOTA_TTL_ATTRIBUTE,
        '#tot': 'tot',
        '#bk': `b${index}`,
        '#v': 'v',
        '#m': markAttribute(nowMs),
      },
      ExpressionAttributeValues: {
        ':k': n(index),
        ':ttl': this.ttl([], nowMs),
        ':b': n(size),
        ':one': n(1),
        ':mark': { S: mark },
        ':marks': { SS: [mark] },
        ':maxMarks': n(MAX_MARKS),
        ':limit': n(this.quotaBytes - size),
        ':cutoff': n(oldestCountedBucket(nowMs, this.windowMs, this.bucketMs)),
      },
    });
    return conditionalWrite((abortSignal) => this.client.send(command, { abortSignal }), deadline);
  }

  /** Replaces the item (with `mark` added) if nobody wrote it since it was read; false otherwise. */
  private async rewrite(read: GlobalRecord, buckets: readonly Bucket[], nowMs: number, mark: string, deadline: Deadline): Promise<boolean> {
    const item: Record<string, AttributeValue> = {
      ...KEY,
      tot: n(buckets.reduce((sum, b) => sum + b.bytes, 0)),
      [QUOTA_TTL_ATTRIBUTE]: this.ttl(buckets, nowMs),
    };
    for (const b of buckets) item[`b${b.index}`] = n(b.bytes);
    if (buckets.length > 0) item.old = n(Math.min(...buckets.map((b) => b.index)));
    for (const [name, marks] of keptMarks(read.marks, nowMs, mark)) item[name] = { SS: marks };
    return putIfVersion(this.client, this.tableName, item, read.version, deadline);
  }
}
