/**
 * `npm run build`: `dist/` from scratch — the library, CLI and bridge as ESM JavaScript with
 * `.d.ts` (tsc, tsconfig.build.json), the CloudFront Function sources (`cdn/*.js`, read at synth),
 * and the pre-bundled Lambda handler (esbuild).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleHandler } from './handler-bundle.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

/**
 * tsc rewrites `./x.ts` to `./x.js` in JavaScript (rewriteRelativeImportExtensions) but keeps
 * `.ts` in declarations, which TypeScript before 5.0 and other tools refuse; point them at `.js`.
 */
function rewriteDeclarationSpecifiers(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) rewriteDeclarationSpecifiers(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const rewritten = text.replace(/(['"])(\.\.?\/[^'"]*?)\.ts\1/g, '$1$2.js$1');
      if (rewritten !== text) writeFileSync(path, rewritten);
    }
  }
}

rmSync(DIST, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
rewriteDeclarationSpecifiers(DIST);
// The functions are plain JavaScript that tsc does not emit; cdn/function-code.ts reads them beside itself.
for (const name of readdirSync(join(ROOT, 'cdn'))) {
  if (name.endsWith('.js')) copyFileSync(join(ROOT, 'cdn', name), join(DIST, 'cdn', name));
}
await bundleHandler();
