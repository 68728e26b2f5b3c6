/**
 * The Ceph daemons of one test RGW as child processes run in the foreground (`-f`), so the fixture
 * knows each PID and stops exactly those: TERM, a short wait, then KILL (radosgw and the OSD may
 * ignore TERM for many seconds, and their state is throw-away).
 */
import { type ChildProcess, spawn } from 'node:child_process';

/** How long a daemon gets to exit after TERM before it is killed. */
const TERM_GRACE_MS = 1500;

export interface Daemon {
  readonly name: string;
  /** The daemon's own log file (where Ceph writes why it stopped). */
  readonly logFile: string;
  readonly process: ChildProcess;
  /** What the daemon printed (its log goes to the log file; this holds start-up failures). */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
}

export function spawnDaemon(name: string, logFile: string, args: readonly string[]): Daemon {
  const child = spawn(name, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (data: Buffer) => {
    output = (output + data.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output += `\n${String(error)}`;
      resolve();
    });
  });
  return { name, logFile, process: child, output: () => output, exited };
}

function running(daemon: Daemon): boolean {
  return daemon.process.exitCode === null && daemon.process.signalCode === null && daemon.process.pid !== undefined;
}

/** TERM to all at once, KILL to those still running after the grace time; resolves when all have exited. */
export async function stopDaemons(daemons: readonly Daemon[]): Promise<void> {
  const live = daemons.filter(running);
  for (const daemon of live) daemon.process.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const daemon of live.filter(running)) daemon.process.kill('SIGKILL');
  }, TERM_GRACE_MS);
  await Promise.all(live.map((daemon) => daemon.exited));
  clearTimeout(killer);
}

/** Kills what is left synchronously, for a test process that exits without its afterAll. */
export function killDaemonsNow(daemons: readonly Daemon[]): void {
  for (const daemon of daemons.filter(running)) daemon.process.kill('SIGKILL');
}
