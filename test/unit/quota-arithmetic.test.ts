import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globalWindowMs, noQuota, quotaLimits, quotaRefusal } from '../../lambda/core/quota.ts';
import { bucketCounted, bucketIndex, bucketMsFor, liveBuckets, oldestCountedBucket } from '../../lambda/core/quota-buckets.ts';
import { compactGrants, type Grant, liveGrants, shortSlotId, withoutGrant } from '../../lambda/core/quota-grants.ts';
import { countedBytes, DAY_MS, fitWithin } from '../../lambda/core/quota-window.ts';

const T0 = Date.parse('2026-11-22T00:00:00.000Z');
const HOUR = 3600_000;
const at = (ms: number) => new Date(ms);

describe('fitWithin', () => {
  const entries = [
    { bytes: 300, freesAtMs: T0 + 10 * HOUR },
    { bytes: 500, freesAtMs: T0 + 2 * HOUR },
    { bytes: 200, freesAtMs: T0 + 5 * HOUR },
  ];

  it.each([
    ['fits beside the counted bytes', 0, T0, { fits: true }],
    ['fits exactly up to the quota', 1000, T0 + 20 * HOUR, { fits: true }],
    ['waits for the oldest entry when it frees enough', 400, T0, { fits: false, retryAt: at(T0 + 2 * HOUR) }],
    ['waits for two entries when one is not enough', 700, T0, { fits: false, retryAt: at(T0 + 5 * HOUR) }],
    ['waits for all entries when the request needs the whole quota', 1000, T0, { fits: false, retryAt: at(T0 + 10 * HOUR) }],
    ['ignores entries that have freed at that instant', 500, T0 + 2 * HOUR, { fits: true }],
    ['never fits a request larger than the quota', 1001, T0 + 30 * HOUR, { fits: false, retryAt: undefined }],
  ])('%s', (_name, sizeBytes, nowMs, expected) => {
    // Prepare: a quota of 1000 with 1000 bytes counted at T0
    // Act
    const fit = fitWithin(entries, sizeBytes as number, 1000, nowMs as number);
    // Assess
    expect(fit).toEqual(expected);
  });

  it('gives a retry time at which the request fits and one millisecond before which it does not', () => {
    const entry = fc.record({ bytes: fc.integer({ min: 0, max: 500 }), freesAtMs: fc.integer({ min: T0, max: T0 + 48 * HOUR }) });
    fc.assert(
      fc.property(
        fc.array(entry, { maxLength: 30 }),
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 1, max: 2000 }),
        (entries, size, quota) => {
          const fit = fitWithin(entries, size, quota, T0);
          if (fit.fits) {
            expect(countedBytes(entries, T0) + size).toBeLessThanOrEqual(quota);
          } else if (fit.retryAt === undefined) {
            expect(size).toBeGreaterThan(quota);
          } else {
            const retryMs = fit.retryAt.getTime();
            expect(fitWithin(entries, size, quota, retryMs)).toEqual({ fits: true });
            expect(fitWithin(entries, size, quota, retryMs - 1).fits).toBe(false);
          }
        },
      ),
    );
  });

  it('counts only the entries that have not freed yet', () => {
    expect(countedBytes(entries, T0 + 2 * HOUR)).toBe(500);
    expect(countedBytes(entries, T0 + 2 * HOUR - 1)).toBe(1000);
  });
});

describe('quota grants', () => {
  const grant = (hours: number, bytes: number, id = `g${hours}`): Grant => ({ atMs: T0 + hours * HOUR, bytes, id });

  it('keeps a grant for exactly 24 hours, oldest first', () => {
    const grants = [grant(5, 1), grant(0, 2)];
    expect(liveGrants(grants, T0 + DAY_MS - 1).map((g) => g.bytes)).toEqual([2, 1]);
    expect(liveGrants(grants, T0 + DAY_MS).map((g) => g.bytes)).toEqual([1]);
  });

  it('merges the oldest entries of a full record into later-stamped ones, keeping the bytes', () => {
    const grants = Array.from({ length: 10 }, (_, i) => grant(i, 10 + i));
    const compacted = compactGrants(grants, 8, 6);
    expect(compacted).toHaveLength(6);
    expect(compacted.reduce((sum, g) => sum + g.bytes, 0)).toBe(grants.reduce((sum, g) => sum + g.bytes, 0));
    // Merged bytes carry the latest time of what they merged: they count longer, never shorter.
    expect(compacted[0]).toEqual({ atMs: T0 + 4 * HOUR, bytes: 10 + 11 + 12 + 13 + 14, id: '' });
  });

  it('leaves a record within the limit as it is', () => {
    expect(compactGrants([grant(1, 1), grant(0, 2)], 2, 1)).toEqual([grant(0, 2), grant(1, 1)]);
  });

  it('removes exactly the refunded grant', () => {
    const slotId = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const mine = { atMs: T0, bytes: 7, id: shortSlotId(slotId) };
    expect(shortSlotId(slotId)).toBe('0f8fad5bd9cb');
    expect(withoutGrant([grant(1, 7), mine], slotId, T0, 7)).toEqual([grant(1, 7)]);
    expect(withoutGrant([grant(1, 7)], slotId, T0, 7)).toEqual([grant(1, 7)]);
  });
});

describe('global buckets', () => {
  const windowMs = 7 * DAY_MS;

  it('cuts a 7-day window into 48 buckets of 3.5 hours, and short windows into minutes', () => {
    expect(bucketMsFor(windowMs)).toBe(3.5 * HOUR);
    expect(bucketMsFor(1000)).toBe(60_000);
  });

  it('counts a bucket while any part of it lies within the window', () => {
    const bucketMs = bucketMsFor(windowMs);
    const index = bucketIndex(T0 + HOUR, bucketMs);
    const freesAt = bucketCounted({ index, bytes: 5 }, windowMs, bucketMs).freesAtMs;
    expect(freesAt).toBe((index + 1) * bucketMs + windowMs);
    expect(oldestCountedBucket(freesAt - 1, windowMs, bucketMs)).toBe(index);
    expect(oldestCountedBucket(freesAt, windowMs, bucketMs)).toBe(index + 1);
    expect(liveBuckets([{ index, bytes: 5 }], freesAt - 1, windowMs, bucketMs)).toEqual([{ index, bytes: 5 }]);
    expect(liveBuckets([{ index, bytes: 5 }], freesAt, windowMs, bucketMs)).toEqual([]);
  });
});

describe('quota policy', () => {
  it('uses the retention period as the global window, 7 days when objects are kept', () => {
    expect(globalWindowMs(30)).toBe(30 * DAY_MS);
    expect(globalWindowMs(0)).toBe(7 * DAY_MS);
    expect(quotaLimits({ dailyQuotaBytes: 1, globalQuotaBytes: 2, retentionDays: 3 })).toEqual({
      dailyQuotaBytes: 1,
      globalQuotaBytes: 2,
      globalWindowMs: 3 * DAY_MS,
    });
  });

  it('refuses with the exact retry time, or says that a file can never fit', () => {
    const later = quotaRefusal('daily', { fits: false, retryAt: at(T0) }, 100);
    expect(later).toMatchObject({ condition: 'quota-exceeded', retryAt: at(T0) });
    expect(later.text).toContain('2026-11-22T00:00:00.000Z');
    const never = quotaRefusal('global', { fits: false, retryAt: undefined }, 100);
    expect(never.retryAt).toBeUndefined();
    expect(never.text).toContain('can never be uploaded');
  });

  it('admits everything with no quota', async () => {
    await expect(noQuota.admit({ jid: 'a@b.c', sizeBytes: 1, slotId: 'x', now: at(T0) })).resolves.toBeUndefined();
  });
});
