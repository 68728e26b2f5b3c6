/**
 * Per-run folders, free loopback ports and config templates for the end-to-end servers.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const E2E_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
/** Git-ignored root of every run's files. */
export const RUN_ROOT = resolve(E2E_DIR, '..', '.run');

/** A fresh folder under test/.run/ for one server run. */
export function makeRunDir(name: string): string {
  const dir = join(RUN_ROOT, `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Registers an `afterEach` that notes failures and returns the cleanup for `afterAll`: it removes the run's
 * folder after its server stopped, unless a test failed or `E2E_KEEP_RUN=1` (configs and logs stay for a look).
 */
export function runDirCleanup(): (dir: string | undefined, setupFinished: boolean) => void {
  let failed = false;
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  return (dir, setupFinished) => {
    if (dir === undefined) return;
    if (failed || !setupFinished || process.env.E2E_KEEP_RUN === '1') {
      console.error(`e2e: kept ${dir}`);
      return;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/** A port that was free on 127.0.0.1 a moment ago (for servers that cannot bind port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Fills the `__KEY__` placeholders of a checked-in config into `target` (a form that YAML, Lua and shell all
 * parse, so formatters leave the templates alone); fails on an unknown key.
 */
export function renderConfig(template: string, target: string, values: Record<string, string | number>): void {
  const text = readFileSync(join(E2E_DIR, 'config', template), 'utf8').replace(/__([A-Z0-9_]+)__/g, (match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${template}: no value for ${match}`);
    return String(value);
  });
  writeFileSync(target, text);
}

/** Polls `probe` until it returns true or `timeoutMs` passes (a throwing probe fails at once); the error names what was awaited. */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolveListening) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolveListening(true);
    });
    socket.once('error', () => resolveListening(false));
    socket.connect(port, '127.0.0.1');
  });
}
