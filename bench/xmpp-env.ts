/**
 * The XMPP side of the benchmarks: Debian's Prosody from bench/prosody.cfg.lua (on 127.0.0.1, files under
 * bench/.run/), two local stacks behind two component bridges (quotas on and off) in a process of their own
 * (bench/xmpp-backend.ts), Prosody's own mod_http_file_share next to them, and logged-in `@xmpp/client`
 * users in this process. Sections 4 and 5 share one.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnProsody } from '../test/e2e/support/prosody.ts';
import { freePort } from '../test/e2e/support/run-dir.ts';
import { login, type TestClient } from '../test/e2e/support/xmpp-client.ts';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const SERVICES = { bridgeQuotaOn: 'upload.localhost', bridgeQuotaOff: 'noquota.localhost', builtin: 'share.localhost' } as const;
const PASSWORD = 'bench-password-1';

export interface XmppEnv {
  readonly c2sPort: number;
  readonly httpPort: number;
  /** The stack behind `upload.localhost` (default quotas), in the backend process. */
  readonly stack: { readonly endpoint: string; readonly secret: string; readonly offEndpoint: string; readonly offSecret: string };
  readonly clients: readonly TestClient[];
  close(): Promise<void>;
}

/** Makes sure Prosody is installed, with the project's script when there is one. */
function ensureProsody(): void {
  try {
    execFileSync('prosody', ['--help'], { stdio: 'ignore', timeout: 10_000 });
    return;
  } catch {
    const script = resolve(BENCH_DIR, '..', 'scripts', 'install-xmpp-servers.sh');
    if (!existsSync(script)) throw new Error('prosody is not installed: run `apt-get install -y prosody` (as root, daemon autostart off)');
    execFileSync('sh', [script], { stdio: 'inherit', timeout: 600_000 });
  }
}

export async function startXmppEnv(clientCount: number): Promise<XmppEnv> {
  ensureProsody();
  const runDir = join(BENCH_DIR, '.run', `prosody-${process.pid}-${Date.now()}`);
  mkdirSync(join(runDir, 'no-certs'), { recursive: true });
  const ports = { C2S_PORT: await freePort(), COMPONENT_PORT: await freePort(), HTTP_PORT: await freePort() };
  const componentSecret = `bench-component-${process.pid}`;
  const config = join(runDir, 'prosody.cfg.lua');
  const values: Record<string, string | number> = { ...ports, RUN_DIR: runDir, COMPONENT_SECRET: componentSecret };
  writeFileSync(
    config,
    readFileSync(join(BENCH_DIR, 'prosody.cfg.lua'), 'utf8').replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => String(values[key])),
  );

  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
    rmSync(runDir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < clientCount; i += 1)
      execFileSync('prosodyctl', ['--config', config, 'register', `bench${i}`, 'localhost', PASSWORD], { stdio: 'pipe' });
    const prosody = await spawnProsody(config, ports.C2S_PORT, ports.COMPONENT_PORT);
    closers.push(() => stopProcess(prosody));
    const backend = await startBackend(ports.COMPONENT_PORT, componentSecret);
    closers.push(() => stopProcess(backend.proc));
    const { stack } = backend;
    const clients: TestClient[] = [];
    for (let i = 0; i < clientCount; i += 1) {
      const client = await login(ports.C2S_PORT, 'localhost', `bench${i}`, PASSWORD);
      closers.push(() => client.stop());
      clients.push(client);
    }
    return { c2sPort: ports.C2S_PORT, httpPort: ports.HTTP_PORT, stack, clients, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function startBackend(componentPort: number, componentSecret: string): Promise<{ proc: ChildProcess; stack: XmppEnv['stack'] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'xmpp-backend.ts'), String(componentPort), componentSecret], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the bench backend did not start in 60 s: ${output.slice(-800)}`));
    }, 60_000);
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const line = output.split('\n').find((l) => l.startsWith('BENCH-BACKEND '));
      if (line === undefined) return;
      clearTimeout(timer);
      resolveReady({ proc, stack: JSON.parse(line.slice('BENCH-BACKEND '.length)) as XmppEnv['stack'] });
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the bench backend exited with ${code}: ${output.slice(-800)}`));
    });
  });
}

/** Stops a child: SIGTERM, SIGKILL after 10 s; at once when it has already exited. */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}
