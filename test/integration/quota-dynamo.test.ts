import { createServer } from 'node:net';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQuotaDynamoClient } from '../../lambda/adapters/dynamo-client.ts';
import { DynamoQuotaStore } from '../../lambda/adapters/dynamo-quota-store.ts';
import { userItemKey } from '../../lambda/adapters/quota-table.ts';
import type { SlotError } from '../../lambda/core/errors.ts';
import type { QuotaCharge } from '../../lambda/core/ports.ts';
import type { QuotaLimits } from '../../lambda/core/quota.ts';
import { bucketCounted, bucketIndex, bucketMsFor } from '../../lambda/core/quota-buckets.ts';
import { MAX_USER_GRANTS } from '../../lambda/core/quota-grants.ts';
import { DAY_MS } from '../../lambda/core/quota-window.ts';
import { createTable, LOCAL_DYNAMO_CREDENTIALS, type LocalDynamo, startDynamo } from '../../local/dynamo.ts';
import { countWrites, failWrites } from './quota-dynamo-helpers.ts';

const T0 = Date.parse('2026-11-22T00:00:00.000Z');
const HOUR = 3600_000;
const WEEK = 7 * DAY_MS;

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: 'quota-0' });
  // Dynalite serialises 200 requests in one process: allow more than the production 1 s per attempt.
  client = createQuotaDynamoClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_DYNAMO_CREDENTIALS,
    requestTimeoutMs: 30_000,
  });
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

/** A store on a fresh table, so each test starts with no global item. */
async function freshStore(limits: Partial<QuotaLimits>, withClient = client) {
  tables += 1;
  const tableName = `quota-${tables}`;
  await createTable(dynamo.endpoint, tableName);
  // Dynalite is far slower than DynamoDB under 200 concurrent writes: budgets to match the client's 30 s.
  const budgets = { admitBudgetMs: 60_000, refundBudgetMs: 60_000 };
  return new DynamoQuotaStore({
    client: withClient,
    tableName,
    dailyQuotaBytes: 0,
    globalQuotaBytes: 0,
    globalWindowMs: WEEK,
    ...budgets,
    ...limits,
  });
}

const charge = (jid: string, sizeBytes: number, nowMs: number): QuotaCharge => ({
  jid,
  sizeBytes,
  slotId: crypto.randomUUID(),
  now: new Date(nowMs),
});

async function settle(charges: QuotaCharge[], store: DynamoQuotaStore) {
  const results = await Promise.allSettled(charges.map((c) => store.admit(c)));
  const refusals = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as SlotError] : []));
  return { granted: results.length - refusals.length, refusals };
}

describe('DynamoQuotaStore', () => {
  // Dynalite parses every condition expression anew (~20 ms each, serialised per item): concurrency tests get room.
  it('grants exactly the room left to 200 concurrent requests of one user and refuses the rest with the retry time', {
    timeout: 120_000,
  }, async () => {
    // Prepare: 3000 of 10000 bytes used at T0, so seven 1000-byte slots fit an hour later
    const store = await freshStore({ dailyQuotaBytes: 10_000, globalQuotaBytes: 1_000_000 });
    await store.admit(charge('alice@example.org', 3000, T0));
    // Act
    const { granted, refusals } = await settle(
      Array.from({ length: 200 }, () => charge('alice@example.org', 1000, T0 + HOUR)),
      store,
    );
    // Assess: the 3000 bytes of T0 free at T0 + 24 h, which is when 1000 more fit
    expect(granted).toBe(7);
    expect(new Set(refusals.map((e) => `${e.condition} ${e.retryAt?.toISOString()}`))).toEqual(
      new Set([`quota-exceeded ${new Date(T0 + DAY_MS).toISOString()}`]),
    );
    const usage = await store.usage('alice@example.org', new Date(T0 + HOUR));
    expect([usage.dailyUsedBytes, usage.globalUsedBytes]).toEqual([10_000, 10_000]);
  });

  it('frees the bytes of a grant exactly 24 hours after it', async () => {
    const store = await freshStore({ dailyQuotaBytes: 1000 });
    await store.admit(charge('bob@example.org', 600, T0));
    await store.admit(charge('bob@example.org', 400, T0 + HOUR));
    await expect(store.admit(charge('bob@example.org', 500, T0 + DAY_MS - 1))).rejects.toMatchObject({
      condition: 'quota-exceeded',
      retryAt: new Date(T0 + DAY_MS),
    });
    await expect(store.admit(charge('bob@example.org', 500, T0 + DAY_MS))).resolves.toBeUndefined();
    await expect(store.admit(charge('bob@example.org', 200, T0 + DAY_MS))).rejects.toMatchObject({
      retryAt: new Date(T0 + DAY_MS + HOUR),
    });
  });

  it('holds the global quota under concurrent requests of many users', { timeout: 120_000 }, async () => {
    const store = await freshStore({ dailyQuotaBytes: 1_000_000, globalQuotaBytes: 50_000 });
    const users = Array.from({ length: 100 }, (_, i) => `user${i}@example.org`);
    const { granted, refusals } = await settle(
      users.flatMap((jid) => [charge(jid, 1000, T0), charge(jid, 1000, T0)]),
      store,
    );
    const bucketMs = bucketMsFor(WEEK);
    const freesAt = bucketCounted({ index: bucketIndex(T0, bucketMs), bytes: 0 }, WEEK, bucketMs).freesAtMs;
    expect(granted).toBe(50);
    expect(refusals.every((e) => e.condition === 'quota-exceeded' && e.retryAt?.getTime() === freesAt)).toBe(true);
    const usages = await Promise.all(users.map((jid) => store.usage(jid, new Date(T0))));
    expect(usages.reduce((sum, u) => sum + u.dailyUsedBytes, 0)).toBe(50_000);
    expect(usages[0]?.globalUsedBytes).toBe(50_000);
  });

  it('leaves the global item unchanged when the user quota refuses, and the user unchanged when the global one does', async () => {
    const store = await freshStore({ dailyQuotaBytes: 1000, globalQuotaBytes: 1500 });
    await store.admit(charge('carol@example.org', 1000, T0));
    await expect(store.admit(charge('carol@example.org', 100, T0))).rejects.toMatchObject({ condition: 'quota-exceeded' });
    expect((await store.usage('carol@example.org', new Date(T0))).globalUsedBytes).toBe(1000);
    await expect(store.admit(charge('dave@example.org', 600, T0))).rejects.toMatchObject({ condition: 'quota-exceeded' });
    const dave = await store.usage('dave@example.org', new Date(T0));
    expect([dave.dailyUsedBytes, dave.globalUsedBytes]).toEqual([0, 1000]);
  });

  it('refunds a charge from both quotas', async () => {
    const store = await freshStore({ dailyQuotaBytes: 1000, globalQuotaBytes: 1000 });
    const granted = charge('erin@example.org', 1000, T0);
    await store.admit(granted);
    await store.refund(granted);
    await store.refund(granted);
    const usage = await store.usage('erin@example.org', new Date(T0));
    expect([usage.dailyUsedBytes, usage.globalUsedBytes]).toEqual([0, 0]);
    await expect(store.admit(charge('erin@example.org', 1000, T0))).resolves.toBeUndefined();
  });

  it('spends two writes on a granted slot and none on a file larger than a quota', async () => {
    const store = await freshStore({ dailyQuotaBytes: 1000, globalQuotaBytes: 10_000 });
    const writes = countWrites(client);
    await store.admit(charge('frank@example.org', 10, T0));
    await store.admit(charge('frank@example.org', 10, T0 + 1));
    expect(writes.count).toBe(4);
    await expect(store.admit(charge('frank@example.org', 1001, T0))).rejects.toMatchObject({ retryAt: undefined });
    expect(writes.count).toBe(4);
    writes.remove();
  });

  it('keeps a busy user item small by merging its oldest grants', async () => {
    const store = await freshStore({ dailyQuotaBytes: 1_000_000 });
    for (let i = 0; i < MAX_USER_GRANTS + 6; i += 1) await store.admit(charge('gina@example.org', 10, T0 + i));
    const { Item } = await client.send(
      new GetItemCommand({ TableName: `quota-${tables}`, Key: { pk: { S: userItemKey('gina@example.org') } }, ConsistentRead: true }),
    );
    expect(Item?.g?.L?.length).toBeLessThanOrEqual(MAX_USER_GRANTS);
    expect(Number(Item?.expiresAt?.N)).toBeGreaterThan((T0 + DAY_MS) / 1000);
    expect((await store.usage('gina@example.org', new Date(T0 + 100))).dailyUsedBytes).toBe(10 * (MAX_USER_GRANTS + 6));
  });

  it('counts user items written before grants became strings (maps {t, b, s}) and appends to them', async () => {
    const store = await freshStore({ dailyQuotaBytes: 1000 });
    await client.send(
      new PutItemCommand({
        TableName: `quota-${tables}`,
        Item: {
          pk: { S: userItemKey('old@example.org') },
          g: { L: [{ M: { t: { N: String(T0) }, b: { N: '600' }, s: { S: 'aaaaaaaaaaaa' } } }] },
          tot: { N: '600' },
          old: { N: String(T0) },
          v: { N: '1' },
        },
      }),
    );

    await store.admit(charge('old@example.org', 400, T0 + 1));
    await expect(store.admit(charge('old@example.org', 1, T0 + 2))).rejects.toMatchObject({ retryAt: new Date(T0 + DAY_MS) });
    expect((await store.usage('old@example.org', new Date(T0 + 2))).dailyUsedBytes).toBe(1000);
  });

  it.each([
    ['the global write fails after the user was charged', 'global#'],
    ['the user write fails', 'user#'],
  ])('answers store-unavailable and leaves no charge behind when %s', async (_name, failing) => {
    const store = await freshStore({ dailyQuotaBytes: 1000, globalQuotaBytes: 1000 });
    const failure = failWrites(client, failing);
    await expect(store.admit(charge('hank@example.org', 100, T0))).rejects.toMatchObject({ condition: 'store-unavailable' });
    failure.remove();
    const usage = await store.usage('hank@example.org', new Date(T0));
    expect([usage.dailyUsedBytes, usage.globalUsedBytes]).toEqual([0, 0]);
  });

  it('answers store-unavailable when the store does not answer at all', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const dead = createQuotaDynamoClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: LOCAL_DYNAMO_CREDENTIALS,
    });
    const store = new DynamoQuotaStore({
      client: dead,
      tableName: 'quota-x',
      dailyQuotaBytes: 10,
      globalQuotaBytes: 10,
      globalWindowMs: WEEK,
    });
    await expect(store.admit(charge('ivan@example.org', 1, T0))).rejects.toMatchObject({ condition: 'store-unavailable' });
    dead.destroy();
  });
});
