/**
 * Section 6: cost per million slots in AWS, from figures measured in this run (the handler's warm CPU time
 * from section 2, DynamoDB writes per slot from bench/quota.ts) and AWS list prices. Every assumption that
 * is not measured is a named constant below and is printed into BENCHMARKS.md.
 */
import { randomUUID } from 'node:crypto';
import { createDynamoQuotaStore } from '../lambda/adapters/dynamo-quota-store.ts';
import { configFromEnv, parseConfig } from '../lambda/core/config.ts';
import { quotaLimits } from '../lambda/core/quota.ts';
import { requestLine } from '../lambda/http/emf.ts';
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
  /**
   * CloudWatch Logs ingestion, Standard class, first 10 TB a month (Lambda's logs are billed as vended
   * logs at this tier): https://aws.amazon.com/cloudwatch/pricing/
   */
  logsPerGbIngested: 0.5,
} as const;
/** Bytes CloudWatch Logs counts per log event on top of its message (the PutLogEvents batch-size rule); counted as billed, to be safe. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
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

/**
 * The log events of one granted slot as the deployed function writes them: the request line (the
 * ledger, with its EMF metrics and the quota-store latency) from the handler's own `requestLine`,
 * and the runtime's START, END and REPORT lines (the formats of the Lambda developer guide, with a
 * full-length request id and a stack-generated function name).
 */
export function slotLogEvents(): string[] {
  const slotId = '3f1c9e2a-7b4d-4e8f-9a1b-2c3d4e5f6a7b';
  const requestId = '8f507cfc-2d4e-4697-b07a-ac58fc914c95';
  const service = 'XmppS3UploadStack-ServiceSlotHandlerA1B2C3D4-AbCdEfGhIjKl';
  const line = requestLine(
    {
      method: 'POST',
      route: 'POST /xmpp/:secret',
      status: 200,
      outcome: 'granted',
      jid: 'alice.example@chat.example.org',
      sizeBytes: 2_345_678,
      latencyMs: 16.42,
      key: `uploads/${slotId}/IMG_20261202_101530.jpg`,
      slotId,
      contentType: 'image/jpeg',
      grantedAt: '2026-12-02T10:15:30.123Z',
      putExpiresAt: '2026-12-02T10:20:30.123Z',
      purpose: 'message',
    },
    service,
    new Date('2026-12-02T10:15:30.140Z'),
    [8.37],
  );
  return [
    `START RequestId: ${requestId} Version: $LATEST`,
    line,
    `END RequestId: ${requestId}`,
    `REPORT RequestId: ${requestId}\tDuration: 16.42 ms\tBilled Duration: 17 ms\tMemory Size: 256 MB\tMax Memory Used: 92 MB\t`,
  ];
}

/** Bytes ingested per slot: every event's UTF-8 message plus the per-event overhead. */
export function logBytesPerSlot(events: readonly string[] = slotLogEvents()): number {
  return events.reduce((sum, event) => sum + Buffer.byteLength(event, 'utf8') + LOG_EVENT_OVERHEAD_BYTES, 0);
}

/** Dollars per million slots: Lambda (requests + GB-s), DynamoDB requests, CloudWatch Logs ingestion. */
export function perMillion(
  billedMs: number,
  memoryMb: number,
  writes: number,
  reads: number,
  logBytes = logBytesPerSlot(),
): { lambda: number; dynamo: number; logs: number; total: number } {
  const lambda = PRICE.lambdaPerMillionRequests + (billedMs / 1000) * (memoryMb / 1024) * PRICE.lambdaPerGbSecond * 1e6;
  const dynamo = writes * WRU_PER_WRITE * PRICE.dynamoPerMillionWrites + reads * PRICE.dynamoPerMillionReads;
  // Decimal GB (10^9 bytes), the larger of the two readings of "GB".
  const logs = ((logBytes * 1e6) / 1e9) * PRICE.logsPerGbIngested;
  return { lambda, dynamo, logs, total: lambda + dynamo + logs };
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

  const events = slotLogEvents();
  const logBytes = logBytesPerSlot(events);
  record(section, {
    name: 'log bytes ingested per slot (request line + START/END/REPORT)',
    value: logBytes,
    unit: 'bytes',
    digits: 0,
    note: `request line ${Buffer.byteLength(events[1] ?? '')} bytes; ${events.length} events × ${LOG_EVENT_OVERHEAD_BYTES} bytes overhead`,
  });
  const billedOff = Math.max(1, Math.ceil(cpuMs));
  const off = perMillion(billedOff, memoryMb, 0, 0, logBytes);
  record(section, { name: 'CloudWatch Logs ingestion', value: off.logs, unit: '$/M slots', digits: 3 });
  record(section, { name: 'quotas off: billed duration', value: billedOff, unit: 'ms', digits: 0 });
  record(section, { name: 'quotas off: total (Lambda + logs)', value: off.total, unit: '$/M slots', digits: 3 });
  const cases = [
    { label: 'default quotas (daily)', writes: daily.writes, reads: daily.reads },
    { label: 'daily + global quotas', writes: both.writesPerSlot, reads: 0 },
  ];
  for (const c of cases) {
    const calls = c.writes + c.reads;
    const billed = Math.max(1, Math.ceil(cpuMs + calls * DYNAMO_MS));
    const cost = perMillion(billed, memoryMb, c.writes, c.reads, logBytes);
    record(section, {
      name: `${c.label}: billed duration (${calls.toFixed(2)} calls × ${DYNAMO_MS} ms)`,
      value: billed,
      unit: 'ms',
      digits: 0,
    });
    record(section, { name: `${c.label}: Lambda (requests + GB-s)`, value: cost.lambda, unit: '$/M slots', digits: 3 });
    record(section, { name: `${c.label}: DynamoDB`, value: cost.dynamo, unit: '$/M slots', digits: 3 });
    record(section, { name: `${c.label}: total`, value: cost.total, unit: '$/M slots', digits: 3 });
    const range = DYNAMO_MS_RANGE.map((ms) => perMillion(Math.ceil(cpuMs + calls * ms), memoryMb, c.writes, c.reads, logBytes).total);
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
    `Prices: Lambda arm64 $${PRICE.lambdaPerMillionRequests} per million requests + $${PRICE.lambdaPerGbSecond} per GB-second, 1 ms billing granularity, ${memoryMb} MB (lib/defaults.ts); DynamoDB on-demand $${PRICE.dynamoPerMillionWrites} per million write request units, $${PRICE.dynamoPerMillionReads} per million reads; CloudWatch Logs ingestion $${PRICE.logsPerGbIngested} per GB (https://aws.amazon.com/cloudwatch/pricing/), on the bytes of the slot's log events measured from the handler's own request line (the upload ledger: key, slot id, JID, size, type, times, purpose, EMF metrics) plus Lambda's START/END/REPORT lines, ${LOG_EVENT_OVERHEAD_BYTES} bytes per event added; log storage ($0.03 per GB-month, compressed) and Logs Insights queries ($0.005 per GB scanned, per operator query) are left out; Function URL free; Secrets Manager read once per cold start (negligible per slot); S3 PUT/GET requests and storage are the uploader's traffic, not the slot's, and are left out.`,
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
