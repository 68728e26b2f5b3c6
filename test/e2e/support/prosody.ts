/**
 * Runs Debian's Prosody 0.12 in the foreground from the checked-in config, on 127.0.0.1 only, with every file in
 * a per-run folder; stops it by its PID.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, isListening, makeRunDir, renderConfig, waitFor } from './run-dir.ts';

export interface ProsodyRun {
  readonly c2sPort: number;
  readonly componentPort: number;
  readonly componentSecret: string;
  readonly runDir: string;
  /** `prosodyctl register user host password`. */
  register(user: string, host: string, password: string): void;
  /** Starts Prosody (again) and waits for its ports. */
  start(): Promise<void>;
  /** Stops Prosody (SIGTERM to its PID) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts `prosody -F` with `config` and waits until its client and component ports listen;
 * kills it and throws with its output when it exits or does not listen within 20 s.
 */
export async function spawnProsody(config: string, c2sPort: number, componentPort: number): Promise<ChildProcess> {
  const proc = spawn('prosody', ['--config', config, '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(
    `prosody on 127.0.0.1:${c2sPort}/${componentPort}`,
    async () => {
      if (proc.exitCode !== null) throw new Error(`prosody exited with ${proc.exitCode}: ${output}`);
      return (await isListening(c2sPort)) && (await isListening(componentPort));
    },
    20_000,
  ).catch((error: Error) => {
    proc.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`);
  });
  return proc;
}

/** Prepares a Prosody run; call `start()`. */
export async function prepareProsody(componentSecret: string): Promise<ProsodyRun> {
  const runDir = makeRunDir('prosody');
  const c2sPort = await freePort();
  const componentPort = await freePort();
  const config = join(runDir, 'prosody.cfg.lua');
  mkdirSync(join(runDir, 'no-certs'));
  renderConfig('prosody.cfg.lua', config, {
    RUN_DIR: runDir,
    C2S_PORT: c2sPort,
    COMPONENT_PORT: componentPort,
    COMPONENT_SECRET: componentSecret,
  });
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  return {
    c2sPort,
    componentPort,
    componentSecret,
    runDir,
    register(user, host, password) {
      execFileSync('prosodyctl', ['--config', config, 'register', user, host, password], { stdio: 'pipe' });
    },
    async start() {
      const proc = await spawnProsody(config, c2sPort, componentPort);
      child = proc;
      exited = new Promise((resolveExit) => {
        if (proc.exitCode !== null || proc.signalCode !== null) resolveExit();
        else proc.once('exit', () => resolveExit());
      });
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
