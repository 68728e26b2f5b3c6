import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.ts';

const BODY = 'x'.repeat(10_000);

/** One GET through the proxy: the status and body, or the error code of the failure. */
function get(port: number, timeoutMs = 2000): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

describe('startFaultProxy', () => {
  let target: Server;
  let proxy: FaultProxy;

  beforeAll(async () => {
    target = createServer((_req, res) => res.end(BODY));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', () => resolve()));
    proxy = await startFaultProxy((target.address() as AddressInfo).port);
  });
  afterAll(async () => {
    await proxy.close();
    target.closeAllConnections();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });

  it('passes a request and its whole answer through untouched', async () => {
    proxy.setPlan({ kind: 'pass' });
    expect(await get(proxy.port)).toEqual({ status: 200, body: BODY });
  });

  it('resets a connection before anything reaches the server', async () => {
    proxy.setPlan({ kind: 'reset' });
    expect(await get(proxy.port)).toEqual({ error: 'ECONNRESET' });
  });

  it('answers nothing on a blackholed connection', async () => {
    proxy.setPlan({ kind: 'blackhole' });
    expect(await get(proxy.port, 300)).toEqual({ error: 'TIMEOUT' });
  });

  it('delays a request but still delivers it', async () => {
    proxy.setPlan({ kind: 'delay', ms: 50 });
    expect(await get(proxy.port)).toEqual({ status: 200, body: BODY });
  });

  it('cuts an answer off after the given bytes', async () => {
    proxy.setPlan({ kind: 'close-mid-response', afterBytes: 100 });
    const answer = await get(proxy.port);
    expect(answer).toHaveProperty('error');
  });

  it('chooses the fault per connection and counts what it injected', async () => {
    const before = proxy.counts();
    proxy.setPlan((index) => (index % 2 === 0 ? { kind: 'reset' } : { kind: 'pass' }));
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await get(proxy.port));
    const after = proxy.counts();
    expect(after.reset - before.reset + after.pass - before.pass).toBe(4);
    expect(answers.filter((a) => 'status' in a)).toHaveLength(after.pass - before.pass);
  });

  it('resets kept-alive connections on demand', async () => {
    proxy.setPlan({ kind: 'blackhole' });
    const pending = get(proxy.port, 5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    proxy.resetAll();
    expect(await pending).toEqual({ error: 'ECONNRESET' });
  });
});
