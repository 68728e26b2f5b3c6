import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runQuota } from '../../bin/quota-command.ts';
import { createQuotaDynamoClient } from '../../lambda/adapters/dynamo-client.ts';
import { DynamoQuotaStore } from '../../lambda/adapters/dynamo-quota-store.ts';
import { LOCAL_DYNAMO_CREDENTIALS, type LocalDynamo, startDynamo } from '../../local/dynamo.ts';

const TABLE = 'quota-cli';
let dynamo: LocalDynamo;
let client: DynamoDBClient;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dynamo = await startDynamo({ tableName: TABLE });
  client = createQuotaDynamoClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_DYNAMO_CREDENTIALS });
  env = {
    UPLOAD_TABLE: TABLE,
    UPLOAD_DYNAMODB_ENDPOINT: dynamo.endpoint,
    UPLOAD_DAILY_QUOTA_BYTES: '5000',
    UPLOAD_GLOBAL_QUOTA_BYTES: '9000',
  };
});

afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
});

/** Runs the command and returns its exit code and what it printed. */
async function run(...argv: string[]) {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await runQuota(argv, env);
    return { code, out: out.mock.calls.join('\n'), err: err.mock.calls.join('\n') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('runQuota', () => {
  it('shows the grants of a JID and the global usage, then forgets them on reset', async () => {
    // Prepare
    const store = new DynamoQuotaStore({
      client,
      tableName: TABLE,
      dailyQuotaBytes: 5000,
      globalQuotaBytes: 9000,
      globalWindowMs: 7 * 864e5,
    });
    await store.admit({ jid: 'alice@example.org', sizeBytes: 1234, slotId: crypto.randomUUID(), now: new Date() });
    // Act / Assess
    const shown = await run('show', 'Alice@example.org/phone', '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({
      jid: 'alice@example.org',
      dailyUsedBytes: 1234,
      globalUsedBytes: 1234,
      dailyQuotaBytes: 5000,
    });
    expect((await run('reset', 'alice@example.org')).code).toBe(0);
    expect((await run('show', 'alice@example.org')).out).toContain('alice@example.org: 0 bytes (0.0 MiB) of 5000 bytes');
    expect((await run('reset', '--global')).code).toBe(0);
    expect((await run('show', 'alice@example.org')).out).toContain('global: 0 bytes (0.0 MiB) of 9000 bytes');
  });

  it.each([[['show']], [['show', 'not a jid']], [['purge', 'a@example.org']], [['show', '--global']], [['show', 'a@example.org', 'b']]])(
    'rejects %j with the help text and exit code 2',
    async (argv) => {
      const result = await run(...argv);
      expect(result.code).toBe(2);
      expect(result.err).toContain('Usage: xmpp-s3-upload quota');
    },
  );

  it('prints the help with examples', async () => {
    const result = await run('--help');
    expect([result.code, result.out.includes('Examples:')]).toEqual([0, true]);
  });

  it('exits 3 when the table cannot be reached', async () => {
    const saved = env;
    env = { ...env, UPLOAD_DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' };
    const result = await run('show', 'a@example.org');
    env = saved;
    expect(result.code).toBe(3);
    expect(result.err).toContain('cannot read the quota table');
  });
});
