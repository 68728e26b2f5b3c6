/**
 * Makes sure Debian's Prosody and ejabberd are installed, running scripts/install-xmpp-servers.sh when a binary
 * is missing (CI runs as root on a fresh machine). Throws, never skips, when they cannot be installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = resolve(fileURLToPath(import.meta.url), '../../../../scripts/install-xmpp-servers.sh');

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

/** True when both server binaries are present. */
export function serversInstalled(): boolean {
  return onPath('prosody') && onPath('prosodyctl') && (onPath('ejabberdctl') || existsSync('/usr/sbin/ejabberdctl'));
}

/** Installs the servers if needed; throws with the installer's output when that fails. */
export function ensureXmppServers(): void {
  if (serversInstalled()) return;
  try {
    execFileSync('sh', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 540_000 });
  } catch (error) {
    const out = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`Prosody/ejabberd missing and ${SCRIPT} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
  if (!serversInstalled()) throw new Error(`${SCRIPT} ran but prosody/ejabberdctl are still missing`);
}
