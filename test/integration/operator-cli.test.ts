import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runInfo } from '../../bin/info-command.ts';
import { runSlot } from '../../bin/slot-command.ts';
import { runUpload } from '../../bin/upload-command.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/** The operator commands against the strict local stack, over real HTTP. */
let stack: LocalStack;
let env: NodeJS.ProcessEnv;
let dir: string;

beforeAll(async () => {
  stack = await startLocalStack({ env: { UPLOAD_MAX_FILE_SIZE_BYTES: '2000000', UPLOAD_DAILY_QUOTA_BYTES: '3000000' } });
  env = { UPLOAD_ENDPOINT: stack.endpoint, UPLOAD_SECRET: stack.secret };
  dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
});

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs a command, capturing what it prints on stdout and stderr. */
async function run(command: (argv: string[], env: NodeJS.ProcessEnv) => Promise<number>, argv: string[], withEnv = env) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => void err.push(String(line)));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => err.push(String(chunk)) > 0);
  const code = await command(argv, withEnv);
  vi.restoreAllMocks();
  return { code, out: out.join('\n'), err: err.join('') };
}

describe('xmpp-s3-upload slot', () => {
  it('prints the PUT URL with its headers and the GET URL', async () => {
    const { code, out } = await run(runSlot, ['--jid', 'alice@localhost', '--name', 'cat.jpg', '--size', '1234', '--type', 'image/jpeg']);

    expect(code).toBe(0);
    expect(out).toMatch(
      /^PUT http:\/\/127\.0\.0\.1:\d+\/xmpp-s3-upload-local\/uploads\/message\/[0-9a-f-]{36}\/cat\.jpg\?.*X-Amz-Signature=/m,
    );
    expect(out).toContain('headers: Content-Length: 1234, Content-Type: image/jpeg');
    expect(out).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/xmpp-s3-upload-local\/uploads\/message\/[0-9a-f-]{36}\/cat\.jpg$/m);
  });

  it('prints JSON with --json', async () => {
    const { code, out } = await run(runSlot, ['--jid', 'alice@localhost', '--name', 'a.txt', '--size', '5', '--json']);

    expect(code).toBe(0);
    expect(JSON.parse(out).key).toMatch(/^uploads\/message\/[0-9a-f-]{36}\/a\.txt$/);
  });

  it('asks for an XEP-0363 1.2 purpose with --purpose', async () => {
    const { code, out } = await run(runSlot, [
      '--jid',
      'alice@localhost',
      '--name',
      'me.png',
      '--size',
      '5',
      '--purpose',
      'profile',
      '--json',
    ]);

    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ purpose: 'profile', key: expect.stringMatching(/^uploads\/profile\/[0-9a-f-]{36}\/me\.png$/) });
  });

  it.each([
    ['a user of another domain', ['--jid', 'eve@evil.example', '--name', 'a', '--size', '1'], 1, 'not-allowed'],
    ['a file over the limit', ['--jid', 'alice@localhost', '--name', 'a', '--size', '2000001'], 1, 'file-too-large'],
    ['a bad size', ['--jid', 'alice@localhost', '--name', 'a', '--size=-3'], 1, 'bad-request'],
    [
      'ephemeral in bucket mode',
      ['--jid', 'alice@localhost', '--name', 'a', '--size', '1', '--purpose', 'ephemeral', '--expire-before', '2099-01-01T00:00:00Z'],
      1,
      'purpose-not-supported',
    ],
    ['a missing flag', ['--jid', 'alice@localhost', '--size', '3'], 2, '--jid, --name and --size are required'],
    ['an unknown flag', ['--jid', 'alice@localhost', '--name', 'a', '--size', '3', '--colour'], 2, "Unknown option '--colour'"],
  ])('refuses %s in plain words', async (_name, argv, expected, text) => {
    const { code, err } = await run(runSlot, argv);

    expect(code).toBe(expected);
    expect(err).toContain(text);
  });

  it('says so when the endpoint is unreachable (exit 3) or the secret is wrong (exit 1)', async () => {
    const down = await run(runSlot, ['--jid', 'a@localhost', '--name', 'a', '--size', '1', '--endpoint', 'http://127.0.0.1:9']);
    const wrong = await run(runSlot, ['--jid', 'a@localhost', '--name', 'a', '--size', '1'], {
      ...env,
      UPLOAD_SECRET: 'wrong-secret-0123456789',
    });

    expect(down.code).toBe(3);
    expect(down.err).toContain('cannot reach http://127.0.0.1:9');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('401');
  });
});

describe('xmpp-s3-upload upload', () => {
  it('uploads, verifies with a HEAD, and prints a GET URL that serves the same bytes', async () => {
    const file = join(dir, 'photo one.png');
    const bytes = randomBytes(300_000);
    writeFileSync(file, bytes);

    const { code, out, err } = await run(runUpload, [file, '--jid', 'bob@localhost']);

    expect(code).toBe(0);
    expect(out).toMatch(/\/uploads\/message\/[0-9a-f-]{36}\/photo%20one\.png$/);
    expect(err).toMatch(/100% 293\.0 KiB\/293\.0 KiB/);
    const fetched = Buffer.from(await (await fetch(out.trim())).arrayBuffer());
    expect(fetched.equals(bytes)).toBe(true);
  });

  it('refuses a file over the daily quota with the retry time', async () => {
    const file = join(dir, 'big.bin');
    writeFileSync(file, randomBytes(1_900_000));
    expect((await run(runUpload, [file, '--jid', 'carol@localhost'])).code).toBe(0);

    const { code, err } = await run(runUpload, [file, '--jid', 'carol@localhost']);

    expect(code).toBe(1);
    expect(err).toMatch(/quota-exceeded, retry at \d{4}-\d{2}-\d{2}T/);
  });

  it('refuses a missing file as a usage error', async () => {
    const { code, err } = await run(runUpload, [join(dir, 'nope'), '--jid', 'bob@localhost']);

    expect(code).toBe(2);
    expect(err).toContain('cannot read');
  });
});

describe('xmpp-s3-upload info', () => {
  it('shows the limits', async () => {
    const { code, out } = await run(runInfo, []);

    expect(code).toBe(0);
    expect(out).toContain('service JID       upload.localhost');
    expect(out).toContain('max file size     2000000 bytes (1.9 MiB)');
    expect(out).toContain('daily quota       3000000 bytes (2.9 MiB) per user, sliding 24 h');
  });

  it('prints --help with examples and exits 0', async () => {
    const { code, out } = await run(runInfo, ['--help']);

    expect(code).toBe(0);
    expect(out).toContain('Examples:');
  });
});
