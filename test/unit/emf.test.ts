import { describe, expect, it } from 'vitest';
import { quotaLatencyLine, requestLine } from '../../lambda/http/emf.ts';

const AT = new Date('2026-11-22T12:00:00Z');
const base = { method: 'POST', route: 'POST /xmpp', latencyMs: 3.2 };

describe('requestLine', () => {
  it('turns a granted slot into SlotsGranted and BytesGranted', () => {
    const line = JSON.parse(requestLine({ ...base, status: 200, outcome: 'granted', jid: 'a@b', sizeBytes: 4096 }, 'fn', AT));

    expect(line._aws).toEqual({
      Timestamp: AT.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: 'XmppS3Upload',
          Dimensions: [['Service']],
          Metrics: [
            { Name: 'SlotsGranted', Unit: 'Count' },
            { Name: 'BytesGranted', Unit: 'Bytes' },
          ],
        },
      ],
    });
    expect(line).toMatchObject({ Service: 'fn', SlotsGranted: 1, BytesGranted: 4096, route: 'POST /xmpp', jid: 'a@b', level: 'info' });
  });

  it('turns a refusal into SlotsRefused by Service and by Condition', () => {
    const line = JSON.parse(requestLine({ ...base, status: 200, outcome: 'quota-exceeded' }, 'fn', AT));

    expect(line._aws.CloudWatchMetrics[0].Dimensions).toEqual([['Service'], ['Service', 'Condition']]);
    expect(line).toMatchObject({ SlotsRefused: 1, Condition: 'quota-exceeded', Service: 'fn' });
  });

  it('writes a plain line, without metrics, for other requests', () => {
    const line = JSON.parse(requestLine({ ...base, status: 401, outcome: 'unauthorized' }, 'fn', AT));

    expect(line._aws).toBeUndefined();
    expect(line.outcome).toBe('unauthorized');
  });

  it('marks 5xx lines as errors', () => {
    expect(JSON.parse(requestLine({ ...base, status: 503, outcome: 'store-unavailable' }, 'fn', AT)).level).toBe('error');
  });
});

describe('quotaLatencyLine', () => {
  it('carries QuotaStoreLatency in milliseconds', () => {
    const line = JSON.parse(quotaLatencyLine(12.345, 'fn', AT));

    expect(line._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: 'QuotaStoreLatency', Unit: 'Milliseconds' }]);
    expect(line.QuotaStoreLatency).toBe(12.35);
  });
});
