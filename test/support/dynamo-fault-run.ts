/**
 * A fault run between the slot service and DynamoDB: the real slot service (the Lambda's wiring,
 * keep-alive client and all) talks to dynalite through the fault proxy, which resets, delays,
 * blackholes or cuts off its connections while many slot requests run at once. Afterwards every
 * granted slot is looked up in the quota items. Shared by the fault test (small run, invariants)
 * and the benchmark section (larger run, figures).
 */
import { createQuotaDynamoClient, LOCAL_DYNAMO_CREDENTIALS } from '../../lambda/adapters/dynamo-client.ts';
import { GlobalQuotaItem } from '../../lambda/adapters/dynamo-quota-global.ts';
import { UserQuotaItems } from '../../lambda/adapters/dynamo-quota-user.ts';
import { startDeadline } from '../../lambda/adapters/quota-deadline.ts';
import { wireSlotService } from '../../lambda/adapters/wire-slot-service.ts';
import { parseConfig } from '../../lambda/core/config.ts';
import { toSlotError } from '../../lambda/core/errors.ts';
import { globalWindowMs } from '../../lambda/core/quota.ts';
import { shortSlotId } from '../../lambda/core/quota-grants.ts';
import { startDynamo } from '../../local/dynamo.ts';
import { type Fault, type FaultKind, startFaultProxy } from './fault-proxy.ts';

export interface DynamoFaultRunOptions {
  readonly slots: number;
  /** Slot requests in flight at once. */
  readonly concurrency: number;
  readonly users: number;
  /** Share of new connections that get a fault (0 to 1). */
  readonly faultShare: number;
  /** Every this many ms every open connection is reset, as a peer that lost its state does. */
  readonly resetAllEveryMs: number;
  readonly seed?: number;
}

export interface DynamoFaultReport {
  readonly slotsRequested: number;
  /** Requests that got an answer: a slot or a refusal (never a hang, never a throw of another kind). */
  readonly slotsAnswered: number;
  readonly slotsGranted: number;
  /** Refusals by condition (`store-unavailable`, `quota-exceeded`, …). */
  readonly errorsByCondition: Readonly<Record<string, number>>;
  /** Connections the proxy accepted, by the fault they got; `resetAll` kills are counted apart. */
  readonly faultsInjected: Readonly<Record<FaultKind, number>> & { readonly resetAll: number };
  /** Granted slots missing from their user's item, or global bytes short of the granted bytes: must be 0. */
  readonly grantedUncounted: number;
  readonly globalUncountedBytes: number;
  /** The same slot id twice in a user's item: must be 0. */
  readonly chargedTwice: number;
  /** Charges of requests that were not granted (a write applied after its request gave up): errs strict. */
  readonly chargesLeftBehind: number;
  readonly globalExtraBytes: number;
  /** The slowest answer: admission and refund budgets keep it well inside the 10 s Lambda timeout. */
  readonly slowestAnswerMs: number;
  readonly durationMs: number;
}

const SIZE = 1000;

/** A small deterministic generator (mulberry32), so a run's faults can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export async function runDynamoFaults(options: DynamoFaultRunOptions): Promise<DynamoFaultReport> {
  const next = random(options.seed ?? 13);
  const table = 'fault-run';
  const dynamo = await startDynamo({ tableName: table });
  const proxy = await startFaultProxy(Number(new URL(dynamo.endpoint).port), () => {
    if (next() >= options.faultShare) return { kind: 'pass' };
    const pick = next();
    const fault: Fault =
      pick < 0.25
        ? { kind: 'reset' }
        : pick < 0.5
          ? { kind: 'delay', ms: Math.round(200 + next() * 1300) }
          : pick < 0.75
            ? { kind: 'blackhole' }
            : { kind: 'close-mid-response', afterBytes: Math.floor(next() * 150) };
    return fault;
  });
  const config = parseConfig({
    domains: ['example.org'],
    dailyQuotaBytes: 25 * SIZE,
    globalQuotaBytes: Math.floor(0.8 * options.slots) * SIZE,
  });
  const { requestSlot } = wireSlotService({
    config,
    region: 'us-east-1',
    bucket: 'fault-run',
    tableName: table,
    s3Credentials: { accessKeyId: 'AKIDFAULTRUN', secretAccessKey: 'fault-run-secret' },
    dynamoEndpoint: proxy.url,
    dynamoCredentials: LOCAL_DYNAMO_CREDENTIALS,
  });
  const granted: { jid: string; id: string }[] = [];
  const errorsByCondition: Record<string, number> = {};
  let answered = 0;
  let slowestAnswerMs = 0;
  let resetAll = 0;
  const ticker = setInterval(() => {
    resetAll += 1;
    proxy.resetAll();
  }, options.resetAllEveryMs);
  const started = performance.now();
  let issued = 0;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (issued < options.slots) {
          const jid = `user${issued % options.users}@example.org`;
          issued += 1;
          const asked = performance.now();
          try {
            const slot = await requestSlot({ from: `${jid}/r`, filename: 'f.bin', size: SIZE });
            granted.push({ jid, id: shortSlotId(slot.key.split('/').at(-2) ?? '') });
          } catch (error) {
            const condition = toSlotError(error).condition;
            errorsByCondition[condition] = (errorsByCondition[condition] ?? 0) + 1;
          }
          answered += 1;
          slowestAnswerMs = Math.max(slowestAnswerMs, performance.now() - asked);
        }
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  const durationMs = performance.now() - started;
  // Writes the SDK gave up on may still be on their way through a delayed connection.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const direct = createQuotaDynamoClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_DYNAMO_CREDENTIALS });
  const deadline = startDeadline(60_000);
  const users = new UserQuotaItems(direct, table, config.dailyQuotaBytes);
  const global = await new GlobalQuotaItem(direct, table, config.globalQuotaBytes, globalWindowMs(config.retentionDays)).read(deadline);
  let grantedUncounted = 0;
  let chargedTwice = 0;
  let chargesLeftBehind = 0;
  for (let u = 0; u < options.users; u += 1) {
    const jid = `user${u}@example.org`;
    const ids = (await users.read(jid, deadline)).grants.map((g) => g.id);
    const mine = new Set(granted.filter((g) => g.jid === jid).map((g) => g.id));
    grantedUncounted += [...mine].filter((id) => !ids.includes(id)).length;
    chargedTwice += ids.length - new Set(ids).size;
    chargesLeftBehind += new Set(ids.filter((id) => !mine.has(id))).size;
  }
  const globalBytes = global.buckets.reduce((sum, b) => sum + b.bytes, 0);
  direct.destroy();
  const counts = proxy.counts();
  await proxy.close();
  await dynamo.close();
  return {
    slotsRequested: options.slots,
    slotsAnswered: answered,
    slotsGranted: granted.length,
    errorsByCondition,
    faultsInjected: { ...counts, resetAll },
    grantedUncounted,
    globalUncountedBytes: Math.max(0, granted.length * SIZE - globalBytes),
    chargedTwice,
    chargesLeftBehind,
    globalExtraBytes: Math.max(0, globalBytes - granted.length * SIZE),
    slowestAnswerMs,
    durationMs,
  };
}
