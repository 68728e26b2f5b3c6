/**
 * Section 6: cost per million slots in AWS, from figures measured in this run (the handler's warm CPU time
 * from section 2, DynamoDB writes per slot from bench/quota.ts) and AWS list prices. Every assumption that
 * is not measured is a named constant below and is printed into BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { createDynamoQuotaStore } from '../lambda/adapters/dynamo-quota-store.ts';
import { configFromEnv, parseConfig } from '../lambda/core/config.ts';
import { quotaLimits } from '../lambda/core/quota.ts';
import { MEMORY_SIZE_MB } from '../lib/deployment-options.ts';
import { startDynamo } from '../local/dynamo.ts';
import { benchQuota, countingClient } from './quota.ts';
import { check, note, record, type SectionResult } from './report.ts';

/** AWS list prices (us-east-1, arm64, on-demand). */
const PRICE = {
  lambdaPerMillionRequests: 0.2,
  lambdaPerGbSecond: 0.0000133334,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
} as const;
/** Lambda gives a function CPU in proportion to memory: one full vCPU at 1,769 MB. */
const MB_PER_VCPU = 1769;
/** Sequential DynamoDB round trip inside the region, per call (see the note in the report). */
const DYNAMO_MS = 8;
const DYNAMO_MS_RANGE = [5, 10] as const;
/** Quota items stay under 1 KB (grants compacted), so each write is one write request unit. */
const WRU_PER_WRITE = 1;
const TARGET_PER_MILLION = 1.5;

export interface CostInputs {
  /** Warm handler time per request with quotas off, measured locally (CPU only, no store call). */
  readonly handlerCpuMs: number;
}

function perMillion(billedMs: number, memoryMb: number, writes: number, reads: number): { lambda: number; dynamo: number; total: number } {
  const lambda = PRICE.lambdaPerMillionRequests + (billedMs / 1000) * (memoryMb / 1024) * PRICE.lambdaPerGbSecond * 1e6;
  const dynamo = writes * WRU_PER_WRITE * PRICE.dynamoPerMillionWrites + reads * PRICE.dynamoPerMillionReads;
  return { lambda, dynamo, total: lambda + dynamo };
}

const SLOTS = 200;

/**
 * DynamoDB requests per granted slot with the default configuration (daily quota on, global quota off),
 * counted as the SDK sends them; bench/quota.ts counts the both-quotas case.
 */
async function defaultConfigRequests(): Promise<{ writes: number; reads: number }> {
  const dynamo = await startDynamo({ tableName: 'bench-cost' });
  const { client, sent } = countingClient(dynamo.endpoint);
  try {
    const config = parseConfig(configFromEnv({ UPLOAD_DOMAINS: 'localhost' }));
    if (config.dailyQuotaBytes === 0 || config.globalQuotaBytes !== 0)
      throw new Error('the defaults changed: expected daily on, global off');
    const store = createDynamoQuotaStore({ client, tableName: 'bench-cost', ...quotaLimits(config) });
    // Each user asks twice: a first slot creates the user's item, a later one updates it.
    for (let i = 0; i < SLOTS; i += 1) {
      await store.admit({ jid: `user${i % (SLOTS / 2)}@localhost`, sizeBytes: 123_456, slotId: randomUUID(), now: new Date() });
    }
    return { writes: sent.writes / SLOTS, reads: sent.reads / SLOTS };
  } finally {
    client.destroy();
    await dynamo.close();
  }
}

export async function benchCost(section: SectionResult, inputs: CostInputs): Promise<void> {
  const memoryMb = MEMORY_SIZE_MB.default;
  const both = await benchQuota();
  const daily = await defaultConfigRequests();
  const cpuScale = MB_PER_VCPU / memoryMb;
  const cpuMs = inputs.handlerCpuMs * cpuScale;
  record(section, { name: 'handler CPU per warm request (section 2, quotas off)', value: inputs.handlerCpuMs, unit: 'ms', digits: 3 });
  record(section, { name: `same at ${memoryMb} MB (× ${cpuScale.toFixed(1)}, CPU share)`, value: cpuMs, unit: 'ms', digits: 2 });
  record(section, {
    name: 'DynamoDB writes per slot, default quotas (daily on, global off)',
    value: daily.writes,
    unit: 'writes',
    digits: 2,
    note: `${daily.reads.toFixed(2)} reads`,
  });
  record(section, {
    name: 'DynamoDB writes per slot, daily + global quota (bench/quota.ts)',
    value: both.writesPerSlot,
    unit: 'writes',
    digits: 2,
  });
  record(section, {
    name: 'DynamoDB writes per daily-quota refusal (bench/quota.ts)',
    value: both.writesPerDailyRefusal,
    unit: 'writes',
    digits: 2,
    note: `${both.readsPerDailyRefusal.toFixed(2)} reads`,
  });

  const billedOff = Math.max(1, Math.ceil(cpuMs));
  const off = perMillion(billedOff, memoryMb, 0, 0);
  record(section, { name: 'quotas off: billed duration', value: billedOff, unit: 'ms', digits: 0 });
  record(section, { name: 'quotas off: total (Lambda only)', value: off.total, unit: '$/M slots', digits: 3 });
  const cases = [
    { label: 'default quotas (daily)', writes: daily.writes, reads: daily.reads },
    { label: 'daily + global quotas', writes: both.writesPerSlot, reads: 0 },
  ];
  for (const c of cases) {
    const calls = c.writes + c.reads;
    const billed = Math.max(1, Math.ceil(cpuMs + calls * DYNAMO_MS));
    const cost = perMillion(billed, memoryMb, c.writes, c.reads);
    record(section, {
      name: `${c.label}: billed duration (${calls.toFixed(2)} calls × ${DYNAMO_MS} ms)`,
      value: billed,
      unit: 'ms',
      digits: 0,
    });
    record(section, { name: `${c.label}: Lambda (requests + GB-s)`, value: cost.lambda, unit: '$/M slots', digits: 3 });
    record(section, { name: `${c.label}: DynamoDB`, value: cost.dynamo, unit: '$/M slots', digits: 3 });
    record(section, { name: `${c.label}: total`, value: cost.total, unit: '$/M slots', digits: 3 });
    const range = DYNAMO_MS_RANGE.map((ms) => perMillion(Math.ceil(cpuMs + calls * ms), memoryMb, c.writes, c.reads).total);
    record(section, {
      name: `${c.label}: total with DynamoDB at ${DYNAMO_MS_RANGE.join('–')} ms per call`,
      value: range[0] ?? 0,
      unit: '$/M slots',
      digits: 3,
      note: `to $${(range[1] ?? 0).toFixed(3)}`,
    });
    const pass = cost.total <= TARGET_PER_MILLION;
    check(section, {
      target: `≤ $${TARGET_PER_MILLION.toFixed(2)} per million slots, ${c.label}`,
      measured: `$${cost.total.toFixed(3)}`,
      pass,
      ...(pass
        ? {}
        : {
            why: `DynamoDB writes are ${((cost.dynamo / cost.total) * 100).toFixed(0)}% of it (${c.writes.toFixed(2)} writes × $${PRICE.dynamoPerMillionWrites}/M): the global quota adds a write per slot. Closing it means keeping the global counter off the per-slot write path (e.g. one global write per batch of slots, or the global quota enforced from S3 metrics); the default configuration (daily quota only) is under the target.`,
          }),
    });
  }
  note(
    section,
    `Prices: Lambda arm64 $${PRICE.lambdaPerMillionRequests} per million requests + $${PRICE.lambdaPerGbSecond} per GB-second, 1 ms billing granularity, ${memoryMb} MB (lib/defaults.ts); DynamoDB on-demand $${PRICE.dynamoPerMillionWrites} per million write request units, $${PRICE.dynamoPerMillionReads} per million reads; Function URL free; Secrets Manager read once per cold start (negligible per slot); S3 PUT/GET requests and storage are the uploader's traffic, not the slot's, and are left out.`,
  );
  note(
    section,
    `Billed duration = handler CPU × ${cpuScale.toFixed(1)} (Lambda gives ${memoryMb} MB ${(memoryMb / MB_PER_VCPU).toFixed(2)} of a vCPU; conservative for sub-millisecond bursts, and assumes a Graviton core is as fast as this machine's) + sequential DynamoDB calls × ${DYNAMO_MS} ms, rounded up to whole ms. ${DYNAMO_MS} ms is a deliberately high in-region figure for a small conditional write over a kept-alive connection (AWS quotes single-digit ms; 4–6 ms is typical); the dynalite round trips measured here (section 2, quotas on minus off) are not representative of DynamoDB and are not used.`,
  );
  note(
    section,
    `Each write is counted as ${WRU_PER_WRITE} WRU: a user's item holds one ~40-byte entry per grant of the last 24 h, so it stays under 1 KB up to ~20 slots a day; a heavy uploader's item (the store caps it at 64 entries) costs up to 3 WRU per write. Reads, where counted, at the read price. Cold starts are left out (AWS bills the init phase since August 2025, but at one per few thousand requests it adds well under 1%).`,
  );
}
