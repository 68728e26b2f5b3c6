import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` (`xmpp-s3-upload local`) as operators run it: real processes in one folder, on an
 * ephemeral PORT, with the CLI commands finding the running stack by themselves.
 */
const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'bin/cli.ts');
// One process (tsx's own CLI would spawn a second one), so the child's pid is the stack's.
const NODE_ARGS = ['--import', join(ROOT, 'node_modules/tsx/dist/loader.mjs'), CLI];
let dir: string;
let first: ChildProcess;
let firstErr = '';

/** The environment without any UPLOAD_* a developer's shell might carry. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('UPLOAD_') && key !== 'PORT'));
  return { ...env, PORT: '0', ...extra };
}

function run(args: string[], env = cleanEnv()): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args], { cwd: dir, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Starts a stack in `dir` and resolves once it prints its endpoint. */
function startStack(): Promise<{ child: ChildProcess; endpoint: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_ARGS, 'local'], { cwd: dir, env: cleanEnv() });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      firstErr = err;
      const endpoint = /slot endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(err)?.[1];
      if (endpoint !== undefined) resolve({ child, endpoint });
    });
    child.on('exit', (code) => reject(new Error(`the stack exited with ${code}: ${err}`)));
  });
}

const stopped = (child: ChildProcess) => new Promise((resolve) => child.once('exit', resolve));

let endpoint: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stack-command-'));
  ({ child: first, endpoint } = await startStack());
});

afterAll(async () => {
  if (first?.exitCode === null) {
    first.kill('SIGTERM');
    await stopped(first);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('xmpp-s3-upload local', () => {
  it('refuses a second stack on the same folder at once, naming the running one, with exit code 1', async () => {
    const second = await run(['local']);

    expect(second.code).toBe(1);
    expect(second.err).toContain(`pid ${first.pid}`);
    expect(second.err).toContain(endpoint);
    expect(second.err).not.toMatch(/Database is closed|\n\s+at /);
    expect((await fetch(`${endpoint}/healthz`)).status).toBe(200);
  });

  it('records its endpoint, so slot, info and quota find it on any PORT', async () => {
    const record = JSON.parse(readFileSync(join(dir, '.local-data/stack.json'), 'utf8'));
    const info = await run(['info', '--json']);
    const slot = await run(['slot', '--jid', 'alice@localhost', '--name', 'a.txt', '--size', '5']);
    const quota = await run(['quota', 'show', 'alice@localhost', '--json']);

    expect(record).toMatchObject({ pid: first.pid, endpoint });
    expect([info.code, slot.code, quota.code], info.err + slot.err + quota.err).toEqual([0, 0, 0]);
    expect(JSON.parse(info.out).serviceJid).toBe('upload.localhost');
    expect(slot.out).toContain(`GET ${new URL(endpoint).origin}`.slice(0, 20));
    expect(JSON.parse(quota.out).dailyUsedBytes).toBe(5);
  });

  it('removes its record when stopped', { timeout: 20_000 }, async () => {
    first.kill('SIGTERM');
    await stopped(first);

    expect(existsSync(join(dir, '.local-data/stack.json'))).toBe(false);
    expect(firstErr).toContain('stopping');
  });

  it('starts over the record of a stack that died without removing it', { timeout: 30_000 }, async () => {
    const dead = spawn(process.execPath, ['-e', '']);
    await stopped(dead);
    writeFileSync(join(dir, '.local-data/stack.json'), JSON.stringify({ pid: dead.pid, endpoint: 'http://127.0.0.1:1' }));

    ({ child: first, endpoint } = await startStack());

    expect(firstErr).toContain(`pid ${dead.pid}`);
    expect(JSON.parse(readFileSync(join(dir, '.local-data/stack.json'), 'utf8'))).toMatchObject({ pid: first.pid, endpoint });
  });
});
