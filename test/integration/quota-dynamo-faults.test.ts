import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createQuotaDynamoClient } from '../../lambda/adapters/dynamo-client.ts';
import { DynamoQuotaStore } from '../../lambda/adapters/dynamo-quota-store.ts';
import type { QuotaCharge } from '../../lambda/core/ports.ts';
import type { QuotaLimits } from '../../lambda/core/quota.ts';
import { DAY_MS } from '../../lambda/core/quota-window.ts';
import { createTable, LOCAL_DYNAMO_CREDENTIALS, type LocalDynamo, startDynamo } from '../../local/dynamo.ts';
import { type Fault, type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';

/**
 * The quota store through the fault proxy, one connection per request, so each fault hits one
 * chosen request. "Answer lost" is DynamoDB applying a write whose answer never arrives: the SDK
 * then sends the same write again, which must not charge (or refund) a second time.
 */
const T0 = Date.parse('2026-11-22T00:00:00.000Z');
const WEEK = 7 * DAY_MS;
const LOST: Fault = { kind: 'close-mid-response', afterBytes: 0 };
const PASS: Fault = { kind: 'pass' };

let dynamo: LocalDynamo;
let proxy: FaultProxy;
let direct: DynamoDBClient;
let proxied: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: 'faults-0' });
  proxy = await startFaultProxy(Number(new URL(dynamo.endpoint).port));
  const common = { region: 'us-east-1', credentials: LOCAL_DYNAMO_CREDENTIALS } as const;
  direct = createQuotaDynamoClient({ ...common, endpoint: dynamo.endpoint, requestTimeoutMs: 30_000 });
  // Production timeouts and retries, but a fresh connection per request: the plan's index is the request's.
  proxied = createQuotaDynamoClient({ ...common, endpoint: proxy.url, keepAlive: false });
});

afterEach(() => proxy.setPlan(PASS));

afterAll(async () => {
  direct?.destroy();
  proxied?.destroy();
  await proxy?.close();
  await dynamo?.close();
});

/** Faults for the requests numbered in `faults` (counted from now), every other request passes. */
function planRequests(faults: Record<number, Fault>): void {
  const first = Object.values(proxy.counts()).reduce((sum, n) => sum + n, 0);
  proxy.setPlan((index) => faults[index - first] ?? PASS);
}

/** Two stores on one fresh table: one straight to dynalite, one through the proxy. */
async function freshStores(limits: Partial<QuotaLimits>) {
  tables += 1;
  const tableName = `faults-${tables}`;
  await createTable(dynamo.endpoint, tableName);
  const options = { tableName, dailyQuotaBytes: 0, globalQuotaBytes: 0, globalWindowMs: WEEK, ...limits };
  return { direct: new DynamoQuotaStore({ ...options, client: direct }), proxied: new DynamoQuotaStore({ ...options, client: proxied }) };
}

const charge = (jid: string, sizeBytes: number, nowMs = T0): QuotaCharge => ({
  jid,
  sizeBytes,
  slotId: crypto.randomUUID(),
  now: new Date(nowMs),
});

async function used(store: DynamoQuotaStore, jid: string) {
  const usage = await store.usage(jid, new Date(T0));
  return { daily: usage.dailyUsedBytes, global: usage.globalUsedBytes, grants: usage.grants.length };
}

describe('DynamoQuotaStore when an answer is lost after DynamoDB applied the write', () => {
  it('charges the user item once when its append is sent again', async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000 });
    planRequests({ 0: LOST });

    await stores.proxied.admit(charge('alice@example.org', 1000));

    expect(await used(stores.direct, 'alice@example.org')).toMatchObject({ daily: 1000, grants: 1 });
  });

  it('charges the global item once when its add is sent again', async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000, globalQuotaBytes: 10_000 });
    planRequests({ 1: LOST });

    await stores.proxied.admit(charge('bob@example.org', 1000));

    expect(await used(stores.direct, 'bob@example.org')).toEqual({ daily: 1000, global: 1000, grants: 1 });
  });

  it('charges once when the user item is rewritten (pruned) and that answer is lost', async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000 });
    // A grant from yesterday makes the next admission prune: a failed append, a read, a versioned rewrite.
    await stores.direct.admit(charge('carol@example.org', 500, T0 - DAY_MS - 1));
    planRequests({ 2: LOST });

    await stores.proxied.admit(charge('carol@example.org', 1000));

    expect(await used(stores.direct, 'carol@example.org')).toMatchObject({ daily: 1000, grants: 1 });
  });

  it('refunds the global item once when its refund is sent again', async () => {
    const stores = await freshStores({ globalQuotaBytes: 10_000 });
    const refunded = charge('dave@example.org', 1000);
    await stores.direct.admit(refunded);
    await stores.direct.admit(charge('erin@example.org', 1000));
    planRequests({ 0: LOST });

    await stores.proxied.refund(refunded);

    expect((await used(stores.direct, 'erin@example.org')).global).toBe(1000);
  });

  it('refunds the user item once when its rewrite is sent again', async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000 });
    const refunded = charge('frank@example.org', 1000);
    await stores.direct.admit(refunded);
    await stores.direct.admit(charge('frank@example.org', 700));
    planRequests({ 1: LOST });

    await stores.proxied.refund(refunded);

    expect(await used(stores.direct, 'frank@example.org')).toMatchObject({ daily: 700, grants: 1 });
  });

  it("charges once when every answer of the SDK's attempts was lost: the next round finds its mark", async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000, globalQuotaBytes: 10_000 });
    planRequests({ 1: LOST, 2: LOST });

    await stores.proxied.admit(charge('gina@example.org', 1000));

    expect(await used(stores.direct, 'gina@example.org')).toEqual({ daily: 1000, global: 1000, grants: 1 });
  });

  it('leaves no charge behind when the global add was applied and the store then stopped answering', { timeout: 10_000 }, async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000, globalQuotaBytes: 10_000 });
    // The user's append passes, the global add is applied and its answer lost, then nothing answers
    // for 2.5 s: longer than the admission has (3 s in all), shorter than it and its take-back together.
    const first = Object.values(proxy.counts()).reduce((sum, count) => sum + count, 0);
    const silentUntil = Date.now() + 2500;
    proxy.setPlan((index) =>
      index - first === 0 ? PASS : index - first === 1 ? LOST : Date.now() < silentUntil ? { kind: 'blackhole' } : PASS,
    );

    await expect(stores.proxied.admit(charge('hank@example.org', 1000))).rejects.toMatchObject({ condition: 'store-unavailable' });

    expect(await used(stores.direct, 'hank@example.org')).toEqual({ daily: 0, global: 0, grants: 0 });
  });
});

describe('the marks on the global item', () => {
  it('stay a handful, however long a writer keeps coming back every minute', async () => {
    const stores = await freshStores({ globalQuotaBytes: 1_000_000 });
    for (let minute = 0; minute < 40; minute += 1) await stores.direct.admit(charge('jane@example.org', 10, T0 + minute * 60_000));

    const { Item } = await direct.send(
      new GetItemCommand({ TableName: `faults-${tables}`, Key: { pk: { S: 'global#' } }, ConsistentRead: true }),
    );
    const marks = Object.entries(Item ?? {})
      .filter(([name]) => /^m\d+$/.test(name))
      .flatMap(([, value]) => value.SS ?? []);
    expect(marks.length).toBeLessThanOrEqual(2);
    expect(Number(Item?.tot?.N)).toBe(400);
  });
});

describe('DynamoQuotaStore when the store stops answering', () => {
  it('answers store-unavailable once its budget is spent, and a charge it cannot take back errs strict', { timeout: 12_000 }, async () => {
    const stores = await freshStores({ dailyQuotaBytes: 10_000, globalQuotaBytes: 10_000 });
    // After the user's append nothing answers for 5 s: the admission (3 s) and its take-back (1.5 s) both run out.
    const first = Object.values(proxy.counts()).reduce((sum, count) => sum + count, 0);
    const silentUntil = Date.now() + 5000;
    proxy.setPlan((index) => (index === first || Date.now() >= silentUntil ? PASS : { kind: 'blackhole' }));

    await expect(stores.proxied.admit(charge('ivan@example.org', 1000))).rejects.toMatchObject({ condition: 'store-unavailable' });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, silentUntil - Date.now())));

    expect(await used(stores.direct, 'ivan@example.org')).toEqual({ daily: 1000, global: 0, grants: 1 });
  });
});
