import { describe, expect, it } from 'vitest';
import { createQuotaDynamoClient, MAX_ATTEMPTS, retryOnConflict, storeCall } from '../../lambda/adapters/dynamo-client.ts';
import { createDynamoQuotaStore, DynamoQuotaStore } from '../../lambda/adapters/dynamo-quota-store.ts';
import { noQuota } from '../../lambda/core/quota.ts';

describe('retryOnConflict', () => {
  it('answers store-unavailable rather than granting when every attempt conflicts', async () => {
    // Prepare
    let attempts = 0;
    // Act
    const result = retryOnConflict(async () => {
      attempts += 1;
      return false;
    });
    // Assess
    await expect(result).rejects.toMatchObject({ condition: 'store-unavailable' });
    expect(attempts).toBe(MAX_ATTEMPTS);
  });

  it('stops at the first attempt that is done', async () => {
    let attempts = 0;
    await retryOnConflict(async () => {
      attempts += 1;
      return attempts === 3;
    });
    expect(attempts).toBe(3);
  });
});

describe('storeCall', () => {
  it('turns a network or throttling failure into store-unavailable and keeps the cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    await expect(storeCall(() => Promise.reject(throttled))).rejects.toMatchObject({ condition: 'store-unavailable', cause: throttled });
  });

  it('passes a failed condition through for the caller to handle', async () => {
    const failed = Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    await expect(storeCall(() => Promise.reject(failed))).rejects.toBe(failed);
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
