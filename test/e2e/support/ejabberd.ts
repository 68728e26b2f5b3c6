/**
 * Runs Debian's ejabberd 23.01 as the current user (root in CI) from the checked-in config: every listener and
 * the Erlang distribution on 127.0.0.1, no epmd, a private cookie, all files in a per-run folder (docs/development.md, "Running real XMPP servers").
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, isListening, makeRunDir, renderConfig, waitFor } from './run-dir.ts';

const run = promisify(execFile);
const CONFIG_DIR = resolve(fileURLToPath(import.meta.url), '../../config');
const EJABBERDCTL = '/usr/sbin/ejabberdctl';

export interface EjabberdRun {
  readonly c2sPort: number;
  readonly componentPort: number;
  readonly runDir: string;
  /** `ejabberdctl register` (needs the running node). */
  register(user: string, host: string, password: string): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface EjabberdOptions {
  /** The config template in test/e2e/config. @default 'ejabberd.yml' */
  readonly template?: string;
  /** More values for the template's placeholders. */
  readonly values?: Readonly<Record<string, string | number>>;
}

/** Prepares an ejabberd run; call `start()`. */
export async function prepareEjabberd(componentSecret: string, options: EjabberdOptions = {}): Promise<EjabberdRun> {
  const runDir = makeRunDir('ejabberd');
  const [c2sPort, componentPort, distPort] = [await freePort(), await freePort(), await freePort()];
  const configDir = join(runDir, 'etc');
  const dirs = { logs: join(runDir, 'logs'), spool: join(runDir, 'spool') };
  for (const dir of [configDir, dirs.logs, dirs.spool]) mkdirSync(dir, { recursive: true });
  const values = {
    RUN_DIR: runDir,
    C2S_PORT: c2sPort,
    COMPONENT_PORT: componentPort,
    COMPONENT_SECRET: componentSecret,
    DIST_PORT: distPort,
    NODE_NAME: `e2e${distPort}`,
    COOKIE: randomBytes(12).toString('hex'),
    ...options.values,
  };
  renderConfig(options.template ?? 'ejabberd.yml', join(configDir, 'ejabberd.yml'), values);
  renderConfig('ejabberdctl.cfg', join(configDir, 'ejabberdctl.cfg'), values);
  copyFileSync(join(CONFIG_DIR, 'inetrc'), join(configDir, 'inetrc'));
  const ctlArgs = ['--config-dir', configDir, '--logs', dirs.logs, '--spool', dirs.spool];
  const ctl = (...args: string[]) => run(EJABBERDCTL, [...ctlArgs, ...args], { timeout: 60_000 });
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  return {
    c2sPort,
    componentPort,
    runDir,
    async register(user, host, password) {
      await ctl('register', user, host, password);
    },
    async start() {
      const proc = spawn(EJABBERDCTL, [...ctlArgs, 'foreground-quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      let output = '';
      proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      exited = new Promise((resolveExit) => proc.once('exit', () => resolveExit()));
      await waitFor(
        `ejabberd on 127.0.0.1:${c2sPort}/${componentPort}`,
        async () => {
          if (proc.exitCode !== null) throw new Error(`ejabberd exited with ${proc.exitCode}`);
          return (await isListening(c2sPort)) && (await isListening(componentPort));
        },
        60_000,
        250,
      ).catch((error: Error) => {
        proc.kill('SIGKILL');
        throw new Error(`${error.message}\n${output}\n(see ${dirs.logs})`);
      });
      // The listeners come up before the node answers ejabberdctl; wait until it does.
      await waitFor(
        'ejabberdctl status',
        () =>
          ctl('status').then(
            () => true,
            () => false,
          ),
        30_000,
        250,
      );
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      await ctl('stop').catch(() => child?.kill('SIGTERM'));
      const killer = setTimeout(() => child?.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
