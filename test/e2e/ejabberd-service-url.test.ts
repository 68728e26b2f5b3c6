/**
 * Debian's ejabberd 23.01 with `mod_http_upload` `service_url` pointing at the local stack's
 * `GET /ejabberd` (no bridge), the secret as `ejabberd:<secret>@` user info. ejabberd builds the
 * request the same way from 23.01 to 26.07, so this is the request half of the ≥ 25.10 contract
 * with the real binary: a real client asks, ejabberd asks us, we grant or refuse, ejabberd maps
 * the status. The answer half differs: 23.01 percent-encodes the URLs it hands the client
 * (fixed in 25.08/25.10), which the last tests show, so 23.01 must use the component bridge.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../lambda/http/routes.ts';
import { type LocalStack, startLocalStack } from '../../local/stack.ts';
import { type EjabberdRun, prepareEjabberd } from './support/ejabberd.ts';
import { ensureXmppServers } from './support/install.ts';
import { freePort, runDirCleanup, waitFor } from './support/run-dir.ts';
import { NS_UPLOAD, slotRequest, slotUrls, summarise } from './support/upload-flow.ts';
import { login, type TestClient } from './support/xmpp-client.ts';

const SECRET = `svc${randomBytes(16).toString('hex')}`;
const LEGACY_JID = 'legacy-upload.localhost';
const MAX = 100_000;

/** What 23.01's `mk_slot` does to each URL (`misc:url_encode/1`); ejabberd ≥ 25.10 passes them through. */
const erlangUrlEncode = (url: string) =>
  [...Buffer.from(url, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9_.\-/:]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

describe('ejabberd 23.01 with mod_http_upload service_url → GET /ejabberd', () => {
  let ejabberd: EjabberdRun;
  let stack: LocalStack;
  let alice: TestClient | undefined;
  let bob: TestClient | undefined;
  const records: RequestRecord[] = [];
  const cleanup = runDirCleanup();

  beforeAll(async () => {
    ensureXmppServers();
    const port = await freePort();
    stack = await startLocalStack({
      port,
      env: { UPLOAD_DOMAINS: 'localhost', UPLOAD_SECRET: SECRET, UPLOAD_MAX_FILE_SIZE_BYTES: String(MAX) },
      log: (record) => records.push(record),
    });
    ejabberd = await prepareEjabberd(randomBytes(12).toString('hex'), {
      template: 'ejabberd-service-url.yml',
      values: { SERVICE_URL: `http://ejabberd:${SECRET}@127.0.0.1:${port}/ejabberd` },
    });
    await ejabberd.start();
    await ejabberd.register('alice', 'localhost', 'alice-password');
    await ejabberd.register('bob', 'other.localhost', 'bob-password');
    alice = await login(ejabberd.c2sPort, 'localhost', 'alice', 'alice-password');
    bob = await login(ejabberd.c2sPort, 'other.localhost', 'bob', 'bob-password');
  }, 600_000);

  afterAll(async () => {
    await alice?.stop();
    await bob?.stop();
    await ejabberd?.stop();
    cleanup(ejabberd?.runDir, bob !== undefined);
    await stack?.close();
  });

  const client = (which: TestClient | undefined) => {
    if (which === undefined) throw new Error('beforeAll did not finish');
    return which;
  };

  it('asks with the bare JID, the filename, size and type as the client sent them, as Basic auth, and relays the slot', async () => {
    const reply = await client(alice).iq(
      'get',
      LEGACY_JID,
      slotRequest(NS_UPLOAD, { filename: 'Ünïcode & space+plus.jpg', size: 1234, contentType: 'image/jpeg' }),
    );

    expect(summarise(reply)).toBe(`result slot ${NS_UPLOAD}`);
    const granted = records.filter((record) => record.outcome === 'granted');
    expect(granted.at(-1)).toMatchObject({ method: 'GET', route: 'GET /ejabberd', status: 200, jid: 'alice@localhost', sizeBytes: 1234 });
  });

  it("23.01 percent-encodes the URLs it relays, so the client's PUT URL is broken; the URL we sent works", async () => {
    const reply = await client(alice).iq(
      'get',
      LEGACY_JID,
      slotRequest(NS_UPLOAD, { filename: 'cat.txt', size: 5, contentType: 'text/plain' }),
    );
    const relayed = slotUrls(reply, NS_UPLOAD);
    const sent = decodeURIComponent(relayed.put);

    expect(relayed.put).not.toContain('?');
    expect(relayed.put).toContain('%3FX-Amz-');
    expect(relayed.put).toBe(erlangUrlEncode(sent));
    const broken = await fetch(relayed.put, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    const working = await fetch(sent, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(broken.status).not.toBe(200);
    expect(working.status).toBe(200);
  });

  it.each([
    ['a file over the limit', 413, 'error modify not-acceptable', 'alice', { filename: 'big.bin', size: MAX + 1 }],
    ['a user of a domain the service does not serve', 403, 'error cancel not-allowed', 'bob', { filename: 'a.txt', size: 1 }],
    ['a filename the policy refuses', 400, 'error cancel service-unavailable', 'alice', { filename: 'a\\b', size: 1 }],
  ] as const)('%s: ejabberd gets %i, the client "%s"', async (_name, status, seen, who, file) => {
    const before = records.length;

    const reply = await client(who === 'alice' ? alice : bob).iq('get', LEGACY_JID, slotRequest(NS_UPLOAD, file));

    expect(summarise(reply)).toBe(seen);
    expect(records.slice(before).map((record) => record.status)).toEqual([status]);
  });

  it('logs the service_url, secret included, when the service refuses: the note in docs/servers.md is measured', async () => {
    const logs = join(ejabberd.runDir, 'logs');
    const read = () =>
      readdirSync(logs)
        .filter((name) => name.endsWith('.log'))
        .map((name) => readFileSync(join(logs, name), 'utf8'))
        .join('\n');
    // ejabberd's logger writes asynchronously.
    await waitFor('the refusal in ejabberd.log', () => read().includes('Got status code 403'), 15_000);

    const line = read()
      .split('\n')
      .find((text) => text.includes('Got status code 403'));
    expect(line).toContain('[warning]');
    expect(line).toContain(SECRET);
    expect(JSON.stringify(records)).not.toContain(SECRET);
  });
});
