/**
 * The DynamoDB quota store: the user's item first, then the global item, each charged with one
 * conditional write, so a granted slot costs two writes and no read. No transactions: when the
 * global quota refuses (or its write fails) the user's charge is taken back, so a refused or
 * failed request leaves no charge behind.
 *
 * Why the user first: the common refusal is a user over their daily quota, often retrying in
 * a loop. Charged first, it costs one failed write and one read on that user's own item and
 * never touches the global item, which every slot of every user shares; charging the global
 * first would let one user's refused flood spend the hot item's write capacity (three writes
 * per refusal) and throttle everyone.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { QuotaCharge, QuotaStore } from '../core/ports.ts';
import { noQuota, type QuotaAdmin, type QuotaLimits, type QuotaUsage, quotaRefusal, quotaUsage } from '../core/quota.ts';
import { liveBuckets } from '../core/quota-buckets.ts';
import { fitWithin } from '../core/quota-window.ts';
import { GlobalQuotaItem } from './dynamo-quota-global.ts';
import { UserQuotaItems } from './dynamo-quota-user.ts';

export interface DynamoQuotaStoreOptions extends QuotaLimits {
  /** Preferably from `createQuotaDynamoClient` (short timeouts, few retries). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** Quota admission against one DynamoDB table (layout: lambda/adapters/quota-table.ts, docs/quotas.md). */
export class DynamoQuotaStore implements QuotaStore, QuotaAdmin {
  private readonly users: UserQuotaItems;
  private readonly global: GlobalQuotaItem;

  constructor(private readonly options: DynamoQuotaStoreOptions) {
    this.users = new UserQuotaItems(options.client, options.tableName, options.dailyQuotaBytes);
    this.global = new GlobalQuotaItem(options.client, options.tableName, options.globalQuotaBytes, options.globalWindowMs);
  }

  /** @inheritdoc */
  async admit(charge: QuotaCharge): Promise<void> {
    const { dailyQuotaBytes, globalQuotaBytes } = this.options;
    // A file larger than a quota never fits: refuse before writing anything.
    for (const [kind, quota] of [
      ['daily', dailyQuotaBytes],
      ['global', globalQuotaBytes],
    ] as const) {
      const fit = fitWithin([], charge.sizeBytes, quota, charge.now.getTime());
      if (quota > 0 && !fit.fits) throw quotaRefusal(kind, fit, quota);
    }
    if (dailyQuotaBytes > 0) await this.users.charge(charge);
    if (globalQuotaBytes === 0) return;
    try {
      await this.global.charge(charge);
    } catch (error) {
      if (dailyQuotaBytes > 0) await this.undoUser(charge);
      throw error;
    }
  }

  /** @inheritdoc */
  async refund(charge: QuotaCharge): Promise<void> {
    const results = await Promise.allSettled([
      this.options.dailyQuotaBytes > 0 ? this.users.refund(charge) : undefined,
      this.options.globalQuotaBytes > 0 ? this.global.refund(charge) : undefined,
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** What the table holds for `jid` and for everyone, as counted at `now`. */
  async usage(jid: string, now: Date): Promise<QuotaUsage> {
    const nowMs = now.getTime();
    const [user, global] = await Promise.all([this.users.read(jid), this.global.read()]);
    const buckets = this.global.counted(liveBuckets(global.buckets, nowMs, this.global.windowMs, this.global.bucketMs));
    return quotaUsage(jid, user.grants, buckets, nowMs);
  }

  async resetUser(jid: string): Promise<void> {
    await this.users.reset(jid);
  }

  async resetGlobal(): Promise<void> {
    await this.global.reset();
  }

  // One more try if the first undo fails; after that the charge stays (the safe direction).
  private async undoUser(charge: QuotaCharge): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        return await this.users.refund(charge);
      } catch {}
    }
  }
}

/** The quota store for `options`: {@link noQuota} when both quotas are off (then no table is touched). */
export function createDynamoQuotaStore(options: DynamoQuotaStoreOptions): QuotaStore {
  if (options.dailyQuotaBytes === 0 && options.globalQuotaBytes === 0) return noQuota;
  return new DynamoQuotaStore(options);
}
