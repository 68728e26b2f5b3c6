/**
 * Makes sure Debian's Ceph (mon, OSD, radosgw) is installed, running scripts/install-ceph.sh when a
 * binary is missing (CI runs as root on a fresh machine). Throws, never skips, when it cannot be installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = resolve(fileURLToPath(import.meta.url), '../../../scripts/install-ceph.sh');
/** Every binary the fixture runs; the script checks the same list. */
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'ceph', 'ceph-authtool', 'monmaptool'];

function missing(): string[] {
  return BINARIES.filter((binary) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status !== 0);
}

/** Installs Ceph if needed; throws with the installer's output when that fails. */
export function ensureCeph(): void {
  if (missing().length === 0) return;
  try {
    execFileSync('sh', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 540_000 });
  } catch (error) {
    const out = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`Ceph missing and ${SCRIPT} failed:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
  const still = missing();
  if (still.length > 0) throw new Error(`${SCRIPT} ran but ${still.join(', ')} still missing`);
}
