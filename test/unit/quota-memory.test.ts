import { describe, expect, it } from 'vitest';
import { createMemoryQuotaStore } from '../../lambda/adapters/quota-memory.ts';
import type { QuotaCharge } from '../../lambda/core/ports.ts';
import { DAY_MS } from '../../lambda/core/quota-window.ts';

const T0 = Date.parse('2026-11-22T00:00:00.000Z');
const HOUR = 3600_000;
const charge = (jid: string, sizeBytes: number, nowMs: number): QuotaCharge => ({
  jid,
  sizeBytes,
  slotId: crypto.randomUUID(),
  now: new Date(nowMs),
});

describe('createMemoryQuotaStore', () => {
  it('refuses a user beyond the daily quota with the time the oldest grant frees, exactly 24 h later', async () => {
    // Prepare
    const store = createMemoryQuotaStore({ dailyQuotaBytes: 1000, globalQuotaBytes: 0, globalWindowMs: 7 * DAY_MS });
    await store.admit(charge('a@x.org', 600, T0));
    await store.admit(charge('a@x.org', 400, T0 + HOUR));
    // Act / Assess
    await expect(store.admit(charge('a@x.org', 1, T0 + 2 * HOUR))).rejects.toMatchObject({
      condition: 'quota-exceeded',
      retryAt: new Date(T0 + DAY_MS),
    });
    await expect(store.admit(charge('a@x.org', 600, T0 + DAY_MS - 1))).rejects.toMatchObject({ condition: 'quota-exceeded' });
    await expect(store.admit(charge('a@x.org', 600, T0 + DAY_MS))).resolves.toBeUndefined();
    await expect(store.admit(charge('b@x.org', 1000, T0))).resolves.toBeUndefined();
  });

  it('leaves the user untouched when the global quota refuses, and the reverse', async () => {
    const store = createMemoryQuotaStore({ dailyQuotaBytes: 100, globalQuotaBytes: 150, globalWindowMs: 7 * DAY_MS });
    await store.admit(charge('a@x.org', 100, T0));
    await expect(store.admit(charge('a@x.org', 10, T0))).rejects.toMatchObject({ condition: 'quota-exceeded' });
    expect((await store.usage('a@x.org', new Date(T0))).globalUsedBytes).toBe(100);
    await expect(store.admit(charge('b@x.org', 60, T0))).rejects.toMatchObject({ condition: 'quota-exceeded' });
    expect((await store.usage('b@x.org', new Date(T0))).dailyUsedBytes).toBe(0);
  });

  it('refunds a charge from both quotas', async () => {
    const store = createMemoryQuotaStore({ dailyQuotaBytes: 100, globalQuotaBytes: 100, globalWindowMs: DAY_MS });
    const granted = charge('a@x.org', 100, T0);
    await store.admit(granted);
    await store.refund(granted);
    const usage = await store.usage('a@x.org', new Date(T0));
    expect([usage.dailyUsedBytes, usage.globalUsedBytes]).toEqual([0, 0]);
    await expect(store.admit(charge('a@x.org', 100, T0))).resolves.toBeUndefined();
  });

  it('refuses a file larger than a quota without a retry time', async () => {
    const store = createMemoryQuotaStore({ dailyQuotaBytes: 100, globalQuotaBytes: 0, globalWindowMs: DAY_MS });
    const refusal = store.admit(charge('a@x.org', 101, T0));
    await expect(refusal).rejects.toMatchObject({ condition: 'quota-exceeded', retryAt: undefined });
  });

  it('answers store-unavailable and grants nothing while unavailable', async () => {
    const store = createMemoryQuotaStore({ dailyQuotaBytes: 100, globalQuotaBytes: 0, globalWindowMs: DAY_MS });
    store.unavailable = true;
    await expect(store.admit(charge('a@x.org', 1, T0))).rejects.toMatchObject({ condition: 'store-unavailable' });
    store.unavailable = false;
    expect((await store.usage('a@x.org', new Date(T0))).dailyUsedBytes).toBe(0);
  });

  it('forgets a user on reset', async () => {
    const store = createMemoryQuotaStore({ dailyQuotaBytes: 100, globalQuotaBytes: 0, globalWindowMs: DAY_MS });
    await store.admit(charge('a@x.org', 100, T0));
    await store.resetUser('a@x.org');
    await expect(store.admit(charge('a@x.org', 100, T0))).resolves.toBeUndefined();
  });
});
