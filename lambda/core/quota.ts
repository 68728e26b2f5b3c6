/**
 * Quota policy shared by every quota store: the limits taken from the config, the refusals
 * (XEP-0363 §5: `wait`/`resource-constraint` with a `<retry stamp>`), the store failure, and
 * the no-op store used when both quotas are off.
 */
import type { ServiceConfig } from './config.ts';
import { SlotError } from './errors.ts';
import type { QuotaStore } from './ports.ts';
import { type Grant, grantCounted, liveGrants } from './quota-grants.ts';
import { type Counted, countedBytes, DAY_MS, type Fit } from './quota-window.ts';

/** What a quota store enforces; 0 turns a quota off. */
export interface QuotaLimits {
  /** Per bare JID, sliding 24 hours. */
  readonly dailyQuotaBytes: number;
  /** All users together, within {@link QuotaLimits.globalWindowMs}. */
  readonly globalQuotaBytes: number;
  readonly globalWindowMs: number;
}

/** The global window: the retention period, or 7 days when objects are kept forever (retentionDays 0). */
export function globalWindowMs(retentionDays: number): number {
  return (retentionDays === 0 ? 7 : retentionDays) * DAY_MS;
}

/** The quota limits of a service configuration. */
export function quotaLimits(config: Pick<ServiceConfig, 'dailyQuotaBytes' | 'globalQuotaBytes' | 'retentionDays'>): QuotaLimits {
  return {
    dailyQuotaBytes: config.dailyQuotaBytes,
    globalQuotaBytes: config.globalQuotaBytes,
    globalWindowMs: globalWindowMs(config.retentionDays),
  };
}

export type QuotaKind = 'daily' | 'global';

/**
 * The refusal for a request that does not fit. With a retry time it is the exact earliest
 * moment the same request fits; a request larger than the quota itself never fits, so it
 * carries no stamp (XEP-0363 makes `<retry/>` optional) and the text says so.
 */
export function quotaRefusal(kind: QuotaKind, fit: Extract<Fit, { fits: false }>, quotaBytes: number): SlotError {
  const what = kind === 'daily' ? `your daily upload quota of ${quotaBytes} bytes` : `the service's upload quota of ${quotaBytes} bytes`;
  if (fit.retryAt === undefined) {
    return new SlotError('quota-exceeded', `The file is larger than ${what}; it can never be uploaded here.`);
  }
  const text = `The file would exceed ${what}; it fits from ${fit.retryAt.toISOString()}.`;
  return new SlotError('quota-exceeded', text, { retryAt: fit.retryAt });
}

/** The failure of the quota store: nothing was granted (docs/architecture.md, Errors: never grant unaccounted). */
export function storeUnavailable(cause: unknown): SlotError {
  return new SlotError('store-unavailable', 'The upload quota cannot be checked right now; try again shortly.', { cause });
}

/** What a quota store holds for one user (and everyone), for the `quota show` command. */
export interface QuotaUsage {
  readonly jid: string;
  /** Grants still counted for the user, oldest first. */
  readonly grants: readonly { readonly at: Date; readonly bytes: number; readonly countsUntil: Date }[];
  readonly dailyUsedBytes: number;
  readonly globalUsedBytes: number;
  /** When the oldest global bytes stop counting; undefined when none count. */
  readonly globalNextFreeAt: Date | undefined;
}

/**
 * The usage report of `quota show`, from a user's grants and the global counters still
 * counted (oldest first), as any store holds them.
 */
export function quotaUsage(jid: string, grants: readonly Grant[], globalCounted: readonly Counted[], nowMs: number): QuotaUsage {
  const counted = liveGrants(grants, nowMs).map(grantCounted);
  return {
    jid,
    grants: counted.map((g) => ({ at: new Date(g.atMs), bytes: g.bytes, countsUntil: new Date(g.freesAtMs) })),
    dailyUsedBytes: countedBytes(counted, nowMs),
    globalUsedBytes: countedBytes(globalCounted, nowMs),
    globalNextFreeAt: globalCounted[0] === undefined ? undefined : new Date(globalCounted[0].freesAtMs),
  };
}

/** Inspection and reset, for operators. */
export interface QuotaAdmin {
  usage(jid: string, now: Date): Promise<QuotaUsage>;
  /** Forgets every grant of the user. */
  resetUser(jid: string): Promise<void>;
  /** Forgets every global charge. */
  resetGlobal(): Promise<void>;
}

/** The store used when both quotas are off: admits everything, writes nothing. */
export const noQuota: QuotaStore = {
  admit: async () => undefined,
  refund: async () => undefined,
};
