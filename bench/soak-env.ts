/**
 * What the bridge soak runs against: the local stack (in this process, its request log kept as the ledger), the
 * fault proxy in front of it, Debian's Prosody from the e2e config, and the bridge as its own process
 * (`xmpp-s3-upload component --config FILE`, as systemd runs it), so that its RSS is its own.
 *
 * The bridge runs as plain JavaScript, as installed: bin/cli.ts bundled by esbuild (packages external, each
 * command its own chunk, as `dist/` loads them lazily), not through the tsx loader, whose thread and compiled
 * sources would add some 30 MiB that the installed bridge does not have. It also loads bench/soak-probe.ts
 * and runs with `--expose-gc`, so that the soak can ask it for its memory after a full collection, and with
 * V8's young generation at a fixed size (docs/development.md, "The bridge soak's memory").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { RequestRecord } from '../lambda/http/routes.ts';
import { type LocalStack, startLocalStack } from '../local/stack.ts';
import { type ProsodyRun, prepareProsody } from '../test/e2e/support/prosody.ts';
import { waitFor } from '../test/e2e/support/run-dir.ts';
import { login, type TestClient } from '../test/e2e/support/xmpp-client.ts';
import { type FaultProxy, startFaultProxy } from '../test/support/fault-proxy.ts';
import type { MemorySample, SampleReply, SampleRequest } from './soak-probe.ts';
import { stopProcess } from './xmpp-env.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Inside the repository, so that the bundle's bare imports resolve to its node_modules; one per soak. */
const BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'xmpp-s3-upload-soak', String(process.pid));
export const SOAK_JID = 'upload.localhost';

/**
 * A V8 semi-space of this many MiB, from the start (`--min-semi-space-size` = `--max-semi-space-size`). V8
 * otherwise starts the young generation small and doubles it under sustained allocation up to its default
 * maximum, 16 MiB per semi-space on 64-bit Node 20 (32 MiB of young generation); each doubling is a step of the
 * RSS that may land at any minute of a run. Fixing it at that maximum measures the state the bridge converges
 * to anyway; `SOAK_SEMI_SPACE_MB=0` leaves V8's default growth (to see those steps).
 */
export const SEMI_SPACE_MB = Number(process.env.SOAK_SEMI_SPACE_MB ?? 16);

/** Bundles the CLI and the probe; returns the paths to run. */
async function buildBridge(): Promise<{ cli: string; probe: string }> {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  await build({
    entryPoints: { cli: join(ROOT, 'bin', 'cli.ts'), 'soak-probe': join(ROOT, 'bench', 'soak-probe.ts') },
    outdir: BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  return { cli: join(BUILD_DIR, 'cli.mjs'), probe: pathToFileURL(join(BUILD_DIR, 'soak-probe.mjs')).href };
}

export interface SoakEnv {
  readonly stack: LocalStack;
  readonly proxy: FaultProxy;
  readonly clients: readonly TestClient[];
  /** Every request the stack logged (its `granted` lines are the ledger). */
  readonly ledger: readonly RequestRecord[];
  /** The bridge's outcomes (with the first part of the cause) from its log lines. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** The bridge process's memory now, after a full GC in it, and its live handles (bench/soak-probe.ts). */
  sampleBridge(snapshot?: string): Promise<MemorySample>;
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
    const built = await buildBridge();
    closers.push(async () => rmSync(BUILD_DIR, { recursive: true, force: true }));
    const youngGeneration = SEMI_SPACE_MB > 0 ? [`--min-semi-space-size=${SEMI_SPACE_MB}`, `--max-semi-space-size=${SEMI_SPACE_MB}`] : [];
    const flags = ['--expose-gc', ...youngGeneration, '--import', built.probe];
    const bridge = spawn(process.execPath, [...flags, built.cli, 'component', '--config', config], {
      env,
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    const waiting = new Map<number, (sample: MemorySample) => void>();
    bridge.on('message', (reply: SampleReply) => {
      waiting.get(reply.seq)?.(reply.sample);
      waiting.delete(reply.seq);
    });
    let seq = 0;
    const sampleBridge = (snapshot?: string) =>
      new Promise<MemorySample>((resolvePromise, reject) => {
        seq += 1;
        const timer = setTimeout(() => reject(new Error('the bridge did not answer a memory sample within 30 s')), 30_000);
        waiting.set(seq, (sample) => {
          clearTimeout(timer);
          resolvePromise(sample);
        });
        bridge.send({ type: 'sample', seq, ...(snapshot === undefined ? {} : { snapshot }) } satisfies SampleRequest);
      });
    // An exited bridge (the check below) must not leave the closer waiting for its exit event.
    closers.push(() => stopProcess(bridge));
    countLines(bridge, outcomes);
    await waitFor('the bridge to log in', () => (outcomes.connection ?? 0) > 0 || bridge.exitCode !== null, 30_000);
    if (bridge.exitCode !== null) throw new Error(`the bridge exited with ${bridge.exitCode}`);

    const clients: TestClient[] = [];
    for (let i = 0; i < clientCount; i += 1) {
      const client = await login(prosody.c2sPort, 'localhost', `soak${i}`, 'soak-password');
      closers.push(() => client.stop());
      clients.push(client);
    }
    return { stack, proxy, clients, ledger, outcomes, sampleBridge, close };
  } catch (error) {
    await close();
    throw error;
  }
}
