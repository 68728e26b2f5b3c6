import { describe, expect, it } from 'vitest';
import { runDynamoFaults } from '../support/dynamo-fault-run.ts';

describe('the slot service with faults between it and DynamoDB', () => {
  it('answers every request, grants nothing it did not count and counts nothing twice', { timeout: 120_000 }, async () => {
    const report = await runDynamoFaults({ slots: 300, concurrency: 16, users: 20, faultShare: 0.4, resetAllEveryMs: 300 });

    expect(report.slotsAnswered).toBe(report.slotsRequested);
    expect(report.grantedUncounted).toBe(0);
    expect(report.globalUncountedBytes).toBe(0);
    expect(report.chargedTwice).toBe(0);
    expect(report.slotsGranted).toBeGreaterThan(0);
    expect(Object.keys(report.errorsByCondition).every((c) => c === 'store-unavailable' || c === 'quota-exceeded')).toBe(true);
    for (const kind of ['reset', 'delay', 'blackhole', 'close-mid-response'] as const)
      expect(report.faultsInjected[kind], kind).toBeGreaterThan(0);
  });
});
