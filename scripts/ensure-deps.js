// Installs the locked dependencies when node_modules is missing or older than the lockfile,
// so that `npm start` and `npm test` work as the first command on a fresh clone.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const lock = 'package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  // `npm install`, not `npm ci`: the lockfile pins every version, but it can only list the
  // platform builds of optional packages (biome's CLI) that the registry here serves, and
  // `npm ci` refuses a lockfile without all of them.
  console.error('Installing dependencies (npm install)…');
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
