import { describe, expect, it } from 'vitest';
import { createQuotaDynamoClient, MAX_ATTEMPTS, retryOnConflict, storeCall } from '../../lambda/adapters/dynamo-client.ts';
import { createDynamoQuotaStore, DynamoQuotaStore } from '../../lambda/adapters/dynamo-quota-store.ts';
import { startDeadline } from '../../lambda/adapters/quota-deadline.ts';
import { noQuota, storeUnavailable } from '../../lambda/core/quota.ts';

describe('retryOnConflict', () => {
  it('answers store-unavailable rather than granting when every attempt conflicts', async () => {
    // Prepare
    let attempts = 0;
    // Act
    const result = retryOnConflict(async () => {
      attempts += 1;
      return false;
    }, startDeadline(60_000));
    // Assess
    await expect(result).rejects.toMatchObject({ condition: 'store-unavailable' });
    expect(attempts).toBe(MAX_ATTEMPTS);
  });

  it('stops at the first attempt that is done', async () => {
    let attempts = 0;
    await retryOnConflict(async () => {
      attempts += 1;
      return attempts === 3;
    }, startDeadline(60_000));
    expect(attempts).toBe(3);
  });

  // Eight rounds of up to three calls of up to 2 s each ran past the 10 s Lambda timeout (a 502, nothing refunded).
  it('answers store-unavailable once the time budget is spent, whatever rounds remain', async () => {
    // Prepare: a clock that each contended round moves by a second, against a 3 s budget
    let nowMs = 0;
    const deadline = startDeadline(3000, () => nowMs);
    let attempts = 0;
    // Act
    const result = retryOnConflict(async () => {
      attempts += 1;
      nowMs += 1000;
      return false;
    }, deadline);
    // Assess
    await expect(result).rejects.toMatchObject({ condition: 'store-unavailable' });
    await expect(result).rejects.toHaveProperty('cause.message', expect.stringContaining('3000 ms'));
    expect(attempts).toBe(3);
  });
});

describe('retryOnConflict after store failures', () => {
  const reset = () => storeUnavailable(Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' }));
  const invalid = () =>
    storeUnavailable(
      Object.assign(new Error('Item size has exceeded the maximum'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } }),
    );

  it('runs a round again after a transient failure (the steps are idempotent)', async () => {
    let attempts = 0;
    await retryOnConflict(async () => {
      attempts += 1;
      if (attempts < 3) throw reset();
      return true;
    }, startDeadline(60_000));
    expect(attempts).toBe(3);
  });

  it('gives up at once on a failure no retry can cure', async () => {
    let attempts = 0;
    const result = retryOnConflict(async () => {
      attempts += 1;
      throw invalid();
    }, startDeadline(60_000));
    await expect(result).rejects.toMatchObject({ condition: 'store-unavailable', cause: { name: 'ValidationException' } });
    expect(attempts).toBe(1);
  });

  it('answers the last failure once the budget is spent', async () => {
    let nowMs = 0;
    const result = retryOnConflict(
      async () => {
        nowMs += 1000;
        throw reset();
      },
      startDeadline(3000, () => nowMs),
    );
    await expect(result).rejects.toMatchObject({ condition: 'store-unavailable', cause: { code: 'ECONNRESET' } });
  });
});

describe('storeCall', () => {
  it('turns a network or throttling failure into store-unavailable and keeps the cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await expect(storeCall(() => Promise.reject(throttled), startDeadline(60_000))).rejects.toMatchObject({
      condition: 'store-unavailable',
      cause: throttled,
    });
  });

  it('passes a failed condition through for the caller to handle', async () => {
    const failed = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    await expect(storeCall(() => Promise.reject(failed), startDeadline(60_000))).rejects.toBe(failed);
  });
});

describe('createDynamoQuotaStore', () => {
  // A port nobody serves: should the store ever send a request here, the test sees store-unavailable.
  const client = createQuotaDynamoClient({
    endpoint: 'http://127.0.0.1:9',
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

  it('uses the no-op store when both quotas are off, so no table is touched', () => {
    expect(createDynamoQuotaStore({ client, tableName: 't', dailyQuotaBytes: 0, globalQuotaBytes: 0, globalWindowMs: 1 })).toBe(noQuota);
    expect(createDynamoQuotaStore({ client, tableName: 't', dailyQuotaBytes: 1, globalQuotaBytes: 0, globalWindowMs: 1 })).toBeInstanceOf(
      DynamoQuotaStore,
    );
  });

  it('refuses a file larger than a quota before sending anything', async () => {
    const store = createDynamoQuotaStore({ client, tableName: 't', dailyQuotaBytes: 10, globalQuotaBytes: 0, globalWindowMs: 1 });
    const refusal = store.admit({ jid: 'a@example.org', sizeBytes: 11, slotId: crypto.randomUUID(), now: new Date() });
    await expect(refusal).rejects.toMatchObject({ condition: 'quota-exceeded', retryAt: undefined });
  });
});
