/**
 * The slot Lambda's code: the bundle `npm run build` wrote to `dist/handler/` (scripts/handler-bundle.ts).
 * Deployed as it is, so synth runs no bundler and needs no lockfile, in this repository and in a
 * consumer's app alike.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from 'aws-cdk-lib/aws-lambda';

/** The handler as the Lambda runtime names it: `index.mjs`, export `handler`. */
export const HANDLER = 'index.handler';

/**
 * The package root: the nearest folder above this file with a package.json. This file runs as
 * `lib/handler-code.ts` in a clone and as `dist/lib/handler-code.js` when installed.
 */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

/** Where the pre-built bundle lives. */
export const HANDLER_BUNDLE_DIR = join(packageRoot(), 'dist', 'handler');

/** The bundle as a Lambda asset. @throws Error saying how to build it when it is missing. */
export function handlerCode(): Code {
  if (!existsSync(join(HANDLER_BUNDLE_DIR, 'index.mjs'))) {
    throw new Error(`The slot Lambda bundle ${join(HANDLER_BUNDLE_DIR, 'index.mjs')} is missing: run "npm run build" first.`);
  }
  return Code.fromAsset(HANDLER_BUNDLE_DIR);
}
