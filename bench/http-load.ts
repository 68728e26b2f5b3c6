/**
 * Section 3: the slot endpoint of the local stack (same routes as the Lambda, strict S3, dynalite) under
 * load from autocannon, run as its own process so the load generator does not share the server's event
 * loop. Every request asks for a slot for a new user (autocannon's `[<id>]` replacement), so the quota
 * store sees no hot key; quotas off, then on.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { startLocalStack } from '../local/stack.ts';
import { note, record, type SectionResult } from './report.ts';

const DURATION_SECONDS = 5;
const CONNECTIONS = 10;

interface CannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

/** Runs the autocannon CLI against `url`; resolves with its JSON summary. */
function cannon(url: string, headers: Record<string, string>, body: string): Promise<CannonResult> {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [bin, '-c', String(CONNECTIONS), '-d', String(DURATION_SECONDS), '-m', 'POST', '-I', '--json', '-b', body];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`autocannon exited ${code}: ${stderr.slice(-500)}`));
      else resolve(JSON.parse(line) as CannonResult);
    });
  });
}

export interface HttpLoadResult {
  readonly slotsPerSecond: Record<string, number>;
}

export async function benchHttpLoad(section: SectionResult): Promise<HttpLoadResult> {
  const slotsPerSecond: Record<string, number> = {};
  for (const quotas of ['off', 'on'] as const) {
    const stack = await startLocalStack({ env: quotas === 'off' ? { UPLOAD_DAILY_QUOTA_BYTES: '0' } : {} });
    try {
      const auth = { authorization: `Bearer ${stack.secret}` };
      const routes = [
        {
          route: 'POST /v1/slots',
          url: `${stack.endpoint}/v1/slots`,
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ jid: 'u[<id>]@localhost/phone', filename: 'photo.jpg', size: 123456, contentType: 'image/jpeg' }),
        },
        {
          route: 'POST /xmpp',
          url: `${stack.endpoint}/xmpp`,
          headers: { ...auth, 'content-type': 'application/xmpp+xml' },
          body:
            "<iq xmlns='jabber:client' type='get' id='[<id>]' from='u[<id>]@localhost/phone' to='upload.localhost'>" +
            "<request xmlns='urn:xmpp:http:upload:0' filename='photo.jpg' size='123456' content-type='image/jpeg'/></iq>",
        },
      ];
      for (const { route, url, headers, body } of routes) {
        const result = await cannon(url, headers, body);
        const failed = result.non2xx + result.errors + result.timeouts;
        const label = `${route}, quotas ${quotas}`;
        slotsPerSecond[label] = result.requests.average;
        record(section, {
          name: `${label}: slots/s`,
          value: result.requests.average,
          unit: '/s',
          digits: 0,
          note: `${result.requests.total} requests`,
        });
        record(section, { name: `${label}: latency p50`, value: result.latency.p50, unit: 'ms', digits: 0 });
        record(section, { name: `${label}: latency p99`, value: result.latency.p99, unit: 'ms', digits: 0 });
        if (failed > 0) throw new Error(`${label}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
      }
    } finally {
      await stack.close();
    }
  }
  note(
    section,
    `autocannon ${CONNECTIONS} connections, ${DURATION_SECONDS} s per figure, in a separate process; latency percentiles are autocannon's (1 ms resolution). Every request is a granted slot (a non-2xx fails the section).`,
  );
  note(
    section,
    'Quotas on means the default daily quota in dynalite, which runs inside the stack process on the same CPU: the quota-on rate measures dynalite as much as the service; DynamoDB itself scales out.',
  );
  return { slotsPerSecond };
}
