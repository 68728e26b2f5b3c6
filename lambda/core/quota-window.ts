/**
 * Sliding-window arithmetic shared by both quotas: which charges still count at a moment, and
 * the exact earliest moment a request fits. Pure; time is passed in as epoch milliseconds.
 */

/** 24 hours: the per-user window (Prosody's `mod_http_file_share` daily quota). */
export const DAY_MS = 24 * 3600 * 1000;

/** Bytes that count against a quota until `freesAtMs` (exclusive: at that instant they no longer count). */
export interface Counted {
  readonly bytes: number;
  readonly freesAtMs: number;
}

/** Whether a request fits now; if not, when it will (undefined: never, it is larger than the quota). */
export type Fit = { readonly fits: true } | { readonly fits: false; readonly retryAt: Date | undefined };

/** The entries that still count at `nowMs`. */
export function stillCounted<T extends Counted>(entries: readonly T[], nowMs: number): T[] {
  return entries.filter((entry) => entry.freesAtMs > nowMs);
}

/** Sum of the bytes of the entries that still count at `nowMs`. */
export function countedBytes(entries: readonly Counted[], nowMs: number): number {
  return stillCounted(entries, nowMs).reduce((sum, entry) => sum + entry.bytes, 0);
}

/**
 * Whether `sizeBytes` more fits under `quotaBytes` at `nowMs`; if not, the exact earliest time
 * it does: charges free up oldest first, so the answer is the moment the cumulative bytes
 * freed first cover the excess. Nothing granted later can make that moment earlier, and only
 * later grants can make it later, so the stamp is a promise the service keeps unless others
 * take the room first.
 */
export function fitWithin(entries: readonly Counted[], sizeBytes: number, quotaBytes: number, nowMs: number): Fit {
  if (sizeBytes > quotaBytes) return { fits: false, retryAt: undefined };
  const live = stillCounted(entries, nowMs).sort((a, b) => a.freesAtMs - b.freesAtMs);
  let excess = live.reduce((sum, entry) => sum + entry.bytes, 0) + sizeBytes - quotaBytes;
  if (excess <= 0) return { fits: true };
  for (const entry of live) {
    excess -= entry.bytes;
    if (excess <= 0) return { fits: false, retryAt: new Date(entry.freesAtMs) };
  }
  // Unreachable: sizeBytes <= quotaBytes, so freeing every entry always covers the excess.
  return { fits: false, retryAt: undefined };
}
