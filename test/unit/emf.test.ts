import { describe, expect, it } from 'vitest';
import { requestLine } from '../../lambda/http/emf.ts';

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

describe('the ledger on the request line', () => {
  it('carries key, slot id, bare JID, size, type, grant time, PUT expiry and purpose of a grant', () => {
    const grant = {
      ...base,
      status: 201,
      outcome: 'granted',
      jid: 'alice@example.org',
      sizeBytes: 12,
      key: 'uploads/0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21/a.txt',
      slotId: '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21',
      contentType: 'text/plain',
      grantedAt: '2026-11-22T12:00:00.000Z',
      putExpiresAt: '2026-11-22T12:05:00.000Z',
      purpose: 'message',
    };

    const line = JSON.parse(requestLine(grant, 'fn', AT));

    expect(line).toMatchObject(grant);
  });
});

describe('quota-store latency on the request line', () => {
  it('adds one QuotaStoreLatency value per call to a grant, under Service only', () => {
    const line = JSON.parse(requestLine({ ...base, status: 201, outcome: 'granted', sizeBytes: 1 }, 'fn', AT, [12.345]));

    expect(line._aws.CloudWatchMetrics).toHaveLength(1);
    expect(line._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'QuotaStoreLatency', Unit: 'Milliseconds' });
    expect(line.QuotaStoreLatency).toBe(12.35);
  });

  it("keeps a refusal's Condition dimension off the latency: a second directive", () => {
    const line = JSON.parse(requestLine({ ...base, status: 200, outcome: 'quota-exceeded' }, 'fn', AT, [3, 4.567]));

    expect(line._aws.CloudWatchMetrics[1]).toEqual({
      Namespace: 'XmppS3Upload',
      Dimensions: [['Service']],
      Metrics: [{ Name: 'QuotaStoreLatency', Unit: 'Milliseconds' }],
    });
    expect(line.QuotaStoreLatency).toEqual([3, 4.57]);
  });
});
