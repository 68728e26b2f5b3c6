/**
 * `GET /ejabberd` over real HTTP on the local stack (strict S3, DynamoDB), called by real Erlang:
 * ejabberd's own `misc:url_encode/1` from Debian's ejabberd build and OTP's httpc, composed as
 * `mod_http_upload` composes them (test/support/ejabberd-service-url.escript). What ejabberd would
 * hand the client then goes through a PUT and a GET as a client does them.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../lambda/http/routes.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { ensureXmppServers } from '../e2e/support/install.ts';

const SCRIPT = resolve(fileURLToPath(import.meta.url), '../../support/ejabberd-service-url.escript');
const SECRET = 'serviceUrlSecret0123456789abcdef';
const MAX = 64 * 1024;

let stack: LocalStack;
let ebin: string;
const logs: RequestRecord[] = [];

/** Debian puts ejabberd's modules under /usr/lib/<triplet>/ejabberd-<version>/ebin. */
function findEjabberdEbin(): string {
  for (const lib of ['/usr/lib', ...readdirSync('/usr/lib').map((name) => join('/usr/lib', name))]) {
    if (!statSync(lib).isDirectory()) continue;
    for (const name of readdirSync(lib)) {
      const dir = join(lib, name, 'ebin');
      if (name.startsWith('ejabberd-') && existsSync(join(dir, 'misc.beam'))) return dir;
    }
  }
  throw new Error('ejabberd is installed but its misc.beam was not found under /usr/lib');
}

beforeAll(async () => {
  ensureXmppServers();
  ebin = findEjabberdEbin();
  stack = await startLocalStack({
    env: { UPLOAD_SECRET: SECRET, UPLOAD_MAX_FILE_SIZE_BYTES: String(MAX), UPLOAD_DAILY_QUOTA_BYTES: String(3 * MAX) },
    log: (record) => logs.push(record),
  });
}, 600_000);

afterAll(async () => {
  await stack?.close();
});

interface Ask {
  readonly serviceUrl: string;
  readonly jid?: string;
  readonly name: string;
  readonly size: number;
  readonly contentType?: string;
}

const hex = (text: string) => Buffer.from(text, 'utf8').toString('hex');

/** What ejabberd makes of the service's answer: a slot or the condition the client gets. */
function ejabberdAsks(ask: Ask): Promise<{ slot?: { put: string; get: string }; error?: string }> {
  const env = {
    ...process.env,
    EJABBERD_EBIN: ebin,
    SERVICE_URL: hex(ask.serviceUrl),
    JID: hex(ask.jid ?? 'alice@localhost'),
    NAME: hex(ask.name),
    SIZE: hex(String(ask.size)),
    CONTENT_TYPE: hex(ask.contentType ?? ''),
  };
  return new Promise((done, fail) => {
    execFile('escript', [SCRIPT], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error !== null) return fail(new Error(`escript failed: ${error.message}\n${stderr}`));
      const [first, put, get] = stdout.trim().split('\n');
      done(first === 'slot' && put !== undefined && get !== undefined ? { slot: { put, get } } : { error: first ?? '' });
    });
  });
}

const inPath = () => `${stack.endpoint}/ejabberd/${SECRET}`;
const asBasic = () => `${stack.endpoint.replace('http://', `http://ejabberd:${SECRET}@`)}/ejabberd`;

describe('ejabberd (its encoder and httpc) asking GET /ejabberd on the local stack', () => {
  it.each([
    ['the secret in the path', inPath, 'GET /ejabberd/:secret', 'image/jpeg'],
    ['the secret as Basic auth (ejabberd:<secret>@)', asBasic, 'GET /ejabberd', 'image/jpeg'],
    ['no client content type (ejabberd sends application/octet-stream)', inPath, 'GET /ejabberd/:secret', undefined],
  ])('%s: a slot whose PUT and GET work as a client uses them', async (_name, url, route, contentType) => {
    const bytes = new TextEncoder().encode(`a picture, honestly ${Math.random()}`);

    const reply = await ejabberdAsks({ serviceUrl: url(), name: 'Ünïcode & spaces + more.jpg', size: bytes.length, contentType });
    if (reply.slot === undefined) throw new Error(`no slot: ${reply.error}`);
    expect(logs.at(-1)).toMatchObject({ method: 'GET', route, status: 200, outcome: 'granted' });
    const put = await fetch(reply.slot.put, {
      method: 'PUT',
      headers: { 'content-type': contentType ?? 'application/octet-stream' },
      body: bytes,
    });
    const got = await fetch(reply.slot.get);

    expect(put.status).toBe(200);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);
    expect(decodeURIComponent(new URL(reply.slot.get).pathname)).toMatch(/\/Ünïcode & spaces \+ more\.jpg$/);
  });

  it('a slot for image/jpeg refuses a PUT of another type (the type is signed); with no type any type passes', async () => {
    const typed = await ejabberdAsks({ serviceUrl: inPath(), name: 'a.jpg', size: 3, contentType: 'image/jpeg' });
    const untyped = await ejabberdAsks({ serviceUrl: inPath(), name: 'b.bin', size: 3 });

    const wrong = await fetch(typed.slot?.put ?? '', { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'abc' });
    const any = await fetch(untyped.slot?.put ?? '', { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'abc' });

    expect([wrong.status, any.status]).toEqual([403, 200]);
  });

  it.each([
    ['a file over the limit', 'not-acceptable', { name: 'big.bin', size: MAX + 1 }],
    ['a user of another domain', 'not-allowed', { name: 'a.txt', size: 1, jid: 'mallory@elsewhere.example' }],
    ['a wrong secret', 'service-unavailable', { name: 'a.txt', size: 1, wrongSecret: true }],
  ])('%s: the client gets %s', async (_name, condition, ask) => {
    const serviceUrl = 'wrongSecret' in ask ? `${stack.endpoint}/ejabberd/wrong${SECRET}` : inPath();

    const reply = await ejabberdAsks({ serviceUrl, ...ask });

    expect(reply).toEqual({ error: condition });
  });

  it('a used-up daily quota: resource-constraint', async () => {
    const ask = { serviceUrl: inPath(), jid: 'quota@localhost', name: 'q.bin', size: MAX };

    const replies = [await ejabberdAsks(ask), await ejabberdAsks(ask), await ejabberdAsks(ask), await ejabberdAsks(ask)];

    expect(replies.map((reply) => reply.error ?? 'slot')).toEqual(['slot', 'slot', 'slot', 'resource-constraint']);
    expect(logs.some((record) => record.route === 'GET /ejabberd/:secret' && record.status === 402)).toBe(true);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });
});
