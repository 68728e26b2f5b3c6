/**
 * The global record: bytes granted to everyone, counted per time bucket. One entry per grant
 * would not fit in an item, so the window (the retention period) is cut into
 * {@link GLOBAL_BUCKETS} buckets and a bucket counts while any part of it lies inside the
 * window. A grant thus counts for between one window and one window plus one bucket (7 days
 * → up to 7 days 3.5 hours): the global quota errs on the strict side, never the lenient.
 */
import type { Counted } from './quota-window.ts';

/** Buckets per window; ~49 small counters keep the global item near 1 KiB (one write unit). */
export const GLOBAL_BUCKETS = 48;

const MINUTE_MS = 60_000;

/** One bucket's bytes. */
export interface Bucket {
  /** `floor(grant time / bucketMs)`. */
  readonly index: number;
  readonly bytes: number;
}

/** Bucket length for a window: 1/48 of it in whole minutes, at least one minute. */
export function bucketMsFor(windowMs: number): number {
  return Math.max(MINUTE_MS, Math.ceil(windowMs / GLOBAL_BUCKETS / MINUTE_MS) * MINUTE_MS);
}

/** The bucket a grant at `nowMs` is counted in. */
export function bucketIndex(nowMs: number, bucketMs: number): number {
  return Math.floor(nowMs / bucketMs);
}

/** The oldest bucket that still counts at `nowMs`: its end lies after `nowMs - windowMs`. */
export function oldestCountedBucket(nowMs: number, windowMs: number, bucketMs: number): number {
  return Math.floor((nowMs - windowMs) / bucketMs);
}

/** A bucket as a window entry: it stops counting once its end has left the window. */
export function bucketCounted(bucket: Bucket, windowMs: number, bucketMs: number): Bucket & Counted {
  return { ...bucket, freesAtMs: (bucket.index + 1) * bucketMs + windowMs };
}

/** The buckets that still count at `nowMs`, oldest first, empty ones left out. */
export function liveBuckets(buckets: readonly Bucket[], nowMs: number, windowMs: number, bucketMs: number): Bucket[] {
  const oldest = oldestCountedBucket(nowMs, windowMs, bucketMs);
  return buckets.filter((b) => b.index >= oldest && b.bytes > 0).sort((a, b) => a.index - b.index);
}
