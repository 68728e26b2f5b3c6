/**
 * The in-memory twin of the DynamoDB quota store, for unit tests and single-process use. Same
 * arithmetic (lambda/core/quota-*), same order (user, then global), same errors; admission is
 * atomic because JavaScript runs it without an await in between.
 */
import type { QuotaCharge, QuotaStore } from '../core/ports.ts';
import { type QuotaAdmin, type QuotaLimits, type QuotaUsage, quotaRefusal, quotaUsage, storeUnavailable } from '../core/quota.ts';
import { type Bucket, bucketCounted, bucketIndex, bucketMsFor, liveBuckets } from '../core/quota-buckets.ts';
import { compactGrants, type Grant, grantCounted, liveGrants, shortSlotId, withoutGrant } from '../core/quota-grants.ts';
import { fitWithin } from '../core/quota-window.ts';

export interface MemoryQuotaStore extends QuotaStore, QuotaAdmin {
  /** While true, every call fails with `store-unavailable` (to test the failure path). */
  unavailable: boolean;
}

/** An in-memory quota store enforcing `limits`. */
export function createMemoryQuotaStore(limits: QuotaLimits): MemoryQuotaStore {
  const users = new Map<string, Grant[]>();
  let buckets: Bucket[] = [];
  const bucketMs = bucketMsFor(limits.globalWindowMs);
  const counted = (nowMs: number) => liveBuckets(buckets, nowMs, limits.globalWindowMs, bucketMs);
  const bucketsCounted = (nowMs: number) => counted(nowMs).map((b) => bucketCounted(b, limits.globalWindowMs, bucketMs));

  const store: MemoryQuotaStore = {
    unavailable: false,
    async admit(charge: QuotaCharge) {
      if (store.unavailable) throw storeUnavailable(new Error('memory quota store set unavailable'));
      const nowMs = charge.now.getTime();
      const grants = liveGrants(users.get(charge.jid) ?? [], nowMs);
      if (limits.dailyQuotaBytes > 0) {
        const fit = fitWithin(grants.map(grantCounted), charge.sizeBytes, limits.dailyQuotaBytes, nowMs);
        if (!fit.fits) throw quotaRefusal('daily', fit, limits.dailyQuotaBytes);
      }
      if (limits.globalQuotaBytes > 0) {
        const fit = fitWithin(bucketsCounted(nowMs), charge.sizeBytes, limits.globalQuotaBytes, nowMs);
        if (!fit.fits) throw quotaRefusal('global', fit, limits.globalQuotaBytes);
      }
      // Both checks pass before anything changes, so a refusal leaves no charge behind.
      if (limits.globalQuotaBytes > 0) {
        const index = bucketIndex(nowMs, bucketMs);
        const others = counted(nowMs).filter((b) => b.index !== index);
        const bytes = (buckets.find((b) => b.index === index)?.bytes ?? 0) + charge.sizeBytes;
        buckets = [...others, { index, bytes }];
      }
      if (limits.dailyQuotaBytes > 0) {
        users.set(charge.jid, compactGrants([...grants, { atMs: nowMs, bytes: charge.sizeBytes, id: shortSlotId(charge.slotId) }]));
      }
    },
    async refund(charge: QuotaCharge) {
      if (store.unavailable) throw storeUnavailable(new Error('memory quota store set unavailable'));
      const nowMs = charge.now.getTime();
      const grants = users.get(charge.jid);
      if (grants !== undefined) users.set(charge.jid, withoutGrant(grants, charge.slotId, nowMs, charge.sizeBytes));
      const index = bucketIndex(nowMs, bucketMs);
      buckets = buckets.map((b) => (b.index === index ? { index, bytes: Math.max(0, b.bytes - charge.sizeBytes) } : b));
    },
    async usage(jid: string, now: Date): Promise<QuotaUsage> {
      const nowMs = now.getTime();
      return quotaUsage(jid, users.get(jid) ?? [], bucketsCounted(nowMs), nowMs);
    },
    async resetUser(jid: string) {
      users.delete(jid);
    },
    async resetGlobal() {
      buckets = [];
    },
  };
  return store;
}
