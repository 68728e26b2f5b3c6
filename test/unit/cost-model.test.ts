import { describe, expect, it } from 'vitest';
import { logBytesPerSlot, perMillion, slotLogEvents } from '../../bench/cost.ts';
import { lineFields, recordOf } from '../../bin/ledger.ts';

/** The pure part of the cost model (bench/cost.ts): what a slot logs, and what that costs. No timing. */
describe('the cost model’s log ingestion', () => {
  it('measures the real request line, which holds the whole ledger entry', () => {
    const [start, line, end, report] = slotLogEvents();

    expect(recordOf(lineFields(line ?? '') ?? {})).toMatchObject({
      kind: 'grant',
      jid: 'alice.example@chat.example.org',
      purpose: 'message',
    });
    expect([start, end, report].every((e) => e?.includes('RequestId: '))).toBe(true);
    expect(logBytesPerSlot()).toBe(slotLogEvents().reduce((sum, e) => sum + Buffer.byteLength(e) + 26, 0));
  });

  it('prices ingestion at $0.50 per (decimal) GB', () => {
    expect(perMillion(1, 256, 0, 0, 1000).logs).toBeCloseTo(0.5, 10);
    expect(perMillion(1, 256, 0, 0, 2000).logs).toBeCloseTo(1, 10);
  });

  it('adds Lambda, DynamoDB and logs into the total', () => {
    const cost = perMillion(16, 256, 1, 0, 1000);

    expect(cost.dynamo).toBeCloseTo(0.625, 10);
    expect(cost.total).toBeCloseTo(cost.lambda + cost.dynamo + cost.logs, 10);
  });
});
