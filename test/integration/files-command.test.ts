import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalFilesRecord } from '../../bin/cli-common.ts';
import { runFiles } from '../../bin/files-command.ts';
import { localBackend } from '../../bin/files-local.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';

/**
 * The operator's `files` commands end to end on the strict local stack (Deliver 4 of the abuse
 * issue): two users upload through real slots, the ledger is the stack's request log file, the
 * objects are in the strict S3 and are deleted through the same S3 adapter as on AWS.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
let stack: LocalStack;
let dataDir: string;
let record: LocalFilesRecord;
let offsetMs = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'files-command-'));
  stack = await startLocalStack({
    dataDir,
    requestLogFile: join(dataDir, 'requests.log'),
    now: () => new Date(Date.now() + offsetMs),
  });
  record = {
    requestLog: join(dataDir, 'requests.log'),
    s3Endpoint: stack.s3Endpoint,
    bucket: stack.bucket,
    region: stack.region,
    downloadBaseUrl: stack.downloadBaseUrl,
    cdn: false,
    retentionDays: stack.config.retentionDays,
  };
});

afterAll(async () => {
  await stack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface SlotBody {
  put: { url: string; headers: Record<string, string> };
  get: { url: string };
  key: string;
}

async function slot(jid: string, filename: string, body: string): Promise<SlotBody> {
  const response = await fetch(`${stack.endpoint}/v1/slots`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jid, filename, size: Buffer.byteLength(body), contentType: 'text/plain' }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as SlotBody;
}

async function upload(jid: string, filename: string, body = `${filename} of ${jid}`): Promise<SlotBody> {
  const granted = await slot(jid, filename, body);
  const put = await fetch(granted.put.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body });
  expect(put.status).toBe(200);
  return granted;
}

/** Runs the command against this stack; returns its exit code and what it printed. */
async function files(...argv: string[]) {
  const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const code = await runFiles(argv, {}, async () => localBackend(record, 'the test stack'));
    return { code, out: out.mock.calls.join('\n'), err: err.mock.calls.join('\n') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

const json = async (...argv: string[]) => {
  const result = await files(...argv, '--json');
  expect(result.err).toBe('');
  return { code: result.code, body: JSON.parse(result.out) };
};

describe('files who | list | delete | purge on the local stack', () => {
  let alice: SlotBody;
  let bob: SlotBody;
  let unused: SlotBody;

  beforeAll(async () => {
    alice = await upload('alice@localhost/phone', 'cat picture.txt');
    bob = await upload('bob@localhost/laptop', 'report.txt');
    // Granted two hours ago, never uploaded: its PUT URL expired long since.
    offsetMs = -2 * 3600_000;
    unused = await slot('alice@localhost', 'never.txt', 'never');
    offsetMs = 0;
  });

  it('who names the uploader of a GET URL, with size, type, purpose and grant time', async () => {
    const { code, body } = await json('who', alice.get.url);

    expect(code).toBe(0);
    expect(body.files).toEqual([
      expect.objectContaining({
        key: alice.key,
        state: 'stored',
        jid: 'alice@localhost',
        sizeBytes: Buffer.byteLength('cat picture.txt of alice@localhost/phone'),
        contentType: 'text/plain',
        purpose: 'message',
      }),
    ]);
    expect(Date.parse(body.files[0].grantedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('who takes a key too, and names the other user for the other file', async () => {
    const { body } = await json('who', bob.key);

    expect(body.files[0]).toMatchObject({ key: bob.key, jid: 'bob@localhost', state: 'stored' });
  });

  it('reports a slot granted but never uploaded as such, not as an error', async () => {
    const result = await files('who', unused.get.url);

    expect(result.code).toBe(0);
    expect(result.out).toContain('alice@localhost');
    expect(result.out).toContain('never uploaded');
    expect((await json('who', unused.key)).body.files[0].state).toBe('never-uploaded');
  });

  it('list shows only that user’s stored files; --all adds the never-uploaded slot', async () => {
    const { body } = await json('list', '--jid', 'Alice@localhost/other');
    const all = await json('list', '--jid', 'alice@localhost', '--all');

    expect(body.jid).toBe('alice@localhost');
    expect(body.files.map((f: { key: string }) => f.key)).toEqual([alice.key]);
    expect(all.body.slots.map((f: { key: string; state: string }) => [f.key, f.state])).toEqual([
      [unused.key, 'never-uploaded'],
      [alice.key, 'stored'],
    ]);
  });

  it('list --since leaves out older grants', async () => {
    const { body } = await json('list', '--jid', 'alice@localhost', '--since', '1h', '--all');

    expect(body.slots.map((f: { key: string }) => f.key)).toEqual([alice.key]);
  });

  it('names the uploader of a slot granted through ejabberd’s service_url route too', async () => {
    const query = 'jid=frank%40localhost%2Fpc&name=e.txt&size=3&content_type=text%2Fplain';
    const response = await fetch(`${stack.endpoint}/ejabberd/${encodeURIComponent(stack.secret)}?${query}`);
    expect(response.status).toBe(200);
    const [, getUrl] = (await response.text()).trim().split('\n');

    const { body } = await json('who', getUrl ?? '');

    expect(body.files[0]).toMatchObject({ jid: 'frank@localhost', sizeBytes: 3, contentType: 'text/plain', state: 'upload-pending' });
  });

  it('an unknown slot is "not found" (exit 1), not a crash', async () => {
    const result = await files('who', 'uploads/0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21/nothing.txt');

    expect(result.code).toBe(1);
    expect(result.out).toContain('not in the ledger and not in the bucket');
  });

  it('delete without --yes and without a terminal deletes nothing (exit 2)', async () => {
    const result = await files('delete', alice.get.url);

    expect(result.code).toBe(2);
    expect(result.err).toContain('pass --yes');
    expect((await fetch(alice.get.url)).status).toBe(200);
  });

  it('delete takes the file down: its GET answers 403/404, the other user’s file stays, the takedown is recorded', async () => {
    const { code, body } = await json('delete', alice.get.url, '--yes', '--reason', 'ticket 42', '--by', 'abuse-desk');

    expect(code).toBe(0);
    expect(body.deleted.map((f: { key: string; jid: string }) => [f.key, f.jid])).toEqual([[alice.key, 'alice@localhost']]);
    expect([403, 404]).toContain((await fetch(alice.get.url)).status);
    expect((await fetch(bob.get.url)).status).toBe(200);
    const after = await json('who', alice.get.url);
    expect(after.body.files[0]).toMatchObject({ state: 'taken-down', jid: 'alice@localhost' });
    expect(after.body.files[0].takedowns).toEqual([expect.objectContaining({ action: 'delete', by: 'abuse-desk', reason: 'ticket 42' })]);
    expect(readFileSync(record.requestLog, 'utf8')).toContain('"event":"takedown"');
  });

  it('purge removes every stored file of one user and none of the other user’s', async () => {
    const more = [await upload('alice@localhost', 'one.txt'), await upload('alice@localhost/tablet', 'two.txt')];

    const { code, body } = await json('purge', '--jid', 'alice@localhost', '--yes');

    expect(code).toBe(0);
    expect(body.deleted.map((f: { key: string }) => f.key).sort()).toEqual(more.map((m) => m.key).sort());
    for (const m of more) expect([403, 404]).toContain((await fetch(m.get.url)).status);
    expect((await fetch(bob.get.url)).status).toBe(200);
    expect((await json('list', '--jid', 'alice@localhost')).body.files).toEqual([]);
    expect((await json('list', '--jid', 'bob@localhost')).body.files.map((f: { key: string }) => f.key)).toEqual([bob.key]);
  });

  it('purge of a user without files deletes nothing and says so', async () => {
    const result = await files('purge', '--jid', 'carol@localhost');

    expect(result.code).toBe(0);
    expect(result.out).toContain('0 file(s) deleted');
  });

  it.each([
    [['who']],
    [['list']],
    [['list', '--jid', 'not a jid']],
    [['purge', 'alice@localhost']],
    [['who', 'https://example.org/no/slot/here.txt']],
    [['who', 'uploads/0b7c1e1a-5d2f-4c3b-9a8e-7f6d5c4b3a21/x.txt', '--yes']],
    [['list', '--jid', 'a@localhost', '--since', 'yesterday']],
    [['erase', '--jid', 'a@localhost']],
  ])('rejects %j with exit code 2', async (argv) => {
    const result = await files(...argv);

    expect(result.code).toBe(2);
  });
});

describe('xmpp-s3-upload files, as an operator runs it', () => {
  it('finds the local stack running in the folder from its record and names the uploader', async () => {
    const granted = await upload('dave@localhost', 'cli.txt');
    const folder = mkdtempSync(join(tmpdir(), 'files-cli-'));
    mkdirSync(join(folder, '.local-data'));
    // The record `npm start` writes, with this test process standing in for the stack's pid.
    writeFileSync(join(folder, '.local-data', 'stack.json'), JSON.stringify({ pid: process.pid, endpoint: stack.endpoint, files: record }));
    try {
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          join(ROOT, 'node_modules/.bin/tsx'),
          [join(ROOT, 'bin/cli.ts'), 'files', 'who', granted.get.url],
          { cwd: folder },
          (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
        );
      });

      // The AWS SDK may warn about the Node.js version on stderr; no error of ours is there.
      expect(result.stderr).not.toContain('xmpp-s3-upload:');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('uploader  dave@localhost');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('without --outputs and without a local stack it says what to do (exit 2)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'files-cli-'));
    try {
      const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          join(ROOT, 'node_modules/.bin/tsx'),
          [join(ROOT, 'bin/cli.ts'), 'files', 'list', '--jid', 'a@localhost'],
          { cwd: folder },
          (error, _out, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stderr }),
        );
      });

      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no --outputs FILE, and no local stack runs in this folder');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('files delete in cdn mode on the local stack', () => {
  let cdnStack: LocalStack;
  let cdnDir: string;
  let cdnRecord: LocalFilesRecord;

  beforeAll(async () => {
    cdnDir = mkdtempSync(join(tmpdir(), 'files-cdn-'));
    cdnStack = await startLocalStack({ dataDir: cdnDir, requestLogFile: join(cdnDir, 'requests.log'), env: { UPLOAD_DOWNLOADS: 'cdn' } });
    cdnRecord = {
      requestLog: join(cdnDir, 'requests.log'),
      s3Endpoint: cdnStack.s3Endpoint,
      bucket: cdnStack.bucket,
      region: cdnStack.region,
      downloadBaseUrl: cdnStack.downloadBaseUrl,
      cdn: true,
      retentionDays: cdnStack.config.retentionDays,
    };
  });

  afterAll(async () => {
    await cdnStack?.close();
    if (cdnDir) rmSync(cdnDir, { recursive: true, force: true });
  });

  it('reads a GET URL of the CDN, deletes the object behind it and reports the CDN step', async () => {
    const response = await fetch(`${cdnStack.endpoint}/v1/slots`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cdnStack.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jid: 'eve@localhost', filename: 'x.txt', size: 3, contentType: 'text/plain' }),
    });
    const granted = (await response.json()) as SlotBody;
    expect((await fetch(granted.put.url, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'abc' })).status).toBe(200);
    expect(granted.get.url.startsWith(cdnStack.cdnEndpoint ?? 'none')).toBe(true);
    expect((await fetch(granted.get.url)).status).toBe(200);
    const out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    let code: number;
    let printed: string;
    try {
      code = await runFiles(['delete', granted.get.url, '--yes', '--json'], {}, async () => localBackend(cdnRecord, 'the cdn stack'));
      printed = out.mock.calls.join('\n');
    } finally {
      out.mockRestore();
    }
    const body = JSON.parse(printed);

    expect(code).toBe(0);
    expect(body.deleted.map((f: { key: string; jid: string }) => [f.key, f.jid])).toEqual([[granted.key, 'eve@localhost']]);
    expect(body.cdn).toMatch(/local CDN keeps no cache/);
    expect([403, 404]).toContain((await fetch(granted.get.url)).status);
  });
});
