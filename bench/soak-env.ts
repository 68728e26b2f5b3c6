/**
 * What the bridge soak runs against: the local stack (in this process, its request log kept as the ledger), the
 * fault proxy in front of it, Debian's Prosody from the e2e config, and the bridge as its own process
 * (`xmpp-s3-upload component --config FILE`, as systemd runs it), so that its RSS is its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestRecord } from '../lambda/http/routes.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import { type ProsodyRun, prepareProsody } from '../test/e2e/support/prosody.ts';
import { waitFor } from '../test/e2e/support/run-dir.ts';
import { login, type TestClient } from '../test/e2e/support/xmpp-client.ts';
import { type FaultProxy, startFaultProxy } from '../test/support/fault-proxy.ts';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'cli.ts');
export const SOAK_JID = 'upload.localhost';

export interface SoakEnv {
  readonly stack: LocalStack;
  readonly proxy: FaultProxy;
  readonly clients: readonly TestClient[];
  /** Every request the stack logged (its `granted` lines are the ledger). */
  readonly ledger: readonly RequestRecord[];
  /** The bridge's outcomes (with the first part of the cause) from its log lines. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The bridge process's resident set now, from /proc. */
  bridgeRssBytes(): number;
  close(): Promise<void>;
}

/** Counts the bridge's JSON log lines by outcome without keeping them. */
function countLines(child: ChildProcess, outcomes: Record<string, number>): void {
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as { event: string; outcome?: string; cause?: string };
      const key =
        parsed.event !== 'iq' ? parsed.event : parsed.cause ? `${parsed.outcome} (${parsed.cause.split(';')[0]})` : parsed.outcome;
      outcomes[key ?? '?'] = (outcomes[key ?? '?'] ?? 0) + 1;
    }
  });
}

export async function startSoakEnv(clientCount: number): Promise<SoakEnv> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };
  const ledger: RequestRecord[] = [];
  const outcomes: Record<string, number> = {};
  try {
    const stack = await startLocalStack({ env: { UPLOAD_DOMAINS: 'localhost', UPLOAD_SERVICE_JID: SOAK_JID }, log: (r) => ledger.push(r) });
    closers.push(() => stack.close());
    const proxy = await startFaultProxy(Number(new URL(stack.endpoint).port));
    closers.push(() => proxy.close());
    const componentSecret = `soak-${process.pid}`;
    const prosody: ProsodyRun = await prepareProsody(componentSecret);
    closers.push(async () => rmSync(prosody.runDir, { recursive: true, force: true }));
    for (let i = 0; i < clientCount; i += 1) prosody.register(`soak${i}`, 'localhost', 'soak-password');
    await prosody.start();
    closers.push(() => prosody.stop());

    const dir = prosody.runDir;
    writeFileSync(join(dir, 'slot-secret'), stack.secret);
    writeFileSync(join(dir, 'component-secret'), componentSecret);
    for (const name of ['slot-secret', 'component-secret']) chmodSync(join(dir, name), 0o600);
    const config = join(dir, 'bridge.conf');
    const lines = [
      `UPLOAD_COMPONENT_JID=${SOAK_JID}`,
      `UPLOAD_COMPONENT_SERVER=127.0.0.1:${prosody.componentPort}`,
      `UPLOAD_ENDPOINT=${proxy.url}`,
      `UPLOAD_SECRET_FILE=${join(dir, 'slot-secret')}`,
      `UPLOAD_COMPONENT_SECRET_FILE=${join(dir, 'component-secret')}`,
    ];
    writeFileSync(config, `${lines.join('\n')}\n`);
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('UPLOAD_')));
    const bridge = spawn(process.execPath, ['--import', 'tsx', CLI, 'component', '--config', config], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    closers.push(async () => {
      const exited = new Promise((r) => bridge.once('exit', r));
      bridge.kill('SIGTERM');
      await exited;
    });
    countLines(bridge, outcomes);
    await waitFor('the bridge to log in', () => (outcomes.connection ?? 0) > 0 || bridge.exitCode !== null, 30_000);
    if (bridge.exitCode !== null) throw new Error(`the bridge exited with ${bridge.exitCode}`);

    const clients: TestClient[] = [];
    for (let i = 0; i < clientCount; i += 1) {
      const client = await login(prosody.c2sPort, 'localhost', `soak${i}`, 'soak-password');
      closers.push(() => client.stop());
      clients.push(client);
    }
    const bridgeRssBytes = () => {
      const status = readFileSync(`/proc/${bridge.pid}/status`, 'utf8');
      return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN) * 1024;
    };
    return { stack, proxy, clients, ledger, outcomes, bridgeRssBytes, close };
  } catch (error) {
    await close();
    throw error;
  }
}
