/**
 * The DynamoDB quota store: the user's item first, then the global item, each charged with one
 * conditional write, so a granted slot costs two writes and no read. No transactions: when the
 * global quota refuses (or its write fails) the user's charge is taken back, so a refused or
 * failed request leaves no charge behind. Every write is idempotent per slot id (a copy the SDK
 * sends again charges nothing), and every operation runs against a deadline well inside the
 * Lambda timeout (lambda/adapters/quota-deadline.ts).
 *
 * Why the user first: the common refusal is a user over their daily quota, often retrying in
 * a loop. Charged first, it costs one failed write and one read on that user's own item and
 * never touches the global item, which every slot of every user shares; charging the global
 * first would let one user's refused flood spend the hot item's write capacity (three writes
 * per refusal) and throttle everyone.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SlotError } from '../core/errors.ts';
import type { QuotaCharge, QuotaStore } from '../core/ports.ts';
import { noQuota, type QuotaAdmin, type QuotaLimits, type QuotaUsage, quotaRefusal, quotaUsage } from '../core/quota.ts';
import { liveBuckets } from '../core/quota-buckets.ts';
import { fitWithin } from '../core/quota-window.ts';
import { GlobalQuotaItem } from './dynamo-quota-global.ts';
import { UserQuotaItems } from './dynamo-quota-user.ts';
import { ADMIT_BUDGET_MS, REFUND_BUDGET_MS, startDeadline } from './quota-deadline.ts';

export interface DynamoQuotaStoreOptions extends QuotaLimits {
  /** Preferably from `createQuotaDynamoClient` (short timeouts, few retries). */
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Time for one admission, every round and retry included. @default ADMIT_BUDGET_MS */
  readonly admitBudgetMs?: number;
  /** Time for taking one charge back. @default REFUND_BUDGET_MS */
  readonly refundBudgetMs?: number;
}

/** Operator reads and resets (`quota show`/`reset`) wait longer than a slot request may. */
const OPERATOR_BUDGET_MS = 10_000;

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
    const deadline = startDeadline(this.options.admitBudgetMs ?? ADMIT_BUDGET_MS);
    let userCharged = false;
    try {
      if (dailyQuotaBytes > 0) await this.users.charge(charge, deadline);
      userCharged = true;
      if (globalQuotaBytes > 0) await this.global.charge(charge, deadline);
    } catch (error) {
      // A failed write may have been applied with its answer lost, so a store failure takes back
      // what it may have charged; a quota refusal of an item means that item's write was not applied.
      const failed = isStoreFailure(error);
      await this.takeBack(charge, dailyQuotaBytes > 0 && (userCharged || failed), globalQuotaBytes > 0 && userCharged && failed);
      throw error;
    }
  }

  /** @inheritdoc */
  async refund(charge: QuotaCharge): Promise<void> {
    const deadline = startDeadline(this.options.refundBudgetMs ?? REFUND_BUDGET_MS);
    const results = await Promise.allSettled([
      this.options.dailyQuotaBytes > 0 ? this.users.refund(charge, deadline) : undefined,
      this.options.globalQuotaBytes > 0 ? this.global.refund(charge, deadline) : undefined,
    ]);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /** What the table holds for `jid` and for everyone, as counted at `now`. */
  async usage(jid: string, now: Date): Promise<QuotaUsage> {
    const nowMs = now.getTime();
    const deadline = startDeadline(OPERATOR_BUDGET_MS);
    const [user, global] = await Promise.all([this.users.read(jid, deadline), this.global.read(deadline)]);
    const buckets = this.global.counted(liveBuckets(global.buckets, nowMs, this.global.windowMs, this.global.bucketMs));
    return quotaUsage(jid, user.grants, buckets, nowMs);
  }

  async resetUser(jid: string): Promise<void> {
    await this.users.reset(jid, startDeadline(OPERATOR_BUDGET_MS));
  }

  async resetGlobal(): Promise<void> {
    await this.global.reset(startDeadline(OPERATOR_BUDGET_MS));
  }

  // Refunds go by slot id (the user's grant, the global mark), so taking back a charge that was
  // never applied changes nothing. A refund that fails leaves the charge: the safe direction.
  private async takeBack(charge: QuotaCharge, user: boolean, global: boolean): Promise<void> {
    if (!user && !global) return;
    const deadline = startDeadline(this.options.refundBudgetMs ?? REFUND_BUDGET_MS);
    await Promise.allSettled([
      user ? this.users.refund(charge, deadline) : undefined,
      global ? this.global.refund(charge, deadline) : undefined,
    ]);
  }
}

const isStoreFailure = (error: unknown): boolean => error instanceof SlotError && error.condition === 'store-unavailable';

/** The quota store for `options`: {@link noQuota} when both quotas are off (then no table is touched). */
export function createDynamoQuotaStore(options: DynamoQuotaStoreOptions): QuotaStore {
  if (options.dailyQuotaBytes === 0 && options.globalQuotaBytes === 0) return noQuota;
  return new DynamoQuotaStore(options);
}
