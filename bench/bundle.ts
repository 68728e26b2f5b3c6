/**
 * The Lambda bundle as `npm run build` makes it, and what is in it: esbuild with the options of
 * scripts/handler-bundle.ts, and byte counts per package from esbuild's metafile.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { handlerBuildOptions } from '../scripts/handler-bundle.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'bench', '.run', 'bundles');

export interface Bundle {
  readonly file: string;
  readonly minBytes: number;
  readonly gzipBytes: number;
  readonly metafile: Metafile;
}

/**
 * esbuild with the options of the package's pre-built handler (scripts/handler-bundle.ts).
 * `withAliases: false` leaves out the module aliases (the naive baseline knows nothing of them).
 */
export async function bundle(entry: string, name: string, withAliases = true): Promise<Bundle> {
  const file = join(OUT, name, 'index.mjs');
  mkdirSync(dirname(file), { recursive: true });
  const result = await build({ ...handlerBuildOptions(join(ROOT, entry), file, withAliases), metafile: true });
  const bytes = readFileSync(file);
  return { file, minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, metafile: result.metafile };
}

/** Bytes in the output per npm package (or `(project)` for our own sources), largest first. */
export function bytesByPackage(metafile: Metafile): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      const name = match?.[1] ?? '(project)';
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/** Packages of the SDK's default credential chain that a Lambda (environment credentials) never runs. */
export const CREDENTIAL_CHAIN = /^@aws-sdk\/(nested-clients|token-providers|credential-provider-(?!env$)[a-z-]+)$/;

/** Bytes in the output per package sub-folder (`@smithy/core/protocols`) for packages matching `only`, largest first. */
export function bytesByPart(metafile: Metafile, only: RegExp): Array<[string, number]> {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:dist-es\/|dist-cjs\/)?(?:submodules\/)?([^/]+)/.exec(path);
      if (match === null || !only.test(match[1] ?? '')) continue;
      const name = `${match[1]}/${(match[2] ?? '').replace(/\.js$/, '')}`;
      totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}
