import { describe, expect, it } from 'vitest';
import { describeAwsError, invalidationPaths, queryLedger } from '../../bin/files-aws.ts';
import { slotState } from '../../bin/files-command.ts';
import {
  type Grant,
  INSIGHTS_MAX_ROWS,
  type InsightsRow,
  insightsLiteral,
  insightsQuery,
  lineFields,
  parseFileRef,
  parseSince,
  recordOf,
  rowFields,
  takedownLine,
} from '../../bin/ledger.ts';
import { requestLine } from '../../lambda/http/emf.ts';

/**
 * The ledger's pure logic. Logs Insights has no local stand-in, so its query strings and the
 * parsing of GetQueryResults rows are tested here as logic; the S3 adapter runs against the
 * strict local S3 in test/integration/files-command.test.ts.
 */
const SLOT = '0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21';
const KEY = `uploads/${SLOT}/cat picture.jpg`;
const NOW = new Date('2026-12-02T12:00:00Z');

const grantLine = (over: Record<string, unknown> = {}) =>
  requestLine(
    {
      method: 'POST',
      route: 'POST /xmpp',
      status: 200,
      outcome: 'granted',
      jid: 'alice@example.org',
      sizeBytes: 1234,
      latencyMs: 4.2,
      key: KEY,
      slotId: SLOT,
      contentType: 'image/jpeg',
      grantedAt: '2026-12-02T11:00:00.000Z',
      putExpiresAt: '2026-12-02T11:05:00.000Z',
      purpose: 'message',
      ...over,
    },
    'fn',
    NOW,
  );

/** A GetQueryResults row as Logs Insights returns it for a line: every discovered field as a string. */
const rowOf = (line: string, ptr: string, timestamp = '2026-12-02 11:00:00.000'): InsightsRow => [
  { field: '@timestamp', value: timestamp },
  ...Object.entries(lineFields(line) ?? {}).map(([field, value]) => ({ field, value })),
  { field: '@ptr', value: ptr },
];

describe('insightsQuery', () => {
  it('asks for the grant and the takedowns of a slot id', () => {
    expect(insightsQuery({ slotId: SLOT })).toBe(
      'fields @timestamp, outcome, event, key, slotId, jid, sizeBytes, contentType, grantedAt, putExpiresAt, purpose, action, takenDownAt, by, reason\n' +
        `| filter slotId = "${SLOT}" and (outcome = "granted" or event = "takedown")\n` +
        '| sort @timestamp desc\n' +
        `| limit ${INSIGHTS_MAX_ROWS}`,
    );
  });

  it('asks for the grants to a JID by equality', () => {
    expect(insightsQuery({ jid: 'alice@example.org' })).toContain('| filter outcome = "granted" and jid = "alice@example.org"\n');
  });

  it('looks up a JID with a backslash (XEP-0106) by its domain, never quoting the backslash', () => {
    const query = insightsQuery({ jid: 'd\\27artagnan@example.org' });

    expect(query).toContain('jid like "@example.org"');
    expect(query).not.toContain('\\');
  });

  it('refuses a slot id that is not a UUID, and any literal that would need escaping', () => {
    expect(() => insightsQuery({ slotId: 'x" or 1=1' })).toThrow(/not a slot id/);
    expect(() => insightsLiteral('a"b')).toThrow();
    expect(() => insightsLiteral('a\\b')).toThrow();
    expect(() => insightsLiteral('a\nb')).toThrow();
  });
});

describe('recordOf', () => {
  it('reads a grant from the very line the handler writes', () => {
    expect(recordOf(lineFields(grantLine()) ?? {})).toEqual({
      kind: 'grant',
      key: KEY,
      slotId: SLOT,
      jid: 'alice@example.org',
      sizeBytes: 1234,
      contentType: 'image/jpeg',
      grantedAt: new Date('2026-12-02T11:00:00.000Z'),
      putExpiresAt: new Date('2026-12-02T11:05:00.000Z'),
      purpose: 'message',
    });
  });

  it('defaults the purpose of lines written before purposes to message', () => {
    expect(recordOf(lineFields(grantLine({ purpose: undefined })) ?? {})).toMatchObject({ purpose: 'message' });
  });

  it('reads a takedown line back', () => {
    const line = takedownLine({
      key: KEY,
      slotId: SLOT,
      jid: 'alice@example.org',
      action: 'purge',
      takenDownAt: NOW,
      by: 'ops@host',
      reason: 'GDPR',
    });

    expect(recordOf(lineFields(line) ?? {})).toEqual({
      kind: 'takedown',
      key: KEY,
      slotId: SLOT,
      jid: 'alice@example.org',
      action: 'purge',
      takenDownAt: NOW,
      by: 'ops@host',
      reason: 'GDPR',
    });
  });

  it('ignores refusals, other lines, and grants missing a ledger field', () => {
    const refusal = requestLine(
      { method: 'POST', route: 'POST /xmpp', status: 200, outcome: 'quota-exceeded', jid: 'a@b', latencyMs: 1 },
      'fn',
      NOW,
    );

    expect(recordOf(lineFields(refusal) ?? {})).toBeUndefined();
    expect(recordOf(lineFields(grantLine({ key: undefined })) ?? {})).toBeUndefined();
    expect(recordOf(lineFields(grantLine({ grantedAt: 'yesterday' })) ?? {})).toBeUndefined();
    expect(lineFields('START RequestId: 1 Version: $LATEST')).toBeUndefined();
  });
});

describe('queryLedger over GetQueryResults rows', () => {
  it('parses the rows and keeps only exact matches (a domain lookup returns the whole domain)', async () => {
    const rows = [rowOf(grantLine({ jid: 'd\\27artagnan@example.org' }), 'p1'), rowOf(grantLine({ jid: 'bob@example.org' }), 'p2')];
    const queries: string[] = [];

    const records = await queryLedger(
      { logGroupName: 'g', client: undefined as never, now: () => NOW },
      { jid: 'd\\27artagnan@example.org' },
      async (q) => {
        queries.push(q);
        return rows;
      },
    );

    expect(records.map((r) => r.jid)).toEqual(['d\\27artagnan@example.org']);
    expect(queries).toHaveLength(1);
  });

  it('pages past the row limit by ending the next query at the oldest row, dropping repeated rows', async () => {
    const ranges: [number, number][] = [];
    const page = (from: number, count: number, second: string): InsightsRow[] =>
      Array.from({ length: count }, (_, i) => rowOf(grantLine(), `p${from + i}`, `2026-12-02 ${second}`));
    const pages = [
      page(0, INSIGHTS_MAX_ROWS, '11:00:00.000'),
      [...page(INSIGHTS_MAX_ROWS - 1, 1, '11:00:00.000'), ...page(INSIGHTS_MAX_ROWS, 5, '10:00:00.000')],
    ];

    const records = await queryLedger(
      { logGroupName: 'g', client: undefined as never, now: () => NOW },
      { jid: 'alice@example.org', since: new Date('2026-12-01T00:00:00Z') },
      async (_q, start, end) => {
        ranges.push([start, end]);
        return pages[ranges.length - 1] ?? [];
      },
    );

    expect(records).toHaveLength(INSIGHTS_MAX_ROWS + 5);
    expect(ranges).toEqual([
      [Date.parse('2026-12-01T00:00:00Z') / 1000, NOW.getTime() / 1000],
      [Date.parse('2026-12-01T00:00:00Z') / 1000, Date.parse('2026-12-02T11:00:00Z') / 1000],
    ]);
  });

  it('reads rows as plain fields', () => {
    expect(rowFields([{ field: 'a', value: '1' }, { field: 'b' }, { value: 'x' }])).toEqual({ a: '1' });
  });
});

describe('parseFileRef', () => {
  const BASES = ['https://d111.cloudfront.net', 'https://bucket.s3.eu-west-1.amazonaws.com'];

  it('reads the key of a GET URL under a download base, decoding each segment', () => {
    expect(parseFileRef(`https://d111.cloudfront.net/uploads/${SLOT}/cat%20picture.jpg?x=1`, BASES)).toEqual({
      input: `https://d111.cloudfront.net/uploads/${SLOT}/cat%20picture.jpg?x=1`,
      key: KEY,
      slotId: SLOT,
    });
  });

  it('takes the slot id of a URL on another host, leaving the key to the ledger', () => {
    expect(parseFileRef(`https://files.example.org/uploads/${SLOT}/a.jpg`, BASES)).toMatchObject({ key: undefined, slotId: SLOT });
  });

  it('takes a key, with or without a leading slash', () => {
    expect(parseFileRef(`/${KEY}`, BASES)).toMatchObject({ key: KEY, slotId: SLOT });
  });

  it('says what is wrong with anything else', () => {
    expect(parseFileRef('https://example.org/a/b.jpg', BASES)).toMatch(/not a GET URL of this service/);
    expect(parseFileRef('uploads/cat.jpg', BASES)).toMatch(/neither a GET URL nor a key/);
    // A filename that looks like a UUID is still a filename.
    expect(parseFileRef(`uploads/x/${SLOT}`, BASES)).toMatch(/neither/);
  });
});

describe('parseSince', () => {
  it.each([
    ['7d', '2026-11-25T12:00:00.000Z'],
    ['24h', '2026-12-01T12:00:00.000Z'],
    ['30m', '2026-12-02T11:30:00.000Z'],
    ['2026-11-01', '2026-11-01T00:00:00.000Z'],
  ])('reads %s', (value, expected) => {
    expect(parseSince(value, NOW)?.toISOString()).toBe(expected);
  });

  it.each(['yesterday', '7 days', '', '2026-13-45'])('refuses %j', (value) => {
    expect(parseSince(value, NOW)).toBeUndefined();
  });
});

describe('slotState', () => {
  const grant = recordOf(lineFields(grantLine()) ?? {}) as Grant;
  const stored = { sizeBytes: 1234, contentType: 'image/jpeg', lastModified: NOW };

  it.each([
    ['stored', stored, [], 7, NOW],
    ['upload-pending', undefined, [], 7, new Date('2026-12-02T11:01:00Z')],
    ['never-uploaded', undefined, [], 7, NOW],
    ['expired', undefined, [], 7, new Date('2026-12-11T00:00:00Z')],
    ['never-uploaded', undefined, [], 0, new Date('2027-12-11T00:00:00Z')],
  ] as const)('is %s', (state, object, takedowns, retentionDays, now) => {
    expect(slotState(KEY, grant, object, takedowns, retentionDays, now).state).toBe(state);
  });

  it('is taken down once a takedown is recorded, and unknown without grant or object', () => {
    const takedown = {
      kind: 'takedown',
      key: KEY,
      slotId: SLOT,
      jid: undefined,
      action: 'delete',
      takenDownAt: NOW,
      by: 'x',
      reason: undefined,
    } as const;

    expect(slotState(KEY, grant, undefined, [takedown], 7, NOW).state).toBe('taken-down');
    expect(slotState(KEY, undefined, undefined, [], 7, NOW).state).toBe('unknown');
  });
});

describe('describeAwsError', () => {
  it('names the OperatorPolicyArn output on AccessDenied, with exit code 5', () => {
    const denied = Object.assign(new Error('User: arn:aws:iam::1:user/x is not authorized to perform: logs:StartQuery'), {
      name: 'AccessDeniedException',
    });

    const error = describeAwsError(denied, 'querying the ledger in /aws/lambda/x');

    expect(error.code).toBe(5);
    expect(error.message).toContain('OperatorPolicyArn');
    expect(error.message).toMatch(/^querying the ledger in \/aws\/lambda\/x: access denied/);
  });

  it('says when there are no credentials at all', () => {
    const none = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });

    expect(describeAwsError(none, 'x')).toMatchObject({ code: 5, message: expect.stringContaining('no AWS credentials') });
  });

  it('treats an S3 403 without an error name as denied, and anything else as unreachable', () => {
    expect(describeAwsError(Object.assign(new Error('UnknownError'), { $metadata: { httpStatusCode: 403 } }), 'x').code).toBe(5);
    expect(describeAwsError(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }), 'x').code).toBe(3);
  });
});

describe('invalidationPaths', () => {
  it('encodes each key as its GET URL path, once', () => {
    expect(invalidationPaths([KEY, KEY, `uploads/${SLOT}/a+b.txt`])).toEqual([
      `/uploads/${SLOT}/cat%20picture.jpg`,
      `/uploads/${SLOT}/a%2Bb.txt`,
    ]);
  });
});
