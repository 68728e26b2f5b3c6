/**
 * Quota store benchmark on embedded DynamoDB (dynalite, in this process): admissions per
 * second, and the write requests each slot costs, counted with SDK middleware as they are
 * sent. Dynalite is far slower than DynamoDB and shares this process's CPU, so the rates are
 * a floor for the code path, not a forecast for AWS; the write counts are exact.
 *
 * Run: `npx tsx bench/quota.ts`
 */
import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createQuotaDynamoClient, LOCAL_DYNAMO_CREDENTIALS } from '../lambda/adapters/dynamo-client.ts';
import { DynamoQuotaStore } from '../lambda/adapters/dynamo-quota-store.ts';
import type { QuotaCharge } from '../lambda/core/ports.ts';
import { DAY_MS } from '../lambda/core/quota-window.ts';
import { createTable, startDynamo } from '../local/dynamo.ts';

export interface QuotaBenchResult {
  /** Granted admissions per second, `concurrency` in flight, users spread over distinct JIDs. */
  readonly admissionsPerSecond: number;
  /** One request at a time. */
  readonly sequentialAdmissionsPerSecond: number;
  /** Write requests sent per granted slot (both quotas on). */
  readonly writesPerSlot: number;
  /** Write requests sent per refusal of a user over the daily quota (a failed conditional write). */
  readonly writesPerDailyRefusal: number;
  /** Read requests per such refusal (to compute the retry stamp). */
  readonly readsPerDailyRefusal: number;
  /** Milliseconds until a store on a closed port answers `store-unavailable` (production timeouts). */
  readonly deadStoreMs: number;
  /** The same for a store that accepts connections but never answers. */
  readonly hangingStoreMs: number;
  readonly concurrency: number;
  readonly slots: number;
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** A quota client for a local endpoint that counts the write and read requests it sends. */
export function countingClient(endpoint: string): { client: DynamoDBClient; sent: { writes: number; reads: number } } {
  const client = createQuotaDynamoClient({
    endpoint,
    region: 'us-east-1',
    credentials: LOCAL_DYNAMO_CREDENTIALS,
    requestTimeoutMs: 30_000,
  });
  const sent = { writes: 0, reads: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (WRITES.has(context.commandName ?? '')) sent.writes += 1;
      if (context.commandName === 'GetItemCommand') sent.reads += 1;
      return next(args);
    },
    { step: 'initialize', name: 'count-requests' },
  );
  return { client, sent };
}

/** Runs the benchmark on a fresh in-memory dynalite. */
export async function benchQuota(slots = 500, concurrency = 32): Promise<QuotaBenchResult> {
  const dynamo = await startDynamo({ tableName: 'quota-bench' });
  const { client, sent } = countingClient(dynamo.endpoint);
  try {
    const limits = { dailyQuotaBytes: 10_000_000, globalQuotaBytes: 1e15, globalWindowMs: 7 * DAY_MS };
    const store = async (name: string) => {
      await createTable(dynamo.endpoint, name);
      return new DynamoQuotaStore({ client, tableName: name, ...limits });
    };
    const charge = (i: number, size = 1000): QuotaCharge => ({
      jid: `user${i % 200}@example.org`,
      sizeBytes: size,
      slotId: crypto.randomUUID(),
      now: new Date(1_800_000_000_000 + i),
    });

    const sequential = await store('quota-seq');
    let started = performance.now();
    for (let i = 0; i < 200; i += 1) await sequential.admit(charge(i));
    const sequentialAdmissionsPerSecond = 200 / ((performance.now() - started) / 1000);

    const concurrent = await store('quota-conc');
    sent.writes = 0;
    let next = 0;
    started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < slots) await concurrent.admit(charge(next++));
      }),
    );
    const admissionsPerSecond = slots / ((performance.now() - started) / 1000);
    const writesPerSlot = sent.writes / slots;

    const full = await store('quota-full');
    await full.admit(charge(0, limits.dailyQuotaBytes));
    Object.assign(sent, { writes: 0, reads: 0 });
    for (let i = 0; i < 100; i += 1) await full.admit(charge(200 * i, 1)).catch(() => undefined);
    const writesPerDailyRefusal = sent.writes / 100;
    const readsPerDailyRefusal = sent.reads / 100;

    return {
      admissionsPerSecond,
      sequentialAdmissionsPerSecond,
      writesPerSlot,
      writesPerDailyRefusal,
      readsPerDailyRefusal,
      deadStoreMs: await deadStoreMs(false),
      hangingStoreMs: await deadStoreMs(true),
      concurrency,
      slots,
    };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

/** Time to `store-unavailable`, production client settings, against a closed port or a server that never answers. */
async function deadStoreMs(hanging: boolean): Promise<number> {
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  if (!hanging) await new Promise((resolve) => server.close(resolve));
  const client = createQuotaDynamoClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: LOCAL_DYNAMO_CREDENTIALS,
  });
  const store = new DynamoQuotaStore({ client, tableName: 'none', dailyQuotaBytes: 10, globalQuotaBytes: 10, globalWindowMs: DAY_MS });
  const started = performance.now();
  await store.admit({ jid: 'a@example.org', sizeBytes: 1, slotId: crypto.randomUUID(), now: new Date() }).catch(() => undefined);
  const elapsed = performance.now() - started;
  client.destroy();
  if (hanging) {
    server.close();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return elapsed;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchQuota();
  console.log(`quota store on dynalite (in process), ${result.slots} slots, ${result.concurrency} in flight:`);
  console.log(
    `  admissions/s         ${result.admissionsPerSecond.toFixed(0)} (sequential: ${result.sequentialAdmissionsPerSecond.toFixed(0)})`,
  );
  console.log(`  writes per slot      ${result.writesPerSlot.toFixed(2)}`);
  console.log(`  per daily refusal    ${result.writesPerDailyRefusal.toFixed(2)} writes, ${result.readsPerDailyRefusal.toFixed(2)} reads`);
  console.log(
    `  store-unavailable    ${result.deadStoreMs.toFixed(0)} ms (closed port), ${result.hangingStoreMs.toFixed(0)} ms (store never answers)`,
  );
}
