/**
 * Pre-bundles the slot Lambda (`lambda/slot.lambda.ts`) into `dist/handler/index.mjs`, once, at
 * build time. The construct deploys that file as it is (`lib/handler-code.ts`), so a consumer's
 * `cdk synth` needs neither esbuild nor our lockfile. Run by `npm run build` and by `cdk.json`'s
 * app command (a deploy from a clone always ships the sources it was run from).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The handler's entry file and where its bundle goes (the construct reads it there). */
export const HANDLER_ENTRY = join(ROOT, 'lambda', 'slot.lambda.ts');
export const HANDLER_OUTFILE = join(ROOT, 'dist', 'handler', 'index.mjs');

/** Matches the Lambda runtime of `lib/defaults.ts` (`nodejs24.x`). */
export const HANDLER_TARGET = 'node24';

/**
 * Minified ESM for the Lambda runtime, `require` shimmed for CommonJS dependencies, the AWS SDK
 * bundled (the SDK version tested here is the one deployed, not whatever the runtime ships that
 * month). `withAliases: false` leaves out the credential alias (the benchmarks' naive baseline).
 */
export function handlerBuildOptions(entry: string, outfile: string, withAliases = true): BuildOptions {
  return {
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: HANDLER_TARGET,
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    external: [],
    logLevel: 'warning',
    // Lambda passes the role's credentials as environment variables: the rest of the default
    // chain (and its nested STS/SSO clients) is a third of the bundle.
    alias: withAliases ? { '@aws-sdk/credential-provider-node': join(ROOT, 'lambda', 'adapters', 'lambda-credentials.ts') } : {},
    // No wall-clock or path in the output: the asset hash changes only when the code does.
    legalComments: 'none',
  };
}

/** Writes `dist/handler/index.mjs`. */
export async function bundleHandler(): Promise<void> {
  await build(handlerBuildOptions(HANDLER_ENTRY, HANDLER_OUTFILE));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await bundleHandler();
