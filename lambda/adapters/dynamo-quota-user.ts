/**
 * The per-user quota item. Layout (docs/quotas.md, Item layout):
 * `pk = user#<bare JID>`, `g` list of grants, each the string `<grant ms>:<bytes>:<short slot id>`,
 * `tot` the sum of `g`, `old` the oldest grant time, `v` a version bumped by every write,
 * `expiresAt` the TTL.
 *
 * Admission is one conditional UpdateItem that appends the grant and adds its bytes, allowed
 * only while `tot` is exact (nothing in `g` has left the window), leaves room, and `g` does not
 * hold this very grant yet: the SDK sends a write again when its answer was lost, and that second
 * copy must not charge twice. When the condition fails, a consistent read tells a grant already
 * applied, a real refusal (with its exact retry time) and an item that only needs pruning apart;
 * a version-conditioned rewrite does the pruning.
 */
import { type AttributeValue, DeleteItemCommand, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { QuotaCharge } from '../core/ports.ts';
import { quotaRefusal } from '../core/quota.ts';
import { compactGrants, type Grant, grantCounted, liveGrants, MAX_USER_GRANTS, shortSlotId, withoutGrant } from '../core/quota-grants.ts';
import { DAY_MS, fitWithin } from '../core/quota-window.ts';
import { conditionalWrite, n, putIfVersion, retryOnConflict, storeCall } from './dynamo-client.ts';
import type { Deadline } from './quota-deadline.ts';
import { QUOTA_PARTITION_KEY, QUOTA_TTL_ATTRIBUTE, userItemKey } from './quota-table.ts';

const NAMES = { '#g': 'g', '#tot': 'tot', '#old': 'old', '#v': 'v', '#ttl': QUOTA_TTL_ATTRIBUTE };
// Expiry with an hour's margin: writers' clocks differ, and an early delete would forget live grants.
const ttlFor = (grants: readonly Grant[], nowMs: number) =>
  n(Math.ceil((Math.max(nowMs, ...grants.map((g) => g.atMs)) + DAY_MS) / 1000) + 3600);
// A string, not a map: `contains` compares list elements only when they are scalars.
const encodeGrant = (grant: Grant): AttributeValue => ({ S: `${grant.atMs}:${grant.bytes}:${grant.id}` });
const sameGrant = (a: Grant, b: Grant) => a.id === b.id && a.atMs === b.atMs && a.bytes === b.bytes;

/** A user's item as read: its grants and version (0 when there is no item). */
export interface UserRecord {
  readonly grants: Grant[];
  readonly version: number;
}

function decodeGrant(entry: AttributeValue): Grant {
  if (entry.S !== undefined) {
    const [atMs, bytes, id] = entry.S.split(':');
    return { atMs: Number(atMs), bytes: Number(bytes), id: id ?? '' };
  }
  // The map form of items written before grants became strings.
  return { atMs: Number(entry.M?.t?.N), bytes: Number(entry.M?.b?.N), id: entry.M?.s?.S ?? '' };
}

function decode(item: Record<string, AttributeValue> | undefined): UserRecord {
  return { grants: (item?.g?.L ?? []).map(decodeGrant), version: Number(item?.v?.N ?? 0) };
}

/** The per-user items of one table, enforcing `quotaBytes` per 24 hours. */
export class UserQuotaItems {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly quotaBytes: number,
  ) {}

  /** Charges a slot to its user, once however often a write is sent. @throws SlotError `quota-exceeded` or `store-unavailable`. */
  async charge(charge: QuotaCharge, deadline: Deadline): Promise<void> {
    const nowMs = charge.now.getTime();
    const grant: Grant = { atMs: nowMs, bytes: charge.sizeBytes, id: shortSlotId(charge.slotId) };
    const alone = fitWithin([], charge.sizeBytes, this.quotaBytes, nowMs);
    if (!alone.fits) throw quotaRefusal('daily', alone, this.quotaBytes);
    await retryOnConflict(async () => {
      if (await this.append(charge.jid, grant, deadline)) return true;
      const record = await this.read(charge.jid, deadline);
      // An earlier copy of this write (or an earlier round's rewrite) was applied: charged already.
      if (record.grants.some((g) => sameGrant(g, grant))) return true;
      const live = liveGrants(record.grants, nowMs);
      const fit = fitWithin(live.map(grantCounted), charge.sizeBytes, this.quotaBytes, nowMs);
      if (!fit.fits) throw quotaRefusal('daily', fit, this.quotaBytes);
      return await this.rewrite(charge.jid, record.version, compactGrants([...live, grant]), nowMs, deadline);
    }, deadline);
  }

  /** Takes a slot's grant back; a grant never applied, already pruned or merged is left as it is. */
  async refund(charge: QuotaCharge, deadline: Deadline): Promise<void> {
    await retryOnConflict(async () => {
      const record = await this.read(charge.jid, deadline);
      const grants = withoutGrant(record.grants, charge.slotId, charge.now.getTime(), charge.sizeBytes);
      if (grants.length === record.grants.length) return true;
      return await this.rewrite(charge.jid, record.version, grants, charge.now.getTime(), deadline);
    }, deadline);
  }

  /** The user's item, read consistently. */
  async read(jid: string, deadline: Deadline): Promise<UserRecord> {
    const key = { [QUOTA_PARTITION_KEY]: { S: userItemKey(jid) } };
    const command = new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true });
    const { Item } = await storeCall((abortSignal) => this.client.send(command, { abortSignal }), deadline);
    return decode(Item);
  }

  /** Deletes the user's item: every grant is forgotten. */
  async reset(jid: string, deadline: Deadline): Promise<void> {
    const command = new DeleteItemCommand({ TableName: this.tableName, Key: { [QUOTA_PARTITION_KEY]: { S: userItemKey(jid) } } });
    await storeCall((abortSignal) => this.client.send(command, { abortSignal }), deadline);
  }

  /** The fast path: false when the condition failed (full, stale `tot`, too many entries, or applied already). */
  private async append(jid: string, grant: Grant, deadline: Deadline): Promise<boolean> {
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: { [QUOTA_PARTITION_KEY]: { S: userItemKey(jid) } },
      UpdateExpression:
        'SET #g = list_append(if_not_exists(#g, :none), :grant), #old = if_not_exists(#old, :t), #ttl = :ttl ADD #tot :b, #v :one',
      ConditionExpression:
        // No item means nothing applied yet; dynalite parses every nesting level slowly, so none is added.
        'attribute_not_exists(#tot) OR (NOT contains(#g, :entry) AND #tot <= :limit AND (attribute_not_exists(#old) OR #old > :cutoff) AND size(#g) < :cap)',
      ExpressionAttributeNames: NAMES,
      ExpressionAttributeValues: {
        ':none': { L: [] },
        ':grant': { L: [encodeGrant(grant)] },
        ':entry': encodeGrant(grant),
        ':t': n(grant.atMs),
        ':ttl': ttlFor([], grant.atMs),
        ':b': n(grant.bytes),
        ':one': n(1),
        ':limit': n(this.quotaBytes - grant.bytes),
        ':cutoff': n(grant.atMs - DAY_MS),
        ':cap': n(MAX_USER_GRANTS),
      },
    });
    return conditionalWrite((abortSignal) => this.client.send(command, { abortSignal }), deadline);
  }

  /** Replaces the item if nobody wrote it since `version` was read; false otherwise. */
  private async rewrite(jid: string, version: number, grants: readonly Grant[], nowMs: number, deadline: Deadline): Promise<boolean> {
    const item: Record<string, AttributeValue> = {
      [QUOTA_PARTITION_KEY]: { S: userItemKey(jid) },
      g: { L: grants.map(encodeGrant) },
      tot: n(grants.reduce((sum, g) => sum + g.bytes, 0)),
      [QUOTA_TTL_ATTRIBUTE]: ttlFor(grants, nowMs),
    };
    if (grants.length > 0) item.old = n(Math.min(...grants.map((g) => g.atMs)));
    return putIfVersion(this.client, this.tableName, item, version, deadline);
  }
}
