/**
 * The per-user record: the grants of the last 24 hours, exactly as Prosody counts them
 * (bytes of slots granted to the bare JID, counted at grant time, sliding window).
 */
import { type Counted, DAY_MS } from './quota-window.ts';

/** One granted slot as the user's record keeps it. */
export interface Grant {
  /** Grant time, epoch ms. */
  readonly atMs: number;
  readonly bytes: number;
  /** Short slot id for refunds; empty for merged entries. */
  readonly id: string;
}

/**
 * Entries a user's record keeps at most. A heavy uploader's record would otherwise grow with
 * every slot, and DynamoDB bills a write per KiB of the whole item: 64 entries of ~35 bytes
 * make at most ~2.2 KiB (3 write units); a typical user's item stays under 1 KiB.
 */
export const MAX_USER_GRANTS = 64;

/**
 * What compaction shrinks a full record to: merging a quarter at once leaves room for the next
 * 16 grants to take the one-write fast path again instead of compacting on every slot.
 */
export const COMPACTED_USER_GRANTS = 48;

/** The id a record keeps for a slot: 12 hex digits of its UUID are unique enough within one user's day. */
export function shortSlotId(slotId: string): string {
  return slotId.replace(/-/g, '').slice(0, 12);
}

/** A grant as a window entry: it counts for exactly 24 hours. */
export function grantCounted(grant: Grant): Grant & Counted {
  return { ...grant, freesAtMs: grant.atMs + DAY_MS };
}

/** The grants that still count at `nowMs`, oldest first. */
export function liveGrants(grants: readonly Grant[], nowMs: number): Grant[] {
  return grants.filter((grant) => grant.atMs + DAY_MS > nowMs).sort((a, b) => a.atMs - b.atMs);
}

/**
 * Shrinks a record longer than `maxEntries` to `target` entries by merging the oldest entries into one, stamped with the
 * later time. Merged bytes therefore count a little longer, never shorter: compaction can
 * only make the quota stricter, never let more through.
 */
export function compactGrants(grants: readonly Grant[], maxEntries = MAX_USER_GRANTS, target = COMPACTED_USER_GRANTS): Grant[] {
  const sorted = [...grants].sort((a, b) => a.atMs - b.atMs);
  if (sorted.length <= maxEntries) return sorted;
  while (sorted.length > Math.max(1, target)) {
    const [first, second] = sorted.splice(0, 2) as [Grant, Grant];
    sorted.unshift({ atMs: second.atMs, bytes: first.bytes + second.bytes, id: '' });
  }
  return sorted;
}

/** The record without the grant of `slotId` (matched by id, time and size); unchanged when absent. */
export function withoutGrant(grants: readonly Grant[], slotId: string, atMs: number, bytes: number): Grant[] {
  const id = shortSlotId(slotId);
  const index = grants.findIndex((grant) => grant.id === id && grant.atMs === atMs && grant.bytes === bytes);
  return index === -1 ? [...grants] : grants.filter((_, i) => i !== index);
}
