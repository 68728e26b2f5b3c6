import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightsLedger } from '../../bin/files-aws.ts';
import { lineFields, TAKEDOWN_STREAM } from '../../bin/ledger.ts';
import { requestLine } from '../../lambda/http/emf.ts';

/**
 * The Logs Insights adapter through the real CloudWatch Logs SDK client, against a scripted
 * stand-in of the API (JSON 1.1 over HTTP): what the adapter sends (log group, query, time range,
 * takedown events) and how it polls and parses. What Logs Insights does with the query has no
 * local stand-in; test/unit/ledger.test.ts checks the query strings.
 */
const SLOT = '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21';
const KEY = `uploads/${SLOT}/a.txt`;
const calls: { target: string; body: Record<string, unknown> }[] = [];
let polls = 0;
let server: Server;
let client: CloudWatchLogsClient;

const grant = requestLine(
  {
    method: 'POST',
    route: 'POST /v1/slots',
    status: 201,
    outcome: 'granted',
    jid: 'alice@example.org',
    sizeBytes: 3,
    latencyMs: 2,
    key: KEY,
    slotId: SLOT,
    contentType: 'text/plain',
    grantedAt: '2026-12-02T10:00:00.000Z',
    putExpiresAt: '2026-12-02T10:05:00.000Z',
    purpose: 'message',
  },
  'fn',
  new Date('2026-12-02T10:00:00.010Z'),
);

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void body(req).then((parsed) => {
      const target = String(req.headers['x-amz-target']).replace('Logs_20140328.', '');
      calls.push({ target, body: parsed });
      if (target === 'GetQueryResults') polls += 1;
      const answer: Record<string, unknown> =
        target === 'StartQuery'
          ? { queryId: 'q-1' }
          : target === 'GetQueryResults'
            ? polls === 1
              ? { status: 'Running', results: [] }
              : {
                  status: 'Complete',
                  results: [
                    [
                      { field: '@timestamp', value: '2026-12-02 10:00:00.010' },
                      ...Object.entries(lineFields(grant) ?? {}).map(([field, value]) => ({ field, value })),
                      { field: '@ptr', value: 'ptr-1' },
                    ],
                  ],
                }
            : { nextSequenceToken: '1' };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new CloudWatchLogsClient({
    region: 'eu-west-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    credentials: { accessKeyId: 'AKIAOPERATOREXAMPLE', secretAccessKey: 'x' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
});

describe('the Logs Insights ledger adapter', () => {
  it('starts the query on the log group over the whole ledger, polls until Complete, and parses the grant', async () => {
    const ledger = insightsLedger({ logGroupName: '/aws/lambda/fn', client, pollMs: 1, now: () => new Date('2026-12-02T12:00:00Z') });

    const records = await ledger.find({ slotId: SLOT });

    expect(records).toEqual([expect.objectContaining({ kind: 'grant', key: KEY, jid: 'alice@example.org', sizeBytes: 3 })]);
    const start = calls.find((c) => c.target === 'StartQuery')?.body;
    expect(start).toMatchObject({
      logGroupName: '/aws/lambda/fn',
      startTime: 0,
      endTime: Date.parse('2026-12-02T12:00:00Z') / 1000,
      limit: 10_000,
    });
    expect(String(start?.queryString)).toContain(`filter slotId = "${SLOT}"`);
    expect(calls.filter((c) => c.target === 'GetQueryResults').map((c) => c.body)).toEqual([{ queryId: 'q-1' }, { queryId: 'q-1' }]);
  });

  it('records a takedown as one event on the takedown stream', async () => {
    const ledger = insightsLedger({ logGroupName: '/aws/lambda/fn', client });
    const at = new Date('2026-12-02T12:30:00Z');

    await ledger.record({
      key: KEY,
      slotId: SLOT,
      jid: 'alice@example.org',
      action: 'delete',
      takenDownAt: at,
      by: 'ops',
      reason: 'ticket 1',
    });

    const put = calls.find((c) => c.target === 'PutLogEvents')?.body as {
      logStreamName: string;
      logEvents: { timestamp: number; message: string }[];
    };
    expect(put.logStreamName).toBe(TAKEDOWN_STREAM);
    expect(put.logEvents).toHaveLength(1);
    expect(put.logEvents[0]?.timestamp).toBe(at.getTime());
    expect(JSON.parse(put.logEvents[0]?.message ?? '')).toMatchObject({ event: 'takedown', key: KEY, by: 'ops', reason: 'ticket 1' });
    expect(calls.some((c) => c.target === 'CreateLogStream')).toBe(false);
  });
});
